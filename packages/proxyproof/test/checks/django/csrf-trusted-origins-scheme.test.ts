import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csrfTrustedOriginsScheme as check } from '../../../src/checks/django/csrf-trusted-origins-scheme.js';
import { nginxTls, settings } from '../../python/fixtures.js';
import { type Case, lintFiles, runCase } from '../../python/lint-files.js';

const s = (line: string, req?: string) => ({
  'mysite/settings.py': settings([line]),
  ...(req ? { 'requirements.txt': req } : {}),
});

const cases: Case[] = [
  {
    name: 'valid: 4.2 with https origins',
    files: s("CSRF_TRUSTED_ORIGINS = ['https://example.com']", 'Django==4.2.16\n'),
    expect: { count: 0 },
  },
  {
    name: 'valid: 3.2 with bare hosts',
    files: s("CSRF_TRUSTED_ORIGINS = ['example.com', '.example.com']", 'Django==3.2.25\n'),
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): unpinned, entries with a scheme (written for 4.0+)',
    files: s("CSRF_TRUSTED_ORIGINS = ['https://example.com']"),
    expect: { count: 0 },
  },
  { name: 'valid: unset', files: s('DEBUG = False'), expect: { count: 0 } },
  {
    name: 'invalid: 4.2 bare host',
    files: s("CSRF_TRUSTED_ORIGINS = ['example.com']", 'Django==4.2.16\n'),
    expect: { count: 1, message: /4_0\.E001/, line: 7 },
  },
  {
    name: 'invalid: pyproject pin >= 5.0, bare host',
    files: {
      'mysite/settings.py': settings(["CSRF_TRUSTED_ORIGINS = ['example.com']"]),
      'pyproject.toml': '[project]\nname = "x"\ndependencies = ["Django>=5.0,<5.1", "gunicorn"]\n',
    },
    expect: { count: 1 },
  },
  {
    name: 'invalid: unpinned bare host',
    files: s("CSRF_TRUSTED_ORIGINS = ['example.com']"),
    expect: { count: 1, message: /not pinned/ },
  },
  {
    name: 'invalid: 3.2 pinned with schemes',
    files: s("CSRF_TRUSTED_ORIGINS = ['https://example.com']", 'django==3.2.25\n'),
    expect: { count: 1, message: /bare hosts before 4\.0/ },
  },
  {
    name: 'invalid: http:// origin on an HTTPS site',
    files: {
      ...s("CSRF_TRUSTED_ORIGINS = ['http://example.com']", 'Django==4.2\n'),
      'nginx.conf': nginxTls('http://127.0.0.1:8000'),
    },
    expect: { count: 1, message: /http:\/\/ while the site is served over HTTPS/ },
  },
  {
    name: 'valid (trap): http:// origin when no HTTPS is seen',
    files: s("CSRF_TRUSTED_ORIGINS = ['http://intranet.local']", 'Django==4.2\n'),
    expect: { count: 0 },
  },
  {
    name: 'invalid: env default without scheme',
    files: s("CSRF_TRUSTED_ORIGINS = os.environ.get('ORIGINS', 'example.com').split(',')", 'Django==4.2\n'),
    expect: { count: 1 },
  },
  {
    name: 'valid (trap): env read whose default is empty (unset gives [""], no host to fix)',
    files: s("CSRF_TRUSTED_ORIGINS = os.environ.get('CSRF_TRUSTED_ORIGINS', '').split(' ')", 'Django==4.2\n'),
    expect: { count: 0 },
  },
  {
    name: 'invalid: an empty entry beside a bare host: only the host is named and fixed',
    files: s("CSRF_TRUSTED_ORIGINS = ['', 'example.com']", 'Django==4.2\n'),
    expect: { count: 1, message: /^"example\.com" has no scheme/ },
  },
];

for (const c of cases) test(`django/csrf-trusted-origins-scheme: ${c.name}`, () => runCase(check, c).then(() => undefined));

/** A compose deployment whose web service gets the setting from an env file or its own environment: list. */
function deployed(settingsLine: string, env: Record<string, string>): Record<string, string> {
  return {
    'mysite/settings.py': settings([settingsLine]),
    'requirements.txt': 'Django==4.2\n',
    'compose.yaml': [
      'services:',
      '  web:',
      '    build: .',
      '    command: gunicorn -b 0.0.0.0:8000 mysite.wsgi',
      '    env_file: .env',
      '    environment:',
      '      - DJANGO_SETTINGS_MODULE=mysite.settings',
      '',
    ].join('\n'),
    ...env,
  };
}

const READ = "CSRF_TRUSTED_ORIGINS = os.environ.get('CSRF_TRUSTED_ORIGINS', 'https://localhost').split(',')";

test('a setting read from the environment is fixed on the deployment line that sets it (separators kept), not by a literal in the settings', async () => {
  const { findings } = await lintFiles(
    deployed(READ, { '.env': 'DEBUG=0\nCSRF_TRUSTED_ORIGINS=example.com,https://www.example.com,api.example.com\n' }),
    [check],
  );
  assert.equal(findings.length, 1, JSON.stringify(findings));
  const fix = findings[0]?.fix;
  assert.equal(fix?.file, '.env');
  assert.equal(fix?.line, 2);
  assert.equal(fix?.placement, 'replace');
  assert.deepEqual(fix?.lines, ['CSRF_TRUSTED_ORIGINS=https://example.com,https://www.example.com,https://api.example.com']);
  assert.match(fix?.description ?? '', /comes from the deployment \(\.env:2\)/);
});

test('trap: the code default is what runs (the deployment does not set the variable): advice to set it, no patch of the settings line', async () => {
  const { findings } = await lintFiles(
    deployed("CSRF_TRUSTED_ORIGINS = os.environ.get('CSRF_TRUSTED_ORIGINS', 'example.com').split(',')", {
      '.env': 'DEBUG=0\n',
    }),
    [check],
  );
  assert.equal(findings.length, 1, JSON.stringify(findings));
  const fix = findings[0]?.fix;
  assert.equal(fix?.placement, undefined);
  assert.equal(fix?.lines, undefined);
  assert.match(fix?.description ?? '', /set it in the deployment's environment .*"https:\/\/example\.com"/);
});

test('trap: a literal setting keeps its settings-line fix', async () => {
  const { findings } = await lintFiles(
    deployed("CSRF_TRUSTED_ORIGINS = ['example.com']", { '.env': 'CSRF_TRUSTED_ORIGINS=other.example\n' }),
    [check],
  );
  assert.equal(findings[0]?.fix?.file, 'mysite/settings.py');
  assert.equal(findings[0]?.fix?.placement, 'replace');
});
