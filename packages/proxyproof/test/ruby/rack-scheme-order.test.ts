/**
 * Rack::Request#scheme's forwarded headers, in Rack's order (the Rails app end's `schemeHeaders`, first present wins):
 * Rack 2.2 reads X-Forwarded-Ssl (`on`), then X-Forwarded-Scheme, then X-Forwarded-Proto; Rack 3 (from Gemfile.lock)
 * reads X-Forwarded-Proto before X-Forwarded-Scheme (rack 3.0 CHANGELOG, rack/rack#1809).
 * Checked on Debian's ruby-rack 2.2.22 (Rack::Request.new(env).scheme): `X-Forwarded-Scheme: https` alone -> https;
 * `X-Forwarded-Proto: http` + `X-Forwarded-Scheme: https` -> https; `X-Forwarded-Proto: https` +
 * `X-Forwarded-Scheme: http` -> http; `X-Forwarded-Ssl: on` + `X-Forwarded-Proto: http` -> https.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nginxPuma, PUMA_SOCKET, RAILS_APP, railsProduction } from '../checks/app/fixtures.js';
import { doctorFiles } from '../python/lint-files.js';

const LOCK = (rack: string) =>
  `GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (${rack})\n    rails (7.1.5)\n\nPLATFORMS\n  ruby\n`;
const tree = (headers: string[], extra: Record<string, string> = {}) => ({
  'config/application.rb': RAILS_APP,
  'config/environments/production.rb': railsProduction(['config.log_level = :info']),
  'config/puma.rb': PUMA_SOCKET,
  'site.conf': nginxPuma(['proxy_set_header Host $host;', ...headers]),
  ...extra,
});

const rows: Array<{ name: string; files: Record<string, string>; status: 'lost' | 'correct'; why?: RegExp }> = [
  {
    name: 'valid: X-Forwarded-Scheme alone is read (Rack 2.2 and 3)',
    files: tree(['proxy_set_header X-Forwarded-Scheme $scheme;']),
    status: 'correct',
    why: /x-forwarded-scheme "https"/,
  },
  {
    name: 'invalid (trap): X-Forwarded-Proto https is right, but a hard-coded X-Forwarded-Scheme http wins in Rack 2.2',
    files: tree(['proxy_set_header X-Forwarded-Proto $scheme;', 'proxy_set_header X-Forwarded-Scheme http;']),
    status: 'lost',
  },
  {
    name: 'valid: the same headers with Rack 3 in Gemfile.lock: X-Forwarded-Proto first',
    files: tree(['proxy_set_header X-Forwarded-Proto $scheme;', 'proxy_set_header X-Forwarded-Scheme http;'], {
      'Gemfile.lock': LOCK('3.1.8'),
    }),
    status: 'correct',
    why: /x-forwarded-proto "https"/,
  },
  {
    name: 'invalid: Rack 2.2.22 pinned in Gemfile.lock keeps X-Forwarded-Scheme first',
    files: tree(['proxy_set_header X-Forwarded-Proto $scheme;', 'proxy_set_header X-Forwarded-Scheme http;'], {
      'Gemfile.lock': LOCK('2.2.22'),
    }),
    status: 'lost',
  },
  {
    name: 'valid: X-Forwarded-Ssl on (first of the forwarded headers)',
    files: tree(['proxy_set_header X-Forwarded-Ssl on;', 'proxy_set_header X-Forwarded-Proto http;']),
    status: 'correct',
  },
];

for (const r of rows)
  test(`Rack scheme order: ${r.name}`, async () => {
    const { analysis } = await doctorFiles(r.files);
    const route = analysis.verdict.routes[0];
    assert.equal(route?.scheme.status, r.status, JSON.stringify(route?.scheme));
    const rails = route?.trace.steps.at(-1);
    assert.equal(rails?.label, 'Rails');
    if (r.why) assert.match(rails?.schemeWhy ?? '', r.why);
  });
