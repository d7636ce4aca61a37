import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Case, deployment, findingsFor, gunicornUnit, site } from './cases.js';

const ID = 'chain/link-unresolved';
const CASES: Case[] = [
  {
    name: 'invalid: proxy_pass to a compose name with no compose file',
    files: deployment(site({ pass: 'http://web:8000' })),
    expect: 1,
    match: /could not find the app server listening on web:8000/,
  },
  {
    name: 'invalid: gunicorn binds ::1 but nginx proxies to 127.0.0.1',
    files: deployment(site(), gunicornUnit({ bind: '[::1]:8000' })),
    expect: 1,
    match: /127\.0\.0\.1:8000/,
  },
  { name: 'invalid: the port differs', files: deployment(site({ pass: 'http://127.0.0.1:8001' })), expect: 1 },
  { name: 'valid: localhost reaches 127.0.0.1', files: deployment(site({ pass: 'http://localhost:8000' })), expect: 0 },
  {
    name: 'valid: 127.0.0.1 reaches a 0.0.0.0 bind',
    files: deployment(site(), gunicornUnit({ bind: '0.0.0.0:8000' })),
    expect: 0,
  },
  {
    name: 'trap: an upstream block naming the socket',
    files: deployment(
      `upstream app { server unix:/run/g.sock; }\n${site({ pass: 'http://app' })}`,
      gunicornUnit({ bind: 'unix:/run/g.sock' }),
    ),
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
