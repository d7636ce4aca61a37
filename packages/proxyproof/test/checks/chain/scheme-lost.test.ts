import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Case, deployment, findingsFor, gunicornUnit, settings, site } from './cases.js';

const ID = 'chain/scheme-lost';
const CASES: Case[] = [
  {
    name: 'invalid: TLS location without X-Forwarded-Proto (the seed)',
    files: deployment(site({ headers: ['proxy_set_header Host $host;'] })),
    expect: 1,
    match: /lost at hop 1 \(nginx/,
  },
  {
    name: 'invalid: + SECURE_SSL_REDIRECT is a redirect loop (critical)',
    files: deployment(
      site({ headers: ['proxy_set_header Host $host;'] }),
      gunicornUnit(),
      settings(['SECURE_SSL_REDIRECT = True']),
    ),
    expect: 1,
    match: /ERR_TOO_MANY_REDIRECTS/,
  },
  {
    name: 'invalid: location drops the server-level header (inheritance trap)',
    files: deployment(
      site({
        serverHeaders: ['proxy_set_header X-Forwarded-Proto $scheme;'],
        headers: ['proxy_set_header X-Request-ID $request_id;'],
      }),
    ),
    expect: 1,
    match: /stops inheriting/,
  },
  {
    name: 'invalid: gunicorn on another host ignores the header (default forwarded_allow_ips)',
    files: deployment(site({ pass: 'http://10.0.0.5:8000' }), gunicornUnit({ bind: '0.0.0.0:8000' })),
    expect: 1,
    match: /lost at hop 2 \(gunicorn/,
  },
  {
    name: 'valid: X-Forwarded-Proto $scheme, gunicorn on 127.0.0.1 (no SECURE_PROXY_SSL_HEADER needed today)',
    files: deployment(site()),
    expect: 0,
  },
  {
    name: 'valid: another host, but Django reads SECURE_PROXY_SSL_HEADER',
    files: deployment(
      site({ pass: 'http://10.0.0.5:8000' }),
      gunicornUnit({ bind: '10.0.0.5:8000' }),
      settings(["SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')"]),
    ),
    expect: 0,
  },
  {
    name: 'trap: a plain-HTTP server that only redirects is not a route',
    files: deployment(`server { listen 80; server_name app.example.com; return 301 https://$host$request_uri; }\n${site()}`),
    expect: 0,
  },
  {
    name: 'trap: a location that re-sets every header it needs',
    files: deployment(
      site({
        serverHeaders: ['proxy_set_header X-Forwarded-Proto $scheme;'],
        headers: [
          'proxy_set_header X-Request-ID $request_id;',
          'proxy_set_header X-Forwarded-Proto $scheme;',
          'proxy_set_header Host $host;',
        ],
      }),
    ),
    expect: 0,
  },
  {
    name: 'trap: unix socket upstream is trusted by gunicorn',
    files: deployment(site({ pass: 'http://unix:/run/gunicorn.sock' }), gunicornUnit({ bind: 'unix:/run/gunicorn.sock' })),
    expect: 0,
  },
];

describe(ID, () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const got = await findingsFor(ID, c);
      assert.equal(got.length, c.expect, got.map((f) => f.message).join('\n'));
      if (c.match) assert.match(got[0]?.message ?? '', c.match);
    });
  }
});
