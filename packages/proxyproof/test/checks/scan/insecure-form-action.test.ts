import assert from 'node:assert/strict';
import { insecureFormAction } from '../../../src/checks/scan/insecure-form-action.js';
import { caseTable, facts, page, ref } from './fixtures.js';

const A = 'https://app.test/';
caseTable(insecureFormAction, [
  { name: 'no form', facts: facts([page(A)]), count: 0 },
  {
    name: 'trap: a navigation link to http:// is not a form',
    facts: facts([page(A, { insecure: [ref('http://app.test/x', 'navigation', 'link')] })]),
    count: 0,
  },
  {
    name: 'form action http://, the only same-host absolute URL: hard-coded',
    facts: facts([
      page(A, {
        linkStats: { sameHostHttp: 1, sameHostHttps: 2, relative: 4 },
        insecure: [ref('http://app.test/submit/', 'form', 'form-action')],
      }),
    ]),
    count: 1,
    expect: ([f]) => assert.equal(f!.data?.cause, 'hard-coded'),
  },
  {
    name: 'form action http:// with a canonical link on http://: backend-generated',
    facts: facts([
      page(A, {
        canonical: 'http://app.test/',
        linkStats: { sameHostHttp: 2, sameHostHttps: 0, relative: 4 },
        insecure: [ref('http://app.test/submit/', 'form', 'form-action')],
      }),
    ]),
    count: 1,
    expect: ([f]) => assert.equal(f!.data?.cause, 'backend-generated'),
  },
  {
    name: 'same form on two pages: one finding',
    facts: facts([
      page(A, { insecure: [ref('http://other.example/submit', 'form', 'form-action')] }),
      page('https://app.test/2', { insecure: [ref('http://other.example/submit', 'form', 'form-action')] }),
    ]),
    count: 1,
  },
]);
