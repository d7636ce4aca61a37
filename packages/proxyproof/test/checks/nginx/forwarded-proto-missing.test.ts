import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forwardedProtoMissing } from '../../../src/checks/nginx/forwarded-proto-missing.js';
import { caseTable, factsFromText } from './harness.js';

const ID = 'nginx/forwarded-proto-missing';

caseTable(forwardedProtoMissing, [
  {
    name: 'the seed: TLS server, location / with only Host and X-Real-IP',
    config: `server {
    listen 443 ssl;
    server_name shop.example.com;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header Host $host;
        proxy_set_header X-Real-IP $remote_addr;
    }
}`,
    expect: [`${ID}@4`],
  },
  {
    name: 'no proxy_set_header at all (only nginx defaults Host $proxy_host, Connection close)',
    config: 'server {\n  listen 443 ssl;\n  location / {\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@3`],
  },
  {
    name: 'legacy `ssl on;` makes the server TLS',
    config: 'server {\n  listen 443;\n  ssl on;\n  location / {\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@4`],
  },
  {
    name: 'a named location used by try_files',
    config:
      'server {\n  listen 443 ssl;\n  location / { try_files $uri @app; }\n  location @app {\n    proxy_pass http://app;\n    proxy_set_header Host $host;\n  }\n}',
    expect: [`${ID}@4`],
  },
  {
    name: 'each proxying location of a TLS server is reported, static ones are not',
    config: `server {
  listen 443 ssl;
  location /static/ { root /srv; }
  location /api/ { proxy_pass http://api; }
  location / { proxy_pass http://web; }
}`,
    expect: [`${ID}@4`, `${ID}@5`],
  },
  {
    name: 'an empty value does not count: proxy_set_header X-Forwarded-Proto "" removes the header',
    config:
      'server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header X-Forwarded-Proto "";\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@3`],
  },
  {
    name: 'Forwarded without proto= does not carry the scheme',
    config:
      'server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header Forwarded "for=$remote_addr";\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@3`],
  },
  // valid
  {
    name: 'X-Forwarded-Proto $scheme in the location',
    config:
      'server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'set at server level and inherited by a location without its own headers',
    config:
      'server {\n  listen 443 ssl;\n  proxy_set_header X-Forwarded-Proto $scheme;\n  location / {\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'set at http level and inherited through server and nested locations',
    config:
      'http {\n  proxy_set_header X-Forwarded-Proto $scheme;\n  server {\n    listen 443 ssl;\n    location / {\n      location /a/ { proxy_pass http://app; }\n    }\n  }\n}',
    expect: [],
  },
  {
    name: "Debian's include proxy_params (built-in copy) sets X-Forwarded-Proto $scheme",
    config:
      'server {\n  listen 443 ssl;\n  location / {\n    include proxy_params;\n    proxy_pass http://127.0.0.1:8000;\n  }\n}',
    expect: [],
  },
  {
    name: 'RFC 7239 Forwarded with proto=$scheme',
    config:
      'server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header Forwarded "for=$remote_addr;proto=$scheme";\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'a location that re-sets every header it needs (trap)',
    config: `server {
  listen 443 ssl;
  include proxy_params;
  location /ws/ {
    proxy_set_header Host $host;
    proxy_set_header X-Real-IP $remote_addr;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection "upgrade";
    proxy_pass http://app;
  }
}`,
    expect: [],
  },
  {
    name: 'a server with only return 301 https:// (trap)',
    config: 'server {\n  listen 80;\n  server_name a.test;\n  return 301 https://$host$request_uri;\n}',
    expect: [],
  },
  {
    name: 'a plain-HTTP server is not reached over TLS',
    config: 'server {\n  listen 8080;\n  location / {\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'a TLS location that redirects instead of proxying',
    config: 'server {\n  listen 443 ssl;\n  location / {\n    return 301 https://www.a.test$request_uri;\n  }\n}',
    expect: [],
  },
  {
    name: "dropped by a location's own headers: reported by nginx/proxy-header-inheritance instead",
    config:
      'server {\n  listen 443 ssl;\n  proxy_set_header X-Forwarded-Proto $scheme;\n  location / {\n    proxy_set_header Host $host;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'a dangling include may set it: silent',
    config: 'server {\n  listen 443 ssl;\n  location / {\n    include snippets/proxy.conf;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
    parseError: /snippets\/proxy\.conf.*no such file/,
  },
  {
    name: 'proxy_pass https:// re-encrypts: the app sees TLS itself, so info only',
    config: 'server {\n  listen 443 ssl;\n  location / {\n    proxy_pass https://10.0.0.5:8443;\n  }\n}',
    expect: ['nginx/forwarded-proto-missing@3'],
    severity: 'info',
  },
  {
    name: 'an `internal;` location (auth subrequests) is reported at info',
    config:
      'server {\n  listen 443 ssl;\n  location /internal {\n    internal;\n    proxy_set_header Authorization $http_authorization;\n    proxy_pass http://auth;\n  }\n}',
    expect: ['nginx/forwarded-proto-missing@3'],
    severity: 'info',
  },
  {
    name: 'a location only loopback may use (allow 127.0.0.1; deny all;) is reported at info',
    config:
      'server {\n  listen 443 ssl;\n  location /status {\n    allow 127.0.0.1;\n    allow ::1;\n    deny all;\n    proxy_pass http://app;\n  }\n}',
    expect: ['nginx/forwarded-proto-missing@3'],
    severity: 'info',
  },
  {
    name: 'trap: allow of an office network before deny all is not loopback-only: high',
    config:
      'server {\n  listen 443 ssl;\n  location /admin {\n    allow 127.0.0.1;\n    allow 10.0.0.0/8;\n    deny all;\n    proxy_pass http://app;\n  }\n}',
    expect: ['nginx/forwarded-proto-missing@3'],
    severity: 'high',
  },
  {
    name: 'trap: server-level loopback-only rules are inherited by the location',
    config: 'server {\n  listen 443 ssl;\n  allow 127.0.0.1;\n  deny all;\n  location / {\n    proxy_pass http://app;\n  }\n}',
    expect: ['nginx/forwarded-proto-missing@5'],
    severity: 'info',
  },
  {
    name: 'a location that blanks X-Forwarded-For on purpose is reported at low',
    config:
      'server {\n  listen 443 ssl;\n  location /ui {\n    proxy_set_header X-Real-IP "";\n    proxy_set_header X-Forwarded-For "";\n    proxy_pass http://ui;\n  }\n}',
    expect: ['nginx/forwarded-proto-missing@3'],
    severity: 'low',
  },
  {
    name: 'an unreadable include above a location that writes its own headers cannot add to them',
    config:
      'server {\n  listen 443 ssl;\n  include /etc/nginx/tls.conf;\n  location / {\n    proxy_set_header Host $host;\n    proxy_pass http://app;\n  }\n}',
    expect: ['nginx/forwarded-proto-missing@4'],
    parseError: /tls\.conf.*no such file/,
    severity: 'high',
  },
  {
    name: 'uwsgi_pass is not proxy_pass (see nginx/uwsgi-scheme-missing)',
    config: 'server {\n  listen 443 ssl;\n  location / {\n    uwsgi_pass 127.0.0.1:3031;\n  }\n}',
    expect: [],
  },
  {
    name: 'trap: X_Forwarded_Proto (underscores) looks like a sent header but is not one: nginx/scheme-header-value names that line and replaces it, so no second line is added here',
    config:
      'server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header X_Forwarded_Proto $scheme;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
]);

test('the fix goes where the effective headers are set, after their last line', () => {
  const facts = factsFromText(`server {
  listen 443 ssl;
  proxy_set_header Host $host;
  proxy_set_header X-Real-IP $remote_addr;
  location / {
    proxy_pass http://app;
  }
}`);
  const [f] = forwardedProtoMissing.run(facts);
  assert.equal(f?.fix?.file, 'site.conf');
  assert.equal(f?.fix?.line, 4);
  assert.deepEqual(f?.fix?.lines, ['  proxy_set_header X-Forwarded-Proto $scheme;']);
  assert.equal(f?.evidence[0]?.line, 5);
  assert.equal(f?.evidence[0]?.snippet, '  location / {\n    proxy_pass http://app;\n  }');
  assert.match(f?.evidence[1]?.note ?? '', /set at the server level/);
});

test('the message names the location, the upstream and what is sent', () => {
  const facts = factsFromText(
    'server {\n  listen 443 ssl;\n  server_name a.test;\n  location /app/ {\n    proxy_set_header Host $host;\n    proxy_pass http://127.0.0.1:8000;\n  }\n}',
  );
  const [f] = forwardedProtoMissing.run(facts);
  assert.match(f?.message ?? '', /`location \/app\/` \(server a\.test\)/);
  assert.match(f?.message ?? '', /http:\/\/127\.0\.0\.1:8000/);
  assert.match(f?.message ?? '', /with only Host:/);
  assert.deepEqual(f?.fix?.lines, ['    proxy_set_header X-Forwarded-Proto $scheme;']);
  assert.equal(f?.fix?.line, 5);
});

// TLS on only in a template branch (Mailu's front: `{% if TLS %} listen 443 ssl; {% endif %}`), run by a compose
// service that publishes 443 itself: `$scheme` is right only in the TLS rendering; rendered without TLS a proxy in
// front ends it and nginx/scheme-behind-tls-terminator would report a `$scheme` line. The fix is the guarded value
// (the front's header from its address, else $scheme), never `$scheme`.
test('template: TLS only in a branch -> the guarded scheme in the geo/map shape, not a $scheme line the other rendering gets wrong', async () => {
  const { schemeBehindTlsTerminator } = await import('../../../src/checks/nginx/scheme-behind-tls-terminator.js');
  const text = `server {
    listen 80;
    {% if TLS %}
    listen 443 ssl;
    {% endif %}
    location /admin {
        proxy_set_header Host $host;
        proxy_pass http://admin;
    }
}`;
  const facts = factsFromText(text, 'nginx.conf.j2');
  const ref = { file: 'docker-compose.yml', line: 9, snippet: '- "443:443"' };
  facts.compose = {
    files: [
      {
        file: 'docker-compose.yml',
        services: [
          {
            name: 'front',
            file: 'docker-compose.yml',
            ref,
            image: 'mailu/nginx:1.5',
            environment: {},
            envFiles: [],
            ports: [{ hostIp: '', hostPort: 443, containerPort: 443, protocol: 'tcp', raw: '443:443', ref }],
            expose: [],
            networks: [],
            role: 'proxy',
            appServers: [],
          },
        ],
      },
    ],
  } as unknown as NonNullable<typeof facts.compose>;
  const [f, ...more] = forwardedProtoMissing.run(facts);
  assert.equal(more.length, 0);
  assert.match(f?.fix?.description ?? '', /only when the template is rendered with `\{% if TLS %\}`/);
  // scheme-behind-tls-terminator's shape: the header after the location's last header line, and the geo and map
  // written above the file's first `server {` (the http level); the front's address is `<proxy address>`, which
  // `fix --proxy-address` fills (the plan keeps it advice until then), never a made-up address.
  assert.equal(f?.fix?.placement, 'after');
  assert.equal(f?.fix?.line, 7);
  assert.deepEqual(f?.fix?.lines, ['        proxy_set_header X-Forwarded-Proto $forwarded_proto;']);
  const geo = f?.fix?.also?.[0];
  assert.equal(geo?.line, 1);
  assert.equal(geo?.placement, 'replace');
  assert.deepEqual(geo?.lines.slice(0, 4), [
    'geo $realip_remote_addr $from_trusted_proxy {',
    '    default 0;',
    '    <proxy address> 1;',
    '}',
  ]);
  assert.equal(geo?.lines.at(-1), 'server {');
  assert.ok(!JSON.stringify(f?.fix).includes('192.0.2.10'));
  // The compose service publishing 443 runs this nginx: it is not a TLS-ending proxy in front of it. With the
  // plain `$scheme` written, the other check names the template branch, not "compose service front".
  const withScheme = factsFromText(
    text.replace('proxy_set_header Host $host;', 'proxy_set_header X-Forwarded-Proto $scheme;'),
    'nginx.conf.j2',
  );
  withScheme.compose = facts.compose;
  const other = schemeBehindTlsTerminator.run(withScheme);
  assert.equal(other.length, 1);
  assert.doesNotMatch(other[0]?.message ?? '', /compose service front/);
  assert.match(other[0]?.message ?? '', /rendered without `\{% if TLS %\}`/);
});
