import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostSpoofable as check } from '../../../src/checks/probe/host-spoofable.js';
import { FORGED, type ProbeFacts } from '../../../src/probe/types.js';
import { facts, resp } from './cases.js';

const cases: Array<{ name: string; facts: ProbeFacts; expect: { count: number; severity?: string; message?: RegExp } }> = [
  {
    name: 'invalid: the redirect goes to the forged host',
    facts: facts(resp(301, { location: 'https://app.test/' }), { host: resp(301, { location: `https://${FORGED.host}/` }) }),
    expect: { count: 1, severity: 'high', message: /in the Location header/ },
  },
  {
    name: 'invalid: absolute links name the forged host',
    facts: facts(resp(200, { body: '<a href="http://app.test/x">' }), {
      host: resp(200, { body: `<a href="http://${FORGED.host}/x">` }),
    }),
    expect: { count: 1, message: /in the body/ },
  },
  {
    name: 'invalid: cookie domain from the header',
    facts: facts(resp(200), { host: resp(200, { cookies: [`sid=1; Domain=${FORGED.host}`] }) }),
    expect: { count: 1, message: /a Set-Cookie/ },
  },
  {
    name: 'valid: host ignored',
    facts: facts(resp(200, { body: 'http://app.test/' }), { host: resp(200, { body: 'http://app.test/' }) }),
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): 400 Bad Request that does not echo the host',
    facts: facts(resp(200), { host: resp(400, { body: 'Bad Request (400)' }) }),
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): the baseline already shows the name (a page about it)',
    facts: facts(resp(200, { body: FORGED.host }), { host: resp(200, { body: FORGED.host }) }),
    expect: { count: 0 },
  },
];

for (const c of cases)
  test(`probe/host-spoofable: ${c.name}`, () => {
    const out = check.run(c.facts);
    assert.equal(out.length, c.expect.count, out.map((f) => f.message).join('\n'));
    if (c.expect.count === 0) return;
    if (c.expect.severity) assert.equal(out[0]?.severity, c.expect.severity);
    if (c.expect.message) assert.match(out[0]?.message ?? '', c.expect.message);
    assert.equal(out[0]?.evidence.length, 2);
  });
