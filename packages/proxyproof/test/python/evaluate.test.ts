/** The static Python evaluator: literals, env look-ups, branches, star imports; nothing executed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateModule, parsePython, type Scope, show, toJs } from '../../src/collectors/python/evaluate.js';

function run(src: string, deploymentEnv?: Record<string, string>): Scope {
  return evaluateModule(parsePython('settings.py', src), { deploymentEnv });
}
const val = (s: Scope, n: string) => toJs(s.bindings.get(n)?.value ?? { t: 'unknown', why: 'unbound' });

test('literals: tuples, lists, dicts, strings (concatenation, implicit, raw), numbers, None, booleans', () => {
  const s = run(
    [
      "A = ('HTTP_X_FORWARDED_PROTO', 'https')",
      "B = ['a', \"b\"] + ['c']",
      "C = {'X-FORWARDED-PROTO': 'https', 'n': 1}",
      "D = 'ab' 'cd'",
      "E = r'\\d+'",
      'F = 60 * 60 * 24 * 365',
      'G = None',
      'H = not True',
      'I = -1',
      "J = 'x' + 'y'",
      'K = (1,)',
      "L = '''multi\nline'''",
    ].join('\n'),
  );
  assert.deepEqual(val(s, 'A'), ['HTTP_X_FORWARDED_PROTO', 'https']);
  assert.equal(s.bindings.get('A')?.value.t, 'tuple');
  assert.deepEqual(val(s, 'B'), ['a', 'b', 'c']);
  assert.deepEqual(val(s, 'C'), { 'X-FORWARDED-PROTO': 'https', n: 1 });
  assert.equal(val(s, 'D'), 'abcd');
  assert.equal(val(s, 'E'), '\\d+');
  assert.equal(val(s, 'F'), 31536000);
  assert.equal(val(s, 'G'), null);
  assert.equal(val(s, 'H'), false);
  assert.equal(val(s, 'I'), -1);
  assert.equal(val(s, 'J'), 'xy');
  assert.deepEqual(val(s, 'K'), [1]);
  assert.equal(val(s, 'L'), 'multi\nline');
  assert.equal(s.bindings.get('A')?.line, 1);
  assert.equal(s.bindings.get('A')?.origin, 'literal');
});

test('comments inside list and dict literals are not items (commented-out MIDDLEWARE entries)', () => {
  const s = run(
    [
      'MIDDLEWARE = [',
      '    "a.A",',
      '    # "b.B",',
      '    "c.C",  # trailing',
      ']',
      "D = {'x': 1,  # one",
      "     # 'y': 2,",
      "     'z': 3}",
    ].join('\n'),
  );
  assert.deepEqual(val(s, 'MIDDLEWARE'), ['a.A', 'c.C']);
  assert.equal(s.bindings.get('MIDDLEWARE')?.origin, 'literal');
  assert.deepEqual(val(s, 'D'), { x: 1, z: 3 });
});

test('os.environ.get / os.getenv / os.environ[...] report the variable and its default', () => {
  const s = run(
    [
      'import os',
      "A = os.environ.get('FORWARDED_ALLOW_IPS', '127.0.0.1')",
      "B = os.getenv('X')",
      "C = os.environ['SECRET_KEY']",
      "D = os.environ.get('DEBUG', 'False') == 'True'",
      "E = os.environ.get('HOSTS', 'a.com,b.com').split(',')",
    ].join('\n'),
  );
  const a = s.bindings.get('A');
  assert.equal(a?.origin, 'env');
  assert.equal(a?.envVar, 'FORWARDED_ALLOW_IPS');
  assert.equal(val(s, 'A'), '127.0.0.1');
  assert.equal(val(s, 'B'), null);
  assert.equal(s.bindings.get('C')?.value.t, 'unknown');
  assert.equal(s.bindings.get('C')?.envVar, 'SECRET_KEY');
  assert.equal(val(s, 'D'), false);
  assert.equal(s.bindings.get('D')?.origin, 'env');
  assert.deepEqual(val(s, 'E'), ['a.com', 'b.com']);
});

test('deployment environment wins over code defaults', () => {
  const s = run("import os\nA = os.environ.get('DEBUG', 'True') == 'True'\nB = os.environ['X']", { DEBUG: 'False', X: 'set' });
  assert.equal(val(s, 'A'), false);
  assert.equal(val(s, 'B'), 'set');
  assert.match(s.bindings.get('B')?.note ?? '', /deployment/);
});

test('django-environ: Env(VAR=(cast, default)), env(), env.bool(), env.list()', () => {
  const s = run(
    [
      'import environ',
      'env = environ.Env(DEBUG=(bool, False), SSL=(bool, True))',
      "DEBUG = env('DEBUG')",
      "SSL = env('SSL')",
      "R = env.bool('SECURE_SSL_REDIRECT', default=True)",
      "H = env.list('ALLOWED_HOSTS', default=['example.com'])",
      "S = env('SECRET_KEY')",
    ].join('\n'),
  );
  assert.equal(val(s, 'DEBUG'), false);
  assert.equal(val(s, 'SSL'), true);
  assert.equal(val(s, 'R'), true);
  assert.equal(s.bindings.get('R')?.envVar, 'SECURE_SSL_REDIRECT');
  assert.deepEqual(val(s, 'H'), ['example.com']);
  assert.equal(s.bindings.get('S')?.value.t, 'unknown');
  assert.match(s.bindings.get('S')?.note ?? '', /required/);
});

test('python-decouple: config() with cast=bool and Csv()', () => {
  const s = run(
    "from decouple import config, Csv\nA = config('SECURE_SSL_REDIRECT', default='True', cast=bool)\nB = config('ALLOWED_HOSTS', default='a,b', cast=Csv())\nC = config('SECRET_KEY')",
    { ALLOWED_HOSTS: 'x.com' },
  );
  assert.equal(val(s, 'A'), true);
  assert.deepEqual(val(s, 'B'), ['x.com']);
  assert.equal(s.bindings.get('C')?.value.t, 'unknown');
});

test('if DEBUG / if not DEBUG: env-dependent DEBUG is read as False (production); literal DEBUG is followed', () => {
  const prod = run(
    "import os\nDEBUG = os.environ.get('DEBUG') == '1'\nif DEBUG:\n    R = False\nelse:\n    R = True\nif not DEBUG:\n    C = True\n",
  );
  assert.equal(val(prod, 'R'), true);
  assert.equal(val(prod, 'C'), true);
  assert.match(prod.bindings.get('C')?.conditional ?? '', /DEBUG = False/);
  const dev = run('DEBUG = True\nif DEBUG:\n    R = False\nelse:\n    R = True\n');
  assert.equal(val(dev, 'R'), false);
  const unknownTest = run('if something():\n    X = 1\n');
  assert.match(unknownTest.bindings.get('X')?.conditional ?? '', /not known statically/);
});

test('+=, append, insert, extend on lists', () => {
  const s = run("M = ['a']\nM += ['b']\nM.append('c')\nM.insert(0, 'z')\nM.extend(('d',))\nN = 1\nN += 2\n");
  assert.deepEqual(val(s, 'M'), ['z', 'a', 'b', 'c', 'd']);
  assert.equal(val(s, 'N'), 3);
});

test('f-strings: known parts are filled in, unknown ones leave a template', () => {
  const s = run("import os\nD = 'example.com'\nA = f'https://{D}'\nB = f'https://{os.environ[\"HOST\"]}'\n");
  assert.equal(val(s, 'A'), 'https://example.com');
  const b = s.bindings.get('B')?.value;
  assert.equal(b?.t, 'unknown');
  assert.equal(show(b as never), "f'https://{…}'");
});

test('function bodies are not executed; calls are recorded, not run', () => {
  const s = run('def f():\n    X = 1\nimport os\nos.system("rm -rf /")\n');
  assert.equal(s.bindings.has('X'), false);
  assert.equal(
    s.calls.some((c) => c.callee === 'os.system'),
    true,
  );
});

test('syntax errors are reported with their line; what parses is still evaluated', () => {
  const p = parsePython('settings.py', "A = 1\nB = (\nC = 'x'\nif :\n  pass\nD = 2\n");
  assert.ok(p.errors.length > 0);
  assert.ok(p.errors.every((e) => e.line >= 2 && e.file === 'settings.py'));
  const s = evaluateModule(p);
  assert.equal(val(s, 'A'), 1);
  assert.equal(val(s, 'D'), 2);
});

test('star imports are resolved through the resolver, with the importing module overriding', () => {
  const base = parsePython('base.py', "A = 1\nB = ['x']\n");
  const prod = parsePython('prod.py', 'from .base import *\nA = 2\nB += ["y"]\n');
  const s = evaluateModule(prod, { resolveImport: (_f, dots, dotted) => (dots === 1 && dotted === 'base' ? base : undefined) });
  assert.equal(val(s, 'A'), 2);
  assert.deepEqual(val(s, 'B'), ['x', 'y']);
  assert.deepEqual(s.files, ['prod.py', 'base.py']);
  // a cycle is cut, not followed forever
  const loop = parsePython('loop.py', 'from .loop import *\nZ = 1\n');
  const s2 = evaluateModule(loop, { resolveImport: () => loop });
  assert.equal(val(s2, 'Z'), 1);
});

test('a DEBUG the environment decides is read as False everywhere (production reading); a deployment value wins', () => {
  const s = run(
    "import environ\nenv = environ.Env()\nDEBUG = env.bool('DJANGO_DEBUG', default=True)\nSECURE_SSL_REDIRECT = not DEBUG\n",
  );
  assert.equal(val(s, 'DEBUG'), false);
  assert.match(s.bindings.get('DEBUG')?.note ?? '', /production reading.*DJANGO_DEBUG, default True/);
  assert.equal(val(s, 'SECURE_SSL_REDIRECT'), true);
  const dev = run("import os\nDEBUG = os.environ.get('DJANGO_DEBUG') == '1'\nR = not DEBUG\n", { DJANGO_DEBUG: '1' });
  assert.equal(val(dev, 'DEBUG'), true);
  assert.equal(val(dev, 'R'), false);
});

test('env switches: an `if` decided by a variable is recorded (default or deployment value) and re-decided per deployment', async () => {
  const { collectCalls, decideSwitch } = await import('../../src/collectors/python/evaluate.js');
  const src = [
    'import os',
    'import environ',
    'env = environ.Env()',
    'if env.bool("SSL_REDIRECT", default=False):',
    '    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")',
    'if DEBUG_TOOLBAR:',
    '    X = 1',
    'def configure(app):',
    "    if os.getenv('BEHIND_PROXY', '').lower() in ('true', '1', 'yes'):",
    '        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)',
    '    if app.debug:',
    '        app.wsgi_app = ProxyFix(app.wsgi_app)',
    '',
  ].join('\n');
  const p = parsePython('settings.py', src);
  const s = evaluateModule(p, {});
  assert.equal(s.switches.length, 1, 'only the test an environment variable decides');
  const sw = s.switches[0];
  assert.equal(sw?.envVar, 'SSL_REDIRECT');
  assert.equal(sw?.line, 4);
  assert.equal(sw?.on, false);
  assert.equal(sw?.default, 'False');
  assert.equal(s.bindings.has('SECURE_PROXY_SSL_HEADER'), false);
  collectCalls(p, s, /ProxyFix$/);
  const [pf, dbg] = s.calls.filter((c) => c.callee === 'ProxyFix');
  assert.equal(pf?.switch?.envVar, 'BEHIND_PROXY', 'inside a function body too');
  assert.equal(pf?.switch?.line, 9);
  assert.equal(dbg?.switch, undefined, 'a test on a local value is no env switch');
  if (!sw || !pf?.switch) return;
  const table: Array<[Record<string, string>, boolean, boolean]> = [
    [{}, false, false],
    [{ SSL_REDIRECT: 'True', BEHIND_PROXY: 'yes' }, true, true],
    [{ SSL_REDIRECT: 'off', BEHIND_PROXY: 'no' }, false, false],
    [{ SSL_REDIRECT: '1', BEHIND_PROXY: 'TRUE' }, true, true],
  ];
  for (const [env, ssl, proxy] of table) {
    assert.equal(decideSwitch(p, s, sw, env), ssl, JSON.stringify(env));
    assert.equal(decideSwitch(p, s, pf.switch, env), proxy, JSON.stringify(env));
  }
  // The deployment's own value decides the branch and is recorded as such.
  const dep = evaluateModule(p, { deploymentEnv: { SSL_REDIRECT: 'yes' } });
  assert.equal(dep.switches[0]?.on, true);
  assert.equal(dep.switches[0]?.deployed, true);
  assert.deepEqual(val(dep, 'SECURE_PROXY_SSL_HEADER'), ['HTTP_X_FORWARDED_PROTO', 'https']);
});
