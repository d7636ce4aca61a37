import assert from 'node:assert/strict';
import { mixedContentUpgraded } from '../../../src/checks/scan/mixed-content-upgraded.js';
import { caseTable, facts, page, ref } from './fixtures.js';

const A = 'https://app.test/';
caseTable(mixedContentUpgraded, [
  { name: 'https image', facts: facts([page(A)]), count: 0 },
  {
    name: 'trap: a blocked script is another check',
    facts: facts([page(A, { insecure: [ref('http://app.test/s.js', 'blocked', 'script')] })]),
    count: 0,
  },
  {
    name: 'upgraded image on the default port: medium',
    facts: facts([page(A, { insecure: [ref('http://app.test/a.png', 'upgraded', 'img')] })]),
    count: 1,
    expect: ([f]) => assert.equal(f!.severity, 'medium'),
  },
  {
    name: 'upgraded image keeps its port: high, says the port',
    facts: facts([page(A, { insecure: [ref('http://app.test:8080/a.png', 'upgraded', 'img')] })]),
    count: 1,
    expect: ([f]) => {
      assert.equal(f!.severity, 'high');
      assert.match(f!.message, /keeps port 8080/);
    },
  },
  {
    name: 'IP-address image: loaded with a warning, never upgraded',
    facts: facts([page(A, { insecure: [ref('http://192.0.2.7/a.png', 'warning', 'img')] })]),
    count: 1,
    expect: ([f]) => assert.match(f!.message, /never upgrades an IP-address URL/),
  },
  {
    name: 'CSS image in a stylesheet: hard-coded',
    facts: facts([
      page(A, {
        insecure: [
          ref('http://app.test/bg.png', 'upgraded', 'css-image', { source: 'css', doc: 'https://app.test/s.css', line: 3 }),
        ],
      }),
    ]),
    count: 1,
    expect: ([f]) => {
      assert.equal(f!.data?.cause, 'hard-coded');
      assert.equal(f!.evidence[0]!.file, 'https://app.test/s.css');
    },
  },
]);
