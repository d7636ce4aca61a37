/**
 * engine/template-branches.ts mergeRenderings: how the findings of several renderings of a tree's templates become
 * one list. A table of valid / invalid / trap cases over plain findings (the CLI's own table is
 * test/cli/template-branches.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeRenderings, type Rendering } from '../../src/engine/template-branches.js';
import type { Finding, Severity } from '../../src/model/finding.js';
import type { TemplateChain } from '../../src/model/template.js';

const chain: TemplateChain = {
  line: 2,
  alternatives: [
    { line: 2, endLine: 4, tag: '{% if tls %}', kept: true },
    { line: 4, endLine: 6, tag: '{% else %}', kept: false },
  ],
  hasElse: true,
  reached: true,
  holdsText: true,
};
const elseRendering: Rendering = { file: 'a.j2', abs: '/t/a.j2', chain, alt: 1, also: [] };

function finding(id: string, line: number, message: string, severity: Severity = 'high'): Finding {
  return {
    id,
    severity,
    title: id,
    message,
    evidence: [{ file: 'a.j2', line }],
    why: 'why',
    references: [],
    docs: `docs/checks/${id}.md`,
  };
}
const summary = (fs: Finding[]): string[] =>
  fs.map((f) => `${f.id}@${f.evidence[0]?.line} ${f.severity} ${/\(template: ([^)]*\))?[^)]*\)/.exec(f.message)?.[0] ?? '-'}`);

const CASES: Array<{ name: string; base: Finding[]; other: Finding[]; expect: string[] }> = [
  {
    name: 'valid: found in every rendering: unchanged',
    base: [finding('x/a', 3, 'm')],
    other: [finding('x/a', 3, 'm')],
    expect: ['x/a@3 high -'],
  },
  {
    name: 'invalid: found only in the else rendering: says when',
    base: [],
    other: [finding('x/b', 5, 'm')],
    expect: ['x/b@5 high (template: only when `{% if tls %}` (a.j2:2) is false)'],
  },
  {
    name: 'invalid: found only in the default rendering: says when',
    base: [finding('x/c', 3, 'm')],
    other: [],
    expect: ['x/c@3 high (template: only when `{% if tls %}` (a.j2:2) is true)'],
  },
  {
    name: 'trap: the same finding with another rendered value in its message is one finding, not two',
    base: [finding('x/d', 3, 'sends https, http')],
    other: [finding('x/d', 3, 'sends http')],
    expect: ['x/d@3 high -'],
  },
  {
    name: 'invalid: more severe in one rendering: that severity, saying when',
    base: [finding('x/e', 3, 'm', 'info')],
    other: [finding('x/e', 3, 'm2', 'low')],
    expect: ['x/e@3 low (template: low only when `{% if tls %}` (a.j2:2) is false; info in the other renderings)'],
  },
  {
    name: "trap: several findings of one check at one place (one per route) are told apart by message: none borrows another's severity",
    base: [finding('x/f', 54, 'route 1', 'high'), finding('x/f', 54, 'route 2', 'low')],
    other: [finding('x/f', 54, 'route 1', 'high'), finding('x/f', 54, 'route 2', 'low')],
    expect: ['x/f@54 high -', 'x/f@54 low -'],
  },
];

for (const c of CASES)
  test(`mergeRenderings: ${c.name}`, () => {
    assert.deepEqual(summary(mergeRenderings(c.base, [{ rendering: elseRendering, findings: c.other }])), c.expect);
  });
