#!/usr/bin/env node
/**
 * Benchmark (not a test): `proxyproof doctor` against `proxyproof lint` on the same generated 10,000-server nginx
 * config (bench/nginx-lint's generator: `node bench/nginx-lint/run.mjs --generate-only`), `--format json` to a
 * file, alternating lint then doctor, CPU (user+sys) and peak RSS from GNU time. The issue 10 doctor target:
 * doctor within 2.5x of lint's CPU and under 500 MB at 10,000 servers.
 *
 *   node bench/doctor/run.mjs [--runs N] [--work DIR] [--variant plain|tls]
 *
 * Needs the built CLI (npm run build) and /usr/bin/time. Writes only under the work folder. Prints each run,
 * then min/median/max, the ratio of the medians and the load average; bench/RESULTS.md records a run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliEntry } from '../cli-entry.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
// The CLI as a user runs it (bench/cli-entry.mjs), or BENCH_DIST's build.
const { cli: CLI } = cliEntry(ROOT);
const argv = process.argv.slice(2);
const arg = (name, dflt) => {
  const k = argv.indexOf(name);
  return k >= 0 ? argv[k + 1] : dflt;
};
const RUNS = Number(arg('--runs', '5'));
const WORK = arg('--work', join(ROOT, 'bench/.work/nginx-lint'));
const VARIANT = arg('--variant', 'plain');
const CONF = join(WORK, VARIANT, 'nginx.conf');
for (const [ok, msg] of [
  [existsSync(CLI), `build first (npm run build): ${CLI} is missing`],
  [existsSync(CONF), `generate first: node bench/nginx-lint/run.mjs --generate-only${WORK === join(ROOT, 'bench/.work/nginx-lint') ? '' : ` --work ${WORK}`}`],
  [existsSync('/usr/bin/time'), '/usr/bin/time is missing (apt-get install time)'],
]) {
  if (!ok) {
    console.error(`bench/doctor: ${msg}`);
    process.exit(2);
  }
}

const OUT = join(WORK, 'doctor-bench.json');
const TIME = join(WORK, 'doctor-bench.time');
function once(command) {
  const r = spawnSync('/usr/bin/time', ['-o', TIME, '-f', '%U %S %M %e', process.execPath, CLI, command, CONF, '--format', 'json', '--output', OUT], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  // exit 1: findings (every tenth site forgets X-Forwarded-Proto); anything else is a failure of the run.
  if (r.status !== 0 && r.status !== 1) throw new Error(`${command} exited ${r.status}: ${r.stderr}`);
  const [user, sys, rssKb, wall] = readFileSync(TIME, 'utf8').trim().split(/\s+/).slice(-4).map(Number);
  const doc = JSON.parse(readFileSync(OUT, 'utf8'));
  const bytes = readFileSync(OUT).length;
  rmSync(OUT, { force: true });
  return { cpu: user + sys, rss: rssKb / 1024, wall, findings: doc.summary.findings, bytes };
}

const runs = { lint: [], doctor: [] };
console.log(`CLI: ${CLI}`);
console.log(`${CONF}: ${RUNS} rounds, lint then doctor, --format json --output FILE (load ${loadavg().map((x) => x.toFixed(1)).join(' ')})`);
for (let i = 0; i < RUNS; i++)
  for (const c of ['lint', 'doctor']) {
    const r = once(c);
    runs[c].push(r);
    console.log(`  ${c.padEnd(6)} cpu ${r.cpu.toFixed(2)} s  rss ${r.rss.toFixed(0)} MB  wall ${r.wall.toFixed(2)} s  ${r.findings} findings  ${(r.bytes / 1e6).toFixed(1)} MB JSON`);
  }
const stat = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], med: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};
for (const c of ['lint', 'doctor']) {
  const cpu = stat(runs[c].map((r) => r.cpu));
  const rss = stat(runs[c].map((r) => r.rss));
  console.log(`${c}: CPU ${cpu.min.toFixed(2)} / ${cpu.med.toFixed(2)} / ${cpu.max.toFixed(2)} s, peak RSS ${rss.min.toFixed(0)} / ${rss.med.toFixed(0)} / ${rss.max.toFixed(0)} MB (min / median / max)`);
}
const ratio = stat(runs.doctor.map((r) => r.cpu)).med / stat(runs.lint.map((r) => r.cpu)).med;
console.log(`doctor / lint CPU (medians): ${ratio.toFixed(2)}x (target 2.5x); doctor peak RSS median ${stat(runs.doctor.map((r) => r.rss)).med.toFixed(0)} MB (target 500 MB); load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
