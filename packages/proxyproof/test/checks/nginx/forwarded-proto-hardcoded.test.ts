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

// TLS only in a template branch (audit 12, round 18, gap 13): "the server ends TLS" is true only in the renderings
// that take the branch, and the finding says so as other branch-dependent findings do ("(template: only when …)").
const TLS_IN_BRANCH: Array<{ name: string; file: string; text: string; when: RegExp | null; at?: number }> = [
  {
    name: 'Jinja `{% if ssl %} listen 443 ssl; {% endif %}`: names the branch',
    file: 'site.conf.j2',
    text: 'server {\n    listen {{ port }};\n{% if ssl %}\n    listen 443 ssl;\n{% endif %}\n    location / {\n        proxy_set_header X-Forwarded-Proto http;\n        proxy_pass http://127.0.0.1:8000;\n    }\n}',
    when: /\(template: only when `\{% if ssl %\}` \(site\.conf\.j2:3\) is true\)$/,
    at: 3,
  },
  {
    name: 'ERB `<% if @ssl %>`: names the branch',
    file: 'site.conf.erb',
    text: 'server {\n    listen <%= @port %>;\n<% if @ssl %>\n    listen 443 ssl;\n<% end %>\n    location / {\n        proxy_set_header X-Forwarded-Proto http;\n        proxy_pass http://127.0.0.1:8000;\n    }\n}',
    when: /\(template: only when `<% if @ssl %>` \(site\.conf\.erb:3\) is true\)$/,
    at: 3,
  },
  {
    name: 'an inline branch `listen 443{% if tls %} ssl{% endif %};`: names it',
    file: 'site.conf.j2',
    text: 'server {\n    listen 443{% if tls %} ssl{% endif %};\n    location / {\n        proxy_set_header X-Forwarded-Proto http;\n        proxy_pass http://127.0.0.1:8000;\n    }\n}',
    when: /\(template: only when `\{% if tls %\}` \(site\.conf\.j2:2\) is true\)$/,
    at: 2,
  },
  {
    name: 'trap: the TLS listen outside the branch (only the certificate in it): TLS ends in every rendering',
    file: 'site.conf.j2',
    text: 'server {\n    listen 443 ssl;\n{% if custom_cert %}\n    ssl_certificate /etc/ssl/{{ cert }};\n{% endif %}\n    location / {\n        proxy_set_header X-Forwarded-Proto http;\n        proxy_pass http://127.0.0.1:8000;\n    }\n}',
    when: null,
  },
  {
    name: 'trap: the whole server inside the branch: without it there is no such server, not a plain one',
    file: 'site.conf.j2',
    text: '{% if ssl %}\nserver {\n    listen 443 ssl;\n    location / {\n        proxy_set_header X-Forwarded-Proto http;\n        proxy_pass http://127.0.0.1:8000;\n    }\n}\n{% endif %}',
    when: null,
  },
];

for (const c of TLS_IN_BRANCH) {
  test(`template: ${c.name}`, () => {
    const found = forwardedProtoHardcoded.run(factsFromText(c.text, c.file));
    assert.equal(found.length, 1);
    const f = found[0];
    assert.equal(f?.severity, 'high', 'http on the TLS listener stays high');
    if (c.when === null) {
      assert.doesNotMatch(f?.message ?? '', /\(template: /);
      assert.equal(f?.data?.templateBranch, undefined);
      return;
    }
    assert.match(f?.message ?? '', c.when);
    assert.match((f?.data?.templateBranch as { condition?: string } | undefined)?.condition ?? '', /\(site\.conf\.\w+:\d+\)/);
    assert.ok(
      f?.evidence.some((e) => e.line === c.at && /template conditional/.test(e.note ?? '')),
      'an evidence line at the conditional',
    );
  });
}
