import { test } from 'node:test';
import { caddyTrustedProxiesMissing as check } from '../../../src/checks/caddy/trusted-proxies-missing.js';
import { type Case, runCase } from '../../python/lint-files.js';

const FLY =
  'app = "x"\n[[services]]\n  internal_port = 8080\n  [[services.ports]]\n    handlers = ["tls", "http"]\n    port = 443\n';

const cases: Case[] = [
  {
    name: 'invalid (medium): a loopback-bound plain site (another proxy on the host forwards to it), php_fastcgi without trusted_proxies',
    files: { Caddyfile: ':8080 {\n\tbind 127.0.0.1\n\troot * /srv/wiki\n\tphp_fastcgi unix//run/php/php8.2-fpm.sock\n}\n' },
    expect: { count: 1, severity: 'medium', line: 4, fixLine: '\ttrusted_proxies 127.0.0.1 ::1' },
  },
  {
    name: 'invalid (medium): reverse_proxy with its own block gets trusted_proxies inside it',
    files: {
      Caddyfile: ':8080 {\n\tbind 127.0.0.1\n\treverse_proxy 127.0.0.1:3000 {\n\t\theader_up X-Real-IP {remote_host}\n\t}\n}\n',
    },
    expect: { count: 1, line: 3, fixLine: 'trusted_proxies 127.0.0.1 ::1' },
  },
  {
    name: 'invalid (high): a TLS-terminating front (fly.toml) in front of a plain Caddy site',
    files: { 'fly.toml': FLY, Caddyfile: ':8080 {\n\treverse_proxy 127.0.0.1:3000\n}\n' },
    expect: { count: 1, severity: 'high', line: 2 },
  },
  {
    name: 'valid: trusted_proxies on the directive (the fix)',
    files: {
      Caddyfile:
        ':8080 {\n\tbind 127.0.0.1\n\tphp_fastcgi unix//run/php/php8.2-fpm.sock {\n\t\ttrusted_proxies 127.0.0.1 ::1\n\t}\n}\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: global servers { trusted_proxies } (Caddy 2.6.3+)',
    files: {
      Caddyfile:
        '{\n\tservers {\n\t\ttrusted_proxies static 127.0.0.1\n\t}\n}\n:8080 {\n\tbind 127.0.0.1\n\treverse_proxy 127.0.0.1:3000\n}\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): Caddy at the edge with TLS, php_fastcgi sets HTTPS=on itself',
    files: { Caddyfile: 'wiki.example.org {\n\troot * /srv/wiki\n\tphp_fastcgi unix//run/php/php8.2-fpm.sock\n}\n' },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): a plain site on every interface with no sign of a proxy in front is not judged',
    files: { Caddyfile: ':8080 {\n\treverse_proxy app:3000\n}\n' },
    expect: { count: 0 },
  },
];

for (const c of cases) test(c.name, async () => void (await runCase(check, c)));
