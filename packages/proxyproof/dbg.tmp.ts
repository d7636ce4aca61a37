import { lintFiles } from './test/python/lint-files.ts';
import { systemdUnit, nginxTls } from './test/python/fixtures.ts';
import { nginxModel } from './src/facts/nginx/index.ts';
const { facts } = await lintFiles({ 'app.service': systemdUnit('gunicorn -b 10.0.0.5:8000 app:app'), 'site.conf': nginxTls('http://10.0.0.5:8000') });
console.log(JSON.stringify(facts.appServers[0]?.binds), facts.nginx.configs.length);
const m = nginxModel(facts); console.log(JSON.stringify(m.servers.map(s => s.scopes.map(sc => sc.pass && {h: sc.pass.host, p: sc.pass.port, u: sc.pass.upstream?.name}))));
import { schemeFromProxy } from './src/checks/appserver/context.ts';
console.log(schemeFromProxy(facts, facts.appServers[0]!));
