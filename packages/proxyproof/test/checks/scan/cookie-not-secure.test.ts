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
      page(A, { cookies: [c('csrftoken=abc; Max-Age=31449600; Path=/; SameSite=Lax')] }),
      page(`${A}b`, { cookies: [c('csrftoken=abc; Max-Age=31449600; Path=/', `${A}b`)] }),
    ]),
    count: 1,
    expect: ([f]) => {
      assert.match(f!.message, /CSRF_COOKIE_SECURE/);
      assert.match(f!.fix!.description, /CSRF_COOKIE_SECURE = True/);
      assert.equal(f!.evidence.length, 2);
      assert.doesNotMatch(f!.evidence[0]!.snippet!, /abc/, 'the value is not printed');
    },
  },
  // Django is named only on evidence: its default Max-Age on its cookie name, or both of its cookie names.
  {
    name: 'trap: a sessionid cookie alone is no evidence of Django (any framework may name it so): generic advice',
    facts: facts([page(A, { cookies: [c('sessionid=1; Path=/; HttpOnly')] })]),
    count: 1,
    expect: ([f]) => {
      assert.doesNotMatch(f!.message, /Django|SESSION_COOKIE_SECURE/);
      assert.equal(f!.fix!.description, 'add the Secure attribute');
    },
  },
  {
    name: 'trap: csrftoken with a non-default lifetime and no sessionid: generic advice',
    facts: facts([page(A, { cookies: [c('csrftoken=1; Max-Age=3600; Path=/')] })]),
    count: 1,
    expect: ([f]) => assert.doesNotMatch(`${f!.message} ${f!.fix!.description}`, /Django|CSRF_COOKIE_SECURE/),
  },
  {
    name: "sessionid with Django's default two weeks: SESSION_COOKIE_SECURE",
    facts: facts([page(A, { cookies: [c('sessionid=1; Max-Age=1209600; Path=/; HttpOnly')] })]),
    count: 1,
    expect: ([f]) => assert.match(f!.message, /Django: SESSION_COOKIE_SECURE is off/),
  },
  {
    name: 'csrftoken and sessionid on different pages of one site: both name their setting',
    facts: facts([
      page(A, { cookies: [c('csrftoken=1; Path=/')] }),
      page(`${A}login/`, { cookies: [c('sessionid=1; Path=/', `${A}login/`)] }),
    ]),
    count: 2,
    expect: (fs) => {
      assert.match(fs.find((f) => f.data?.cookie === 'csrftoken')!.fix!.description, /CSRF_COOKIE_SECURE/);
      assert.match(fs.find((f) => f.data?.cookie === 'sessionid')!.fix!.description, /SESSION_COOKIE_SECURE/);
    },
  },
  {
    name: 'cookie set on a redirect hop of an https URL',
    facts: facts([page(`${A}login/`, { cookies: [c('sessionid=1; Path=/', `${A}login/`)] })]),
    count: 1,
  },
  // HSTS on the response that sets the cookie (RFC 6797 8.3): the browser never sends the host plain http.
  {
    name: 'info: host-only session cookie on a response with HSTS of a year',
    facts: facts([page(A, { hsts: 'max-age=31536000', cookies: [c('sessionid=1; Path=/; HttpOnly')] })]),
    count: 1,
    expect: ([f]) => {
      assert.equal(f!.severity, 'info');
      assert.match(f!.message, /Strict-Transport-Security \(max-age=31536000\)/);
    },
  },
  {
    name: 'trap: HSTS of a day, cookie Max-Age of two weeks: medium',
    facts: facts([page(A, { hsts: 'max-age=86400', cookies: [c('sessionid=1; Max-Age=1209600; Path=/')] })]),
    count: 1,
    expect: ([f]) => assert.equal(f!.severity, 'medium'),
  },
  {
    name: 'trap: Domain cookie and HSTS without includeSubDomains: medium',
    facts: facts([page(A, { hsts: 'max-age=31536000', cookies: [c('sid=1; Domain=app.test; Path=/')] })]),
    count: 1,
    expect: ([f]) => assert.equal(f!.severity, 'medium'),
  },
  {
    name: 'info: Domain cookie for the host itself under includeSubDomains',
    facts: facts([page(A, { hsts: 'max-age=31536000; includeSubDomains', cookies: [c('sid=1; Domain=.app.test')] })]),
    count: 1,
    expect: ([f]) => assert.equal(f!.severity, 'info'),
  },
  {
    name: 'trap: one of two pages that set it has no HSTS (a location with its own add_header): medium',
    facts: facts([
      page(A, { hsts: 'max-age=31536000', cookies: [c('sessionid=1')] }),
      page(`${A}b`, { cookies: [c('sessionid=1', `${A}b`)] }),
    ]),
    count: 1,
    expect: ([f]) => assert.equal(f!.severity, 'medium'),
  },
  {
    name: 'trap: Expires without Max-Age (lifetime not known here): medium',
    facts: facts([page(A, { hsts: 'max-age=31536000', cookies: [c('sessionid=1; Expires=Wed, 01 Jan 2031 00:00:00 GMT')] })]),
    count: 1,
    expect: ([f]) => assert.equal(f!.severity, 'medium'),
  },
]);
