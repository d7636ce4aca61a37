#!/usr/bin/env node
// The real-world score: runs the built CLI (`proxyproof lint <case> --format json`, as a user runs it) on
// every case of ../shared/realworld and scores it exactly as that corpus's README says:
//   - a finding's locations are its evidence entries and its fix location;
//   - an expected item is found when a finding at low or above has a location in the same file within 3
//     lines; an item expected at medium/high that only a low/info finding reaches counts half;
//   - each distinct finding at medium or above is judged by its first location: a hit within 3 lines of an
//     expected item, a trap within 5 lines of a trap, otherwise unmatched;
//   - recall = found / expected; strict precision = hits / medium+ findings; a negative case is clean when
//     it has no medium+ finding.
// Usage: node scripts/realworld.mjs [--corpus DIR] [--write bench/REALWORLD.md] [--json] [--only SUBSTR]
// Prints one line per case and the totals; `--write` rewrites the table in bench/REALWORLD.md between its
// markers (the ratchet figures the test compares against are the JSON block there).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { locations, norm, RANK, ROOT, realworldCases, realworldOptions } from './realworld-common.mjs';

const { args, opt, corpus, only } = realworldOptions();
const root = ROOT;
const cli = join(root, 'packages/proxyproof/bin/proxyproof.js');

if (!existsSync(corpus)) {
  console.error(`realworld: no corpus at ${corpus}`);
  process.exit(2);
}

function run(dir) {
  return new Promise((res) => {
    execFile(
      process.execPath,
      [cli, 'lint', '.', '--format', 'json', '--min-severity', 'info', '--no-color'],
      { cwd: dir, timeout: 120_000, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        let report = null;
        try {
          report = JSON.parse(stdout);
        } catch {
          /* scored as an error below */
        }
        res({ code, report, stderr: String(stderr).trim().split('\n')[0] ?? '' });
      },
    );
  });
}

export function scoreCase(expect, findings) {
  const expected = expect.expected ?? [];
  const traps = expect.traps ?? [];
  let found = 0;
  const items = expected.map((x) => {
    const file = norm(x.file);
    const near = (f) => locations(f).some((l) => l.file === file && Math.abs(l.line - x.line) <= 3);
    const want = RANK[x.severity] ?? RANK.medium;
    const best = Math.max(-1, ...findings.filter(near).map((f) => RANK[f.severity] ?? -1));
    let credit = 0;
    if (want >= RANK.medium) credit = best >= RANK.medium ? 1 : best >= 0 ? 0.5 : 0;
    else credit = best >= RANK.low ? 1 : 0;
    found += credit;
    return { ...x, credit };
  });
  const seen = new Set();
  let hits = 0;
  let trapHits = 0;
  let unmatched = 0;
  const judged = [];
  for (const f of findings) {
    if (RANK[f.severity] < RANK.medium) continue;
    const first = locations(f)[0];
    const key = `${f.id}|${first?.file}|${first?.line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    let verdict = 'unmatched';
    if (first && expected.some((x) => norm(x.file) === first.file && Math.abs(x.line - first.line) <= 3)) verdict = 'hit';
    else if (first && traps.some((t) => norm(t.file) === first.file && Math.abs(t.line - first.line) <= 5)) verdict = 'trap';
    if (verdict === 'hit') hits++;
    else if (verdict === 'trap') trapHits++;
    else unmatched++;
    judged.push({ id: f.id, severity: f.severity, at: first ? `${first.file}:${first.line}` : '(none)', verdict });
  }
  return { items, found, expected: expected.length, hits, trapHits, unmatched, mediumPlus: seen.size, judged };
}

async function pool(items, n, fn) {
  const out = new Array(items.length);
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (i < items.length) {
        const k = i++;
        out[k] = await fn(items[k]);
      }
    }),
  );
  return out;
}

const cases = realworldCases(corpus, only);
const results = await pool(cases, Math.max(1, availableParallelism()), async (name) => {
  const dir = join(corpus, name);
  const expect = JSON.parse(readFileSync(join(dir, 'expect.json'), 'utf8'));
  const r = await run(dir);
  const error = !r.report || r.code === 2 || r.code < 0 ? r.stderr || `exit ${r.code}` : null;
  const findings = r.report?.findings ?? [];
  const s = scoreCase(expect, findings);
  return { name, kind: expect.kind, error, ...s };
});

const sum = (k) => results.reduce((a, r) => a + r[k], 0);
const negatives = results.filter((r) => r.kind === 'negative');
const totals = {
  cases: results.length,
  expected: sum('expected'),
  found: sum('found'),
  recall: sum('expected') ? sum('found') / sum('expected') : 1,
  mediumPlus: sum('mediumPlus'),
  hits: sum('hits'),
  precision: sum('mediumPlus') ? sum('hits') / sum('mediumPlus') : 1,
  trapHits: sum('trapHits'),
  negatives: negatives.length,
  negativesClean: negatives.filter((r) => r.mediumPlus === 0).length,
  errors: results.filter((r) => r.error).length,
};

const pct = (x) => `${(100 * x).toFixed(1)}%`;
const rows = results.map(
  (r) =>
    `| ${r.name} | ${r.kind} | ${r.found}/${r.expected} | ${r.hits}/${r.mediumPlus} | ${r.trapHits} | ${r.kind === 'negative' ? (r.mediumPlus === 0 ? 'clean' : 'NOT clean') : ''} | ${r.error ? r.error.replace(/\|/g, '\\|').slice(0, 80) : ''} |`,
);
const totalLine = `recall ${pct(totals.recall)} (${totals.found}/${totals.expected}), strict precision ${pct(totals.precision)} (${totals.hits}/${totals.mediumPlus}), traps hit ${totals.trapHits}, negatives clean ${totals.negativesClean}/${totals.negatives}, errors ${totals.errors}`;

if (args.includes('--json')) {
  console.log(JSON.stringify({ totals, results }, null, 1));
} else {
  for (const r of results) {
    const miss = r.items.filter((x) => x.credit < 1).map((x) => `${x.file}:${x.line}${x.credit ? '(half)' : ''}`);
    const bad = r.judged.filter((j) => j.verdict !== 'hit').map((j) => `${j.verdict} ${j.id}@${j.at}`);
    console.log(
      `${r.name}: found ${r.found}/${r.expected}, hits ${r.hits}/${r.mediumPlus}, traps ${r.trapHits}${r.error ? `, ERROR ${r.error}` : ''}`,
    );
    if (args.includes('--verbose')) {
      for (const m of miss) console.log(`    missed ${m}`);
      for (const b of bad) console.log(`    ${b}`);
    }
  }
  console.log(`cases ${totals.cases}`);
  console.log(totalLine);
}

const out = opt('--write');
if (out) {
  const path = resolve(ROOT, out);
  const table = [
    '<!-- realworld:begin (written by `npm run realworld -- --write bench/REALWORLD.md`) -->',
    '',
    `Totals: ${totalLine}.`,
    '',
    'Ratchet (the suite fails when a total falls below these):',
    '',
    '```json',
    JSON.stringify(
      {
        recall: Number(totals.recall.toFixed(4)),
        precision: Number(totals.precision.toFixed(4)),
        trapHits: totals.trapHits,
        negativesClean: totals.negativesClean,
        errors: totals.errors,
      },
      null,
      1,
    ),
    '```',
    '',
    '| case | kind | found/expected | hits/medium+ | traps hit | negative | error |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    '<!-- realworld:end -->',
  ].join('\n');
  let text = existsSync(path) ? readFileSync(path, 'utf8') : '# Real-world score\n\n';
  const re = /<!-- realworld:begin[\s\S]*?<!-- realworld:end -->/;
  text = re.test(text) ? text.replace(re, table) : `${text.trimEnd()}\n\n${table}\n`;
  writeFileSync(path, text);
  console.log(`wrote ${out}`);
}
