#!/usr/bin/env node
/**
 * The GitHub Action's entry point (action.yml, `runs.using: node20`). No dependencies: the runner gives
 * the inputs as INPUT_<NAME> environment variables (name upper-cased, hyphens kept) and the files
 * GITHUB_OUTPUT / GITHUB_STEP_SUMMARY. Steps: find proxyproof, run `<command> <paths> --format sarif`
 * in the workspace, annotate, write outputs and a step summary, upload the SARIF to code scanning
 * (POST /repos/{owner}/{repo}/code-scanning/sarifs, gzip + base64), fail on findings when asked.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ACTION_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const COMMANDS = ['lint', 'doctor', 'verify'];
export const UPLOAD_TIMEOUT_MS = 60_000;

/** An input as the runner passes it: INPUT_ + the name upper-cased (spaces become _), trimmed. */
export function input(name, fallback = '') {
  const v = process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`];
  return v === undefined || v.trim() === '' ? fallback : v.trim();
}

function bool(name, fallback) {
  const v = input(name, String(fallback)).toLowerCase();
  if (['true', 'yes', '1', 'on'].includes(v)) return true;
  if (['false', 'no', '0', 'off'].includes(v)) return false;
  throw new Error(`input ${name}: expected true or false, got "${v}"`);
}

const words = (s) => s.split(/[\s]+/).filter(Boolean);

/** Workflow-command escaping (the runner's rules for data and properties). */
const escData = (s) => String(s).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escProp = (s) => escData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

function setOutput(name, value) {
  const file = process.env.GITHUB_OUTPUT;
  if (file) appendFileSync(file, `${name}=${String(value).replace(/\n/g, ' ')}\n`);
  else process.stdout.write(`::set-output name=${name}::${escData(value)}\n`);
}

/** proxyproof to run: the workspace's own install, else this action's checkout (built), else npm. */
export function locateProxyproof(workspace) {
  const local = join(workspace, 'node_modules/proxyproof/bin/proxyproof.js');
  if (existsSync(local)) return { cmd: process.execPath, pre: [local], how: 'node_modules/proxyproof' };
  const own = join(ACTION_ROOT, 'packages/proxyproof/bin/proxyproof.js');
  if (existsSync(join(ACTION_ROOT, 'packages/proxyproof/dist/bin.js')))
    return { cmd: process.execPath, pre: [own], how: "the action's checkout" };
  const version = JSON.parse(readFileSync(join(ACTION_ROOT, 'packages/proxyproof/package.json'), 'utf8')).version;
  return { cmd: 'npm', pre: ['exec', '--yes', `proxyproof@${version}`, '--'], how: `npm exec proxyproof@${version}` };
}

function annotate(log) {
  const levels = { error: 'error', warning: 'warning', note: 'notice' };
  let n = 0;
  for (const r of log.runs?.[0]?.results ?? []) {
    if (r.suppressions?.length) continue;
    const loc = r.locations?.[0];
    const pl = loc?.physicalLocation;
    const props = [`title=${escProp(r.ruleId)}`];
    if (pl?.artifactLocation?.uri && pl.artifactLocation.uriBaseId)
      props.push(`file=${escProp(decodeURIComponent(pl.artifactLocation.uri))}`);
    if (pl?.region?.startLine) props.push(`line=${pl.region.startLine}`);
    const where = loc?.logicalLocations?.[0]?.fullyQualifiedName;
    process.stdout.write(`::${levels[r.level] ?? 'warning'} ${props.join(',')}::${escData(where ? `${where}: ${r.message.text}` : r.message.text)}\n`);
    n++;
  }
  return n;
}

function summary(log, command, code, uploaded) {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (!file) return;
  const results = (log.runs?.[0]?.results ?? []).filter((r) => !r.suppressions?.length);
  const hidden = (log.runs?.[0]?.results ?? []).length - results.length;
  const rows = results.slice(0, 100).map((r) => {
    const pl = r.locations?.[0]?.physicalLocation;
    const where = pl
      ? `${decodeURIComponent(pl.artifactLocation?.uri ?? '')}${pl.region?.startLine ? `:${pl.region.startLine}` : ''}`
      : (r.locations?.[0]?.logicalLocations?.[0]?.fullyQualifiedName ?? '');
    return `| ${r.properties?.severity ?? r.level} | \`${r.ruleId}\` | \`${where}\` | ${r.message.text.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`;
  });
  const lines = [
    `### proxyproof ${command}: ${results.length ? `${results.length} finding${results.length === 1 ? '' : 's'}` : 'no findings'}`,
    '',
    ...(rows.length ? ['| severity | check | where | message |', '|---|---|---|---|', ...rows, ''] : []),
    hidden ? `${hidden} more ignored or in the baseline.` : '',
    uploaded ? 'Uploaded to code scanning.' : '',
    `exit code ${code}`,
    '',
  ];
  appendFileSync(file, `${lines.filter((l, i) => l || i < lines.length - 1).join('\n')}\n`);
}

export async function upload(sarifText, { token, category }) {
  const api = process.env.GITHUB_API_URL || 'https://api.github.com';
  const repo = process.env.GITHUB_REPOSITORY;
  const sha = process.env.GITHUB_SHA;
  const ref = process.env.GITHUB_REF;
  if (!repo || !sha || !ref) throw new Error('GITHUB_REPOSITORY, GITHUB_SHA and GITHUB_REF must be set to upload');
  if (!token) throw new Error('no token: give `token` (needs security-events: write) or set upload: false');
  const log = JSON.parse(sarifText);
  if (category) for (const run of log.runs) run.automationDetails = { id: category.endsWith('/') ? category : `${category}/` };
  const body = {
    commit_sha: sha,
    ref,
    sarif: gzipSync(Buffer.from(JSON.stringify(log))).toString('base64'),
    tool_name: 'proxyproof',
    ...(process.env.GITHUB_WORKSPACE ? { checkout_uri: `file://${process.env.GITHUB_WORKSPACE}` } : {}),
  };
  const res = await fetch(`${api}/repos/${repo}/code-scanning/sarifs`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'content-type': 'application/json',
      'user-agent': 'proxyproof-action',
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS),
  });
  const text = await res.text();
  if (res.status !== 202 && res.status !== 200) throw new Error(`code scanning upload failed: HTTP ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text || '{}');
}

export async function main() {
  const workspace = resolve(process.env.GITHUB_WORKSPACE || process.cwd());
  const command = input('command', 'lint');
  if (!COMMANDS.includes(command)) throw new Error(`input command: one of ${COMMANDS.join(', ')}, got "${command}"`);
  const sarifFile = input('sarif-file', 'proxyproof.sarif');
  const paths = words(input('paths', '.'));
  const extra = words(input('args'));
  const url = input('url');
  let args;
  if (command === 'verify') {
    // verify reads one deployment folder (--config) and needs the public site (--url).
    if (paths.length > 1) throw new Error(`input paths: verify reads one deployment folder, got ${paths.length}`);
    if (!url && !extra.some((a) => a === '--url' || a.startsWith('--url=')))
      throw new Error('input url: verify needs the public site (url: https://...)');
    args = ['verify', '--config', paths[0] ?? '.', ...(url ? ['--url', url] : []), ...extra];
  } else args = [command, ...paths, ...(url ? ['--url', url] : []), ...extra];
  args.push('--format', 'sarif', '--output', sarifFile);
  const min = input('min-severity');
  if (min) args.push('--min-severity', min);
  const baseline = input('baseline');
  if (baseline) args.push('--baseline', baseline);
  const failOnFindings = bool('fail-on-findings', true);
  const doUpload = bool('upload', true);
  const doAnnotate = bool('annotations', true);

  const pp = locateProxyproof(workspace);
  process.stdout.write(`proxyproof (${pp.how}): ${args.join(' ')}\n`);
  const run = spawnSync(pp.cmd, [...pp.pre, ...args], {
    cwd: workspace,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 30 * 60_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.stdout) process.stdout.write(run.stdout);
  if (run.stderr) process.stderr.write(run.stderr);
  const code = run.status ?? 2;
  setOutput('exit-code', code);
  const sarifPath = resolve(workspace, sarifFile);
  if (!existsSync(sarifPath)) {
    process.stdout.write(`::error::proxyproof ${command} wrote no report (exit ${code})${run.error ? `: ${escData(run.error.message)}` : ''}\n`);
    process.exitCode = 2;
    return;
  }
  setOutput('sarif-file', sarifFile);
  const sarifText = readFileSync(sarifPath, 'utf8');
  const log = JSON.parse(sarifText);
  const findings = (log.runs?.[0]?.results ?? []).filter((r) => !r.suppressions?.length).length;
  setOutput('findings', findings);
  if (doAnnotate) annotate(log);
  let uploaded = false;
  if (doUpload) {
    const r = await upload(sarifText, { token: input('token'), category: input('category') });
    uploaded = true;
    process.stdout.write(`uploaded to code scanning${r.id ? ` (id ${r.id})` : ''}\n`);
  }
  summary(log, command, code, uploaded);
  if (code === 2) {
    process.stdout.write(`::error::proxyproof ${command}: some input could not be read (exit 2)\n`);
    process.exitCode = 2;
  } else if (code === 1 && failOnFindings) {
    process.stdout.write(`::error::proxyproof ${command}: ${findings} finding${findings === 1 ? '' : 's'}\n`);
    process.exitCode = 1;
  } else if (code !== 0 && code !== 1) process.exitCode = code;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    process.stdout.write(`::error::${escData(e?.message ?? String(e))}\n`);
    process.exitCode = 2;
  });
}
