// Where app/origin-check-fails and app/ssl-redirect-loop write `proxy_set_header X-Forwarded-Proto $scheme;`: at the
// level that owns the location's proxy header set (checks/nginx/common.ts fixPlacement), never inside an `if` or
// `limit_except` block. nginx 1.22 refuses the directive there ("proxy_set_header" directive is not allowed here);
// such a block inherits the sets of the location that holds it. Held-out trial: joaoscotto/docker-ruby-puma-nginx-postgres
// (`if (!-f $request_filename) { proxy_pass http://app; break; }` inside `location /`) got its line after the
// proxy_pass, inside the `if`: `nginx -t` failed on the patched file. Real nginx checks the patched configs.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { originCheckFails } from '../../../src/checks/app/origin-check-fails.js';
import { sslRedirectLoop } from '../../../src/checks/app/ssl-redirect-loop.js';
import { lintPaths } from '../../../src/engine/lint.js';
import { planFixes } from '../../../src/fix/plan.js';
import { findProgram } from '../../../src/fix/programs.js';
import { writePlan } from '../../../src/fix/write.js';
import type { Check } from '../../../src/model/check.js';
import { tree } from '../../fix/tree.js';
import { lintFiles } from '../../python/lint-files.js';
import { PUMA_SOCKET, RAILS_APP, railsProduction } from './fixtures.js';

/** A TLS site proxying to Puma's socket; `location` is the body of `location /`. */
const site = (location: string[], server: string[] = []) =>
  [
    'upstream blog {',
    '    server unix:///var/www/blog/tmp/puma.sock;',
    '}',
    'server {',
    '    listen 443 ssl;',
    '    server_name blog.example.com;',
    '    ssl_certificate /etc/ssl/blog.pem;',
    '    ssl_certificate_key /etc/ssl/blog.key;',
    ...server.map((l) => `    ${l}`),
    '    location / {',
    ...location.map((l) => `        ${l}`),
    '    }',
    '}',
    '',
  ].join('\n');

const IF_PASS = ['if (!-f $request_filename) {', '    proxy_pass http://blog;', '    break;', '}'];

const rails = (production: string[]) => ({
  'config/puma.rb': PUMA_SOCKET,
  'config/application.rb': RAILS_APP,
  'config/environments/production.rb': railsProduction(production),
});

interface Row {
  name: string;
  check: Check;
  production: string[];
  site: string;
  /** The fix's line in site.conf and the line it writes. */
  want: { line: number; text: string };
}

const rows: Row[] = [
  {
    name: 'invalid: proxy_pass inside `if` with Host set in the location: the line joins the location set, not the if',
    check: originCheckFails,
    production: ['config.log_level = :info'],
    site: site(['proxy_set_header Host $host;', ...IF_PASS]),
    want: { line: 10, text: '        proxy_set_header X-Forwarded-Proto $scheme;' },
  },
  {
    name: 'invalid: proxy_pass inside `if`, no header written anywhere: after `location / {`, one level in',
    check: originCheckFails,
    production: ['config.log_level = :info'],
    site: site(IF_PASS),
    want: { line: 9, text: '        proxy_set_header X-Forwarded-Proto $scheme;' },
  },
  {
    name: 'invalid: force_ssl loop, proxy_pass inside `if`: same place for app/ssl-redirect-loop',
    check: sslRedirectLoop,
    production: ['config.force_ssl = true'],
    site: site(['proxy_set_header Host $host;', ...IF_PASS]),
    want: { line: 10, text: '        proxy_set_header X-Forwarded-Proto $scheme;' },
  },
  {
    name: 'trap: the set is owned by the server level: the line goes there (in the location it would drop the rest)',
    check: originCheckFails,
    production: ['config.log_level = :info'],
    site: site(['proxy_pass http://blog;'], ['proxy_set_header Host $host;']),
    want: { line: 9, text: '    proxy_set_header X-Forwarded-Proto $scheme;' },
  },
  {
    name: 'trap: proxy_pass written in the location itself, no set: after the proxy_pass (as before), at its indentation',
    check: originCheckFails,
    production: ['config.log_level = :info'],
    site: site(['proxy_pass http://blog;']),
    want: { line: 10, text: '        proxy_set_header X-Forwarded-Proto $scheme;' },
  },
];

for (const r of rows)
  test(`scheme fix placement: ${r.name}`, async () => {
    const { findings } = await lintFiles({ ...rails(r.production), 'site.conf': r.site }, [r.check]);
    const mine = findings.filter((f) => f.id === r.check.meta.id);
    assert.equal(mine.length, 1, mine.map((f) => f.message).join('\n'));
    const fix = mine[0]?.fix;
    assert.equal(fix?.file, 'site.conf');
    assert.equal(fix?.placement, 'after');
    assert.deepEqual([fix?.line, fix?.lines?.[0]], [r.want.line, r.want.text], JSON.stringify(fix));
  });

test('real nginx accepts the patched `if` site (fix --write validates with nginx -t): the header reaches the if', async (t) => {
  if (!findProgram('nginx')) return t.skip('nginx is not installed');
  // A plain listener: nginx -t wants no certificate files for it; the proxy_pass stays inside the `if`.
  const plain = site(['proxy_set_header Host $host;', ...IF_PASS]).replace(
    / {4}listen 443 ssl;\n.*\n {4}ssl_certificate .*\n {4}ssl_certificate_key .*\n/,
    '    listen 127.0.0.1:8080;\n    server_name blog.example.com;\n',
  );
  const dir = tree({ ...rails(['config.log_level = :info']), 'site.conf': plain });
  try {
    const { facts, report } = await lintPaths(['.'], { cwd: dir, checks: [originCheckFails] });
    const mine = report.findings.filter((f) => f.id === originCheckFails.meta.id);
    assert.equal(mine.length, 1);
    const written = writePlan(planFixes(facts, mine, { cwd: dir }), facts, { cwd: dir });
    assert.equal(written[0]?.status, 'written', JSON.stringify(written));
    assert.equal(written[0]?.validation?.status, 'ok', JSON.stringify(written[0]?.validation));
    assert.match(
      readFileSync(join(dir, 'site.conf'), 'utf8'),
      /location \/ \{\n {8}proxy_set_header Host \$host;\n {8}proxy_set_header X-Forwarded-Proto \$scheme;\n {8}if \(/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
