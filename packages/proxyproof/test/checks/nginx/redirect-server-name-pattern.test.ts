import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redirectServerNamePattern } from '../../../src/checks/nginx/redirect-server-name-pattern.js';
import { caseTable, factsFromText } from './harness.js';

const ID = 'nginx/redirect-server-name-pattern';
const redirect = (name: string, target = 'https://$server_name$request_uri') =>
  `server {\n  listen 80;\n  server_name ${name};\n  return 301 ${target};\n}`;

caseTable(redirectServerNamePattern, [
  { name: 'a trailing wildcard name (auth.*)', config: redirect('auth.*'), expect: [`${ID}@4`] },
  { name: 'a leading wildcard name (*.example.org)', config: redirect('*.example.org'), expect: [`${ID}@4`] },
  { name: 'a regular expression name', config: redirect('~^(?<sub>.+)\\.example\\.org$'), expect: [`${ID}@4`] },
  { name: 'the catch-all _', config: redirect('_'), expect: [`${ID}@4`] },
  { name: '${server_name} in braces', config: redirect('auth.*', 'https://${server_name}$request_uri'), expect: [`${ID}@4`] },
  {
    name: 'inside an if at server level',
    config:
      'server {\n  listen 80;\n  server_name app.*;\n  if ($scheme = http) {\n    return 301 https://$server_name$request_uri;\n  }\n}',
    expect: [`${ID}@5`],
  },
  {
    name: 'trap: an exact primary name is what $server_name gives',
    config: redirect('auth.example.org *.example.org'),
    expect: [],
  },
  { name: 'trap: $host is the host the browser asked for', config: redirect('auth.*', 'https://$host$request_uri'), expect: [] },
  { name: 'trap: a literal target', config: redirect('_', 'https://www.example.org$request_uri'), expect: [] },
]);

test('the fix replaces $server_name with $host on the same line', () => {
  const [f] = redirectServerNamePattern.run(factsFromText(redirect('auth.*')));
  assert.equal(f?.fix?.placement, 'replace');
  assert.deepEqual(f?.fix?.lines, ['  return 301 https://$host$request_uri;']);
  assert.match(f?.message ?? '', /https:\/\/auth\.\*\$request_uri/);
});
