/**
 * `set $x value; proxy_pass http://$x;`: a pass target whose variables the scope's own `set` lines give one literal
 * value each is linked like the literal target (facts/nginx/build.ts resolveSetPass); anything nginx can only decide
 * per request stays unresolved. Valid / invalid / trap cases.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nginxModel } from '../../src/facts/nginx/index.js';
import { nginxProxyConfigs } from '../../src/facts/nginx/sites.js';
import { factsFromText } from '../checks/nginx/harness.js';

/** The pass of the location `loc` of the first server, as host:port / upstream / unresolved. */
function passOf(text: string, loc: string): string {
  const server = nginxModel(factsFromText(text)).servers[0];
  const scope = server?.scopes.find((s) => s.label === loc);
  assert.ok(scope?.pass, `no pass in ${loc}; have ${server?.scopes.map((s) => s.label).join(' | ')}`);
  const p = scope.pass;
  if (p.variable && !p.setBy) return 'unresolved';
  if (p.upstream) return `upstream ${p.upstream.name}`;
  if (p.unix !== undefined) return `unix ${p.unix}`;
  return `${p.scheme}://${p.host}:${p.port}${p.uri ?? ''} (set at ${p.setBy?.map((r) => r.line).join(',') ?? '-'})`;
}

const CASES: Array<{ name: string; conf: string; loc: string; want: string }> = [
  {
    name: 'valid: server-level set, bare variable',
    conf: 'server {\n  listen 80;\n  set $admin admin;\n  location / { proxy_pass http://$admin; }\n}\n',
    loc: 'location /',
    want: 'http://admin:80 (set at 3)',
  },
  {
    name: 'valid: set in the location itself, with a port, braced, URI with a per-request variable',
    conf: 'server {\n  location /api/ {\n    set $api api:8080;\n    proxy_pass http://${api}/internal$request_uri;\n  }\n}\n',
    loc: 'location /api/',
    want: 'http://api:8080/internal$request_uri (set at 3)',
  },
  {
    name: 'valid: the value carries the scheme (`proxy_pass $app`)',
    conf: 'server {\n  set $app https://app:8443;\n  location / { proxy_pass $app; }\n}\n',
    loc: 'location /',
    want: 'https://app:8443 (set at 2)',
  },
  {
    name: 'valid: the value names an upstream block',
    conf: 'upstream pool { server 10.0.0.2:8000; }\nserver {\n  set $b pool;\n  location / { proxy_pass http://$b; }\n}\n',
    loc: 'location /',
    want: 'upstream pool',
  },
  {
    name: "valid: SWAG's proxy-conf shape (scheme, host and port each a set variable, sets in the location)",
    conf: 'server {\n  location / {\n    set $upstream_app gitea;\n    set $upstream_port 3000;\n    set $upstream_proto http;\n    proxy_pass $upstream_proto://$upstream_app:$upstream_port;\n  }\n}\n',
    loc: 'location /',
    want: 'http://gitea:3000 (set at 5,3,4)',
  },
  {
    name: 'invalid: two different values (chosen per request)',
    conf: 'server {\n  set $b a;\n  if ($http_x) { set $b b; }\n  location / { proxy_pass http://$b; }\n}\n',
    loc: 'location /',
    want: 'unresolved',
  },
  {
    name: 'invalid: the value has a variable of its own',
    conf: 'server {\n  set $b $host;\n  location / { proxy_pass http://$b; }\n}\n',
    loc: 'location /',
    want: 'unresolved',
  },
  {
    name: 'invalid: a map variable (no set)',
    conf: 'map $http_x $b { default a; }\nserver {\n  location / { proxy_pass http://$b; }\n}\n',
    loc: 'location /',
    want: 'unresolved',
  },
  {
    name: 'trap: a set in a sibling location is not seen',
    conf: 'server {\n  location /a { set $b a; return 204; }\n  location /b { proxy_pass http://$b; }\n}\n',
    loc: 'location /b',
    want: 'unresolved',
  },
  {
    name: 'trap: a request variable in the address ($host) stays unresolved even with other sets',
    conf: 'server {\n  set $p 8000;\n  location / { proxy_pass http://$host:$p; }\n}\n',
    loc: 'location /',
    want: 'unresolved',
  },
];

describe('set $x; proxy_pass http://$x', () => {
  for (const c of CASES) test(c.name, () => assert.equal(passOf(c.conf, c.loc), c.want));

  test('the neutral site route gets the resolved address (what the chain links)', () => {
    const facts = factsFromText(
      'server {\n  listen 80;\n  set $admin admin:8080;\n  location / { proxy_pass http://$admin; }\n}\n',
    );
    const route = nginxProxyConfigs(facts)[0]?.sites[0]?.routes.find((r) => r.upstreams.length > 0);
    assert.deepEqual(route?.upstreams[0]?.address, { kind: 'tcp', host: 'admin', port: 8080 });
  });
});
