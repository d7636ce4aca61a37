#!/usr/bin/env node
/**
 * Benchmark (not a test): start-up of whole processes, as a user runs them.
 *   - `proxyproof --version` against `node -e 0` (target: within 1.5x);
 *   - `proxyproof lint <one file>` against `nginx -t` on the same one-server config (target: within 3x).
 * Each command runs once to warm the page cache, then N times (default 7), the commands alternating; prints
 * min / median / max wall time and the ratios of the medians.
 *
 *   node bench/startup/run.mjs [--runs N] [--profile] [--baseline OTHER/bin/proxyproof.js]
 *
 * `--baseline`: another build of the CLI (e.g. main's tree) timed in the same alternating rounds, for a
 * before/after at the same load.
 *
 * Needs the built CLI (npm run build) and /usr/sbin/nginx. Writes only under bench/.work/startup/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(ROOT, 'packages/proxyproof/bin/proxyproof.js');
const NGINX = process.env.NGINX ?? '/usr/sbin/nginx';
const argv = process.argv.slice(2);
const k = argv.indexOf('--runs');
const RUNS = Math.max(5, k >= 0 ? Number(argv[k + 1]) : 7);
const WORK = join(ROOT, 'bench/.work/startup');
const b = argv.indexOf('--baseline');
const BASELINE = b >= 0 ? argv[b + 1] : undefined;

if (!existsSync(join(ROOT, 'packages/proxyproof/dist/bin.js'))) {
  console.error('bench/startup: build first (npm run build)');
  process.exit(2);
}
mkdirSync(WORK, { recursive: true });
const conf = join(WORK, 'nginx.conf');
writeFileSync(
  conf,
  `error_log ${join(WORK, 'error.log')};
pid ${join(WORK, 'nginx.pid')};
events {
    worker_connections 64;
}
http {
    access_log off;
    client_body_temp_path ${join(WORK, 'tmp')};
    server {
        listen 8080;
        server_name app.example.com;
        location / {
            proxy_pass http://127.0.0.1:8000;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-Proto $scheme;
        }
    }
}
`,
);

const commands = [
  { name: 'node -e 0', cmd: process.execPath, args: ['-e', '0'], ok: [0] },
  { name: 'proxyproof --version', cmd: process.execPath, args: [CLI, '--version'], ok: [0] },
  ...(existsSync(NGINX)
    ? [{ name: 'nginx -t (one file)', cmd: NGINX, args: ['-t', '-q', '-e', join(WORK, 'error.log'), '-p', WORK, '-c', conf], ok: [0] }]
    : []),
  { name: 'proxyproof lint (one file)', cmd: process.execPath, args: [CLI, 'lint', conf], ok: [0, 1] },
  // doctor now checks its fix plan the way `fix` does (a second analysis of a patched copy when there is a patch).
  { name: 'proxyproof doctor (one file)', cmd: process.execPath, args: [CLI, 'doctor', conf], ok: [0, 1] },
  // A refused URL: the scan command's start-up (modules, trust store) and one failed connection, no crawl.
  { name: 'proxyproof scan (refused)', cmd: process.execPath, args: [CLI, 'scan', 'https://127.0.0.1:9/'], ok: [2] },
  ...(BASELINE
    ? [
        { name: 'baseline --version', cmd: process.execPath, args: [BASELINE, '--version'], ok: [0] },
        { name: 'baseline lint (one file)', cmd: process.execPath, args: [BASELINE, 'lint', conf], ok: [0, 1] },
      ]
    : []),
];

// CPU (user + sys) from GNU time beside the wall time: on a shared machine the wall time of a 40 ms process is
// mostly waiting for a core, CPU time is what the process itself costs.
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const cpuTimes = new Map(commands.map((c) => [c.name, []]));

function once(c) {
  const t0 = process.hrtime.bigint();
  const r = GNU_TIME
    ? spawnSync(GNU_TIME, ['-f', '@@cpu %U %S', c.cmd, ...c.args], { encoding: 'utf8', timeout: 60_000 })
    : spawnSync(c.cmd, c.args, { encoding: 'utf8', timeout: 60_000 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!c.ok.includes(r.status)) {
    console.error(`bench/startup: ${c.name} exited ${r.status}: ${r.stderr}`);
    process.exit(2);
  }
  const m = /@@cpu ([\d.]+) ([\d.]+)/.exec(r.stderr ?? '');
  return { ms, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : undefined };
}

for (const c of commands) once(c);
const times = new Map(commands.map((c) => [c.name, []]));
for (let i = 0; i < RUNS; i++)
  for (const c of commands) {
    const r = once(c);
    times.get(c.name).push(r.ms);
    if (r.cpu !== undefined) cpuTimes.get(c.name).push(r.cpu);
  }

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};
const f = (x) => x.toFixed(0).padStart(6);
console.log(`${RUNS} runs each, alternating; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}; wall ms (min / median / max)`);
const st = new Map();
for (const c of commands) {
  const s = stats(times.get(c.name));
  st.set(c.name, s);
  console.log(`  ${c.name.padEnd(28)} ${f(s.min)} ${f(s.median)} ${f(s.max)}`);
}
const ratio = (a, b) => (st.get(a) && st.get(b) ? (st.get(a).median / st.get(b).median).toFixed(2) : 'n/a');
console.log(`  --version / node -e 0: ${ratio('proxyproof --version', 'node -e 0')}x (target <= 1.5x)`);
console.log(`  lint one file / nginx -t: ${ratio('proxyproof lint (one file)', 'nginx -t (one file)')}x (target <= 3x)`);
console.log(`  lint one file / node -e 0: ${ratio('proxyproof lint (one file)', 'node -e 0')}x (node's own start-up is the floor)`);
if (GNU_TIME) {
  console.log(`CPU ms (user + sys, GNU time; 10 ms resolution) (min / median / max)`);
  const ct = new Map();
  for (const c of commands) {
    const s = stats(cpuTimes.get(c.name));
    ct.set(c.name, s);
    console.log(`  ${c.name.padEnd(28)} ${f(s.min)} ${f(s.median)} ${f(s.max)}`);
  }
  const cr = (a, b) => (ct.get(a) && ct.get(b) && ct.get(b).median > 0 ? (ct.get(a).median / ct.get(b).median).toFixed(2) : 'n/a');
  console.log(`  CPU lint one file / node -e 0: ${cr('proxyproof lint (one file)', 'node -e 0')}x; / nginx -t: ${cr('proxyproof lint (one file)', 'nginx -t (one file)')}x`);
  if (BASELINE)
    console.log(
      `  baseline (${BASELINE}): CPU lint one file / node -e 0: ${cr('baseline lint (one file)', 'node -e 0')}x; --version / node -e 0: ${cr('baseline --version', 'node -e 0')}x`,
    );
  console.log(`  CPU --version / node -e 0: ${cr('proxyproof --version', 'node -e 0')}x; doctor one file / node -e 0: ${cr('proxyproof doctor (one file)', 'node -e 0')}x; scan start-up / node -e 0: ${cr('proxyproof scan (refused)', 'node -e 0')}x`);
  // doctor = lint's start-up and analysis + the fix planner's modules + the same analysis again on a patched copy
  // when there is a patch (its converge check): a fair target is within 1.5x of the one-file lint.
  console.log(`  CPU doctor one file / lint one file: ${cr('proxyproof doctor (one file)', 'proxyproof lint (one file)')}x (target <= 1.5x)`);
  console.log(`  load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
}

// Where a one-file lint's time goes (`--profile`): the lint runs under `node --cpu-prof` PROFILE_RUNS times and
// each profile's samples are put in one bucket by their stack: module loading (resolving, reading, compiling and
// evaluating modules: frames of node's module loaders, or a module's top-level code), the analysis (`analyze`),
// the output stage (`emit`), the garbage collector, and the rest (Node's own bootstrap, commander, idle).
// Medians over the runs, as shares of the profiled time.
if (argv.includes('--profile')) {
  const { mkdtempSync, readdirSync, readFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const PROFILE_RUNS = 5;
  const buckets = ['module loading', 'analysis', 'output', 'garbage collector', 'other'];
  const shares = new Map(buckets.map((b) => [b, []]));
  const totals = [];
  for (let i = 0; i < PROFILE_RUNS; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'proxyproof-startup-prof-'));
    const r = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, CLI, 'lint', conf], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0 && r.status !== 1) {
      console.error(`bench/startup: profiled lint exited ${r.status}: ${r.stderr}`);
      process.exit(2);
    }
    const file = readdirSync(dir).find((n) => n.endsWith('.cpuprofile'));
    const p = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    rmSync(dir, { recursive: true, force: true });
    const parent = new Map();
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const bucketOf = new Map();
    const classify = (id) => {
      if (bucketOf.has(id)) return bucketOf.get(id);
      let b = 'other';
      for (let at = id; at !== undefined; at = parent.get(at)) {
        const cf = byId.get(at).callFrame;
        if (cf.functionName === '(garbage collector)') {
          b = 'garbage collector';
          break;
        }
        if (cf.functionName === 'analyze' && cf.url.includes('/engine/analyze.js')) {
          b = 'analysis';
          break;
        }
        if (cf.functionName === 'emit' && cf.url.includes('/commands/common.js')) {
          b = 'output';
          break;
        }
        if (
          cf.url.startsWith('node:internal/modules/') ||
          (cf.functionName === '' && cf.lineNumber === 0 && (cf.url.startsWith('file:') || cf.url.startsWith('/')))
        ) {
          b = 'module loading';
          break;
        }
      }
      bucketOf.set(id, b);
      return b;
    };
    const sum = new Map(buckets.map((b) => [b, 0]));
    let total = 0;
    p.samples.forEach((id, k) => {
      const dt = p.timeDeltas[k] ?? 0;
      total += dt;
      sum.set(classify(id), sum.get(classify(id)) + dt);
    });
    totals.push(total / 1000);
    for (const b of buckets) shares.get(b).push((100 * sum.get(b)) / total);
  }
  console.log(`Where the one-file lint's time goes (node --cpu-prof, ${PROFILE_RUNS} runs; share of profiled time, min / median / max):`);
  for (const b of buckets) {
    const s = stats(shares.get(b));
    console.log(`  ${b.padEnd(20)} ${s.min.toFixed(0).padStart(3)}% ${s.median.toFixed(0).padStart(3)}% ${s.max.toFixed(0).padStart(3)}%`);
  }
  const t = stats(totals);
  console.log(`  profiled time (ms)    ${f(t.min)} ${f(t.median)} ${f(t.max)}`);
}
