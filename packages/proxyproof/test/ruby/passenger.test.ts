// Phusion Passenger as an app end's server: Apache mod_passenger vhosts (PassengerAppRoot, or the DocumentRoot's parent
// when a Passenger directive shows it is meant) become a route to a Passenger app server that runs the Rails app, and
// Passenger Standalone's Passengerfile.json is a listener of its own. The semantics (HTTPS=on only on the web server's
// TLS connection, before any forwarded header; client headers reach Rack unchanged) were checked on Debian's
// libapache2-mod-passenger 6.0.17 (lab/test/s60-apache-passenger-rails-force-ssl.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passengerfileServer, passengerStartArgs } from '../../src/collectors/ruby/passenger.js';
import { RAILS_APP, railsProduction } from '../checks/app/fixtures.js';
import { doctorFiles as doctor } from '../python/lint-files.js';

const rails = (prod: string[]) => ({
  'blog/config/application.rb': RAILS_APP,
  'blog/config/environments/production.rb': railsProduction(prod),
  // Rails generates a config/puma.rb; under Passenger it starts nothing.
  'blog/config/puma.rb': 'threads 5, 5\nport ENV.fetch("PORT") { 3000 }\n',
});

const vhost = (head: string, body: string[]) =>
  [`<VirtualHost ${head}>`, '    ServerName blog.example.com', ...body.map((l) => `    ${l}`), '</VirtualHost>', ''].join('\n');

const TLS = ['SSLEngine on', 'SSLCertificateFile /etc/ssl/blog.pem', 'SSLCertificateKeyFile /etc/ssl/blog.key'];

test('Apache TLS vhost with PassengerAppRoot: Passenger runs Rails, HTTPS=on wins over a forwarded http (Rack order), no loop', async () => {
  const r = await doctor({
    ...rails(['config.force_ssl = true']),
    // A wrong X-Forwarded-Proto cannot downgrade: Rack reads HTTPS=on (mod_ssl's connection) first.
    'apache/blog.conf': vhost('*:443', [
      ...TLS,
      'DocumentRoot /var/www/blog/public',
      'PassengerAppRoot /var/www/blog',
      'RequestHeader set X-Forwarded-Proto "http"',
    ]),
  });
  const found = r.inventory.found.join('\n');
  assert.match(found, /passenger unix:passenger:\/var\/www\/blog .*runs Rails/);
  assert.doesNotMatch(found, /puma/, 'the generated puma.rb is not a second backend');
  const routes = r.analysis.verdict.routes;
  assert.equal(routes.length, 1);
  assert.equal(routes[0]?.scheme.believed, 'https', JSON.stringify(routes[0]?.scheme));
  assert.notEqual(routes[0]?.redirect?.loop, true);
});

test('Apache plain vhost with Passenger behind nothing: Rails believes http and a client X-Forwarded-Proto is believed (spoofable)', async () => {
  const r = await doctor({
    ...rails(['config.force_ssl = true']),
    'apache/blog.conf': vhost('*:80', ['DocumentRoot /var/www/blog/public', 'PassengerAppEnv production']),
  });
  assert.match(
    r.inventory.found.join('\n'),
    /passenger unix:passenger:\/var\/www\/blog .*runs Rails/,
    'app root = DocumentRoot parent',
  );
  // No https entry: the plain vhost is where a client's forged X-Forwarded-Proto goes through to Rack.
  const spoofs = r.analysis.verdict.entrySpoofs;
  assert.ok(
    spoofs.some((s) => s.what.includes('scheme')),
    `a client's X-Forwarded-Proto reaches Rack through Apache and Passenger: ${JSON.stringify(spoofs)}`,
  );
});

test('PassengerEnabled off, or no Passenger directive at all: the vhost is not a Passenger route', async () => {
  for (const body of [
    ['DocumentRoot /var/www/blog/public', 'PassengerAppRoot /var/www/blog', 'PassengerEnabled off'],
    ['DocumentRoot /var/www/blog/public'],
  ]) {
    const r = await doctor({ ...rails([]), 'apache/blog.conf': vhost('*:80', [...body, 'RequestHeader set X-Test 1']) });
    assert.doesNotMatch(r.inventory.found.join('\n'), /passenger/, body.join('; '));
  }
});

test('Passengerfile.json: Passenger Standalone listens on address/port (defaults 0.0.0.0:3000), ssl makes it TLS', () => {
  const d = passengerfileServer('app/Passengerfile.json', '{\n  "environment": "production"\n}\n', 'app');
  assert.deepEqual(
    d?.binds.map((b) => [b.host, b.port, b.exposure]),
    [['0.0.0.0', 3000, 'all-interfaces']],
  );
  assert.match(d?.notes?.join(' ') ?? '', /0\.0\.0\.0/);
  const l = passengerfileServer('Passengerfile.json', '{\n  "address": "127.0.0.1",\n  "port": 4000,\n  "ssl": true\n}\n', '');
  assert.deepEqual(
    l?.binds.map((b) => [b.host, b.port, b.exposure, b.ref?.line]),
    [['127.0.0.1', 4000, 'loopback', 3]],
  );
  assert.equal(l?.tls, true);
  assert.equal(l?.name, 'passenger');
  // Trap: not an object (an array, broken JSON) is no Passenger config.
  assert.equal(passengerfileServer('Passengerfile.json', '[1]', ''), null);
  assert.equal(passengerfileServer('Passengerfile.json', '{"port": ', ''), null);
});

test('Passengerfile.json next to a Rails app: the chain ends at Passenger Standalone running Rails', async () => {
  const r = await doctor({
    ...rails([]),
    'blog/Passengerfile.json': '{\n  "port": 3000,\n  "environment": "production"\n}\n',
    'nginx/site.conf':
      'server {\n  listen 443 ssl;\n  server_name blog.example.com;\n  location / {\n    proxy_pass http://127.0.0.1:3000;\n    proxy_set_header Host $host;\n  }\n}\n',
  });
  assert.match(r.inventory.found.join('\n'), /passenger 0\.0\.0\.0:3000 .*runs Rails/);
  const route = r.analysis.verdict.routes[0];
  assert.equal(route?.scheme.believed, 'http');
  assert.match(route?.scheme.lostAt?.label ?? '', /^nginx/);
});

// nginx's Passenger module (Passenger 6.0.17 ngx_http_passenger_module, read from Debian's `passenger` package source:
// Debian ships no nginx build with it, so these are checked against the source, not a running nginx):
// `passenger_enabled on` is inherited by nested locations, a location with its own `*_pass` keeps that handler,
// `passenger_set_header` replaces the client's header of that name and is inherited like proxy_set_header, and the
// app gets HTTPS=on only when nginx's own connection is TLS (the request's `S` flag in ContentHandler.c).
const nginxSite = (listen: string, body: string[]) =>
  ['server {', `    listen ${listen};`, '    server_name blog.example.com;', ...body.map((l) => `    ${l}`), '}', ''].join('\n');
const NGINX_TLS = ['ssl_certificate /etc/ssl/blog.pem;', 'ssl_certificate_key /etc/ssl/blog.key;'];

test("nginx TLS server with passenger_enabled: Passenger runs Rails at the root's parent, HTTPS=on, no loop", async () => {
  const r = await doctor({
    ...rails(['config.force_ssl = true']),
    'nginx/blog.conf': nginxSite('443 ssl', [...NGINX_TLS, 'root /var/www/blog/public;', 'passenger_enabled on;']),
  });
  const found = r.inventory.found.join('\n');
  assert.match(found, /passenger unix:passenger:\/var\/www\/blog .*runs Rails/);
  assert.doesNotMatch(found, /puma/, 'the generated puma.rb is not a second backend');
  const route = r.analysis.verdict.routes[0];
  assert.equal(route?.scheme.believed, 'https', JSON.stringify(route?.scheme));
  assert.notEqual(route?.redirect?.loop, true);
});

test('nginx plain server behind a TLS balancer: passenger_set_header X-Forwarded-Proto $scheme loses https (loop), the fix takes it from the balancer', async () => {
  const r = await doctor({
    ...rails(['config.force_ssl = true']),
    'nginx/blog.conf': nginxSite('80', [
      'set_real_ip_from 10.0.0.0/8;',
      'real_ip_header X-Forwarded-For;',
      'root /var/www/blog/public;',
      'passenger_enabled on;',
      'passenger_set_header X-Forwarded-Proto $scheme;',
    ]),
  });
  const f = r.all.findings.find((x) => x.id === 'nginx/scheme-behind-tls-terminator');
  assert.ok(f, r.all.findings.map((x) => x.id).join(', '));
  assert.equal(f.evidence[0]?.line, 8);
  assert.match(JSON.stringify(f.fix), /passenger_set_header X-Forwarded-Proto \$forwarded_proto;/);
  const route = r.analysis.verdict.routes[0];
  assert.equal(route?.scheme.believed, 'http');
  assert.equal(route?.redirect?.loop, true);
});

test("nginx plain server behind a TLS balancer without passenger_set_header: the balancer's X-Forwarded-Proto reaches Rack (trap: no finding)", async () => {
  const r = await doctor({
    ...rails(['config.force_ssl = true']),
    'nginx/blog.conf': nginxSite('80', [
      'set_real_ip_from 10.0.0.0/8;',
      'real_ip_header X-Forwarded-For;',
      'root /var/www/blog/public;',
      'passenger_enabled on;',
    ]),
  });
  assert.deepEqual(
    r.all.findings.filter((x) => x.id.startsWith('nginx/')).map((x) => x.id),
    [],
  );
  assert.equal(r.analysis.verdict.routes[0]?.scheme.believed, 'https');
});

test('nginx passenger_app_root wins over root; passenger_enabled off in a location, and a location that proxies, are not Passenger routes', async () => {
  const r = await doctor({
    ...rails([]),
    'nginx/blog.conf': nginxSite('443 ssl', [
      ...NGINX_TLS,
      'root /srv/www/public;',
      'passenger_app_root /var/www/blog;',
      'passenger_enabled on;',
      'location / {',
      '}',
      'location /assets/ {',
      '    passenger_enabled off;',
      '}',
      'location /api/ {',
      '    proxy_pass http://127.0.0.1:9000;',
      '}',
    ]),
  });
  assert.match(r.inventory.found.join('\n'), /passenger unix:passenger:\/var\/www\/blog /);
  const sites = r.analysis.topology.proxies.flatMap((h) => h.routes);
  const byMatch = Object.fromEntries(sites.map((x) => [x.match, x.upstreams.map((u) => u.text).join(',')]));
  assert.equal(byMatch['location /'], '/var/www/blog');
  assert.equal(byMatch['location /assets/'], undefined, 'passenger_enabled off');
  assert.equal(byMatch['location /api/'], 'http://127.0.0.1:9000');
  assert.equal(byMatch.server, undefined, 'location / takes every path: the server level answers none');
});

test("Passengerfile.json in a compose service's build context: Passenger runs in that container, linked by service name", async () => {
  const r = await doctor({
    'docker-compose.yml':
      'services:\n  web:\n    image: nginx:1.25\n    ports: ["443:443"]\n  app:\n    build: ./blog\n    ports: ["127.0.0.1:3000:3000"]\n',
    ...rails(['config.force_ssl = true']),
    'blog/Passengerfile.json': '{\n  "port": 3000\n}\n',
    'nginx/site.conf':
      'server {\n  listen 443 ssl;\n  server_name blog.example.com;\n  location / {\n    proxy_pass http://app:3000;\n    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-Proto $scheme;\n  }\n}\n',
  });
  assert.match(r.inventory.found.join('\n'), /passenger 0\.0\.0\.0:3000 .*\[container app\] runs Rails/);
  assert.deepEqual(
    r.inventory.missing.filter((n) => /app server command|no proxy route reaches/.test(n)),
    [],
  );
  const route = r.analysis.verdict.routes[0];
  assert.equal(route?.scheme.believed, 'https', JSON.stringify(route?.scheme));
  // Published only on the host's loopback: the scheme is not spoofable from the network straight at Passenger (the
  // client address still is, through nginx: Rails trusts the nginx container's private address for X-Forwarded-For).
  const spoof = r.all.findings.filter((x) => x.id === 'chain/spoofable-backend').map((x) => x.message);
  assert.equal(spoof.filter((m) => /scheme spoofable/.test(m)).length, 0, spoof.join('\n'));
  assert.equal(r.analysis.topology.apps.find((a) => a.name === 'passenger')?.binds[0]?.published?.hostIp, '127.0.0.1');
});

test("nginx Passenger on a plain listener, app root a server path unlike the tree's: the one Rails app is Passenger's; the fix line is passenger_set_header", async () => {
  const r = await doctor({
    ...rails([]),
    'docker/community.example.com': nginxSite('3000', [
      'location / {',
      '    passenger_enabled on;',
      '    root /home/app/community/public;',
      '}',
    ]),
  });
  const found = r.inventory.found.join('\n');
  assert.match(found, /passenger unix:passenger:\/home\/app\/community .*runs Rails/);
  assert.doesNotMatch(found, /puma/, 'the generated puma.rb starts nothing under Passenger');
  const spoof = r.all.findings.find((f) => f.id === 'chain/spoofable-backend');
  assert.ok(spoof, r.all.findings.map((f) => f.id).join(', '));
  const lines = JSON.stringify(spoof.fix);
  assert.match(lines, /passenger_set_header X-Forwarded-Proto \$scheme;/);
  assert.doesNotMatch(lines, /proxy_set_header/, 'proxy_set_header does nothing for a Passenger location');
});

// Passenger inside Apache or nginx hands the app the web server's own REMOTE_ADDR (the browser, or the proxy in
// front), as mod_php does: its core socket is not the peer Rails sees. So Rails' RemoteIp takes X-Forwarded-For only
// when the web server's peer is a trusted (private) proxy; a browser's own X-Forwarded-For is not believed.
test("Apache TLS vhost with Passenger: Rails sees the browser as REMOTE_ADDR (the web server's peer), not Passenger's socket", async () => {
  const r = await doctor({
    ...rails(['config.force_ssl = true']),
    'apache/blog.conf': vhost('*:443', [...TLS, 'DocumentRoot /var/www/blog/public', 'PassengerAppRoot /var/www/blog']),
  });
  const route = r.analysis.verdict.routes[0];
  const rails_ = route?.trace.steps.find((s) => s.kind === 'framework');
  assert.equal(rails_?.client, '203.0.113.7', JSON.stringify(rails_));
  assert.match(rails_?.clientWhy ?? '', /REMOTE_ADDR/);
  const link = route?.trace.steps.find((s) => s.linkText?.includes('passenger inside'));
  assert.ok(link, JSON.stringify(route?.trace.steps.map((s) => s.linkText)));
});

test('trap: nginx on the same host in front of Apache+Passenger: REMOTE_ADDR is nginx (loopback), a proxy Rails trusts for X-Forwarded-For', async () => {
  const r = await doctor({
    ...rails(['config.force_ssl = true']),
    'apache/blog.conf': vhost('*:80', ['DocumentRoot /var/www/blog/public', 'PassengerAppRoot /var/www/blog']),
    'nginx/site.conf':
      'server {\n  listen 443 ssl;\n  server_name blog.example.com;\n  location / {\n    proxy_pass http://127.0.0.1:80;\n    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n  }\n}\n',
  });
  const route = r.analysis.verdict.routes.find((x) => x.trace.steps.some((s) => s.kind === 'framework'));
  const rails_ = route?.trace.steps.find((s) => s.kind === 'framework');
  assert.equal(rails_?.client, '203.0.113.7', JSON.stringify(route?.trace.steps.map((s) => [s.label, s.client, s.clientWhy])));
  assert.match(rails_?.clientWhy ?? '', /X-Forwarded-For/);
});

test('passengerStartArgs: -a/--address, -p/--port, -S/--socket, `--name=value`; anything but `passenger start` is none', () => {
  const rows: Array<[string, ReturnType<typeof passengerStartArgs>]> = [
    [
      'bundle exec passenger start --address 127.0.0.1 --port 3000 --environment production',
      { address: '127.0.0.1', port: '3000' },
    ],
    ['passenger start -a 0.0.0.0 -p 8080', { address: '0.0.0.0', port: '8080' }],
    ['/usr/bin/passenger start --port=4000', { port: '4000' }],
    ['passenger start -S /run/app.sock', { socket: '/run/app.sock' }],
    ['passenger start', {}],
    // traps: another passenger command; a script named like it
    ['passenger stop --port 3000', undefined],
    ['passenger-config restart-app /srv/app', undefined],
  ];
  for (const [cmd, want] of rows) assert.deepEqual(passengerStartArgs(cmd.split(' ')), want, cmd);
});

test('`passenger start` on a command line (unit, image CMD) is Passenger Standalone: the chain reaches Rails, force_ssl loops', async () => {
  const nginx = (xfp: boolean, upstream: string) =>
    `server {\n  listen 443 ssl;\n  server_name blog.example.com;\n  location / {\n    proxy_pass http://${upstream};\n    proxy_set_header Host $host;\n${xfp ? '    proxy_set_header X-Forwarded-Proto $scheme;\n' : ''}  }\n}\n`;
  const unit = (args: string) =>
    `[Service]\nWorkingDirectory=/srv/blog\nExecStart=/usr/local/bin/bundle exec passenger start ${args}\n[Install]\nWantedBy=multi-user.target\n`;
  const rows: Array<[string, Record<string, string>, string, 'http' | 'https', RegExp]> = [
    // invalid: no X-Forwarded-Proto: force_ssl redirects every https request again
    [
      'unit long',
      {
        'blog/app.service': unit('--address 127.0.0.1 --port 3000 --environment production'),
        'nginx/site.conf': nginx(false, '127.0.0.1:3000'),
      },
      'http',
      /passenger 127\.0\.0\.1:3000 .*runs Rails/,
    ],
    [
      'unit short',
      { 'blog/app.service': unit('-a 127.0.0.1 -p 3000'), 'nginx/site.conf': nginx(false, '127.0.0.1:3000') },
      'http',
      /passenger 127\.0\.0\.1:3000 .*runs Rails/,
    ],
    // valid: nginx sends the scheme
    [
      'unit xfp',
      { 'blog/app.service': unit('-a 127.0.0.1 -p 3000'), 'nginx/site.conf': nginx(true, '127.0.0.1:3000') },
      'https',
      /passenger 127\.0\.0\.1:3000 .*runs Rails/,
    ],
    // trap: a Passengerfile.json says port 4000, but the command line's -p 3000 wins (Passenger reads the file first)
    [
      'cli over file',
      {
        'blog/Passengerfile.json': '{\n  "port": 4000\n}\n',
        'blog/app.service': unit('-p 3000'),
        'nginx/site.conf': nginx(true, '127.0.0.1:3000'),
      },
      'https',
      /passenger 0\.0\.0\.0:3000 .*runs Rails/,
    ],
    [
      'compose image',
      {
        'docker-compose.yml': 'services:\n  app:\n    build: ./blog\n',
        'blog/Dockerfile': 'FROM ruby:3.2\nCOPY . /app\nCMD ["bundle", "exec", "passenger", "start", "--port", "3000"]\n',
        'nginx/site.conf': nginx(false, 'app:3000'),
      },
      'http',
      /passenger 0\.0\.0\.0:3000 .*\[container app\] runs Rails/,
    ],
  ];
  for (const [name, files, believed, found] of rows) {
    const r = await doctor({ ...rails(['config.force_ssl = true']), ...files });
    assert.match(r.inventory.found.join('\n'), found, `${name}: ${r.inventory.found.join('\n')}`);
    assert.deepEqual(
      r.inventory.missing.filter((n) => /app server command|could not find the app server/.test(n)),
      [],
      name,
    );
    const route = r.analysis.verdict.routes[0];
    assert.equal(route?.scheme.believed, believed, `${name}: ${JSON.stringify(route?.scheme)}`);
    const loop = r.all.findings.some((x) => x.id === 'app/ssl-redirect-loop' || /redirect loop/.test(x.message));
    assert.equal(loop, believed === 'http', `${name}: ${r.all.findings.map((x) => `${x.id} ${x.message}`).join('\n')}`);
  }
});
