import assert from 'node:assert/strict';
import { test } from 'node:test';
import { variableAlwaysEmpty } from '../../../src/checks/nginx/variable-always-empty.js';
import { caseTable, factsFromText, summary } from './harness.js';

const ID = 'nginx/variable-always-empty';

// Behaviour pinned on Debian's nginx 1.22.1 (docs page): without `listen ... proxy_protocol`,
// `proxy_set_header X-Real-IP $proxy_protocol_addr;` sends no X-Real-IP at all (the client's is dropped too), and
// `rewrite ... $http_x_forwarded_proto://$http_host$request_uri/ permanent;` answers `Location: ://host/...`.
caseTable(variableAlwaysEmpty, [
  {
    name: '$proxy_protocol_addr in a header, no proxy_protocol on the listen',
    config:
      'server {\n  listen 80;\n  location / {\n    proxy_set_header X-Real-IP $proxy_protocol_addr;\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@4`],
  },
  {
    name: '$proxy_protocol_addr through a map, as a uwsgi param',
    config:
      'http {\n  map $proxy_protocol_addr $client { default $proxy_protocol_addr; }\n  server {\n    listen 8000;\n    location / {\n      uwsgi_param REMOTE_ADDR $client;\n      uwsgi_pass 127.0.0.1:3031;\n    }\n  }\n}',
    expect: [`${ID}@6`],
  },
  {
    name: 'a $http_x_forwarded_proto redirect scheme on a plain server that shows no front',
    config:
      'server {\n  listen 8081;\n  port_in_redirect off;\n  rewrite ^([^.]*[^/])$ $http_x_forwarded_proto://$http_host$request_uri/ permanent;\n}',
    expect: [`${ID}@4`],
  },
  {
    name: 'a $http_x_forwarded_proto redirect at the TLS edge (nothing in front)',
    config: 'server {\n  listen 443 ssl;\n  location /old {\n    return 301 $http_x_forwarded_proto://$host/new;\n  }\n}',
    expect: [`${ID}@4`],
  },
  {
    name: 'the same redirect in two TLS-edge servers: one finding, both patched by one fix run',
    config:
      'server {\n  listen 443 ssl;\n  server_name a.example;\n  return 301 $http_x_forwarded_proto://$host/new;\n}\n' +
      'server {\n  listen 443 ssl;\n  server_name b.example;\n  return 301 $http_x_forwarded_proto://$host/new;\n}',
    expect: [`${ID}@4`],
  },
  // valid
  {
    name: 'trap: $proxy_protocol_addr with listen ... proxy_protocol',
    config:
      'server {\n  listen 80 proxy_protocol;\n  location / {\n    proxy_set_header X-Real-IP $proxy_protocol_addr;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'trap: proxy_protocol set on the same socket by another server (a socket option)',
    config:
      'server {\n  listen 80 proxy_protocol default_server;\n  return 444;\n}\nserver {\n  listen 80;\n  server_name app.example.org;\n  location / {\n    proxy_set_header X-Real-IP $proxy_protocol_addr;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'trap: the redirect scheme from X-Forwarded-Proto on a plain server behind a balancer it trusts',
    config:
      'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  location / {\n    return 301 $http_x_forwarded_proto://$host$request_uri;\n  }\n}',
    expect: [],
  },
  {
    name: 'trap: the ELB redirect snippet on a plain listener (the balancer sends the header)',
    config:
      'server {\n  listen 80;\n  if ($http_x_forwarded_proto != "https") {\n    return 301 https://$host$request_uri;\n  }\n  location / {\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'trap: $scheme in the redirect',
    config: 'server {\n  listen 443 ssl;\n  location /old {\n    return 301 $scheme://$host/new;\n  }\n}',
    expect: [],
  },
]);

test('the ELB redirect snippet copied into a server that ends TLS itself redirects every request (high)', () => {
  const facts = factsFromText(
    'server {\n  listen 443 ssl;\n  server_name shop.acme-widgets.com;\n  if ($http_x_forwarded_proto != "https") {\n    return 301 https://$host$request_uri;\n  }\n  location / {\n    proxy_pass http://app;\n  }\n}',
  );
  const found = variableAlwaysEmpty.run(facts);
  assert.deepEqual(summary(found), [`${ID}@4`]);
  assert.equal(found[0]?.severity, 'high');
  assert.match(found[0]?.message ?? '', /ERR_TOO_MANY_REDIRECTS/);
  assert.match(found[0]?.fix?.description ?? '', /remove the `if` block at site\.conf:4-6/);
  // Behind a balancer it trusts (realip) the same server is not the edge.
  const behind = factsFromText(
    'server {\n  listen 443 ssl;\n  set_real_ip_from 10.0.0.0/8;\n  if ($http_x_forwarded_proto != "https") {\n    return 301 https://$host$request_uri;\n  }\n  location / {\n    proxy_pass http://app;\n  }\n}',
  );
  assert.deepEqual(variableAlwaysEmpty.run(behind), []);
});

test('real_ip_header proxy_protocol without proxy_protocol on the listen', () => {
  const facts = factsFromText(
    'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  real_ip_header proxy_protocol;\n  location / {\n    proxy_pass http://app;\n  }\n}',
  );
  const found = variableAlwaysEmpty.run(facts);
  assert.deepEqual(summary(found), [`${ID}@4`]);
  assert.equal(found[0]?.fix?.lines?.[0], '  real_ip_header X-Forwarded-For;');
  const pp = factsFromText(
    'server {\n  listen 80 proxy_protocol;\n  set_real_ip_from 10.0.0.0/8;\n  real_ip_header proxy_protocol;\n  location / {\n    proxy_pass http://app;\n  }\n}',
  );
  assert.deepEqual(variableAlwaysEmpty.run(pp), []);
});

test('a fix never copies the empty value: $remote_addr replaces $proxy_protocol_addr; the redirect gets a written scheme', () => {
  const [pp] = variableAlwaysEmpty.run(
    factsFromText(
      'server {\n  listen 80;\n  location / {\n    proxy_set_header X-Forwarded-For "$proxy_protocol_addr, $remote_addr";\n    proxy_pass http://app;\n  }\n}',
    ),
  );
  assert.ok(pp?.fix?.lines?.every((l) => !l.includes('$proxy_protocol')));
  const [redirect] = variableAlwaysEmpty.run(
    factsFromText('server {\n  listen 443 ssl;\n  location /old {\n    return 301 $http_x_forwarded_proto://$host/new;\n  }\n}'),
  );
  assert.deepEqual(redirect?.fix?.lines, ['    return 301 https://$host/new;']);
  assert.equal(redirect?.fix?.placement, 'replace');
});

test('a finding in a template branch names the branch in its evidence', () => {
  const text = `server {
  listen 443 ssl;
}
{% if serve_docs %}
server {
  listen 443 ssl;
  rewrite ^([^.]*[^/])$ $http_x_forwarded_proto://$http_host$request_uri/ permanent;
}
{% endif %}`;
  const found = variableAlwaysEmpty.run(factsFromText(text, 'docs.conf.j2'));
  assert.deepEqual(summary(found), [`${ID}@7`]);
  assert.match(found[0]?.evidence[0]?.note ?? '', /in the template branch `\{% if serve_docs %\}` \(line 4\)/);
  assert.match(found[0]?.message ?? '', /X-Forwarded-Proto/);
});

test('one redirect copied into several servers of a file is one finding; the copy every rendering has is cited first', () => {
  const text = `{% if serve_docs %}
server {
  listen 8081;
  rewrite ^([^.]*[^/])$ $http_x_forwarded_proto://$http_host$request_uri/ permanent;
}
{% endif %}
server {
  listen 8082;
  rewrite ^([^.]*[^/])$ $http_x_forwarded_proto://$http_host$request_uri/ permanent;
}
server {
  listen 8083;
  return 301 $http_x_forwarded_proto://$host/other;
}`;
  const found = variableAlwaysEmpty.run(factsFromText(text, 'docs.conf.j2'));
  assert.deepEqual(summary(found), [`${ID}@13`, `${ID}@9`]);
  const copied = found.find((f) => f.evidence[0]?.line === 9);
  assert.deepEqual(
    copied?.evidence.map((e) => e.line),
    [9, 4],
  );
  assert.match(copied?.evidence[1]?.note ?? '', /template branch/);
  assert.match(copied?.fix?.description ?? '', /docs\.conf\.j2:4/);
});

test('at the TLS edge the copies are patched together (fix.also)', () => {
  const text =
    'server {\n  listen 443 ssl;\n  server_name a.example;\n  return 301 $http_x_forwarded_proto://$host/new;\n}\n' +
    'server {\n  listen 443 ssl;\n  server_name b.example;\n  return 301 $http_x_forwarded_proto://$host/new;\n}';
  const found = variableAlwaysEmpty.run(factsFromText(text));
  assert.equal(found.length, 1);
  assert.equal(found[0]?.fix?.line, 4);
  assert.deepEqual(found[0]?.fix?.also, [
    { file: 'site.conf', line: 9, lines: ['  return 301 https://$host/new;'], placement: 'replace' },
  ]);
});
