// A cloud/PaaS front with no proxy in the tree is the chain's first hop: it ends TLS, sends its documented
// headers from another host, and the app's trust of that host decides the scheme.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findingsFor } from '../checks/chain/cases.js';

const FLY =
  'app = "x"\n\n[[services]]\n  internal_port = 8000\n  protocol = "tcp"\n\n  [[services.ports]]\n    force_https = true\n    handlers = ["http"]\n    port = 80\n\n  [[services.ports]]\n    handlers = ["tls", "http"]\n    port = 443\n';
const SETTINGS = (extra: string) =>
  `SECRET_KEY = "x"\nALLOWED_HOSTS = ["app.fly.dev"]\nINSTALLED_APPS = ["django.contrib.admin"]\nROOT_URLCONF = "site.urls"\n${extra}`;
const DOCKERFILE = (cmd: string) => `FROM python:3.12\nCOPY . /app\nEXPOSE 8000\n${cmd}\n`;

test('chain: Fly proxy -> gunicorn (default forwarded_allow_ips) -> Django is lost at hop 2, TLS at fly.toml', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'fly',
    files: {
      'fly.toml': FLY,
      Dockerfile: DOCKERFILE('CMD ["gunicorn", "--bind", ":8000", "site.wsgi"]'),
      'site/settings.py': SETTINGS(''),
    },
    expect: 1,
  });
  assert.match(f[0]?.message ?? '', /lost at hop 2 \(gunicorn :8000\)/);
  assert.ok(
    f[0]?.evidence.some((e) => e.file.endsWith('fly.toml') && e.line === 13),
    JSON.stringify(f[0]?.evidence),
  );
});

test('chain: the same with forwarded_allow_ips="*" and SECURE_PROXY_SSL_HEADER believes https', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'fly fixed',
    files: {
      'fly.toml': FLY,
      Dockerfile: DOCKERFILE('CMD ["gunicorn", "--bind", ":8000", "--forwarded-allow-ips", "*", "site.wsgi"]'),
      'site/settings.py': SETTINGS('SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")\n'),
    },
    expect: 0,
  });
  assert.equal(f.length, 0);
});

test('chain (trap): a fly.toml internal_port no app listens on links nothing (no guess)', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'fly other port',
    files: {
      'fly.toml': FLY.replace('internal_port = 8000', 'internal_port = 9000'),
      Dockerfile: DOCKERFILE('CMD ["gunicorn", "--bind", ":8000", "site.wsgi"]'),
      'site/settings.py': SETTINGS(''),
    },
    expect: 0,
  });
  assert.equal(f.length, 0);
});

// Fly runs the app in its own VM: the internet reaches internal_port only through Fly's proxy, which appends two
// X-Forwarded-For entries (the client, then the app's Fly IP). Express trusting 2 hops then gets the client and
// cannot be handed a forged one through the proxy; only the platform's private network reaches the port itself.
const EXPRESS = (hops: number) =>
  `const express = require('express');\nconst app = express();\napp.set('trust proxy', ${hops});\napp.get('/', (req, res) => res.send(req.ip));\napp.listen(8000);\n`;
const NODE_DOCKERFILE = 'FROM node:20\nCOPY . /app\nEXPOSE 8000\nCMD ["node", "server.js"]\n';

test('chain (trap): Express trusting 2 hops behind Fly: the client address is not spoofable through the proxy', async () => {
  const f = await findingsFor('chain/spoofable-backend', {
    name: 'fly express 2 hops',
    files: {
      'fly.toml': FLY,
      Dockerfile: NODE_DOCKERFILE,
      'server.js': EXPRESS(2),
      'package.json': '{"dependencies":{"express":"4.19.2"}}',
    },
    expect: -1,
  });
  assert.ok(
    !f.some((x) => /^[^:]*client[^:]*spoofable from anyone, through/.test(x.message)),
    JSON.stringify(f.map((x) => x.message)),
  );
  // A direct request is a risk only from the platform's private network, never "any host".
  assert.ok(!f.some((x) => /any host/.test(x.message)), JSON.stringify(f.map((x) => x.message)));
  assert.ok(f.every((x) => x.severity !== 'high' || !/private network/.test(x.message)));
});

test('chain: Express trusting 3 hops behind Fly: a forged client address passes the proxy', async () => {
  const f = await findingsFor('chain/spoofable-backend', {
    name: 'fly express 3 hops',
    files: {
      'fly.toml': FLY,
      Dockerfile: NODE_DOCKERFILE,
      'server.js': EXPRESS(3),
      'package.json': '{"dependencies":{"express":"4.19.2"}}',
    },
    expect: -1,
  });
  assert.ok(
    f.some((x) => /^[^:]*client[^:]*spoofable from anyone, through/.test(x.message)),
    JSON.stringify(f.map((x) => x.message)),
  );
  // The fix counts both entries Fly appends: 1 would make Express take Fly's own address for the client.
  const lines = f.flatMap((x) => x.fix?.lines ?? []);
  assert.ok(lines.includes("app.set('trust proxy', 2);"), JSON.stringify(lines));
});
