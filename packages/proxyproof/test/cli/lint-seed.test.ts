/**
 * The README's first command: `proxyproof lint examples/seed` names the missing X-Forwarded-Proto at
 * the seed's `location /` (file:line), shows its lines and prints the line to add.
 * Runs the built CLI (npx tsc -b packages/forwarded packages/proxyproof first).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Finding } from '../../src/model/finding.js';
import { REPO_ROOT, runCli } from '../helpers.js';

const SITE = 'examples/seed/nginx/sites-enabled/mysite';
const lines = readFileSync(join(REPO_ROOT, SITE), 'utf8').split('\n');
/** The TLS server's `location /` (the last one in the file) and its last proxy_set_header line, 1-based. */
const LOCATION_LINE = lines.lastIndexOf('    location / {') + 1;
const LAST_HEADER_LINE = lines.findLastIndex((l) => l.includes('proxy_set_header X-Real-IP')) + 1;

interface JsonReport {
  findings: Finding[];
}

test('the seed site is what the README describes', () => {
  assert.ok(LOCATION_LINE > 0 && LAST_HEADER_LINE > LOCATION_LINE);
  const block = lines.slice(LOCATION_LINE - 1, LAST_HEADER_LINE).join('\n');
  assert.match(block, /proxy_pass http:\/\/127\.0\.0\.1:8000;/);
  assert.match(block, /proxy_set_header Host \$host;/);
  assert.doesNotMatch(readFileSync(join(REPO_ROOT, SITE), 'utf8'), /X-Forwarded-Proto|proxy_params/);
  const settings = readFileSync(join(REPO_ROOT, 'examples/seed/mysite/mysite/settings.py'), 'utf8');
  assert.match(settings, /^SECURE_SSL_REDIRECT = True$/m);
  assert.doesNotMatch(settings, /SECURE_PROXY_SSL_HEADER/);
  assert.match(readFileSync(join(REPO_ROOT, 'examples/seed/systemd/gunicorn.service'), 'utf8'), /--bind 127\.0\.0\.1:8000/);
});

test('text: names the missing X-Forwarded-Proto at file:line, shows the lines, prints the fix; exit 1', () => {
  const r = runCli(['lint', 'examples/seed']);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr, '');
  const out = r.stdout;
  // Critical: the chain shows SECURE_SSL_REDIRECT turning the lost scheme into a redirect loop (one root cause,
  // one headline: the chain and the Django finding are its explanation).
  assert.match(out, new RegExp(`CRITICAL nginx/forwarded-proto-missing  ${SITE}:${LOCATION_LINE}\\n`));
  assert.match(out, /chain: https:\/\/shop\.example\.com\/ \(location \/\) reaches Django as http/);
  assert.match(out, /no X-Forwarded-Proto/);
  // the offending lines, numbered
  assert.match(out, new RegExp(`\\s${LOCATION_LINE} \\|     location / \\{`));
  assert.match(out, new RegExp(`\\s${LAST_HEADER_LINE} \\|         proxy_set_header X-Real-IP \\$remote_addr;`));
  // where and what to write
  assert.match(
    out,
    new RegExp(`in ${SITE}, after line ${LAST_HEADER_LINE}:\\n  \\+         proxy_set_header X-Forwarded-Proto \\$scheme;`),
  );
  assert.match(out, /why: /);
  assert.match(out, /docs: packages\/proxyproof\/docs\/checks\/nginx\/forwarded-proto-missing\.md/);
  assert.match(out, /\d+ findings? \(/);
  assert.doesNotMatch(out, /\n\s+at .*\.js:\d+/, 'no stack trace');
});

test('json: the same finding with evidence and fix lines', () => {
  const r = runCli(['lint', '--format', 'json', 'examples/seed']);
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as JsonReport;
  const f = report.findings.find((x) => x.id === 'nginx/forwarded-proto-missing');
  assert.ok(f, 'finding present');
  assert.equal(f.severity, 'critical');
  assert.deepEqual(((f.data?.merged ?? []) as Array<{ id: string }>).map((m) => m.id).sort(), [
    'django/ssl-redirect-without-scheme-source',
    'nginx/forwarded-proto-missing',
  ]);
  assert.equal(f.evidence[0]?.file, SITE);
  assert.equal(f.evidence[0]?.line, LOCATION_LINE);
  assert.match(f.evidence[0]?.snippet ?? '', /proxy_set_header Host \$host;/);
  assert.equal(f.fix?.file, SITE);
  assert.equal(f.fix?.line, LAST_HEADER_LINE);
  assert.equal(f.fix?.placement, 'after');
  assert.deepEqual(f.fix?.lines, ['        proxy_set_header X-Forwarded-Proto $scheme;']);
  assert.ok(f.references.includes('https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_set_header'));
  // Only one nginx finding: the port-80 server only redirects, static locations do not proxy.
  assert.deepEqual(
    report.findings.filter((x) => x.id.startsWith('nginx/')).map((x) => x.id),
    ['nginx/forwarded-proto-missing'],
  );
});

test('--min-severity critical: only the critical findings, exit 1, and doctor agrees', () => {
  const all = JSON.parse(runCli(['lint', '--format', 'json', 'examples/seed']).stdout) as JsonReport;
  const critical = all.findings.filter((f) => f.severity === 'critical');
  const r = runCli(['lint', '--min-severity', 'critical', 'examples/seed']);
  assert.ok(critical.length > 0, 'the seed has a critical finding (the redirect loop)');
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /^(HIGH|MEDIUM|LOW|INFO) /m);
  // doctor: the same findings at the same threshold, the same exit code
  const d = runCli(['doctor', '--min-severity', 'critical', 'examples/seed']);
  assert.equal(d.code, r.code, d.stdout + d.stderr);
  assert.match(r.stdout, /CRITICAL nginx\/forwarded-proto-missing/);
  const j = JSON.parse(runCli(['lint', '--format', 'json', '--min-severity', 'critical', 'examples/seed']).stdout) as JsonReport;
  assert.deepEqual(
    j.findings.map((f) => f.id),
    critical.map((f) => f.id),
  );
});

test('--quiet: the findings only, no summary line', () => {
  const r = runCli(['lint', '--quiet', 'examples/seed']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /nginx\/forwarded-proto-missing/);
  assert.doesNotMatch(r.stdout, /\d+ findings? \(/);
});

test('linting the site file alone gives the same finding', () => {
  const r = runCli(['lint', '--format', 'json', SITE]);
  assert.equal(r.code, 1, r.stderr);
  const f = (JSON.parse(r.stdout) as JsonReport).findings.find((x) => x.id === 'nginx/forwarded-proto-missing');
  assert.equal(f?.evidence[0]?.line, LOCATION_LINE);
});
