/**
 * Progress of lint and doctor goes to stderr only: on a terminal for text output (one line rewritten in place
 * and cleared before the report), with --progress anywhere (plain lines), never on stdout, never with
 * --no-progress. The stream and the clock are injected, so nothing here depends on timing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stageProgress } from '../../src/engine/progress.js';
import { runCli } from '../helpers.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (s: string) => writes.push(s) > 0 } };
}

describe('stageProgress', () => {
  const cases: Array<{ name: string; mode: 'auto' | 'on' | 'off'; tty: boolean; format: string; shown: boolean }> = [
    { name: 'auto, terminal, text: shown', mode: 'auto', tty: true, format: 'text', shown: true },
    { name: 'auto, terminal, json: not shown', mode: 'auto', tty: true, format: 'json', shown: false },
    { name: 'auto, pipe, text: not shown', mode: 'auto', tty: false, format: 'text', shown: false },
    { name: '--progress, pipe, json: shown', mode: 'on', tty: false, format: 'json', shown: true },
    { name: '--no-progress, terminal, text: not shown', mode: 'off', tty: true, format: 'text', shown: false },
  ];
  for (const c of cases)
    it(c.name, () => {
      const { writes, stream } = fakeStream(c.tty);
      const p = stageProgress(c.mode, c.format, stream, () => 0);
      p.stage('chain: 3 proxy configs');
      p.done();
      assert.equal(writes.length > 0, c.shown, JSON.stringify(writes));
    });

  it('on a terminal the line is rewritten in place and cleared before the report', () => {
    const { writes, stream } = fakeStream(true);
    const p = stageProgress('auto', 'text', stream, () => 0);
    p.stage('reading 8 files: nginx');
    p.stage('chain: 1 proxy configs');
    p.done();
    assert.deepEqual(writes, [
      '\r\x1b[2Kproxyproof: reading 8 files: nginx (0.0 s)',
      '\r\x1b[2Kproxyproof: chain: 1 proxy configs (0.0 s)',
      '\r\x1b[2K',
    ]);
  });

  it('on a pipe, one line per kind of stage at most once a second (the clock is injected)', () => {
    const { writes, stream } = fakeStream(false);
    let t = 0;
    const p = stageProgress('on', 'text', stream, () => t);
    p.stage('reading 8 files: nginx');
    t = 10;
    p.stage('reading 8 files: caddy');
    t = 1500;
    p.stage('reading 8 files: python');
    p.stage('chain: 1 proxy configs');
    assert.deepEqual(writes, [
      'proxyproof: reading 8 files: nginx (0.0 s)\n',
      'proxyproof: reading 8 files: python (1.5 s)\n',
      'proxyproof: chain: 1 proxy configs (1.5 s)\n',
    ]);
  });

  it('a stage that counts shows done/total and a percentage; on a terminal the counts are redrawn at most every 100 ms', () => {
    const { writes, stream } = fakeStream(true);
    let t = 0;
    const p = stageProgress('auto', 'text', stream, () => t);
    p.stage('chain: simulating requests through 200 entries', 0, 200);
    t = 50;
    p.stage('chain: simulating requests through 200 entries', 20, 200); // same stage within 100 ms: not drawn
    t = 150;
    p.stage('chain: simulating requests through 200 entries', 120, 200);
    t = 160;
    p.stage('checks: 10 proxy hops, 20 entries', 1, 3); // a new stage: drawn at once
    p.done();
    assert.deepEqual(writes, [
      '\r\x1b[2Kproxyproof: chain: simulating requests through 200 entries 0/200 (0%) (0.0 s)',
      '\r\x1b[2Kproxyproof: chain: simulating requests through 200 entries 120/200 (60%) (0.1 s)',
      '\r\x1b[2Kproxyproof: checks: 10 proxy hops, 20 entries 1/3 (33%) (0.2 s)',
      '\r\x1b[2K',
    ]);
  });

  it('counts on a pipe: large numbers grouped, a stage without counts unchanged', () => {
    const { writes, stream } = fakeStream(false);
    const p = stageProgress('on', 'json', stream, () => 0);
    p.stage('chain: simulating requests through 20,000 entries', 12_000, 20_000);
    p.stage('checks: 1 proxy hops, 1 entries');
    assert.deepEqual(writes, [
      'proxyproof: chain: simulating requests through 20,000 entries 12,000/20,000 (60%) (0.0 s)\n',
      'proxyproof: checks: 1 proxy hops, 1 entries (0.0 s)\n',
    ]);
  });
});

describe('the commands', () => {
  for (const cmd of ['lint', 'doctor']) {
    it(`${cmd} --progress --format json: the report on stdout is intact, the stages on stderr`, () => {
      const r = runCli([cmd, 'examples/seed', '--progress', '--format', 'json']);
      assert.equal(r.code, 1, r.stderr);
      assert.doesNotThrow(() => JSON.parse(r.stdout));
      assert.doesNotMatch(r.stdout, /proxyproof: /);
      assert.match(r.stderr, /^proxyproof: looking for files under examples\/seed \(/m);
      assert.match(r.stderr, /^proxyproof: chain: \d+ proxy configs, \d+ app servers \(/m);
      assert.match(r.stderr, /^proxyproof: checks: \d+ proxy hops, \d+ entries \(/m);
    });
    it(`${cmd} --progress on a config of many servers: the long stages say how far they are`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'proxyproof-progress-'));
      try {
        const servers = Array.from(
          { length: 400 },
          (_, i) =>
            `server { listen 443 ssl; server_name s${i}.example.com; location / { proxy_pass http://127.0.0.1:8000; proxy_set_header Host $host; } }`,
        );
        writeFileSync(join(dir, 'nginx.conf'), `events {}\nhttp {\n${servers.join('\n')}\n}\n`);
        const r = runCli([cmd, join(dir, 'nginx.conf'), '--progress', '--format', 'json']);
        assert.ok(r.code === 0 || r.code === 1, r.stderr);
        assert.doesNotThrow(() => JSON.parse(r.stdout));
        // The first line of each stage kind is always written (a pipe shows one line per kind per second).
        assert.match(r.stderr, /^proxyproof: reading 1 files: \S+ 0\/\d+ \(0%\) \(/m);
        assert.match(r.stderr, /^proxyproof: checks: 400 proxy hops, \d+ entries \(/m);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    it(`${cmd} on a pipe without --progress: nothing on stderr`, () => {
      const r = runCli([cmd, 'examples/seed']);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, '');
    });
  }
});
