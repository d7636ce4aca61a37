// FrankenPHP: Caddy with PHP built in. A Caddyfile's `php_server`/`php` runs PHP inside that Caddy, whose $_SERVER
// comes from Caddy's own request (php/frankenphp cgi.go addKnownVariablesToServer): HTTPS=on only when Caddy received
// TLS, REMOTE_ADDR Caddy's TCP peer (its `trusted_proxies` changes Caddy's client IP, not PHP's), and every request
// header as received — unlike reverse_proxy, nothing replaces an untrusted peer's X-Forwarded-*.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LARAVEL11_BOOTSTRAP, laravelMiddleware } from '../checks/app/fixtures.js';
import { doctorFiles as doctor } from '../python/lint-files.js';

const LARAVEL = {
  'bootstrap/app.php': LARAVEL11_BOOTSTRAP,
  'composer.json': '{"require": {"laravel/framework": "^11.0"}}\n',
};

const caddyfile = (site: string, body: string[], global: string[] = ['frankenphp']) =>
  ['{', ...global.map((l) => `\t${l}`), '}', '', `${site} {`, ...body.map((l) => `\t${l}`), '}', ''].join('\n');

test('FrankenPHP ending TLS itself: php_server is the app hop inside Caddy; PHP sees https from its own TLS', async () => {
  const r = await doctor({ Caddyfile: caddyfile('shop.example.com', ['root * /app/public', 'php_server']), ...LARAVEL });
  assert.match(r.inventory.found.join('\n'), /app server +frankenphp .*runs Laravel/, r.inventory.found.join('\n'));
  assert.doesNotMatch(r.inventory.missing.join('\n'), /route nothing/);
  const route = r.analysis.verdict.routes[0];
  assert.equal(route?.scheme.believed, 'https', JSON.stringify(route?.scheme));
  assert.deepEqual(route?.spoofable, []);
});

// nginx on the same host ends TLS and proxies to FrankenPHP's plain :8080 with the headers a correct proxy sends.
const NGINX_IN_FRONT = `server {\n  listen 443 ssl;\n  server_name shop.example.com;\n  ssl_certificate /etc/ssl/a.pem;\n  ssl_certificate_key /etc/ssl/a.key;\n  location / {\n    proxy_pass http://127.0.0.1:8080;\n    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_set_header X-Forwarded-For $remote_addr;\n  }\n}\n`;

test('table: what PHP believes behind FrankenPHP, by where TLS ends and what Laravel trusts', async () => {
  const rows: Array<{ name: string; site: string; front: boolean; trust?: string; believed: string; spoofable: boolean }> = [
    // TLS ended by nginx in front: HTTPS unset in PHP; Laravel trusting nobody ignores X-Forwarded-Proto.
    { name: 'behind nginx, trusts nobody', site: ':8080', front: true, believed: 'http', spoofable: false },
    // Laravel trusting nginx's loopback address believes its X-Forwarded-Proto.
    {
      name: 'behind nginx, trusts loopback',
      site: ':8080',
      front: true,
      trust: " = ['127.0.0.1']",
      believed: 'https',
      spoofable: false,
    },
    // Trap: FrankenPHP ending TLS with Laravel trusting everyone is still https for a real request, but a client's own
    // X-Forwarded-* reach PHP: Caddy's replacing of an untrusted peer's X-Forwarded-* belongs to reverse_proxy only.
    { name: 'tls, trusts *', site: 'shop.example.com', front: false, trust: " = '*'", believed: 'https', spoofable: true },
  ];
  for (const row of rows) {
    const r = await doctor({
      Caddyfile: caddyfile(
        row.site,
        ['root * /app/public', 'php_server'],
        ['frankenphp', 'servers {', '\ttrusted_proxies static private_ranges', '}'],
      ),
      ...(row.front ? { 'nginx/site.conf': NGINX_IN_FRONT } : {}),
      ...LARAVEL,
      ...(row.trust ? { 'app/Http/Middleware/TrustProxies.php': laravelMiddleware(row.trust) } : {}),
    });
    const route = r.analysis.verdict.routes[0];
    assert.ok(route, `${row.name}: ${JSON.stringify(r.analysis.verdict)}`);
    assert.equal(route.scheme.believed, row.believed, `${row.name}: ${JSON.stringify(route.scheme)}`);
    assert.equal(route.spoofable.length > 0, row.spoofable, `${row.name}: ${JSON.stringify(route.spoofable)}`);
  }
});

test('traps: reverse_proxy and php_fastcgi sites are not FrankenPHP', async () => {
  const r = await doctor({
    Caddyfile: caddyfile('shop.example.com', ['reverse_proxy app:8080', 'php_fastcgi /legacy/* fpm:9000'], []),
    ...LARAVEL,
  });
  assert.doesNotMatch(r.inventory.found.join('\n'), /frankenphp/);
});

// FrankenPHP in a compose service: the Caddy hop (and the PHP inside it) runs in the service whose container starts
// `frankenphp run` — by the official image's own CMD, or past an entrypoint script of the tree that hands its
// arguments over (`exec "$@"`) — so a proxy in front reaching `app:80` links to it.
const TRAEFIK_LABELS = [
  '    labels:',
  '      - "traefik.enable=true"',
  '      - "traefik.http.routers.shop.rule=Host(`shop.example.com`)"',
  '      - "traefik.http.routers.shop.entrypoints=websecure"',
  '      - "traefik.http.routers.shop.tls.certresolver=le"',
  '      - "traefik.http.services.shop.loadbalancer.server.port=80"',
];
const ENTRYPOINT_SCRIPT = (last: string) => `#!/bin/sh\nset -e\nphp artisan migrate --force\n${last}\n`;

test('table: FrankenPHP placed in its compose service, by image CMD or an entrypoint that hands over', async () => {
  const rows: Array<{ name: string; files: Record<string, string>; placed: boolean }> = [
    {
      name: 'built FROM dunglas/frankenphp, custom ENTRYPOINT ending in exec "$@", CMD frankenphp run',
      files: {
        Dockerfile: [
          'FROM dunglas/frankenphp:1-php8.3',
          'COPY Caddyfile /etc/frankenphp/Caddyfile',
          'COPY docker/entrypoint.sh /usr/local/bin/app-entrypoint',
          'ENTRYPOINT ["/usr/local/bin/app-entrypoint"]',
          'CMD ["frankenphp", "run", "--config", "/etc/frankenphp/Caddyfile"]',
          '',
        ].join('\n'),
        'docker/entrypoint.sh': ENTRYPOINT_SCRIPT('exec "$@"'),
        'docker-compose.yml': ['services:', '  app:', '    build: .', ...TRAEFIK_LABELS, ''].join('\n'),
      },
      placed: true,
    },
    {
      name: 'image dunglas/frankenphp with the Caddyfile mounted, no command of its own',
      files: {
        'docker-compose.yml': [
          'services:',
          '  app:',
          '    image: dunglas/frankenphp:latest',
          '    volumes:',
          '      - ./Caddyfile:/etc/frankenphp/Caddyfile:ro',
          ...TRAEFIK_LABELS,
          '',
        ].join('\n'),
      },
      placed: true,
    },
    // Trap: the same image running a queue worker through `frankenphp php-cli` starts no Caddy.
    {
      name: 'image dunglas/frankenphp running frankenphp php-cli (a worker)',
      files: {
        'docker-compose.yml': [
          'services:',
          '  app:',
          '    image: dunglas/frankenphp:latest',
          '    command: ["frankenphp", "php-cli", "artisan", "queue:work"]',
          ...TRAEFIK_LABELS,
          '',
        ].join('\n'),
      },
      placed: false,
    },
    // Trap: an entrypoint script that runs its own steps and never hands over does not start the CMD.
    {
      name: 'entrypoint script without exec "$@"',
      files: {
        Dockerfile: [
          'FROM dunglas/frankenphp:1-php8.3',
          'COPY docker/entrypoint.sh /usr/local/bin/app-entrypoint',
          'ENTRYPOINT ["/usr/local/bin/app-entrypoint"]',
          'CMD ["frankenphp", "run", "--config", "/etc/frankenphp/Caddyfile"]',
          '',
        ].join('\n'),
        'docker/entrypoint.sh': ENTRYPOINT_SCRIPT('php artisan queue:work'),
        'docker-compose.yml': ['services:', '  app:', '    build: .', ...TRAEFIK_LABELS, ''].join('\n'),
      },
      placed: false,
    },
  ];
  for (const row of rows) {
    const r = await doctor({
      Caddyfile: caddyfile(':80', ['root * /app/public', 'php_server']),
      ...LARAVEL,
      ...row.files,
    });
    const found = r.inventory.found.join('\n');
    const missing = r.inventory.missing.join('\n');
    assert.equal(/proxy +caddy :80 .*\[container app\]/.test(found), row.placed, `${row.name}:\n${found}`);
    const route = r.analysis.verdict.routes.find((x) => x.url.startsWith('https://shop.example.com'));
    if (row.placed) {
      assert.doesNotMatch(missing, /app server listening on unix:frankenphp|no app server command/, `${row.name}: ${missing}`);
      // Traefik -> Caddy in service app -> PHP; Laravel trusting nobody drops Traefik's X-Forwarded-Proto.
      assert.equal(route?.scheme.believed, 'http', `${row.name}: ${JSON.stringify(route?.scheme)}`);
      assert.match(route?.scheme.lostAt?.label ?? '', /Laravel/, `${row.name}: ${JSON.stringify(route?.scheme)}`);
    } else assert.match(missing, /app:80/, `${row.name}: ${missing}`);
  }
});
