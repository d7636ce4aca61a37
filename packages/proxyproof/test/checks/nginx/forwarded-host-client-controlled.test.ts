import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forwardedHostClientControlled } from '../../../src/checks/nginx/forwarded-host-client-controlled.js';
import { caseTable, factsFromText } from './harness.js';

const ID = 'nginx/forwarded-host-client-controlled';

caseTable(forwardedHostClientControlled, [
  {
    name: 'X-Forwarded-Host from $http_x_forwarded_host',
    config:
      'server {\n  location / {\n    proxy_set_header X-Forwarded-Host $http_x_forwarded_host;\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@3`],
  },
  {
    name: 'the "pass through, else $host" map',
    config: `http {
  map $http_x_forwarded_host $fwd_host {
    default $http_x_forwarded_host;
    '' $host;
  }
  server {
    location / {
      proxy_set_header X-Forwarded-Host $fwd_host;
      proxy_pass http://app;
    }
  }
}`,
    expect: [`${ID}@8`],
  },
  {
    name: 'X-Forwarded-Port from the client',
    config:
      'server {\n  location / {\n    proxy_set_header X-Forwarded-Port $http_x_forwarded_port;\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@3`],
  },
  {
    name: 'Forwarded passed through',
    config: 'server {\n  location / {\n    proxy_set_header Forwarded $http_forwarded;\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@3`],
  },
  // valid
  {
    name: 'X-Forwarded-Host $host',
    config: 'server {\n  location / {\n    proxy_set_header X-Forwarded-Host $host;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'X-Forwarded-Host $http_host (the request Host nginx routed by)',
    config: 'server {\n  location / {\n    proxy_set_header X-Forwarded-Host $http_host;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'guarded by a geo on $realip_remote_addr',
    config: `http {
  geo $realip_remote_addr $lb { default 0; 10.0.0.0/8 1; }
  map $lb $fwd_host { default $host; 1 $http_x_forwarded_host; }
  server {
    location / {
      proxy_set_header X-Forwarded-Host $fwd_host;
      proxy_pass http://app;
    }
  }
}`,
    expect: [],
  },
]);

test('fix: X-Forwarded-Host from $host', () => {
  const [f] = forwardedHostClientControlled.run(
    factsFromText(
      'server {\n  location / {\n    proxy_set_header X-Forwarded-Host $http_x_forwarded_host;\n    proxy_pass http://app;\n  }\n}',
    ),
  );
  assert.deepEqual(f?.fix?.lines, ['    proxy_set_header X-Forwarded-Host $host;']);
  assert.equal(f?.fix?.placement, 'replace');
});
