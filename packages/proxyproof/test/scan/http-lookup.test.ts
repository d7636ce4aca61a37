/**
 * The crawler's HTTP client looks a host name up through node:dns only when `--resolve` does not map it
 * (collectors/crawl/http.ts loads node:dns on first use: a crawl of an IP address or of mapped names never needs
 * it). Both paths against a real local server: a name the system resolves (localhost, from /etc/hosts), a name
 * only `--resolve` knows, and a `.test` name neither knows (the lookup's own error, not a crash).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FetchError, HttpClient } from '../../src/collectors/crawl/http.js';
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

test('a name without --resolve is looked up by the system resolver; a mapped one is not', { timeout: 30_000 }, async () => {
  assert.equal(await status(new HttpClient({ requestTimeoutMs: 5000 }), `http://localhost:${site.port}/`), 200);
  const mapped = new HttpClient({
    resolve: [{ host: 'only-mapped.test', port: site.port, address: '127.0.0.1' }],
    requestTimeoutMs: 5000,
  });
  assert.equal(await status(mapped, `http://only-mapped.test:${site.port}/`), 200);
  // `.test` is reserved (RFC 2606): the system resolver answers that it does not exist.
  const unknown = await status(new HttpClient({ requestTimeoutMs: 5000 }), `http://not-mapped.test:${site.port}/`);
  assert.ok(unknown === 'ENOTFOUND' || unknown === 'EAI_AGAIN', `unmapped .test name: ${unknown}`);
});
