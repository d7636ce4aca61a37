/**
 * A TLS nginx proxying over plain HTTP to a Caddy host-name site's :80: Caddy's automatic HTTPS answers every request
 * with a redirect to https (ERR_TOO_MANY_REDIRECTS). The planned fix names `http://<host>` on the site's address
 * line (Caddy then serves the name on :80; checked on caddy 2.6.2: 200 on :80 and on :443, 308 before), with
 * trusted_proxies so Caddy keeps nginx's X-Forwarded-Proto; `fix --write` clears the loop in one run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sameBlockOpener } from '../../src/fix/plan.js';
import { lintFiles } from '../python/lint-files.js';
import { fixLoop } from './loop.js';

const FILES = {
  'nginx.conf':
    'http {\n  server {\n    listen 443 ssl;\n    server_name shop.example.com;\n    location / {\n      proxy_set_header Host $host;\n      proxy_set_header X-Forwarded-Proto $scheme;\n      proxy_pass http://127.0.0.1:80;\n    }\n  }\n}\n',
  Caddyfile: '{\n\thttp_port 80\n}\n\nshop.example.com {\n\treverse_proxy 127.0.0.1:8000\n}\n',
};

test('the loop is reported at the Caddy site with the http:// address as its fix, trusted_proxies with it', async () => {
  const { findings } = await lintFiles(FILES);
  const loop = findings.find((f) => f.id === 'chain/scheme-lost');
  assert.equal(loop?.severity, 'critical');
  assert.equal(loop?.fix?.line, 5);
  assert.deepEqual(loop?.fix?.lines, ['shop.example.com, http://shop.example.com {']);
  assert.equal(loop?.fix?.placement, 'replace');
  assert.deepEqual(
    loop?.fix?.also?.map((e) => e.lines[1]?.trim()),
    ['trusted_proxies private_ranges'],
  );
});

test('fix --write clears the loop and is idempotent', async () => {
  const r = await fixLoop(FILES, 'chain/scheme-lost');
  assert.equal(r.ran, true);
  assert.deepEqual(r.patched, ['chain/scheme-lost']);
});

test('a block-opening line is replaceable only by one line that opens a block the same way', () => {
  assert.equal(sameBlockOpener('shop.example.com {', ['shop.example.com, http://shop.example.com {']), true);
  assert.equal(sameBlockOpener('shop.example.com {', ['shop.example.com']), false);
  assert.equal(sameBlockOpener('shop.example.com', ['shop.example.com, http://shop.example.com {']), false);
  assert.equal(sameBlockOpener('location / {', ['location / { }', '}']), false);
});
