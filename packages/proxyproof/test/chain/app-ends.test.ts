// The chain models the neutral app ends (Rails behind Puma here) as hops: "lost at hop N", the redirect loop.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nginxPuma, PUMA_SOCKET, RAILS_APP, railsProduction } from '../checks/app/fixtures.js';
import { findingsFor } from '../checks/chain/cases.js';

const rails = (prod: string[], headers: string[]) => ({
  'config/application.rb': RAILS_APP,
  'config/environments/production.rb': railsProduction(prod),
  'config/puma.rb': PUMA_SOCKET,
  'site.conf': nginxPuma(headers),
});

test('chain: nginx -> Puma socket -> Rails without X-Forwarded-Proto is lost at hop 1 and loops with force_ssl', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'rails',
    files: rails(['config.force_ssl = true'], ['proxy_set_header Host $host;']),
    expect: 1,
  });
  assert.equal(f.length, 1);
  assert.equal(f[0]?.severity, 'critical');
  assert.match(f[0]?.message ?? '', /reaches Rails as http: lost at hop 1/);
  assert.match(f[0]?.message ?? '', /ERR_TOO_MANY_REDIRECTS/);
});

test('chain: with X-Forwarded-Proto Rails believes https (Rack trusts the header from any peer)', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'rails ok',
    files: rails(['config.force_ssl = true'], ['proxy_set_header X-Forwarded-Proto $scheme;']),
    expect: 0,
  });
  assert.equal(f.length, 0);
});

test('chain: assume_ssl makes Rails believe https even without the header (no loop)', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'assume_ssl',
    files: rails(['config.assume_ssl = true', 'config.force_ssl = true'], ['proxy_set_header Host $host;']),
    expect: 0,
  });
  assert.equal(f.length, 0);
});
