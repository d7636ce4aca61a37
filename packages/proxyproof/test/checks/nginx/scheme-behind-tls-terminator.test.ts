import assert from 'node:assert/strict';
import { test } from 'node:test';
import { schemeBehindTlsTerminator } from '../../../src/checks/nginx/scheme-behind-tls-terminator.js';
import { caseTable, factsFromText } from './harness.js';

const ID = 'nginx/scheme-behind-tls-terminator';

caseTable(schemeBehindTlsTerminator, [
  {
    name: 'plain server behind a balancer it trusts with realip, X-Forwarded-Proto $scheme',
    config:
      'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  real_ip_header X-Forwarded-For;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@6`],
  },
  {
    name: "Debian's include proxy_params behind a balancer (realip at http level)",
    config:
      'http {\n  set_real_ip_from 172.16.0.0/12;\n  server {\n    listen 8080;\n    location / {\n      include proxy_params;\n      proxy_pass http://127.0.0.1:8000;\n    }\n  }\n}',
    expect: [`${ID}@6`],
  },
  {
    name: 'PROXY protocol listener without ssl',
    config:
      'server {\n  listen 80 proxy_protocol;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@4`],
  },
  {
    name: "uwsgi behind a balancer: Debian's uwsgi_params sends HTTPS $https, always empty here",
    config:
      'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  location / {\n    include uwsgi_params;\n    uwsgi_pass unix:/run/uwsgi/app.sock;\n  }\n}',
    expect: [`${ID}@5`],
  },
  {
    name: 'fastcgi behind PROXY protocol with a hand-written HTTPS param',
    config:
      'server {\n  listen 80 proxy_protocol;\n  location ~ \\.php$ {\n    fastcgi_param HTTPS $https if_not_empty;\n    fastcgi_pass 127.0.0.1:9000;\n  }\n}',
    expect: [`${ID}@4`],
  },
  // valid
  {
    name: 'uwsgi on a plain server nobody fronts',
    config: 'server {\n  listen 80;\n  location / {\n    include uwsgi_params;\n    uwsgi_pass 127.0.0.1:3031;\n  }\n}',
    expect: [],
  },
  {
    name: 'plain server not behind anything: $scheme is right',
    config:
      'server {\n  listen 80;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'TLS ends at nginx even though a TCP balancer sends PROXY protocol',
    config:
      'server {\n  listen 443 ssl proxy_protocol;\n  set_real_ip_from 10.0.0.0/8;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'behind a balancer with the guarded map (default $scheme)',
    config: `http {
  set_real_ip_from 10.0.0.0/8;
  geo $realip_remote_addr $from_lb { default 0; 10.0.0.0/8 1; }
  map "$from_lb:$http_x_forwarded_proto" $fp { default $scheme; "1:https" https; }
  server {
    listen 80;
    location / {
      proxy_set_header X-Forwarded-Proto $fp;
      proxy_pass http://app;
    }
  }
}`,
    expect: [],
  },
  {
    name: "behind a balancer, no scheme header: the balancer's own X-Forwarded-Proto passes through",
    config:
      'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  location / {\n    proxy_set_header Host $host;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'real_ip_header alone, without set_real_ip_from, trusts no one (no evidence of a balancer)',
    config:
      'server {\n  listen 80;\n  real_ip_header X-Forwarded-For;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
]);

test('evidence shows the balancer lines; the fix maps the trusted header with the real ranges', () => {
  const facts = factsFromText(
    'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  real_ip_header X-Forwarded-For;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app;\n  }\n}',
  );
  const [f] = schemeBehindTlsTerminator.run(facts);
  assert.equal(f?.evidence[1]?.line, 3);
  assert.equal(f?.evidence[1]?.snippet, '  set_real_ip_from 10.0.0.0/8;\n  real_ip_header X-Forwarded-For;');
  assert.ok(f?.fix?.lines?.includes('    10.0.0.0/8 1;'));
  assert.equal(f?.fix?.lines?.at(-1), '    proxy_set_header X-Forwarded-Proto $forwarded_proto;');
});

test('with PROXY protocol the fix is a literal for the HTTPS-only listener', () => {
  const facts = factsFromText(
    'server {\n  listen 80 proxy_protocol;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app;\n  }\n}',
  );
  const [f] = schemeBehindTlsTerminator.run(facts);
  assert.deepEqual(f?.fix?.lines, ['    proxy_set_header X-Forwarded-Proto https;']);
});

test('uwsgi fix: a guarded $forwarded_https, with the stock include spelled out', () => {
  const facts = factsFromText(
    'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  location / {\n    include uwsgi_params;\n    uwsgi_pass unix:/run/uwsgi/app.sock;\n  }\n}',
  );
  const [f] = schemeBehindTlsTerminator.run(facts);
  const lines = f?.fix?.lines ?? [];
  assert.ok(lines.includes('map "$from_trusted_proxy:$http_x_forwarded_proto" $forwarded_https {'));
  assert.ok(lines.includes('    uwsgi_param HTTPS $forwarded_https if_not_empty;'));
  assert.ok(lines.includes('    uwsgi_param REQUEST_METHOD $request_method;'), 'the rest of uwsgi_params is kept');
  assert.equal(lines.filter((l) => /uwsgi_param HTTPS /.test(l)).length, 1);
  assert.match(f?.message ?? '', /\$https is always empty/);
});
