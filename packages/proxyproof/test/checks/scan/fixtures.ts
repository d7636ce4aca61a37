/** Hand-built ScanFacts for the scan checks' case tables. */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScanCheck } from '../../../src/checks/scan/types.js';
import type { Finding } from '../../../src/model/finding.js';
import type { PageFacts, ScanFacts, UrlRef } from '../../../src/scan/types.js';

export function page(url: string, extra: Partial<PageFacts> = {}): PageFacts {
  return {
    url,
    finalUrl: url,
    status: 200,
    depth: 0,
    chain: [],
    csp: [],
    cookies: [],
    insecure: [],
    linkStats: { sameHostHttp: 0, sameHostHttps: 0, relative: 3 },
    ...extra,
  };
}

export function ref(
  url: string,
  classification: UrlRef['classification'],
  kind: UrlRef['kind'],
  extra: Partial<UrlRef> = {},
): UrlRef {
  return { url, classification, kind, source: 'html', doc: extra.doc ?? 'https://app.test/', line: 7, ...extra };
}

export function facts(pages: PageFacts[], extra: Partial<ScanFacts> = {}): ScanFacts {
  return {
    entry: pages[0]?.url ?? 'https://app.test/',
    engine: 'static',
    pages,
    confirm: [],
    thirdParty: [],
    lint: [],
    failures: [],
    ...extra,
  };
}

export interface Case {
  name: string;
  facts: ScanFacts;
  /** Number of findings expected (0 for a valid case). */
  count: number;
  /** Each finding must satisfy this. */
  expect?: (f: Finding[]) => void;
}

/** Runs a check over named valid (count 0) and invalid cases. */
export function caseTable(check: ScanCheck, cases: Case[]): void {
  for (const c of cases) {
    test(`${check.meta.id}: ${c.count === 0 ? 'valid' : 'invalid'}: ${c.name}`, () => {
      const got = check.run(c.facts);
      assert.equal(
        got.length,
        c.count,
        JSON.stringify(
          got.map((f) => f.message),
          null,
          1,
        ),
      );
      for (const f of got) {
        assert.equal(f.id, check.meta.id);
        assert.equal(f.docs, `docs/checks/${check.meta.id}.md`);
        assert.ok(f.evidence.length > 0);
      }
      c.expect?.(got);
    });
  }
}
