/**
 * Why Chromium could not load a page, in words, with the option that would help. The page's own document
 * failed (certificate, DNS, connection, timeout, crash): the browser saw nothing of it, so the scan of that
 * page is an error, never a clean page.
 */

import type { PageLoadError } from '../../scan/types.js';

export type { PageLoadError };

const CERT_UNTRUSTED =
  'pass --ca-cert FILE with its CA (PEM), or add the CA to the system store or NODE_EXTRA_CA_CERTS; --insecure accepts any certificate';
const CERT_INVALID = 'fix the certificate, or pass --insecure to accept it anyway';

const NET: Record<string, { reason: string; hint?: string }> = {
  ERR_CERT_AUTHORITY_INVALID: { reason: "the certificate's issuer is not trusted", hint: CERT_UNTRUSTED },
  ERR_CERT_COMMON_NAME_INVALID: { reason: 'the certificate does not name this host', hint: CERT_INVALID },
  ERR_CERT_DATE_INVALID: { reason: 'the certificate has expired or is not yet valid', hint: CERT_INVALID },
  ERR_CERT_INVALID: { reason: 'the certificate is invalid', hint: CERT_INVALID },
  ERR_CERT_WEAK_KEY: { reason: 'the certificate has a weak key', hint: CERT_INVALID },
  ERR_CERT_WEAK_SIGNATURE_ALGORITHM: { reason: 'the certificate has a weak signature', hint: CERT_INVALID },
  ERR_CERT_REVOKED: { reason: 'the certificate is revoked', hint: CERT_INVALID },
  ERR_SSL_PROTOCOL_ERROR: { reason: 'TLS handshake failed (is this port speaking plain HTTP?)' },
  ERR_SSL_VERSION_OR_CIPHER_MISMATCH: { reason: 'no TLS version or cipher in common with Chromium' },
  ERR_NAME_NOT_RESOLVED: {
    reason: 'the host name does not resolve (DNS)',
    hint: 'pass --resolve HOST:PORT:ADDRESS to map it to an address',
  },
  ERR_NAME_RESOLUTION_FAILED: {
    reason: 'DNS resolution failed',
    hint: 'pass --resolve HOST:PORT:ADDRESS to map it to an address',
  },
  ERR_CONNECTION_REFUSED: {
    reason: 'connection refused',
    hint: 'is the server listening on this port? --resolve HOST:PORT:ADDRESS if the name points elsewhere',
  },
  ERR_CONNECTION_RESET: { reason: 'the connection was reset' },
  ERR_CONNECTION_CLOSED: { reason: 'the server closed the connection' },
  ERR_EMPTY_RESPONSE: { reason: 'the server sent no response' },
  ERR_ADDRESS_UNREACHABLE: { reason: 'the address is unreachable' },
  ERR_CONNECTION_TIMED_OUT: { reason: 'the connection timed out', hint: 'raise --timeout MS' },
  ERR_TIMED_OUT: { reason: 'the request timed out', hint: 'raise --timeout MS' },
  ERR_TOO_MANY_REDIRECTS: { reason: 'redirect loop (see scan/redirect-loop)' },
};

/** Classifies the first line of playwright's navigation error (or a crash) for one page. */
export function describeLoadError(detail: string, opts: { timeoutMs: number; crashed?: boolean }): PageLoadError {
  if (opts.crashed || /page crashed|Target crashed|renderer crashed/i.test(detail))
    return {
      code: 'crash',
      reason: "the page crashed Chromium's renderer",
      hint: 'retry with --concurrency 1 (less memory in use)',
      detail,
    };
  const net = /net::(ERR_[A-Z0-9_]+)/.exec(detail)?.[1];
  if (net) {
    const known = NET[net];
    if (known) return { code: net, ...known, detail };
    if (net.startsWith('ERR_CERT_')) return { code: net, reason: 'the certificate was rejected', hint: CERT_INVALID, detail };
    if (net.startsWith('ERR_SSL_')) return { code: net, reason: 'TLS failed', detail };
    return { code: net, reason: `network error ${net}`, detail };
  }
  // Our own bound on a Playwright call (browser.ts `bounded`): Chromium stopped answering, not a slow server.
  if (/no answer from the browser within/.test(detail))
    return {
      code: 'browser-stuck',
      reason: 'the browser stopped answering while loading this page',
      hint: 'retry with --concurrency 1 (less load on Chromium)',
      detail,
    };
  if (/Timeout \d+ ?ms exceeded/i.test(detail))
    return {
      code: 'timeout',
      reason: `no load event within ${opts.timeoutMs} ms`,
      hint: 'raise --timeout MS (per page)',
      detail,
    };
  if (/has been closed|browser has disconnected|Target closed/i.test(detail))
    return { code: 'browser-closed', reason: 'the browser closed or crashed', detail };
  return { code: 'error', reason: detail, detail };
}

/** One line for the report. */
export function loadErrorMessage(e: PageLoadError): string {
  return `the browser could not load this page: ${e.reason} (${e.code})${e.hint ? `; ${e.hint}` : ''}`;
}
