/**
 * One root cause, one headline between a generic proxy check and nginx's own check (checks/proxy/twins.ts): run
 * together on an nginx site, the nginx finding stays (its id, severity, fix) and names the generic id in
 * data.aliases; a generic finding with no nginx twin at its place stays a finding of its own.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forwardedProtoClientControlled } from '../../../src/checks/nginx/forwarded-proto-client-controlled.js';
import { forwardedProtoMissing } from '../../../src/checks/nginx/forwarded-proto-missing.js';
import { schemeHeaderValue } from '../../../src/checks/nginx/scheme-header-value.js';
import { proxyClientHeaderCopied } from '../../../src/checks/proxy/client-header-copied.js';
import { proxyForwardedProtoInvalid } from '../../../src/checks/proxy/forwarded-proto-invalid.js';
import { proxyForwardedProtoMissing } from '../../../src/checks/proxy/forwarded-proto-missing.js';
import { mergeGenericTwins } from '../../../src/checks/proxy/twins.js';
import type { Check } from '../../../src/model/check.js';
import type { Finding } from '../../../src/model/finding.js';
import { lintFiles } from '../../python/lint-files.js';
import { NGINX } from './sites.js';

const location = (lines: string) => NGINX(`    location / {\n${lines}      proxy_pass http://127.0.0.1:8000;\n    }`);

const cases: { name: string; conf: string; checks: Check[]; expect: { id: string; aliases?: string[] }[] }[] = [
  {
    name: 'missing scheme header: nginx/forwarded-proto-missing is the headline, proxy/forwarded-proto-missing its alias',
    conf: location(''),
    checks: [forwardedProtoMissing, proxyForwardedProtoMissing],
    expect: [{ id: 'nginx/forwarded-proto-missing', aliases: ['proxy/forwarded-proto-missing'] }],
  },
  {
    name: "client's X-Forwarded-Proto copied: nginx/forwarded-proto-client-controlled, alias proxy/client-header-copied",
    conf: location('      proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;\n'),
    checks: [forwardedProtoClientControlled, proxyClientHeaderCopied],
    expect: [{ id: 'nginx/forwarded-proto-client-controlled', aliases: ['proxy/client-header-copied'] }],
  },
  {
    name: 'a scheme value no app takes ($https): nginx/scheme-header-value, alias proxy/forwarded-proto-invalid',
    conf: location('      proxy_set_header X-Forwarded-Proto $https;\n'),
    checks: [schemeHeaderValue, proxyForwardedProtoInvalid],
    expect: [{ id: 'nginx/scheme-header-value', aliases: ['proxy/forwarded-proto-invalid'] }],
  },
  {
    name: 'no nginx twin (X-Real-IP copied from the client): the generic finding stays, with no alias',
    conf: location('      proxy_set_header X-Forwarded-Proto $scheme;\n      proxy_set_header X-Real-IP $http_x_real_ip;\n'),
    checks: [forwardedProtoClientControlled, proxyClientHeaderCopied],
    expect: [{ id: 'proxy/client-header-copied' }],
  },
];

for (const c of cases)
  test(c.name, async () => {
    const { findings } = await lintFiles({ 'nginx.conf': c.conf }, c.checks);
    const mine = findings.filter((f) => c.checks.some((k) => k.meta.id === f.id));
    assert.deepEqual(
      mine.map((f) => ({ id: f.id, ...(f.data?.aliases ? { aliases: f.data.aliases } : {}) })),
      c.expect,
      mine.map((f) => `${f.id} ${f.evidence[0]?.line} ${f.message}`).join('\n'),
    );
  });

test('a generic finding of another proxy kind, or at another place, is never folded', () => {
  const f = (id: string, line: number, proxy?: string): Finding => ({
    id,
    severity: 'high',
    title: id,
    message: id,
    why: '',
    references: [],
    docs: '',
    evidence: [{ file: 'a.conf', line }],
    ...(proxy ? { data: { proxy } } : {}),
  });
  const nginx = f('nginx/forwarded-proto-missing', 5);
  const input = [nginx, f('proxy/forwarded-proto-missing', 9, 'nginx'), f('proxy/forwarded-proto-missing', 5, 'caddy')];
  assert.deepEqual(mergeGenericTwins(input), input);
  const folded = mergeGenericTwins([nginx, f('proxy/forwarded-proto-missing', 5, 'nginx')]);
  assert.equal(folded.length, 1);
  assert.deepEqual(folded[0]?.data?.aliases, ['proxy/forwarded-proto-missing']);
});
