/**
 * uvicorn's ProxyHeadersMiddleware added in a FastAPI/Starlette app (audit 14 r18 gap 10): it runs inside the
 * server's own --proxy-headers middleware and asks whether scope["client"] (the peer, or the client the server already
 * put there) is in its trusted_hosts; "*" trusts every peer. The chain's answer for each tree is checked against
 * Debian's uvicorn 0.17.6: the two middlewares composed as uvicorn composes them (the server's outside), called with
 * the scope a request from the nginx container (172.18.0.5) makes — no socket, no server process.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { trustAll } from '../../src/checks/app/trust-all.js';
import { uvicornProxyNotTrusted } from '../../src/checks/appserver/uvicorn-proxy-not-trusted.js';
import { doctorFiles, lintFiles } from './lint-files.js';

const PYTHON = '/usr/bin/python3';
const hasUvicorn = spawnSync(PYTHON, ['-c', 'import uvicorn'], { timeout: 20_000 }).status === 0;

const NGINX = [
  'events {}',
  'http {',
  '  server {',
  '    listen 443 ssl;',
  '    server_name example.com;',
  '    ssl_certificate /etc/ssl/c.pem;',
  '    ssl_certificate_key /etc/ssl/k.pem;',
  '    location / {',
  '      proxy_pass http://app:8000;',
  '      proxy_set_header Host $host;',
  '      proxy_set_header X-Forwarded-Proto $scheme;',
  '      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
  '    }',
  '  }',
  '}',
  '',
].join('\n');

const tree = (middleware: string, serverFlags: string, ports = 'expose: ["8000"]') => ({
  'main.py': [
    'from fastapi import FastAPI, Request',
    'from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware',
    '',
    'app = FastAPI()',
    `app.add_middleware(ProxyHeadersMiddleware${middleware})`,
    '',
    '@app.get("/")',
    'def index(request: Request):',
    '    return {"url": str(request.url_for("index"))}',
    '',
  ].join('\n'),
  Dockerfile: `FROM python:3.12\nCOPY . /app\nWORKDIR /app\nCMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"${serverFlags}]\n`,
  'compose.yaml': `services:\n  app:\n    build: .\n    ${ports}\n  nginx:\n    image: nginx:1.25\n    ports: ["443:443"]\n    volumes: ["./nginx.conf:/etc/nginx/nginx.conf:ro"]\n`,
  'nginx.conf': NGINX,
});

/** What Debian's uvicorn makes of one request: the server's middleware (trusting `server`) around the app's. */
function uvicornScheme(server: string, app: string | undefined): { scheme: string; client: string } {
  const script = [
    'import asyncio, json, sys',
    'from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware as P',
    'seen = {}',
    'async def app(scope, receive, send):',
    '    seen.update(scheme=scope["scheme"], client=scope["client"][0])',
    `inner = P(app, trusted_hosts=${JSON.stringify(app ?? '127.0.0.1')})`,
    `outer = P(inner, trusted_hosts=${JSON.stringify(server)})`,
    'scope = {"type": "http", "scheme": "http", "client": ("172.18.0.5", 40000),',
    '         "headers": [(b"x-forwarded-proto", b"https"), (b"x-forwarded-for", b"203.0.113.7")]}',
    'asyncio.run(outer(scope, None, None))',
    'print(json.dumps(seen))',
  ].join('\n');
  const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { scheme: string; client: string };
}

const rows: Array<{
  name: string;
  middleware: string;
  serverFlags: string;
  server: string;
  app?: string;
  status: 'correct' | 'lost';
  client?: string;
}> = [
  {
    name: 'valid: the app\'s middleware trusted_hosts="*" behind a server trusting only 127.0.0.1: the app sees https',
    middleware: ', trusted_hosts="*"',
    serverFlags: '',
    server: '127.0.0.1',
    app: '*',
    status: 'correct',
    client: '203.0.113.7',
  },
  {
    name: "invalid: the app's middleware with its default 127.0.0.1, the proxy in another container: http",
    middleware: '',
    serverFlags: '',
    server: '127.0.0.1',
    status: 'lost',
  },
  {
    // The server already rewrote the scope: the app's middleware sees client 203.0.113.7, trusts it not, changes nothing.
    name: "valid (trap): --forwarded-allow-ips='*' on the server, the app's middleware default: https from the server",
    middleware: '',
    serverFlags: ', "--forwarded-allow-ips", "*"',
    server: '*',
    status: 'correct',
    client: '203.0.113.7',
  },
];

for (const r of rows)
  test(`ProxyHeadersMiddleware in the app: ${r.name}`, async () => {
    const { analysis } = await doctorFiles(tree(r.middleware, r.serverFlags));
    const route = analysis.verdict.routes[0];
    assert.equal(route?.scheme.status, r.status, JSON.stringify(route?.scheme));
    if (r.client) assert.equal(route?.client.believed, r.client, JSON.stringify(route?.client));
    if (hasUvicorn) {
      const real = uvicornScheme(r.server, r.app);
      assert.equal(real.scheme === 'https' ? 'correct' : 'lost', r.status, JSON.stringify(real));
    }
  });

test('ProxyHeadersMiddleware in the app: trusted_hosts="*" on a published port is app/trust-all (high), and uvicorn/proxy-not-trusted stays silent', async () => {
  const { findings } = await lintFiles(tree(', trusted_hosts="*"', '', 'ports: ["8000:8000"]'), [
    trustAll,
    uvicornProxyNotTrusted,
  ]);
  const all = findings.filter((f) => f.id === 'app/trust-all');
  assert.equal(all.length, 1, JSON.stringify(findings.map((f) => f.id)));
  assert.equal(all[0]?.severity, 'high');
  assert.equal(all[0]?.evidence[0]?.file, 'main.py');
  assert.equal(all[0]?.evidence[0]?.line, 5);
  assert.equal(findings.filter((f) => f.id === 'uvicorn/proxy-not-trusted').length, 0);
});

test('ProxyHeadersMiddleware in the app: trap: its default 127.0.0.1 is no trust-all, and uvicorn/proxy-not-trusted still reports', async () => {
  const { findings } = await lintFiles(tree('', ''), [trustAll, uvicornProxyNotTrusted]);
  assert.equal(findings.filter((f) => f.id === 'app/trust-all').length, 0);
  assert.equal(findings.filter((f) => f.id === 'uvicorn/proxy-not-trusted').length, 1, JSON.stringify(findings.map((f) => f.id)));
});
