import assert from 'node:assert/strict';
import { insecureBaseHref } from '../../../src/checks/scan/insecure-base-href.js';
import { caseTable, facts, page, ref } from './fixtures.js';

const A = 'https://app.test/';
caseTable(insecureBaseHref, [
  { name: 'no base', facts: facts([page(A)]), count: 0 },
  { name: 'trap: https base is fine (never recorded)', facts: facts([page(A, { baseHref: 'https://app.test/' })]), count: 0 },
  {
    name: 'http base makes relative URLs http',
    facts: facts([
      page(A, {
        baseHref: 'http://app.test/',
        insecure: [
          ref('http://app.test/', 'base', 'base'),
          ref('http://app.test/app.js', 'blocked', 'script', { viaBase: true }),
          ref('http://app.test/a.css', 'blocked', 'stylesheet', { viaBase: true }),
        ],
      }),
    ]),
    count: 1,
    expect: ([f]) => {
      assert.match(f!.message, /makes 2 relative URLs/);
      assert.equal(f!.data?.cause, 'backend-generated');
    },
  },
]);
