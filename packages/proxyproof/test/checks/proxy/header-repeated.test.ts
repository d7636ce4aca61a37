import { test } from 'node:test';
import { proxyHeaderRepeated as check } from '../../../src/checks/proxy/header-repeated.js';
import { type Case, runCase } from '../../python/lint-files.js';

/** An nginx server on :80 whose one location proxies with `lines` (the first of them on line 6). */
const ngx = (lines: string) =>
  `events {}\nhttp {\n  server {\n    listen 80;\n    location / {\n      ${lines}\n      proxy_pass http://127.0.0.1:8000;\n    }\n  }\n}\n`;
const two = (a: string, b: string) => ngx(`${a}\n      ${b}`);
/** An Apache vhost on :80 proxying with `lines` (the first on line 2). */
const vhost = (...lines: string[]) =>
  `<VirtualHost *:80>\n${lines.map((l) => `  ${l}\n`).join('')}  ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n`;
/** An HAProxy frontend on :80 with `lines` (the first on line 5). */
const hap = (...lines: string[]) =>
  `defaults\n  mode http\nfrontend fe\n  bind :80\n${lines.map((l) => `  ${l}\n`).join('')}  default_backend app\nbackend app\n  server a 127.0.0.1:8000\n`;
/** The same frontend with `option forwardfor`-style `defaultsLine` in defaults (the frontend's first line is 6). */
const hapDefaults = (defaultsLine: string, ...lines: string[]) =>
  hap(...lines).replace('mode http\n', `mode http\n  ${defaultsLine}\n`);
// Apache 2.4.62 and HAProxy 2.6.12 (Debian), checked by hand with a raw upstream and in header-repeated-real.test.ts:
// `RequestHeader add`/`add-header` write a line of their own, `set`/`set-header` replace every earlier line, Apache's
// `append` joins the value into the existing line, `option forwardfor` adds its line after the http-request rules.
// Two proxy_set_header lines of one name in one level are both sent (nginx 1.22.1, real-nginx.test.ts); what app
// servers make of them: header-repeated-real.test.ts.
const cases: Case[] = [
  {
    name: 'invalid: Host set twice with different values: gunicorn joins, h11 refuses',
    files: { 'nginx.conf': two('proxy_set_header Host $host;', 'proxy_set_header Host $http_host;') },
    expect: {
      count: 1,
      severity: 'medium',
      line: 7,
      message: /sets Host again \(after line 6\).*two Host lines/,
      fixLine: '# proxy_set_header Host $host;',
      fixAt: { line: 6, placement: 'replace' },
    },
  },
  {
    name: 'invalid: the same Host twice is still medium (gunicorn\'s "a,a" is no valid host for Django)',
    files: { 'nginx.conf': two('proxy_set_header Host $host;', 'proxy_set_header host $host;') },
    expect: { count: 1, severity: 'medium', line: 7 },
  },
  {
    name: "invalid: the user's Host $host after Debian's proxy_params, which already sends it: this line is dropped",
    files: { 'nginx.conf': two('include /etc/nginx/proxy_params;', 'proxy_set_header Host $host;') },
    expect: {
      count: 1,
      severity: 'medium',
      line: 7,
      message: /after proxy_params:\d+/,
      fixLine: '# proxy_set_header Host $host;',
      fixAt: { line: 7, placement: 'replace' },
    },
  },
  {
    name: "invalid (advice): Host $http_host after proxy_params' Host $host: the stock line is not the user's to edit",
    files: { 'nginx.conf': two('include /etc/nginx/proxy_params;', 'proxy_set_header Host $http_host;') },
    expect: { count: 1, severity: 'medium', mechanical: false },
  },
  {
    name: "invalid: X-Forwarded-For with the client's own header as a second line",
    files: {
      'nginx.conf': two(
        'proxy_set_header X-Forwarded-For $remote_addr;',
        'proxy_set_header X-Forwarded-For $http_x_forwarded_for;',
      ),
    },
    expect: { count: 1, severity: 'medium', line: 7, message: /another item/ },
  },
  {
    name: 'invalid (low): X-Forwarded-For $remote_addr then proxy_params: every line ends with the address nginx saw',
    files: { 'nginx.conf': two('proxy_set_header X-Forwarded-For $remote_addr;', 'include /etc/nginx/proxy_params;') },
    expect: { count: 1, severity: 'low', message: /the same address/ },
  },
  {
    name: 'invalid: X-Real-IP from two different sources',
    files: {
      'nginx.conf': two('proxy_set_header X-Real-IP $remote_addr;', 'proxy_set_header X-Real-IP $http_cf_connecting_ip;'),
    },
    expect: { count: 1, severity: 'medium', line: 7, fixLine: '# proxy_set_header X-Real-IP $remote_addr;' },
  },
  {
    name: 'invalid (low): X-Forwarded-Host twice with the same value',
    files: { 'nginx.conf': two('proxy_set_header X-Forwarded-Host $host;', 'proxy_set_header X-Forwarded-Host $host;') },
    expect: { count: 1, severity: 'low', line: 7 },
  },
  {
    name: 'valid (trap): one Host line replaces nginx\'s default "Host $proxy_host" (not a repeat)',
    files: { 'nginx.conf': ngx('proxy_set_header Host $host;') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): proxy_params alone sends each header once',
    files: { 'nginx.conf': ngx('include /etc/nginx/proxy_params;') },
    expect: { count: 0 },
  },
  {
    name: "valid (trap): the server's Host and the location's Host: the location's own set drops the server's",
    files: {
      'nginx.conf': ngx('proxy_set_header Host $http_host;').replace(
        '    location / {',
        '    proxy_set_header Host $host;\n    location / {',
      ),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): a second X-Real-IP line with an empty value sends nothing',
    files: { 'nginx.conf': two('proxy_set_header X-Real-IP $remote_addr;', 'proxy_set_header X-Real-IP "";') },
    expect: { count: 0 },
  },
  {
    name: "valid (trap): X-Forwarded-Proto repeats are proxy/forwarded-proto-appended's, not this check's",
    files: { 'nginx.conf': two('proxy_set_header X-Forwarded-Proto $scheme;', 'proxy_set_header X-Forwarded-Proto https;') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): a header outside the forwarding family (Upgrade) twice is not judged',
    files: { 'nginx.conf': two('proxy_set_header Upgrade $http_upgrade;', 'proxy_set_header Upgrade websocket;') },
    expect: { count: 0 },
  },
  {
    // Was a trap while only nginx was judged. Real HAProxy 2.6.12 sends two lines here, the add-header's and then
    // forwardfor's (after every http-request rule): the peer's address stays right-most, so low, not medium.
    name: "invalid (low): option forwardfor plus add-header X-Forwarded-For 10.0.0.1: an entry no connection gave, before HAProxy's own line",
    files: {
      'haproxy.cfg':
        'defaults\n  mode http\nfrontend fe\n  bind :80\n  option forwardfor\n  http-request add-header X-Forwarded-For 10.0.0.1\n  default_backend app\nbackend app\n  server a 10.0.0.2:8080\n',
    },
    expect: { count: 1, severity: 'low', line: 6, message: /HAProxy's own line last/, mechanical: false },
  },
  {
    name: 'invalid: Apache RequestHeader set then add of X-Real-IP: two lines',
    files: { 'a.conf': vhost('RequestHeader set X-Real-IP "%{REMOTE_ADDR}s"', 'RequestHeader add X-Real-IP "10.0.0.1"') },
    expect: {
      count: 1,
      severity: 'medium',
      line: 3,
      message: /adds X-Real-IP as a line of its own beside line 2: Apache sends every line/,
      fixLine: 'RequestHeader set X-Real-IP "10.0.0.1"',
      fixAt: { line: 3, placement: 'replace' },
    },
  },
  {
    name: 'invalid (low): Apache RequestHeader add of one X-Forwarded-Host value twice: a list of one value repeated',
    files: {
      'a.conf': vhost('RequestHeader add X-Forwarded-Host "a.example"', 'RequestHeader add X-Forwarded-Host "a.example"'),
    },
    expect: { count: 1, severity: 'low', line: 3, message: /repeated/ },
  },
  {
    name: 'valid (trap): Apache RequestHeader set twice: the second replaces the first (one line sent)',
    files: { 'a.conf': vhost('RequestHeader set X-Real-IP "a"', 'RequestHeader set X-Real-IP "b"') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): Apache add then set: set replaces every earlier line',
    files: { 'a.conf': vhost('RequestHeader add X-Real-IP "a"', 'RequestHeader set X-Real-IP "b"') },
    expect: { count: 0 },
  },
  {
    name: "valid (trap): Apache RequestHeader append joins the value into one line (mod_proxy's own X-Forwarded-For merges too)",
    files: { 'a.conf': vhost('RequestHeader append X-Forwarded-Host "a"', 'RequestHeader append X-Forwarded-Host "b"') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): Apache add on TLS only and add on plain only never meet in one request',
    files: {
      'a.conf': vhost(
        'RequestHeader add X-Forwarded-Port "443" env=HTTPS',
        'RequestHeader set X-Forwarded-Port "80"',
        'RequestHeader add X-Forwarded-Ssl "on" env=HTTPS',
      ),
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid: HAProxy add-header twice of Host with two values',
    files: { 'haproxy.cfg': hap('http-request add-header Host a.example', 'http-request add-header Host b.example') },
    expect: {
      count: 1,
      severity: 'medium',
      line: 6,
      message: /HAProxy sends every line, so the app server gets two Host lines/,
      fixLine: 'http-request set-header Host b.example',
    },
  },
  {
    name: "invalid (low): option forwardfor plus add-header X-Forwarded-For %[src]: two lines of the peer's address",
    files: { 'haproxy.cfg': hap('option forwardfor', 'http-request add-header X-Forwarded-For %[src]') },
    expect: {
      count: 1,
      severity: 'low',
      line: 6,
      message: /the same address/,
      fixLine: '# http-request add-header X-Forwarded-For %[src]',
      fixAt: { line: 6, placement: 'replace' },
    },
  },
  {
    name: 'valid (trap): option forwardfor if-none adds nothing where the header is already there',
    files: { 'haproxy.cfg': hap('option forwardfor if-none', 'http-request add-header X-Forwarded-For %[src]') },
    expect: { count: 0 },
  },
  {
    // HAProxy 2.6.12: the set-header's line and then forwardfor's ("%[src]" twice: "127.0.0.1", "127.0.0.1"); deleting
    // the client's lines instead leaves forwardfor's one line (header-repeated-proxies-real.test.ts).
    name: "invalid (low): option forwardfor plus set-header X-Forwarded-For %[src]: forwardfor's line is added after the set",
    files: { 'haproxy.cfg': hap('option forwardfor', 'http-request set-header X-Forwarded-For %[src]') },
    expect: {
      count: 1,
      severity: 'low',
      line: 6,
      message: /sets X-Forwarded-For, and `option forwardfor` \(line 5\) adds a line of its own after every http-request rule/,
      fixLine: 'http-request del-header X-Forwarded-For',
      fixAt: { line: 6, placement: 'replace' },
    },
  },
  {
    name: "invalid (low): forwardfor in defaults plus a set-header of another header's value: that value, then the peer's",
    files: {
      'haproxy.cfg': hapDefaults('option forwardfor', 'http-request set-header X-Forwarded-For %[req.hdr(CF-Connecting-IP)]'),
    },
    expect: { count: 1, severity: 'low', line: 6, message: /HAProxy's own line last/, mechanical: false },
  },
  {
    name: 'valid (trap): HAProxy set-header twice: one line, the last value',
    files: { 'haproxy.cfg': hap('http-request set-header X-Real-IP %[src]', 'http-request set-header X-Real-IP 1.2.3.4') },
    expect: { count: 0 },
  },
  {
    name: "valid (trap): option forwardfor alone: one line appended to the client's (how X-Forwarded-For chains)",
    files: { 'haproxy.cfg': hap('option forwardfor') },
    expect: { count: 0 },
  },
];

// forwardfor beside rules that leave one line (real HAProxy 2.6.12: header-repeated-proxies-real.test.ts).
const forwardforTraps: [string, string[]][] = [
  [
    'valid (trap): option forwardfor if-none plus set-header X-Forwarded-For: forwardfor adds nothing (one line)',
    ['option forwardfor if-none', 'http-request set-header X-Forwarded-For %[src]'],
  ],
  [
    "valid (trap): option forwardfor plus del-header X-Forwarded-For: the client's lines go, forwardfor's one is sent",
    ['option forwardfor', 'http-request del-header X-Forwarded-For'],
  ],
];
for (const [name, rules] of forwardforTraps) cases.push({ name, files: { 'haproxy.cfg': hap(...rules) }, expect: { count: 0 } });

for (const c of cases) test(c.name, async () => void (await runCase(check, c)));
