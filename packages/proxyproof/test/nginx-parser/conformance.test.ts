/**
 * Conformance with crossplane: every case of ../shared/corpus/nginx/crossplane gives the tree of its
 * expected*.crossplane.json (directive, line, args, block, includes, comments; per-file status and errors;
 * the tree's status and errors). File names are compared relative to the case folder.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import type { NginxDirective } from '../../src/collectors/nginx/index.js';
import { parseNginxFile } from '../../src/collectors/nginx/index.js';
import { SHARED } from '../helpers.js';

const CORPUS = join(SHARED, 'corpus/nginx/crossplane');

interface ExpectedError {
  file?: string;
  line: number | null;
  error: string;
}
interface Expected {
  status: string;
  errors: ExpectedError[];
  config: { file: string; status: string; errors: ExpectedError[]; parsed: NginxDirective[] }[];
}

function shape(list: NginxDirective[]): unknown[] {
  return list.map((d) => {
    const o: Record<string, unknown> = { directive: d.directive, line: d.line, args: d.args };
    if (d.block) o.block = shape(d.block);
    if (d.includes) o.includes = d.includes;
    if (d.comment !== undefined) o.comment = d.comment;
    return o;
  });
}

/**
 * Error texts match exactly, except crossplane's include errors, which are Python's OSError text
 * ("[Errno 2] No such file or directory: 'bar.conf'"); ours names the same include and the same cause.
 */
function sameError(got: string, want: string): boolean {
  const m = /^\[Errno 2\] No such file or directory: '(.*)'$/.exec(want);
  if (m) return got.startsWith(`include "${m[1]}": no such file or directory`);
  return got === want;
}

function compareErrors(
  got: { file: string; line: number | null; error: string }[],
  want: ExpectedError[],
  wantFile: string | undefined,
  rel: (f: string) => string,
  dir: string,
): void {
  assert.equal(got.length, want.length, `error count: ${JSON.stringify(got)}`);
  want.forEach((w, k) => {
    const g = got[k] as { file: string; line: number | null; error: string };
    assert.equal(rel(g.file), w.file ?? wantFile);
    assert.equal(g.line, w.line);
    const text = g.error.split(`${dir}/`).join('');
    assert.ok(sameError(text, w.error), `error text: got ${JSON.stringify(text)}, want ${JSON.stringify(w.error)}`);
  });
}

const cases = existsSync(CORPUS) ? readdirSync(CORPUS).sort() : [];

describe('crossplane conformance corpus', () => {
  it('is present with its 18 cases', () => {
    assert.ok(existsSync(CORPUS), `corpus missing at ${CORPUS}`);
    assert.ok(cases.length >= 18, `found ${cases.length} cases`);
  });

  for (const name of cases) {
    const dir = join(CORPUS, name);
    for (const exp of readdirSync(dir).filter((f) => /^expected.*\.crossplane\.json$/.test(f))) {
      it(`${name}/${exp}`, () => {
        const want = JSON.parse(readFileSync(join(dir, exp), 'utf8')) as Expected;
        const entry = (want.config[0] as { file: string }).file;
        const tree = parseNginxFile(join(dir, entry));
        const rel = (f: string) => relative(dir, f);
        assert.equal(tree.status, want.status);
        compareErrors(tree.errors, want.errors, undefined, rel, dir);
        assert.deepEqual(
          tree.config.map((c) => rel(c.file)),
          want.config.map((c) => c.file),
        );
        want.config.forEach((wc, k) => {
          const gc = tree.config[k] as (typeof tree.config)[number];
          assert.equal(gc.status, wc.status, `${wc.file} status`);
          compareErrors(gc.errors, wc.errors, wc.file, rel, dir);
          assert.deepEqual(shape(gc.parsed), shape(wc.parsed), `${wc.file} tree`);
        });
      });
    }
  }

  it('keeps statement-level comments only when asked (crossplane --include-comments)', () => {
    const file = join(CORPUS, 'with-comments/nginx.conf');
    const plain = parseNginxFile(file);
    const withComments = parseNginxFile(file, { comments: true });
    const count = (l: NginxDirective[]): number =>
      l.reduce((n, d) => n + (d.directive === '#' ? 1 : 0) + count(d.block ?? []), 0);
    assert.equal(count(plain.config[0]?.parsed ?? []), 0);
    const top = withComments.config[0]?.parsed ?? [];
    assert.deepEqual(top[1], { directive: '#', line: 4, args: [], comment: 'comment' });
    // `listen ...; #listen`, `## this is brace`, `# location /`
    assert.equal(count(top), 4);
  });
});
