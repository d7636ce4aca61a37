import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ALL_CHECKS } from '../../../src/checks/index.js';
import { SCAN_CHECKS } from '../../../src/checks/scan/index.js';
import { PACKAGE_ROOT } from '../../helpers.js';

test('every scan check has a docs page with the required sections and its references', () => {
  const ids = new Set<string>();
  for (const c of SCAN_CHECKS) {
    assert.match(c.meta.id, /^scan\/[a-z0-9-]+$/);
    assert.ok(!ids.has(c.meta.id), `duplicate ${c.meta.id}`);
    ids.add(c.meta.id);
    const p = join(PACKAGE_ROOT, 'docs/checks', `${c.meta.id}.md`);
    assert.ok(existsSync(p), `missing ${p}`);
    const md = readFileSync(p, 'utf8');
    for (const s of ['## What', '## Why', '## Bad example', '## Good example', '## Versions/defaults covered', '## References'])
      assert.ok(md.includes(s), `${c.meta.id}: ${s}`);
    for (const r of c.meta.references) assert.ok(md.includes(r), `${c.meta.id}: reference ${r} not in docs`);
    assert.ok(existsSync(join(PACKAGE_ROOT, 'test/checks', `${c.meta.id}.test.ts`)), `${c.meta.id}: no case table`);
  }
  assert.equal(ids.size, 16);
  assert.ok(!ALL_CHECKS.some((c) => c.meta.id.startsWith('scan/')), 'scan checks are not lint checks');
});
