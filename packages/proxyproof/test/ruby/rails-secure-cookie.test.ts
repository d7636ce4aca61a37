/**
 * Rails' session cookie Secure flag, on the real program: Debian's actionpack 6.1 (ruby-rails) runs
 * ActionDispatch::Cookies and ActionDispatch::SSL in-process (Rack::MockRequest: no socket) on a request that arrives
 * as plain http, with and without `X-Forwarded-Proto: https`. What it does is what app/secure-cookie-never-set
 * models: a `secure: true` cookie is not written at all on a request Rails believes is http (write_cookie?), and
 * force_ssl flags cookies Secure on the https ones (and redirects the others). lint must say the same of the same
 * deployment shape: high "no Set-Cookie goes out" behind a proxy that sends no scheme, nothing once it does.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { secureCookieNeverSet } from '../../src/checks/app/secure-cookie-never-set.js';
import { nginxPuma, PUMA_SOCKET, RAILS_APP, railsProduction } from '../checks/app/fixtures.js';
import { lintFiles } from '../python/lint-files.js';

const SCRIPT = `
require 'action_dispatch'
require 'rack/mock'
secure = ActionDispatch::Cookies.new(->(env) { ActionDispatch::Request.new(env).cookie_jar[:_s] = { value: 'x', secure: true }; [200, {}, ['ok']] })
ssl = ActionDispatch::SSL.new(ActionDispatch::Cookies.new(->(env) { ActionDispatch::Request.new(env).cookie_jar[:_t] = 'y'; [200, {}, ['ok']] }))
[['plain', {}], ['xfp', { 'HTTP_X_FORWARDED_PROTO' => 'https' }]].each do |name, h|
  r = Rack::MockRequest.new(secure).get('http://blog.test/', h)
  puts "secure #{name} #{r.headers['Set-Cookie'].inspect}"
  r = Rack::MockRequest.new(ssl).get('http://blog.test/', h)
  puts "force_ssl #{name} #{r.status} #{r.headers['Set-Cookie'].inspect}"
end
`;

test('Rails 6.1 (real actionpack): a Secure session cookie is not written over http; force_ssl flags https ones', () => {
  // A bound, not a timing: the script needs well under a second; a hang ends the test with ruby's output.
  const run = spawnSync('ruby', ['-e', SCRIPT], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, `ruby failed: ${run.stderr}`);
  const out = run.stdout.split('\n');
  assert.ok(out.includes('secure plain nil'), run.stdout);
  assert.ok(out.includes('secure xfp "_s=x; path=/; secure"'), run.stdout);
  assert.ok(out.includes('force_ssl plain 301 nil'), run.stdout);
  assert.ok(out.includes('force_ssl xfp 200 "_t=y; path=/; secure"'), run.stdout);
});

test('lint agrees: secure: true is "never written" behind a proxy without X-Forwarded-Proto, fine with it', async () => {
  const files = (headers: string[]) => ({
    'config/application.rb': RAILS_APP,
    'config/environments/production.rb': railsProduction([]),
    'config/puma.rb': PUMA_SOCKET,
    'config/initializers/session_store.rb':
      "Rails.application.config.session_store :cookie_store, key: '_blog_session', secure: true\n",
    'site.conf': nginxPuma(headers),
  });
  const lost = (await lintFiles(files(['proxy_set_header Host $host;']), [secureCookieNeverSet])).findings;
  assert.equal(lost.length, 1);
  assert.equal(lost[0]?.severity, 'high');
  assert.match(lost[0]?.message ?? '', /no Set-Cookie goes out/);
  const kept = (await lintFiles(files(['proxy_set_header X-Forwarded-Proto $scheme;']), [secureCookieNeverSet])).findings;
  assert.equal(kept.length, 0);
});
