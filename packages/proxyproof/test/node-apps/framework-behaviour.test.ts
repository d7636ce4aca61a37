// Pins the framework behaviour that collectors/node/meaning.ts states and the checks rely on, against the real
// Express 4, Fastify 4 and Koa 2 installed here, on 127.0.0.1 with node:http requests.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { getJson as get } from './get-json.js';

const servers: http.Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

async function serve(handler: http.RequestListener): Promise<number> {
  const s = http.createServer(handler);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as AddressInfo).port;
}

const SPOOF = { 'x-forwarded-for': '6.6.6.6, 203.0.113.9', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' };

describe('Express 4 trust proxy', () => {
  const expressApp = (trust: unknown) => {
    const app = express();
    app.set('trust proxy', trust);
    app.get('/', (req, res) => {
      res.json({ ip: req.ip, protocol: req.protocol, hostname: req.hostname });
    });
    return serve(app);
  };
  it('true: req.ip is the LEFT-most X-Forwarded-For entry (client-written)', async () => {
    const r = await get(await expressApp(true), SPOOF);
    assert.deepEqual(r, { ip: '6.6.6.6', protocol: 'https', hostname: 'evil.example' });
  });
  it("'loopback' from 127.0.0.1: walks from the right, stops at the first untrusted address", async () => {
    const r = await get(await expressApp('loopback'), SPOOF);
    assert.equal(r.ip, '203.0.113.9');
    assert.equal(r.protocol, 'https');
  });
  it('req.protocol takes the LEFT-most X-Forwarded-Proto', async () => {
    const r = await get(await expressApp('loopback'), { 'x-forwarded-proto': 'http, https' });
    assert.equal(r.protocol, 'http');
  });
  it("'10.9.9.9' from 127.0.0.1: headers ignored", async () => {
    const r = await get(await expressApp('10.9.9.9'), SPOOF);
    assert.deepEqual(r, { ip: '127.0.0.1', protocol: 'http', hostname: 'app.test' });
  });
  it("'*', '0.0.0.0/0' and the string 'true' throw at app.set (proxy-addr)", () => {
    assert.throws(() => express().set('trust proxy', '*'), /invalid IP address: \*/);
    assert.throws(() => express().set('trust proxy', '0.0.0.0/0'), /invalid range on address: 0\.0\.0\.0\/0/);
    assert.throws(() => express().set('trust proxy', 'true'), /invalid IP address: true/);
  });
});

describe('Fastify 4 trustProxy', () => {
  const fastifyApp = async (trustProxy: unknown) => {
    const app = Fastify({ trustProxy: trustProxy as never });
    app.get('/', async (request) => ({ ip: request.ip, protocol: request.protocol, hostname: request.hostname }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    servers.push(app.server);
    return (app.server.address() as AddressInfo).port;
  };
  it('a trust list that does NOT include the peer still lets it set protocol and hostname (only ip is checked)', async () => {
    const r = await get(await fastifyApp('10.9.9.9'), SPOOF);
    assert.deepEqual(r, { ip: '127.0.0.1', protocol: 'https', hostname: 'evil.example' });
  });
  it('without trustProxy the headers are ignored', async () => {
    const r = await get(await fastifyApp(false), SPOOF);
    assert.deepEqual(r, { ip: '127.0.0.1', protocol: 'http', hostname: 'app.test' });
  });
});

describe('Koa 2 app.proxy', () => {
  const koaApp = (opts: { proxy: boolean; maxIpsCount?: number }) => {
    const app = new Koa(opts);
    app.use(async (ctx) => {
      ctx.body = { ip: ctx.ip, protocol: ctx.protocol, host: ctx.host };
    });
    return serve(app.callback());
  };
  it('proxy: true believes any peer; ctx.ip is the LEFT-most entry', async () => {
    const r = await get(await koaApp({ proxy: true }), SPOOF);
    assert.deepEqual(r, { ip: '6.6.6.6', protocol: 'https', host: 'evil.example' });
  });
  it('maxIpsCount: 1 makes ctx.ip the right-most entry (what the nearest proxy appended)', async () => {
    const r = await get(await koaApp({ proxy: true, maxIpsCount: 1 }), SPOOF);
    assert.equal(r.ip, '203.0.113.9');
  });
  it('proxy: false ignores the headers', async () => {
    const r = await get(await koaApp({ proxy: false }), SPOOF);
    assert.deepEqual(r, { ip: '127.0.0.1', protocol: 'http', host: 'app.test' });
  });
});
