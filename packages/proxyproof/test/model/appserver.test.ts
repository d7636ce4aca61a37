import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passThroughServer } from '../../src/model/appserver.js';

test('passThroughServer: no header turned into a scheme, nobody trusted, at the launch line without its `via`', () => {
  const s = passThroughServer({
    name: 'puma',
    launch: { file: 'config/puma.rb', line: 3, snippet: 'bind "tcp://0.0.0.0:3000"', via: 'config' },
    binds: [{ kind: 'tcp', host: '0.0.0.0', port: 3000, exposure: 'all-interfaces' }],
    configFiles: ['config/puma.rb'],
    notes: ['Puma passes forwarded headers to Rack unchanged'],
  });
  assert.equal(s.kind, 'other');
  assert.deepEqual(s.proxyHeaders, {
    value: false,
    origin: 'default',
    ref: { file: 'config/puma.rb', line: 3, snippet: 'bind "tcp://0.0.0.0:3000"' },
  });
  assert.deepEqual(s.trustedProxies.value, []);
  assert.deepEqual(s.schemeHeaders.value, {});
  assert.equal(s.trustedProxies.origin, 'default');
  assert.equal(s.tls, undefined);
  assert.equal('service' in s, false);
  assert.deepEqual(s.env, {});
});

test('passThroughServer: service, app target and TLS kept when given', () => {
  const s = passThroughServer({
    name: 'kestrel',
    launch: { file: 'docker-compose.yml', line: 9, via: 'compose' },
    binds: [],
    configFiles: [],
    notes: [],
    service: 'api',
    appTarget: 'src/Api',
    tls: true,
  });
  assert.equal(s.service, 'api');
  assert.equal(s.appTarget, 'src/Api');
  assert.equal(s.tls, true);
});
