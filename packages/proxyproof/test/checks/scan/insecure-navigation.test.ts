import assert from 'node:assert/strict';
import { insecureNavigation } from '../../../src/checks/scan/insecure-navigation.js';
import { caseTable, facts, page, ref } from './fixtures.js';

const A = 'https://app.test/';
caseTable(insecureNavigation, [
  { name: 'no links', facts: facts([page(A)]), count: 0 },
  {
    name: 'trap: a blocked script is not navigation',
    facts: facts([page(A, { insecure: [ref('http://app.test/s.js', 'blocked', 'script')] })]),
    count: 0,
  },
  {
    name: 'link to http:// (info)',
    facts: facts([page(A, { insecure: [ref('http://partner.example/', 'navigation', 'link')] })]),
    count: 1,
    expect: ([f]) => assert.equal(f!.severity, 'info'),
  },
  {
    name: 'meta refresh to http://',
    facts: facts([page(A, { insecure: [ref('http://app.test/next', 'navigation', 'meta-refresh')] })]),
    count: 1,
    expect: ([f]) => assert.match(f!.message, /^meta refresh/),
  },
]);
