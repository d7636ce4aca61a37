import assert from 'node:assert/strict';
import { mixedContentBlocked } from '../../../src/checks/scan/mixed-content-blocked.js';
import { caseTable, facts, page, ref } from './fixtures.js';

const A = 'https://app.test/';
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
    },
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
