// Readiness asks who owns a listener (freePort's listening squatter), and probes a network namespace with one
// process that retries there. Real sockets and processes; no sleeps asserted.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { systemBinaries } from '../src/bins.js';
import { netnsAvailable } from '../src/netns.js';
import { listenerOwnership, listeningInodes, run, spawnGroup, waitForTcp } from '../src/proc.js';

/** A Python process that listens on 127.0.0.1 (port printed), until its stdin closes. */
async function pythonListener(): Promise<{ pid: number; port: number; stop(): void }> {
  const p = spawn(
    systemBinaries().python3,
    [
      '-c',
      "import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()",
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((res, rej) => {
    p.stdout.once('data', (d) => res(Number(String(d).trim())));
    p.once('exit', (code) => rej(new Error(`listener exited ${code}`)));
  });
  const stop = () => {
    p.stdin.end();
    p.kill();
  };
  return { pid: p.pid!, port, stop };
}

test('listenerOwnership: the listener of this process is "started"; another process\'s is "other" and named; none is "unknown"', async () => {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const own = (srv.address() as { port: number }).port;
  const other = await pythonListener();
  try {
    assert.equal(listeningInodes('127.0.0.1', own).length, 1);
    assert.deepEqual(listenerOwnership(process.pid, '127.0.0.1', own), { owner: 'started' });
    // another leader (a process of its own that never listens): the python listener is not its descendant
    const leader = spawnGroup(['sleep', '600'], { name: 'leader', kind: 'test' });
    const who = listenerOwnership(leader.pid, '127.0.0.1', other.port);
    await leader.stop();
    assert.equal(who.owner, 'other');
    assert.match((who as { who: string }).who, new RegExp(`pid ${other.pid} \\(python3`));
    // the python process owns its listener; so does this process (its parent) as a leader
    assert.deepEqual(listenerOwnership(other.pid, '127.0.0.1', other.port), { owner: 'started' });
    assert.deepEqual(listenerOwnership(process.pid, '127.0.0.1', other.port), { owner: 'started' });
  } finally {
    other.stop();
    await new Promise((r) => srv.close(r));
  }
  // nothing listens there any more
  assert.deepEqual(listenerOwnership(process.pid, '127.0.0.1', own), { owner: 'unknown' });
});

test('waitForTcp on loopback: a squatter that listens on the port fails the start with "address already in use" and its pid', async () => {
  const squatter = await pythonListener();
  // the "program": a process that never binds (it would fail to: the squatter has the port)
  const prog = spawnGroup(['sleep', '600'], { name: 'app', kind: 'test' });
  try {
    await assert.rejects(waitForTcp(prog, '127.0.0.1', squatter.port, { timeoutMs: 60_000 }), (e: Error) => {
      assert.match(e.message, /address already in use: another process listens there \(pid \d+ \(python3/);
      assert.match(e.message, new RegExp(`pid ${squatter.pid}`));
      return true;
    });
  } finally {
    await prog.stop();
    squatter.stop();
  }
});

test('waitForTcp in a network namespace: one prober there waits for a late listener; a dead process ends the wait', async (t) => {
  const bin = systemBinaries();
  const ns = netnsAvailable(bin.ip);
  if (!ns.ok) return t.skip(ns.reason);
  const name = `pplab-readiness-${process.pid}`;
  run([bin.ip, 'netns', 'add', name]);
  try {
    run([bin.ip, '-n', name, 'link', 'set', 'lo', 'up']);
    // listens only after its own start-up: the prober (started before it listens) must keep trying
    const prog = spawnGroup(
      [
        bin.python3,
        '-c',
        "import socket,sys,time\ntime.sleep(1)\ns=socket.socket()\ns.bind(('127.0.0.1',8000))\ns.listen()\ntime.sleep(600)",
      ],
      { name: 'app', kind: 'test', netns: name, ipBin: bin.ip },
    );
    try {
      await waitForTcp(prog, '127.0.0.1', 8000, { netns: name, ipBin: bin.ip, bash: bin.bash, timeoutMs: 120_000 });
    } finally {
      await prog.stop();
    }
    const dies = spawnGroup(['false'], { name: 'app', kind: 'test', netns: name, ipBin: bin.ip });
    await assert.rejects(
      waitForTcp(dies, '127.0.0.1', 8001, { netns: name, ipBin: bin.ip, bash: bin.bash, timeoutMs: 120_000 }),
      /exited before listening on 127\.0\.0\.1:8001/,
    );
  } finally {
    run([bin.ip, 'netns', 'del', name], { allowFail: true });
  }
});
