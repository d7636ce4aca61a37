/**
 * fix/plan.ts planningFacts: the facts the doctor and the fix loop keep after an analysis, only to plan with. The
 * nginx trees keep their files and top-level directives (no blocks), the nginx model is gone, and planning gives the
 * same patches (programOf: which tree holds a file, whether its entry is a whole nginx.conf).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { analyze } from '../../src/engine/analyze.js';
import { planFixes, planningFacts } from '../../src/fix/plan.js';

it('planningFacts: no nested nginx directives, no model, the same plan as the full facts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-planning-facts-'));
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    [
      'events {}',
      'http {',
      '    server {',
      '        listen 443 ssl;',
      '        server_name shop.example.com;',
      '        location / {',
      '            proxy_pass http://127.0.0.1:8000;',
      '            proxy_set_header Host $host;',
      '        }',
      '    }',
      '}',
      '',
    ].join('\n'),
  );
  const a = await analyze([conf], { cwd: dir });
  const withFix = a.findings.filter((f) => f.fix);
  assert.ok(withFix.length > 0, 'the site forgets X-Forwarded-Proto: a finding with a fix');
  const slim = planningFacts(a.facts);
  assert.notEqual(slim, a.facts);
  assert.equal(slim.nginx.servers, undefined);
  assert.equal(slim.nginx.https, undefined);
  const top = slim.nginx.configs[0]?.config[0]?.parsed ?? [];
  assert.deepEqual(
    top.map((d) => d.directive),
    ['events', 'http'],
  );
  assert.ok(top.every((d) => d.block === undefined));
  // The full facts are not changed.
  assert.ok(a.facts.nginx.configs[0]?.config[0]?.parsed.some((d) => d.block !== undefined));
  const full = planFixes(a.facts, withFix, { cwd: dir });
  const planned = planFixes(slim, withFix, { cwd: dir });
  assert.ok(full.patches.length > 0);
  assert.deepEqual(planned, full);
  assert.equal(planned.patches[0]?.program, 'nginx');
});
