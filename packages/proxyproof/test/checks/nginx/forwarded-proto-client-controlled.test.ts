import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forwardedProtoClientControlled } from '../../../src/checks/nginx/forwarded-proto-client-controlled.js';
import { caseTable, factsFromText } from './harness.js';

const ID = 'nginx/forwarded-proto-client-controlled';

caseTable(forwardedProtoClientControlled, [
  {
    name: 'passed straight from $http_x_forwarded_proto',
    config:
      'server {\n  listen 80;\n  location / {\n    proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@4`],
  },
  {
    name: 'the nginx-proxy pattern: map $http_x_forwarded_proto with default $http_x_forwarded_proto',
    config: `http {
  map $http_x_forwarded_proto $proxy_x_forwarded_proto {
    default $http_x_forwarded_proto;
    '' $scheme;
  }
  server {
    listen 80;
    location / {
      proxy_set_header X-Forwarded-Proto $proxy_x_forwarded_proto;
      proxy_pass http://app;
    }
  }
}`,
    expect: [`${ID}@9`],
  },
  {
    name: 'behind realip but still unguarded: realip does not check this header',
    config:
      'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  real_ip_header X-Forwarded-For;\n  location / {\n    proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@6`],
  },
  {
    name: 'on a TLS edge server',
    config:
      'server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@4`],
  },
  {
    name: 'Forwarded proto from the client header',
    config:
      'server {\n  location / {\n    proxy_set_header Forwarded "for=$remote_addr;proto=$http_x_forwarded_proto";\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@3`],
  },
  // valid
  {
    name: 'guarded: geo on $realip_remote_addr and a map on both',
    config: `http {
  geo $realip_remote_addr $from_lb {
    default 0;
    10.0.0.0/8 1;
  }
  map "$from_lb:$http_x_forwarded_proto" $forwarded_proto {
    default $scheme;
    "1:https" https;
    "1:http" http;
  }
  server {
    listen 80;
    location / {
      proxy_set_header X-Forwarded-Proto $forwarded_proto;
      proxy_pass http://app;
    }
  }
}`,
    expect: [],
  },
  {
    name: 'guarded: map on $remote_addr selects the header only for the balancer',
    config: `http {
  map $remote_addr $fp {
    default $scheme;
    10.0.0.5 $http_x_forwarded_proto;
  }
  server {
    location / {
      proxy_set_header X-Forwarded-Proto $fp;
      proxy_pass http://app;
    }
  }
}`,
    expect: [],
  },
  {
    name: 'guarded: set inside if ($realip_remote_addr ...)',
    config: `server {
  set $fp $scheme;
  if ($realip_remote_addr = 10.0.0.5) {
    set $fp $http_x_forwarded_proto;
  }
  location / {
    proxy_set_header X-Forwarded-Proto $fp;
    proxy_pass http://app;
  }
}`,
    expect: [],
  },
  {
    name: "$scheme is nginx's own knowledge",
    config: 'server {\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'other client headers passed on (X-Request-Id) are not the scheme',
    config: 'server {\n  location / {\n    proxy_set_header X-Request-Id $http_x_request_id;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
]);

test('behind a balancer the fix is a geo on $realip_remote_addr with the set_real_ip_from ranges', () => {
  const facts = factsFromText(
    'server {\n  listen 80;\n  set_real_ip_from 10.1.0.0/16;\n  real_ip_header X-Forwarded-For;\n  location / {\n    proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;\n    proxy_pass http://app;\n  }\n}',
  );
  const [f] = forwardedProtoClientControlled.run(facts);
  assert.ok(f?.fix?.lines?.includes('geo $realip_remote_addr $from_trusted_proxy {'));
  assert.ok(f?.fix?.lines?.includes('    10.1.0.0/16 1;'));
  assert.equal(f?.fix?.lines?.at(-1), '    proxy_set_header X-Forwarded-Proto $forwarded_proto;');
});

test('on a TLS edge the fix is $scheme', () => {
  const facts = factsFromText(
    'server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;\n    proxy_pass http://app;\n  }\n}',
  );
  const [f] = forwardedProtoClientControlled.run(facts);
  assert.deepEqual(f?.fix?.lines, ['    proxy_set_header X-Forwarded-Proto $scheme;']);
});

test('the guarded fix is itself accepted by the check (round trip)', () => {
  const facts = factsFromText(
    'server {\n  listen 80;\n  set_real_ip_from 10.1.0.0/16;\n  location / {\n    proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;\n    proxy_pass http://app;\n  }\n}',
  );
  const [f] = forwardedProtoClientControlled.run(facts);
  const lines = f?.fix?.lines ?? [];
  const sep = lines.indexOf('');
  const fixed = `http {\n${lines.slice(0, sep).join('\n')}\nserver {\n  listen 80;\n  set_real_ip_from 10.1.0.0/16;\n  location / {\n${lines.slice(sep + 1).join('\n')}\n    proxy_pass http://app;\n  }\n}\n}`;
  assert.deepEqual(forwardedProtoClientControlled.run(factsFromText(fixed, 'nginx.conf')), []);
});
