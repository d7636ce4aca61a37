/**
 * Issue 12 "a tree that was fixed as advised goes clean" (audit r18 gap 14): an outer TLS nginx server proxies to an
 * inner server of the same nginx on 127.0.0.1:8080, which forwards `X-Forwarded-Proto $http_x_forwarded_proto` and
 * `Host $host` to gunicorn. Only the outer server reaches the inner one, so its `$http_x_forwarded_proto` is the
 * outer's `$scheme` and its `$host` the public name the outer passed: lint must agree with doctor's "correct, not
 * spoofable" (checks/nginx/common.ts outerServersOf / outerServersSet, checks/proxy/common.ts fedByOwnSites).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../helpers.js';

const conf = (outerLines: string, innerListen: string) =>
  `events {}\nhttp {\n  server {\n    listen 443 ssl;\n    server_name shop.acme-widgets.com;\n    location / {\n      proxy_set_header Host $host;\n${outerLines}      proxy_pass http://127.0.0.1:8080;\n    }\n  }\n  server {\n    listen ${innerListen};\n    server_name shop.acme-widgets.com;\n    location / {\n      proxy_set_header Host $host;\n      proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;\n      proxy_pass http://127.0.0.1:8000;\n    }\n  }\n}\n`;

const INNER_IDS = [
  'nginx/forwarded-proto-client-controlled',
  'proxy/client-header-copied',
  'nginx/host-port-lost',
  'nginx/http-not-redirected',
];

const ROWS = [
  {
    name: 'valid: inner on 127.0.0.1, the outer sets X-Forwarded-Proto $scheme: clean',
    conf: conf('      proxy_set_header X-Forwarded-Proto $scheme;\n', '127.0.0.1:8080'),
    expect: [] as string[],
    verdict: 'correct',
  },
  {
    // Trap: the inner server looks internal (same name, port 8080), but it listens on every interface: any client
    // that reaches :8080 sends its own X-Forwarded-Proto.
    name: 'trap: inner on every interface: any client reaches it',
    conf: conf('      proxy_set_header X-Forwarded-Proto $scheme;\n', '8080'),
    expect: ['nginx/forwarded-proto-client-controlled'],
    verdict: 'correct',
  },
  {
    name: "invalid: the outer sets no X-Forwarded-Proto, so it passes the client's own on",
    conf: conf('', '127.0.0.1:8080'),
    expect: ['nginx/forwarded-proto-client-controlled'],
    verdict: 'lost',
  },
];

for (const row of ROWS)
  test(`inner loopback nginx server: ${row.name}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-inner-server-'));
    try {
      writeFileSync(join(dir, 'nginx.conf'), row.conf);
      writeFileSync(join(dir, 'app.service'), '[Service]\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:8000 app:app\n');
      writeFileSync(join(dir, 'app.py'), 'from flask import Flask\napp = Flask(__name__)\n');
      const lint = JSON.parse(runCli(['lint', '.', '--format', 'json', '--no-config-file'], { cwd: dir }).stdout);
      const ids = lint.findings.map((f: { id: string }) => f.id).filter((id: string) => INNER_IDS.includes(id));
      for (const id of row.expect) assert.ok(ids.includes(id), `${id} in ${JSON.stringify(ids)}`);
      if (row.expect.length === 0) assert.deepEqual(ids, []);
      const doc = JSON.parse(runCli(['doctor', '.', '--format', 'json', '--no-config-file'], { cwd: dir }).stdout);
      const route = doc.doctor.routes.find((r: { url: string }) => r.url.startsWith('https:'));
      assert.equal(route.verdict.scheme.status, row.verdict, JSON.stringify(route.verdict.scheme));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
