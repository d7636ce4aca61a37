import assert from 'node:assert/strict';
import { mixedContentBlocked } from '../../../src/checks/scan/mixed-content-blocked.js';
import { parseSetCookie } from '../../../src/scan/cookies.js';
import { caseTable, facts, page, ref } from './fixtures.js';

const A = 'https://app.test/';
/** A page whose http:// script and form come from the backend (canonical on http), with one cookie. */
const backendGenerated = (cookie: string) =>
  page(A, {
    canonical: 'http://app.test/',
    linkStats: { sameHostHttp: 3, sameHostHttps: 0, relative: 1 },
    cookies: [parseSetCookie(cookie, A)!],
    insecure: [ref('http://app.test/s.js', 'blocked', 'script'), ref('http://app.test/submit', 'form', 'form-action')],
  });
caseTable(mixedContentBlocked, [
  { name: 'no insecure URL', facts: facts([page(A)]), count: 0 },
  {
    name: 'only an upgraded image (another check)',
    facts: facts([page(A, { insecure: [ref('http://app.test/a.png', 'upgraded', 'img')] })]),
    count: 0,
  },
  {
    name: 'trap: CSP upgrade-insecure-requests hides it from Chromium (masked check reports it)',
    facts: facts([
      page(A, {
        csp: ['default-src https:; upgrade-insecure-requests'],
        insecure: [ref('http://app.test/s.js', 'blocked', 'script')],
      }),
    ]),
    count: 0,
  },
  {
    name: 'trap: browser engine saw nothing although the raw HTML had it (browser wins)',
    facts: facts([page(A, { observed: [], insecure: [ref('http://app.test/s.js', 'blocked', 'script')] })], {
      engine: 'browser',
    }),
    count: 0,
  },
  {
    name: 'same-host script, backend-generated (form and canonical on http)',
    facts: facts([
      page(A, {
        canonical: 'http://app.test/',
        linkStats: { sameHostHttp: 3, sameHostHttps: 0, relative: 1 },
        insecure: [ref('http://app.test/s.js', 'blocked', 'script'), ref('http://app.test/submit', 'form', 'form-action')],
      }),
    ]),
    count: 1,
    expect: ([f]) => {
      assert.equal(f!.data?.cause, 'backend-generated');
      assert.match(f!.message, /X-Forwarded-Proto/);
      // No cookie shows Django: the trust advice names no framework's setting as the answer.
      assert.doesNotMatch(f!.fix?.description ?? '', /Django|SECURE_PROXY_SSL_HEADER/);
      assert.match(f!.fix?.description ?? '', /--forwarded-allow-ips.*trust proxy/);
    },
  },
  {
    name: "backend-generated on a site whose csrftoken has Django's default Max-Age: Django's setting named",
    facts: facts([backendGenerated('csrftoken=1; Max-Age=31449600; Path=/')]),
    count: 1,
    expect: ([f]) => assert.match(f!.fix?.description ?? '', /Django: SECURE_PROXY_SSL_HEADER/),
  },
  {
    name: 'trap: backend-generated, a sessionid cookie alone (any framework names it so): Django not named',
    facts: facts([backendGenerated('sessionid=1; Path=/; HttpOnly')]),
    count: 1,
    expect: ([f]) => assert.doesNotMatch(f!.fix?.description ?? '', /Django/),
  },
  {
    name: 'deduplicated across pages, each page listed',
    facts: facts([
      page(A, { insecure: [ref('https://cdn.example.net/x.js'.replace('https', 'http'), 'blocked', 'script')] }),
      page('https://app.test/b', {
        insecure: [ref('http://cdn.example.net/x.js', 'blocked', 'script', { doc: 'https://app.test/b' })],
      }),
    ]),
    count: 1,
    expect: ([f]) => {
      assert.deepEqual(f!.data?.pages, [A, 'https://app.test/b']);
      assert.equal(f!.data?.cause, 'third-party');
    },
  },
  {
    name: 'browser engine: Chromium-reported fetch() by a script',
    facts: facts(
      [
        page(A, {
          observed: [ref('http://api.example.net/data', 'blocked', 'browser', { source: 'browser', resourceType: 'Resource' })],
        }),
      ],
      { engine: 'browser' },
    ),
    count: 1,
    expect: ([f]) => assert.match(f!.message, /Resource/),
  },
]);
