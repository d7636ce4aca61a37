// onFreePort (src/ports.ts): a start that finds its freePort() port taken is retried on a new port; any other
// failure is not. The "program" here is a real listening socket, so the taken port fails with the kernel's own
// EADDRINUSE, as nginx or Caddy would report it.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { test } from 'node:test';
import { freePort, onFreePort, PORT_RACE_ATTEMPTS } from '../src/ports.js';

function listen(port: number): Promise<Server> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(port, '127.0.0.1', () => res(s));
  });
}
const close = (s: Server) => new Promise<void>((r) => s.close(() => r()));

test('a taken port is retried on a new one; the start runs on the new port', async () => {
  const squatter = await listen(0);
  const taken = (squatter.address() as { port: number }).port;
  const tried: number[] = [];
  try {
    const server = await onFreePort(
      async (port) => {
        tried.push(port);
        return listen(port);
      },
      { portSource: async () => (tried.length === 0 ? taken : freePort()) },
    );
    try {
      assert.equal(tried.length, 2);
      assert.equal(tried[0], taken);
      assert.notEqual(tried[1], taken);
      assert.equal((server.address() as { port: number }).port, tried[1]);
    } finally {
      await close(server);
    }
  } finally {
    await close(squatter);
  }
});

test('bounded: a port taken every time fails after PORT_RACE_ATTEMPTS starts, with the last error', async () => {
  const squatter = await listen(0);
  const taken = (squatter.address() as { port: number }).port;
  let starts = 0;
  try {
    await assert.rejects(
      onFreePort(
        async (port) => {
          starts++;
          return listen(port);
        },
        { portSource: async () => taken },
      ),
      /EADDRINUSE/,
    );
    assert.equal(starts, PORT_RACE_ATTEMPTS);
  } finally {
    await close(squatter);
  }
});

test('any other failure is thrown at once, not retried', async () => {
  let starts = 0;
  await assert.rejects(
    onFreePort(async () => {
      starts++;
      throw new Error('caddy exited (1) before it was ready: adapting config: unrecognized directive');
    }),
    /unrecognized directive/,
  );
  assert.equal(starts, 1);
});
