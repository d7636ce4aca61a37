import assert from 'node:assert/strict';
import { insecureWebsocket } from '../../../src/checks/scan/insecure-websocket.js';
import { caseTable, facts, page, ref } from './fixtures.js';

const A = 'https://app.test/';
caseTable(insecureWebsocket, [
  { name: 'no websocket', facts: facts([page(A)]), count: 0 },
  {
    name: 'trap: wss:// is never recorded as insecure; an http fetch is another check',
    facts: facts([page(A, { insecure: [ref('http://app.test/api', 'blocked', 'browser')] })]),
    count: 0,
  },
  {
    name: 'ws:// opened by a script (browser)',
    facts: facts([page(A, { observed: [ref('ws://app.test/live', 'websocket', 'websocket', { source: 'browser' })] })], {
      engine: 'browser',
    }),
    count: 1,
    expect: ([f]) => assert.match(f!.message, /opened by a script/),
  },
  {
    name: 'ws:// literal in an inline script (static)',
    facts: facts([page(A, { insecure: [ref('ws://app.test/live', 'websocket', 'websocket')] })]),
    count: 1,
  },
]);
