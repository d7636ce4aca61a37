import assert from 'node:assert/strict';
import { cookieNotSecure } from '../../../src/checks/scan/cookie-not-secure.js';
import { parseSetCookie } from '../../../src/scan/cookies.js';
import { caseTable, facts, page } from './fixtures.js';

const A = 'https://app.test/';
const c = (line: string, url = A) => parseSetCookie(line, url)!;
caseTable(cookieNotSecure, [
  { name: 'Secure cookie', facts: facts([page(A, { cookies: [c('sessionid=abc; Path=/; Secure; HttpOnly')] })]), count: 0 },
  {
    name: 'trap: cookie set on a plain http response (not this check)',
    facts: facts([page('http://app.test/', { cookies: [c('a=1', 'http://app.test/')] })]),
    count: 0,
  },
  { name: 'trap: __Secure- prefix has its own check', facts: facts([page(A, { cookies: [c('__Secure-x=1')] })]), count: 0 },
  { name: 'trap: SameSite=None has its own check', facts: facts([page(A, { cookies: [c('x=1; SameSite=None')] })]), count: 0 },
  {
    name: 'Django csrftoken without Secure, on two pages: one finding naming the setting',
    facts: facts([
      page(A, { cookies: [c('csrftoken=abc; Path=/; SameSite=Lax')] }),
      page(`${A}b`, { cookies: [c('csrftoken=abc; Path=/', `${A}b`)] }),
    ]),
    count: 1,
    expect: ([f]) => {
      assert.match(f!.message, /CSRF_COOKIE_SECURE/);
      assert.equal(f!.evidence.length, 2);
      assert.doesNotMatch(f!.evidence[0]!.snippet!, /abc/, 'the value is not printed');
    },
  },
  {
    name: 'cookie set on a redirect hop of an https URL',
    facts: facts([page(`${A}login/`, { cookies: [c('sessionid=1; Path=/', `${A}login/`)] })]),
    count: 1,
  },
]);
