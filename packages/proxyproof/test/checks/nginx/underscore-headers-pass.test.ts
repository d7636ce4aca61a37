import assert from 'node:assert/strict';
import { test } from 'node:test';
import { underscoreHeadersPass } from '../../../src/checks/nginx/underscore-headers-pass.js';
import { factsFromText, summary } from './harness.js';

// Advice only (removing the directive or adding drops is the operator's choice), so no fix loop.
const ID = 'nginx/underscore-headers-pass';
const CASES: { name: string; config: string; expect: string[] }[] = [
  {
    name: 'http-level underscores_in_headers on, a location sets X-Forwarded-For',
    config:
      'http {\n  underscores_in_headers on;\n  server {\n    listen 80;\n    location / {\n      proxy_set_header X-Forwarded-For $remote_addr;\n      proxy_pass http://127.0.0.1:8000;\n    }\n  }\n}',
    expect: [`${ID}@2`],
  },
  {
    name: 'server-level ignore_invalid_headers off keeps underscore names too',
    config:
      'server {\n  listen 80;\n  ignore_invalid_headers off;\n  proxy_set_header X-Forwarded-Proto $scheme;\n  location / { proxy_pass http://app; }\n}',
    expect: [`${ID}@3`],
  },
  {
    name: 'two servers under one http directive: reported once, at the directive',
    config:
      'http {\n  underscores_in_headers on;\n  server {\n    listen 80;\n    location / { proxy_set_header X-Real-IP $remote_addr; proxy_pass http://a:1; }\n  }\n  server {\n    listen 81;\n    location / { proxy_set_header X-Forwarded-For $remote_addr; proxy_pass http://b:1; }\n  }\n}',
    expect: [`${ID}@2`],
  },
  {
    name: 'an http level whose servers are in includes not in the tree',
    config: 'http {\n  underscores_in_headers on;\n  include /etc/nginx/sites-enabled/*.conf;\n}',
    expect: [`${ID}@2`],
  },
  {
    name: 'trap: the default (underscore names dropped by nginx)',
    config: 'server {\n  listen 80;\n  location / { proxy_set_header X-Forwarded-For $remote_addr; proxy_pass http://a; }\n}',
    expect: [],
  },
  {
    name: 'trap: underscores_in_headers on, the variant dropped with an empty proxy_set_header',
    config:
      'server {\n  listen 80;\n  underscores_in_headers on;\n  location / {\n    proxy_set_header X-Forwarded-For $remote_addr;\n    proxy_set_header X_Forwarded_For "";\n    proxy_pass http://a;\n  }\n}',
    expect: [],
  },
  {
    name: 'trap: fastcgi_pass (nginx builds the HTTP_ params itself and skips a header a param sets)',
    config:
      'server {\n  listen 80;\n  underscores_in_headers on;\n  location / {\n    fastcgi_param HTTP_X_FORWARDED_PROTO $scheme;\n    fastcgi_pass unix:/run/php.sock;\n  }\n}',
    expect: [],
  },
  {
    name: 'trap: proxy_pass_request_headers off (no client header is sent)',
    config:
      'server {\n  listen 80;\n  underscores_in_headers on;\n  location / {\n    proxy_pass_request_headers off;\n    proxy_set_header X-Forwarded-For $remote_addr;\n    proxy_pass http://a;\n  }\n}',
    expect: [],
  },
  {
    name: 'trap: underscores on in a server that proxies without setting a forwarding header',
    config:
      'server {\n  listen 80;\n  underscores_in_headers on;\n  location / { proxy_set_header Host $host; proxy_pass http://a; }\n}',
    expect: [],
  },
  {
    name: 'trap: http level on, the server turns it off',
    config:
      'http {\n  underscores_in_headers on;\n  server {\n    listen 80;\n    underscores_in_headers off;\n    location / { proxy_set_header X-Forwarded-For $remote_addr; proxy_pass http://a; }\n  }\n}',
    expect: [],
  },
];

for (const c of CASES)
  test(`${ID}: ${c.expect.length ? 'invalid' : 'valid'}: ${c.name}`, () => {
    const found = underscoreHeadersPass.run(factsFromText(c.config));
    assert.deepEqual(summary(found), c.expect);
    for (const f of found) {
      assert.equal(f.severity, 'low');
      assert.equal(f.fix?.file, undefined, 'advice, no mechanical fix');
      assert.match(f.fix?.description ?? '', /proxy_set_header X_Forwarded_/);
      assert.match(f.message, /CVE-2024-45614/);
    }
  });

test(`${ID}: the message names the header a location sets and its underscore variant`, () => {
  const [f] = underscoreHeadersPass.run(
    factsFromText(
      'server {\n  listen 80;\n  underscores_in_headers on;\n  location / { proxy_set_header X-Forwarded-Proto $scheme; proxy_pass http://a; }\n}',
    ),
  );
  assert.ok(f);
  assert.match(f.message, /sets X-Forwarded-Proto, but a client's X_Forwarded_Proto/);
  assert.match(f.fix?.description ?? '', /proxy_set_header X_Forwarded_Proto "";/);
  assert.equal(f.evidence[1]?.line, 4);
});

test(`${ID}: an http level whose servers are behind an include that matches no file names that include`, () => {
  const [f] = underscoreHeadersPass.run(
    factsFromText('http {\n  underscores_in_headers on;\n  include /etc/nginx/sites-enabled/*.conf;\n}'),
  );
  assert.ok(f);
  assert.match(f.message, /servers of `include \/etc\/nginx\/sites-enabled\/\*\.conf`, which matches no file here/);
  assert.deepEqual(
    f.evidence.map((e) => e.line),
    [2, 3],
  );
});
