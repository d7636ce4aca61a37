// spawnGroup's `exited` resolves only once the process's output has been read: node emits a child's 'exit' before
// its stdout/stderr pipes end, and the lab reads logs() right after `exited` (a start's "exited before listening"
// message, `nginx -t`/`apache2 -t`/`haproxy -c` rejections, the runner's retry on "address already in use"). A line
// still in a pipe, or written by a child that outlives the leader, was missing there. Real processes (sh), no sleep
// asserted: the waits are the promise's own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnGroup } from '../src/proc.js';

test('exited includes output the leader left behind: a line its child writes after the leader exited', async () => {
  // The leader exits at once; its background child (same group, same pipes) writes 0.3 s later, then exits. The
  // lines are computed by the shell (logs() starts with the command line, which must not match).
  const p = spawnGroup(['sh', '-c', '(sleep 0.3; echo late-$((40+2)) >&2) & echo early-$((40+2)); exit 3'], {
    name: 'late-writer',
    kind: 'test',
  });
  try {
    assert.equal(await p.exited, 3);
    const logs = p.logs();
    assert.match(logs, /^early-42$/m);
    assert.match(logs, /^late-42$/m, logs);
    // the exit note comes after everything the process wrote
    assert.ok(logs.indexOf('late-42') < logs.indexOf('[lab] exited with 3'), logs);
  } finally {
    await p.stop();
  }
});

test('trap: a leader whose child keeps the pipe open for ever still counts as exited (bounded wait)', async () => {
  // `sleep 600` inherits the pipes and holds them: 'close' never comes, `exited` resolves after OUTPUT_DRAIN_MS.
  const p = spawnGroup(['sh', '-c', 'sleep 600 & echo leader-$((2*2)); exit 4'], { name: 'daemon-child', kind: 'test' });
  try {
    assert.equal(await p.exited, 4);
    assert.match(p.logs(), /^leader-4\n\[lab\] exited with 4$/m);
  } finally {
    await p.stop();
  }
});

test('a plain exit: exited resolves with the code and every line written', async () => {
  const p = spawnGroup(['sh', '-c', 'for i in 1 2 3; do echo line-$i; done; echo oops-$((1)) >&2; exit 0'], {
    name: 'plain',
    kind: 'test',
  });
  try {
    assert.equal(await p.exited, 0);
    assert.match(p.logs(), /^line-1\nline-2\nline-3\n[\s\S]*^oops-1$/m);
  } finally {
    await p.stop();
  }
});
