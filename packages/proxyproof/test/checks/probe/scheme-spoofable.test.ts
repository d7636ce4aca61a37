import assert from 'node:assert/strict';
import { test } from 'node:test';
import { schemeSpoofable as check } from '../../../src/checks/probe/scheme-spoofable.js';
import type { ProbeFacts } from '../../../src/probe/types.js';
import { facts, resp } from './cases.js';

const page = (scheme: string, token: string) =>
  `<link href="${scheme}://app.test/static/site.css"><form action="${scheme}://app.test/submit/"><input value="${token}">`;

const cases: Array<{ name: string; facts: ProbeFacts; expect: { count: number; severity?: string; message?: RegExp } }> = [
  {
    name: 'invalid: the redirect to https disappears',
    facts: facts(resp(301, { location: 'https://app.test/' }), { scheme: resp(200, { body: 'ok' }) }),
    expect: { count: 1, severity: 'high', message: /redirect to https:\/\/app\.test\/ disappears \(HTTP 301 -> 200\)/ },
  },
  {
    name: 'invalid: absolute URLs switch to https (Django build_absolute_uri)',
    facts: facts(resp(200, { body: page('http', 'a1') }), { scheme: resp(200, { body: page('https', 'b2') }) }),
    expect: { count: 1, message: /absolute URLs in the page switch to https \(2 http:\/\/ -> 0/ },
  },
  {
    name: 'invalid: a cookie becomes Secure',
    facts: facts(resp(200, { cookies: ['csrftoken=a; Path=/'] }), {
      scheme: resp(200, { cookies: ['csrftoken=b; Path=/; Secure'] }),
    }),
    expect: { count: 1, message: /cookie csrftoken becomes Secure/ },
  },
  {
    name: "invalid: the redirect's scheme changes",
    facts: facts(resp(302, { location: 'http://app.test/login/' }), {
      scheme: resp(302, { location: 'https://app.test/login/' }),
    }),
    expect: { count: 1, message: /redirect's scheme changes/ },
  },
  {
    name: 'invalid (low): loopback from this host',
    facts: facts(resp(301, { location: 'https://app.test/' }), { scheme: resp(200) }, { backend: 'http://127.0.0.1:8000/' }),
    expect: { count: 1, severity: 'low', message: /only local processes/ },
  },
  {
    name: 'valid: same answer both ways (header ignored)',
    facts: facts(resp(200, { body: page('http', 'a1'), cookies: ['csrftoken=a'] }), {
      scheme: resp(200, { body: page('http', 'zz'), cookies: ['csrftoken=b'] }),
    }),
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): always redirects to https, forged or not',
    facts: facts(resp(301, { location: 'https://app.test/' }), { scheme: resp(301, { location: 'https://app.test/' }) }),
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): only a CSRF token and a date differ',
    facts: facts(resp(200, { body: `${page('https', 'tok1')} 10:00` }), {
      scheme: resp(200, { body: `${page('https', 'tok2')} 10:01` }),
    }),
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): a new Secure cookie the baseline never set (session created on this hit)',
    facts: facts(resp(200), { scheme: resp(200, { cookies: ['sid=1; Secure'] }) }),
    expect: { count: 0 },
  },
  {
    name: 'valid: backend unreachable, nothing compared',
    facts: facts(undefined, {}),
    expect: { count: 0 },
  },
];

for (const c of cases)
  test(`probe/scheme-spoofable: ${c.name}`, () => {
    const out = check.run(c.facts);
    assert.equal(out.length, c.expect.count, out.map((f) => f.message).join('\n'));
    if (c.expect.count === 0) return;
    const f = out[0]!;
    if (c.expect.severity) assert.equal(f.severity, c.expect.severity);
    if (c.expect.message) assert.match(f.message, c.expect.message);
    assert.equal(f.evidence.length, 2, 'both responses side by side');
    assert.match(f.evidence[0]?.note ?? '', /^baseline/);
    assert.match(f.evidence[1]?.note ?? '', /^forged/);
  });
