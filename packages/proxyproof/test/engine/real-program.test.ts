/**
 * The start every real-program test shares (test/real-program.ts, test/real-nginx.ts), proved against the race it
 * exists for: a port picked free and then taken by a test running beside ours. The contested port is held here, by
 * a server of this test, and handed to the program on its first attempt.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { getOnce, NGINX, nginxConf, nginxPidIs } from '../real-nginx.js';
import { listenOnFreePort, startOnFreePorts } from '../real-program.js';

/** A server of ours holding a port: it answers every request with 'squatter'. */
async function squatter(): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => res.end('squatter'));
  return { server, port: await listenOnFreePort(server) };
}

/** A node HTTP server as the program: it answers 'ours' on the port given, or exits with EADDRINUSE's message. */
const NODE_SERVER = "require('http').createServer((q,s)=>s.end('ours')).listen(+process.argv[1],'127.0.0.1')";

describe('startOnFreePorts', () => {
  test('a port taken before the program binds it: the program exits saying so, and only that start is retried with new ports', async () => {
    const held = await squatter();
    const given: number[] = [];
    try {
      const program = await startOnFreePorts({
        name: 'node server',
        ports: 1,
        command: ([p]) => {
          const port = given.length === 0 ? held.port : (p as number);
          given.push(port);
          return { cmd: process.execPath, args: ['-e', NODE_SERVER, String(port)] };
        },
        ready: async (_ports, _child) => (await getOnce(given.at(-1) as number, '/', {})).body === 'ours',
      });
      try {
        assert.equal(given.length, 2, `ports given: ${given.join(', ')}`);
        assert.equal(given[0], held.port);
        assert.notEqual(given[1], held.port);
        assert.equal((await getOnce(given[1] as number, '/', {})).body, 'ours');
      } finally {
        await program.stop();
      }
      assert.notEqual(program.child.exitCode ?? program.child.signalCode, null);
    } finally {
      held.server.close();
    }
  });

  test('a port taken on every attempt: bounded, and the failure carries the program’s own words', async () => {
    const held = await squatter();
    let starts = 0;
    try {
      await assert.rejects(
        startOnFreePorts({
          name: 'node server',
          ports: 1,
          attempts: 2,
          command: () => {
            starts++;
            return { cmd: process.execPath, args: ['-e', NODE_SERVER, String(held.port)] };
          },
          ready: async () => false,
        }),
        /node server exited \(1\) before it was ready \(a port was taken 2 times\): [\s\S]*EADDRINUSE/,
      );
      assert.equal(starts, 2);
    } finally {
      held.server.close();
    }
  });

  test('any other exit is not retried', async () => {
    let starts = 0;
    await assert.rejects(
      startOnFreePorts({
        name: 'failing',
        ports: 1,
        command: () => {
          starts++;
          return { cmd: process.execPath, args: ['-e', "console.error('bad config at line 3'); process.exit(2)"] };
        },
        ready: async () => false,
      }),
      /failing exited \(2\) before it was ready: bad config at line 3/,
    );
    assert.equal(starts, 1);
  });
});

describe('nginx readiness', { skip: NGINX ? false : 'nginx is not installed' }, () => {
  // The squatter answers on the port nginx was told to use, so "the port answers" alone would call a dead nginx
  // ready; nginx writes its pid file only after binding every listener, so the pid file decides.
  test('a port another server answers on is not nginx being ready: nginx exits, and the start is retried', async () => {
    const held = await squatter();
    const dir = mkdtempSync(join(tmpdir(), 'pp-nginx-ready-'));
    for (const d of ['logs', 'tmp']) mkdirSync(join(dir, d));
    const given: number[] = [];
    try {
      const program = await startOnFreePorts({
        name: 'nginx',
        ports: 1,
        command: ([p]) => {
          const port = given.length === 0 ? held.port : (p as number);
          given.push(port);
          rmSync(join(dir, 'nginx.pid'), { force: true });
          const server = `server {\n  listen 127.0.0.1:${port};\n  return 200 nginx;\n}\n`;
          writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir, server));
          return { cmd: NGINX as string, args: ['-p', dir, '-c', join(dir, 'nginx.conf')] };
        },
        ready: async (_ports, child) =>
          nginxPidIs(dir, child.pid) && (await getOnce(given.at(-1) as number, '/', {})).status === 200,
      });
      try {
        assert.equal(given.length, 2, `ports given: ${given.join(', ')}`);
        assert.equal((await getOnce(given[1] as number, '/', {})).body, 'nginx');
      } finally {
        await program.stop();
      }
    } finally {
      held.server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
