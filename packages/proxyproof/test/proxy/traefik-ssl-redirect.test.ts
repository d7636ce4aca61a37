/**
 * Traefik's headers-middleware `SSLRedirect` (1.x labels and file provider; 2.x `headers.sslRedirect`), which Traefik
 * hands to unrolled/secure: a request it does not think is TLS gets a redirect to https, and `isSSL` also counts a
 * request carrying an `SSLProxyHeaders` entry (`X-Forwarded-Proto: https`) as TLS. On a 1.x entrypoint without
 * forwardedHeaders (which keeps X-Forwarded-* from any peer) a client's own `X-Forwarded-Proto: https` then skips the
 * redirect and reaches the app; without SSLProxyHeaders every plain request is redirected. Through the CLI.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCli } from '../helpers.js';
import { scratchTrees } from '../scratch-trees.js';
import { assertFindings, type Expected, type JsonFinding } from './finding-rows.js';

const compose = (labels: string[]) => `services:
  traefik:
    image: traefik:1.7
    command:
      - "--docker"
      - "--entryPoints=Name:http Address::80"
    ports:
      - "80:80"
  app:
    image: python:3.12
    command: gunicorn --bind 0.0.0.0:8000 --forwarded-allow-ips=* site.wsgi
    labels:
      - "traefik.frontend.rule=Host:app.example.org"
      - "traefik.port=8000"
${labels.map((l) => `      - "${l}"\n`).join('')}`;

const SPOOF: Expected = { id: 'chain/spoofable-backend', severity: 'high', message: /through traefik entrypoint http :80/ };
const REDIRECT = 'traefik.frontend.headers.SSLRedirect=true';
const PROXY_HEADERS = 'traefik.frontend.headers.SSLProxyHeaders=X-Forwarded-Proto:https';

const rows: Array<{ name: string; files: Record<string, string>; present: Expected[]; absent: string[] }> = [
  {
    name: 'invalid: SSLRedirect with SSLProxyHeaders X-Forwarded-Proto:https: a client’s own header skips the redirect',
    files: { 'docker-compose.yml': compose([REDIRECT, PROXY_HEADERS]) },
    present: [SPOOF],
    absent: [],
  },
  {
    name: 'valid: SSLRedirect alone: every plain request is redirected, a forged header reaches nothing',
    files: { 'docker-compose.yml': compose([REDIRECT]) },
    present: [],
    absent: ['chain/spoofable-backend'],
  },
  {
    name: 'trap: SSLProxyHeaders without SSLRedirect redirects nothing (and sets no header): the forged request goes on',
    files: { 'docker-compose.yml': compose([PROXY_HEADERS]) },
    present: [SPOOF],
    absent: [],
  },
  {
    name: 'invalid: the 1.x file provider’s [frontends.f.headers] SSLRedirect with SSLProxyHeaders, read the same way',
    files: {
      'traefik.toml':
        'defaultEntryPoints = ["http"]\n[entryPoints]\n  [entryPoints.http]\n  address = ":80"\n[file]\n[backends]\n  [backends.app]\n    [backends.app.servers.s1]\n    url = "http://127.0.0.1:8000"\n[frontends]\n  [frontends.app]\n  backend = "app"\n    [frontends.app.routes.r1]\n    rule = "Host:app.example.org"\n    [frontends.app.headers]\n    SSLRedirect = true\n      [frontends.app.headers.SSLProxyHeaders]\n      X-Forwarded-Proto = "https"\n',
      'gunicorn.conf.py': 'bind = "127.0.0.1:8000"\nforwarded_allow_ips = "*"\n',
    },
    present: [{ id: 'chain/spoofable-backend', severity: 'high' }],
    absent: [],
  },
  {
    name: 'valid: the same file without SSLProxyHeaders: redirected by the connection',
    files: {
      'traefik.toml':
        'defaultEntryPoints = ["http"]\n[entryPoints]\n  [entryPoints.http]\n  address = ":80"\n[file]\n[backends]\n  [backends.app]\n    [backends.app.servers.s1]\n    url = "http://127.0.0.1:8000"\n[frontends]\n  [frontends.app]\n  backend = "app"\n    [frontends.app.routes.r1]\n    rule = "Host:app.example.org"\n    [frontends.app.headers]\n    SSLRedirect = true\n',
      'gunicorn.conf.py': 'bind = "127.0.0.1:8000"\nforwarded_allow_ips = "*"\n',
    },
    present: [],
    absent: ['chain/spoofable-backend'],
  },
];

const tree = scratchTrees('pp-traefik-sslredirect-');
let trees = 0;

describe('Traefik SSLRedirect and SSLProxyHeaders through the CLI', () => {
  for (const row of rows)
    test(row.name, () => {
      const r = runCli(['lint', '.', '--format', 'json'], { cwd: tree(`t${trees++}`, row.files) });
      assert.ok(r.code === 0 || r.code === 1, r.stderr);
      assertFindings((JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings, row.present, row.absent);
    });
});
