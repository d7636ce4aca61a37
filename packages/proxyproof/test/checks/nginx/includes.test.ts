/**
 * All nginx checks over a folder with includes (nginx.conf -> conf.d/*.conf -> snippets/*.conf, and a
 * stock params file from built-in knowledge): findings point at the file and line where each directive
 * is written, with display paths as the CLI shows them, and say when a line comes from a built-in copy.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NGINX_CHECKS } from '../../../src/checks/nginx/index.js';
import { runChecks } from '../../../src/engine/lint.js';
import { factsFromFiles } from './harness.js';

const FILES = {
  'nginx.conf': `events {}
http {
    include conf.d/*.conf;
}
`,
  'conf.d/shop.conf': `server {
    listen 443 ssl;
    server_name shop.test;
    include proxy_params;

    location / {
        proxy_pass http://127.0.0.1:8000;
    }
    location /ws/ {
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
        proxy_pass http://127.0.0.1:8000;
    }
    location /api/ {
        include snippets/api-headers.conf;
        proxy_pass http://127.0.0.1:8001;
    }
}
server {
    listen 80;
    server_name shop.test;
    location / {
        proxy_pass http://127.0.0.1:8000;
    }
}
`,
  'snippets/api-headers.conf': `proxy_set_header Host $host;
proxy_set_header X-Forwarded-Proto http;
proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
proxy_set_header X-Real-IP $remote_addr;
`,
};

test('findings across includes carry the right file:line and provenance', () => {
  const { facts } = factsFromFiles(FILES, 'nginx.conf');
  const findings = runChecks(facts, NGINX_CHECKS);
  assert.deepEqual(findings.map((f) => `${f.id} ${f.evidence[0]?.file}:${f.evidence[0]?.line}`).sort(), [
    'nginx/forwarded-proto-hardcoded snippets/api-headers.conf:2',
    // the plain server's location / sets no X-Forwarded-Proto (the client's passes through) and no Host
    'nginx/forwarded-proto-passthrough conf.d/shop.conf:22',
    'nginx/host-default-proxy-host conf.d/shop.conf:22',
    'nginx/http-not-redirected conf.d/shop.conf:22',
    'nginx/proxy-header-inheritance conf.d/shop.conf:10',
  ]);
  const inh = findings.find((f) => f.id === 'nginx/proxy-header-inheritance');
  assert.equal(inh?.severity, 'high');
  assert.deepEqual(inh?.data?.dropped, ['Host', 'X-Real-IP', 'X-Forwarded-For', 'X-Forwarded-Proto']);
  // the dropped lines: Debian's proxy_params from built-in knowledge, included at conf.d/shop.conf:4
  const dropped = inh?.evidence[1];
  assert.equal(dropped?.source, 'builtin');
  assert.match(
    dropped?.note ?? '',
    /stock proxy_params \(built-in copy: the file was not found\), included at conf\.d\/shop\.conf:4/,
  );
  assert.equal(dropped?.snippet?.split('\n').length, 4);
  // /api/ re-sets every header it needs through its snippet: no inheritance finding there, but the literal http is wrong
  const hard = findings.find((f) => f.id === 'nginx/forwarded-proto-hardcoded');
  assert.equal(hard?.severity, 'high');
  assert.equal(hard?.evidence[0]?.snippet, 'proxy_set_header X-Forwarded-Proto http;');
  assert.match(hard?.evidence[0]?.note ?? '', /included at conf\.d\/shop\.conf:15/);
  assert.equal(hard?.fix?.file, 'snippets/api-headers.conf');
  assert.deepEqual(hard?.fix?.lines, ['proxy_set_header X-Forwarded-Proto $scheme;']);
});
