/**
 * Entries of the neutral proxy hops: a hop without a server name (an HAProxy frontend) is simulated with the name
 * of the proxy behind it; a proxy's own redirect to https (redirectsToHttps) is decided by the scheme the hop
 * believes, so it ends a plain request, and loops behind a load balancer whose X-Forwarded-Proto it does not trust.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeChain } from '../../src/chain/analyze.js';
import { lintFiles } from '../python/lint-files.js';

const HAPROXY =
  'defaults\n  mode http\nfrontend www\n  bind :443 ssl crt /etc/haproxy/site.pem\n  http-request set-header X-Forwarded-Proto https\n  default_backend web\nbackend web\n  server n1 127.0.0.1:8080\n';
const NGINX =
  'server {\n  listen 127.0.0.1:8080;\n  server_name app.example.org;\n  location / {\n    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;\n    proxy_pass http://127.0.0.1:8000;\n  }\n}\n';

test('an HAProxy frontend without a server name is simulated with the name of the nginx behind it', async () => {
  const { facts } = await lintFiles({ 'haproxy.cfg': HAPROXY, 'site.conf': NGINX }, []);
  const a = analyzeChain(facts);
  const entry = a.topology.entries.find((e) => a.topology.proxies.find((p) => p.id === e.hopId)?.kind === 'haproxy');
  assert.ok(entry, 'the HAProxy frontend is the entry');
  assert.equal(entry.name, 'app.example.org');
  assert.match(entry.url, /^https:\/\/app\.example\.org\//);
  assert.ok(a.topology.notes.some((n) => /has no server name: simulated as app\.example\.org, the name nginx/.test(n)));
  assert.ok(!a.topology.notes.some((n) => /simulated as "localhost"/.test(n)));
});

test('with nothing behind it that has a name, the note still says localhost', async () => {
  const { facts } = await lintFiles({ 'haproxy.cfg': HAPROXY.replace('127.0.0.1:8080', '127.0.0.1:8000') }, []);
  const a = analyzeChain(facts);
  assert.ok(a.topology.notes.some((n) => /has no server name: simulated as "localhost"/.test(n)));
});
