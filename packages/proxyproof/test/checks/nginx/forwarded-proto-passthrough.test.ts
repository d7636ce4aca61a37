import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forwardedProtoPassthrough } from '../../../src/checks/nginx/forwarded-proto-passthrough.js';
import { caseTable, factsFromText } from './harness.js';

const ID = 'nginx/forwarded-proto-passthrough';
const TLS_SERVER =
  'server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header X-Forwarded-Proto https;\n    proxy_pass http://containers;\n  }\n}';

caseTable(forwardedProtoPassthrough, [
  {
    name: 'the port-80 server sets no X-Forwarded-Proto while the TLS server tells the same upstream: high',
    config: `upstream containers { server 10.0.0.2:3000; }\nserver {\n  listen 80;\n  location / {\n    proxy_set_header Host $http_host;\n    proxy_pass http://containers;\n  }\n}\n${TLS_SERVER}`,
    expect: [`${ID}@4`],
    severity: 'high',
  },
  {
    name: 'behind a PROXY-protocol (TCP) balancer the client header still passes: high',
    config: `upstream containers { server 10.0.0.2:3000; }\nserver {\n  listen 80 proxy_protocol;\n  set_real_ip_from 0.0.0.0/0;\n  real_ip_header proxy_protocol;\n  location / {\n    proxy_pass http://containers;\n  }\n}\n${TLS_SERVER}`,
    expect: [`${ID}@6`],
    severity: 'high',
  },
  {
    name: 'a plain server alone: low (the app may not read the header)',
    config: 'server {\n  listen 80;\n  location / {\n    proxy_pass http://127.0.0.1:8000;\n  }\n}',
    expect: [`${ID}@3`],
    severity: 'low',
  },
  {
    name: 'the plain server redirects the site to https and proxies only /health: low',
    config: `upstream containers { server 10.0.0.2:3000; }\nserver {\n  listen 80;\n  location / {\n    return 301 https://$host$request_uri;\n  }\n  location /health {\n    proxy_pass http://containers;\n  }\n}\n${TLS_SERVER}`,
    expect: [`${ID}@7`],
    severity: 'low',
  },
  {
    name: 'trap: the plain server sets X-Forwarded-Proto $scheme',
    config:
      'server {\n  listen 80;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://127.0.0.1:8000;\n  }\n}',
    expect: [],
  },
  {
    name: 'trap: the plain server redirects everything to https',
    config: 'server {\n  listen 80;\n  return 301 https://$host$request_uri;\n}',
    expect: [],
  },
  {
    name: 'trap: behind an HTTP balancer trusted with realip (it sets X-Forwarded-Proto itself)',
    config:
      'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  real_ip_header X-Forwarded-For;\n  location / {\n    proxy_pass http://127.0.0.1:8000;\n  }\n}',
    expect: [],
  },
  {
    name: 'trap: proxy_pass_request_headers off sends no client header',
    config:
      'server {\n  listen 80;\n  location / {\n    proxy_pass_request_headers off;\n    proxy_pass http://127.0.0.1:8000;\n  }\n}',
    expect: [],
  },
  {
    name: 'trap: a TLS server is nginx/forwarded-proto-missing',
    config: 'server {\n  listen 443 ssl;\n  location / {\n    proxy_pass http://127.0.0.1:8000;\n  }\n}',
    expect: [],
  },
]);

test('the fix sets X-Forwarded-Proto $scheme where the location gets its headers', () => {
  const [f] = forwardedProtoPassthrough.run(
    factsFromText(
      'server {\n  listen 80;\n  location / {\n    proxy_set_header Host $host;\n    proxy_pass http://127.0.0.1:8000;\n  }\n}',
    ),
  );
  assert.equal(f?.fix?.line, 4);
  assert.deepEqual(f?.fix?.lines, ['    proxy_set_header X-Forwarded-Proto $scheme;']);
});

test('a return inside a template conditional does not end every request: both ERB branches are read', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { parseNginxFile } = await import('../../../src/collectors/nginx/index.js');
  const { factsOf } = await import('./harness.js');
  const dir = mkdtempSync(join(tmpdir(), 'pp-erb-'));
  const text =
    "server {\n  listen 80;\n  location / {\n    <% if ENV['FORCE_SSL'] == 'true' %>\n    return 301 https://$host$request_uri;\n    <% end %>\n    proxy_pass http://127.0.0.1:8000;\n  }\n}\n";
  writeFileSync(join(dir, 'server.conf.erb'), text);
  const tree = parseNginxFile(join(dir, 'server.conf.erb'), { context: ['http'], stockDirs: [] });
  const found = forwardedProtoPassthrough.run(factsOf([tree], new Map([['server.conf.erb', text.split('\n')]])));
  assert.deepEqual(
    found.map((f) => f.evidence[0]?.line),
    [3],
  );
});

// A plain server behind something that ends TLS in front (here a Kubernetes Ingress with tls:): `$scheme` is always
// http there, which nginx/scheme-behind-tls-terminator reports, so the fix is the guarded value, as advice.
test('behind an Ingress that ends TLS: the fix is the guarded scheme (advice), never $scheme', () => {
  const facts = factsFromText(
    'server {\n  listen 80;\n  server_name app.internal;\n  location / {\n    proxy_pass http://127.0.0.1:8000;\n  }\n}',
  );
  facts.kube = {
    ingresses: [{ name: 'web', tls: { file: 'k8s/ingress.yaml', line: 12, snippet: 'tls:' } }],
  } as unknown as NonNullable<typeof facts.kube>;
  const [f] = forwardedProtoPassthrough.run(facts);
  assert.ok(f, 'still reported: the client-sent value is passed on');
  assert.equal(f.fix?.placement, undefined);
  assert.match(f.fix?.description ?? '', /Ingress web, which ends TLS/);
  assert.ok(f.fix?.lines?.some((l) => /proxy_set_header X-Forwarded-Proto \$forwarded_proto;$/.test(l)));
  assert.ok(!f.fix?.lines?.some((l) => /X-Forwarded-Proto \$scheme;/.test(l)));
});
