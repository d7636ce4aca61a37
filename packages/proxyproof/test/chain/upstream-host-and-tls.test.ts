/**
 * Issue 12, two sentences through the CLI:
 * - "`Host` is `$proxy_host`, which for `proxy_pass http://flask_app` (an `upstream` block) is `flask_app`, not a
 *   member's `app:5000`" — the chain's Host too (chain/simulate.ts proxyHost; real nginx 1.22 sends `flask_app`,
 *   test/nginx-facts/real-nginx-fragments.test.ts), at the proxying block's line, not line 0.
 * - "TLS upstreams (`proxy_pass https://`) change what a missing header means" — the backend gets a TLS connection
 *   and no X-Forwarded-Proto: neither doctor nor lint may say it receives one, nor that the upstream link is plain.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers.js';

function inTree<T>(files: Record<string, string>, fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'pp-upstream-host-'));
  try {
    for (const [p, text] of Object.entries(files)) writeFileSync(join(dir, p), text);
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const groupSite = (hostLine: string) =>
  `upstream flask_app {\n    server 127.0.0.1:8000;\n}\nserver {\n    listen 443 ssl;\n    server_name app.example.com;\n    location / {\n${hostLine}        proxy_set_header X-Forwarded-Proto $scheme;\n        proxy_pass http://flask_app;\n    }\n}\n`;
const app = {
  'app.service': '[Service]\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:8000 app:app\n',
  'app.py': 'from flask import Flask\napp = Flask(__name__)\n',
};

test('upstream group, no Host line: the chain sends Host flask_app (the group name), found at the location line', () => {
  inTree({ 'site.conf': groupSite(''), ...app }, (dir) => {
    const doc = JSON.parse(runCli(['doctor', '.', '--format', 'json', '--no-config-file'], { cwd: dir }).stdout);
    const h = doc.doctor.routes[0].verdict.host;
    assert.equal(h.status, 'lost');
    assert.equal(h.believed, 'flask_app');
    const lint = JSON.parse(runCli(['lint', '.', '--format', 'json', '--no-config-file'], { cwd: dir }).stdout);
    const lost = lint.findings.find((f: { id: string }) => f.id === 'chain/host-lost');
    assert.ok(lost, JSON.stringify(lint.findings.map((f: { id: string }) => f.id)));
    assert.match(lost.message, /uses host flask_app instead of app\.example\.com/);
    assert.doesNotMatch(lost.message, /127\.0\.0\.1:8000 instead/);
    assert.equal(lost.evidence[0].line, 7);
    // The layer check says the same name.
    const layer = lint.findings.find((f: { id: string }) => f.id === 'nginx/host-default-proxy-host');
    assert.match(layer?.message ?? '', /`flask_app`/);
  });
});

test('trap: upstream group with `Host $host`: the host is right', () => {
  inTree({ 'site.conf': groupSite('        proxy_set_header Host $host;\n'), ...app }, (dir) => {
    const doc = JSON.parse(runCli(['doctor', '.', '--format', 'json', '--no-config-file'], { cwd: dir }).stdout);
    assert.equal(doc.doctor.routes[0].verdict.host.status, 'correct');
  });
});

const tlsSite = (scheme: string) =>
  `server {\n    listen 443 ssl;\n    server_name shop.acme-widgets.com;\n    location / {\n        proxy_set_header Host $host;\n        proxy_pass ${scheme}://127.0.0.1:8443;\n    }\n}\n`;

test('TLS upstream, no X-Forwarded-Proto: the backend gets a TLS connection and no header; nothing says otherwise', () => {
  inTree({ 'site.conf': tlsSite('https') }, (dir) => {
    const doc = JSON.parse(runCli(['doctor', '.', '--format', 'json', '--no-config-file'], { cwd: dir }).stdout);
    const s = doc.doctor.routes[0].verdict.scheme;
    assert.equal(s.status, 'delivered');
    assert.equal(s.arrives.header, 'TLS connection');
    const text = runCli(['doctor', '.', '--no-config-file'], { cwd: dir }).stdout;
    assert.match(text, /verdict: https reaches the backend over TLS from hop 1 \(nginx :443 .*\), with no X-Forwarded-Proto/);
    assert.doesNotMatch(text, /receives X-Forwarded-Proto: https|as X-Forwarded-Proto: https/);
    const lint = JSON.parse(
      runCli(['lint', '.', '--format', 'json', '--min-severity', 'info', '--no-config-file'], { cwd: dir }).stdout,
    );
    const all = JSON.stringify(lint.findings);
    assert.doesNotMatch(all, /receives X-Forwarded-Proto: https/);
    assert.doesNotMatch(all, /upstream connection is plain HTTP/);
    const missing = lint.findings.find((f: { id: string }) => f.id === 'nginx/forwarded-proto-missing');
    assert.equal(missing?.severity, 'info');
  });
});

test('invalid: a plain upstream with no X-Forwarded-Proto is lost at nginx, and the link is said to be plain', () => {
  inTree({ 'site.conf': tlsSite('http') }, (dir) => {
    const doc = JSON.parse(runCli(['doctor', '.', '--format', 'json', '--no-config-file'], { cwd: dir }).stdout);
    assert.equal(doc.doctor.routes[0].verdict.scheme.status, 'lost');
    const lint = JSON.parse(
      runCli(['lint', '.', '--format', 'json', '--min-severity', 'info', '--no-config-file'], { cwd: dir }).stdout,
    );
    assert.match(JSON.stringify(lint.findings), /upstream connection is plain HTTP/);
  });
});
