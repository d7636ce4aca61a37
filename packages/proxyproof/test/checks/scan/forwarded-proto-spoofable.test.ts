import assert from 'node:assert/strict';
import { forwardedProtoSpoofable } from '../../../src/checks/scan/forwarded-proto-spoofable.js';
import { caseTable, facts, page } from './fixtures.js';

const P = [page('https://app.test/')];
caseTable(forwardedProtoSpoofable, [
  { name: 'not run (no --confirm-cause)', facts: facts(P), count: 0 },
  {
    name: 'trap: the header changed nothing (proxy overwrites it, or URLs hard-coded)',
    facts: facts(P, {
      confirm: [{ page: 'https://app.test/', before: ['http://app.test/a.css'], after: ['http://app.test/a.css'] }],
    }),
    count: 0,
  },
  {
    name: 'client header turned http:// URLs into https://',
    facts: facts(P, {
      confirm: [{ page: 'https://app.test/', before: ['http://app.test/a.css', 'http://app.test/submit/'], after: [] }],
    }),
    count: 1,
    expect: ([f]) => assert.match(f!.message, /2 http:\/\/ URL\(s\) became https/),
  },
]);
