/**
 * chain/re2.ts: Go (RE2) regular expressions as Caddy's `header_down`/`header_up` replace compiles them, and Go's
 * `ReplaceAllString` expansion. Every pattern row is cross-checked with Debian's real caddy 2.6.2: `caddy validate`
 * accepts the rows read `ok`/`opaque` that it accepts and refuses the `refused` ones ("error parsing regexp"; `caddy
 * adapt` does not compile them). Expansion rows are the Go `regexp.Expand` rules (regexp.go `expand`/`extract`).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { goReplaceAll, readRe2 } from '../../src/chain/re2.js';
import { readCaddyfile } from '../../src/collectors/caddy/collector.js';
import { RUN_SAFETY_TIMEOUT_MS } from '../real-program.js';

const HAVE = spawnSync('caddy', ['version'], { timeout: RUN_SAFETY_TIMEOUT_MS }).status === 0;

/** Pattern, what we read, what real caddy 2.6.2 does with it, and (for `ok`) the rewrite of http://a.test/x. */
const PATTERNS: Array<{
  re: string;
  kind: 'ok' | 'refused' | 'opaque';
  caddyAccepts: boolean;
  replace?: string;
  gives?: string;
}> = [
  { re: '^http://', kind: 'ok', caddyAccepts: true, replace: 'https://', gives: 'https://a.test/x' },
  // Go's flag group: JavaScript has no `(?i)`, a naive `new RegExp` throws (the old reading gave a false note).
  { re: '(?i)^HTTP://', kind: 'ok', caddyAccepts: true, replace: 'https://', gives: 'https://a.test/x' },
  { re: '(?s)^http:/.', kind: 'ok', caddyAccepts: true, replace: 'https:/', gives: 'https:/a.test/x' },
  { re: '(?P<s>http)://', kind: 'ok', caddyAccepts: true, replace: '${s}s://', gives: 'https://a.test/x' },
  // Trap: `$1s` looks like group 1 then "s", but Go reads the group named `1s` (none): empty.
  { re: '^(http)://', kind: 'ok', caddyAccepts: true, replace: '$1s://', gives: '://a.test/x' },
  { re: '^(http)://', kind: 'ok', caddyAccepts: true, replace: '${1}s://', gives: 'https://a.test/x' },
  // Trap: valid in JavaScript, refused by RE2.
  { re: '^http(?=://)', kind: 'refused', caddyAccepts: false },
  { re: '^(http)://\\1', kind: 'refused', caddyAccepts: false },
  { re: '(', kind: 'refused', caddyAccepts: false },
  { re: 'a)', kind: 'refused', caddyAccepts: false },
  // Accepted by Go but not translated: nothing is judged from them.
  { re: '(?i:http)://', kind: 'opaque', caddyAccepts: true },
  { re: '[[:alpha:]]+://', kind: 'opaque', caddyAccepts: true },
  { re: '(?U)^h.*p', kind: 'opaque', caddyAccepts: true },
  // `(?<name>` is Go 1.22+: Debian's caddy (older Go) refuses it, a newer build accepts it: left opaque.
  { re: '(?<s>http)://', kind: 'opaque', caddyAccepts: false },
  // Audit 13 r18 gap 4, each against real caddy 2.6.2: refused by Go, formerly read as opaque (no warning) or ok.
  { re: '(?P<', kind: 'refused', caddyAccepts: false },
  { re: '[[:alpha:]', kind: 'refused', caddyAccepts: false },
  { re: '(?i', kind: 'refused', caddyAccepts: false },
  { re: 'a**', kind: 'refused', caddyAccepts: false },
  { re: 'a{2}{3}', kind: 'refused', caddyAccepts: false },
  { re: '*a', kind: 'refused', caddyAccepts: false },
  // Go's repeat limit is 1000: the boundary is accepted (trap), one more refused.
  { re: 'x{1000,2000}', kind: 'refused', caddyAccepts: false },
  { re: 'x{1001}', kind: 'refused', caddyAccepts: false },
  { re: 'x{2,1000}', kind: 'ok', caddyAccepts: true },
  // Traps: a lazy repetition is one operator, not two; a `{` that is no count is a literal.
  { re: 'a*?b', kind: 'ok', caddyAccepts: true },
  { re: 'a{,3}', kind: 'ok', caddyAccepts: true },
  { re: 'a(?i)b', kind: 'opaque', caddyAccepts: true },
];

describe('readRe2 and Go expansion', () => {
  for (const row of PATTERNS)
    test(`${row.kind}: ${row.re}${row.replace ? ` -> ${row.replace}` : ''}`, () => {
      const r = readRe2(row.re);
      assert.equal(r.kind, row.kind, JSON.stringify(r));
      if (r.kind === 'ok' && row.replace !== undefined)
        assert.equal(goReplaceAll('http://a.test/x', r.source, r.flags, row.replace), row.gives);
    });

  test('$$ is a dollar; a $ before no name is itself; an unmatched group is empty', () => {
    const r = readRe2('^(http)(z)?://');
    assert.equal(r.kind, 'ok');
    if (r.kind !== 'ok') return;
    assert.equal(goReplaceAll('http://a', r.source, r.flags, '$$1-$-${2}-${1}s'), '$1-$--httpsa');
  });

  test('quoted Caddyfile tokens keep a backslash before anything but a quote (caddy adapt: "\\\\8" is the regexp \\\\8)', () => {
    const src =
      'example.com\nreverse_proxy 127.0.0.1:8000 {\n\theader_down Location "\\\\" "x"\n\theader_down Location "\\\\8" "x"\n\theader_down Location "\\d+\\"q" "x"\n}\n';
    const { errors, config } = readCaddyfile('Caddyfile', src);
    assert.deepEqual(errors, []);
    assert.deepEqual(
      config.sites[0]?.routes[0]?.redirectRewrites?.map((r) => (r.kind === 'replace' ? r.search : '')),
      ['\\\\', '\\\\8', '\\d+"q'],
    );
  });

  test('(?<name>: no note, a warning that a Caddy built with Go before 1.22 refuses it; any header_up/down field is compiled', () => {
    const src =
      'example.com\nreverse_proxy 127.0.0.1:8000 {\n\theader_down Location (?<s>http):// https://\n\theader_down Set-Cookie a** b\n}\n';
    const { errors } = readCaddyfile('Caddyfile', src);
    assert.deepEqual(
      errors.map((e) => e.line),
      [3, 4],
    );
    assert.match(errors[0]?.message ?? '', /Go before 1\.22 .*refuses.*\(\?P<s>/);
    assert.match(errors[1]?.message ?? '', /header_down Set-Cookie a\*\*: .*invalid nested repetition.*Caddy refuses/);
  });

  test('the Caddyfile reader reports a refused pattern with its line, and no other header_down line', () => {
    const src = 'example.com\nreverse_proxy 127.0.0.1:8000 {\n\theader_down Location ( )\n\theader_down Location\n}\n';
    const { errors, config } = readCaddyfile('Caddyfile', src);
    assert.deepEqual(
      errors.map((e) => e.line),
      [3],
    );
    assert.match(errors[0]?.message ?? '', /not a Go \(RE2\) regular expression \(missing closing \)\): Caddy refuses/);
    assert.equal(config.sites[0]?.routes[0]?.redirectRewrites?.[0]?.kind, 'replace');
  });
});

describe('real caddy validate agrees', { skip: HAVE ? false : 'caddy not installed' }, () => {
  for (const row of PATTERNS)
    test(`caddy ${row.caddyAccepts ? 'accepts' : 'refuses'} ${row.re}`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'pp-re2-'));
      try {
        // Unquoted, as written in the rows (none holds a space): a quoted token would have its backslashes unescaped.
        const q = row.re;
        writeFileSync(
          join(dir, 'Caddyfile'),
          `{\n\tadmin off\n}\nhttp://a.test:8080 {\n\treverse_proxy 127.0.0.1:9 {\n\t\theader_down Location ${q} "x"\n\t}\n}\n`,
        );
        const env = { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir };
        const v = spawnSync('caddy', ['validate', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], {
          encoding: 'utf8',
          timeout: RUN_SAFETY_TIMEOUT_MS,
          env,
        });
        assert.equal(v.status === 0, row.caddyAccepts, v.stderr.slice(-400));
        if (!row.caddyAccepts) assert.match(v.stderr, /error parsing regexp/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
});
