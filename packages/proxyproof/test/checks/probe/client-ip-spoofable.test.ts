import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientIpSpoofable as check } from '../../../src/checks/probe/client-ip-spoofable.js';
import { FORGED, type ProbeFacts } from '../../../src/probe/types.js';
import { facts, resp } from './cases.js';

const cases: Array<{ name: string; facts: ProbeFacts; expect: { count: number; severity?: string; message?: RegExp } }> = [
  {
    name: 'invalid: the page echoes the forged address',
    facts: facts(resp(200, { body: 'you are 198.51.100.1' }), { client: resp(200, { body: `you are ${FORGED.ip}` }) }),
    expect: { count: 1, severity: 'medium', message: /198\.18\.0\.77 in the body/ },
  },
  {
    name: 'invalid: a debug header echoes it',
    facts: facts(resp(200, { headers: { 'x-client-ip': '198.51.100.1' } }), {
      client: resp(200, { headers: { 'x-client-ip': FORGED.ip } }),
    }),
    expect: { count: 1, message: /a response header/ },
  },
  {
    name: 'invalid (low): loopback from this host',
    facts: facts(
      resp(200, { body: '127.0.0.1' }),
      { client: resp(200, { body: FORGED.ip }) },
      { backend: 'http://127.0.0.1:8000/' },
    ),
    expect: { count: 1, severity: 'low' },
  },
  {
    name: 'invalid: one trusted hop takes the right-most forged address',
    facts: facts(resp(200, { body: '{"remote_addr":"198.51.100.1"}' }), {
      client: resp(200, { body: `{"remote_addr":"${FORGED.ip2}"}` }),
    }),
    expect: { count: 1, message: /198\.18\.0\.78 in the body/ },
  },
  {
    name: 'invalid: the raw headers echoed AND the left-most address believed',
    facts: facts(resp(200, { body: '{"remote_addr":"198.51.100.1","x_forwarded_for":null}' }), {
      client: resp(200, {
        body: `{"remote_addr":"${FORGED.ip}","x_forwarded_for":"${FORGED.ip}, ${FORGED.ip2}","forwarded":"for=${FORGED.ip}"}`,
      }),
    }),
    expect: { count: 1, message: /198\.18\.0\.77 in the body/ },
  },
  {
    name: 'valid (trap): a debug page echoes the raw X-Forwarded-For and Forwarded, the client is the real peer',
    facts: facts(resp(200, { body: '{"remote_addr":"198.51.100.1","x_forwarded_for":null}' }), {
      client: resp(200, {
        body: `{"remote_addr":"198.51.100.1","x_forwarded_for":"${FORGED.ip}, ${FORGED.ip2}","forwarded":"for=${FORGED.ip}"}`,
        headers: { 'x-echo-forwarded': `for=${FORGED.ip}` },
      }),
    }),
    expect: { count: 0 },
  },
  {
    name: 'valid: the real peer is shown',
    facts: facts(resp(200, { body: '198.51.100.1' }), { client: resp(200, { body: '198.51.100.1' }) }),
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): nothing echoed at all',
    facts: facts(resp(200, { body: 'hello' }), { client: resp(200, { body: 'hello' }) }),
    expect: { count: 0 },
  },
  { name: 'valid (trap): forged request failed', facts: facts(resp(200), {}), expect: { count: 0 } },
];

for (const c of cases)
  test(`probe/client-ip-spoofable: ${c.name}`, () => {
    const out = check.run(c.facts);
    assert.equal(out.length, c.expect.count, out.map((f) => f.message).join('\n'));
    if (c.expect.count === 0) return;
    if (c.expect.severity) assert.equal(out[0]?.severity, c.expect.severity);
    if (c.expect.message) assert.match(out[0]?.message ?? '', c.expect.message);
  });
