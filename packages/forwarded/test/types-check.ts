import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import {
  absoluteUrl,
  expressForwarded,
  fastifyForwarded,
  honoForwarded,
  isSecure,
  koaForwarded,
  type Resolved,
} from '../src/index.js';

const a = express();
a.use(expressForwarded({ trust: 'loopback' }));
a.get('/', (req, res) => {
  res.send(absoluteUrl(req, '/x') + String(isSecure(req)));
});
const f = Fastify();
void f.register(fastifyForwarded, { trust: 'loopback' });
f.get('/', async (request) => absoluteUrl(request, '/x'));
const k = new Koa();
k.use(koaForwarded({ trust: 'loopback' }));
k.use(async (ctx) => {
  ctx.body = absoluteUrl(ctx, '/x');
});
const h = new Hono<{ Variables: { forwarded: Resolved } }>();
h.use(honoForwarded({ trust: 'loopback' }));
h.get('/', (c) => c.text(absoluteUrl(c, '/x')));
