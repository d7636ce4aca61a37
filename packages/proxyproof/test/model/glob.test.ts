/**
 * globToRegExp (model/glob.ts), the one include-glob matcher of the Apache collector and fix --write's backup
 * names: a table of named cases, and the same patterns cross-checked against a real glob (bash's, which follows
 * POSIX glob(3) as nginx calls it: `*`/`?` never match `/` nor a leading dot) on real files.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { globToRegExp } from '../../src/model/glob.js';

const CASES: Array<{ name: string; pattern: string; matches: string[]; not: string[] }> = [
  { name: 'star in a name', pattern: '*.conf', matches: ['a.conf', 'b.c.conf'], not: ['a.conf.orig', 'x/a.conf'] },
  {
    name: 'star never matches a leading dot (backups are dot-files)',
    pattern: '*',
    matches: ['site'],
    not: ['.site.orig', 'a/b'],
  },
  { name: 'explicit leading dot', pattern: '.*.orig', matches: ['.site.orig'], not: ['site.orig'] },
  { name: 'question mark', pattern: 'site?.conf', matches: ['site1.conf'], not: ['site.conf', 'site12.conf', 'site/.conf'] },
  { name: 'question mark never matches a leading dot', pattern: '?x', matches: ['ax'], not: ['.x'] },
  { name: 'bracket class and range', pattern: 'v[0-9].conf', matches: ['v1.conf'], not: ['va.conf'] },
  { name: 'negated class', pattern: 'v[!0-9].conf', matches: ['va.conf'], not: ['v1.conf', 'v/.conf'] },
  { name: 'a ] right after [ is literal', pattern: 'a[]b]c', matches: ['a]c', 'abc'], not: ['ac'] },
  { name: 'unclosed bracket is literal', pattern: 'a[b', matches: ['a[b'], not: ['ab'] },
  { name: 'regex metacharacters are literal', pattern: 'a.b+(c)', matches: ['a.b+(c)'], not: ['axbb(c)'] },
  {
    name: 'folders: star per segment',
    pattern: 'sites-enabled/*',
    matches: ['sites-enabled/x'],
    not: ['sites-enabled/.x.orig', 'sites-enabled/a/b'],
  },
];

for (const c of CASES)
  test(`globToRegExp: ${c.name}`, () => {
    const re = globToRegExp(c.pattern);
    for (const m of c.matches) assert.ok(re.test(m), `${c.pattern} should match ${m} (${re})`);
    for (const n of c.not) assert.ok(!re.test(n), `${c.pattern} should not match ${n} (${re})`);
  });

test('globToRegExp agrees with a real glob on real files', (t) => {
  const bash = spawnSync('bash', ['-c', 'true']);
  if (bash.status !== 0) return t.skip('bash is not available');
  const dir = mkdtempSync(join(tmpdir(), 'proxyproof-glob-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const names = [
    'a.conf',
    '.a.conf',
    'site',
    '.site.orig',
    'site.orig',
    'site1.conf',
    'v1.conf',
    'va.conf',
    ']x',
    'a]c',
    'abc',
    'x.y',
  ];
  mkdirSync(join(dir, 'd'));
  for (const n of names) writeFileSync(join(dir, 'd', n), '');
  const patterns = ['*', '*.conf', '.*', '?ite*', 'site?.conf', 'v[0-9].conf', 'v[!0-9].conf', 'a[]b]c', '[]]x', '*.*', '.[!.]*'];
  for (const p of patterns) {
    // nullglob: no match gives no word; dotglob off (the default): a leading dot must be matched explicitly.
    const r = spawnSync('bash', ['-c', `shopt -s nullglob; cd d && for f in ${p}; do printf '%s\\n' "$f"; done`], {
      cwd: dir,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const real = r.stdout
      .split('\n')
      .filter((x) => x && x !== '.' && x !== '..')
      .sort();
    const ours = names.filter((n) => globToRegExp(p).test(n)).sort();
    assert.deepEqual(ours, real, `pattern ${p}`);
  }
});
