/**
 * Issue 12 "Unknown ends do not end the diagnosis": a route whose proxy hops are known but whose app the chain cannot
 * link ends at a generic HTTP app hop, and `doctor` says what arrives there instead of "unknown" — through the CLI,
 * the JSON validated against doctor.schema.json. X-Forwarded-Proto: http or no scheme header is `lost` at the last
 * proxy (an app behind it builds http:// URLs unless it reads another header); https is `delivered` (the app's trust
 * decides). `unknown` stays only where the proxy hop itself is not known (a value the tool cannot evaluate).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers.js';
import { validateJson } from '../render/validate.js';

const site = (listen: string, before: string, headers: string) =>
  `server {\n  listen ${listen};\n  server_name example.com;\n${before}  location / {\n    proxy_pass http://10.0.0.5:3000;\n${headers}  }\n}\n`;

interface Row {
  name: string;
  conf: string;
  status: 'lost' | 'delivered' | 'unknown';
  arrives?: 'http' | 'absent' | 'https';
  reason?: RegExp;
  verdictLine: RegExp;
  /** The fix plan's required fix, when the route is lost at the proxy; none otherwise. */
  fixLine?: string;
  because?: RegExp;
}

const ROWS: Row[] = [
  {
    name: 'plain nginx behind a TLS balancer sends $scheme (http): lost at nginx',
    conf: site('80', '  set_real_ip_from 10.0.0.0/8;\n', '    proxy_set_header X-Forwarded-Proto $scheme;\n'),
    status: 'lost',
    arrives: 'http',
    reason: /it sends X-Forwarded-Proto: http to the backend \(the app there is not linked\)/,
    verdictLine:
      /verdict: https is lost at hop 2 \(nginx :80 .*\): it sends X-Forwarded-Proto: http, so any app behind it builds http:\/\/ URLs unless it reads another header/,
    fixLine: 'proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;',
    because: /^the backend receives X-Forwarded-Proto: http for https:\/\/example\.com\/ \(the app there is not linked\)$/,
  },
  {
    name: 'TLS nginx sends no scheme header: lost at nginx (was "unknown")',
    conf: site('443 ssl', '', '    proxy_set_header Host $host;\n'),
    status: 'lost',
    arrives: 'absent',
    reason: /it sends no X-Forwarded-Proto to the backend \(the app there is not linked\)/,
    verdictLine:
      /verdict: https is lost at hop 1 \(nginx :443 .*\): it sends no X-Forwarded-Proto, so any app behind it builds http:\/\/ URLs unless it reads another header/,
    fixLine: 'proxy_set_header X-Forwarded-Proto $scheme;',
    because: /^the backend receives no X-Forwarded-Proto for https:\/\/example\.com\/ \(the app there is not linked\)$/,
  },
  {
    // Trap: the app is not linked, yet nothing is wrong at the proxies: not lost, no fix, no scheme finding.
    name: 'TLS nginx sends X-Forwarded-Proto $scheme (https): delivered, the app decides',
    conf: site('443 ssl', '', '    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-Proto $scheme;\n'),
    status: 'delivered',
    arrives: 'https',
    verdictLine:
      /verdict: https reaches the backend as X-Forwarded-Proto: https from hop 1 \(nginx :443 .*\); the app believes it only if it trusts X-Forwarded-Proto from that proxy's address/,
  },
  {
    // The proxy hop itself is not known (a variable nothing in the files defines): unknown stays.
    name: 'nginx sends a variable the files do not define: unknown',
    conf: site('443 ssl', '', '    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-Proto $my_proto;\n'),
    status: 'unknown',
    verdictLine: /verdict: unknown — could not find the app server listening on 10\.0\.0\.5:3000/,
  },
];

function inTree<T>(files: Record<string, string>, fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'pp-generic-app-'));
  try {
    for (const [p, text] of Object.entries(files)) writeFileSync(join(dir, p), text);
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const row of ROWS) {
  test(`generic app hop: ${row.name}`, () => {
    inTree({ 'site.conf': row.conf }, (dir) => {
      const r = runCli(['doctor', '.', '--format', 'json', '--no-config-file'], { cwd: dir });
      const j = JSON.parse(r.stdout);
      validateJson('doctor', j);
      const [route] = j.doctor.routes;
      const s = route.verdict.scheme;
      assert.equal(s.status, row.status, JSON.stringify(s));
      assert.equal(s.arrives?.scheme, row.arrives);
      if (row.reason) assert.match(s.lostAt?.reason ?? '', row.reason);
      else assert.equal(s.lostAt, undefined);
      const plan = j.doctor.plan;
      assert.equal(plan.complete, true, 'the planner fixes what the proxy sends; it does not give up on the unlinked app');
      assert.deepEqual(plan.notes, []);
      const required = plan.fixes.filter((f: { kind: string }) => f.kind === 'required');
      if (row.fixLine) {
        assert.deepEqual(
          required.map((f: { lines: string[] }) => f.lines),
          [[row.fixLine]],
        );
        assert.match(required[0].because, row.because as RegExp);
      } else assert.deepEqual(required, []);
      // The chain's scheme finding stays with linked apps; link-unresolved says what arrives.
      const ids = j.findings.map((f: { id: string }) => f.id);
      assert.ok(!ids.includes('chain/scheme-lost'));
      const unresolved = j.findings.find((f: { id: string }) => f.id === 'chain/link-unresolved');
      assert.equal(unresolved?.data?.arrives, row.arrives);
      assert.equal(/"unknown"/.test(unresolved?.why ?? ''), row.status === 'unknown');
      // lint and doctor agree on the findings and the exit code.
      const lint = runCli(['lint', '.', '--format', 'json', '--no-config-file'], { cwd: dir });
      assert.deepEqual(
        JSON.parse(lint.stdout).findings.map((f: { id: string; severity: string }) => `${f.id} ${f.severity}`),
        j.findings.map((f: { id: string; severity: string }) => `${f.id} ${f.severity}`),
      );
      assert.equal(lint.code, r.code);
      const text = runCli(['doctor', '.', '--no-config-file'], { cwd: dir });
      assert.match(text.stdout, row.verdictLine);
      assert.doesNotMatch(text.stdout, /no combination of up to three known changes/);
      // The HTML report's headline sentence says the same (render/html.ts verdictSentence).
      const html = runCli(['doctor', '.', '--format', 'html', '--no-config-file'], { cwd: dir }).stdout;
      assert.equal(html.includes('could not be followed to the app'), row.status === 'unknown');
      if (row.status !== 'unknown')
        assert.match(
          html,
          row.status === 'delivered'
            ? /reaches the app behind nginx :443 \(site\.conf:1\) \(not linked\) with X-Forwarded-Proto: https/
            : /reaches the app behind nginx :\d+ \(site\.conf:1\) \(not linked\) as http — the scheme is lost at nginx/,
        );
    });
  });
}

test('generic app hop: no proxy in the files, no route: nothing is said about a scheme', () => {
  inTree(
    {
      'docker-compose.yml':
        'services:\n  web:\n    image: example/app\n    command: gunicorn app:app --bind 0.0.0.0:8000\n    ports: ["8000:8000"]\n',
    },
    (dir) => {
      const j = JSON.parse(runCli(['doctor', '.', '--format', 'json', '--no-config-file'], { cwd: dir }).stdout);
      validateJson('doctor', j);
      assert.deepEqual(j.doctor.routes, []);
    },
  );
});

test('doctor.schema.json: a route scheme status outside correct/lost/delivered/unknown is rejected', () => {
  inTree({ 'site.conf': ROWS[2]?.conf as string }, (dir) => {
    const j = JSON.parse(runCli(['doctor', '.', '--format', 'json', '--no-config-file'], { cwd: dir }).stdout);
    validateJson('doctor', j);
    const bad = structuredClone(j);
    bad.doctor.routes[0].verdict.scheme.status = 'arrives-https';
    assert.throws(() => validateJson('doctor', bad), /schema errors/);
  });
});
