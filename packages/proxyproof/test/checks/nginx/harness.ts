/**
 * Test harness for the nginx checks: parse config text (or a folder's entry file) with the real
 * parser, assemble Facts the way the collector does, run one check, and list `id@line` results.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import type { NginxConfigTree } from '../../../src/collectors/nginx/ast.js';
import { parseNginxFile, parseNginxText } from '../../../src/collectors/nginx/index.js';
import { isMechanical } from '../../../src/fix/plan.js';
import type { Check } from '../../../src/model/check.js';
import type { Facts } from '../../../src/model/facts.js';
import type { Finding } from '../../../src/model/finding.js';
import { fixLoop } from '../../fix/loop.js';

export function factsOf(configs: NginxConfigTree[], sources: Map<string, string[]>): Facts {
  return { sources, nginx: { configs }, appServers: [], frameworks: [], diagnostics: [] };
}

/** One config text as `site.conf`, parsed without following includes except stock params (built-in copies). */
export function factsFromText(text: string, fileName = 'site.conf'): Facts {
  const tree = parseNginxText(text, fileName, { single: false, stockDirs: [] });
  return factsOf([tree], new Map([[fileName, text.split(/\r?\n/)]]));
}

/**
 * Several files written to a temporary folder; `entry` is parsed with includes. Sources are keyed by
 * path relative to the folder (as the CLI keys them relative to the working directory).
 */
export function factsFromFiles(files: Record<string, string>, entry: string): { facts: Facts; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pp-nginx-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  const tree = parseNginxFile(join(dir, entry), { stockDirs: [] });
  const sources = new Map<string, string[]>();
  for (const name of Object.keys(files)) sources.set(name, readFileSync(join(dir, name), 'utf8').split(/\r?\n/));
  void relative;
  return { facts: factsOf([tree], sources), dir };
}

/** `id@line` for each finding's primary evidence, sorted: what a case table asserts. */
export function summary(findings: Finding[]): string[] {
  return findings.map((f) => `${f.id}@${f.evidence[0]?.line ?? 0}`).sort();
}

export interface Case {
  name: string;
  config: string;
  /** Expected `id@line` list (empty: valid config). */
  expect: string[];
  /** The case deliberately has a parse error (a dangling include): match it. */
  parseError?: RegExp;
  /** The severity every finding of the case has (when it differs from the check's own). */
  severity?: Finding['severity'];
}

export function runCheck(check: Check, facts: Facts): Finding[] {
  return check.run(facts);
}

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

/** Runs a case table: each case parses `config` as site.conf and asserts exactly the `id@line` findings. */
export function caseTable(check: Check, cases: Case[]): void {
  describe(check.meta.id, () => {
    for (const c of cases) {
      test(`${c.expect.length === 0 ? 'valid' : 'invalid'}: ${c.name}`, async () => {
        const facts = factsFromText(c.config, c.name.endsWith('.conf') ? c.name : 'site.conf');
        const errors = facts.nginx.configs.flatMap((t) => t.errors.map((e) => `${e.file}:${e.line}: ${e.error}`));
        if (c.parseError) assert.match(errors.join('\n'), c.parseError);
        else assert.deepEqual(errors, [], 'the case must parse cleanly');
        const found = check.run(facts);
        assert.deepEqual(summary(found), [...c.expect].sort());
        if (c.severity) for (const f of found) assert.equal(f.severity, c.severity, `${f.id}@${f.evidence[0]?.line}`);
        for (const f of found) {
          assert.equal(f.id, check.meta.id);
          assert.ok(f.message.length > 20 && f.why.length > 20, 'message and why are written out');
          assert.ok(f.evidence[0]?.snippet, 'primary evidence has the source line');
          assert.ok(f.fix?.lines && f.fix.lines.length > 0, 'the fix gives lines to write');
          assert.ok(f.references.every((r) => r.startsWith('https://')));
        }
        // The proof loop: fix --write makes the finding go away without new ones (test/fix/loop.ts).
        if (!c.parseError && found.some(isMechanical))
          await fixLoop({ [c.name.endsWith('.conf') ? c.name : 'site.conf']: c.config }, check.meta.id);
      });
    }
  });
}
