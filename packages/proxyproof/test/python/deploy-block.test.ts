/**
 * The settings' block for the deployed environment (collectors/python/deploy-block.ts) and where the chain's
 * Django fix is advised when SECURE_PROXY_SSL_HEADER has no line of its own to anchor to.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deploymentBlock, selectsDeployment } from '../../src/collectors/python/deploy-block.js';
import { parsePython } from '../../src/collectors/python/evaluate.js';
import { advice } from '../../src/fix/plan.js';
import type { Finding } from '../../src/model/finding.js';
import { lintFiles } from './lint-files.js';

/** The chain's planned fixes for a small tree (the plan the doctor prints and the findings' fixes come from). */
async function plannedFixes(files: Record<string, string>) {
  return (await lintFiles(files)).analysis.chain.plan.fixes;
}

const tests: Array<[string, boolean]> = [
  ["ENVIRONMENT in ['Production', 'Staging'] and BATCH_MODE == ''", true],
  ['os.environ.get("ON_FLYIO")', true],
  ["os.getenv('ON_HEROKU')", true],
  ["'DYNO' in os.environ", true],
  ['not DEBUG', true],
  ["ENV != 'development'", true],
  ["env('DJANGO_ENV') == 'prod'", true],
  ['IS_PRODUCTION', true],
  // traps: development, tests, a mix, unrelated tests
  ['DEBUG', false],
  ["ENVIRONMENT == 'Development'", false],
  ["'test' in sys.argv", false],
  ["ENV == 'production' or ENV == 'development'", false],
  ["ENV != 'development' or LOCAL", false],
  ['USE_S3', false],
  ['SENTRY_DSN', false],
];
for (const [t, want] of tests) test(`selectsDeployment(${t}) = ${want}`, () => assert.equal(selectsDeployment(t), want));

test('deploymentBlock: the first top-level if that selects the deployed environment, not a nested one', () => {
  const text = [
    'import os',
    "ENVIRONMENT = os.getenv('DJANGO_ENV', 'Development')",
    'if DEBUG:',
    "    INSTALLED_APPS += ['debug_toolbar']",
    'def f():',
    "    if ENVIRONMENT == 'Production':",
    '        pass',
    "if ENVIRONMENT in ['Production', 'Staging']:",
    "    ALLOWED_HOSTS.append('10.0.0.1')",
    'if not DEBUG:',
    '    pass',
  ].join('\n');
  assert.deepEqual(deploymentBlock(parsePython('settings.py', text)), {
    line: 8,
    test: "ENVIRONMENT in ['Production', 'Staging']",
  });
  assert.equal(deploymentBlock(parsePython('s.py', 'if DEBUG:\n    X = 1\nY = 2\n')), undefined);
});

test('deploymentBlock: an elif branch of an environment switch, before a later plain if around the database', () => {
  const text = [
    "ENVIRONMENT = config('DJANGO_ENV')",
    "if ENVIRONMENT == 'development':",
    '    DEBUG = True',
    "elif ENVIRONMENT == 'production':",
    '    DEBUG = False',
    "elif ENVIRONMENT == 'test':",
    '    DEBUG = True',
    "if ENVIRONMENT == 'production':",
    '    DATABASES = {}',
  ].join('\n');
  assert.deepEqual(deploymentBlock(parsePython('settings.py', text)), {
    line: 4,
    test: "ENVIRONMENT == 'production'",
  });
  // A switch with no deployed branch: none (the development branch and the test branch are not the place).
  const devOnly = "if ENV == 'development':\n    A = 1\nelif ENV == 'test':\n    A = 2\nelse:\n    A = 3\n";
  assert.equal(deploymentBlock(parsePython('s.py', devOnly)), undefined);
});

const dockerfile = 'FROM python:3.12\nCMD ["gunicorn", "--bind", ":8000", "mysite.wsgi"]\n';
const flyToml =
  'app = "x"\n[[services]]\n  internal_port = 8000\n  [[services.ports]]\n    handlers = ["tls", "http"]\n    port = 443\n';

test('chain plan: the Django fix is advised inside the deployed block (file and line), not at line 0', async () => {
  const settings = [
    'import os',
    "SECRET_KEY = 'x'",
    "ALLOWED_HOSTS = ['localhost']",
    "ROOT_URLCONF = 'mysite.urls'",
    '',
    'if os.environ.get("ON_FLYIO"):',
    "    ALLOWED_HOSTS.append('x.fly.dev')",
    '',
  ].join('\n');
  const fixes = await plannedFixes({ Dockerfile: dockerfile, 'fly.toml': flyToml, 'mysite/settings.py': settings });
  const django = fixes.find((f) => f.id.startsWith('django-ssl-header:'));
  assert.ok(django, JSON.stringify(fixes));
  assert.equal(django.file, 'mysite/settings.py');
  assert.equal(django.line, 6);
  assert.match(django.title, /inside `if os\.environ\.get\("ON_FLYIO"\):`/);
  // Advice, not a patch: the block is off with the environment the files give.
  assert.equal(django.placement, undefined);
});

test('chain plan: no deployed block, no line (the fix stays advice without a place)', async () => {
  const settings = "import os\nSECRET_KEY = 'x'\nALLOWED_HOSTS = ['localhost']\nROOT_URLCONF = 'mysite.urls'\n";
  const fixes = await plannedFixes({ Dockerfile: dockerfile, 'fly.toml': flyToml, 'mysite/settings.py': settings });
  const django = fixes.find((f) => f.id.startsWith('django-ssl-header:'));
  assert.ok(django, JSON.stringify(fixes));
  assert.equal(django.line, 0);
  assert.doesNotMatch(django.title, /inside/);
});

test("advice: a fix in another file than the evidence does not borrow the evidence's line", () => {
  const f = {
    id: 'x/y',
    message: 'm',
    evidence: [{ file: 'Dockerfile', line: 20 }],
    fix: { description: 'd', file: 'settings.py' },
  } as unknown as Finding;
  const a = advice(f, 'r');
  assert.equal(a.file, 'settings.py');
  assert.equal(a.line, undefined);
  const same = advice({ ...f, fix: { description: 'd', file: 'Dockerfile' } } as unknown as Finding, 'r');
  assert.equal(same.line, 20);
});
