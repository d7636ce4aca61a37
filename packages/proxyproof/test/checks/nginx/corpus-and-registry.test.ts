/**
 * Registry and robustness of the nginx checks:
 *  - every check in NGINX_CHECKS has a unique id, its docs page (with the required sections) and a case table;
 *  - the model and every check run over every nginx file of the shared corpus (crossplane + gixy) without
 *    throwing, and every finding they produce is well-formed (evidence with file and line, a fix).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { NGINX_CHECKS } from '../../../src/checks/nginx/index.js';
import { parseNginxFile } from '../../../src/collectors/nginx/index.js';
import { nginxModel } from '../../../src/facts/nginx/index.js';
import { PACKAGE_ROOT, SHARED } from '../../helpers.js';
import { factsOf } from './harness.js';

describe('registry', () => {
  test('ids are unique and in the nginx family', () => {
    const ids = NGINX_CHECKS.map((c) => c.meta.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^nginx\/[a-z0-9-]+$/);
    assert.ok(ids.length >= 9);
  });

  for (const check of NGINX_CHECKS) {
    const name = check.meta.id.slice('nginx/'.length);
    test(`${check.meta.id}: docs page and case table`, () => {
      const doc = join(PACKAGE_ROOT, 'docs/checks', `${check.meta.id}.md`);
      assert.ok(existsSync(doc), `missing ${doc}`);
      const text = readFileSync(doc, 'utf8');
      for (const h of ['## What', '## Why', '## Bad example', '## Good example', '## Versions covered', '## References']) {
        assert.ok(text.includes(h), `${doc} lacks "${h}"`);
      }
      for (const r of check.meta.references) assert.ok(text.includes(r), `${doc} does not cite ${r}`);
      assert.ok(existsSync(join(PACKAGE_ROOT, 'test/checks/nginx', `${name}.test.ts`)), 'case table');
    });
  }
});

function corpusFiles(dir: string, out: string[] = [], depth = 0): string[] {
  if (depth > 6 || !existsSync(dir)) return out;
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) corpusFiles(p, out, depth + 1);
    else if (n.endsWith('.conf')) out.push(p);
  }
  return out;
}

const CORPUS = join(SHARED, 'corpus/nginx');

describe('the shared corpus', { skip: existsSync(CORPUS) ? false : `no corpus at ${CORPUS}` }, () => {
  test('model and checks never throw and produce well-formed findings', () => {
    const files = corpusFiles(CORPUS);
    assert.ok(files.length > 50, `corpus has ${files.length} files`);
    let servers = 0;
    let findings = 0;
    for (const f of files) {
      const tree = parseNginxFile(f, { stockDirs: [] });
      const facts = factsOf([tree], new Map([[f, readFileSync(f, 'utf8').split(/\r?\n/)]]));
      const model = nginxModel(facts);
      servers += model.servers.length;
      for (const check of NGINX_CHECKS) {
        for (const x of check.run(facts)) {
          findings++;
          assert.equal(x.id, check.meta.id);
          assert.ok(x.evidence.length > 0 && x.evidence.every((e) => e.file && e.line > 0), `${f}: ${x.id} evidence`);
          assert.ok(x.fix?.lines?.length, `${f}: ${x.id} fix`);
        }
      }
    }
    // Most corpus files are location-level snippets; those with server blocks are modelled.
    assert.ok(servers >= 20, `servers modelled: ${servers}`);
    // The corpus (parser conformance, gixy's own checks) has no forwarded-header mistakes: none are invented.
    assert.equal(findings, 0);
  });
});
