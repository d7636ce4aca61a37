import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sslDirectiveRemoved } from '../../../src/checks/nginx/ssl-directive-removed.js';
import { factsFromText, summary } from './harness.js';

// No mechanical fix (two lines change together), so the table runs without the fix loop.
const ID = 'nginx/ssl-directive-removed';
const CASES: { name: string; config: string; expect: string[] }[] = [
  {
    name: 'ssl on; in the server',
    config: 'server {\n  listen 443;\n  ssl on;\n  location / { proxy_pass http://a; }\n}',
    expect: [`${ID}@3`],
  },
  {
    name: 'ssl on; at the http level applies to its servers (reported once)',
    config: 'http {\n  ssl on;\n  server {\n    listen 443;\n  }\n  server {\n    listen 8443;\n  }\n}',
    expect: [`${ID}@2`],
  },
  { name: 'trap: listen 443 ssl', config: 'server {\n  listen 443 ssl;\n}', expect: [] },
  { name: 'trap: ssl off', config: 'server {\n  listen 80;\n  ssl off;\n}', expect: [] },
];

for (const c of CASES)
  test(`${ID}: ${c.expect.length ? 'invalid' : 'valid'}: ${c.name}`, () => {
    const found = sslDirectiveRemoved.run(factsFromText(c.config));
    assert.deepEqual(summary(found), c.expect);
    for (const f of found) {
      assert.equal(f.severity, 'low');
      assert.equal(f.fix?.file, undefined, 'no mechanical fix');
      assert.match(f.fix?.description ?? '', /listen 443 ssl/);
    }
  });
