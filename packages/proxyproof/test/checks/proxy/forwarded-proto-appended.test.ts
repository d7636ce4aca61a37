import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyForwardedProtoAppended as check } from '../../../src/checks/proxy/forwarded-proto-appended.js';
import { type Case, runCase } from '../../python/lint-files.js';

const fe = (bind: string, rule: string) =>
  `defaults\n  mode http\nfrontend fe\n  bind ${bind}\n  ${rule}\n  default_backend app\nbackend app\n  server a 10.0.0.2:8080\n`;
/** An nginx server on :80 whose one location proxies with `lines` (the first of them on line 6). */
const ngx = (lines: string) =>
  `events {}\nhttp {\n  server {\n    listen 80;\n    location / {\n      ${lines}\n      proxy_pass http://127.0.0.1:8000;\n    }\n  }\n}\n`;
const cases: Case[] = [
  {
    name: 'invalid: legacy reqadd http on a plain frontend (behind an ELB: https,http)',
    files: { 'haproxy.cfg': fe(':80', 'reqadd X-Forwarded-Proto:\\ http') },
    expect: { count: 1, severity: 'high', line: 5, fixLine: 'http-request set-header X-Forwarded-Proto http' },
  },
  {
    name: 'invalid (low): add-header https on a TLS frontend keeps a forged client value',
    files: { 'haproxy.cfg': fe(':443 ssl crt /x.pem', 'http-request add-header X-Forwarded-Proto https') },
    expect: { count: 1, severity: 'low', fixLine: 'http-request set-header X-Forwarded-Proto https' },
  },
  {
    name: 'valid: set-header replaces',
    files: { 'haproxy.cfg': fe(':80', 'http-request set-header X-Forwarded-Proto http') },
    expect: { count: 0 },
  },
  {
    name: 'invalid: Apache RequestHeader append',
    files: {
      'a.conf':
        '<VirtualHost *:80>\n  RequestHeader append X-Forwarded-Proto "http"\n  ProxyPass / http://127.0.0.1:1/\n</VirtualHost>\n',
    },
    expect: { count: 1, fixLine: 'RequestHeader set X-Forwarded-Proto "http"' },
  },
  {
    name: 'valid (trap): the backend redirects every plain request to https (redirect scheme https if !{ ssl_fc }), so nothing appended is forwarded',
    files: {
      'haproxy.cfg': fe(':80', 'reqadd X-Forwarded-Proto:\\ http').replace(
        '\nbackend app\n',
        '\nbackend app\n  redirect scheme https if !{ ssl_fc }\n',
      ),
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid: a backend redirect decided by the header (behind an ELB the https request is forwarded: https,http)',
    files: {
      'haproxy.cfg': fe(':80', 'reqadd X-Forwarded-Proto:\\ http').replace(
        '\nbackend app\n',
        '\nbackend app\n  http-request redirect scheme https unless { req.hdr(x-forwarded-proto) -m str https }\n',
      ),
    },
    expect: { count: 1, severity: 'high', line: 5 },
  },
  {
    name: 'valid (trap): option forwardfor appends X-Forwarded-For, which is how that header chains',
    files: { 'haproxy.cfg': fe(':80', 'option forwardfor') },
    expect: { count: 0 },
  },
  // nginx: two proxy_set_header lines of one name in one level are both sent (nginx 1.22.1, real-nginx.test.ts).
  {
    name: 'invalid (nginx): X-Forwarded-Proto set twice with different values: the app gets "http, https"',
    files: { 'nginx.conf': ngx('proxy_set_header X-Forwarded-Proto $scheme;\n      proxy_set_header X-Forwarded-Proto https;') },
    expect: {
      count: 1,
      severity: 'medium',
      line: 7,
      message: /after line 6\b.*"http, https"/,
      fixLine: '# proxy_set_header X-Forwarded-Proto $scheme;',
      fixAt: { line: 6, placement: 'replace' },
    },
  },
  {
    name: "invalid (nginx): the client's own header first, then $scheme: the name differs only in case",
    files: {
      'nginx.conf': ngx(
        'proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;\n      proxy_set_header x-forwarded-proto $scheme;',
      ),
    },
    expect: { count: 1, severity: 'medium', line: 7, message: /\$http_x_forwarded_proto, http/ },
  },
  {
    name: 'invalid (nginx, low): the same value twice',
    files: {
      'nginx.conf': ngx('proxy_set_header X-Forwarded-Proto $scheme;\n      proxy_set_header X-Forwarded-Proto $scheme;'),
    },
    expect: { count: 1, severity: 'low', line: 7 },
  },
  {
    name: "invalid (nginx, advice): the first line is Debian's stock proxy_params, which is not the user's to edit",
    files: { 'nginx.conf': ngx('include /etc/nginx/proxy_params;\n      proxy_set_header X-Forwarded-Proto https;') },
    expect: { count: 1, severity: 'medium', mechanical: false },
  },
  {
    name: "invalid (nginx, low): the stock proxy_params already sends $scheme; the user's same line after it is the one to drop",
    files: { 'nginx.conf': ngx('include /etc/nginx/proxy_params;\n      proxy_set_header X-Forwarded-Proto $scheme;') },
    expect: {
      count: 1,
      severity: 'low',
      line: 7,
      message: /after proxy_params:\d+/,
      fixLine: '# proxy_set_header X-Forwarded-Proto $scheme;',
      fixAt: { line: 7, placement: 'replace' },
    },
  },
  {
    name: 'valid (nginx trap): a second line with an empty value sends nothing; the first value stays alone',
    files: { 'nginx.conf': ngx('proxy_set_header X-Forwarded-Proto $scheme;\n      proxy_set_header X-Forwarded-Proto "";') },
    expect: { count: 0 },
  },
  {
    name: 'valid (nginx trap): an empty first line sends nothing, so the line after it is the only one (no repeat)',
    files: { 'nginx.conf': ngx('proxy_set_header X-Forwarded-Proto "";\n      proxy_set_header X-Forwarded-Proto $scheme;') },
    expect: { count: 0 },
  },
  {
    name: "valid (nginx trap): the server's line and the location's line: the location's own set drops the server's",
    files: {
      'nginx.conf': ngx('proxy_set_header X-Forwarded-Proto https;').replace(
        '    location / {',
        '    proxy_set_header X-Forwarded-Proto $scheme;\n    location / {',
      ),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (nginx trap): two different headers, each once',
    files: { 'nginx.conf': ngx('proxy_set_header X-Forwarded-Proto $scheme;\n      proxy_set_header X-Forwarded-Host $host;') },
    expect: { count: 0 },
  },
];

for (const c of cases) test(c.name, async () => void (await runCase(check, c)));

test('a plain frontend appending http names the frontend too (the hop a TLS balancer forwards to)', async () => {
  const [f] = await runCase(check, {
    name: 'reqadd http on :80',
    files: { 'haproxy.cfg': fe(':80', 'reqadd X-Forwarded-Proto:\\ http') },
    expect: { count: 1, line: 5 },
  });
  assert.deepEqual(
    f?.evidence.map((e) => e.line),
    [5, 3],
  );
});
