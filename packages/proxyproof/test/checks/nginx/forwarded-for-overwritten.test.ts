import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forwardedForOverwritten } from '../../../src/checks/nginx/forwarded-for-overwritten.js';
import { caseTable, factsFromText } from './harness.js';

const ID = 'nginx/forwarded-for-overwritten';

caseTable(forwardedForOverwritten, [
  {
    name: 'behind a balancer (realip) X-Forwarded-For $remote_addr',
    config:
      'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  real_ip_header X-Forwarded-For;\n  location / {\n    proxy_set_header X-Forwarded-For $remote_addr;\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@6`],
  },
  {
    name: 'PROXY protocol without realip: the balancer address is sent',
    config:
      'server {\n  listen 80 proxy_protocol;\n  location / {\n    proxy_set_header X-Forwarded-For $remote_addr;\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@4`],
  },
  // valid
  {
    name: 'at the edge $remote_addr is the client: overwriting is the safe choice',
    config:
      'server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header X-Forwarded-For $remote_addr;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: '$proxy_add_x_forwarded_for appends',
    config:
      'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  location / {\n    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
]);

test('severity: info behind realip, low when the app gets the balancer address', () => {
  const realip = forwardedForOverwritten.run(
    factsFromText(
      'server {\n  set_real_ip_from 10.0.0.0/8;\n  location / {\n    proxy_set_header X-Forwarded-For $remote_addr;\n    proxy_pass http://app;\n  }\n}',
    ),
  );
  assert.equal(realip[0]?.severity, 'info');
  const pp = forwardedForOverwritten.run(
    factsFromText(
      'server {\n  listen 80 proxy_protocol;\n  location / {\n    proxy_set_header X-Forwarded-For $remote_addr;\n    proxy_pass http://app;\n  }\n}',
    ),
  );
  assert.equal(pp[0]?.severity, 'low');
  assert.deepEqual(pp[0]?.fix?.lines, ['    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;']);
});
