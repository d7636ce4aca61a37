/**
 * The HSTS cover rule (checks/appserver/hsts-cover.ts) against real Chromium: a cookie without Secure, set by an HTTPS
 * response, and then a plain-http navigation to the same host. The plain-http side is a raw TCP listener that
 * records the first bytes of each connection, so the test sees exactly what the browser sent in clear text.
 *
 * Rows (each in its own browser context, so no row's HSTS entry reaches another):
 *  - no STS: the cookie goes over plain http (the leak the insecure-cookie checks report);
 *  - STS max-age on the HTTPS response: Chromium rewrites http:// to https:// (same port, RFC 6797 8.3) and sends
 *    nothing in clear text;
 *  - STS on a plain-http response: ignored (RFC 6797 8.1), the cookie goes over plain http;
 *  - a Domain cookie and STS without includeSubDomains: the sibling host gets the cookie in clear text;
 *  - the same with includeSubDomains: the sibling is upgraded too.
 * HSTS needs a certificate without errors, so Chromium trusts the test CA through an NSS database in a fresh HOME
 * (as `scan --browser` does), never --ignore-certificate-errors; the names are `*.test`, not localhost.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import { findChromium } from '../../src/collectors/browser/browser.js';
import { type BrowserHome, findCertutil, makeBrowserHome } from '../../src/collectors/browser/nssdb.js';
import { loadTrust } from '../../src/scan/trust.js';
import { REQUEST_SAFETY_TIMEOUT_MS } from '../real-program.js';
import { type Certs, makeCerts, type Running, startHttps } from './servers.js';

let chromiumPath: string | undefined;
try {
  chromiumPath = findChromium();
} catch {
  chromiumPath = undefined;
}
const certutil = findCertutil();

/** What one plain-http connection carried first: a clear-text request (its head) or a TLS handshake. */
interface Seen {
  tls: boolean;
  head: string;
}

/**
 * A plain-http listener that records each connection's first bytes. A clear-text request gets a small page (with
 * `extra` headers, for the STS-over-http row); a TLS ClientHello (first byte 0x16: the browser upgraded the URL) is
 * recorded and the connection closed, which fails that navigation.
 */
async function startRecorder(extra: () => string): Promise<Running & { seen: Seen[] }> {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    let buf = '';
    s.on('data', (d: Buffer) => {
      if (!buf && d[0] === 0x16) {
        seen.push({ tls: true, head: '' });
        s.destroy();
        return;
      }
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      seen.push({ tls: false, head: buf.slice(0, end) });
      const body = '<!doctype html><title>plain</title>plain';
      s.end(
        `HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: ${body.length}\r\n${extra()}connection: close\r\n\r\n${body}`,
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    seen,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const cookieOf = (head: string) => /^cookie: (.*)$/im.exec(head)?.[1];
/** The clear-text requests for the page itself (a favicon request may come and go at any moment). */
const pageRequests = (seen: Seen[]) => seen.filter((s) => !s.tls && s.head.startsWith('GET / '));

describe('HSTS keeps a cookie without Secure off plain http (real Chromium)', {
  skip: !chromiumPath ? 'chromium is not installed' : !certutil ? 'certutil (libnss3-tools) is not installed' : false,
  timeout: 10 * REQUEST_SAFETY_TIMEOUT_MS,
}, () => {
  let certs: Certs;
  let tlsSite: Running;
  let plain: Running & { seen: Seen[] };
  let plainExtra = '';
  let home: BrowserHome;
  let browser: Browser;

  before(async () => {
    certs = makeCerts();
    // /login?sts=VALUE&domain=D: sets `sid` without Secure (host-only unless domain), with STS when asked.
    tlsSite = await startHttps((req: IncomingMessage, res: ServerResponse) => {
      const u = new URL(req.url ?? '/', 'https://x');
      // Only /login sets the cookie: Chromium also asks for /favicon.ico, which would set a second, host-only one.
      if (u.pathname !== '/login') {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
        return;
      }
      const headers: Record<string, string> = { 'content-type': 'text/html' };
      const domain = u.searchParams.get('domain');
      headers['set-cookie'] = `sid=s3cret; Path=/${domain ? `; Domain=${domain}` : ''}`;
      const sts = u.searchParams.get('sts');
      if (sts) headers['strict-transport-security'] = sts;
      res.writeHead(200, headers);
      res.end('<!doctype html><title>login</title>ok');
    }, certs);
    plain = await startRecorder(() => plainExtra);
    home = await makeBrowserHome(loadTrust({ env: {}, systemBundles: [], caCerts: [certs.caFile] }).anchors, certutil as string);
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      timeout: 60_000,
      args: [
        '--disable-dev-shm-usage',
        '--no-first-run',
        '--host-resolver-rules=MAP app.test 127.0.0.1, MAP www.app.test 127.0.0.1',
      ],
      env: { ...process.env, HOME: home.home, XDG_CONFIG_HOME: `${home.home}/.config`, XDG_CACHE_HOME: `${home.home}/.cache` },
    });
  });
  after(async () => {
    await browser?.close();
    home?.cleanup();
    await plain?.close();
    await tlsSite?.close();
    certs?.cleanup();
  });

  /**
   * In a fresh context: load the HTTPS login (which must succeed: a certificate error would void HSTS), then
   * navigate to `plainUrl`; returns what the plain listener saw during that navigation.
   */
  async function visit(login: string, plainUrl: string, first?: string): Promise<Seen[]> {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      // Safety nets (test/real-program.ts): a navigation cut short hid the plain request it should have recorded.
      if (first) await page.goto(first, { timeout: REQUEST_SAFETY_TIMEOUT_MS }).catch(() => undefined);
      const r = await page.goto(login, { timeout: REQUEST_SAFETY_TIMEOUT_MS });
      assert.equal(r?.status(), 200, `the HTTPS login loads (${login})`);
      const cookies = await context.cookies(login);
      assert.deepEqual(
        cookies.map((c) => [c.name, c.secure]),
        [['sid', false]],
        'the cookie is set, without Secure',
      );
      const from = plain.seen.length;
      await page.goto(plainUrl, { timeout: REQUEST_SAFETY_TIMEOUT_MS }).catch(() => undefined);
      return plain.seen.slice(from);
    } finally {
      await context.close();
    }
  }

  const tls = () => `https://app.test:${tlsSite.port}/login`;
  const http = (host = 'app.test') => `http://${host}:${plain.port}/`;

  test('no STS: the cookie travels over plain http', async () => {
    const seen = await visit(tls(), http());
    const clear = pageRequests(seen);
    assert.ok(clear.length >= 1, `a clear-text request arrived: ${JSON.stringify(seen)}`);
    assert.equal(cookieOf(clear[0]?.head ?? ''), 'sid=s3cret');
  });

  test('STS max-age on the HTTPS response: upgraded to https on the same port, nothing in clear text', async () => {
    const seen = await visit(`${tls()}?sts=max-age%3D86400`, http());
    assert.deepEqual(
      seen.filter((s) => !s.tls),
      [],
      'no clear-text request',
    );
    assert.ok(
      seen.some((s) => s.tls),
      `the browser spoke TLS to the plain port (the rewritten URL): ${JSON.stringify(seen)}`,
    );
  });

  test('STS on a plain-http response is ignored: the cookie still travels over plain http', async () => {
    plainExtra = 'strict-transport-security: max-age=86400\r\n';
    try {
      const seen = await visit(tls(), http(), http());
      const clear = pageRequests(seen);
      assert.ok(clear.length >= 1, `a clear-text request arrived: ${JSON.stringify(seen)}`);
      assert.equal(cookieOf(clear[0]?.head ?? ''), 'sid=s3cret');
    } finally {
      plainExtra = '';
    }
  });

  test('a Domain cookie, STS without includeSubDomains: the sibling host gets it in clear text', async () => {
    const seen = await visit(`${tls()}?sts=max-age%3D86400&domain=app.test`, http('www.app.test'));
    const clear = pageRequests(seen);
    assert.ok(clear.length >= 1, `a clear-text request arrived: ${JSON.stringify(seen)}`);
    assert.equal(cookieOf(clear[0]?.head ?? ''), 'sid=s3cret');
  });

  test('a Domain cookie, STS with includeSubDomains: the sibling host is upgraded too', async () => {
    const seen = await visit(`${tls()}?sts=max-age%3D86400%3B%20includeSubDomains&domain=app.test`, http('www.app.test'));
    assert.deepEqual(
      seen.filter((s) => !s.tls),
      [],
      'no clear-text request',
    );
    assert.ok(
      seen.some((s) => s.tls),
      `the browser spoke TLS to the plain port: ${JSON.stringify(seen)}`,
    );
  });
});
