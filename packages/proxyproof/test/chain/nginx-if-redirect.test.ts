/**
 * nginx servers that proxy and also redirect plain HTTP under an `if` that tests the scheme (facts/nginx/sites.ts
 * `ifSchemeRedirect`): `if ($scheme = http)` / `if ($https = "")` are decided by nginx's own connection, so behind a
 * TLS load balancer every request loops; `if ($http_x_forwarded_proto != "https")` by the header, whoever sent it;
 * `if ($http_x_forwarded_proto = "http")` by that header value only; an `if` in another location is its route's.
 * A table of conditions, the chain verdicts, and the real nginx answering both shapes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { nginxProxyConfigs, schemeTestOf } from '../../src/facts/nginx/sites.js';
import { factsFromText } from '../checks/nginx/harness.js';
import { lintFiles } from '../python/lint-files.js';
import { getOnce, NGINX, type RunningNginx, startNginx } from '../real-nginx.js';
import { startHttp } from '../scan/servers.js';

const conditions: Array<[string, ReturnType<typeof schemeTestOf>]> = [
  ['($scheme = http)', 'connection'],
  ['($scheme = "http")', 'connection'],
  ['($scheme != "https")', 'connection'],
  ['($https = "")', 'connection'],
  ['($https != on)', 'connection'],
  ['($http_x_forwarded_proto != "https")', 'forwarded-proto-any'],
  ["($http_x_forwarded_proto != 'https')", 'forwarded-proto-any'],
  ['($http_x_forwarded_proto !~ ^https$)', 'forwarded-proto-any'],
  // the header's own `http` only: a request without the header is not redirected
  ['($http_x_forwarded_proto = "http")', 'forwarded-proto-http'],
  ['($http_x_forwarded_proto = http)', 'forwarded-proto-http'],
  ['($http_x_forwarded_proto ~ ^http$)', 'forwarded-proto-http'],
  ['($http_x_forwarded_proto ~* "^http$")', 'forwarded-proto-http'],
  // traps: true for https requests too, or not about the scheme
  ['($scheme = https)', undefined],
  ['($http_x_forwarded_proto ~ http)', undefined],
  ['($http_x_forwarded_proto = "https")', undefined],
  ['($host != example.com)', undefined],
  ['($request_method = POST)', undefined],
];
for (const [c, want] of conditions) test(`schemeTestOf(${c}) = ${want}`, () => assert.equal(schemeTestOf(c), want));

const server = (body: string, listen = '  listen 80;\n') =>
  `server {\n${listen}  server_name app.example.org;\n${body}  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://127.0.0.1:8000;\n  }\n}\n`;

function redirectOf(text: string) {
  const site = nginxProxyConfigs(factsFromText(text))
    .flatMap((c) => c.sites)
    .find((s) => s.routes.length > 0);
  return { line: site?.redirectsToHttps?.line, by: site?.redirectDecidedBy };
}

test('a server-level if ($scheme = http) { return 301 https://... } beside proxy_pass is the site redirect', () => {
  assert.deepEqual(redirectOf(server('  if ($scheme = http) {\n    return 301 https://$host$request_uri;\n  }\n')), {
    line: 5,
    by: 'connection',
  });
});

test('inside location / before proxy_pass: the same', () => {
  const text =
    'server {\n  listen 80;\n  server_name app.example.org;\n  location / {\n    if ($http_x_forwarded_proto != "https") {\n      return 301 https://$host$request_uri;\n    }\n    proxy_pass http://127.0.0.1:8000;\n  }\n}\n';
  assert.deepEqual(redirectOf(text), { line: 6, by: 'forwarded-proto-any' });
});

test('traps: a redirect to http://, another location only, an unrelated condition', () => {
  assert.deepEqual(redirectOf(server('  if ($scheme = http) {\n    return 301 http://other.example.org$request_uri;\n  }\n')), {
    line: undefined,
    by: undefined,
  });
  const other =
    'server {\n  listen 80;\n  server_name app.example.org;\n  location /admin {\n    if ($scheme = http) {\n      return 301 https://$host$request_uri;\n    }\n  }\n  location / {\n    proxy_pass http://127.0.0.1:8000;\n  }\n}\n';
  assert.equal(redirectOf(other).line, undefined);
  assert.equal(
    redirectOf(server('  if ($request_method = POST) {\n    return 301 https://$host$request_uri;\n  }\n')).line,
    undefined,
  );
});

test('if ($http_x_forwarded_proto = "http") at the server level: the site redirect, decided by that header value', () => {
  assert.deepEqual(
    redirectOf(server('  if ($http_x_forwarded_proto = "http") {\n    return 301 https://$host$request_uri;\n  }\n')),
    { line: 5, by: 'forwarded-proto-http' },
  );
});

test("an if-redirect inside another proxying location is that route's own redirect, not the site's", () => {
  const text =
    'server {\n  listen 80;\n  server_name app.example.org;\n  location /admin/ {\n    if ($scheme = http) {\n      return 301 https://$host$request_uri;\n    }\n    proxy_pass http://127.0.0.1:8000;\n  }\n  location / {\n    proxy_pass http://127.0.0.1:8000;\n  }\n}\n';
  const site = nginxProxyConfigs(factsFromText(text))
    .flatMap((c) => c.sites)
    .find((s) => s.routes.length > 0);
  assert.equal(site?.redirectsToHttps, undefined);
  const admin = site?.routes.find((r) => r.match === 'location /admin/');
  assert.deepEqual([admin?.redirectsToHttps?.line, admin?.redirectDecidedBy], [6, 'connection']);
  assert.equal(site?.routes.find((r) => r.match === 'location /')?.redirectsToHttps, undefined);
  // trap: an if under a nested location belongs to that one, not to its parent
  const nested =
    'server {\n  listen 80;\n  server_name app.example.org;\n  location /a/ {\n    proxy_pass http://127.0.0.1:8000;\n    location /a/b/ {\n      if ($scheme = http) {\n        return 301 https://$host$request_uri;\n      }\n    }\n  }\n}\n';
  const a = nginxProxyConfigs(factsFromText(nested))
    .flatMap((c) => c.sites)
    .flatMap((s) => s.routes)
    .find((r) => r.match === 'location /a/');
  assert.equal(a?.redirectsToHttps, undefined);
});

const behindLb = '  set_real_ip_from 10.0.0.0/8;\n  real_ip_header X-Forwarded-For;\n';

test('chain: behind a TLS load balancer (real_ip), if ($scheme = http) answers every request with a redirect: a loop', async () => {
  const { findings } = await lintFiles({
    'site.conf': server(`${behindLb}  if ($scheme = http) {\n    return 301 https://$host$request_uri;\n  }\n`),
  });
  const loop = findings.find((f) => f.id === 'chain/scheme-lost' && (f.data as { redirectLoop?: boolean }).redirectLoop);
  assert.ok(loop, findings.map((f) => `${f.id} ${f.evidence[0]?.line}`).join('\n'));
  assert.equal(loop.severity, 'critical');
  assert.equal(loop.evidence[0]?.line, 7);
});

test('chain: behind the same balancer, if ($http_x_forwarded_proto != "https") lets its https requests through', async () => {
  const { findings } = await lintFiles({
    'site.conf': server(
      `${behindLb}  if ($http_x_forwarded_proto != "https") {\n    return 301 https://$host$request_uri;\n  }\n`,
    ),
  });
  assert.ok(!findings.some((f) => (f.data as { redirectLoop?: boolean } | undefined)?.redirectLoop));
});

test('chain: behind the balancer, if ($http_x_forwarded_proto = "http") lets https through; a plain request without the header reaches the app as http', async () => {
  const { findings } = await lintFiles({
    'site.conf': server(`${behindLb}  if ($http_x_forwarded_proto = "http") {\n    return 301 https://$host$request_uri;\n  }\n`),
  });
  assert.ok(!findings.some((f) => (f.data as { redirectLoop?: boolean } | undefined)?.redirectLoop));
});

test('chain: behind the balancer, if ($scheme = http) in location /admin/ loops there only', async () => {
  const text = `server {\n  listen 80;\n  server_name app.example.org;\n${behindLb}  location /admin/ {\n    if ($scheme = http) {\n      return 301 https://$host$request_uri;\n    }\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://127.0.0.1:8000;\n  }\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://127.0.0.1:8000;\n  }\n}\n`;
  const { findings } = await lintFiles({ 'site.conf': text });
  const loop = findings.find((f) => (f.data as { redirectLoop?: boolean } | undefined)?.redirectLoop);
  assert.ok(loop, findings.map((f) => `${f.id} ${f.evidence[0]?.line}`).join('\n'));
  assert.equal(loop.evidence[0]?.line, 8);
});

test('trap: an if-redirect written in the template branch that also holds the TLS listener is not simulated', async () => {
  const text =
    'server {\n  listen 80;\n  server_name app.example.org;\n  {% if TLS %}\n  listen 443 ssl;\n  ssl_certificate /etc/ssl/a.pem;\n' +
    '  ssl_certificate_key /etc/ssl/a.key;\n  if ($scheme = http) {\n    return 301 https://$host$request_uri;\n  }\n  {% endif %}\n' +
    '  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://127.0.0.1:8000;\n  }\n}\n';
  const { findings } = await lintFiles({ 'nginx.conf': text });
  assert.ok(
    !findings.some((f) => (f.data as { redirectLoop?: boolean } | undefined)?.redirectLoop),
    findings.map((f) => `${f.id} ${f.evidence[0]?.line}`).join('\n'),
  );
});

describe('the real nginx: a proxying server with an if-redirect', { skip: NGINX ? false : 'nginx is not installed' }, () => {
  let nginx: RunningNginx | undefined;
  let backend: Awaited<ReturnType<typeof startHttp>> | undefined;
  let byScheme = 0;
  let byHeader = 0;
  let byHttpValue = 0;
  let inLocation = 0;
  before(async () => {
    backend = await startHttp((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('backend');
    });
    const site = (port: number, cond: string) =>
      `server {\n  listen 127.0.0.1:${port};\n  server_name app.example.org;\n  if (${cond}) {\n    return 301 https://$host$request_uri;\n  }\n  location / {\n    proxy_pass http://127.0.0.1:${backend?.port};\n  }\n}\n`;
    const located = (port: number) =>
      `server {\n  listen 127.0.0.1:${port};\n  server_name app.example.org;\n  location /admin/ {\n    if ($scheme = http) {\n      return 301 https://$host$request_uri;\n    }\n    proxy_pass http://127.0.0.1:${backend?.port};\n  }\n  location / {\n    proxy_pass http://127.0.0.1:${backend?.port};\n  }\n}\n`;
    nginx = await startNginx(
      ([a, b, c, d]) =>
        site(a as number, '$scheme = http') +
        site(b as number, '$http_x_forwarded_proto != "https"') +
        site(c as number, '$http_x_forwarded_proto = "http"') +
        located(d as number),
      4,
    );
    [byScheme, byHeader, byHttpValue, inLocation] = nginx.ports as [number, number, number, number];
  });
  after(async () => {
    nginx?.stop();
    await backend?.close();
  });

  const host = { Host: 'app.example.org' };
  test('if ($scheme = http): 301 whatever X-Forwarded-Proto says (decided by the connection)', async () => {
    for (const h of [host, { ...host, 'X-Forwarded-Proto': 'https' }]) {
      const a = await getOnce(byScheme, '/x', h);
      assert.deepEqual([a.status, a.location], [301, 'https://app.example.org/x']);
    }
  });
  test('if ($http_x_forwarded_proto != "https"): 301 without the header, proxied with it (from anyone)', async () => {
    const plain = await getOnce(byHeader, '/x', host);
    assert.deepEqual([plain.status, plain.location], [301, 'https://app.example.org/x']);
    const forged = await getOnce(byHeader, '/x', { ...host, 'X-Forwarded-Proto': 'https' });
    assert.deepEqual([forged.status, forged.body], [200, 'backend']);
  });
  test('if ($http_x_forwarded_proto = "http"): proxied without the header or with https, 301 only with http', async () => {
    for (const h of [host, { ...host, 'X-Forwarded-Proto': 'https' }]) {
      const a = await getOnce(byHttpValue, '/x', h);
      assert.deepEqual([a.status, a.body], [200, 'backend']);
    }
    const told = await getOnce(byHttpValue, '/x', { ...host, 'X-Forwarded-Proto': 'http' });
    assert.deepEqual([told.status, told.location], [301, 'https://app.example.org/x']);
  });
  test('an if-redirect in location /admin/ redirects that location only', async () => {
    const admin = await getOnce(inLocation, '/admin/x', host);
    assert.deepEqual([admin.status, admin.location], [301, 'https://app.example.org/admin/x']);
    const other = await getOnce(inLocation, '/x', host);
    assert.deepEqual([other.status, other.body], [200, 'backend']);
  });
});
