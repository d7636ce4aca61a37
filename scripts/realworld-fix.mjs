#!/usr/bin/env node
// The fix loop on the real-world corpus: for every positive case of ../shared/realworld, copy it to a temporary
// folder, lint it, run `fix --write` on the copy, lint again, and count the expected items (expect.json) that
// lint reported before (a low+ finding with a location in the same file within 3 lines, as the corpus README
// scores) and no longer reports after the patches. Also checked: fix on the patched copy writes nothing more
// (idempotent) and no finding id appears that was not there before.
// Usage: npm run build && node scripts/realworld-fix.mjs [--corpus DIR] [--only SUBSTR] [--verbose] [--json]
//        [--proxy-address ADDR]
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locations, norm, RANK, ROOT, realworldCases, realworldOptions } from './realworld-common.mjs';

const { args, corpus, only, verbose, opt } = realworldOptions();
// --proxy-address ADDR: what a user gives when the proxy's address is the one fact the files lack (cross-host
// deployments, a balancer's address for nginx's geo): the fixes that wait for it are written too.
const proxyAddress = opt('--proxy-address');
const root = ROOT;

const { lintPaths } = await import(join(root, 'packages/proxyproof/dist/engine/lint.js'));
const { runFix } = await import(join(root, 'packages/proxyproof/dist/commands/fix.js'));

function reported(item, findings) {
  const file = norm(item.file);
  return findings.some(
    (f) => RANK[f.severity] >= RANK.low && locations(f).some((l) => l.file === file && Math.abs(l.line - item.line) <= 3),
  );
}
async function lint(dir) {
  try {
    return (await lintPaths(['.'], { cwd: dir })).report.findings;
  } catch (e) {
    return { error: e.message };
  }
}

function makeWritable(dir) {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    const st = statSync(p);
    chmodSync(p, st.mode | 0o200);
    if (st.isDirectory()) makeWritable(p);
  }
}

const cases = realworldCases(corpus, only);
const totals = {
  cases: 0,
  patchedCases: 0,
  expected: 0,
  foundBefore: 0,
  fixed: 0,
  newIds: 0,
  notIdempotent: 0,
  rejected: 0,
  unchecked: 0,
  turnedToAdvice: 0,
};
const rows = [];
for (const name of cases) {
  const expect = JSON.parse(readFileSync(join(corpus, name, 'expect.json'), 'utf8'));
  if (expect.kind !== 'positive') continue;
  totals.cases++;
  const dir = mkdtempSync(join(tmpdir(), 'proxyproof-rwfix-'));
  try {
    cpSync(join(corpus, name), dir, { recursive: true });
    makeWritable(dir); // the corpus is read-only; its copy is ours (fix --write leaves read-only files alone)
    const before = await lint(dir);
    if (!Array.isArray(before)) {
      rows.push({ name, error: before.error });
      continue;
    }
    const run = await runFix(['.'], { cwd: dir, write: true, proxyAddress });
    const written = run.written.filter((w) => w.status === 'written').map((w) => w.file);
    totals.rejected += run.written.filter((w) => w.status !== 'written').length;
    // Patches the second analysis turned into advice (fix/converge.ts), and plans it could not check.
    const turned = run.plan.advice.filter((a) => a.reason.startsWith('checked by analysing the patched files'));
    totals.turnedToAdvice += turned.length;
    if (run.notes.length) totals.unchecked++;
    const after = await lint(dir);
    const afterList = Array.isArray(after) ? after : [];
    const items = expect.expected ?? [];
    totals.expected += items.length;
    const foundBefore = items.filter((x) => reported(x, before));
    const fixed = foundBefore.filter((x) => !reported(x, afterList));
    // What still reports an item after the fix (--verbose): the finding ids near it, and whether fix gave advice.
    const near = (item, findings) =>
      findings
        .filter(
          (f) =>
            RANK[f.severity] >= RANK.low &&
            locations(f).some((l) => l.file === norm(item.file) && Math.abs(l.line - item.line) <= 3),
        )
        .map((f) => f.id);
    const left = foundBefore
      .filter((x) => reported(x, afterList))
      .map((x) => `${norm(x.file)}:${x.line} ${[...new Set(near(x, afterList))].join(',')}`);
    const idsBefore = new Set(before.map((f) => f.id));
    const newIds = [...new Set(afterList.map((f) => f.id))].filter((id) => !idsBefore.has(id));
    const again = written.length ? await runFix(['.'], { cwd: dir, proxyAddress }) : { plan: { patches: [] } };
    if (again.plan.patches.length > 0) totals.notIdempotent++;
    if (written.length) totals.patchedCases++;
    totals.foundBefore += foundBefore.length;
    totals.fixed += fixed.length;
    totals.newIds += newIds.length;
    rows.push({
      name,
      written,
      expected: items.length,
      foundBefore: foundBefore.length,
      fixed: fixed.length,
      newIds,
      idempotent: again.plan.patches.length === 0,
      advice: run.plan.advice.length,
      turnedToAdvice: turned.map((a) => `${a.id} ${a.file ?? ''}:${a.line ?? ''}`),
      notes: run.notes,
      left,
      adviceList: run.plan.advice.map((a) => `${a.id}: ${a.reason}`),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (args.includes('--json')) console.log(JSON.stringify({ totals, rows }, null, 2));
else {
  for (const r of rows) {
    if (r.error) console.log(`${r.name}: error: ${r.error}`);
    else if (verbose || r.written.length || r.turnedToAdvice.length || r.notes.length)
      console.log(
        `${r.name}: wrote ${r.written.length ? r.written.join(', ') : 'nothing'}; expected items ${r.expected}, reported before ${r.foundBefore}, no longer reported ${r.fixed}${r.newIds.length ? `; NEW ids ${r.newIds.join(', ')}` : ''}${r.idempotent ? '' : '; NOT idempotent'}${r.turnedToAdvice.length ? `; advice after the check: ${r.turnedToAdvice.join(', ')}` : ''}${r.notes.length ? `; ${r.notes.join('; ')}` : ''}`,
      );
    if (verbose && !r.error) {
      for (const l of r.left ?? []) console.log(`    still reported: ${l}`);
      for (const a of r.adviceList ?? []) console.log(`    advice: ${a}`);
    }
  }
  console.log(
    `positive cases ${totals.cases}, patched ${totals.patchedCases}; expected items ${totals.expected}, reported before fix ${totals.foundBefore}, no longer reported after fix --write ${totals.fixed}; new finding ids ${totals.newIds}; not idempotent ${totals.notIdempotent}; writes aborted/undone ${totals.rejected}; patches turned into advice by the check ${totals.turnedToAdvice}; plans not checked ${totals.unchecked}`,
  );
}
