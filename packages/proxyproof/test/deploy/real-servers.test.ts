/**
 * The trust rules the app-server checks rely on, confirmed on the real servers Debian ships
 * (gunicorn 20.1, uvicorn 0.17.6, daphne 4.0): each case starts the server on loopback or a unix
 * socket with a tiny app that echoes the scheme it was given, sends `X-Forwarded-Proto: https` the way a
 * local nginx would, and compares the answer with lint's verdict for the same deployment
 * (schemeFromProxy on the facts of a systemd unit plus an nginx site pointing at it).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { schemeFromProxy } from '../../src/checks/appserver/context.js';
import { nginxTls, systemdUnit } from '../python/fixtures.js';
import { lintFiles } from '../python/lint-files.js';
import { getBody, startOnFreePorts } from '../real-program.js';

const APP = `
def application(environ, start_response):
    body = environ['wsgi.url_scheme'].encode()
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
    return [body]

async def asgi(scope, receive, send):
    body = scope['scheme'].encode()
    await send({'type': 'http.response.start', 'status': 200, 'headers': [(b'content-type', b'text/plain'), (b'content-length', str(len(body)).encode())]})
    await send({'type': 'http.response.body', 'body': body})
`;

function ask(target: { port?: number; socketPath?: string }): Promise<string | undefined> {
  return getBody(target, { Host: 'example.com', 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '203.0.113.9' });
}

/**
 * Starts `cmd(port)` (on a free port; a unix socket when `socketPath` is given) and returns the scheme the app
 * reports for a request claiming https, with the port used. Only the app answers 'http' or 'https', so readiness
 * cannot be another test's server on a port taken meanwhile; a start that lost its port is retried with a new one.
 */
async function serve(
  cmd: (port: number) => string[],
  cwd: string,
  socketPath?: string,
): Promise<{ answer: string | undefined; port: number }> {
  const target = (port: number) => (socketPath === undefined ? { port } : { socketPath });
  const app = await startOnFreePorts({
    name: cmd(0)[0] as string,
    ports: 1,
    command: ([port]) => {
      const [bin, ...args] = cmd(port as number);
      return { cmd: bin as string, args, cwd, env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1' } };
    },
    ready: async ([port]) =>
      (socketPath === undefined || existsSync(socketPath)) && /^https?$/.test((await ask(target(port as number))) ?? ''),
    polls: 600,
  });
  try {
    const port = app.ports[0] as number;
    return { answer: await ask(target(port)), port };
  } finally {
    await app.stop();
  }
}

interface Case {
  name: string;
  bin: string;
  /** argv after the program; {PORT}/{SOCK} are filled in. */
  args: string;
  unix?: boolean;
}

const cases: Case[] = [
  { name: 'gunicorn, loopback, default trust list', bin: '/usr/bin/gunicorn', args: '-b 127.0.0.1:{PORT} ppapp:application' },
  {
    name: 'gunicorn, loopback, trust list without 127.0.0.1',
    bin: '/usr/bin/gunicorn',
    args: '-b 127.0.0.1:{PORT} --forwarded-allow-ips=10.9.9.9 ppapp:application',
  },
  {
    name: 'gunicorn, unix socket, trust list without 127.0.0.1 (unix peers are trusted)',
    bin: '/usr/bin/gunicorn',
    args: '-b unix:{SOCK} --forwarded-allow-ips=10.9.9.9 ppapp:application',
    unix: true,
  },
  {
    name: 'gunicorn with uvicorn workers, unix socket, default trust list',
    bin: '/usr/bin/gunicorn',
    args: '-k uvicorn.workers.UvicornWorker -b unix:{SOCK} ppapp:asgi',
    unix: true,
  },
  {
    name: 'uvicorn, loopback, defaults',
    bin: '/usr/bin/python3',
    args: '-m uvicorn --app-dir . --lifespan off --host 127.0.0.1 --port {PORT} ppapp:asgi',
  },
  {
    name: 'uvicorn, unix socket, default trust list (no peer address)',
    bin: '/usr/bin/python3',
    args: '-m uvicorn --app-dir . --lifespan off --uds {SOCK} ppapp:asgi',
    unix: true,
  },
  {
    name: "uvicorn, unix socket, forwarded-allow-ips='*'",
    bin: '/usr/bin/python3',
    args: '-m uvicorn --app-dir . --lifespan off --uds {SOCK} --forwarded-allow-ips=* ppapp:asgi',
    unix: true,
  },
  {
    name: 'uvicorn, loopback, --no-proxy-headers',
    bin: '/usr/bin/python3',
    args: '-m uvicorn --app-dir . --lifespan off --port {PORT} --no-proxy-headers ppapp:asgi',
  },
  { name: 'daphne, loopback, no --proxy-headers', bin: '/usr/bin/daphne', args: '-b 127.0.0.1 -p {PORT} ppapp:asgi' },
  {
    name: 'daphne, loopback, --proxy-headers',
    bin: '/usr/bin/daphne',
    args: '-b 127.0.0.1 -p {PORT} --proxy-headers ppapp:asgi',
  },
];

for (const c of cases) {
  test(`real ${c.name}: lint's verdict matches what the server does`, {
    skip: existsSync(c.bin) ? false : `${c.bin} is not installed`,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-real-'));
    try {
      writeFileSync(join(dir, 'ppapp.py'), APP);
      const sock = join(dir, 'app.sock');
      const argsOn = (port: number) => c.args.replace('{PORT}', String(port)).replace('{SOCK}', sock);
      const { answer: real, port } = await serve((p) => [c.bin, ...argsOn(p).split(' ')], dir, c.unix ? sock : undefined);
      const args = argsOn(port);
      assert.ok(real === 'https' || real === 'http', `server answered ${real}`);
      const upstream = c.unix ? `http://unix:${sock}` : `http://127.0.0.1:${port}`;
      const { facts } = await lintFiles({ 'app.service': systemdUnit(`${c.bin} ${args}`), 'site.conf': nginxTls(upstream) });
      const s = facts.appServers[0];
      assert.ok(s, 'lint found the server');
      const v = schemeFromProxy(facts, s);
      assert.equal(
        v.believed === 'yes' ? 'https' : 'http',
        real,
        `lint: ${v.believed} (${v.reason}); the real server said ${real}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('real gunicorn: an exec-form "--forwarded-allow-ips=\\"*\\"" (quotes kept, no shell) trusts nobody; lint reads it so', {
  skip: existsSync('/usr/bin/gunicorn') ? false : '/usr/bin/gunicorn is not installed',
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-real-'));
  try {
    writeFileSync(join(dir, 'ppapp.py'), APP);
    const answers: string[] = [];
    // The same argv Docker passes for CMD [..., "--forwarded-allow-ips=\"*\""] (exec form: the quotes stay), then the
    // unquoted wildcard: the quoted one matches no peer, the bare one every peer.
    for (const flag of ['--forwarded-allow-ips="*"', '--forwarded-allow-ips=*']) {
      const { answer } = await serve((port) => ['/usr/bin/gunicorn', '-b', `127.0.0.1:${port}`, flag, 'ppapp:application'], dir);
      answers.push(answer ?? '(no answer)');
    }
    assert.deepEqual(answers, ['http', 'https']);
    const { facts, findings } = await lintFiles({
      Dockerfile:
        'FROM python:3.12\nCMD ["gunicorn", "-b", "0.0.0.0:8080", "--forwarded-allow-ips=\\"*\\"", "ppapp:application"]\n',
    });
    assert.deepEqual(facts.appServers[0]?.trustedProxies.value, ['"*"']);
    assert.deepEqual(
      findings.filter((f) => /forwarded-allow-all|trust-entry-unmatchable/.test(f.id)).map((f) => f.id),
      ['appserver/trust-entry-unmatchable'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
