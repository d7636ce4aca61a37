// Real servers (Express 4, Fastify 4, Koa 2, Hono on @hono/node-server, plain node:http) on 127.0.0.1,
// driven with node:http requests carrying forwarded headers.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { serve } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import {
  absoluteUrl,
  createPolicy,
  expressForwarded,
  type ForwardedHeaderName,
  fastifyForwarded,
  fromFetchRequest,
  fromNodeRequest,
  honoForwarded,
  isSecure,
  koaForwarded,
  type Resolved,
  redirectToHttps,
  resolve,
} from '../src/index.js';

/**
 * One request's safety net, never the assertion: the value of REQUEST_SAFETY_TIMEOUT_MS
 * (lab/src/proc.ts, which has the evidence, and which this package's tests cannot import: their rootDir is the
 * package). The old 5 s net was the assertion on a loaded CI machine, where a start-up took 8-19 s wall.
 */
const REQUEST_SAFETY_TIMEOUT_MS = 60_000;

interface Reply {
  status: number;
  location?: string;
  body: string;
}

function send(
  target: { port?: number; socketPath?: string },
  path: string,
  headers: Record<string, string | string[]>,
  method = 'GET',
): Promise<Reply> {
  return new Promise((res, rej) => {
    const req = http.request({ host: '127.0.0.1', ...target, path, method, headers, timeout: REQUEST_SAFETY_TIMEOUT_MS }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (d) => {
        body += d;
      });
      r.on('end', () => res({ status: r.statusCode ?? 0, location: r.headers.location, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_SAFETY_TIMEOUT_MS / 1000} s`)));
    req.on('error', rej);
    req.end();
  });
}

interface Server {
  port: number;
  close(): Promise<void>;
}

function listen(server: http.Server): Promise<Server> {
  return new Promise((res) =>
    server.listen(0, '127.0.0.1', () =>
      res({ port: (server.address() as AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) }),
    ),
  );
}

const view = (r: Resolved, url: string, secure: boolean) =>
  JSON.stringify({ url, secure, ip: r.clientAddress, trusted: r.trusted });

type App = (opts: { trust: string[]; redirectToHttps?: boolean; headers: ForwardedHeaderName[] }) => Promise<Server>;

const HEADERS: ForwardedHeaderName[] = ['forwarded', 'x-forwarded-for', 'x-forwarded-proto'];

const APPS: Record<string, App> = {
  express: async (opts) => {
    const app = express();
    app.use(expressForwarded(opts));
    app.all('/page', (req, res) => {
      res
        .type('json')
        .send(
          view(
            (req as unknown as { forwarded: Resolved }).forwarded,
            absoluteUrl(req as never, '/next?a=1'),
            isSecure(req as never),
          ),
        );
    });
    return listen(http.createServer(app));
  },
  fastify: async (opts) => {
    const app = Fastify();
    await app.register(fastifyForwarded as never, opts);
    app.all('/page', async (request, reply) => {
      const r = (request as unknown as { forwarded: Resolved }).forwarded;
      reply.type('application/json').send(view(r, absoluteUrl(request as never, '/next?a=1'), isSecure(r)));
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
  },
  koa: async (opts) => {
    const app = new Koa();
    app.use(koaForwarded(opts) as never);
    app.use(async (ctx) => {
      ctx.type = 'json';
      ctx.body = view(ctx.state.forwarded as Resolved, absoluteUrl(ctx as never, '/next?a=1'), isSecure(ctx as never));
    });
    return listen(http.createServer(app.callback()));
  },
  hono: async (opts) => {
    const app = new Hono<{ Variables: { forwarded: Resolved } }>();
    app.use(honoForwarded(opts) as never);
    app.all('/page', (c) =>
      c.body(view(c.get('forwarded'), absoluteUrl(c as never, '/next?a=1'), isSecure(c as never)), 200, {
        'content-type': 'application/json',
      }),
    );
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as http.Server;
    await new Promise((r) => server.once('listening', r));
    return { port: (server.address() as AddressInfo).port, close: () => new Promise<void>((r) => server.close(() => r())) };
  },
  'node:http + redirectToHttps': async (opts) => {
    const policy = createPolicy({ trust: opts.trust, headers: opts.headers });
    const redirect = redirectToHttps({ policy });
    const server = http.createServer((req, res) => {
      if (opts.redirectToHttps) {
        redirect(req, res, () => {
          const r = resolve(fromNodeRequest(req), policy);
          res.end(view(r, absoluteUrl(r, '/next?a=1'), isSecure(r)));
        });
        return;
      }
      const r = resolve(fromNodeRequest(req), policy);
      res.end(view(r, absoluteUrl(r, '/next?a=1'), isSecure(r)));
    });
    return listen(server);
  },
};

const proxied = { host: 'app.test', 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' };

for (const [name, start] of Object.entries(APPS)) {
  describe(`${name} on 127.0.0.1`, () => {
    let trusting: Server;
    let distrusting: Server;
    let redirecting: Server;
    before(async () => {
      trusting = await start({ trust: ['loopback'], headers: HEADERS });
      distrusting = await start({ trust: ['10.9.9.9'], headers: HEADERS });
      redirecting = await start({ trust: ['loopback'], redirectToHttps: true, headers: HEADERS });
    });
    after(async () => {
      await Promise.all([trusting.close(), distrusting.close(), redirecting.close()]);
    });
    it('behind a trusted proxy: links come out https, client address from X-Forwarded-For', async () => {
      const r = await send({ port: trusting.port }, '/page', proxied);
      assert.equal(r.status, 200, r.body);
      assert.deepEqual(JSON.parse(r.body), { url: 'https://app.test/next?a=1', secure: true, ip: '203.0.113.9', trusted: true });
    });
    it('same headers from an untrusted peer: spoofing fails', async () => {
      const r = await send({ port: distrusting.port }, '/page', proxied);
      assert.deepEqual(JSON.parse(r.body), { url: 'http://app.test/next?a=1', secure: false, ip: '127.0.0.1', trusted: false });
    });
    it('RFC 7239 Forwarded works the same', async () => {
      const r = await send({ port: trusting.port }, '/page', {
        host: 'backend:8000',
        forwarded: 'for="[2001:db8::9]";proto=https;host=www.example.com',
      });
      assert.deepEqual(JSON.parse(r.body), {
        url: 'https://www.example.com/next?a=1',
        secure: true,
        ip: '2001:db8::9',
        trusted: true,
      });
    });
    it('redirectToHttps: plain HTTP gets 301 to https (path and query kept); POST gets 308; https passes', async () => {
      const get = await send({ port: redirecting.port }, '/page?x=1', { host: 'app.test' });
      assert.equal(get.status, 301);
      assert.equal(get.location, 'https://app.test/page?x=1');
      const post = await send({ port: redirecting.port }, '/page', { host: 'app.test' }, 'POST');
      assert.equal(post.status, 308);
      const ok = await send({ port: redirecting.port }, '/page', proxied);
      assert.equal(ok.status, 200);
    });
  });
}

describe('unix socket peer (Express)', () => {
  let dir: string;
  let server: http.Server;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwd-'));
    const app = express();
    app.use(expressForwarded({ trust: 'unix' }));
    app.get('/page', (req, res) => {
      res.send(
        view((req as unknown as { forwarded: Resolved }).forwarded, absoluteUrl(req as never, '/'), isSecure(req as never)),
      );
    });
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(join(dir, 's.sock'), () => r()));
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });
  it('is recognised and trusted with the `unix` entry', async () => {
    const r = await send({ socketPath: join(dir, 's.sock') }, '/page', proxied);
    assert.deepEqual(JSON.parse(r.body), { url: 'https://app.test/', secure: true, ip: '203.0.113.9', trusted: true });
  });
});

describe('fromFetchRequest', () => {
  it('takes TLS from the request URL and the peer from the caller', () => {
    const req = new Request('https://app.test/x', { headers: { 'x-forwarded-for': '203.0.113.9' } });
    const r = resolve(fromFetchRequest(req, '10.0.0.2'), { trust: '10.0.0.2' });
    assert.deepEqual([r.scheme, r.clientAddress, r.host], ['https', '203.0.113.9', 'app.test']);
  });
});
