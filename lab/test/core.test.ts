// The lab's own machinery: rendering, unit files, scenario definitions, teardown (processes, namespaces,
// files) on stop, on a failed start and on Ctrl-C of the runner.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { systemBinaries } from '../src/bins.js';
import { netnsAvailable } from '../src/netns.js';
import { freePort } from '../src/ports.js';
import { groupExists, liveMembers, run, waitUntil } from '../src/proc.js';
import { renderText } from '../src/render.js';
import { LabSkip, renderScenario, skipReason, startScenario } from '../src/runner.js';
import { LAB_ROOT, listScenarios, resolveEntry } from '../src/scenarios.js';
import { readUnit, splitCommandLine } from '../src/systemd.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // a zombie is not running
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

function walk(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

test('renderText: an unknown placeholder is an error with file:line', () => {
  assert.equal(renderText('listen {{PORT}};', { PORT: '8443' }, 'x.conf'), 'listen 8443;');
  assert.throws(() => renderText('a\nlisten {{NOPE}};', {}, 'site.conf'), /site\.conf:2: unknown placeholder \{\{NOPE\}\}/);
  // Django/Jinja template syntax is left alone
  assert.equal(renderText('{{ request.path }} {% url "x" %}', {}, 't.html'), '{{ request.path }} {% url "x" %}');
});

test('systemd units: ExecStart with continuations and quotes, Environment=, WorkingDirectory=', () => {
  assert.deepEqual(splitCommandLine(`/usr/bin/gunicorn --forwarded-allow-ips='*' "a b" c\\ d`, 'x'), [
    '/usr/bin/gunicorn',
    '--forwarded-allow-ips=*',
    'a b',
    'c d',
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'pplab-unit-'));
  try {
    const f = join(dir, 'u.service');
    writeFileSync(
      f,
      '[Unit]\nDescription=x\n\n[Service]\nWorkingDirectory=/srv/app\nEnvironment=A=1 "B=two words"\nExecStart=/usr/bin/gunicorn \\\n  --bind 127.0.0.1:8000 \\\n  app.wsgi\n',
    );
    const u = readUnit(f);
    assert.deepEqual(u.execStart, ['/usr/bin/gunicorn', '--bind', '127.0.0.1:8000', 'app.wsgi']);
    assert.equal(u.execStartLine, 7);
    assert.equal(u.workingDirectory, '/srv/app');
    assert.deepEqual(u.environment, { A: '1', B: 'two words' });
    writeFileSync(f, '[Service]\nExecStart=gunicorn app.wsgi\n');
    assert.throws(() => readUnit(f), /u\.service:2: ExecStart must start with an absolute path/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every scenario and variant loads and renders completely, and its processes start from rendered files', async () => {
  const entries = await listScenarios();
  assert.ok(entries.length >= 8);
  const ids = entries.map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length, 'unique ids');
  for (const n of [1, 2, 3, 4, 5, 6, 7, 13])
    assert.ok(
      entries.some((e) => e.number === n),
      `scenario ${n} exists`,
    );
  for (const e of entries) {
    assert.ok(e.expected.summary.length > 10, `${e.id}: expected.summary`);
    const { def } = await resolveEntry(e.id);
    if (e.variant) {
      const v = def.variants?.[e.variant];
      const overlay = join(e.folder, v?.overlay ?? join('variants', e.variant));
      assert.ok(
        existsSync(overlay) || v?.vars || v?.network !== undefined || v?.processes,
        `${e.id}: a variant changes something`,
      );
    }
    const dir = mkdtempSync(join(tmpdir(), 'pplab-render-'));
    try {
      await renderScenario(e.id, dir);
      for (const p of def.processes) assert.ok(existsSync(join(dir, p.file)), `${e.id}: ${p.file} rendered`);
      assert.ok(!existsSync(join(dir, 'scenario.ts')), 'lab metadata is not part of the deployment');
      for (const f of walk(dir)) {
        const text = readFileSync(f, 'utf8');
        assert.doesNotMatch(text, /\{\{[A-Z][A-Z0-9_]*\}\}/, `${f}: placeholder left`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('the Django app belongs to Debian python3 (not a PATH python3 such as a pyenv shim)', () => {
  const b = systemBinaries();
  assert.equal(b.python3, '/usr/bin/python3');
  const r = run([b.python3, '-c', 'import django, gunicorn, uvicorn; print(django.VERSION[0])'], { allowFail: true });
  assert.equal(r.code, 0, `Debian python3 cannot import django/gunicorn/uvicorn: ${r.stderr}`);
  assert.equal(readFileSync(b.gunicorn, 'utf8').split('\n')[0], '#!/usr/bin/python3');
});

test('stop() ends every process group and removes the files; a failed start reports the logs and leaves nothing', async (t) => {
  const { def } = await resolveEntry('01-nginx-gunicorn-no-xfp');
  const why = skipReason(def);
  if (why) return t.skip(why);
  const sc = await startScenario('01-nginx-gunicorn-no-xfp');
  const pids = sc.processes.map((p) => p.pid);
  // gunicorn workers and nginx workers are children in the same groups
  const groupMembers = run(['ps', '-eo', 'pid=,pgid='])
    .stdout.split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter(([, pgid]) => pids.includes(pgid!))
    .map(([pid]) => pid!);
  assert.ok(groupMembers.length >= 4, `master+workers: ${groupMembers}`);
  await sc.stop();
  for (const pid of groupMembers) assert.equal(alive(pid), false, `pid ${pid} still alive`);
  assert.equal(existsSync(sc.dir), false);

  // gunicorn cannot bind an address this machine does not have: the start fails with gunicorn's own words
  await assert.rejects(startScenario('01-nginx-gunicorn-no-xfp', { vars: { APP_ADDR: '203.0.113.254' } }), (e: Error) => {
    assert.match(e.message, /failed to start/);
    assert.match(e.message, /Cannot assign requested address|Can't connect to/);
    assert.match(e.message, /----- app \(gunicorn/);
    return true;
  });
});

test("freePort's race: a port taken between freePort and the program's bind is retried with new ports", async (t) => {
  const { def } = await resolveEntry('01-nginx-gunicorn-no-xfp');
  const why = skipReason(def);
  if (why) return t.skip(why);
  // Another process holds a port that the port source hands out first (what freePort's race looks like): bound,
  // not listening, so the program's bind fails (a listening squatter would also answer the readiness probe).
  const squatter = spawn(
    systemBinaries().python3,
    [
      '-c',
      "import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1',0))\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()",
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const taken = await new Promise<number>((res, rej) => {
    squatter.stdout.once('data', (d) => res(Number(String(d).trim())));
    squatter.once('exit', (code) => rej(new Error(`squatter exited ${code}`)));
  });
  const handed: number[] = [];
  const portSource = async () => {
    const p = handed.length === 0 ? taken : await freePort();
    handed.push(p);
    return p;
  };
  try {
    const sc = await startScenario('01-nginx-gunicorn-no-xfp', { portSource });
    try {
      const ports = Object.keys(def.ports).map((k) => Number(sc.vars[k]));
      assert.equal(ports.includes(taken), false, `the taken port ${taken} is not used: ${ports}`);
      // one set of ports for the failed attempt, one for the retry
      assert.equal(handed.length, 2 * Object.keys(def.ports).length, `ports handed out: ${handed}`);
      assert.equal((await fetch(`http://127.0.0.1:${sc.backend.port}/`).catch(() => undefined))?.status !== undefined, true);
    } finally {
      await sc.stop();
    }
    // The retry is bounded: a port that is always taken fails with the program's own words.
    await assert.rejects(startScenario('01-nginx-gunicorn-no-xfp', { portSource: async () => taken }), (e: Error) => {
      assert.match(e.message, /failed to start \(attempt 3, new ports\)/);
      assert.match(e.message, /[Aa]ddress already in use|Connection in use/);
      return true;
    });
  } finally {
    squatter.stdin.end();
    squatter.kill();
  }
});

test("freePort's race, a squatter that LISTENS: readiness asks who owns the listener, and the start is retried with new ports", async (t) => {
  const { def } = await resolveEntry('01-nginx-gunicorn-no-xfp');
  const why = skipReason(def);
  if (why) return t.skip(why);
  // Bound AND listening: it answers a TCP readiness probe as the program would.
  const squatter = spawn(
    systemBinaries().python3,
    [
      '-c',
      "import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()",
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const taken = await new Promise<number>((res, rej) => {
    squatter.stdout.once('data', (d) => res(Number(String(d).trim())));
    squatter.once('exit', (code) => rej(new Error(`squatter exited ${code}`)));
  });
  // every port of the first attempt is the squatter's: whichever program is probed first meets it
  const handed: number[] = [];
  const n = Object.keys(def.ports).length;
  const portSource = async () => {
    const p = handed.length < n ? taken : await freePort();
    handed.push(p);
    return p;
  };
  try {
    const sc = await startScenario('01-nginx-gunicorn-no-xfp', { portSource });
    try {
      const ports = Object.keys(def.ports).map((k) => Number(sc.vars[k]));
      assert.equal(ports.includes(taken), false, `the squatter's port ${taken} is not used: ${ports}`);
      assert.equal(handed.length, 2 * n, `ports handed out: ${handed}`);
      // the backend that answers is gunicorn (HTTP), not the squatter (which never answers HTTP)
      assert.ok((await fetch(`http://127.0.0.1:${sc.backend.port}/`)).status > 0);
    } finally {
      await sc.stop();
    }
    await assert.rejects(startScenario('01-nginx-gunicorn-no-xfp', { portSource: async () => taken }), (e: Error) => {
      assert.match(e.message, /failed to start \(attempt 3, new ports\)/);
      assert.match(
        e.message,
        new RegExp(`address already in use: another process listens there \\(pid ${squatter.pid} \\(python3`),
      );
      return true;
    });
  } finally {
    squatter.stdin.end();
    squatter.kill();
  }
});

test('network namespaces and veth pairs are deleted on stop', async (t) => {
  const ns = netnsAvailable(systemBinaries().ip);
  if (!ns.ok) return t.skip(ns.reason);
  const sc = await startScenario('05-cross-host-gunicorn');
  const names = sc.processes.map((p) => p.argv[3]).filter((x): x is string => !!x && x.startsWith('pplab-'));
  assert.ok(names.length >= 2, `processes run in namespaces: ${names}`);
  await sc.stop();
  const left = run([systemBinaries().ip, 'netns', 'list']).stdout;
  for (const n of names) assert.ok(!left.split('\n').some((l) => l.split(' ')[0] === n), `${n} deleted`);
  const slot = /^pplab-(\d+)-/.exec(names[0]!)?.[1];
  assert.doesNotMatch(run([systemBinaries().ip, '-o', 'link']).stdout, new RegExp(`\\bpl${slot}k\\d+[ab]\\b`));
});

// The timeout is only a safety net: a readiness line that never comes ends the test with the runner's output.
test('Ctrl-C on `lab run --keep` tears everything down', { timeout: 10 * 60_000 }, async (t) => {
  const { def } = await resolveEntry('01-nginx-gunicorn-no-xfp');
  const why = skipReason(def);
  if (why) return t.skip(why);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(LAB_ROOT, 'src/cli.ts'), 'run', '01-nginx-gunicorn-no-xfp', '--keep', '--no-browser'],
    {
      cwd: LAB_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  let rendered: string | undefined;
  try {
    // Readiness is the runner's own line; the test's timeout is only the safety net.
    await new Promise<void>((resolve) => {
      let ready = false;
      const check = () => {
        if (out.includes('press Ctrl-C') || child.exitCode !== null) {
          ready = true;
          resolve();
        }
      };
      // The test's timeout aborts the wait: it then fails below with the runner's output.
      t.signal.addEventListener('abort', () => {
        if (!ready) resolve();
      });
      child.stdout.on('data', check);
      child.stderr.on('data', check);
      child.on('exit', check);
      check();
    });
    assert.ok(out.includes('press Ctrl-C'), out);
    const pids = [...out.matchAll(/pid (\d+):/g)].map((m) => Number(m[1]));
    rendered = /rendered\s+(\S+)/.exec(out)?.[1];
    assert.ok(pids.length >= 2 && rendered && existsSync(rendered));
    assert.match(out, /--host-resolver-rules="MAP app\.test 127\.0\.0\.1"/);
    assert.match(out, /entry\s+https:\/\/app\.test:\d+\//);
    // The groups hold the workers gunicorn (--workers 2) and nginx forked after readiness.
    const before = pids.flatMap((pid) => liveMembers(pid));
    assert.ok(before.length >= pids.length + 3, `masters and workers: ${before.join(', ')}`);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) =>
      child.exitCode !== null ? r(child.exitCode) : child.on('exit', (c) => r(c)),
    );
    assert.ok(code === 0 || code === 130, `exit ${code}\n${out}`);
    for (const pid of pids) {
      assert.equal(alive(pid), false, `pid ${pid} alive after Ctrl-C`);
      // Bounded poll for the group's disappearance (its zombies are reaped by their parent or init).
      const gone = await waitUntil(() => !groupExists(pid), 10_000);
      assert.ok(
        gone,
        `process group ${pid} still exists 10 s after the runner exited; members: ${liveMembers(pid).join(', ') || 'zombies only'}\n${out}`,
      );
    }
    assert.ok(existsSync(rendered!), '--keep leaves the rendered files for inspection');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    if (rendered) rmSync(join(rendered, '..'), { recursive: true, force: true });
  }
});

test('LabSkip is what a scenario throws when it cannot run here', () => {
  assert.equal(new LabSkip('x').name, 'LabSkip');
});
