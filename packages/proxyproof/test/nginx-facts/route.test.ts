import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type NginxServer, nginxModel, selectLocation, selectServer } from '../../src/facts/nginx/index.js';
import { factsFromText } from '../checks/nginx/harness.js';

describe('server selection', () => {
  const m = nginxModel(
    factsFromText(`
server { listen 80; server_name first.test; }
server { listen 80 default_server; server_name dflt.test; }
server { listen 80; server_name *.example.com; }
server { listen 80; server_name www.*; }
server { listen 80; server_name ~^api\\d+\\.test$; }
server { listen 443 ssl; server_name shop.test; }
server { listen 80; server_name shop.test; }
`),
  );
  const pick = (host: string, port = 80, tls = false) => selectServer(m, { host, port, tls })?.serverNames[0];
  test('exact, wildcard, regex, default_server', () => {
    assert.equal(pick('first.test'), 'first.test');
    assert.equal(pick('a.example.com'), '*.example.com');
    assert.equal(pick('www.other.org'), 'www.*');
    assert.equal(pick('api7.test'), '~^api\\d+\\.test$');
    assert.equal(pick('unknown.test'), 'dflt.test');
  });
  test('the scheme picks the listener', () => {
    assert.equal(selectServer(m, { host: 'shop.test', port: 443, tls: true })?.tls, true);
    assert.equal(selectServer(m, { host: 'shop.test', port: 80, tls: false })?.tls, false);
    assert.equal(selectServer(m, { host: 'shop.test', port: 8443, tls: true }), undefined);
  });
});

describe('location selection', () => {
  const m = nginxModel(
    factsFromText(`server {
  location = / { return 200; }
  location / { proxy_pass http://a; }
  location /static/ { root /srv; }
  location ^~ /static/img/ { root /img; }
  location ~* \\.(png|jpg)$ { root /pics; }
  location /api/ {
    proxy_pass http://api;
    location ~ /api/admin { proxy_pass http://admin; }
    location /api/v2/ { proxy_pass http://v2; }
  }
  location @app { proxy_pass http://app; }
}`),
  );
  const s = m.servers[0] as NginxServer;
  const at = (path: string) => selectLocation(s, path).label;
  test('exact beats prefix; longest prefix; regex beats plain prefix; ^~ stops regexes', () => {
    assert.equal(at('/'), 'location = /');
    assert.equal(at('/about'), 'location /');
    assert.equal(at('/static/app.css'), 'location /static/');
    assert.equal(at('/static/logo.PNG'), 'location ~* \\.(png|jpg)$');
    assert.equal(at('/static/img/logo.png'), 'location ^~ /static/img/');
  });
  test('nested locations are searched inside the longest prefix, nested regex first', () => {
    assert.equal(at('/api/users'), 'location /api/');
    assert.equal(at('/api/v2/users'), 'location /api/v2/ in location /api/');
    assert.equal(at('/api/admin/x'), 'location ~ /api/admin in location /api/');
  });
  test('no location matches: the server scope', () => {
    const m2 = nginxModel(factsFromText('server { location /a/ { proxy_pass http://a; } }'));
    assert.equal(selectLocation(m2.servers[0] as NginxServer, '/b').kind, 'server');
  });
});
