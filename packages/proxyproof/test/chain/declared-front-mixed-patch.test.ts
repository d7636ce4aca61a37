/**
 * The mixed TLS/plain hop under a declared front (`--front aws-alb`): nginx ends TLS on :443 and also takes the
 * balancer's plain HTTP on :80, where `$scheme` is http for requests the balancer took over https. A plain
 * `map $scheme` would pass a direct client's X-Forwarded-Proto on (nginx/forwarded-proto-client-controlled); the
 * patch is the guarded geo + map (the balancer's header only from its address, else `$scheme`), written by
 * nginx/scheme-behind-tls-terminator as one headline with `fix --proxy-address`, applied once (no doubled edits),
 * after which the same lint with the same front is clean, and the real nginx accepts the file.
 * Traps: no front declared (the edge ends TLS itself), an L4 front that sends no header.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runFix } from '../../src/commands/fix.js';
import type { DeclaredFront } from '../../src/engine/analyze.js';
import { lintPaths } from '../../src/engine/lint.js';

const MIXED =
  'server {\n    listen 80;\n    listen 443 ssl;\n    server_name app.example.org;\n    ssl_certificate /etc/ssl/a.pem;\n    ssl_certificate_key /etc/ssl/a.key;\n\n' +
  '    location / {\n        proxy_set_header Host $host;\n        proxy_set_header X-Forwarded-Proto $scheme;\n        proxy_pass http://127.0.0.1:8000;\n    }\n}\n';
const UNIT = '[Service]\nExecStart=/usr/bin/gunicorn --bind 127.0.0.1:8000 mysite.wsgi\n';
const SETTINGS = "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')\nALLOWED_HOSTS = ['app.example.org']\n";

const base = mkdtempSync(join(tmpdir(), 'pp-mixed-front-'));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
function tree(): string {
  const dir = join(base, `t${n++}`);
  mkdirSync(join(dir, 'mysite'), { recursive: true });
  writeFileSync(join(dir, 'site.conf'), MIXED);
  writeFileSync(join(dir, 'gunicorn.service'), UNIT);
  writeFileSync(join(dir, 'mysite/settings.py'), SETTINGS);
  return dir;
}
const ALB: DeclaredFront = { name: 'aws-alb', origin: 'declared' };
const ID = 'nginx/scheme-behind-tls-terminator';

async function findings(dir: string, front?: DeclaredFront) {
  const { report } = await lintPaths(['.'], { cwd: dir, ...(front ? { front } : {}) });
  return report.findings;
}

test('invalid: --front aws-alb before a hop on :80 and :443 ssl: the guarded geo+map is the one headline, a patch with --proxy-address', async () => {
  const dir = tree();
  const found = await findings(dir, ALB);
  const ids = found.map((f) => `${f.id}@${f.evidence[0]?.file}:${f.evidence[0]?.line}`).join(', ');
  const head = found.filter((f) => f.id === ID);
  assert.equal(head.length, 1, ids);
  assert.equal(head[0]?.severity, 'high');
  assert.ok(!found.some((f) => f.id === 'chain/scheme-lost'), ids);
  assert.match(head[0]?.message ?? '', /also takes aws-alb's plain HTTP on port 80/);
  assert.deepEqual(head[0]?.fix?.lines, ['        proxy_set_header X-Forwarded-Proto $forwarded_proto;']);
  assert.ok(head[0]?.fix?.also?.[0]?.lines.includes('    <proxy address> 1;'), JSON.stringify(head[0]?.fix));
  // Without the balancer's address the patch is advice that asks for it.
  const dry = await runFix([dir], { cwd: dir, front: ALB });
  assert.ok(!dry.plan.patches.some((p) => p.file.endsWith('site.conf')), dry.plan.patches.map((p) => p.diff).join(''));
  assert.ok(
    dry.plan.advice.some((a) => a.id === ID && /--proxy-address/.test(a.reason)),
    JSON.stringify(dry.plan.advice),
  );
  // With it: one patch of site.conf (the geo and map once, the header line once), then clean.
  const run = await runFix([dir], { cwd: dir, front: ALB, proxyAddress: '10.0.0.5', write: true });
  const diff = run.plan.patches
    .filter((p) => p.file.endsWith('site.conf'))
    .map((p) => p.diff)
    .join('');
  assert.equal(diff.match(/^\+geo \$realip_remote_addr \$from_trusted_proxy \{$/gm)?.length, 1, diff);
  assert.equal(diff.match(/^\+\s+proxy_set_header X-Forwarded-Proto \$forwarded_proto;$/gm)?.length, 1, diff);
  const text = readFileSync(join(dir, 'site.conf'), 'utf8');
  assert.match(text, /^ {4}10\.0\.0\.5 1;$/m);
  const patched = await findings(dir, ALB);
  assert.ok(
    !patched.some((f) => (f.severity === 'high' || f.severity === 'medium' ? /scheme|forwarded-proto/.test(f.id) : false)),
    patched.map((f) => f.id).join(),
  );
  // The real nginx accepts the patched file (certificate paths swapped for a throwaway pair, ports for loopback).
  const cert = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'k.pem',
      '-out',
      'c.pem',
      '-days',
      '1',
      '-subj',
      '/CN=app.example.org',
    ],
    { cwd: dir, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(cert.status, 0, cert.stderr);
  writeFileSync(
    join(dir, 'site.t.conf'),
    text
      .replace('/etc/ssl/a.pem', join(dir, 'c.pem'))
      .replace('/etc/ssl/a.key', join(dir, 'k.pem'))
      .replace('listen 80;', 'listen 127.0.0.1:18080;')
      .replace('listen 443 ssl;', 'listen 127.0.0.1:18443 ssl;'),
  );
  writeFileSync(
    join(dir, 'wrap.conf'),
    `pid ${join(dir, 'nginx.pid')};\nerror_log stderr;\nevents {}\nhttp {\n  access_log off;\n  include ${join(dir, 'site.t.conf')};\n}\n`,
  );
  const t = spawnSync('nginx', ['-t', '-c', join(dir, 'wrap.conf'), '-p', dir], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(t.status, 0, t.stderr);
});

test('valid (trap): the same hop with no front declared: nginx is the edge, $scheme is right on both listeners', async () => {
  const found = await findings(tree());
  assert.ok(!found.some((f) => f.id === ID || f.id === 'chain/scheme-lost'), found.map((f) => f.id).join());
});

test('valid (trap): --front aws-nlb (TLS at L4, no header): this check says nothing about the plain listener', async () => {
  const found = await findings(tree(), { name: 'aws-nlb', origin: 'declared' });
  assert.ok(!found.some((f) => f.id === ID), found.map((f) => f.id).join());
});
