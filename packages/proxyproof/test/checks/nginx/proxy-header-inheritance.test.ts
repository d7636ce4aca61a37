import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyHeaderInheritance } from '../../../src/checks/nginx/proxy-header-inheritance.js';
import { caseTable, factsFromText } from './harness.js';

const ID = 'nginx/proxy-header-inheritance';

caseTable(proxyHeaderInheritance, [
  {
    name: 'server sets X-Forwarded-Proto, a websocket location adds Upgrade and drops it',
    config: `server {
  listen 443 ssl;
  proxy_set_header Host $host;
  proxy_set_header X-Forwarded-Proto $scheme;
  location / {
    proxy_pass http://app;
  }
  location /ws/ {
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection "upgrade";
    proxy_pass http://app;
  }
}`,
    expect: [`${ID}@9`],
  },
  {
    name: 'include proxy_params at server level, one header in a location drops all four',
    config:
      'server {\n  listen 443 ssl;\n  include proxy_params;\n  location / {\n    proxy_set_header X-Request-Id $request_id;\n    proxy_pass http://127.0.0.1:8000;\n  }\n}',
    expect: [`${ID}@5`],
  },
  {
    name: 'http-level headers dropped by the server level',
    config:
      'http {\n  proxy_set_header X-Forwarded-Proto $scheme;\n  server {\n    listen 443 ssl;\n    proxy_set_header Host $host;\n    location / { proxy_pass http://app; }\n  }\n}',
    expect: [`${ID}@5`],
  },
  {
    name: 'nested location drops what its parent location sets; two locations sharing one dropping level give one finding',
    config: `server {
  location /api/ {
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    location /api/v1/ {
      proxy_set_header X-Version 1;
      proxy_pass http://v1;
      location /api/v1/x/ { proxy_pass http://v1; }
    }
  }
}`,
    expect: [`${ID}@5`],
  },
  {
    name: 'uwsgi_param at server level dropped by a location uwsgi_param',
    config:
      'server {\n  listen 443 ssl;\n  include uwsgi_params;\n  location / {\n    uwsgi_param SCRIPT_NAME /app;\n    uwsgi_pass unix:/run/uwsgi.sock;\n  }\n}',
    expect: [`${ID}@5`],
  },
  // valid
  {
    name: 'a location that re-sets every header it needs (trap)',
    config: `server {
  listen 443 ssl;
  proxy_set_header Host $host;
  proxy_set_header X-Forwarded-Proto $scheme;
  location /ws/ {
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header Upgrade $http_upgrade;
    proxy_pass http://app;
  }
}`,
    expect: [],
  },
  {
    name: 'a location that includes proxy_params again next to its own lines',
    config:
      'server {\n  include proxy_params;\n  location /ws/ {\n    include proxy_params;\n    proxy_set_header Upgrade $http_upgrade;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'headers only in locations, none above',
    config: 'server {\n  location / {\n    proxy_set_header Host $host;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'a dropping location that does not proxy (static files) has no effect',
    config:
      'server {\n  proxy_set_header X-Forwarded-Proto $scheme;\n  location /static/ {\n    proxy_set_header X-Unused 1;\n    root /srv;\n  }\n}',
    expect: [],
  },
  {
    name: 'server-level fastcgi params are not affected by a location proxy_set_header (different kinds)',
    config:
      'server {\n  include fastcgi_params;\n  location / {\n    proxy_set_header Host $host;\n    proxy_pass http://app;\n  }\n  location ~ \\.php$ { fastcgi_pass unix:/run/php.sock; }\n}',
    expect: [],
  },
]);

test('severity, message and fix: the dropping line, the dropped headers and their origin', () => {
  const facts = factsFromText(
    'server {\n  listen 443 ssl;\n  include proxy_params;\n  location / {\n    proxy_set_header X-Request-Id $request_id;\n    proxy_pass http://127.0.0.1:8000;\n  }\n}',
  );
  const [f] = proxyHeaderInheritance.run(facts);
  assert.equal(f?.severity, 'high');
  assert.match(f?.message ?? '', /site\.conf:5/);
  assert.match(f?.message ?? '', /Host, X-Real-IP, X-Forwarded-For and X-Forwarded-Proto/);
  assert.equal(f?.evidence[0]?.snippet, '    proxy_set_header X-Request-Id $request_id;');
  assert.equal(f?.evidence[1]?.source, 'builtin');
  assert.match(f?.evidence[1]?.note ?? '', /built-in copy.*included at site\.conf:3/);
  assert.deepEqual(f?.fix?.lines, [
    '    proxy_set_header Host $host;',
    '    proxy_set_header X-Real-IP $remote_addr;',
    '    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '    proxy_set_header X-Forwarded-Proto $scheme;',
  ]);
  assert.equal(f?.fix?.line, 5);
});

test('dropping only X-Real-IP on a plain server is medium', () => {
  const facts = factsFromText(
    'server {\n  proxy_set_header X-Real-IP $remote_addr;\n  location / {\n    proxy_set_header Host $host;\n    proxy_pass http://app;\n  }\n}',
  );
  const [f] = proxyHeaderInheritance.run(facts);
  assert.equal(f?.severity, 'medium');
  assert.deepEqual(f?.data?.dropped, ['X-Real-IP']);
});
