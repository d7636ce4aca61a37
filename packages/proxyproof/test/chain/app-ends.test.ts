// The chain models the neutral app ends (Rails behind Puma here) as hops: "lost at hop N", the redirect loop.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nginxPhoenix, nginxPuma, PUMA_SOCKET, phoenixApp, RAILS_APP, railsProduction } from '../checks/app/fixtures.js';
import { findingsFor } from '../checks/chain/cases.js';

const rails = (prod: string[], headers: string[]) => ({
  'config/application.rb': RAILS_APP,
  'config/environments/production.rb': railsProduction(prod),
  'config/puma.rb': PUMA_SOCKET,
  'site.conf': nginxPuma(headers),
});

test('chain: nginx -> Puma socket -> Rails without X-Forwarded-Proto is lost at hop 1 and loops with force_ssl', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'rails',
    files: rails(['config.force_ssl = true'], ['proxy_set_header Host $host;']),
    expect: 1,
  });
  assert.equal(f.length, 1);
  assert.equal(f[0]?.severity, 'critical');
  assert.match(f[0]?.message ?? '', /reaches Rails as http: lost at hop 1/);
  assert.match(f[0]?.message ?? '', /ERR_TOO_MANY_REDIRECTS/);
});

test('chain: with X-Forwarded-Proto Rails believes https (Rack trusts the header from any peer)', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'rails ok',
    files: rails(['config.force_ssl = true'], ['proxy_set_header X-Forwarded-Proto $scheme;']),
    expect: 0,
  });
  assert.equal(f.length, 0);
});

test('chain: assume_ssl makes Rails believe https even without the header (no loop)', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'assume_ssl',
    files: rails(['config.assume_ssl = true', 'config.force_ssl = true'], ['proxy_set_header Host $host;']),
    expect: 0,
  });
  assert.equal(f.length, 0);
});

test('chain: nginx (X-Forwarded-Proto) -> Phoenix force_ssl without rewrite_on: lost at hop 3 (Phoenix), a redirect loop', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'phoenix',
    files: {
      ...phoenixApp(['force_ssl: [hsts: true]']),
      'site.conf': nginxPhoenix(['proxy_set_header Host $host;', 'proxy_set_header X-Forwarded-Proto $scheme;']),
    },
    expect: 1,
  });
  assert.match(f[0]?.message ?? '', /reaches Phoenix as http: lost at hop 3 \(Phoenix\)/);
  assert.match(f[0]?.message ?? '', /ERR_TOO_MANY_REDIRECTS/);
});

test('chain: Phoenix rewrite_on :x_forwarded_proto behind nginx that sends it believes https', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'phoenix ok',
    files: {
      ...phoenixApp(['force_ssl: [rewrite_on: [:x_forwarded_proto]]']),
      'site.conf': nginxPhoenix(['proxy_set_header Host $host;', 'proxy_set_header X-Forwarded-Proto $scheme;']),
    },
    expect: 0,
  });
  assert.equal(f.length, 0);
});

const SPRING_SITE =
  'server {\n    listen 443 ssl;\n    server_name m.example.com;\n    location / {\n        proxy_pass http://127.0.0.1:8081;\n        proxy_set_header X-Forwarded-Proto $scheme;\n    }\n}\n';

test('chain: nginx -> Spring Boot (server.port ${PORT:8081}) with no forward-headers-strategy: lost at hop 3 (Spring Boot)', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'spring',
    files: { 'src/main/resources/application.properties': 'server.port=${PORT:8081}\n', 'site.conf': SPRING_SITE },
    expect: 1,
  });
  assert.match(f[0]?.message ?? '', /reaches Spring Boot as http: lost at hop 3 \(Spring Boot\)/);
});

test('chain: Spring Boot with forward-headers-strategy native behind a loopback nginx believes https', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'spring native',
    files: {
      'src/main/resources/application.properties': 'server.port=8081\nserver.forward-headers-strategy=native\n',
      // A profile's and a test resource's listeners are not the app's.
      'src/main/resources/application-dev.properties': 'server.port=9999\n',
      'src/test/resources/application.properties': 'server.port=7777\n',
      'site.conf': SPRING_SITE,
    },
    expect: 0,
  });
  assert.equal(f.length, 0);
});

const LARAVEL_MIDDLEWARE =
  '<?php\n\nnamespace App\\Http\\Middleware;\n\nuse Illuminate\\Http\\Middleware\\TrustProxies as Middleware;\n\nclass TrustProxies extends Middleware\n{\n    protected $proxies;\n}\n';
const phpSite = (pass: string, params: string[]) =>
  `server {\n    listen 443 ssl;\n    server_name shop.example.com;\n    location ~ \\.php$ {\n        fastcgi_pass ${pass};\n${params.map((p) => `        ${p}\n`).join('')}    }\n}\n`;

test('chain: nginx -> php-fpm pool -> Laravel with fastcgi_param HTTPS believes https (Symfony isSecure falls back to HTTPS)', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'php https param',
    files: {
      'app/Http/Middleware/TrustProxies.php': LARAVEL_MIDDLEWARE,
      'php-fpm.d/www.conf': '[www]\nlisten = 127.0.0.1:9000\npm = dynamic\n',
      'site.conf': phpSite('127.0.0.1:9000', ['fastcgi_param HTTPS $https if_not_empty;']),
    },
    expect: 0,
  });
  assert.equal(f.length, 0);
});

test('chain: nginx container -> php:8.2-fpm service without the HTTPS param is lost at hop 1 (no HTTPS param)', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'php no param',
    files: {
      'app/Http/Middleware/TrustProxies.php': LARAVEL_MIDDLEWARE,
      'docker-compose.yml':
        'services:\n  app:\n    image: php:8.2-fpm\n  web:\n    image: nginx:1.25\n    ports:\n      - "443:443"\n    volumes:\n      - ./site.conf:/etc/nginx/conf.d/default.conf\n',
      'site.conf': phpSite('app:9000', ['fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;']),
    },
    expect: 1,
  });
  assert.match(f[0]?.message ?? '', /reaches Laravel as http: lost at hop 1 .*no HTTPS param and no X-Forwarded-Proto/);
});

test('chain: nginx container -> Kestrel (ASPNETCORE_URLS) with UseForwardedHeaders defaults is lost at hop 3 (ASP.NET Core)', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'kestrel',
    files: {
      'Program.cs': 'var app = WebApplication.CreateBuilder(args).Build();\napp.UseForwardedHeaders();\napp.Run();\n',
      'docker-compose.yml':
        'services:\n  api:\n    build: .\n    environment:\n      - ASPNETCORE_URLS=http://+:8080\n  web:\n    image: nginx:1.25\n    ports:\n      - "443:443"\n',
      'site.conf':
        'server {\n    listen 443 ssl;\n    server_name api.example.com;\n    location / {\n        proxy_pass http://api:8080;\n        proxy_set_header X-Forwarded-Proto $scheme;\n    }\n}\n',
    },
    expect: 1,
  });
  assert.match(f[0]?.message ?? '', /reaches ASP.NET Core as http: lost at hop 3 \(ASP.NET Core\).*trusts 127.0.0.0\/8/);
});
