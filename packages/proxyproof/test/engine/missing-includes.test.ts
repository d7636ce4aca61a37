/**
 * An include that is not in the linted files never hides the rest, and the output says what was assumed:
 * certbot's options-ssl-nginx.conf by its known content (only ssl_* settings, so the blocks that include it are
 * judged as usual), Debian's params files by their built-in copies when this machine has none (stock.ts), and
 * anything else as unknown, with a note saying so.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseNginxText, stockFileFor } from '../../src/collectors/nginx/index.js';
import { stockSummary } from '../../src/collectors/nginx/stock.js';
import { lintPaths } from '../../src/engine/lint.js';

const tmp = mkdtempSync(join(tmpdir(), 'pp-includes-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function site(name: string, body: string): string {
  const dir = join(tmp, name, 'sites-enabled');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'site'), body);
  return join(tmp, name);
}

const CERTBOT_SITE = `server {
    listen 443 ssl;
    server_name app.example.com;
    ssl_certificate /etc/letsencrypt/live/app.example.com/fullchain.pem;
    ssl_certificate_key /etc/letsencrypt/live/app.example.com/privkey.pem;
    include /etc/letsencrypt/options-ssl-nginx.conf;
    location / {
        proxy_set_header Host $host;
        proxy_pass http://127.0.0.1:8000;
    }
}
`;

describe('missing includes', () => {
  it("certbot's options file holds only ssl_* directives, in the http/server context", () => {
    const f = stockFileFor('/etc/letsencrypt/options-ssl-nginx.conf');
    assert.ok(f);
    const t = parseNginxText(f.content, f.path, { context: ['http', 'server'] });
    assert.equal(t.status, 'ok', JSON.stringify(t.errors));
    const names = (t.config[0]?.parsed ?? []).map((d) => d.directive);
    assert.ok(names.length >= 5);
    assert.ok(
      names.every((n) => n.startsWith('ssl_')),
      names.join(' '),
    );
    assert.match(stockSummary(f), /^it sets ssl_session_cache, ssl_session_timeout/);
  });

  it("a missing certbot options file does not hide the server's findings, and the note says what was assumed", async () => {
    const dir = site('certbot', CERTBOT_SITE);
    const { analysis } = await lintPaths([dir]);
    assert.ok(
      analysis.findings.some((f) => f.id === 'nginx/forwarded-proto-missing'),
      analysis.findings.map((f) => f.id).join(', '),
    );
    const note = analysis.facts.diagnostics.find((d) => /options-ssl-nginx\.conf/.test(d.message));
    assert.equal(note?.level, 'note');
    assert.equal(note?.line, 6);
    assert.match(note?.message ?? '', /certbot's \/etc\/letsencrypt\/options-ssl-nginx\.conf assumed \(it sets ssl_/);
  });

  it('a missing include of unknown content says what it means for the blocks that include it', async () => {
    const dir = site(
      'unknown',
      CERTBOT_SITE.replace('include /etc/letsencrypt/options-ssl-nginx.conf;', 'include /etc/nginx/snippets/headers.conf;'),
    );
    const { analysis } = await lintPaths([dir]);
    const d = analysis.facts.diagnostics.find((x) => /headers\.conf/.test(x.message));
    assert.equal(d?.level, 'warning');
    assert.match(
      d?.message ?? '',
      /what it sets is unknown: the forwarded-header checks of the blocks that include it say nothing/,
    );
    assert.ok(!analysis.findings.some((f) => f.id === 'nginx/forwarded-proto-missing'));
  });
});
