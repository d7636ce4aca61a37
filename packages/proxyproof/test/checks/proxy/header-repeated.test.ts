import { test } from 'node:test';
import { proxyHeaderRepeated as check } from '../../../src/checks/proxy/header-repeated.js';
import { type Case, runCase } from '../../python/lint-files.js';

/** An nginx server on :80 whose one location proxies with `lines` (the first of them on line 6). */
const ngx = (lines: string) =>
  `events {}\nhttp {\n  server {\n    listen 80;\n    location / {\n      ${lines}\n      proxy_pass http://127.0.0.1:8000;\n    }\n  }\n}\n`;
const two = (a: string, b: string) => ngx(`${a}\n      ${b}`);
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
    name: "valid (trap): HAProxy's option forwardfor appends X-Forwarded-For by design",
    files: {
      'haproxy.cfg':
        'defaults\n  mode http\nfrontend fe\n  bind :80\n  option forwardfor\n  http-request add-header X-Forwarded-For 10.0.0.1\n  default_backend app\nbackend app\n  server a 10.0.0.2:8080\n',
    },
    expect: { count: 0 },
  },
];

for (const c of cases) test(c.name, async () => void (await runCase(check, c)));
