import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpNotRedirected } from '../../../src/checks/nginx/http-not-redirected.js';
import { caseTable, factsFromText } from './harness.js';

const ID = 'nginx/http-not-redirected';
const TLS = 'server {\n  listen 443 ssl;\n  server_name a.test www.a.test;\n  location / { proxy_pass http://app; }\n}\n';

caseTable(httpNotRedirected, [
  {
    name: 'port 80 server for the same name proxies to the app',
    config: `${TLS}server {\n  listen 80;\n  server_name a.test;\n  location / {\n    proxy_pass http://app;\n  }\n}`,
    expect: [`${ID}@9`],
  },
  {
    name: 'an ACME location is fine, but the rest proxies',
    config: `${TLS}server {\n  listen 80;\n  server_name www.a.test;\n  location /.well-known/acme-challenge/ { root /var/www/acme; }\n  location /api/ {\n    proxy_pass http://app;\n  }\n}`,
    expect: [`${ID}@10`],
  },
  // valid
  {
    name: 'return 301 https:// at server level (trap)',
    config: `${TLS}server {\n  listen 80;\n  server_name a.test;\n  return 301 https://$host$request_uri;\n}`,
    expect: [],
  },
  {
    name: 'location / { return 301 https://... } with an ACME location (the seed)',
    config: `${TLS}server {\n  listen 80;\n  server_name a.test;\n  location /.well-known/acme-challenge/ { root /var/www/acme; }\n  location / { return 301 https://$host$request_uri; }\n}`,
    expect: [],
  },
  {
    // Real nginx 1.22: 301 for every path (the rewrite to an absolute URL ends the request at the server level).
    name: 'trap: if ($scheme = http) { rewrite ^/(.*) https://$host/$1 permanent; } on the port 80 server',
    config: `${TLS}server {\n  listen 80;\n  server_name a.test;\n  if ($scheme = http) {\n    rewrite ^/(.*) https://$host/$1 permanent;\n  }\n  location / {\n    proxy_pass http://app;\n  }\n}`,
    expect: [],
  },
  {
    name: 'a server-level rewrite of /admin only leaves the other paths proxied over plain HTTP',
    config: `${TLS}server {\n  listen 80;\n  server_name a.test;\n  rewrite ^/admin(.*) https://$host/admin$1 permanent;\n  location / {\n    proxy_pass http://app;\n  }\n}`,
    expect: [`${ID}@10`],
  },
  {
    name: 'a plain server for other names',
    config: `${TLS}server {\n  listen 80;\n  server_name b.test;\n  location / { proxy_pass http://app; }\n}`,
    expect: [],
  },
  {
    name: 'a plain server with no HTTPS twin (internal or behind a balancer)',
    config: 'server {\n  listen 80;\n  server_name a.test;\n  location / { proxy_pass http://app; }\n}',
    expect: [],
  },
]);

test('fix: return 301 at the server level', () => {
  const [f] = httpNotRedirected.run(
    factsFromText(`${TLS}server {\n  listen 80;\n  server_name a.test;\n  location / {\n    proxy_pass http://app;\n  }\n}`),
  );
  assert.deepEqual(f?.fix?.lines, ['    return 301 https://$host$request_uri;']);
  assert.equal(f?.fix?.line, 6);
});
