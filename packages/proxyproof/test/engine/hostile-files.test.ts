/**
 * Unusable input ends in a clear one-line reason with file:line, within a bound, never a hang or a stack
 * trace: YAML alias bombs (billion laughs) in every YAML reader that turns documents into values, and FIFOs
 * or devices, named on the command line or met inside a folder (a read of a FIFO blocks for ever).
 * The bounds are counts (aliases expanded, MAX_YAML_ALIASES), not clocks; each process has a generous timeout
 * only as a safety net that names the case if it ever hangs.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MAX_YAML_ALIASES, yamlDocs } from '../../src/collectors/proxy/yaml.js';
import { REPO_ROOT, runCli } from '../helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'pp-hostile-files-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Nine levels of nine aliases: 9^9 = 387,420,489 strings if expanded. The first alias is on line 2. */
function laughs(): string {
  let s = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  let prev = 'a';
  for (const n of 'bcdefghi') {
    s += `${n}: &${n} [${Array(9).fill(`*${prev}`).join(',')}]\n`;
    prev = n;
  }
  return s;
}

function put(rel: string, text: string): string {
  const p = join(tmp, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

const BOMB_LINE = /:2: YAML: its aliases expand past 1000 \(an alias bomb, or a file no deployment needs\): not read/;

describe('YAML alias bombs', () => {
  it('yamlDocs leaves the document out and says why, at the first alias', () => {
    const problems: Array<{ line: number; message: string }> = [];
    const docs = yamlDocs(`${laughs()}kind: Service\n`, (p) => problems.push(p));
    assert.equal(docs, undefined);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.line, 2);
    assert.match(problems[0]?.message ?? '', new RegExp(`past ${MAX_YAML_ALIASES}`));
  });

  it('a compose file of normal aliases (<<: *defaults per service) is read', () => {
    const docs = yamlDocs(
      'x-defaults: &d\n  restart: always\nservices:\n  a:\n    <<: *d\n    image: a\n  b:\n    <<: *d\n    image: b\n',
    );
    assert.equal(docs?.length, 1);
  });

  const cases: Array<{ name: string; file: string; body: string }> = [
    {
      name: 'docker-compose.yml',
      file: 'docker-compose.yml',
      body: 'services:\n  web:\n    image: nginx\n    environment: *i\n',
    },
    {
      name: 'Kubernetes Service',
      file: 'k8s/service.yaml',
      body: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels: *i\nspec:\n  type: LoadBalancer\n',
    },
  ];
  for (const c of cases) {
    it(`${c.name} in a folder: exit 2, the file and line of the bomb under the reason`, () => {
      const dir = join(tmp, `bomb-${c.file.replace(/\W/g, '-')}`);
      put(join(dir, c.file).slice(tmp.length + 1), laughs() + c.body);
      const r = runCli(['lint', dir], { timeoutMs: 120_000 });
      assert.equal(r.code, 2, `${c.name}: ${r.stderr}`);
      assert.match(r.stderr, BOMB_LINE);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    });
  }

  it('named on the command line, doctor agrees: exit 2', () => {
    const file = put('bomb-doctor/docker-compose.yml', `${laughs()}services:\n  web:\n    image: nginx\n    ports: *i\n`);
    const r = runCli(['doctor', file], { timeoutMs: 120_000 });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, BOMB_LINE);
  });

  it('beside a usable config: listed under "Not read", the rest analysed', () => {
    const dir = join(tmp, 'bomb-beside');
    cpSync(join(REPO_ROOT, 'examples/seed'), dir, { recursive: true });
    put('bomb-beside/deploy/docker-compose.yml', `${laughs()}services:\n  web:\n    image: nginx\n    environment: *i\n`);
    const r = runCli(['lint', dir, '--format', 'json'], { timeoutMs: 120_000 });
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as {
      findings: unknown[];
      notRead?: Array<{ file: string; line?: number; reason: string }>;
    };
    assert.ok(report.findings.length > 0);
    const n = report.notRead?.find((x) => x.file.endsWith('deploy/docker-compose.yml'));
    assert.ok(n, JSON.stringify(report.notRead));
    assert.equal(n.line, 2);
    assert.match(n.reason, /alias bomb/);
  });
});

describe('FIFOs and devices', () => {
  const fifo = join(tmp, 'fifo-dir', 'nginx.conf');
  mkdirSync(dirname(fifo), { recursive: true });
  execFileSync('mkfifo', [fifo]);

  for (const cmd of ['lint', 'doctor']) {
    it(`${cmd}: a FIFO named on the command line is exit 2 with one line`, () => {
      const r = runCli([cmd, fifo], { timeoutMs: 60_000 });
      assert.equal(r.code, 2);
      assert.equal(r.stderr.trim(), `proxyproof: ${fifo}: not a regular file or directory (a FIFO)`);
    });
    it(`${cmd}: a device named on the command line is exit 2 with one line`, () => {
      const r = runCli([cmd, '/dev/zero'], { timeoutMs: 60_000 });
      assert.equal(r.code, 2);
      assert.equal(r.stderr.trim(), 'proxyproof: /dev/zero: not a regular file or directory (a device)');
    });
  }

  it('a folder holding only a FIFO: exit 2, and the FIFO is named, never opened', () => {
    const r = runCli(['lint', dirname(fifo)], { timeoutMs: 60_000 });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nginx\.conf: not a regular file \(a FIFO\): not read$/m);
  });

  it('a FIFO beside a usable config: listed under "Not read", the rest analysed', () => {
    const dir = join(tmp, 'fifo-beside');
    cpSync(join(REPO_ROOT, 'examples/seed'), dir, { recursive: true });
    execFileSync('mkfifo', [join(dir, 'extra.conf')]);
    const r = runCli(['lint', dir, '--format', 'json'], { timeoutMs: 60_000 });
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { notRead?: Array<{ file: string; reason: string }> };
    assert.ok(
      report.notRead?.some((n) => n.file.endsWith('extra.conf') && n.reason === 'not a regular file (a FIFO): not read'),
      JSON.stringify(report.notRead),
    );
  });
});
