import assert from 'node:assert/strict';
import { redirectLoop } from '../../../src/checks/scan/redirect-loop.js';
import { parseSetCookie } from '../../../src/scan/cookies.js';
import { caseTable, facts, page } from './fixtures.js';

const loop = page('https://app.test/', {
  status: 301,
  chain: [{ url: 'https://app.test/', status: 301, location: 'https://app.test/' }],
  redirectLoop: 'revisit',
});
caseTable(redirectLoop, [
  {
    name: 'a finished redirect chain',
    facts: facts([
      page('http://app.test/', {
        finalUrl: 'https://app.test/',
        chain: [{ url: 'http://app.test/', status: 301, location: 'https://app.test/' }],
      }),
    ]),
    count: 0,
  },
  {
    name: 'SSL redirect behind a proxy that loses the scheme',
    facts: facts([loop]),
    count: 1,
    expect: ([f]) => {
      assert.equal(f!.severity, 'critical');
      assert.match(f!.message, /https:\/\/app.test\/ -> 301 https:\/\/app.test\//);
      assert.match(f!.message, /believes the request is plain http/);
      // No cookie shows Django: its setting is not the advice.
      assert.doesNotMatch(f!.fix?.description ?? '', /Django|SECURE_PROXY_SSL_HEADER/);
    },
  },
  {
    name: "the loop on a site with both of Django's default cookies: Django's setting named",
    facts: facts([
      {
        ...loop,
        cookies: [
          parseSetCookie('csrftoken=1; Path=/', 'https://app.test/')!,
          parseSetCookie('sessionid=1; Path=/', 'https://app.test/')!,
        ],
      },
    ]),
    count: 1,
    expect: ([f]) => assert.match(f!.fix?.description ?? '', /Django: SECURE_PROXY_SSL_HEADER/),
  },
  {
    name: 'trap: the loop on a site with a sessionid cookie alone: Django not named',
    facts: facts([{ ...loop, cookies: [parseSetCookie('sessionid=1; Path=/', 'https://app.test/')!] }]),
    count: 1,
    expect: ([f]) => assert.doesNotMatch(f!.fix?.description ?? '', /Django/),
  },
  {
    name: 'https -> http -> https ping-pong',
    facts: facts([
      page('https://app.test/', {
        redirectLoop: 'revisit',
        chain: [
          { url: 'https://app.test/', status: 301, location: 'http://app.test/' },
          { url: 'http://app.test/', status: 301, location: 'https://app.test/' },
        ],
      }),
    ]),
    count: 1,
    expect: ([f]) => assert.match(f!.message, /disagree about the scheme/),
  },
  { name: 'the same loop reached from two pages: one finding', facts: facts([loop, { ...loop }]), count: 1 },
  {
    // A hostile or broken site's Location is no URL: the loop is still reported, never "Invalid URL".
    name: 'a loop whose chain holds a Location that is no URL',
    facts: facts([
      page('https://app.test/', {
        redirectLoop: 'limit',
        chain: [
          { url: 'https://app.test/', status: 302, location: 'https://app.test/a' },
          { url: 'https://app.test/a', status: 302, location: 'http://[bad' },
        ],
      }),
    ]),
    count: 1,
    expect: ([f]) => assert.match(f!.message, /https:\/\/app.test\/a -> 302 http:\/\/\[bad/),
  },
]);
