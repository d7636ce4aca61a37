/**
 * Issue 12 "underscores (`X_Forwarded_Proto`: nginx drops them unless `underscores_in_headers on`)", through the
 * chain: an outer nginx sends `X_Forwarded_Proto $scheme` to an inner nginx on loopback that forwards
 * `X-Forwarded-Proto $http_x_forwarded_proto`. The real nginx (Debian's 1.22) says what the inner server makes of the
 * underscored line — read by `$http_x_forwarded_proto` with `underscores_in_headers on`, dropped by default — and
 * doctor/lint on the same two-server tree must agree (chain/simulate.ts underscoreView, ProxyHop.underscoreNames).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers.js';
import { getOnce, NGINX, type RunningNginx, startNginx } from '../real-nginx.js';
import { listenOnFreePort } from '../real-program.js';

const inner = (port: number, upstream: number, lines: string) =>
  `server {\n  listen 127.0.0.1:${port};\n${lines}  location / {\n    proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;\n    proxy_pass http://127.0.0.1:${upstream};\n  }\n}\n`;

const VARIANTS = [
  { name: 'underscores_in_headers on', lines: '  underscores_in_headers on;\n', arrives: 'https' as const },
  { name: 'ignore_invalid_headers off', lines: '  ignore_invalid_headers off;\n', arrives: 'https' as const },
  // Trap for the reader: the outer line looks like X-Forwarded-Proto, but the inner nginx drops the name.
  { name: 'the default', lines: '', arrives: undefined },
];

/** The whole deployment as files: outer TLS server, the inner one, gunicorn behind it. */
const tree = (lines: string) =>
  `events {}\nhttp {\n  server {\n    listen 443 ssl;\n    server_name shop.acme-widgets.com;\n    location / {\n      proxy_set_header Host $host;\n      proxy_set_header X_Forwarded_Proto $scheme;\n      proxy_pass http://127.0.0.1:8080;\n    }\n  }\n  server {\n    listen 127.0.0.1:8080;\n${lines}    server_name shop.acme-widgets.com;\n    location / {\n      proxy_set_header Host $host;\n      proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;\n      proxy_pass http://127.0.0.1:8000;\n    }\n  }\n}\n`;

describe('an underscored scheme header between two nginx servers', { skip: NGINX ? false : 'nginx is not installed' }, () => {
  let echo: Server;
  let upstream = 0;
  let nginx: RunningNginx | undefined;
  before(async () => {
    echo = createServer((req, res) => res.end(JSON.stringify(req.headers)));
    upstream = await listenOnFreePort(echo);
    nginx = await startNginx((ports) => VARIANTS.map((v, i) => inner(ports[i] as number, upstream, v.lines)).join(''), 3);
  });
  after(() => {
    nginx?.stop();
    echo?.close();
  });

  for (const [i, v] of VARIANTS.entries())
    test(`${v.name}: the inner nginx ${v.arrives ? 'reads' : 'drops'} X_Forwarded_Proto, and doctor and lint say the same`, async () => {
      const got = await getOnce(nginx?.ports[i] as number, '/', { Host: 'site.test', X_Forwarded_Proto: 'https' });
      assert.equal(JSON.parse(got.body)['x-forwarded-proto'], v.arrives, got.body);
      const dir = mkdtempSync(join(tmpdir(), 'pp-underscore-chain-'));
      try {
        writeFileSync(join(dir, 'nginx.conf'), tree(v.lines.replace(/^ {2}/gm, '    ')));
        writeFileSync(join(dir, 'app.service'), '[Service]\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:8000 app:app\n');
        writeFileSync(join(dir, 'app.py'), 'from flask import Flask\napp = Flask(__name__)\n');
        const doc = JSON.parse(runCli(['doctor', '.', '--format', 'json', '--no-config-file'], { cwd: dir }).stdout);
        const s = doc.doctor.routes.find((r: { url: string }) => r.url.startsWith('https:')).verdict.scheme;
        assert.equal(s.status, v.arrives ? 'correct' : 'lost', JSON.stringify(s));
        const lint = JSON.parse(runCli(['lint', '.', '--format', 'json', '--no-config-file'], { cwd: dir }).stdout);
        const high = lint.findings.filter((f: { severity: string }) => f.severity === 'high').map((f: { id: string }) => f.id);
        // The underscored line is the one place the scheme is lost only where the inner server drops it.
        assert.equal(high.includes('nginx/scheme-header-value'), !v.arrives, JSON.stringify(high));
        // The inner server is reached only through the outer one: where the outer's underscored line is read, nobody
        // else chooses the value; where it is dropped, the outer passes a client's own X-Forwarded-Proto on.
        assert.equal(high.includes('nginx/forwarded-proto-client-controlled'), !v.arrives, JSON.stringify(high));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
});
