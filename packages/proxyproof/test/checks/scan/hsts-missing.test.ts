import assert from 'node:assert/strict';
import { hstsMissing } from '../../../src/checks/scan/hsts-missing.js';
import { parseSetCookie } from '../../../src/scan/cookies.js';
import { caseTable, facts, page } from './fixtures.js';

const A = 'https://app.test/';
caseTable(hstsMissing, [
  { name: 'one year', facts: facts([page(A, { hsts: 'max-age=31536000; includeSubDomains' })]), count: 0 },
  { name: 'trap: quoted max-age is valid', facts: facts([page(A, { hsts: 'max-age="31536000"' })]), count: 0 },
  {
    name: 'trap: no https page answered (redirect loop): nothing to judge',
    facts: facts([page(A, { redirectLoop: 'revisit', status: 301 })]),
    count: 0,
  },
  { name: 'absent', facts: facts([page(A)]), count: 1 },
  {
    name: 'absent on a Django site: evidence that the app believes http',
    facts: facts([page(A, { cookies: [parseSetCookie('csrftoken=1; Max-Age=31449600; Path=/', A)!] })]),
    count: 1,
    expect: ([f]) => {
      assert.match(f!.message, /Django site \(a csrftoken cookie with Django's default Max-Age=31449600\).*is_secure/);
      assert.equal(f!.data?.djangoHint, true);
      assert.match(f!.fix?.description ?? '', /for Django, set SECURE_HSTS_SECONDS/);
    },
  },
  {
    name: 'trap: absent, a sessionid cookie alone: not called a Django site',
    facts: facts([page(A, { cookies: [parseSetCookie('sessionid=1; Path=/; HttpOnly', A)!] })]),
    count: 1,
    expect: ([f]) => {
      assert.doesNotMatch(f!.message, /Django|is_secure/);
      assert.equal(f!.data?.djangoHint, false);
      assert.doesNotMatch(f!.fix?.description ?? '', /Django|SECURE_HSTS_SECONDS/);
    },
  },
  {
    name: 'weak: one hour',
    facts: facts([page(A, { hsts: 'max-age=3600' })]),
    count: 1,
    expect: ([f]) => assert.match(f!.message, /under 180 days/),
  },
  { name: 'max-age=0 removes the policy', facts: facts([page(A, { hsts: 'max-age=0' })]), count: 1 },
  { name: 'malformed: no max-age', facts: facts([page(A, { hsts: 'includeSubDomains' })]), count: 1 },
  { name: 'malformed: repeated directive', facts: facts([page(A, { hsts: 'max-age=31536000; max-age=31536000' })]), count: 1 },
]);
