#!/usr/bin/env node
/**
 * Benchmark (not a test): `proxyproof lint` against `nginx -t` on the same generated config of 10,000 TLS
 * server blocks (~270k lines). Debian's nginx is the physical reference: it is the C parser nginx runs, and
 * `-t` also loads every certificate, which is part of what an nginx config check costs.
 *
 *   node bench/nginx-lint/run.mjs [--servers N] [--runs N] [--work DIR] [--variant tls|plain] [--generate-only]
 *
 * Needs: the built CLI (npm run build), /usr/sbin/nginx, openssl. Writes only under bench/.work/nginx-lint/ (or --work DIR).
 * Prints the medians and the ratio; bench/RESULTS.md records a run.
 *
 * The CLI figures are everything `lint` computes, the chain verdict included when lint computes it: each run
 * prints "chain verdict included (N routes)" or "NOT included: <lint's note>" (lint skips it above a server
 * count, see engine/lint.ts), so a figure is never read as covering work it did not do. Peak memory (GNU time's
 * max RSS) is printed for the JSON and the text output, and the number of text lines (capped per check).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliEntry } from '../cli-entry.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

// The CLI as a user runs it (bench/cli-entry.mjs); BENCH_DIST: another build (a copy of packages/proxyproof/dist,
// e.g. main's) to measure or compare side by side. The in-process figures import tsc's modules of that build.
const { cli: CLI, dist: DIST } = cliEntry(ROOT);
const PARSER = join(DIST, 'collectors/nginx/index.js');
const NGINX = process.env.NGINX ?? '/usr/sbin/nginx';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const k = argv.indexOf(name);
  return k >= 0 ? Number(argv[k + 1]) : dflt;
};
const SERVERS = opt('--servers', 10_000);
const workArg = argv.indexOf('--work');
const WORK = workArg >= 0 ? argv[workArg + 1] : join(ROOT, 'bench/.work/nginx-lint');
const RUNS = opt('--runs', 5);
// --generate-only: write the configs and stop (for measuring one command by hand, e.g. under a heap profiler).
const GENERATE_ONLY = argv.includes('--generate-only');
// --variant tls|plain: run one variant only.
const variantArg = argv.indexOf('--variant');
const VARIANT = variantArg >= 0 ? argv[variantArg + 1] : undefined;
const TIMEOUT_MS = 300_000;

function need(cond, msg) {
  if (!cond) {
    console.error(`bench/nginx-lint: ${msg}`);
    process.exit(2);
  }
}
need(existsSync(CLI), `build first (npm run build): ${CLI} is missing`);
need(existsSync(NGINX), `${NGINX} is missing (apt-get install nginx)`);

mkdirSync(WORK, { recursive: true });
const cert = join(WORK, 'bench.crt');
const key = join(WORK, 'bench.key');
if (!existsSync(cert) || !existsSync(key)) {
  const r = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '30', '-subj', '/CN=bench.test'],
    { encoding: 'utf8', timeout: 60_000 },
  );
  need(r.status === 0, `openssl failed: ${r.stderr}`);
}

/** One realistic site: TLS on 443 (v4 and v6), names, a cert, an app location, static files, an API upstream.
 * The `plain` variant listens on 80 without certificates: nginx -t then costs its parser alone. */
function server(i, plain) {
  // Every tenth site forgets X-Forwarded-Proto, so the checks have findings to produce (and render).
  const proto = i % 10 === 0 ? '' : '            proxy_set_header X-Forwarded-Proto $scheme;\n';
  const tls = plain
    ? '        listen 80;\n        listen [::]:80;\n        server_name site${i}.example.com www.site${i}.example.com;\n        # no certificate\n        # no key\n'.replace(/\$\{i\}/g, String(i))
    : `        listen 443 ssl;
        listen [::]:443 ssl;
        server_name site${i}.example.com www.site${i}.example.com;
        ssl_certificate ${cert};
        ssl_certificate_key ${key};
`;
  return `    server {
${tls}        root /srv/site${i}/public;
        client_max_body_size 10m;

        location / {
            proxy_pass http://127.0.0.1:8000;
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
${proto}        }

        location /static/ {
            alias /srv/site${i}/static/;
            expires 30d;
        }

        location /api/ {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_read_timeout 60s;
        }
    }
`;
}

// In-process parse only (no node start-up, no checks), for the breakdown.
const { parseNginxFile } = await import(PARSER);
// In-process parse + every check (lintPaths: discover, collect facts, run all checks; no node start-up).
const { lintPaths } = await import(join(DIST, 'engine/lint.js'));
const nv = spawnSync(NGINX, ['-v'], { encoding: 'utf8' }).stderr.trim();

const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const TIME_OUT = join(WORK, 'time.out');

/** Runs a command; returns wall ms and, with GNU time, CPU ms (user + sys: fairer on a loaded machine) and peak RSS. */
function time(cmd, args, check) {
  const [c, a] = GNU_TIME ? [GNU_TIME, ['-f', '%U %S %M', '-o', TIME_OUT, cmd, ...args]] : [cmd, args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(c, a, { encoding: 'utf8', timeout: TIMEOUT_MS, maxBuffer: 256 * 1024 * 1024 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  check(r);
  let cpu = Number.NaN;
  let rssMb = Number.NaN;
  if (GNU_TIME) {
    const [u, s, kb] = readFileSync(TIME_OUT, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    cpu = (u + s) * 1000;
    rssMb = kb / 1024;
  }
  return { wall, cpu, rssMb, lines: r.stdout.split('\n').length - 1 };
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

async function runVariant(name, plain) {
  const conf = join(WORK, plain ? 'plain/nginx.conf' : 'tls/nginx.conf');
  mkdirSync(dirname(conf), { recursive: true });
  const parts = [
    `# generated by bench/nginx-lint/run.mjs: ${SERVERS} servers (${name})\n`,
    `error_log ${join(WORK, 'error.log')};\npid ${join(WORK, 'nginx.pid')};\nworker_processes 1;\n\n`,
    'events {\n    worker_connections 1024;\n}\n\nhttp {\n',
    '    access_log off;\n    server_names_hash_max_size 65536;\n    server_names_hash_bucket_size 128;\n',
    `    client_body_temp_path ${join(WORK, 'tmp')};\n`,
    '    upstream backend {\n        server 127.0.0.1:9000;\n        keepalive 16;\n    }\n\n',
  ];
  for (let i = 0; i < SERVERS; i++) parts.push(server(i, plain));
  parts.push('}\n');
  writeFileSync(conf, parts.join(''));
  const lines = readFileSync(conf, 'utf8').split('\n').length - 1;
  const mb = statSync(conf).size / 1048576;
  if (GENERATE_ONLY) {
    console.log(`${conf}: ${SERVERS} servers, ${lines} lines, ${mb.toFixed(1)} MB`);
    return;
  }

  const nginxArgs = ['-t', '-q', '-e', join(WORK, 'error.log'), '-p', dirname(conf), '-c', conf];
  const lintArgs = [CLI, 'lint', conf, '--format', 'json', '--min-severity', 'info'];
  let findings = 0;
  let chain = 'unknown';
  const nginxCheck = (r) => need(r.status === 0, `nginx -t failed (${r.status}): ${r.stderr}`);
  const lintCheck = (r) => {
    need(r.status === 0 || r.status === 1, `proxyproof lint failed (${r.status}): ${r.stderr.slice(0, 2000)}${r.stdout.slice(0, 2000)}`);
    const report = JSON.parse(r.stdout);
    const errors = report.diagnostics.filter((d) => d.level === 'error');
    need(errors.length === 0, `unexpected error diagnostics: ${JSON.stringify(errors.slice(0, 3))}`);
    findings = report.findings.length;
    // Whether this run's `lint` includes the chain verdict (the doctor's analysis; lint skips it on very large
    // configs, with a note): the figures below include whatever this says.
    const skipped = report.diagnostics.find((d) => /chain verdict/i.test(d.message));
    chain = Array.isArray(report.chain)
      ? `included (${report.chain.length} routes)`
      : `NOT included${skipped ? `: ${skipped.message}` : ''}`;
  };
  const textArgs = [CLI, 'lint', conf, '--min-severity', 'info', '--no-color'];
  const textCheck = (r) => need(r.status === 0 || r.status === 1, `proxyproof lint (text) failed (${r.status}): ${r.stderr.slice(0, 2000)}`);

  const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
  console.log(`\n[${name}] ${conf}\n  CLI: ${CLI}\n  ${SERVERS} servers, ${lines} lines, ${mb.toFixed(1)} MB; ${RUNS} runs each after one warm-up; load average ${load()}`);
  time(NGINX, nginxArgs, nginxCheck);
  time(process.execPath, lintArgs, lintCheck);
  const nginxRuns = [];
  const lintRuns = [];
  const textRuns = [];
  const parseRuns = [];
  const inprocRuns = [];
  for (let k = 0; k < RUNS; k++) {
    nginxRuns.push(time(NGINX, nginxArgs, nginxCheck));
    lintRuns.push(time(process.execPath, lintArgs, lintCheck));
    textRuns.push(time(process.execPath, textArgs, textCheck));
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const tree = parseNginxFile(conf);
    const cpu = process.cpuUsage(c0);
    parseRuns.push({ wall: Number(process.hrtime.bigint() - t0) / 1e6, cpu: (cpu.user + cpu.system) / 1000 });
    need(tree.status === 'ok', `parse failed: ${JSON.stringify(tree.errors.slice(0, 3))}`);
    const c1 = process.cpuUsage();
    const t1 = process.hrtime.bigint();
    const { report } = await lintPaths([conf]);
    const cpu1 = process.cpuUsage(c1);
    inprocRuns.push({ wall: Number(process.hrtime.bigint() - t1) / 1e6, cpu: (cpu1.user + cpu1.system) / 1000 });
    need(report.findings.length === findings, `in-process lint found ${report.findings.length}, the CLI ${findings}`);
  }
  const med = (runs, key) => median(runs.map((r) => r[key]));
  const mmm = (runs, key) => {
    const xs = runs.map((r) => r[key]);
    return `${Math.min(...xs).toFixed(0)} / ${med(runs, key).toFixed(0)} / ${Math.max(...xs).toFixed(0)}`;
  };
  const fmt = (runs) => `cpu ${mmm(runs, 'cpu')} ms, wall ${mmm(runs, 'wall')} ms (min / median / max)`;
  console.log(`  nginx -t (${nv}):             ${fmt(nginxRuns)}`);
  console.log(
    `  proxyproof lint --format json (CLI, all checks; JSON is complete: every finding, no cap): ${fmt(lintRuns)}  ${findings} findings; chain verdict ${chain}`,
  );
  console.log(
    `  peak RSS MB (min / median / max of ${RUNS}): lint --format json ${mmm(lintRuns, 'rssMb')}, lint (text) ${mmm(textRuns, 'rssMb')} (target < 500 MB), nginx -t ${mmm(nginxRuns, 'rssMb')}; ` +
      `text output ${textRuns[0]?.lines.toLocaleString('en')} lines (capped per check; --all for everything)`,
  );
  console.log(`  lintPaths (in-process, all checks): ${fmt(inprocRuns)}`);
  console.log(`  parseNginxFile (in-process):       ${fmt(parseRuns)}`);
  const ratio = (a, b, key) => (med(b, key) > 0 ? (med(a, key) / med(b, key)).toFixed(2) : 'n/a');
  console.log(
    `  lint / nginx -t: ${ratio(lintRuns, nginxRuns, 'wall')}x wall, ${ratio(lintRuns, nginxRuns, 'cpu')}x cpu (target <= 2x); ` +
      `in-process lint / nginx -t: ${ratio(inprocRuns, nginxRuns, 'wall')}x wall, ${ratio(inprocRuns, nginxRuns, 'cpu')}x cpu; ` +
      `parse only / nginx -t: ${ratio(parseRuns, nginxRuns, 'wall')}x wall, ${ratio(parseRuns, nginxRuns, 'cpu')}x cpu`,
  );
  console.log(`  load average at the end: ${load()}`);
}

if (VARIANT !== 'plain') await runVariant('tls: listen 443 ssl + a certificate per server, as specified', false);
if (VARIANT !== 'tls') await runVariant('plain: listen 80, no certificates (nginx -t is then its parser alone)', true);
rmSync(join(WORK, 'tmp'), { recursive: true, force: true });
