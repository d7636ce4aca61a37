// What Caddy, HAProxy and Apache really send upstream, pinned at the raw-header level against a Node echo
// server (no framework, no browser). proxyproof's checks and the scenarios 8-11 build on these facts.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REQUEST_SAFETY_TIMEOUT_MS } from '../../packages/proxyproof/test/real-program.js';
import { missingPrograms, systemBinaries } from '../src/bins.js';
import { ensureCerts, type LabCerts } from '../src/certs.js';
import { apacheArgv, apacheErrorLog } from '../src/kinds/apache.js';
import { caddyArgv, caddyEnv } from '../src/kinds/caddy.js';
import { onFreePort } from '../src/ports.js';
import { execCmd, spawnGroup, waitForTcp } from '../src/proc.js';
import type { LabProcess } from '../src/types.js';

/** Each request's raw header list (name lower-cased, value), in order. */
type RawHeaders = Array<[string, string]>;

let echo: Server;
let echoPort: number;
let certs: LabCerts;
let work: string;
const seen: RawHeaders[] = [];

before(async () => {
  certs = ensureCerts(systemBinaries().openssl);
  work = mkdtempSync(join(tmpdir(), 'pplab-facts-'));
  echo = createServer((req, res) => {
    const raw: RawHeaders = [];
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) raw.push([req.rawHeaders[i]!.toLowerCase(), req.rawHeaders[i + 1]!]);
    seen.push(raw);
    res.setHeader('content-type', 'text/plain');
    res.end('ok');
  });
  // Port 0: the kernel picks it while this server binds (no gap for another process to take it).
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echoPort = (echo.address() as { port: number }).port;
});

after(async () => {
  await new Promise<void>((r) => echo.close(() => r()));
  rmSync(work, { recursive: true, force: true });
});

function values(raw: RawHeaders, name: string): string[] {
  return raw.filter(([n]) => n === name).map(([, v]) => v);
}

/**
 * One request through the proxy (curl with the lab CA); returns the headers the echo server received. curl's
 * --max-time and the run's bound are safety nets, never the assertion (test/real-program.ts): the echo server
 * records the request before it answers, so a curl that exits 0 has been seen.
 */
async function through(url: string, port: number, headers: Record<string, string>): Promise<RawHeaders> {
  const before = seen.length;
  const argv = [
    systemBinaries().curl,
    '-sS',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '--max-time',
    String(REQUEST_SAFETY_TIMEOUT_MS / 1000),
    '--cacert',
    certs.caFile,
    '--resolve',
    `app.test:${port}:127.0.0.1`,
  ];
  for (const [k, v] of Object.entries(headers)) argv.push('-H', `${k}: ${v}`);
  // curl's own limit ends it first, with its message; the run's bound only catches a curl that hangs past it.
  const r = await execCmd([...argv, url], { timeoutMs: 2 * REQUEST_SAFETY_TIMEOUT_MS });
  assert.equal(r.code, 0, `curl ${url}: ${r.stderr}`);
  assert.equal(r.stdout, '200', `curl ${url}: the proxy's answer`);
  assert.equal(seen.length, before + 1, 'exactly one request reached the backend');
  return seen[before]!;
}

/**
 * Starts a proxy on a fresh loopback port (`setup(port)` writes its config and says how to run it) and waits until
 * it listens there itself; a start that finds the port taken (freePort's race) is retried on a new one (onFreePort).
 */
async function startProxy(
  name: string,
  setup: (port: number) => { argv: string[]; env?: Record<string, string>; logFiles?: string[] },
): Promise<{ proc: LabProcess; port: number }> {
  return onFreePort(async (port) => {
    const { argv, env, logFiles } = setup(port);
    const proc = spawnGroup(argv, { name, kind: name, env, logFiles });
    try {
      // A safety net (a program that exits, e.g. on a taken port, ends the wait at once): at least real-program.ts's
      // readiness bound.
      await waitForTcp(proc, '127.0.0.1', port, { timeoutMs: REQUEST_SAFETY_TIMEOUT_MS });
    } catch (e) {
      await proc.stop();
      throw e;
    }
    return { proc, port };
  });
}

const FORGED = { 'X-Forwarded-Proto': 'http', 'X-Forwarded-For': '203.0.113.7', 'X-Forwarded-Host': 'evil.test' };

describe('Caddy reverse_proxy', { skip: missingPrograms(['caddy'])[0] }, () => {
  async function run(trusted: boolean): Promise<{ raw: RawHeaders; port: number }> {
    const dir = join(work, `caddy-${trusted}`);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'Caddyfile');
    const tp = trusted ? ' {\n\t\ttrusted_proxies 127.0.0.1/32\n\t}' : '';
    const { proc, port } = await startProxy('caddy', (port) => {
      writeFileSync(
        file,
        `{\n\tadmin off\n\tskip_install_trust\n\tauto_https disable_redirects\n}\nhttps://app.test:${port} {\n\tbind 127.0.0.1\n\ttls ${certs.cert} ${certs.key}\n\treverse_proxy 127.0.0.1:${echoPort}${tp}\n}\n`,
      );
      return { argv: caddyArgv(systemBinaries().caddy, file), env: caddyEnv(join(dir, 'run')) };
    });
    try {
      return { raw: await through(`https://app.test:${port}/`, port, FORGED), port };
    } finally {
      await proc.stop();
    }
  }

  test('without trusted_proxies: its own X-Forwarded-* replace the client values', async () => {
    const { raw, port } = await run(false);
    assert.deepEqual(values(raw, 'x-forwarded-proto'), ['https']);
    assert.deepEqual(values(raw, 'x-forwarded-for'), ['127.0.0.1']);
    assert.deepEqual(values(raw, 'x-forwarded-host'), [`app.test:${port}`]);
    assert.deepEqual(values(raw, 'host'), [`app.test:${port}`], 'Host is passed through');
  });

  test('with reverse_proxy { trusted_proxies }: the received values are kept, X-Forwarded-For appended', async () => {
    const { raw } = await run(true);
    assert.deepEqual(values(raw, 'x-forwarded-proto'), ['http']);
    assert.deepEqual(values(raw, 'x-forwarded-for'), ['203.0.113.7, 127.0.0.1']);
    assert.deepEqual(values(raw, 'x-forwarded-host'), ['evil.test']);
  });
});

describe('HAProxy http-request add-header vs set-header', { skip: missingPrograms(['haproxy'])[0] }, () => {
  async function run(action: 'add-header' | 'set-header' | 'none'): Promise<RawHeaders> {
    const file = join(work, `haproxy-${action}.cfg`);
    const rule = action === 'none' ? '' : `    http-request ${action} X-Forwarded-Proto https if { ssl_fc }\n`;
    // HAProxy's own timeouts are safety nets too: a 504 after a slow echo would be a wrong fact, not a slow one.
    const SAFETY_S = REQUEST_SAFETY_TIMEOUT_MS / 1000;
    const { proc, port } = await startProxy('haproxy', (port) => {
      writeFileSync(
        file,
        `global\n    maxconn 64\ndefaults\n    mode http\n    option forwardfor\n    timeout connect ${SAFETY_S}s\n    timeout client ${SAFETY_S}s\n    timeout server ${SAFETY_S}s\nfrontend fe\n    bind 127.0.0.1:${port} ssl crt ${certs.combined}\n${rule}    default_backend be\nbackend be\n    server echo 127.0.0.1:${echoPort}\n`,
      );
      return { argv: [systemBinaries().haproxy, '-db', '-f', file] };
    });
    try {
      return await through(`https://app.test:${port}/`, port, FORGED);
    } finally {
      await proc.stop();
    }
  }

  test('add-header appends: the client value survives next to https', async () => {
    assert.deepEqual(values(await run('add-header'), 'x-forwarded-proto'), ['http', 'https']);
  });
  test('set-header replaces it', async () => {
    assert.deepEqual(values(await run('set-header'), 'x-forwarded-proto'), ['https']);
  });
  test('neither: the client value passes untouched; option forwardfor appends a second X-Forwarded-For', async () => {
    const raw = await run('none');
    assert.deepEqual(values(raw, 'x-forwarded-proto'), ['http']);
    assert.deepEqual(values(raw, 'x-forwarded-for'), ['203.0.113.7', '127.0.0.1']);
  });
});

describe('Apache mod_proxy', { skip: missingPrograms(['apache'])[0] }, () => {
  async function run(preserveHost: boolean): Promise<{ raw: RawHeaders; port: number }> {
    const dir = join(work, `apache-${preserveHost}`);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'apache2.conf');
    const mods = ['mpm_event', 'authz_core', 'headers', 'ssl', 'proxy', 'proxy_http'];
    const runDir = join(dir, 'run');
    const { proc, port } = await startProxy('apache', (port) => {
      writeFileSync(
        file,
        [
          ...mods.map((m) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`),
          'ServerName app.test',
          'StartServers 1',
          'ServerLimit 1',
          'ThreadsPerChild 4',
          'MaxRequestWorkers 4',
          'MinSpareThreads 1',
          'MaxSpareThreads 4',
          `Listen 127.0.0.1:${port}`,
          `<VirtualHost 127.0.0.1:${port}>`,
          '  ServerName app.test',
          '  SSLEngine on',
          `  SSLCertificateFile ${certs.cert}`,
          `  SSLCertificateKeyFile ${certs.key}`,
          `  ProxyPreserveHost ${preserveHost ? 'On' : 'Off'}`,
          `  ProxyPass / http://127.0.0.1:${echoPort}/`,
          '</VirtualHost>',
          '',
        ].join('\n'),
      );
      return {
        argv: [...apacheArgv(systemBinaries().apache2, file, runDir, process.getuid?.() === 0), '-DFOREGROUND'],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
        logFiles: [apacheErrorLog(runDir)],
      };
    });
    try {
      return { raw: await through(`https://app.test:${port}/`, port, FORGED), port };
    } finally {
      await proc.stop();
    }
  }

  test('adds X-Forwarded-For/Host/Server, never X-Forwarded-Proto; a client X-Forwarded-Proto passes through', async () => {
    const { raw, port } = await run(true);
    assert.deepEqual(values(raw, 'x-forwarded-proto'), ['http'], "the client's value, untouched");
    assert.deepEqual(values(raw, 'x-forwarded-for'), ['203.0.113.7, 127.0.0.1']);
    assert.deepEqual(values(raw, 'x-forwarded-host'), [`evil.test, app.test:${port}`]);
    assert.deepEqual(values(raw, 'x-forwarded-server'), ['app.test']);
    assert.deepEqual(values(raw, 'host'), [`app.test:${port}`], 'ProxyPreserveHost On keeps Host');
  });

  test('ProxyPreserveHost Off (the default): Host becomes the ProxyPass target', async () => {
    const { raw } = await run(false);
    assert.deepEqual(values(raw, 'host'), [`127.0.0.1:${echoPort}`]);
  });
});
