/**
 * Caddy's automatic HTTP->HTTPS redirect in the chain: a host-name site also listens on :80 and answers there with
 * a redirect decided by the connection alone (checked on the real caddy 2.6.2 in test/proxy/real-programs.test.ts:
 * 308 even with X-Forwarded-Proto: https). A TLS proxy in front that speaks plain HTTP to that :80 loops.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lintFiles } from '../python/lint-files.js';

const NGINX = (upstream: string) =>
  `server {\n  listen 443 ssl;\n  server_name app.example.com;\n  ssl_certificate /etc/ssl/a.pem;\n  ssl_certificate_key /etc/ssl/a.key;\n  location / {\n    proxy_pass ${upstream};\n    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-Proto $scheme;\n  }\n}\n`;
const UNIT = '[Service]\nExecStart=/usr/bin/gunicorn --bind 127.0.0.1:8000 site.wsgi\n';

test('TLS nginx -> plain :80 of a Caddy host-name site: the automatic redirect loops (critical, at the site line)', async () => {
  const { findings } = await lintFiles({
    'nginx.conf': NGINX('http://127.0.0.1:80'),
    Caddyfile: 'app.example.com {\n  reverse_proxy 127.0.0.1:8000\n}\n',
    'app.service': UNIT,
  });
  const lost = findings.filter((f) => f.id === 'chain/scheme-lost');
  assert.equal(lost.length, 1, findings.map((f) => f.id).join(', '));
  assert.equal(lost[0]?.severity, 'critical');
  assert.equal(`${lost[0]?.evidence[0]?.file}:${lost[0]?.evidence[0]?.line}`, 'Caddyfile:1');
  assert.match(lost[0]?.message ?? '', /redirect/);
});

test('the same with auto_https disable_redirects, or an http:// site: no loop, the request is proxied', async () => {
  for (const caddy of [
    '{\n  auto_https disable_redirects\n}\napp.example.com {\n  reverse_proxy 127.0.0.1:8000\n}\n',
    'http://app.example.com {\n  reverse_proxy 127.0.0.1:8000\n}\n',
  ]) {
    const { findings } = await lintFiles({ 'nginx.conf': NGINX('http://127.0.0.1:80'), Caddyfile: caddy, 'app.service': UNIT });
    assert.deepEqual(
      findings.filter((f) => f.id === 'chain/scheme-lost' && /redirect/.test(f.message)).map((f) => f.message),
      [],
      caddy,
    );
  }
});
