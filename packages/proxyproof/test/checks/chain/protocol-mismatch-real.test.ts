/**
 * chain/protocol-mismatch against the real programs (Debian's uWSGI 2.0.21 and nginx, when installed): nginx
 * `proxy_pass http://` to a uWSGI `socket =` port answers 502 and uWSGI logs "invalid request block size"; the same
 * socket through `uwsgi_pass` answers 200. The lint of that very nginx config and uwsgi.ini reports the first route
 * only.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { protocolMismatch } from '../../../src/checks/chain/protocol-mismatch.js';
import { lintFiles } from '../../python/lint-files.js';
import { getOnce, NGINX, type RunningNginx, startNginx } from '../../real-nginx.js';
import { accepts, awaitOutput, type RealProgram, RUN_SAFETY_TIMEOUT_MS, startOnFreePorts } from '../../real-program.js';

const UWSGI = ['/usr/bin/uwsgi'].find((p) => spawnSync(p, ['--version'], { timeout: RUN_SAFETY_TIMEOUT_MS }).status === 0);
const PY3 = UWSGI && spawnSync(UWSGI, ['--plugin', 'python3', '--help'], { timeout: RUN_SAFETY_TIMEOUT_MS }).status === 0;

const locations = (uwsgiPort: number) => `
      location /bad/ {
        proxy_pass http://127.0.0.1:${uwsgiPort};
      }
      location /good/ {
        uwsgi_pass 127.0.0.1:${uwsgiPort};
      }`;

describe('HTTP to a uWSGI socket: the real programs and the lint agree', {
  skip: !NGINX ? 'nginx is not installed' : !UWSGI || !PY3 ? 'uwsgi with the python3 plugin is not installed' : false,
}, () => {
  let dir = '';
  let uwsgi: RealProgram | undefined;
  let nginx: RunningNginx | undefined;
  let uwsgiPort = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pp-uwsgi-socket-'));
    writeFileSync(
      join(dir, 'app.py'),
      "def application(env, start):\n    start('200 OK', [('Content-Type', 'text/plain')])\n    return [b'ok']\n",
    );
    // One process, no master; --die-on-term: uWSGI 2.0 reloads on SIGTERM otherwise (stop() sends SIGTERM).
    uwsgi = await startOnFreePorts({
      name: 'uwsgi',
      ports: 1,
      command: ([p]) => ({
        cmd: UWSGI as string,
        args: ['--plugin', 'python3', '--socket', `127.0.0.1:${p}`, '--wsgi-file', join(dir, 'app.py'), '--die-on-term'],
        cwd: dir,
      }),
      ready: async ([p]) => (await accepts(p as number)) && uwsgi === undefined,
    });
    uwsgiPort = uwsgi.ports[0] as number;
    nginx = await startNginx(
      ([port]) => `  server {\n    listen 127.0.0.1:${port};\n    server_name site.test;\n${locations(uwsgiPort)}\n  }\n`,
    );
  });
  after(async () => {
    nginx?.stop();
    await uwsgi?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('proxy_pass http:// to the uwsgi socket: 502, and uWSGI drops the request', async () => {
    const r = await getOnce(nginx?.ports[0] as number, '/bad/', { Host: 'site.test' });
    assert.equal(r.status, 502);
    // uWSGI closes the connection before it logs why: wait for the line (bounded), then assert on it.
    const log = await awaitOutput(() => uwsgi?.stderr() ?? '', /invalid request block size/);
    assert.match(log, /invalid request block size/);
  });

  test('uwsgi_pass to the same socket: 200', async () => {
    const r = await getOnce(nginx?.ports[0] as number, '/good/', { Host: 'site.test' });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'ok');
  });

  test('lint of the same files: one finding, at the proxy_pass of /bad/', async () => {
    const conf = `http {\n  server {\n    listen 80;\n    server_name site.test;\n${locations(uwsgiPort)}\n  }\n}\n`;
    const { findings } = await lintFiles(
      {
        'nginx.conf': conf,
        'uwsgi.ini': `[uwsgi]\nplugins = python3\nsocket = 127.0.0.1:${uwsgiPort}\nwsgi-file = app.py\n`,
        'app.py': 'def application(env, start):\n    pass\n',
      },
      [protocolMismatch],
    );
    const mine = findings.filter((f) => f.id === 'chain/protocol-mismatch');
    assert.equal(mine.length, 1, mine.map((f) => f.message).join('\n'));
    assert.equal(mine[0]?.evidence[0]?.line, 7);
    assert.match(mine[0]?.message ?? '', /location \/bad\//);
  });
});
