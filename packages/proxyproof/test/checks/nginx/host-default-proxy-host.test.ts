import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostDefaultProxyHost } from '../../../src/checks/nginx/host-default-proxy-host.js';
import { caseTable, factsFromText } from './harness.js';

const ID = 'nginx/host-default-proxy-host';

caseTable(hostDefaultProxyHost, [
  {
    name: 'no proxy_set_header at all, proxy_pass to an upstream block: Host is the block name',
    config:
      'upstream sentry {\n  server web:9000;\n}\nserver {\n  listen 80;\n  location / {\n    proxy_pass http://sentry;\n  }\n}',
    expect: [`${ID}@6`],
    severity: 'medium',
  },
  {
    name: 'several locations: one finding, led by location /, fixed once at the server level',
    config:
      'upstream relay { server relay:3000; }\nupstream app { server web:9000; }\nserver {\n  listen 80;\n  location /api/store/ {\n    proxy_pass http://relay;\n  }\n  location / {\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@8`],
  },
  {
    name: 'a loopback address with a port: Host is 127.0.0.1:8000',
    config:
      'server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://127.0.0.1:8000;\n  }\n}',
    expect: [`${ID}@3`],
  },
  {
    name: 'a container name: Host is app:5000',
    config: 'server {\n  listen 80;\n  location / {\n    proxy_pass http://app:5000;\n  }\n}',
    expect: [`${ID}@3`],
  },
  {
    name: 'X-Forwarded-Host carries the name: low (apps that read it are not affected)',
    config:
      'server {\n  listen 443 ssl;\n  location / {\n    proxy_pass http://127.0.0.1:8001;\n    proxy_set_header X-Forwarded-Host $http_host;\n    proxy_set_header X-Forwarded-Proto $scheme;\n  }\n}',
    expect: [`${ID}@3`],
    severity: 'low',
  },
  {
    name: 'trap: Host dropped by a location that sets its own headers is nginx/proxy-header-inheritance',
    config:
      'server {\n  listen 80;\n  proxy_set_header Host $host;\n  location / {\n    proxy_set_header Upgrade $http_upgrade;\n    proxy_pass http://app:5000;\n  }\n}',
    expect: [],
  },
  {
    name: 'a sub-path proxied to another service (not the site pages): low',
    config: 'server {\n  listen 80;\n  location /checkout/ {\n    proxy_pass http://localhost:9112/checkout/;\n  }\n}',
    expect: [`${ID}@3`],
    severity: 'low',
  },
  {
    name: 'a named location the server falls back to is the site: medium',
    config: 'server {\n  listen 80;\n  try_files $uri @app;\n  location @app {\n    proxy_pass http://app:3000;\n  }\n}',
    expect: [`${ID}@4`],
    severity: 'medium',
  },
  {
    name: 'trap: Host $host at the server level is inherited',
    config: 'server {\n  listen 80;\n  proxy_set_header Host $host;\n  location / {\n    proxy_pass http://app:5000;\n  }\n}',
    expect: [],
  },
  {
    name: "trap: Debian's proxy_params sets Host $host",
    config: 'server {\n  listen 80;\n  location / {\n    include proxy_params;\n    proxy_pass http://127.0.0.1:8000;\n  }\n}',
    expect: [],
  },
  {
    name: "trap: an external site's own DNS name is the right Host",
    config: 'server {\n  listen 80;\n  location /api/ {\n    proxy_pass https://api.github.com/;\n  }\n}',
    expect: [],
  },
  {
    name: 'trap: a variable target (resolved per request)',
    config: 'server {\n  listen 80;\n  set $b app;\n  location / {\n    proxy_pass http://$b;\n  }\n}',
    expect: [],
  },
  {
    name: "trap: the ACME challenge path proxied to certbot's standalone server",
    config: 'server {\n  listen 80;\n  location ^~ /.well-known/acme-challenge/ {\n    proxy_pass http://127.0.0.1:8008;\n  }\n}',
    expect: [],
  },
  {
    name: 'trap: an internal location',
    config: 'server {\n  listen 80;\n  location /auth {\n    internal;\n    proxy_pass http://auth:9000;\n  }\n}',
    expect: [],
  },
]);

test('the fix: server level after the first listen when several locations set nothing, else in the location', () => {
  const facts = factsFromText(
    'upstream sentry {\n  server web:9000;\n}\nserver {\n    listen 80;\n    location /api/ {\n        proxy_pass http://sentry;\n    }\n    location / {\n        proxy_pass http://sentry;\n    }\n}',
  );
  const [f] = hostDefaultProxyHost.run(facts);
  assert.equal(f?.fix?.line, 5);
  assert.equal(f?.fix?.placement, 'after');
  assert.deepEqual(f?.fix?.lines, ['    proxy_set_header Host $host;']);
  assert.match(f?.message ?? '', /`sentry`/);
  assert.equal(f?.evidence[0]?.line, 9, 'location / leads');
  const one = hostDefaultProxyHost.run(
    factsFromText('server {\n  listen 8080;\n  location / {\n    proxy_pass http://app:5000;\n  }\n}'),
  )[0];
  assert.equal(one?.fix?.line, 4);
  assert.deepEqual(one?.fix?.lines, ['    proxy_set_header Host $http_host;'], 'a non-standard port keeps its port');
});

test('a location with its own proxy_set_header lines gets Host next to them (it inherits none from the server)', () => {
  const facts = factsFromText(
    'server {\n  listen 80;\n  location / {\n    proxy_set_header X-Real-IP $remote_addr;\n    proxy_pass http://app:5000;\n  }\n}',
  );
  const [f] = hostDefaultProxyHost.run(facts);
  assert.equal(f?.fix?.line, 4);
  assert.deepEqual(f?.fix?.lines, ['    proxy_set_header Host $host;']);
});
