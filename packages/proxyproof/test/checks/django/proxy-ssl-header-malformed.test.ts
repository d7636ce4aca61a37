import { test } from 'node:test';
import { proxySslHeaderMalformed as check } from '../../../src/checks/django/proxy-ssl-header-malformed.js';
import { settings } from '../../python/fixtures.js';
import { type Case, runCase } from '../../python/lint-files.js';

const s = (line: string) => ({ 'mysite/settings.py': settings([line]) });

const cases: Case[] = [
  {
    name: 'valid: META name and https',
    files: s("SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')"),
    expect: { count: 0 },
  },
  {
    name: 'valid: a list works too (Django unpacks any pair)',
    files: s("SECURE_PROXY_SSL_HEADER = ['HTTP_X_FORWARDED_PROTO', 'https']"),
    expect: { count: 0 },
  },
  { name: 'valid: unset', files: s('SECURE_SSL_REDIRECT = False'), expect: { count: 0 } },
  { name: 'valid: None', files: s('SECURE_PROXY_SSL_HEADER = None'), expect: { count: 0 } },
  {
    name: 'valid (trap): value from the environment, not known statically',
    files: s("SECURE_PROXY_SSL_HEADER = tuple(os.environ['SSL_HEADER'].split(','))"),
    expect: { count: 0 },
  },
  {
    name: 'invalid: raw header name with dashes',
    files: s("SECURE_PROXY_SSL_HEADER = ('X-Forwarded-Proto', 'https')"),
    expect: { count: 1, severity: 'high', message: /dashes.*HTTP_X_FORWARDED_PROTO/, file: 'mysite/settings.py', line: 7 },
  },
  {
    name: 'invalid: upper-case HTTPS value',
    files: s("SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'HTTPS')"),
    expect: { count: 1, message: /compared exactly/ },
  },
  {
    name: 'invalid: missing HTTP_ prefix',
    files: s("SECURE_PROXY_SSL_HEADER = ('X_FORWARDED_PROTO', 'https')"),
    expect: { count: 1, message: /HTTP_ prefix/ },
  },
  {
    name: 'invalid: a string instead of a tuple',
    files: s("SECURE_PROXY_SSL_HEADER = 'HTTP_X_FORWARDED_PROTO'"),
    expect: { count: 1, severity: 'critical', message: /string/ },
  },
  {
    name: 'invalid: three items',
    files: s("SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https', 'x')"),
    expect: { count: 1, message: /3 items/ },
  },
  {
    name: 'invalid: lower-case META name',
    files: s("SECURE_PROXY_SSL_HEADER = ('http_x_forwarded_proto', 'https')"),
    expect: { count: 1, message: /upper case/ },
  },
];

for (const c of cases) test(`django/proxy-ssl-header-malformed: ${c.name}`, () => runCase(check, c).then(() => undefined));
