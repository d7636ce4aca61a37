import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backendReachable as check } from '../../../src/checks/probe/backend-reachable.js';
import type { ProbeFacts } from '../../../src/probe/types.js';
import { facts, resp } from './cases.js';

const cases: Array<{ name: string; facts: ProbeFacts; expect: { count: number; severity?: string; message?: RegExp } }> = [
  {
    name: 'invalid: answers on a network address',
    facts: facts(resp(200), {}),
    expect: { count: 1, severity: 'medium', message: /answers HTTP 200 from this host/ },
  },
  {
    name: 'invalid: answers from another network namespace, even on an error page',
    facts: facts(resp(400), {}, { netns: 'pplab-0-outside' }),
    expect: { count: 1, severity: 'medium', message: /from pplab-0-outside/ },
  },
  {
    name: 'info (trap): loopback from this host is what a local proxy needs',
    facts: facts(resp(200), {}, { backend: 'http://127.0.0.1:8000/' }),
    expect: { count: 1, severity: 'info' },
  },
  { name: 'valid: connection refused', facts: facts(undefined, {}), expect: { count: 0 } },
  { name: 'valid: timeout', facts: facts(undefined, {}, { error: 'no answer within 5000 ms' }), expect: { count: 0 } },
];

for (const c of cases)
  test(`probe/backend-reachable: ${c.name}`, () => {
    const out = check.run(c.facts);
    assert.equal(out.length, c.expect.count);
    if (c.expect.count === 0) return;
    if (c.expect.severity) assert.equal(out[0]?.severity, c.expect.severity);
    if (c.expect.message) assert.match(out[0]?.message ?? '', c.expect.message);
  });
