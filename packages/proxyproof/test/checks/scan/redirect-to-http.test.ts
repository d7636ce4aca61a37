import assert from 'node:assert/strict';
import { redirectToHttp } from '../../../src/checks/scan/redirect-to-http.js';
import { caseTable, facts, page } from './fixtures.js';

caseTable(redirectToHttp, [
  { name: 'no redirect', facts: facts([page('https://app.test/')]), count: 0 },
  {
    name: "trap: Django's APPEND_SLASH redirect carries no scheme",
    facts: facts([
      page('https://app.test/a', {
        finalUrl: 'https://app.test/a/',
        chain: [{ url: 'https://app.test/a', status: 301, location: '/a/' }],
      }),
    ]),
    count: 0,
  },
  {
    name: 'trap: http -> https is the good redirect',
    facts: facts([
      page('http://app.test/', {
        finalUrl: 'https://app.test/',
        chain: [{ url: 'http://app.test/', status: 301, location: 'https://app.test/' }],
      }),
    ]),
    count: 0,
  },
  {
    name: 'login redirect built with build_absolute_uri() goes to http://',
    facts: facts(
      [
        page('https://app.test/login/', {
          finalUrl: 'http://app.test/private/',
          chain: [{ url: 'https://app.test/login/', status: 302, location: 'http://app.test/private/' }],
        }),
      ],
      {
        lint: [{ id: 'nginx/forwarded-proto-missing', file: 'site.conf', line: 14, message: 'no X-Forwarded-Proto' }],
      },
    ),
    count: 1,
    expect: ([f]) => {
      assert.match(f!.message, /consistent with nginx\/forwarded-proto-missing at site.conf:14/);
      assert.equal(f!.evidence[1]?.file, 'site.conf');
    },
  },
]);
