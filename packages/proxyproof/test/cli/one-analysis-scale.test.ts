/**
 * lint and doctor agree at scale (issue 10): on a generated nginx config of 400 server blocks (plain and TLS,
 * every tenth forgetting X-Forwarded-Proto, shared upstreams), `lint --format json` and `doctor --format json`
 * give the same findings (the full objects, in order), summary and diagnostics. The bench records the same at
 * 10,000 servers (bench/RESULTS.md); 400 keeps the test within seconds on the shared machine.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/proxyproof.js', import.meta.url));

function server(i: number, tls: boolean, dir: string): string {
  const proto = i % 10 === 0 ? '' : '        proxy_set_header X-Forwarded-Proto $scheme;\n';
  const listen = tls
    ? `    listen 443 ssl;\n    ssl_certificate ${dir}/c.crt;\n    ssl_certificate_key ${dir}/c.key;\n`
    : '    listen 80;\n';
  return `server {\n${listen}    server_name site${i}.example.com;\n    location / {\n        proxy_pass http://127.0.0.1:8000;\n        proxy_set_header Host $host;\n${proto}    }\n    location /api/ {\n        proxy_pass http://backend;\n        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n    }\n}\n`;
}

function json(args: string[]): Promise<{ code: number; doc: Record<string, unknown> }> {
  return new Promise((res, rej) =>
    execFile(
      process.execPath,
      [BIN, ...args, '--format', 'json'],
      { timeout: 300_000, maxBuffer: 512 * 1024 * 1024 },
      (err, stdout) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        try {
          res({ code, doc: JSON.parse(String(stdout)) });
        } catch (e) {
          rej(new Error(`${args.join(' ')}: exit ${code}, not JSON: ${(e as Error).message}`));
        }
      },
    ),
  );
}

describe('lint and doctor at scale: one analysis', () => {
  for (const tls of [false, true])
    it(`${tls ? 'TLS' : 'plain'}: 400 servers, the same findings, summary and diagnostics`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'proxyproof-scale-'));
      try {
        const servers = Array.from({ length: 400 }, (_, i) => server(i, tls, dir)).join('');
        const conf = join(dir, 'nginx.conf');
        writeFileSync(conf, `events {}\nhttp {\n upstream backend { server 127.0.0.1:9000; }\n${servers}}\n`);
        const [lint, doctor] = await Promise.all([json(['lint', conf]), json(['doctor', conf])]);
        assert.equal(doctor.code, lint.code);
        const findings = lint.doc.findings as unknown[];
        assert.ok(findings.length >= 40, `${findings.length} findings`);
        assert.deepEqual(doctor.doc.findings, findings);
        assert.deepEqual(doctor.doc.summary, lint.doc.summary);
        assert.deepEqual(doctor.doc.diagnostics, lint.doc.diagnostics);
        const topology = (doctor.doc.doctor as { topology: { proxies: unknown[] } }).topology;
        assert.equal(topology.proxies.length, 400);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
});
