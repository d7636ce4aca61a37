/**
 * Issue 12 "several scheme headers that can disagree (gunicorn answers 400 "Contradictory scheme headers"), a header
 * set twice": nginx sends one header line per proxy_set_header, and gunicorn compares each line of its
 * secure_scheme_headers on its own (http/message.py; real nginx 1.22 + gunicorn 20.1 in
 * test/checks/proxy/header-repeated-real.test.ts). Two lines that agree are https; lines that disagree — a `$scheme`
 * and a literal `http`, or X-Forwarded-Proto beside `X-Forwarded-Ssl off` — are a 400 the app never sees. The chain
 * (chain/simulate.ts headerLines, Step.refused) says so through doctor, text and JSON.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers.js';
import { validateJson } from '../render/validate.js';

const site = (lines: string[]) =>
  `server {\n    listen 443 ssl;\n    server_name shop.acme-widgets.com;\n    location / {\n        proxy_set_header Host $host;\n${lines.map((l) => `        proxy_set_header ${l};\n`).join('')}        proxy_pass http://127.0.0.1:8000;\n    }\n}\n`;

interface Row {
  name: string;
  lines: string[];
  status: 'correct' | 'lost';
  refused?: number;
  verdict: RegExp;
}

const ROWS: Row[] = [
  {
    // Trap: it looks like a conflict (two lines, two different texts), but both say https on TLS.
    name: '`$scheme` and a literal `https`: two agreeing lines are https',
    lines: ['X-Forwarded-Proto $scheme', 'X-Forwarded-Proto https'],
    status: 'correct',
    verdict: /verdict: correct: the app believes https/,
  },
  {
    name: '`$scheme` and a literal `http`: gunicorn answers 400',
    lines: ['X-Forwarded-Proto $scheme', 'X-Forwarded-Proto http'],
    status: 'lost',
    refused: 400,
    verdict:
      /verdict: https requests get a 400 — at hop 2 \(gunicorn 127\.0\.0\.1:8000\): gunicorn answers 400 Bad Request "Contradictory scheme headers": x-forwarded-proto: https says https but x-forwarded-proto: http says http/,
  },
  {
    name: 'X-Forwarded-Proto `$scheme` and X-Forwarded-Ssl `off`: gunicorn answers 400',
    lines: ['X-Forwarded-Proto $scheme', 'X-Forwarded-Ssl off'],
    status: 'lost',
    refused: 400,
    verdict: /verdict: https requests get a 400 — .*x-forwarded-proto: https says https but x-forwarded-ssl: off says http/,
  },
  {
    // Trap: two scheme headers of different names that agree.
    name: 'X-Forwarded-Proto `$scheme` and X-Forwarded-Ssl `on` on a TLS-only server: https',
    lines: ['X-Forwarded-Proto $scheme', 'X-Forwarded-Ssl on'],
    status: 'correct',
    verdict: /verdict: correct: the app believes https/,
  },
  {
    name: 'one literal `http` line: lost, no 400',
    lines: ['X-Forwarded-Proto http'],
    status: 'lost',
    verdict: /verdict: the app believes http — lost at hop 1/,
  },
];

for (const row of ROWS) {
  test(`scheme header lines at gunicorn: ${row.name}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-scheme-lines-'));
    try {
      writeFileSync(join(dir, 'site.conf'), site(row.lines));
      writeFileSync(join(dir, 'app.service'), '[Service]\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:8000 app:app\n');
      writeFileSync(join(dir, 'app.py'), 'from flask import Flask\napp = Flask(__name__)\n');
      const r = runCli(['doctor', '.', '--format', 'json', '--no-config-file'], { cwd: dir });
      const j = JSON.parse(r.stdout);
      validateJson('doctor', j);
      const s = j.doctor.routes[0].verdict.scheme;
      assert.equal(s.status, row.status, JSON.stringify(s));
      assert.equal(s.refused, row.refused);
      const text = runCli(['doctor', '.', '--no-config-file'], { cwd: dir }).stdout;
      assert.match(text, row.verdict);
      if (row.status === 'correct') assert.doesNotMatch(text, /400/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
