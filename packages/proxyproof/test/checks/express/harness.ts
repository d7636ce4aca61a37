// Case tables for the Node framework checks: each case is a small deployment folder (app code, nginx config,
// compose file...) run through every real collector, then through one check.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Check } from '../../../src/model/check.js';
import type { Finding } from '../../../src/model/finding.js';
import { factsFromFiles } from '../../node-apps/harness.js';

export interface Case {
  name: string;
  files: Record<string, string>;
  /** `file@line` of each expected finding's first evidence, in any order ([] = valid case). */
  expect: string[];
  /** optional extra assertion on the findings */
  check?: (findings: Finding[]) => void;
}

export function caseTable(check: Check, cases: Case[]): void {
  for (const c of cases) {
    test(`${check.meta.id}: ${c.expect.length ? 'INVALID' : 'valid'} — ${c.name}`, async () => {
      const { facts } = await factsFromFiles(c.files);
      const findings = check.run(facts);
      const got = findings.map((f) => `${f.evidence[0]?.file.replace(/^.*pp-node-[^/]+\//, '')}@${f.evidence[0]?.line}`).sort();
      assert.deepEqual(
        got,
        [...c.expect].sort(),
        JSON.stringify(
          findings.map((f) => f.message),
          null,
          1,
        ),
      );
      for (const f of findings) {
        assert.equal(f.id, check.meta.id);
        assert.ok(f.fix?.description, 'every finding carries a fix');
      }
      c.check?.(findings);
    });
  }
}

/** nginx on the same host, TLS, proxying to 127.0.0.1:<port>. */
export function nginxSameHost(port: number): string {
  return `server {
    listen 443 ssl;
    server_name app.example;
    ssl_certificate /etc/ssl/app.pem;
    ssl_certificate_key /etc/ssl/app.key;
    location / {
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_pass http://127.0.0.1:${port};
    }
}
`;
}
