/**
 * Fingerprints (render/fingerprint.ts): the hash of check id, file and the offending text with its whitespace
 * normalised, `:n` for the n-th finding with the same hash. `fingerprints()` keeps the normalised text per snippet
 * (a report repeats its snippets): the answers must be those of the recipe computed for each finding alone.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Finding } from '../../src/model/finding.js';
import { fingerprintKey, fingerprints } from '../../src/render/fingerprint.js';

function f(id: string, file: string, snippet: string | undefined, message = 'm'): Finding {
  return {
    id,
    severity: 'high',
    title: 't',
    message,
    evidence: [{ file, line: 3, ...(snippet !== undefined ? { snippet } : {}) }],
    why: '',
    references: [],
    docs: '',
  } as Finding;
}

/** The recipe written out: sha256 of `id NUL file NUL text`, hex, first 32 characters. */
const recipe = (id: string, file: string, text: string) =>
  createHash('sha256').update(`${id}\0${file}\0${text}`).digest('hex').slice(0, 32);

const BLOCK = 'location / {\n    proxy_pass http://app;\n}';

describe('fingerprints', () => {
  const rows: Array<{ name: string; findings: Finding[]; want: string[] }> = [
    {
      name: 'the same snippet twice in one file: one hash, counted :1 and :2',
      findings: [f('a/b', 'x.conf', BLOCK), f('a/b', 'x.conf', `${BLOCK}`)],
      want: [
        `${recipe('a/b', 'x.conf', 'location / { proxy_pass http://app; }')}:1`,
        `${recipe('a/b', 'x.conf', 'location / { proxy_pass http://app; }')}:2`,
      ],
    },
    {
      name: 'trap: the same snippet indented otherwise is the same text (whitespace normalised), so :2',
      findings: [f('a/b', 'x.conf', BLOCK), f('a/b', 'x.conf', `  ${BLOCK.replace(/\n {4}/g, '\n\t\t')}  `)],
      want: [
        `${recipe('a/b', 'x.conf', 'location / { proxy_pass http://app; }')}:1`,
        `${recipe('a/b', 'x.conf', 'location / { proxy_pass http://app; }')}:2`,
      ],
    },
    {
      name: 'the same snippet in another file or of another check: another hash',
      findings: [f('a/b', 'x.conf', BLOCK), f('a/b', './y.conf', BLOCK), f('c/d', 'x.conf', BLOCK)],
      want: [
        `${recipe('a/b', 'x.conf', 'location / { proxy_pass http://app; }')}:1`,
        `${recipe('a/b', 'y.conf', 'location / { proxy_pass http://app; }')}:1`,
        `${recipe('c/d', 'x.conf', 'location / { proxy_pass http://app; }')}:1`,
      ],
    },
    {
      name: 'trap: no snippet: the message without its line numbers, even when it equals a snippet seen before',
      findings: [
        f('a/b', 'x.conf', 'see x.conf:12'),
        f('a/b', 'x.conf', undefined, 'see x.conf:12'),
        f('a/b', 'x.conf', undefined, 'see x.conf:40'),
      ],
      want: [
        `${recipe('a/b', 'x.conf', 'see x.conf:12')}:1`,
        `${recipe('a/b', 'x.conf', 'see x.conf:')}:1`,
        `${recipe('a/b', 'x.conf', 'see x.conf:')}:2`,
      ],
    },
  ];
  for (const row of rows)
    it(row.name, () => {
      assert.deepEqual(fingerprints(row.findings), row.want);
      // Each finding alone (no shared normalised text) gives the same hash.
      assert.deepEqual(
        row.findings.map((x) => fingerprintKey(x)),
        row.want.map((w) => w.split(':')[0]),
      );
    });
});
