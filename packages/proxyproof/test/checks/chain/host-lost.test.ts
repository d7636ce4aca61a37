import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Case, deployment, findingsFor, site } from './cases.js';

const ID = 'chain/host-lost';
const CASES: Case[] = [
  {
    name: 'invalid: Host $host on :8443 loses the port',
    files: deployment(
      site({ listen: '8443 ssl', headers: ['proxy_set_header Host $host;', 'proxy_set_header X-Forwarded-Proto $scheme;'] }),
    ),
    expect: 1,
    match: /app\.example\.com instead of app\.example\.com:8443/,
  },
  {
    name: 'invalid: no Host header at all sends $proxy_host',
    files: deployment(site({ headers: ['proxy_set_header X-Forwarded-Proto $scheme;'] })),
    expect: 1,
    match: /127\.0\.0\.1:8000/,
  },
  {
    name: 'valid: Host $http_host on :8443 keeps the port',
    files: deployment(
      site({ listen: '8443 ssl', headers: ['proxy_set_header Host $http_host;', 'proxy_set_header X-Forwarded-Proto $scheme;'] }),
    ),
    expect: 0,
  },
  { name: 'trap: Host $host on the default port 443 is fine', files: deployment(site()), expect: 0 },
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
