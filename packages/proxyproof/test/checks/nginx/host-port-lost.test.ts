import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostPortLost } from '../../../src/checks/nginx/host-port-lost.js';
import { caseTable, factsFromText } from './harness.js';

const ID = 'nginx/host-port-lost';

caseTable(hostPortLost, [
  {
    name: 'Host $host on 8443 ssl',
    config: 'server {\n  listen 8443 ssl;\n  location / {\n    proxy_set_header Host $host;\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@4`],
  },
  {
    name: 'a placeholder host with a literal port ({{ bind_ip }}:8443) is judged by the port',
    config:
      'server {\n  listen {{ bind_ip }}:8443 ssl;\n  location / {\n    proxy_set_header Host $host;\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@4`],
  },
  {
    name: 'Host $host on plain 8080',
    config: 'server {\n  listen 8080;\n  location / {\n    proxy_set_header Host $host;\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@4`],
  },
  {
    name: 'Host $server_name on 8000',
    config:
      'server {\n  listen 8000;\n  server_name a.test;\n  location / {\n    proxy_set_header Host $server_name;\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@5`],
  },
  {
    name: "Debian's proxy_params (Host $host) on port 8443: reported at the built-in line",
    config: 'server {\n  listen 8443 ssl;\n  location / {\n    include proxy_params;\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@4`],
  },
  {
    name: 'uwsgi_param HTTP_HOST $host (Debian uwsgi_params) on 8443',
    config:
      'server {\n  listen 8443 ssl;\n  location / {\n    include uwsgi_params;\n    uwsgi_pass unix:/run/uwsgi.sock;\n  }\n}',
    expect: [`${ID}@4`],
  },
  // valid
  {
    name: "trap: behind an inferred TLS front (TLS only in a template branch) the public port is the front's, not nginx's",
    config:
      'server {\n  listen 8080{% if tls %} ssl{% endif %};\n  location / {\n    proxy_set_header Host $host;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'trap: the listen port is a template placeholder ({{ nginx_port }}): the number is unknown, nothing to judge',
    config:
      'server {\n  listen {{ nginx_port }} ssl;\n  location / {\n    proxy_set_header Host $host;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'trap: envsubst prefix before literal digits (${PORT_PREFIX}442): still a placeholder port',
    config:
      'server {\n  listen ${PORT_PREFIX}442 ssl;\n  listen [::]:${PORT_PREFIX}442 ssl;\n  location / {\n    proxy_set_header Host $host;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'Host $host on the default ports',
    config:
      'server {\n  listen 80;\n  listen 443 ssl;\n  location / {\n    proxy_set_header Host $host;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'Host $host:$server_port on 8443',
    config:
      'server {\n  listen 8443 ssl;\n  location / {\n    proxy_set_header Host $host:$server_port;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'Host $http_host keeps the port',
    config: 'server {\n  listen 8080;\n  location / {\n    proxy_set_header Host $http_host;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'X-Forwarded-Port carries the port',
    config:
      'server {\n  listen 8443 ssl;\n  location / {\n    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-Port $server_port;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: "behind a balancer the public port is the balancer's (realip)",
    config:
      'server {\n  listen 8080;\n  set_real_ip_from 10.0.0.0/8;\n  location / {\n    proxy_set_header Host $host;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'no Host set: the default $proxy_host is another problem, not this one',
    config: 'server {\n  listen 8080;\n  location / {\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
]);

test('fix: $host:$server_port in the file and line of the directive', () => {
  const facts = factsFromText(
    'server {\n  listen 8443 ssl;\n  location / {\n    proxy_set_header Host $host;\n    proxy_pass http://app;\n  }\n}',
  );
  const [f] = hostPortLost.run(facts);
  assert.deepEqual(f?.fix?.lines, ['    proxy_set_header Host $host:$server_port;']);
  assert.equal(f?.fix?.line, 4);
  assert.match(f?.message ?? '', /8443 ssl/);
});

test('from a built-in include: evidence starts at the include, the fix replaces it with its lines', () => {
  const facts = factsFromText(
    'server {\n  listen 8443 ssl;\n  location / {\n    include proxy_params;\n    proxy_pass http://app;\n  }\n}',
  );
  const [f] = hostPortLost.run(facts);
  assert.equal(f?.evidence[0]?.snippet, '    include proxy_params;');
  assert.match(f?.evidence[0]?.note ?? '', /built-in copy/);
  assert.equal(f?.evidence[1]?.source, 'builtin');
  assert.equal(f?.evidence[1]?.snippet, 'proxy_set_header Host $host;');
  assert.equal(f?.fix?.file, 'site.conf');
  assert.equal(f?.fix?.line, 4);
  assert.deepEqual(f?.fix?.lines, [
    '    proxy_set_header Host $host:$server_port;',
    '    proxy_set_header X-Real-IP $remote_addr;',
    '    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '    proxy_set_header X-Forwarded-Proto $scheme;',
  ]);
});

// Lab scenario 44: HAProxy ends TLS on 443 and forwards to nginx on 127.0.0.1:8080. The browser's port is
// HAProxy's 443, so Host without a port is right there; `$host:$server_port` would put :8080 into every URL.
const HAPROXY = (to: string) =>
  `defaults\n  mode http\nfrontend https_in\n  bind :443 ssl crt /etc/ssl/site.pem\n  http-request set-header X-Forwarded-Proto https\n  default_backend web\nbackend web\n  server nginx ${to}\n`;
const NGINX_8080 =
  'http {\n  server {\n    listen 127.0.0.1:8080;\n    server_name app.test;\n    location / {\n      include fastcgi_params;\n      fastcgi_pass 127.0.0.1:9000;\n    }\n  }\n}\n';

for (const c of [
  { name: 'trap: HAProxy on this host forwards to the 8080 listener: its 443 is the public port', to: '127.0.0.1:8080', want: 0 },
  { name: 'HAProxy forwards elsewhere: the 8080 listener is still reported', to: '127.0.0.1:9999', want: 1 },
]) {
  test(`${ID}: ${c.name}`, async () => {
    const { lintFiles } = await import('../../python/lint-files.js');
    const { findings } = await lintFiles({ 'haproxy/haproxy.cfg': HAPROXY(c.to), 'nginx/nginx.conf': NGINX_8080 }, [
      hostPortLost,
    ]);
    assert.equal(findings.filter((f) => f.id === ID).length, c.want, JSON.stringify(findings.map((f) => f.message)));
  });
}
