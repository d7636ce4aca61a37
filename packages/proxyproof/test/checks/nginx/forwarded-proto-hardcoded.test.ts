import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forwardedProtoHardcoded } from '../../../src/checks/nginx/forwarded-proto-hardcoded.js';
import { caseTable, factsFromText } from './harness.js';

const ID = 'nginx/forwarded-proto-hardcoded';

caseTable(forwardedProtoHardcoded, [
  {
    // RFC 8555 section 8.3: the CA fetches the HTTP-01 token over plain HTTP; certbot's responder ignores the header.
    name: 'trap: literal https sent to the ACME challenge responder on a plain server',
    config:
      'server {\n  listen 80;\n  location /.well-known/acme-challenge {\n    proxy_pass http://certbot:80;\n    proxy_set_header X-Forwarded-Proto https;\n  }\n}',
    expect: [],
  },
  {
    name: 'literal https on a plain-HTTP server nobody fronts',
    config:
      'server {\n  listen 80;\n  location / {\n    proxy_set_header X-Forwarded-Proto https;\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@4`],
  },
  {
    name: 'literal http on a TLS server',
    config:
      'server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header X-Forwarded-Proto http;\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@4`],
  },
  {
    name: 'literal https on a server with both 80 and 443 ssl that does not redirect port 80',
    config:
      'server {\n  listen 80;\n  listen 443 ssl;\n  proxy_set_header X-Forwarded-Proto https;\n  location / { proxy_pass http://app; }\n}',
    expect: [`${ID}@4`],
  },
  {
    name: 'Forwarded with proto=http on TLS',
    config:
      'server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header Forwarded "for=$remote_addr;proto=http";\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@4`],
  },
  {
    name: 'X-Forwarded-Ssl on over plain HTTP',
    config:
      'server {\n  listen 8080;\n  location / {\n    proxy_set_header X-Forwarded-Ssl on;\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@4`],
  },
  {
    name: 'one header line at server level inherited by two locations gives one finding',
    config:
      'server {\n  listen 443 ssl;\n  proxy_set_header X-Forwarded-Proto http;\n  location /a { proxy_pass http://a; }\n  location /b { proxy_pass http://b; }\n}',
    expect: [`${ID}@3`],
  },
  // valid
  {
    name: 'literal https on a TLS-only server (redundant but true)',
    config:
      'server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header X-Forwarded-Proto https;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'literal https on the plain listener behind a TLS-terminating balancer (realip)',
    config:
      'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  real_ip_header X-Forwarded-For;\n  location / {\n    proxy_set_header X-Forwarded-Proto https;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'mixed 80 + 443 server whose port 80 is redirected by if ($scheme = http)',
    config:
      'server {\n  listen 80;\n  listen 443 ssl;\n  if ($scheme = http) {\n    return 301 https://$host$request_uri;\n  }\n  location / {\n    proxy_set_header X-Forwarded-Proto https;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    // Real nginx 1.22: `rewrite` to an absolute URL answers 301 at the server rewrite phase for every path (/, /cable,
    // /x/y?z=1), before any location proxies. Held-out Kabalod/Dubai-mvp-final@97d239753200 (an Ansible vhost).
    name: 'trap: port 80 redirected by if ($scheme = http) { rewrite ^/(.*) https://$host/$1 permanent; }',
    config:
      "server {\n  listen 80;\n  listen 443 ssl;\n  if ( $scheme = 'http' ) {\n    rewrite ^/(.*) https://$host/$1 permanent;\n  }\n  location / {\n    proxy_set_header X-Forwarded-Proto https;\n    proxy_pass http://app;\n  }\n}",
    expect: [],
  },
  {
    name: 'a rewrite of some paths only (^/admin) leaves the other plain-HTTP requests claiming https',
    config:
      'server {\n  listen 80;\n  listen 443 ssl;\n  if ($scheme = http) {\n    rewrite ^/admin(.*) https://$host/admin$1 permanent;\n  }\n  location / {\n    proxy_set_header X-Forwarded-Proto https;\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@8`],
  },
  {
    name: 'a catch-all rewrite to http:// (not https) does not make the plain port safe',
    config:
      'server {\n  listen 80;\n  listen 443 ssl;\n  if ($scheme = http) {\n    rewrite ^ http://other.example$request_uri permanent;\n  }\n  location / {\n    proxy_set_header X-Forwarded-Proto https;\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@8`],
  },
  {
    name: '$scheme is not a literal',
    config:
      'server {\n  listen 80;\n  listen 443 ssl;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'literal https in a location that does not proxy',
    config: 'server {\n  listen 80;\n  location / {\n    proxy_set_header X-Forwarded-Proto https;\n    root /srv;\n  }\n}',
    expect: [],
  },
]);

test('fix replaces the literal with $scheme, keeping indentation; http on TLS is high', () => {
  const facts = factsFromText(
    'server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header X-Forwarded-Proto http;\n    proxy_pass http://app;\n  }\n}',
  );
  const [f] = forwardedProtoHardcoded.run(facts);
  assert.equal(f?.severity, 'high');
  assert.deepEqual(f?.fix?.lines, ['    proxy_set_header X-Forwarded-Proto $scheme;']);
  assert.equal(f?.fix?.line, 4);
  assert.match(f?.message ?? '', /ends TLS on 443 ssl/);
});

test('the Forwarded fix keeps the other elements', () => {
  const facts = factsFromText(
    'server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header Forwarded "for=$remote_addr;proto=http";\n    proxy_pass http://app;\n  }\n}',
  );
  const [f] = forwardedProtoHardcoded.run(facts);
  assert.deepEqual(f?.fix?.lines, ['    proxy_set_header Forwarded "for=$remote_addr;proto=$scheme";']);
});
