// Every app-end check is registered, documented (sections + its references) and has a case table.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { APP_CHECKS } from '../../../src/checks/app/index.js';
import { ALL_CHECKS } from '../../../src/checks/index.js';
import { PACKAGE_ROOT } from '../../helpers.js';

for (const c of APP_CHECKS) {
  test(`${c.meta.id}: registered, docs page, case table`, () => {
    assert.ok(ALL_CHECKS.includes(c));
    const doc = readFileSync(join(PACKAGE_ROOT, 'docs/checks', `${c.meta.id}.md`), 'utf8');
    assert.ok(doc.startsWith(`# ${c.meta.id}\n`));
    for (const s of ['## What', '## Why', '## Bad example', '## Good example', '## Versions/defaults covered', '## References'])
      assert.ok(doc.includes(s), `${c.meta.id}: ${s}`);
    for (const r of c.meta.references) assert.ok(doc.includes(r), `${c.meta.id} docs cite ${r}`);
    assert.ok(existsSync(join(PACKAGE_ROOT, 'test/checks', `${c.meta.id}.test.ts`)));
  });
}
