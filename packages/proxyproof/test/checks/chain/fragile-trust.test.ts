import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Case, deployment, findingsFor, gunicornUnit, settings, site } from './cases.js';

const ID = 'chain/fragile-trust';
const CASES: Case[] = [
  {
    name: 'invalid: correct only through gunicorn trusting 127.0.0.1 by default',
    files: deployment(site()),
    expect: 1,
    match: /SECURE_PROXY_SSL_HEADER|read the scheme/,
  },
  {
    name: 'invalid: unix socket trust is fragile too',
    files: deployment(site({ pass: 'http://unix:/run/g.sock' }), gunicornUnit({ bind: 'unix:/run/g.sock' })),
    expect: 1,
  },
  {
    name: 'valid: Django reads SECURE_PROXY_SSL_HEADER itself',
    files: deployment(site(), gunicornUnit(), settings(["SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')"])),
    expect: 0,
  },
  {
    name: 'invalid: a broken chain: after its required fix, the chain still rests on the default trust',
    files: deployment(site({ headers: ['proxy_set_header Host $host;'] })),
    expect: 1,
  },
  {
    name: 'trap: explicit forwarded_allow_ips naming the proxy is not the default',
    files: deployment(site(), gunicornUnit({ extra: '--forwarded-allow-ips=127.0.0.1' })),
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
