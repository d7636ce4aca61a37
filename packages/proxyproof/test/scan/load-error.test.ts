/**
 * Playwright/Chromium navigation errors -> the reason and the option that helps (table). The strings are
 * Chromium's own (net/base/net_error_list.h) as playwright-core 1.65 prints them for page.goto.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeLoadError, loadErrorMessage } from '../../src/collectors/browser/load-error.js';

const at = ' at https://app.test:8443/';
const CASES: Array<{ name: string; detail: string; crashed?: boolean; code: string; reason: RegExp; hint?: RegExp }> = [
  {
    name: 'untrusted issuer: --ca-cert',
    detail: `page.goto: net::ERR_CERT_AUTHORITY_INVALID${at}`,
    code: 'ERR_CERT_AUTHORITY_INVALID',
    reason: /issuer is not trusted/,
    hint: /--ca-cert FILE.*NODE_EXTRA_CA_CERTS.*--insecure/,
  },
  {
    name: 'wrong name: --insecure only (no CA would help)',
    detail: `page.goto: net::ERR_CERT_COMMON_NAME_INVALID${at}`,
    code: 'ERR_CERT_COMMON_NAME_INVALID',
    reason: /does not name this host/,
    hint: /^fix the certificate, or pass --insecure/,
  },
  {
    name: 'expired',
    detail: `page.goto: net::ERR_CERT_DATE_INVALID${at}`,
    code: 'ERR_CERT_DATE_INVALID',
    reason: /expired/,
    hint: /--insecure/,
  },
  {
    name: 'another certificate error',
    detail: `page.goto: net::ERR_CERT_SYMANTEC_LEGACY${at}`,
    code: 'ERR_CERT_SYMANTEC_LEGACY',
    reason: /certificate was rejected/,
    hint: /--insecure/,
  },
  {
    name: 'DNS: --resolve',
    detail: `page.goto: net::ERR_NAME_NOT_RESOLVED${at}`,
    code: 'ERR_NAME_NOT_RESOLVED',
    reason: /does not resolve/,
    hint: /--resolve HOST:PORT:ADDRESS/,
  },
  {
    name: 'connection refused',
    detail: `page.goto: net::ERR_CONNECTION_REFUSED${at}`,
    code: 'ERR_CONNECTION_REFUSED',
    reason: /refused/,
    hint: /listening/,
  },
  {
    name: 'plain http on the https port',
    detail: `page.goto: net::ERR_SSL_PROTOCOL_ERROR${at}`,
    code: 'ERR_SSL_PROTOCOL_ERROR',
    reason: /plain HTTP/,
  },
  {
    name: 'timeout: --timeout',
    detail: 'page.goto: Timeout 4000ms exceeded.',
    code: 'timeout',
    reason: /no load event within 4000 ms/,
    hint: /--timeout/,
  },
  {
    name: 'renderer crash (event seen)',
    detail: 'page.goto: Navigation failed because page crashed!',
    crashed: true,
    code: 'crash',
    reason: /crashed/,
  },
  {
    name: 'browser gone',
    detail: 'browserContext.newPage: Target page, context or browser has been closed',
    code: 'browser-closed',
    reason: /closed or crashed/,
  },
  {
    name: 'the browser stopped answering (a bounded call gave up): not a page timeout',
    detail: 'a visit: no answer from the browser within 30000 ms',
    code: 'browser-stuck',
    reason: /stopped answering/,
    hint: /--concurrency 1/,
  },
  {
    name: 'trap: a page timeout that mentions the browser is still a page timeout',
    detail: 'page.goto: Timeout 4000ms exceeded. browser log: no answer',
    code: 'timeout',
    reason: /no load event within 4000 ms/,
    hint: /--timeout/,
  },
  {
    name: 'unknown net error: its name',
    detail: `page.goto: net::ERR_BLOCKED_BY_CLIENT${at}`,
    code: 'ERR_BLOCKED_BY_CLIENT',
    reason: /network error ERR_BLOCKED_BY_CLIENT/,
  },
  {
    name: 'trap: a URL containing "crash" is not a crash',
    detail: `page.goto: net::ERR_CONNECTION_RESET at https://app.test/crash-report`,
    code: 'ERR_CONNECTION_RESET',
    reason: /reset/,
  },
];

for (const c of CASES) {
  test(`load error: ${c.name}`, () => {
    const e = describeLoadError(c.detail, { timeoutMs: 4000, crashed: c.crashed });
    assert.equal(e.code, c.code);
    assert.match(e.reason, c.reason);
    if (c.hint) assert.match(e.hint ?? '', c.hint);
    else if (e.hint) assert.doesNotMatch(e.hint, /--insecure|--ca-cert/);
    assert.equal(e.detail, c.detail);
    assert.match(loadErrorMessage(e), new RegExp(`^the browser could not load this page: .+ \\(${c.code}\\)`));
  });
}
