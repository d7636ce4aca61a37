/**
 * A Caddy `trusted_proxies` list against a front that connects from several published ranges (Cloudflare's 22,
 * collectors/front/fronts.ts), through `doctor --front cloudflare`: the hop's note names the ranges the list leaves
 * out (as front/trust-list-omits-front does for an app's list); a list that covers none of them trusts none of the
 * front's requests (Caddy replaces their X-Forwarded-*: the scheme is lost at Caddy); one that covers all has no note.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLOUDFLARE_RANGES } from '../../src/collectors/front/fronts.js';
import { runCli } from '../helpers.js';

const caddyfile = (trusted: string) =>
  `http://a.example.com {\n\treverse_proxy 127.0.0.1:8000 {\n\t\ttrusted_proxies ${trusted}\n\t}\n}\n`;

const ROWS: Array<{ name: string; trusted: string; note: RegExp | null; lost: boolean }> = [
  {
    name: 'invalid: one of the 22 ranges (2c0f:f248::/32): the note names the 21 left out',
    trusted: '2c0f:f248::/32',
    note: /trusts 2c0f:f248::\/32 \(.*Caddyfile:3\): only 1 of the 22 ranges Cloudflare proxy connects from; it leaves out 173\.245\.48\.0\/20 .* 2a06:98c0::\/29: a request arriving from those is not trusted/,
    lost: false,
  },
  {
    name: 'invalid: private_ranges behind Cloudflare covers none of its ranges: not trusted, the scheme is lost at Caddy',
    trusted: 'private_ranges',
    note: /none of the 22 ranges Cloudflare proxy connects from .*: its forwarded headers are not trusted/,
    lost: true,
  },
  {
    name: 'valid (trap): all 22 ranges listed: trusted, no "assumes" note',
    trusted: CLOUDFLARE_RANGES.join(' '),
    note: null,
    lost: false,
  },
];

for (const row of ROWS)
  test(row.name, () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-caddy-cfr-'));
    try {
      writeFileSync(join(dir, 'Caddyfile'), caddyfile(row.trusted));
      writeFileSync(join(dir, 'app.service'), '[Service]\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:8000 app:app\n');
      const r = runCli(['doctor', '.', '--front', 'cloudflare', '--no-color'], { cwd: dir });
      assert.ok(r.code === 0 || r.code === 1, r.stderr);
      const notes = r.stdout.split('\n').filter((l) => /^\s+note: /.test(l));
      if (row.note)
        assert.ok(
          notes.some((n) => row.note?.test(n)),
          notes.join('\n') || r.stdout,
        );
      else assert.ok(!notes.some((n) => /trusted_proxies|Caddyfile:3|ranges/.test(n)), notes.join('\n'));
      assert.equal(/verdict: the app believes http — lost at hop 2 \(caddy/.test(r.stdout), row.lost, r.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
