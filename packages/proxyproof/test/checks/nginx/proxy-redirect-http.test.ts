import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyRedirectHttp } from '../../../src/checks/nginx/proxy-redirect-http.js';
import { caseTable, factsFromText } from './harness.js';

const ID = 'nginx/proxy-redirect-http';

caseTable(proxyRedirectHttp, [
  {
    name: 'proxy_redirect to http:// on a TLS-only server',
    config:
      'server {\n  listen 443 ssl;\n  location / {\n    proxy_pass http://127.0.0.1:8000;\n    proxy_redirect http://127.0.0.1:8000/ http://$host/;\n  }\n}',
    expect: [`${ID}@5`],
  },
  {
    name: 'static location on a plain server behind a balancer: directory redirects use http',
    config:
      'server {\n  listen 8080;\n  set_real_ip_from 10.0.0.0/8;\n  location /static/ { alias /srv/static/; }\n  location / { proxy_pass http://app; }\n}',
    expect: [`${ID}@1`],
  },
  {
    name: 'relative return behind a balancer',
    config:
      'server {\n  listen 80 proxy_protocol;\n  location = /old { return 301 /new; }\n  location / { proxy_pass http://app; }\n}',
    expect: [`${ID}@1`],
  },
  // valid
  {
    name: 'proxy_redirect to https://',
    config:
      'server {\n  listen 443 ssl;\n  location / {\n    proxy_pass http://127.0.0.1:8000;\n    proxy_redirect http://127.0.0.1:8000/ https://$host/;\n  }\n}',
    expect: [],
  },
  {
    name: 'proxy_redirect default / off',
    config: 'server {\n  listen 443 ssl;\n  location / {\n    proxy_pass http://127.0.0.1:8000;\n    proxy_redirect off;\n  }\n}',
    expect: [],
  },
  {
    name: 'behind a balancer with absolute_redirect off',
    config:
      'server {\n  listen 8080;\n  set_real_ip_from 10.0.0.0/8;\n  absolute_redirect off;\n  location /static/ { alias /srv/static/; }\n  location / { proxy_pass http://app; }\n}',
    expect: [],
  },
  {
    // nginx inherits absolute_redirect from the http level (checked on nginx 1.22: `return 301 /foo` answers
    // `Location: /foo` with it, `http://127.0.0.1:PORT/foo` without it).
    name: 'trap: absolute_redirect off at the http level is inherited by the server',
    config:
      'http {\n  absolute_redirect off;\n  server {\n    listen 8080;\n    set_real_ip_from 10.0.0.0/8;\n    location /static/ { alias /srv/static/; }\n    location / { proxy_pass http://app; }\n  }\n}',
    expect: [],
  },
  {
    name: 'absolute_redirect off at the http level, on again in the server: reported',
    config:
      'http {\n  absolute_redirect off;\n  server {\n    listen 8080;\n    absolute_redirect on;\n    set_real_ip_from 10.0.0.0/8;\n    location /static/ { alias /srv/static/; }\n    location / { proxy_pass http://app; }\n  }\n}',
    expect: [`${ID}@5`],
  },
  {
    name: 'absolute_redirect on at the http level: reported, the fix overrides it in this server only',
    config:
      'http {\n  absolute_redirect on;\n  server {\n    listen 8080;\n    set_real_ip_from 10.0.0.0/8;\n    location /static/ { alias /srv/static/; }\n    location / { proxy_pass http://app; }\n  }\n}',
    expect: [`${ID}@2`],
  },
  {
    name: 'behind a balancer, everything proxied: nginx makes no redirects of its own',
    config:
      'server {\n  listen 8080;\n  set_real_ip_from 10.0.0.0/8;\n  location / { proxy_pass http://app; }\n  location = /favicon.ico { root /srv; }\n}',
    expect: [],
  },
  {
    name: 'a proxied prefix location ending in / behind a balancer: nginx answers /share with its own 301 to http://host/share/ (nginx 1.22)',
    config:
      'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  location / { proxy_pass http://app; }\n  location /share/ { proxy_pass http://app; }\n}',
    expect: [`${ID}@1`],
    severity: 'low',
  },
  {
    name: '^~ prefix ending in / is the same prefix match',
    config:
      'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  location / { proxy_pass http://app; }\n  location ^~ /api/ { proxy_pass http://app; }\n}',
    expect: [`${ID}@1`],
    severity: 'low',
  },
  {
    name: 'TLS only in a template branch: the plain rendering is behind whatever ends TLS (inferred front)',
    config:
      "server {\n  listen {{ port }}{% if port == '443' %} ssl{% endif %};\n  location / { proxy_pass http://app; }\n  location /share/ { proxy_pass http://app; }\n}",
    expect: [`${ID}@1`],
    severity: 'low',
  },
  {
    name: 'trap: a proxied regex or exact location never gets the trailing-slash redirect',
    config:
      'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  location / { proxy_pass http://app; }\n  location ~ ^/share/ { proxy_pass http://app; }\n  location = /api/ { proxy_pass http://app; }\n}',
    expect: [],
  },
  {
    name: "trap: proxied prefix without a trailing slash (/share): no redirect of nginx's own",
    config:
      'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  location / { proxy_pass http://app; }\n  location /share { proxy_pass http://app; }\n}',
    expect: [],
  },
  {
    name: "a plain server nobody fronts: its own scheme is the client's",
    config: 'server {\n  listen 80;\n  location /static/ { alias /srv/static/; }\n}',
    expect: [],
  },
]);

test('fix: absolute_redirect off in the server block', () => {
  const [f] = proxyRedirectHttp.run(
    factsFromText(
      'server {\n  listen 8080;\n  set_real_ip_from 10.0.0.0/8;\n  location /static/ { alias /srv/static/; }\n  location / { proxy_pass http://app; }\n}',
    ),
  );
  // Bare: fix writes it at the server block's own indentation (fix/plan.ts styled()).
  assert.deepEqual(f?.fix?.lines, ['absolute_redirect off;']);
  assert.equal(f?.fix?.placement, 'after');
  assert.equal(f?.severity, 'low');
  assert.match(f?.message ?? '', /internal port/);
});
