/**
 * nginx-proxy (collectors/nginx-proxy): the sites it generates from compose facts, the chain through it, and the case
 * table of nginx-proxy/trust-downstream-proxy.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { nginxProxyTrustDownstreamProxy } from '../../../src/checks/nginx-proxy/trust-downstream-proxy.js';
import { type Case, doctorFiles, lintFiles, runCase } from '../../python/lint-files.js';

/** The routed app: gunicorn on :8000 in service `web`, with the given environment lines. */
function webService(env: string[]): string[] {
  return [
    '  web:',
    '    build: .',
    '    command: gunicorn --bind 0.0.0.0:8000 mysite.wsgi',
    '    expose:',
    '      - "8000"',
    '    environment:',
    ...env.map((e) => `      - ${e}`),
  ];
}

/** A compose file with nginx-proxy (its environment lines given) and a gunicorn app with the given environment. */
function stack(proxyEnv: string[], appEnv: string[], ports = ['"80:80"', '"443:443"'], image = 'nginxproxy/nginx-proxy:1.6') {
  return [
    'services:',
    '  proxy:',
    `    image: ${image}`,
    '    ports:',
    ...ports.map((p) => `      - ${p}`),
    '    volumes:',
    '      - /var/run/docker.sock:/tmp/docker.sock:ro',
    ...(proxyEnv.length ? ['    environment:', ...proxyEnv.map((e) => `      - ${e}`)] : []),
    ...webService(appEnv),
    '',
  ].join('\n');
}

const app = ['VIRTUAL_HOST=app.example.org', 'LETSENCRYPT_HOST=app.example.org'];

describe('collectors/nginx-proxy: sites from compose', () => {
  test('TLS site routing VIRTUAL_HOST to the service on its only exposed port; :80 redirects (HTTPS_METHOD default)', async () => {
    const { facts } = await lintFiles({ 'docker-compose.yml': stack([], app) });
    const config = (facts.proxies ?? []).find((p) => p.sites.some((s) => s.id.startsWith('nginx-proxy:')));
    assert.ok(config, 'an nginx-proxy config');
    assert.equal(config.container?.service, 'proxy');
    const [tls, plain] = config.sites;
    assert.ok(tls && plain);
    assert.deepEqual(
      tls.listeners.map((l) => [l.port, l.tls]),
      [[443, true]],
    );
    assert.equal(tls.routes[0]?.upstreams[0]?.text, 'web:8000');
    assert.equal(tls.routes[0]?.sampleHost, 'app.example.org');
    assert.equal(tls.trust.mode, 'all');
    assert.equal(tls.routes[0]?.headers.find((h) => h.name === 'X-Forwarded-Proto')?.value, '{trusted:x-forwarded-proto|scheme}');
    assert.equal(plain.routes.length, 0);
    assert.match(plain.notAHop ?? '', /redirects plain HTTP to https/);
  });

  test('TRUST_DOWNSTREAM_PROXY=false: its own scheme and host; VIRTUAL_PORT wins; HTTPS_METHOD=noredirect serves :80 too', async () => {
    const { facts } = await lintFiles({
      'docker-compose.yml': stack(['TRUST_DOWNSTREAM_PROXY=false'], [...app, 'VIRTUAL_PORT=9000', 'HTTPS_METHOD=noredirect']),
    });
    const config = (facts.proxies ?? []).find((p) => p.sites.some((s) => s.id.startsWith('nginx-proxy:')));
    const [tls, plain] = config?.sites ?? [];
    assert.equal(tls?.trust.mode, 'none');
    assert.equal(tls?.routes[0]?.headers.find((h) => h.name === 'X-Forwarded-Proto')?.value, '{scheme}');
    assert.equal(tls?.routes[0]?.upstreams[0]?.text, 'web:9000');
    assert.equal(plain?.routes.length, 1);
  });

  test('no published 443: a plain-HTTP site only; VIRTUAL_PROTO=uwsgi is noted, not routed', async () => {
    const { facts } = await lintFiles({
      'docker-compose.yml': stack([], ['VIRTUAL_HOST=a.example.org', 'VIRTUAL_PROTO=uwsgi'], ['"80:80"']),
    });
    const config = (facts.proxies ?? []).find((p) => p.sites.some((s) => s.id.startsWith('nginx-proxy:')));
    assert.equal(config, undefined, 'nothing routed, no config');
    const plainOnly = await lintFiles({ 'docker-compose.yml': stack([], ['VIRTUAL_HOST=a.example.org'], ['"80:80"']) });
    const sites = (plainOnly.facts.proxies ?? []).flatMap((p) => p.sites);
    assert.deepEqual(
      sites.map((s) => [s.listeners.map((l) => l.tls).join(), s.routes.length]),
      [['false', 1]],
    );
  });

  test('the jwilder image and an app stack in another compose file (the usual one-proxy-per-host setup)', async () => {
    const proxyOnly = stack([], [], ['"80:80"', '"443:443"'], 'jwilder/nginx-proxy:alpine').replace(/ {2}web:[\s\S]*$/, '');
    const appStack = [
      'services:',
      '  web:',
      '    build: .',
      '    command: gunicorn --bind 0.0.0.0:8000 mysite.wsgi',
      '    expose: ["8000"]',
      '    environment:',
      '      - VIRTUAL_HOST=app.example.org',
      '',
    ].join('\n');
    const { facts } = await lintFiles({ 'proxy/docker-compose.yml': proxyOnly, 'docker-compose.yml': appStack });
    const route = (facts.proxies ?? []).flatMap((p) => p.sites).find((s) => s.routes.length)?.routes[0];
    assert.equal(route?.upstreams[0]?.text, 'web:8000');
    assert.equal(route?.ref.file, 'docker-compose.yml');
  });

  test('a tree nginx config is never placed in the nginx-proxy container (it writes its own)', async () => {
    const { analysis } = await lintFiles({
      'docker-compose.yml': stack([], app),
      'nginx/site.conf': 'server {\n  listen 80;\n  location / {\n    proxy_pass http://127.0.0.1:8000;\n  }\n}\n',
    });
    const hop = analysis.chain.topology.proxies.find((p) => p.label.startsWith('nginx :80'));
    assert.ok(hop, JSON.stringify(analysis.chain.topology.proxies.map((p) => p.label)));
    assert.notEqual(hop.placement.kind === 'container' ? hop.placement.service : '', 'proxy');
  });
});

describe('collectors/nginx-proxy: VIRTUAL_HOST_MULTIPORTS', () => {
  /** A container with two services (8000, 9000) published through VIRTUAL_HOST_MULTIPORTS (nginx-proxy 1.6+). */
  const multi = (value: string[], extra: string[] = []) =>
    [
      'services:',
      '  proxy:',
      '    image: nginxproxy/nginx-proxy:1.6',
      '    ports:',
      '      - "80:80"',
      '      - "443:443"',
      '  web:',
      '    build: .',
      '    command: gunicorn --bind 0.0.0.0:8000 mysite.wsgi',
      '    expose:',
      '      - "8000"',
      '      - "9000"',
      '    environment:',
      ...extra,
      '      VIRTUAL_HOST_MULTIPORTS: |-',
      ...value.map((v) => `        ${v}`),
      '',
    ].join('\n');

  test('invalid before (nothing routed): one route per host and path, each to its port; a host with no paths takes / on the default port', async () => {
    const { facts } = await lintFiles({
      'docker-compose.yml': multi(
        ['www.example.org:', 'api.example.org:', '  "/":', '    port: 8000', '  "/admin":', '    port: 9000'],
        ['      VIRTUAL_HOST: ignored.example.org', '      VIRTUAL_PORT: "1234"'],
      ),
    });
    const tls = (facts.proxies ?? []).flatMap((p) => p.sites).find((s) => s.id.endsWith(':https'));
    assert.ok(tls);
    assert.deepEqual(
      tls.routes.map((r) => [r.sampleHost, r.samplePath, r.upstreams[0]?.text]),
      [
        ['www.example.org', '/', 'web'],
        ['api.example.org', '/', 'web:8000'],
        ['api.example.org', '/admin', 'web:9000'],
      ],
    );
    // VIRTUAL_HOST and VIRTUAL_PORT are overridden (nginx.tmpl drops them for a MULTIPORTS container).
    assert.ok(!tls.names.includes('ignored.example.org'));
  });

  test('JSON form; a value that is not a mapping is a note and routes nothing (trap: no guessed route)', async () => {
    const json = await lintFiles({ 'docker-compose.yml': multi(['{"api.example.org": {"/": {"port": 8000}}}']) });
    const tls = (json.facts.proxies ?? []).flatMap((p) => p.sites).find((s) => s.id.endsWith(':https'));
    assert.equal(tls?.routes[0]?.upstreams[0]?.text, 'web:8000');
    const bad = await lintFiles({ 'docker-compose.yml': multi(['just-a-string']) });
    const sites = (bad.facts.proxies ?? []).flatMap((p) => p.sites).filter((s) => s.id.startsWith('nginx-proxy:'));
    assert.equal(sites.flatMap((s) => s.routes).length, 0);
  });
});

describe('collectors/nginx-proxy: external ports and dest', () => {
  /** Sites of nginx-proxy (id, port, routes' matches) for this compose file. */
  async function sitesOf(compose: string) {
    const { facts } = await lintFiles({ 'docker-compose.yml': compose });
    const sites = (facts.proxies ?? []).flatMap((p) => p.sites).filter((s) => s.id.startsWith('nginx-proxy:'));
    return { sites, notes: [...sites.flatMap((s) => s.notes), ...facts.diagnostics.map((d) => d.message)] };
  }
  const ports = ['"80:80"', '"443:443"', '"8080:8080"', '"8443:8443"'];
  /** The stack publishing `ports`, its app routed by these VIRTUAL_HOST_MULTIPORTS YAML lines. */
  const multiports = (yaml: string[]) =>
    stack([], [], ports).replace(
      '    environment:\n',
      ['    environment:', '      VIRTUAL_HOST_MULTIPORTS: |-', ...yaml.map((l) => `        ${l}`), ''].join('\n'),
    );

  test('invalid before: MULTIPORTS external_http(s)_port put the host on those listeners (the proxy publishes them); dest is in the match', async () => {
    const compose = multiports([
      'web1.example.org:',
      '  external_http_port: 8080',
      '  external_https_port: 8443',
      '  "/sub":',
      '    port: 8000',
      '    dest: "/"',
      'web4.example.org:',
    ]);
    const { sites } = await sitesOf(compose);
    assert.deepEqual(
      sites.map((s) => [s.id.replace(/^.*:proxy:/, ''), s.listeners[0]?.port, s.routes.map((r) => r.match), s.notAHop ?? '']),
      [
        ['https', 443, ['VIRTUAL_HOST_MULTIPORTS web4.example.org'], ''],
        ['https:8443', 8443, ['VIRTUAL_HOST_MULTIPORTS web1.example.org /sub port 8000 dest /'], ''],
        ['http', 80, [], 'redirects plain HTTP to https (HTTPS_METHOD redirect)'],
        ['http:8080', 8080, [], 'redirects plain HTTP to https (HTTPS_METHOD redirect)'],
      ],
    );
  });

  test('EXTERNAL_HTTPS_PORT on a VIRTUAL_HOST container; trap: an external port the proxy does not publish serves plain HTTP only', async () => {
    const { sites } = await sitesOf(stack([], [...app, 'EXTERNAL_HTTPS_PORT=8443', 'VIRTUAL_DEST=/'], ports));
    const tls = sites.find((s) => s.listeners[0]?.port === 8443);
    assert.equal(tls?.routes[0]?.match, 'VIRTUAL_HOST=app.example.org VIRTUAL_DEST=/');
    assert.equal(sites.find((s) => s.id.endsWith(':https'))?.routes.length, 0);
    const unpublished = await sitesOf(stack([], [...app, 'EXTERNAL_HTTPS_PORT=9443'], ports));
    assert.deepEqual(
      unpublished.sites.map((s) => [s.listeners[0]?.port, s.routes.length]),
      [
        [443, 0],
        [80, 1],
      ],
    );
  });

  test('valid (trap): a MULTIPORTS host with only external ports has no path: no route, a note', async () => {
    const compose = multiports(['web1.example.org:', '  external_http_port: 8080']);
    const { sites, notes } = await sitesOf(compose);
    assert.equal(sites.flatMap((s) => s.routes).length, 0);
    assert.ok(notes.some((n) => /web1\.example\.org has no path/.test(n)));
  });
});

describe('collectors/nginx-proxy: built from a Dockerfile, VIRTUAL_HOST from env_file', () => {
  /** `build: nginx` whose Dockerfile starts FROM `from`; the app's VIRTUAL_HOST only in its env_file's template. */
  function builtStack(from: string) {
    const compose = stack([], [], ['"80:80"', '"443:443"'])
      .replace('    image: nginxproxy/nginx-proxy:1.6\n', '    build: nginx\n')
      .replace('    environment:\n', '    env_file:\n      - ./.env.prod\n')
      .replace(/\n$/, '');
    return {
      'docker-compose.yml': `${compose}\n`,
      'nginx/Dockerfile': `FROM ${from}\nCOPY vhost.d/default /etc/nginx/vhost.d/default\n`,
      '.env.prod-sample': 'DEBUG=0\nVIRTUAL_HOST=app.example.org\nVIRTUAL_PORT=8000\n',
    };
  }

  test('invalid before: FROM nginxproxy/nginx-proxy is nginx-proxy; the env_file template routes web:8000', async () => {
    const { facts } = await lintFiles(builtStack('nginxproxy/nginx-proxy:1.6'));
    const config = (facts.proxies ?? []).find((p) => p.sites.some((s) => s.id.startsWith('nginx-proxy:')));
    assert.ok(config, 'an nginx-proxy config');
    assert.match(config.container?.why ?? '', /^built FROM nginxproxy\/nginx-proxy:1\.6 \(nginx\/Dockerfile:1\)/);
    const tls = config.sites.find((s) => s.listeners.some((l) => l.tls));
    assert.equal(tls?.routes[0]?.upstreams[0]?.text, 'web:8000');
    assert.equal(tls?.routes[0]?.sampleHost, 'app.example.org');
    assert.deepEqual(tls?.routes[0]?.ref && [tls.routes[0].ref.file, tls.routes[0].ref.line], ['.env.prod-sample', 2]);
  });

  test('the chain goes through it: lost at gunicorn in its own container', async () => {
    const { analysis } = await lintFiles(builtStack('jwilder/nginx-proxy'));
    const r = analysis.chain.verdict.routes[0];
    assert.ok(r, 'a route');
    assert.equal(r.scheme.believed, 'http');
    assert.match(r.trace.steps[r.scheme.lostAt?.step ?? -1]?.label ?? '', /^gunicorn/);
  });

  test('valid (trap): FROM nginx:alpine is a plain nginx image, not nginx-proxy', async () => {
    const { facts } = await lintFiles(builtStack('nginx:1.27-alpine'));
    assert.equal(
      (facts.proxies ?? []).find((p) => p.sites.some((s) => s.id.startsWith('nginx-proxy:'))),
      undefined,
    );
  });
});

/** A self-written docker-gen template: nginx-proxy's shape in a few lines (`xfp` is its X-Forwarded-Proto part). */
function template(xfp: string[]) {
  return [
    '{{ $CurrentContainer := where $ "ID" .Docker.CurrentContainerID | first }}',
    ...xfp,
    '{{ range $host, $containers := groupByMulti $ "Env.VIRTUAL_HOST" "," }}',
    'upstream {{ $host }} {',
    '  {{ range $container := $containers }}server {{ $container.IP }}:80;{{ end }}',
    '}',
    'server {',
    '  server_name {{ $host }};',
    '  listen 80;',
    '  location / {',
    '    proxy_pass http://{{ trim $host }};',
    '  }',
    '}',
    '{{ end }}',
    '',
  ].join('\n');
}
const legacyMap = [
  'map $http_x_forwarded_proto $proxy_x_forwarded_proto {',
  '  default $http_x_forwarded_proto;',
  "  ''      $scheme;",
  '}',
  'proxy_set_header X-Forwarded-Proto $proxy_x_forwarded_proto;',
];
const currentMap = [
  '{{ $trust_downstream_proxy := parseBool (coalesce $.Env.TRUST_DOWNSTREAM_PROXY "true") }}',
  'map $http_x_forwarded_proto $proxy_x_forwarded_proto {',
  '  {{ if $trust_downstream_proxy }}default $http_x_forwarded_proto;{{ end }}',
  "  ''      $scheme;",
  '}',
];
/** nginx and docker-gen as nginx-proxy's docs lay them out; `gen` lines replace docker-gen's command/env. */
function separate(opts: { command?: string; genEnv?: string[]; nginxImage?: string; container?: string } = {}) {
  return [
    'services:',
    '  web-proxy:',
    `    image: ${opts.nginxImage ?? 'nginx:1.27-alpine'}`,
    ...(opts.container ? [`    container_name: ${opts.container}`] : []),
    '    ports:',
    '      - "80:80"',
    '      - "443:443"',
    '    volumes:',
    '      - conf:/etc/nginx/conf.d',
    '  gen:',
    '    image: nginxproxy/docker-gen:0.14',
    `    command: ${opts.command ?? '-notify-sighup web-proxy -watch /etc/docker-gen/templates/nginx.tmpl /etc/nginx/conf.d/default.conf'}`,
    '    volumes_from:',
    '      - web-proxy',
    '    volumes:',
    '      - /var/run/docker.sock:/tmp/docker.sock:ro',
    '      - ./nginx.tmpl:/etc/docker-gen/templates/nginx.tmpl:ro',
    ...(opts.genEnv?.length ? ['    environment:', ...opts.genEnv.map((e) => `      - ${e}`)] : []),
    ...webService(['VIRTUAL_HOST=app.example.org']),
    'volumes:',
    '  conf:',
    '',
  ].join('\n');
}
const configOf = (facts: { proxies?: Array<{ sites: Array<{ id: string }> }> }) =>
  (facts.proxies ?? []).find((p) => p.sites.some((s) => s.id.startsWith('nginx-proxy:')));

describe('collectors/nginx-proxy: separate containers (plain nginx + docker-gen with a template)', () => {
  test('invalid before: the template is not linted as raw nginx; the nginx service is nginx-proxy, trusting by TRUST_DOWNSTREAM_PROXY of docker-gen', async () => {
    const { facts, findings, notRead } = await lintFiles({
      'docker-compose.yml': separate(),
      'nginx.tmpl': template(currentMap),
    });
    assert.deepEqual(
      findings.filter((f) => f.id.startsWith('nginx/')).map((f) => f.id),
      [],
      'no raw-nginx finding on the template',
    );
    assert.equal(facts.nginx.configs.length, 0);
    const config = configOf(facts) as (typeof facts.proxies & object)[number] | undefined;
    assert.ok(config, 'an nginx-proxy config');
    assert.equal(config.container?.service, 'web-proxy');
    assert.match(config.container?.why ?? '', /docker-gen \(gen\) signals it.*from nginx\.tmpl/);
    const tls = config.sites.find((s) => s.listeners.some((l) => l.tls));
    assert.equal(tls?.trust.mode, 'all');
    assert.equal(tls?.routes[0]?.upstreams[0]?.text, 'web:8000');
    assert.deepEqual(
      notRead.map((n) => n.file),
      [],
      'the template is used, not listed as not read',
    );
  });

  test('TRUST_DOWNSTREAM_PROXY=false on the docker-gen service (whose environment the template reads)', async () => {
    const { facts } = await lintFiles({
      'docker-compose.yml': separate({ genEnv: ['TRUST_DOWNSTREAM_PROXY=false'] }),
      'nginx.tmpl': template(currentMap),
    });
    const tls = configOf(facts)?.sites.find((s) => s.id.endsWith(':https')) as { trust: { mode: string } } | undefined;
    assert.equal(tls?.trust.mode, 'none');
  });

  test('a template of before TRUST_DOWNSTREAM_PROXY keeps the client value whatever the environment; one that sends $scheme trusts none', async () => {
    const legacy = await lintFiles({
      'docker-compose.yml': separate({ genEnv: ['TRUST_DOWNSTREAM_PROXY=false'] }),
      'nginx.tmpl': template(legacyMap),
    });
    const lt = (configOf(legacy.facts)?.sites ?? []).find((s) => s.id.endsWith(':https')) as
      | { trust: { mode: string; ref: { file: string; line: number } } }
      | undefined;
    assert.equal(lt?.trust.mode, 'all');
    assert.deepEqual([lt?.trust.ref.file, lt?.trust.ref.line], ['nginx.tmpl', 2]);
    const own = await lintFiles({
      'docker-compose.yml': separate(),
      'nginx.tmpl': template(['proxy_set_header X-Forwarded-Proto $scheme;']),
    });
    const ot = (configOf(own.facts)?.sites ?? []).find((s) => s.id.endsWith(':https')) as { trust: { mode: string } } | undefined;
    assert.equal(ot?.trust.mode, 'none');
  });

  test('paired by container_name in -notify-sighup, or as the only nginx; the template in a mounted folder', async () => {
    const byName = await lintFiles({
      'docker-compose.yml': separate({
        container: 'front',
        command: '-notify-sighup front -watch -wait 5s:30s /etc/docker-gen/templates/nginx.tmpl /etc/nginx/conf.d/default.conf',
      }),
      'nginx.tmpl': template(currentMap),
    });
    assert.equal(configOf(byName.facts) !== undefined, true);
    const only = await lintFiles({
      'docker-compose.yml': separate({
        command: '-watch /etc/docker-gen/templates/nginx.tmpl /etc/nginx/conf.d/default.conf',
      }).replace('./nginx.tmpl:/etc/docker-gen/templates/nginx.tmpl:ro', './templates:/etc/docker-gen/templates:ro'),
      'templates/nginx.tmpl': template(legacyMap),
    });
    const t = (configOf(only.facts)?.sites ?? []).find((s) => s.id.endsWith(':https')) as
      | { trust: { ref: { file: string } } }
      | undefined;
    assert.equal(t?.trust.ref.file, 'templates/nginx.tmpl');
  });

  test('invalid before: docker-gen built from a Dockerfile that COPYs the template and holds the command (CMD)', async () => {
    const compose = separate()
      .replace('    image: nginxproxy/docker-gen:0.14\n', '    build: ./gen\n')
      .replace(/ {4}command: .*\n/, '')
      .replace('      - ./nginx.tmpl:/etc/docker-gen/templates/nginx.tmpl:ro\n', '');
    const { facts, findings } = await lintFiles({
      'docker-compose.yml': compose,
      'gen/Dockerfile':
        'FROM jwilder/docker-gen:0.7.3\nCOPY nginx.tmpl /etc/docker-gen/templates/\nCMD ["-notify-sighup", "web-proxy", "-watch", "/etc/docker-gen/templates/nginx.tmpl", "/etc/nginx/conf.d/default.conf"]\n',
      'gen/nginx.tmpl': template(legacyMap),
    });
    assert.deepEqual(
      findings.filter((f) => f.id.startsWith('nginx/')).map((f) => f.id),
      [],
    );
    const tls = (configOf(facts)?.sites ?? []).find((s) => s.id.endsWith(':https')) as
      | { trust: { mode: string; ref: { file: string } } }
      | undefined;
    assert.equal(tls?.trust.mode, 'all');
    assert.equal(tls?.trust.ref.file, 'gen/nginx.tmpl');
  });

  test('invalid before: VIRTUAL_HOST=${DOMAIN} left to the deploy’s .env still routes the container (host unknown)', async () => {
    const { facts, analysis } = await lintFiles({
      'docker-compose.yml': separate().replace('VIRTUAL_HOST=app.example.org', 'VIRTUAL_HOST=${APP_DOMAIN}'),
      'nginx.tmpl': template(currentMap),
    });
    const tls = (configOf(facts)?.sites ?? []).find((s) => s.id.endsWith(':https')) as
      | { routes: Array<{ match: string; sampleHost?: string; upstreams: Array<{ text: string }> }>; names: string[] }
      | undefined;
    assert.equal(tls?.routes[0]?.match, 'VIRTUAL_HOST=${APP_DOMAIN}');
    assert.equal(tls?.routes[0]?.sampleHost, undefined);
    assert.deepEqual(tls?.names, []);
    assert.equal(tls?.routes[0]?.upstreams[0]?.text, 'web:8000');
    assert.ok(analysis.chain.verdict.routes.length > 0, 'a chain through it');
  });

  test('valid (traps): docker-gen writing another file, or signalling a container not in the file, makes no nginx-proxy', async () => {
    const other = await lintFiles({
      'docker-compose.yml': separate({ command: '-watch /etc/docker-gen/templates/nginx.tmpl /srv/hosts.txt' }),
      'nginx.tmpl': template(currentMap),
    });
    assert.equal(configOf(other.facts), undefined);
    const elsewhere = await lintFiles({
      'docker-compose.yml': separate({
        command: '-notify-sighup other-stack-nginx /etc/docker-gen/templates/nginx.tmpl /etc/nginx/conf.d/default.conf',
      }),
      'nginx.tmpl': template(currentMap),
    });
    assert.equal(configOf(elsewhere.facts), undefined);
    // The template is still not linted as raw nginx: said under Not read with why.
    assert.match(elsewhere.notRead.find((n) => n.file === 'nginx.tmpl')?.reason ?? '', /docker-gen template/);
  });

  test('valid (trap): a Go-templated nginx file without docker-gen functions is still the nginx collector’s', async () => {
    const { facts } = await lintFiles({
      'nginx/site.conf.tmpl':
        'server {\n  listen 80;\n  server_name {{ .Domain }};\n  location / {\n    proxy_pass http://127.0.0.1:8000;\n  }\n}\n',
    });
    assert.equal(facts.nginx.configs.length, 1);
  });
});

describe('collectors/nginx-proxy: nginx-proxy-manager', () => {
  test('invalid before (silent): its proxy hosts are in its database: a note at the service says it is not read', async () => {
    const { facts } = await lintFiles({
      'docker-compose.yml': stack([], app).replace(
        'image: nginxproxy/nginx-proxy:1.6',
        "image: 'jc21/nginx-proxy-manager:2.12.1'",
      ),
    });
    const note = facts.diagnostics.find((d) => /nginx-proxy-manager/.test(d.message));
    assert.equal(note?.level, 'note');
    assert.deepEqual([note?.file, note?.line], ['docker-compose.yml', 2]);
    assert.match(note?.message ?? '', /not read: its proxy hosts live in its database/);
    assert.equal(configOf(facts), undefined, 'not read as nginx-proxy (VIRTUAL_HOST means nothing to it)');
  });

  test('valid (trap): nginx-proxy itself gets no such note', async () => {
    const { facts } = await lintFiles({ 'docker-compose.yml': stack([], app) });
    assert.equal(
      facts.diagnostics.some((d) => /nginx-proxy-manager/.test(d.message)),
      false,
    );
  });
});

describe('collectors/nginx: nginx-proxy vhost.d snippets', () => {
  test('invalid before: vhost.d/default (locations, no server) is not a server that proxies nothing; Not read says what it is', async () => {
    const { analysis, notRead } = await lintFiles({
      'nginx/vhost.d/default': 'location /static/ {\n  alias /srv/static/;\n}\n',
      'nginx/vhost.d/app.example.org': 'location /media/ {\n  alias /srv/media/;\n}\n',
      'nginx/Dockerfile': 'FROM nginxproxy/nginx-proxy:1.6\nCOPY vhost.d/default /etc/nginx/vhost.d/default\n',
      'docker-compose.yml': stack([], app).replace('    image: nginxproxy/nginx-proxy:1.6\n', '    build: nginx\n'),
    });
    assert.deepEqual(
      analysis.chain.topology.proxies.map((p) => p.label).filter((l) => !l.startsWith('nginx-proxy')),
      [],
    );
    assert.match(notRead.find((n) => n.file === 'nginx/vhost.d/default')?.reason ?? '', /every host without a file of its own/);
    assert.match(
      notRead.find((n) => n.file === 'nginx/vhost.d/app.example.org')?.reason ?? '',
      /included inside the server nginx-proxy generates for app\.example\.org/,
    );
  });

  /** The headers nginx-proxy's TLS route for app.example.org sends, with these vhost.d snippets beside it. */
  async function routeHeaders(snippets: Record<string, string>): Promise<Array<[string, string | null]>> {
    const files: Record<string, string> = { 'docker-compose.yml': stack([], app) };
    for (const [name, text] of Object.entries(snippets)) files[`vhost.d/${name}`] = text;
    const { facts } = await lintFiles(files);
    const tls = (facts.proxies ?? []).flatMap((p) => p.sites).find((s) => s.id.endsWith(':https'));
    return (tls?.routes[0]?.headers ?? []).map((h) => [h.name, h.value]);
  }

  test('invalid before (not simulated): a proxy_set_header in <host>_location replaces every template header there (nginx inheritance)', async () => {
    const headers = await routeHeaders({ 'app.example.org_location': 'proxy_set_header X-Real-IP $remote_addr;\n' });
    assert.deepEqual(headers, [
      ['X-Real-IP', '{remote_addr}'],
      ['Host', '{proxy_host}'],
    ]);
  });

  test('the server-level snippet (vhost.d/<host>) counts when no location snippet sets headers; default_location for other hosts', async () => {
    const server = await routeHeaders({
      'app.example.org': 'proxy_set_header X-Forwarded-Proto https;\nclient_max_body_size 10m;\n',
    });
    assert.deepEqual(server, [
      ['X-Forwarded-Proto', 'https'],
      ['Host', '{proxy_host}'],
    ]);
    const fallback = await routeHeaders({ default_location: 'proxy_set_header Host $host;\n' });
    assert.deepEqual(fallback, [['Host', '{host}']]);
  });

  test('valid (traps): snippets without proxy_set_header, another host’s, or one inside a nested block keep the template headers', async () => {
    const headers = await routeHeaders({
      'app.example.org_location': 'client_max_body_size 10m;\nif ($request_method = POST) {\n  proxy_set_header X-Post 1;\n}\n',
      'other.example.org_location': 'proxy_set_header X-Real-IP $remote_addr;\n',
    });
    assert.equal(headers.find(([n]) => n === 'X-Forwarded-Proto')?.[1], '{trusted:x-forwarded-proto|scheme}');
    assert.equal(headers.length, 6);
  });

  /** nginx-proxy's TLS routes with these vhost.d files beside the stack (app environment `env`), and its notes. */
  async function tlsRoutes(snippets: Record<string, string>, env: string[] = app) {
    const files: Record<string, string> = { 'docker-compose.yml': stack([], env) };
    for (const [name, text] of Object.entries(snippets)) files[`vhost.d/${name}`] = text;
    const { facts } = await lintFiles(files);
    const tls = (facts.proxies ?? []).flatMap((p) => p.sites).find((s) => s.id.endsWith(':https'));
    const notes = [...(tls?.notes ?? []), ...facts.diagnostics.map((d) => d.message)];
    return { routes: tls?.routes ?? [], notes };
  }
  const sha1 = (t: string) => createHash('sha1').update(t).digest('hex');

  test('invalid before (not simulated): <host>_location_override replaces the location — its own headers and proxy_pass count, <host>_location no longer applies', async () => {
    const named = await tlsRoutes({
      'app.example.org_location_override':
        'location / {\n  proxy_pass http://app.example.org;\n  proxy_set_header X-Forwarded-Proto https;\n}\n',
      'app.example.org_location': 'proxy_set_header X-Real-IP $remote_addr;\n',
    });
    assert.deepEqual(
      named.routes.map((r) => [r.upstreams[0]?.text, r.headers.map((h) => [h.name, h.value])]),
      [
        [
          'web:8000',
          [
            ['X-Forwarded-Proto', 'https'],
            ['Host', '{proxy_host}'],
          ],
        ],
      ],
    );
    assert.equal(named.routes[0]?.headers[0]?.ref.file, 'vhost.d/app.example.org_location_override');
    // Another upstream than the template's (named after the host) is that address; no proxy_set_header: the template's.
    const elsewhere = await tlsRoutes({
      'app.example.org_location_override': 'location / {\n  proxy_pass http://api:9000;\n}\n',
    });
    assert.deepEqual(elsewhere.routes[0]?.upstreams[0]?.address, { kind: 'tcp', host: 'api', port: 9000 });
    assert.equal(elsewhere.routes[0]?.headers.length, 6);
  });

  test('an override that answers itself (return), or holds no location for the path, proxies nothing and says why; the hashed name wins for a VIRTUAL_PATH', async () => {
    const answered = await tlsRoutes({ 'app.example.org_location_override': 'location / {\n  return 418;\n}\n' });
    assert.equal(answered.routes.length, 0);
    assert.ok(
      answered.notes.some((n) =>
        /app\.example\.org is not proxied to it: .*_location_override:2 replaces location \/ with return 418;/.test(n),
      ),
    );
    const path = [...app, 'VIRTUAL_PATH=/api/'];
    const other = await tlsRoutes(
      { [`app.example.org_${sha1('/api/')}_location_override`]: 'location /other/ {\n  proxy_pass http://web:8000;\n}\n' },
      path,
    );
    assert.equal(other.routes.length, 0);
    assert.ok(other.notes.some((n) => /holds no location \/api\//.test(n)));
    const hashed = await tlsRoutes(
      {
        [`app.example.org_${sha1('/api/')}_location_override`]:
          'location /api/ {\n  proxy_pass http://web:8000;\n  proxy_set_header X-A 1;\n}\n',
      },
      path,
    );
    assert.deepEqual(
      hashed.routes[0]?.headers.map((h) => h.name),
      ['X-A', 'Host'],
    );
  });

  test('valid (traps): an unhashed override is only for /; a return inside if or a nested location leaves the route proxied', async () => {
    const notRoot = await tlsRoutes({ 'app.example.org_location_override': 'location / {\n  return 418;\n}\n' }, [
      ...app,
      'VIRTUAL_PATH=/api/',
    ]);
    assert.equal(notRoot.routes.length, 1);
    const nested = await tlsRoutes({
      'app.example.org': 'if ($request_method = TRACE) {\n  return 405;\n}\nlocation /private/ {\n  return 403;\n}\n',
      'app.example.org_location': 'if ($http_x_bad) {\n  return 400;\n}\n',
    });
    assert.equal(nested.routes.length, 1);
    assert.equal(nested.routes[0]?.headers.length, 6);
  });

  test('invalid before: a return at the top of vhost.d/<host> (or of <host>_location) answers every request of that host', async () => {
    const server = await tlsRoutes({ 'app.example.org': 'return 301 https://www.example.org$request_uri;\n' });
    assert.equal(server.routes.length, 0);
    assert.ok(server.notes.some((n) => /answers every request of the host \(return 301/.test(n)));
    const loc = await tlsRoutes({ default_location: 'return 503;\n' });
    assert.equal(loc.routes.length, 0);
  });

  test('invalid before: a location snippet nesting `location /` (files served) takes every request of the generated location /; trap: other nested locations leave it proxied', async () => {
    const nested = await tlsRoutes({
      default_location:
        'location = / {\n  return 301 /index.php;\n}\nlocation / {\n  root /app;\n  try_files $uri /index.php;\n}\n',
    });
    assert.equal(nested.routes.length, 0);
    assert.ok(nested.notes.some((n) => /nests a location \/ that takes every request of location \/ and proxies none/.test(n)));
    const some = await tlsRoutes({
      default_location: 'location = / {\n  return 301 /index.php;\n}\nlocation /static/ {\n  alias /app/static/;\n}\n',
    });
    assert.equal(some.routes.length, 1);
  });

  test('invalid before: each host of VIRTUAL_HOST takes its own files (a * host by its literal name, a regex host by its sha1)', async () => {
    const two = await tlsRoutes({ '*.example.org_location': 'proxy_set_header X-Forwarded-Proto https;\n' }, [
      'VIRTUAL_HOST=app.example.org,*.example.org',
    ]);
    assert.deepEqual(
      two.routes.map((r) => [r.match, r.headers.find((h) => h.name === 'X-Forwarded-Proto')?.value]),
      [
        ['VIRTUAL_HOST=app.example.org,*.example.org (app.example.org)', '{trusted:x-forwarded-proto|scheme}'],
        ['VIRTUAL_HOST=app.example.org,*.example.org (*.example.org)', 'https'],
      ],
    );
    const regex = '~^app\\..*\\.org$';
    const re = await tlsRoutes({ [`${sha1(regex)}_location`]: 'proxy_set_header X-Forwarded-Proto https;\n' }, [
      `VIRTUAL_HOST=${regex}`,
    ]);
    assert.equal(re.routes[0]?.headers.find((h) => h.name === 'X-Forwarded-Proto')?.value, 'https');
    // Trap: hosts sharing the same files stay one route.
    const same = await tlsRoutes({ default_location: 'proxy_set_header X-A 1;\n' }, ['VIRTUAL_HOST=a.example.org,b.example.org']);
    assert.equal(same.routes.length, 1);
  });

  test('invalid before (Not read, not simulated): a folder of another name mounted on /etc/nginx/vhost.d, or one file mounted as a snippet', async () => {
    const compose = stack([], ['VIRTUAL_HOST=app.example.org,www.example.org']).replace(
      '      - /var/run/docker.sock:/tmp/docker.sock:ro\n',
      '      - /var/run/docker.sock:/tmp/docker.sock:ro\n      - ./vhost:/etc/nginx/vhost.d:ro\n      - ./www.conf:/etc/nginx/vhost.d/www.example.org_location:ro\n      - ./big.conf:/etc/nginx/vhost.d/default:ro\n',
    );
    const { facts, notRead } = await lintFiles({
      'docker-compose.yml': compose,
      'vhost/app.example.org_location': 'proxy_set_header X-Forwarded-Proto https;\n',
      'www.conf': 'proxy_set_header X-Forwarded-Proto $scheme;\n',
      'big.conf': 'client_max_body_size 10m;\n',
      // Trap: the tree's vhost.d folder is not what this proxy mounts there.
      'vhost.d/default_location': 'return 503;\n',
    });
    const tls = (facts.proxies ?? []).flatMap((p) => p.sites).find((s) => s.id.endsWith(':https'));
    assert.deepEqual(
      tls?.routes.map((r) => [r.sampleHost, r.headers.find((h) => h.name === 'X-Forwarded-Proto')?.value]),
      [
        ['app.example.org', 'https'],
        ['www.example.org', '{scheme}'],
      ],
    );
    // Read: www.conf's line is in the chain; big.conf changes no header, so "Not read" says what it is.
    assert.deepEqual(
      notRead.map((n) => n.file),
      ['big.conf'],
    );
    assert.match(
      notRead[0]?.reason ?? '',
      /vhost\.d snippet default \(mounted on \/etc\/nginx\/vhost\.d\/default in compose service proxy\)/,
    );
  });

  test('valid (traps): a vhost.d file with its own server block, or one a tree config includes, stays nginx', async () => {
    const own = await lintFiles({
      'vhost.d/app.conf': 'server {\n  listen 80;\n  location / {\n    proxy_pass http://127.0.0.1:8000;\n  }\n}\n',
    });
    assert.equal(own.facts.nginx.configs.length, 1);
    const included = await lintFiles({
      'nginx.conf': 'events {}\nhttp {\n  server {\n    listen 80;\n    include vhost.d/extra;\n  }\n}\n',
      'vhost.d/extra': 'location / {\n  proxy_pass http://127.0.0.1:8000;\n}\n',
    });
    assert.equal(included.facts.nginx.configs.length, 1);
    assert.deepEqual(
      included.notRead.map((n) => n.file),
      [],
    );
  });
});

describe('chain through nginx-proxy', () => {
  test('gunicorn in its own container ignores nginx-proxy’s X-Forwarded-Proto: lost at the gunicorn hop', async () => {
    const { report } = await doctorFiles({
      'docker-compose.yml': stack([], app),
      'mysite/settings.py': "ALLOWED_HOSTS = ['app.example.org']\nSECURE_SSL_REDIRECT = True\n",
      'mysite/wsgi.py': "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n",
      'requirements.txt': 'django==4.2\ngunicorn==21.2\n',
    });
    const lost = report.findings.find((f) => f.id === 'gunicorn/proxy-not-trusted');
    assert.ok(lost, report.findings.map((f) => f.id).join(', '));
    assert.match(lost.message, /nginx-proxy/);
  });
});

const table: Case[] = [
  {
    name: 'invalid: TRUST_DOWNSTREAM_PROXY not set, ports published on every interface (fix: the env line)',
    files: { 'docker-compose.yml': stack(['ENABLE_IPV6=true'], app) },
    expect: {
      count: 1,
      severity: 'low',
      fixLine: '      - TRUST_DOWNSTREAM_PROXY=false',
      fixAt: { line: 9, placement: 'after' },
    },
  },
  {
    name: 'invalid: TRUST_DOWNSTREAM_PROXY=true written: that line is replaced',
    files: { 'docker-compose.yml': stack(['TRUST_DOWNSTREAM_PROXY=true'], app) },
    expect: { count: 1, fixAt: { line: 10, placement: 'replace' } },
  },
  {
    name: 'invalid: no environment key on the proxy: advice',
    files: { 'docker-compose.yml': stack([], app) },
    expect: { count: 1, mechanical: false },
  },
  {
    name: 'invalid: docker-gen beside a plain nginx: the setting goes on the docker-gen service, whose environment the template reads',
    files: { 'docker-compose.yml': separate({ genEnv: ['DEFAULT_HOST=app.example.org'] }), 'nginx.tmpl': template(currentMap) },
    expect: {
      count: 1,
      message: /docker-gen \(gen\)|TRUST_DOWNSTREAM_PROXY not set/,
      fixLine: '      - TRUST_DOWNSTREAM_PROXY=false',
      fixAt: { line: 17, placement: 'after' },
    },
  },
  {
    name: 'invalid: a docker-gen template of before TRUST_DOWNSTREAM_PROXY: the template is to change (advice), whatever the environment',
    files: {
      'docker-compose.yml': separate({ genEnv: ['TRUST_DOWNSTREAM_PROXY=false'] }),
      'nginx.tmpl': template(legacyMap),
    },
    expect: { count: 1, message: /its template's map, nginx\.tmpl:2/, mechanical: false },
  },
  {
    name: 'valid: docker-gen with TRUST_DOWNSTREAM_PROXY=false on the docker-gen service',
    files: { 'docker-compose.yml': separate({ genEnv: ['TRUST_DOWNSTREAM_PROXY=false'] }), 'nginx.tmpl': template(currentMap) },
    expect: { count: 0 },
  },
  {
    name: 'valid: TRUST_DOWNSTREAM_PROXY=false',
    files: { 'docker-compose.yml': stack(['TRUST_DOWNSTREAM_PROXY=false'], app) },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): published only on the host loopback (a host proxy is in front)',
    files: { 'docker-compose.yml': stack([], app, ['"127.0.0.1:8080:80"', '"127.0.0.1:8443:443"']) },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): no container with VIRTUAL_HOST in the files (nothing routed here)',
    files: { 'docker-compose.yml': stack([], ['OTHER=1']) },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): plain nginx image publishing 443 is not nginx-proxy',
    files: { 'docker-compose.yml': stack([], app, undefined, 'nginx:1.27') },
    expect: { count: 0 },
  },
];

describe(nginxProxyTrustDownstreamProxy.meta.id, () => {
  for (const c of table) test(c.name, async () => void (await runCase(nginxProxyTrustDownstreamProxy, c)));
});
