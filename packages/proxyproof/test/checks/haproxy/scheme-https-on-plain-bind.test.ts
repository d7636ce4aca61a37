import { test } from 'node:test';
import { haproxySchemeHttpsOnPlainBind as check } from '../../../src/checks/haproxy/scheme-https-on-plain-bind.js';
import { type Case, runCase } from '../../python/lint-files.js';

const fe = (rules: string, binds = '  bind *:80\n  bind *:443 ssl crt /etc/haproxy/site.pem\n') =>
  `defaults\n  mode http\n  option forwardfor\nfrontend www\n${binds}${rules}  default_backend app\nbackend app\n  server a 10.0.0.5:8000\n`;

const cases: Case[] = [
  {
    name: 'invalid: set-header X-Forwarded-Proto https on a frontend with :80 and :443',
    files: { 'haproxy.cfg': fe('  http-request set-header X-Forwarded-Proto https\n') },
    expect: {
      count: 1,
      severity: 'medium',
      line: 7,
      message: /plain HTTP on port 80 and TLS on port 443/,
      fixLine: 'http-request set-header X-Forwarded-Proto https if { ssl_fc }',
      fixAt: { line: 7, placement: 'replace' },
    },
  },
  {
    name: 'invalid: legacy reqadd X-Forwarded-Proto:\\ https (HAProxy 1.x) on both binds',
    files: { 'haproxy.cfg': fe('  reqadd X-Forwarded-Proto:\\ https\n') },
    expect: { count: 1, line: 7, fixLine: 'http-request set-header X-Forwarded-Proto http if !{ ssl_fc }' },
  },
  {
    name: 'invalid: X-Forwarded-Ssl on in the backend, plain and TLS on one bind line list',
    files: {
      'haproxy.cfg':
        'defaults\n  mode http\nfrontend www\n  bind :8080\n  bind :8443 ssl crt /x.pem\n  default_backend app\nbackend app\n  http-request set-header X-Forwarded-Ssl on\n  server a 10.0.0.5:8000\n',
    },
    expect: { count: 1, line: 8, fixLine: 'http-request del-header X-Forwarded-Ssl if !{ ssl_fc }' },
  },
  {
    name: 'valid: https only if { ssl_fc }, http otherwise',
    files: {
      'haproxy.cfg': fe(
        '  http-request set-header X-Forwarded-Proto https if { ssl_fc }\n  http-request set-header X-Forwarded-Proto http if !{ ssl_fc }\n',
      ),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: the value follows the connection (%[ssl_fc,iif(https,http)])',
    files: { 'haproxy.cfg': fe('  http-request set-header X-Forwarded-Proto %[ssl_fc,iif(https,http)]\n') },
    expect: { count: 0 },
  },
  {
    name: 'valid: plain requests are redirected to https before they reach the backend',
    files: {
      'haproxy.cfg': fe(
        '  http-request redirect scheme https unless { ssl_fc }\n  http-request set-header X-Forwarded-Proto https\n',
      ),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): only a plain bind (TLS ends at a load balancer in front)',
    files: { 'haproxy.cfg': fe('  http-request set-header X-Forwarded-Proto https\n', '  bind *:80\n') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): only the TLS bind sets https',
    files: { 'haproxy.cfg': fe('  http-request set-header X-Forwarded-Proto https\n', '  bind *:443 ssl crt /x.pem\n') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): a later rule for plain requests overrides the unconditional https',
    files: {
      'haproxy.cfg': fe(
        '  http-request set-header X-Forwarded-Proto https\n  http-request set-header X-Forwarded-Proto http if !{ ssl_fc }\n',
      ),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): a condition the model does not read (a header) is not judged',
    files: {
      'haproxy.cfg': fe('  acl from_lb hdr(X-LB) -m found\n  http-request set-header X-Forwarded-Proto https if from_lb\n'),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): tcp mode carries no headers',
    files: {
      'haproxy.cfg':
        'frontend f\n  mode tcp\n  bind :80\n  bind :443 ssl crt /x.pem\n  http-request set-header X-Forwarded-Proto https\n  default_backend b\nbackend b\n  mode tcp\n  server s 10.0.0.1:80\n',
    },
    expect: { count: 0 },
  },
];

for (const c of cases) test(c.name, async () => void (await runCase(check, c)));
