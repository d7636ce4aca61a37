import assert from 'node:assert/strict';
import { test } from 'node:test';
import { schemeBehindTlsTerminator } from '../../../src/checks/nginx/scheme-behind-tls-terminator.js';
import { caseTable, factsFromText, summary } from './harness.js';

const ID = 'nginx/scheme-behind-tls-terminator';

caseTable(schemeBehindTlsTerminator, [
  {
    name: 'plain server behind a balancer it trusts with realip, X-Forwarded-Proto $scheme',
    config:
      'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  real_ip_header X-Forwarded-For;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@6`],
  },
  {
    name: "Debian's include proxy_params behind a balancer (realip at http level)",
    config:
      'http {\n  set_real_ip_from 172.16.0.0/12;\n  server {\n    listen 8080;\n    location / {\n      include proxy_params;\n      proxy_pass http://127.0.0.1:8000;\n    }\n  }\n}',
    expect: [`${ID}@6`],
  },
  {
    name: 'PROXY protocol listener without ssl',
    config:
      'server {\n  listen 80 proxy_protocol;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@4`],
  },
  {
    // HTTPS $https if_not_empty is never sent here: the location (line 4) leads the evidence, the include follows.
    name: "uwsgi behind a balancer: Debian's uwsgi_params sends HTTPS $https, always empty here",
    config:
      'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  location / {\n    include uwsgi_params;\n    uwsgi_pass unix:/run/uwsgi/app.sock;\n  }\n}',
    expect: [`${ID}@4`],
  },
  {
    name: 'fastcgi behind PROXY protocol with a hand-written HTTPS param',
    config:
      'server {\n  listen 80 proxy_protocol;\n  location ~ \\.php$ {\n    fastcgi_param HTTPS $https if_not_empty;\n    fastcgi_pass 127.0.0.1:9000;\n  }\n}',
    expect: [`${ID}@3`],
  },
  {
    // Passenger's nginx module: passenger_set_header replaces the balancer's header as proxy_set_header would.
    name: 'Passenger behind a balancer: passenger_set_header X-Forwarded-Proto $scheme, inherited by the location',
    config:
      'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  root /var/www/app/public;\n  passenger_enabled on;\n  passenger_set_header X-Forwarded-Proto $scheme;\n  location / {\n  }\n}',
    expect: [`${ID}@6`],
  },
  // valid
  {
    // Trap: without passenger_set_header the balancer's own X-Forwarded-Proto reaches Rack unchanged.
    name: 'Passenger behind a balancer with no passenger_set_header',
    config: 'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  root /var/www/app/public;\n  passenger_enabled on;\n}',
    expect: [],
  },
  {
    // Trap: passenger_enabled off: no Passenger route carries the header.
    name: 'passenger_set_header with Passenger switched off',
    config:
      'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  passenger_enabled off;\n  passenger_set_header X-Forwarded-Proto $scheme;\n}',
    expect: [],
  },
  {
    name: 'uwsgi on a plain server nobody fronts',
    config: 'server {\n  listen 80;\n  location / {\n    include uwsgi_params;\n    uwsgi_pass 127.0.0.1:3031;\n  }\n}',
    expect: [],
  },
  {
    name: 'plain server not behind anything: $scheme is right',
    config:
      'server {\n  listen 80;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'TLS ends at nginx even though a TCP balancer sends PROXY protocol',
    config:
      'server {\n  listen 443 ssl proxy_protocol;\n  set_real_ip_from 10.0.0.0/8;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'behind a balancer with the guarded map (default $scheme)',
    config: `http {
  set_real_ip_from 10.0.0.0/8;
  geo $realip_remote_addr $from_lb { default 0; 10.0.0.0/8 1; }
  map "$from_lb:$http_x_forwarded_proto" $fp { default $scheme; "1:https" https; }
  server {
    listen 80;
    location / {
      proxy_set_header X-Forwarded-Proto $fp;
      proxy_pass http://app;
    }
  }
}`,
    expect: [],
  },
  {
    name: "behind a balancer, no scheme header: the balancer's own X-Forwarded-Proto passes through",
    config:
      'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  location / {\n    proxy_set_header Host $host;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'real_ip_header alone, without set_real_ip_from, trusts no one (no evidence of a balancer)',
    config:
      'server {\n  listen 80;\n  real_ip_header X-Forwarded-For;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
]);

test('evidence shows the balancer lines; the fix maps the trusted header with the real ranges', () => {
  const facts = factsFromText(
    'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  real_ip_header X-Forwarded-For;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app;\n  }\n}',
  );
  const [f] = schemeBehindTlsTerminator.run(facts);
  assert.equal(f?.evidence[1]?.line, 3);
  assert.equal(f?.evidence[1]?.snippet, '  set_real_ip_from 10.0.0.0/8;\n  real_ip_header X-Forwarded-For;');
  // Mechanical: the header line replaced, the geo and map written above the server block (Fix.also), ending with
  // the `server {` line itself.
  assert.equal(f?.fix?.placement, 'replace');
  assert.deepEqual(f?.fix?.lines, ['    proxy_set_header X-Forwarded-Proto $forwarded_proto;']);
  const geo = f?.fix?.also?.[0];
  assert.equal(geo?.line, 1);
  assert.equal(geo?.placement, 'replace');
  assert.ok(geo?.lines.includes('    10.0.0.0/8 1;'));
  assert.equal(geo?.lines[0], 'geo $realip_remote_addr $from_trusted_proxy {');
  assert.equal(geo?.lines.at(-1), 'server {');
});

test('with PROXY protocol the fix is a literal for the HTTPS-only listener', () => {
  const facts = factsFromText(
    'server {\n  listen 80 proxy_protocol;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app;\n  }\n}',
  );
  const [f] = schemeBehindTlsTerminator.run(facts);
  assert.deepEqual(f?.fix?.lines, ['    proxy_set_header X-Forwarded-Proto https;']);
});

test('with PROXY protocol the same line in two locations is one finding fixed at both places (Fix.also)', () => {
  const facts = factsFromText(
    'server {\n  listen 80 proxy_protocol;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app;\n  }\n  location /api/ {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://api;\n  }\n}',
  );
  const found = schemeBehindTlsTerminator.run(facts);
  assert.equal(found.length, 1, found.map((f) => f.message).join('\n'));
  const f = found[0];
  assert.equal(f?.fix?.line, 4);
  assert.deepEqual(f?.fix?.lines, ['    proxy_set_header X-Forwarded-Proto https;']);
  assert.deepEqual(
    f?.fix?.also?.map((e) => [e.line, e.placement, e.lines]),
    [[8, 'replace', ['    proxy_set_header X-Forwarded-Proto https;']]],
  );
  assert.match(f?.message ?? '', /and 1 more location/);
});

test('uwsgi fix: a guarded $forwarded_https, with the stock include spelled out', () => {
  const facts = factsFromText(
    'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  location / {\n    include uwsgi_params;\n    uwsgi_pass unix:/run/uwsgi/app.sock;\n  }\n}',
  );
  const [f] = schemeBehindTlsTerminator.run(facts);
  const lines = [...(f?.fix?.also?.[0]?.lines ?? []), ...(f?.fix?.lines ?? [])];
  assert.ok(lines.includes('map "$from_trusted_proxy:$http_x_forwarded_proto" $forwarded_https {'));
  assert.ok(lines.includes('    uwsgi_param HTTPS $forwarded_https if_not_empty;'));
  assert.ok(lines.includes('    uwsgi_param REQUEST_METHOD $request_method;'), 'the rest of uwsgi_params is kept');
  assert.equal(lines.filter((l) => /uwsgi_param HTTPS /.test(l)).length, 1);
  assert.match(f?.message ?? '', /\$https is always empty/);
});

// Inferred evidence: nothing in the server shows a balancer, but the tree implies that TLS ends before it.
const PLAIN_SCHEME =
  'server {\n  listen 80;\n  server_name NAME;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app;\n  }\n}';

caseTable(schemeBehindTlsTerminator, [
  {
    name: 'a public host name answered on plain HTTP only, nothing here ends TLS (inferred: medium)',
    config: PLAIN_SCHEME.replace('NAME', 'api.smartcitizen.me'),
    expect: [`${ID}@5`],
    severity: 'medium',
  },
  {
    name: 'the same in a named location reached by try_files',
    config:
      'server {\n  listen 80;\n  server_name shop.acme-widgets.com;\n  try_files $uri @app;\n  location @app {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@6`],
    severity: 'medium',
  },
  {
    name: 'uwsgi_param HTTP_X_FORWARDED_PROTO $scheme replaces the front header (realip: high)',
    config:
      'server {\n  listen 80;\n  set_real_ip_from 0.0.0.0/0;\n  location / {\n    include uwsgi_params;\n    uwsgi_param HTTP_X_FORWARDED_PROTO $scheme;\n    uwsgi_pass unix:/run/app.sock;\n  }\n}',
    expect: [`${ID}@6`],
    severity: 'high',
  },
  { name: 'trap: localhost is not a public name', config: PLAIN_SCHEME.replace('NAME', 'localhost'), expect: [] },
  { name: 'trap: a .test name is not a public name', config: PLAIN_SCHEME.replace('NAME', 'shop.test'), expect: [] },
  {
    name: 'trap: example.com (documentation) is not a public name',
    config: PLAIN_SCHEME.replace('NAME', 'www.example.com'),
    expect: [],
  },
  { name: 'trap: the catch-all name _', config: PLAIN_SCHEME.replace('NAME', '_'), expect: [] },
  {
    name: 'trap: the public name also has a TLS server in the same files (nginx ends TLS itself)',
    config: `${PLAIN_SCHEME.replace('NAME', 'shop.acme-widgets.com')}\nserver {\n  listen 443 ssl;\n  server_name shop.acme-widgets.com;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app;\n  }\n}`,
    expect: [],
  },
]);

test('inferred: a Dockerfile that installs nginx, with no TLS anywhere in the files', () => {
  const facts = factsFromText(PLAIN_SCHEME.replace('NAME', '_'));
  assert.deepEqual(schemeBehindTlsTerminator.run(facts), []);
  facts.sources.set('Dockerfile', [
    'FROM debian:12',
    'RUN apt-get update \\',
    ' && apt-get install --yes --no-install-recommends nginx-light \\',
    ' && rm -rf /var/lib/apt/lists/*',
  ]);
  const found = schemeBehindTlsTerminator.run(facts);
  assert.equal(found.length, 1);
  assert.equal(found[0]?.severity, 'medium');
  assert.ok(found[0]?.evidence.some((e) => e.file === 'Dockerfile' && e.line === 3));
  // apk add on continuation lines
  facts.sources.set('Dockerfile', [
    'FROM alpine',
    'RUN apk -U update && \\',
    '    apk -U add --no-cache \\',
    '        git \\',
    '        nginx \\',
    '        php7',
  ]);
  assert.equal(schemeBehindTlsTerminator.run(facts)[0]?.evidence.find((e) => e.file === 'Dockerfile')?.line, 5);
  // trap: nginx named only in a removal or a comment
  facts.sources.set('Dockerfile', [
    'FROM debian:12',
    'RUN apt-get install -y curl && rm -rf /etc/nginx',
    '# nginx is in another image',
  ]);
  assert.deepEqual(schemeBehindTlsTerminator.run(facts), []);
});

test('inferred: an outer reverse proxy service publishes 443 in compose', () => {
  const facts = factsFromText(PLAIN_SCHEME.replace('NAME', '_'));
  const ref = { file: 'proxy/docker-compose.yml', line: 8, snippet: '- "443:443"' };
  facts.compose = {
    files: [
      {
        file: 'proxy/docker-compose.yml',
        services: [
          {
            name: 'frontend',
            file: 'proxy/docker-compose.yml',
            ref,
            image: 'jwilder/nginx-proxy:alpine',
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
  const found = schemeBehindTlsTerminator.run(facts);
  assert.equal(found.length, 1);
  assert.match(found[0]?.message ?? '', /compose service frontend/);
  assert.ok(found[0]?.evidence.some((e) => e.file === 'proxy/docker-compose.yml' && e.line === 8));
});

// The one nginx container of the stack publishes 80 (this server's port) and 443, with no TLS listener in the
// config it mounts (held-out trial raulsperoni/memoria.uy: TLS ends in front of it): it runs this nginx, it is not
// a TLS-ending proxy in front of it. The finding stays (the public name is served on plain HTTP only), with that
// reason instead of "compose service nginx ends TLS".
test('inferred: the nginx container itself publishes 443 without a TLS listener -> not a proxy in front of itself', () => {
  const facts = factsFromText(PLAIN_SCHEME.replace('NAME', 'memoria.example.uy'));
  const ref = (line: number, snippet: string) => ({ file: 'docker-compose.yml', line, snippet });
  facts.compose = {
    files: [
      {
        file: 'docker-compose.yml',
        services: [
          {
            name: 'nginx',
            file: 'docker-compose.yml',
            ref: ref(3, 'nginx:'),
            image: 'nginx:1.21-alpine',
            environment: {},
            envFiles: [],
            ports: [
              { hostIp: '', hostPort: 80, containerPort: 80, protocol: 'tcp', raw: '80:80', ref: ref(6, '- "80:80"') },
              { hostIp: '', hostPort: 443, containerPort: 443, protocol: 'tcp', raw: '443:443', ref: ref(7, '- "443:443"') },
            ],
            expose: [],
            networks: [],
            role: 'proxy',
            appServers: [],
          },
        ],
      },
    ],
  } as unknown as NonNullable<typeof facts.compose>;
  const found = schemeBehindTlsTerminator.run(facts);
  assert.equal(found.length, 1);
  assert.doesNotMatch(found[0]?.message ?? '', /compose service nginx/);
  assert.match(found[0]?.message ?? '', /whatever ends TLS for memoria\.example\.uy/);
  assert.ok(!found[0]?.evidence.some((e) => e.file === 'docker-compose.yml'));
});

// TLS switched on only inside a template branch: the other rendering is a plain server (issue 12).
const TPL_INLINE = `server {
    listen {{ item.listen | default('80') }}{% if item.listen == '443' %} ssl{% endif %};
    server_name {{ item.server_name }};
{% if item.listen == '443' %}
    ssl_certificate /etc/nginx/{{ item.cert_crt }};
{% endif %}
    location / {
        proxy_pass http://repo_lb;
        proxy_set_header X-Forwarded-Proto $scheme;
    }
    location /share/ {
        proxy_pass http://share_lb;
        proxy_set_header X-Forwarded-Proto $scheme;
    }
}`;

test('template: TLS only in an inline branch -> the plain rendering forwards $scheme (medium, names the branch)', () => {
  const facts = factsFromText(TPL_INLINE, 'vhost.conf.j2');
  const found = schemeBehindTlsTerminator.run(facts);
  assert.equal(found.length, 1, 'one finding for the same header written in two locations');
  const f = found[0];
  assert.equal(f?.severity, 'medium');
  assert.equal(f?.evidence[0]?.line, 9, 'location / leads');
  assert.ok(
    f?.evidence.some((e) => e.line === 13),
    'the other location is in the evidence',
  );
  assert.ok(f?.evidence.some((e) => e.line === 2 && /only in the template branch/.test(e.note ?? '')));
  assert.match(f?.message ?? '', /rendered without `\{% if item\.listen == '443' %\}`/);
  assert.equal(f?.data?.templateBranch, "{% if item.listen == '443' %}");
  // One fix changes both places (Fix.also), the geo's address left for --proxy-address (no set_real_ip_from).
  assert.ok(f?.fix?.also?.some((e) => e.file === 'vhost.conf.j2' && e.line === 13 && e.placement === 'replace'));
  assert.ok(f?.fix?.also?.some((e) => e.lines.includes('    <proxy address> 1;')));
  assert.match(f?.fix?.description ?? '', /--proxy-address/);
});

test('template: listen 443 ssl / listen 80 in the two branches of one if inside the server', () => {
  const text = `server {
{% if use_ssl %}
    listen 443 ssl;
{% else %}
    listen 80;
{% endif %}
    location / {
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_pass http://app;
    }
}`;
  const found = schemeBehindTlsTerminator.run(factsFromText(text, 'site.conf.j2'));
  assert.deepEqual(summary(found), [`${ID}@8`]);
});

test('template traps: a whole TLS server inside the branch, or TLS written outside any branch', () => {
  const whole = `{% if use_ssl %}
server {
    listen 443 ssl;
    location / {
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_pass http://app;
    }
}
{% endif %}`;
  assert.deepEqual(schemeBehindTlsTerminator.run(factsFromText(whole, 'site.conf.j2')), []);
  const always = TPL_INLINE.replace("{% if item.listen == '443' %} ssl{% endif %}", ' ssl');
  assert.deepEqual(schemeBehindTlsTerminator.run(factsFromText(always, 'vhost.conf.j2')), []);
});

caseTable(schemeBehindTlsTerminator, [
  {
    name: 'Origin rebuilt from $scheme://$http_host behind a balancer it trusts (realip)',
    config:
      'server {\n  listen 8080;\n  set_real_ip_from 10.0.0.0/8;\n  location /socket.io {\n    proxy_set_header Origin $scheme://$http_host;\n    proxy_pass http://socketio;\n  }\n}',
    expect: [`${ID}@5`],
    severity: 'high',
  },
  {
    name: 'trap: $scheme sent to the ACME challenge responder (always plain HTTP, RFC 8555 8.3)',
    config:
      'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  location /.well-known/acme-challenge/ {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://certbot:80;\n  }\n}',
    expect: [],
  },
  {
    name: 'trap: Origin with the guarded scheme variable',
    config: `http {
  set_real_ip_from 10.0.0.0/8;
  geo $realip_remote_addr $from_lb { default 0; 10.0.0.0/8 1; }
  map "$from_lb:$http_x_forwarded_proto" $fp { default $scheme; "1:https" https; }
  server {
    listen 80;
    location / {
      proxy_set_header Origin $fp://$http_host;
      proxy_pass http://app;
    }
  }
}`,
    expect: [],
  },
]);

test('Origin fix keeps the URL shape and only replaces $scheme', () => {
  const facts = factsFromText(
    'server {\n  listen 8080;\n  set_real_ip_from 10.0.0.0/8;\n  location /socket.io {\n    proxy_set_header Origin $scheme://$http_host;\n    proxy_pass http://socketio;\n  }\n}',
  );
  const [f] = schemeBehindTlsTerminator.run(facts);
  assert.equal(f?.fix?.lines?.at(-1), '    proxy_set_header Origin $forwarded_proto://$http_host;');
  assert.match(f?.message ?? '', /origin check/);
});

test('inferred: a Kubernetes Ingress with tls: in the tree, no nginx server ends TLS', () => {
  const facts = factsFromText(PLAIN_SCHEME.replace('NAME', '_'));
  assert.deepEqual(schemeBehindTlsTerminator.run(facts), []);
  const ref = { file: 'k8s/ingress.yaml', line: 12, snippet: '  tls:' };
  facts.kube = {
    ingressNginx: [],
    services: [],
    ingresses: [{ name: 'web', ref, annotations: {}, tls: ref, fromHelmValues: false, backends: [] }],
  };
  const found = schemeBehindTlsTerminator.run(facts);
  assert.equal(found.length, 1);
  assert.equal(found[0]?.severity, 'medium');
  assert.match(found[0]?.message ?? '', /Ingress web, which ends TLS \(k8s\/ingress\.yaml:12\)/);
  assert.ok(found[0]?.evidence.some((e) => e.file === 'k8s/ingress.yaml' && e.line === 12));
});
