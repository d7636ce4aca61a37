/**
 * compareText (model/finding.ts) orders strings as Intl.Collator / localeCompare do, without making a collator
 * for strings of a-z, 0-9, `-`, `.` and `/` (header names, check ids, most paths). Checked against the real
 * collator: named cases, including the ones where code-unit order and ICU differ (case, `_`), and seeded random
 * pairs over the plain alphabet and wider ones (URL punctuation, upper case, a space, a tab and an ignorable control character, where only the first
 * difference may decide without the collator).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareText } from '../../src/model/finding.js';
import { seededRandom } from '../seeded-random.js';

const collator = new Intl.Collator().compare;
const sign = (n: number) => Math.sign(n);

const CASES: Array<[string, string, string]> = [
  ['equal', 'x-forwarded-proto', 'x-forwarded-proto'],
  ['prefix first', 'x-forwarded', 'x-forwarded-for'],
  ['hyphen before digit', 'a-1', 'a01'],
  ['dot before slash', 'a.b', 'a/b'],
  ['slash before digit', 'a/1', 'a1'],
  ['digits are not numbers', 'site10', 'site9'],
  ['paths', 'bench/.work/nginx-lint/tls/nginx.conf', 'bench/.work/nginx-lint/plain/nginx.conf'],
  ['check ids', 'nginx/host-port-lost', 'nginx/host-default-proxy-host'],
  // Outside the plain alphabet the collator decides (code units would put 'B' before 'a' and '_' after 'z').
  ['trap: upper case', 'B.conf', 'a.conf'],
  ['trap: underscore', 'a_b', 'a-b'],
  ['trap: underscore before letters', 'x_y', 'xa'],
  ['trap: non-ASCII', 'é.conf', 'f.conf'],
  ['empty', '', 'a'],
  // Printable ASCII decided at the first difference (URLs: every scan finding's evidence).
  ['urls: dot before digit', 'https://h.test:8443/p/1.html', 'https://h.test:8443/p/10.html'],
  ['urls: query', 'https://h.test/a?x=1&y=2', 'https://h.test/a?x=1&y=3'],
  ['urls: prefix first', 'https://h.test/a', 'https://h.test/a?x=1'],
  ['trailing space counts', 'a b', 'a b '],
  ['trap: case after an equal prefix', 'https://h.test/A', 'https://h.test/a'],
  ['trap: colon against a letter', 'http://x', 'http:x'],
  ['trap: case earlier, difference later', 'Ab-1', 'ab-2'],
  ['trap: control character', 'a\tb', 'ab'],
  ['trap: an ignorable character at the end', 'ab', 'ab\u0001'],
  ['trap: middle dot after a plain letter', 'al\u00b7b', 'alb'],
];

for (const [name, a, b] of CASES) {
  test(`compareText: ${name}`, () => {
    assert.equal(sign(compareText(a, b)), sign(collator(a, b)), `${a} vs ${b}`);
    assert.equal(sign(compareText(b, a)), sign(collator(b, a)), `${b} vs ${a}`);
  });
}

test('compareText agrees with Intl.Collator on seeded random strings', () => {
  const rnd = seededRandom(1010);
  for (const alphabet of ['abcdefghijklmnopqrstuvwxyz0123456789-./', 'abzAZ09-./_ :~é', 'ab01-./:?=&%#_ AB\t\u0001']) {
    for (let i = 0; i < 20_000; i++) {
      const word = () => {
        let s = '';
        const n = Math.floor(rnd() * 7);
        for (let k = 0; k < n; k++) s += alphabet[Math.floor(rnd() * alphabet.length)];
        return s;
      };
      // Half the pairs share a prefix, so the first difference is often after it.
      const shared = i % 2 === 0 ? word() : '';
      const a = shared + word();
      const b = shared + word();
      assert.equal(sign(compareText(a, b)), sign(collator(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    }
  }
});
