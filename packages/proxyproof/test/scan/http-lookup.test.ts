/**
 * The crawler's HTTP client looks a host name up through node:dns only when `--resolve` does not map it
 * (collectors/crawl/http.ts loads node:dns on first use: a crawl of an IP address or of mapped names never needs
 * it). Both paths against a real local server: a name the system resolves (localhost, from /etc/hosts), a name
 * only `--resolve` knows, and a name neither knows (the lookup's own error, not a crash).
 *
 * The unknown name must fail without the network: a `.test` name went to the DNS server of /etc/resolv.conf, so
 * the answer depended on that server answering within the request's timeout (no DNS reachable: glibc waits its
 * timeout per attempt, and the request ended as a connect timeout, not a lookup error). A label longer than 63
 * octets (RFC 1035 2.3.4) cannot be put in a DNS query: glibc's resolver refuses it before sending anything
 * (strace: no sendmmsg to port 53, where a `.test` name sends one), whatever the resolver configuration.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FetchError, HttpClient } from '../../src/collectors/crawl/http.js';
import { REQUEST_SAFETY_TIMEOUT_MS } from '../real-program.js';
import { html, type Running, startHttp } from './servers.js';

let site: Running;
before(async () => {
  site = await startHttp((_req, res) => html(res, '<p>hello</p>'));
});
after(async () => {
  await site?.close();
});

async function status(client: HttpClient, url: string): Promise<number | string | undefined> {
  try {
    return (await client.fetch(url)).status;
  } catch (e) {
    assert.ok(e instanceof FetchError, String(e));
    return e.code;
  } finally {
    await client.close();
  }
}

test('a name without --resolve is looked up by the system resolver; a mapped one is not', {
  timeout: 5 * REQUEST_SAFETY_TIMEOUT_MS,
}, async () => {
  // Safety nets, never the assertion (test/real-program.ts): no answer below depends on a time.
  const requestTimeoutMs = REQUEST_SAFETY_TIMEOUT_MS;
  assert.equal(await status(new HttpClient({ requestTimeoutMs }), `http://localhost:${site.port}/`), 200);
  const mapped = new HttpClient({
    resolve: [{ host: 'only-mapped.test', port: site.port, address: '127.0.0.1' }],
    requestTimeoutMs,
  });
  assert.equal(await status(mapped, `http://only-mapped.test:${site.port}/`), 200);
  // Not in /etc/hosts, and no DNS query can carry it (a 64-octet label): the resolver's own "not found".
  const unknown = await status(new HttpClient({ requestTimeoutMs }), `http://${'x'.repeat(64)}.test:${site.port}/`);
  assert.equal(unknown, 'ENOTFOUND', `unmapped name: ${unknown}`);
  // The same name mapped by --resolve is never looked up: the mapping wins.
  const long = new HttpClient({
    resolve: [{ host: `${'x'.repeat(64)}.test`, port: site.port, address: '127.0.0.1' }],
    requestTimeoutMs,
  });
  assert.equal(await status(long, `http://${'x'.repeat(64)}.test:${site.port}/`), 200);
});
