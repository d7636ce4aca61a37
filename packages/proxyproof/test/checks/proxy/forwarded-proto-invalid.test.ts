import { test } from 'node:test';
import { proxyForwardedProtoInvalid as check } from '../../../src/checks/proxy/forwarded-proto-invalid.js';
import { type Case, runCase } from '../../python/lint-files.js';
import { NGINX } from './sites.js';

const vh = (rh: string) =>
  `<VirtualHost *:443>\n    SSLEngine on\n    ${rh}\n    ProxyPass / http://127.0.0.1:5000/\n</VirtualHost>\n`;
const cases: Case[] = [
  {
    name: 'invalid: expr=%{REQUEST_SCHEME}s gives httpss (the s is literal in ap_expr)',
    files: { 'site.conf': vh('RequestHeader set "X-Forwarded-Proto" expr=%{REQUEST_SCHEME}s') },
    expect: {
      count: 1,
      severity: 'high',
      line: 3,
      message: /httpss/,
      fixLine: 'RequestHeader set X-Forwarded-Proto expr=%{REQUEST_SCHEME}',
    },
  },
  {
    name: 'valid (trap): expr=%{REQUEST_SCHEME} without suffix',
    files: { 'site.conf': vh('RequestHeader set "X-Forwarded-Proto" expr=%{REQUEST_SCHEME}') },
    expect: { count: 0 },
  },
  {
    name: 'valid: literal https',
    files: { 'site.conf': vh('RequestHeader set X-Forwarded-Proto "https"') },
    expect: { count: 0 },
  },
  {
    name: 'invalid: a typo in a literal value',
    files: { 'site.conf': vh('RequestHeader set X-Forwarded-Proto "htps"') },
    expect: { count: 1, message: /"htps"/ },
  },
  {
    name: 'valid (trap): X-Forwarded-Ssl "on" is another header with its own values',
    files: { 'site.conf': vh('RequestHeader set X-Forwarded-Ssl "on"') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): a value from an env variable the model cannot evaluate is not guessed',
    files: { 'site.conf': vh('RequestHeader set X-Forwarded-Proto "%{PROTO}e"') },
    expect: { count: 0 },
  },
  {
    name: 'invalid: nginx sends X-Forwarded-Proto $https ("on" over TLS, empty on plain HTTP)',
    files: {
      'nginx.conf': NGINX(
        '    location / {\n      proxy_set_header X-Forwarded-Proto $https;\n      proxy_pass http://127.0.0.1:8000;\n    }',
      ),
    },
    expect: { count: 1, file: 'nginx.conf', line: 6, fixLine: 'proxy_set_header X-Forwarded-Proto $scheme;' },
  },
  {
    name: 'valid: nginx sends X-Forwarded-Proto $scheme',
    files: {
      'nginx.conf': NGINX(
        '    location / {\n      proxy_set_header X-Forwarded-Proto $scheme;\n      proxy_pass http://127.0.0.1:8000;\n    }',
      ),
    },
    expect: { count: 0 },
  },
];

for (const c of cases) test(c.name, async () => void (await runCase(check, c)));
