import assert from 'node:assert/strict';
import { expressTrustProxyUnset } from '../../../src/checks/node/express-trust-proxy-unset.js';
import { caseTable, nginxSameHost } from './harness.js';

const COMPOSE_PROXY = `services:
  proxy:
    image: nginx:1.25
    ports:
      - "443:443"
    volumes:
      - ./nginx:/etc/nginx/conf.d
  web:
    build: ./app
    expose:
      - "3000"
`;
const NGINX_TO_WEB =
  'server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://web:3000;\n  }\n}\n';

/** An Express app answering with req.protocol, listening on `listen` (the arguments of app.listen). */
const protocolApp = (listen: string): string =>
  `const express = require('express');\nconst app = express();\napp.get('/', (req, res) => res.send(req.protocol));\napp.listen(${listen});\n`;
/** Medium when a front in the files serves HTTPS, else low with the "no front serves HTTPS" wording. */
const httpsSeen =
  (seen: boolean) =>
  ([f]: Array<{ severity: string; message: string } | undefined>): void => {
    assert.equal(f?.severity, seen ? 'medium' : 'low', f?.message);
    (seen ? assert.doesNotMatch : assert.match)(f?.message ?? '', /no front in the files serves HTTPS/);
  };

caseTable(expressTrustProxyUnset, [
  {
    name: 'Express behind a same-host nginx, trust proxy never set',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'app/server.js': protocolApp("3000, '127.0.0.1'"),
    },
    expect: ['app/server.js@2'],
    check: ([f]) => {
      assert.equal(f?.severity, 'medium');
      assert.match(f?.fix?.lines?.join('\n') ?? '', /app\.set\('trust proxy', 'loopback'\)/);
      assert.match(f?.fix?.lines?.join('\n') ?? '', /expressForwarded\(\{ trust: \['loopback'\] \}\)/);
      assert.equal(f?.fix?.placement, 'after');
      // The app's own read of what is lost is the consequence shown (collectors/node/request-reads.ts).
      assert.ok(
        f?.evidence.some((e) => e.line === 3 && /reads the scheme here \(req\.protocol\): it gets http/.test(e.note ?? '')),
        JSON.stringify(f?.evidence),
      );
    },
  },
  {
    name: 'trap: the setting only appears in a comment (a regex linter would think it is set)',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'app/server.mjs':
        "import express from 'express';\nconst app = express();\n// app.set('trust proxy', 'loopback')  -- TODO\n/* app.enable('trust proxy') */\napp.listen(3000, '127.0.0.1');\n",
    },
    expect: ['app/server.mjs@2'],
  },
  {
    name: "trap: app.set('trust proxy') with one argument is Express's getter, not a setting (reported as not set)",
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'app/server.js':
        "const express = require('express');\nconst app = express();\napp.set('trust proxy');\napp.listen(3000, '127.0.0.1');\n",
    },
    expect: ['app/server.js@2'],
    check: ([f]) => assert.match(f?.message ?? '', /'trust proxy' is not set/),
  },
  {
    name: "app.set('trust proxy', false) written explicitly",
    files: {
      'nginx/app.conf': nginxSameHost(8080),
      'srv/index.ts':
        "import express from 'express';\nconst app = express();\napp.set('trust proxy', false);\napp.listen(8080, '127.0.0.1');\n",
    },
    expect: ['srv/index.ts@3'],
  },
  {
    name: 'NestJS on Express (NestFactory.create<NestExpressApplication>) behind nginx without trust proxy',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'api/src/main.ts':
        "import { NestFactory } from '@nestjs/core';\nimport type { NestExpressApplication } from '@nestjs/platform-express';\nimport { AppModule } from './app.module';\n\nasync function bootstrap() {\n  const app = await NestFactory.create<NestExpressApplication>(AppModule);\n  await app.listen(3000, '127.0.0.1');\n}\nbootstrap();\n",
    },
    expect: ['api/src/main.ts@6'],
    check: ([f]) => assert.match(f?.message ?? '', /NestJS \(Express\)/),
  },
  {
    // Held-out linkcollect/LinkCollect-@bb6ae5f86159: `# listen 443 ssl;` commented out, compose still publishes 443.
    name: 'an nginx container publishing 443 whose configs (all ports known) listen on 80 only: no HTTPS, low',
    files: {
      'docker-compose.yml': COMPOSE_PROXY.replace('"443:443"', '"80:80"\n      - "443:443"'),
      'nginx/default.conf':
        'server {\n  # listen 443 ssl;\n  listen 80;\n  location / {\n    proxy_pass http://web:3000;\n  }\n}\n',
      'app/server.js': protocolApp('3000'),
    },
    expect: ['app/server.js@2'],
    check: httpsSeen(false),
  },
  {
    name: 'trap: another proxy container (edge: caddy) publishes 443 in front of that nginx: the 443 still counts',
    files: {
      'docker-compose.yml': `${COMPOSE_PROXY.replace('"443:443"', '"8080:80"')}  edge:\n    image: caddy:2\n    ports:\n      - "443:443"\n`,
      'nginx/default.conf': 'server {\n  listen 80;\n  location / {\n    proxy_pass http://web:3000;\n  }\n}\n',
      'app/server.js': protocolApp('3000'),
    },
    expect: ['app/server.js@2'],
    check: ([f]) => assert.equal(f?.severity, 'medium', f?.message),
  },
  {
    name: "'loopback' while nginx runs in another container: the proxy's address is not trusted",
    files: {
      'docker-compose.yml': COMPOSE_PROXY,
      'nginx/default.conf': NGINX_TO_WEB,
      'app/server.js':
        "const express = require('express');\nconst app = express();\napp.set('trust proxy', 'loopback');\napp.listen(3000);\n",
    },
    expect: ['app/server.js@3'],
    check: ([f]) => assert.match(f?.message ?? '', /trusts only loopback/),
  },
  {
    name: 'no listen() seen, but an nginx proxy is configured: reported at low severity',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'app/app.js': "const express = require('express');\nconst app = express();\nmodule.exports = app;\n",
    },
    expect: ['app/app.js@2'],
    check: ([f]) => assert.equal(f?.severity, 'low'),
  },
  {
    name: 'nginx in front listens on plain :80 only and no front ends TLS: low, the scheme is http either way',
    files: {
      'nginx.conf':
        'upstream api {\n  server 10.0.0.7:3001;\n}\nserver {\n  listen 80;\n  location /api/ {\n    proxy_pass http://api;\n  }\n}\n',
      'src/main.ts':
        "import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\n\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  await app.listen(3001);\n}\nbootstrap();\n",
    },
    expect: ['src/main.ts@5'],
    check: ([f]) => {
      assert.equal(f?.severity, 'low');
      assert.match(f?.message ?? '', /NestJS \(Express\).*no front in the files serves HTTPS/);
    },
  },
  {
    name: 'plain nginx :8080 behind a Caddy site with a domain name (automatic HTTPS): medium, TLS evidence is not only nginx',
    files: {
      Caddyfile: 'app.example.com {\n  reverse_proxy 127.0.0.1:8080\n}\n',
      'nginx.conf':
        'server {\n  listen 127.0.0.1:8080;\n  location / {\n    proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;\n    proxy_pass http://127.0.0.1:3000;\n  }\n}\n',
      'app/server.js': protocolApp("3000, '127.0.0.1'"),
    },
    expect: ['app/server.js@2'],
    check: httpsSeen(true),
  },
  {
    name: 'plain nginx :8080 behind a HAProxy `bind :443 ssl`: medium',
    files: {
      'haproxy.cfg':
        'frontend web\n  mode http\n  bind :443 ssl crt /etc/haproxy/site.pem\n  default_backend edge\nbackend edge\n  mode http\n  server a 127.0.0.1:8080\n',
      'nginx.conf': 'server {\n  listen 127.0.0.1:8080;\n  location / {\n    proxy_pass http://127.0.0.1:3000;\n  }\n}\n',
      'app/server.js': "const express = require('express');\nconst app = express();\napp.listen(3000, '127.0.0.1');\n",
    },
    expect: ['app/server.js@2'],
    check: ([f]) => assert.equal(f?.severity, 'medium', f?.message),
  },
  {
    name: "NestJS: app.getHttpAdapter().getInstance().set('trust proxy', false) inline is the app's setting",
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'src/main.ts':
        "import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\n\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  app.getHttpAdapter().getInstance().set('trust proxy', false);\n  await app.listen(3000, '127.0.0.1');\n}\nbootstrap();\n",
    },
    expect: ['src/main.ts@6'],
    check: ([f]) => assert.match(f?.message ?? '', /NestJS \(Express\).*set to false/),
  },
  // valid
  {
    name: "NestJS: const instance = app.getHttpAdapter().getInstance(); instance.set('trust proxy', 'loopback') is set",
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'src/main.ts':
        "import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\n\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  const instance = app.getHttpAdapter().getInstance();\n  instance.set('trust proxy', 'loopback');\n  await app.listen(3000, '127.0.0.1');\n}\nbootstrap();\n",
    },
    expect: [],
  },
  {
    name: "trap: 'loopback' behind a same-host nginx is right",
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'app/server.js':
        "const express = require('express');\nconst app = express();\napp.set('trust proxy', 'loopback');\napp.listen(3000, '127.0.0.1');\n",
    },
    expect: [],
  },
  {
    name: 'app.enable(\'trust proxy\') (true) is not "unset" (trust-proxy-all judges it)',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'app/server.js':
        "const express = require('express');\nconst app = express();\napp.enable('trust proxy');\napp.listen(3000, '127.0.0.1');\n",
    },
    expect: [],
  },
  {
    name: 'no reverse proxy in the linted files: unset is the right default',
    files: { 'app/server.js': "const express = require('express');\nconst app = express();\napp.listen(3000);\n" },
    expect: [],
  },
  {
    name: 'the app resolves forwarded headers with @proxyproof/forwarded',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'app/server.ts':
        "import express from 'express';\nimport { expressForwarded } from '@proxyproof/forwarded';\nconst app = express();\napp.use(expressForwarded({ trust: ['loopback'] }));\napp.listen(3000, '127.0.0.1');\n",
    },
    expect: [],
  },
  {
    name: 'trust proxy set in another module (configure(app)) is attached to the app',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'app/server.js':
        "const express = require('express');\nconst configure = require('./setup');\nconst app = express();\nconfigure(app);\napp.listen(3000, '127.0.0.1');\n",
      'app/setup.js': "module.exports = function configure(app) {\n  app.set('trust proxy', 'loopback');\n};\n",
    },
    expect: [],
  },
  {
    name: "trust proxy from the environment with a 'loopback' default",
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'app/server.js':
        "const express = require('express');\nconst app = express();\napp.set('trust proxy', process.env.TRUST_PROXY ?? 'loopback');\napp.listen(3000, '127.0.0.1');\n",
    },
    expect: [],
  },
  {
    name: 'Fly.io front, trust_proxy = 0 read from a config file with conf.get: the fix edits the config line to 2 hops',
    files: {
      'deploy/fly.toml': 'app = "web"\n\n[http_service]\ninternal_port = 8080\nforce_https = true\n',
      'deploy/base.toml': 'port = 8080\ntrust_proxy = 0\n',
      'server/app.ts':
        "import express from 'express';\nimport convict from 'convict';\nimport { RateLimiterMemory } from 'rate-limiter-flexible';\nconst conf = convict({ trust_proxy: { doc: 'hops', format: 'nat', default: 1, env: 'TRUST_PROXY' } });\nconst app = express();\napp.set('trust proxy', conf.get('trust_proxy'));\napp.listen(conf.get('port'));\n",
    },
    expect: ['server/app.ts@6'],
    check: ([f]) => {
      assert.equal(f?.severity, 'high', 'a rate limiter keys on req.ip');
      assert.ok(f?.evidence.some((e) => e.file === 'deploy/base.toml' && e.line === 2));
      assert.equal(f?.fix?.file, 'deploy/base.toml');
      assert.deepEqual(f?.fix?.lines, ['trust_proxy = 2']);
    },
  },
  {
    name: "Fly.io front with trust proxy 1: the right-most X-Forwarded-For entry is the app's own address",
    files: {
      'fly.toml': 'app = "web"\n\n[http_service]\ninternal_port = 3000\n',
      'server.js': "const express = require('express');\nconst app = express();\napp.set('trust proxy', 1);\napp.listen(3000);\n",
    },
    expect: ['server.js@3'],
    check: ([f]) => assert.match(f?.message ?? '', /2 X-Forwarded-For entries/),
  },
  {
    name: 'trap: Fly.io front with trust proxy 2 (client, app IP)',
    files: {
      'fly.toml': 'app = "web"\n\n[http_service]\ninternal_port = 3000\n',
      'server.js': "const express = require('express');\nconst app = express();\napp.set('trust proxy', 2);\napp.listen(3000);\n",
    },
    expect: [],
  },
]);
