// serversideup/php's fpm-nginx / fpm-apache images as the app server of their compose service: the image's web server
// listens on NGINX_HTTP_PORT/APACHE_HTTP_PORT (8080) in plain HTTP and hands PHP every request header unchanged, with
// HTTPS only from its own TLS (serversideup/docker-php src/variations/fpm-nginx, fpm-apache), so the framework's trust
// decides, as behind mod_php. SSL_MODE=full makes the HTTP port a redirect to https: no PHP runs there.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serversideupVariation } from '../../src/collectors/php/serversideup.js';
import { LARAVEL11_BOOTSTRAP } from '../checks/app/fixtures.js';
import { doctorFiles as doctor } from '../python/lint-files.js';
import { compose, NGINX } from './image-fixtures.js';

const LARAVEL = {
  'bootstrap/app.php': LARAVEL11_BOOTSTRAP,
  'composer.json': '{"require": {"laravel/framework": "^11.0"}}\n',
};

// Laravel trusting the Docker network the proxy connects from (the image's nginx hands it the proxy's address).
const TRUSTING_BOOTSTRAP = LARAVEL11_BOOTSTRAP.replace(
  /->withMiddleware\(function \(Middleware \$middleware\)(: void)? \{/,
  "$&\n        $middleware->trustProxies(at: ['172.16.0.0/12']);",
);

test('serversideupVariation: the serversideup/php tags whose web server runs PHP', () => {
  const table: Array<[string, string | undefined]> = [
    ['serversideup/php:8.4-fpm-nginx-alpine', 'fpm-nginx'],
    ['serversideup/php:8.3-fpm-nginx', 'fpm-nginx'],
    ['ghcr.io/serversideup/php:8.2-fpm-apache-bookworm', 'fpm-apache'],
    ['docker.io/serversideup/php:8.4-fpm-apache', 'fpm-apache'],
    ['serversideup/php:8.4-frankenphp', 'frankenphp'],
    ['ghcr.io/serversideup/php:8.3-frankenphp-alpine', 'frankenphp'],
    // traps: php-fpm alone, the CLI, other owners' images
    ['serversideup/php:8.4-fpm', undefined],
    ['serversideup/php:8.4-cli', undefined],
    ['dunglas/frankenphp:1-php8.4', undefined],
    ['php:8.2-fpm-nginx', undefined],
    ['myorg/php:8.4-fpm-nginx', undefined],
  ];
  for (const [image, want] of table) assert.equal(serversideupVariation(image), want, image);
});

test('serversideup/php fpm-nginx behind nginx: its nginx+php-fpm on 8080 is the app hop; Laravel trusting nobody loses https', async () => {
  const r = await doctor({
    'docker-compose.yml': compose(['image: serversideup/php:8.4-fpm-nginx-alpine', 'environment:', '  SSL_MODE: mixed']),
    'nginx/site.conf': NGINX('app:8080'),
    ...LARAVEL,
  });
  const found = r.inventory.found.join('\n');
  assert.match(found, /nginx\+php-fpm 0\.0\.0\.0:8080 .*\[container app\] runs Laravel/, found);
  assert.deepEqual(
    r.inventory.missing.filter((m) => /no app server command/.test(m)),
    [],
  );
  assert.equal(r.analysis.verdict.routes[0]?.scheme.believed, 'http', JSON.stringify(r.analysis.verdict.routes[0]));
});

test('serversideup/php fpm-apache built from a Dockerfile, APACHE_HTTP_PORT moved, Laravel trusting the proxy: https arrives', async () => {
  assert.notEqual(TRUSTING_BOOTSTRAP, LARAVEL11_BOOTSTRAP, 'the fixture gained its trustProxies line');
  const r = await doctor({
    'docker-compose.yml': compose(['build: .', 'environment:', '  APACHE_HTTP_PORT: "9090"']),
    Dockerfile: 'FROM serversideup/php:8.3-fpm-apache\nCOPY . /var/www/html\n',
    'nginx/site.conf': NGINX('app:9090'),
    ...LARAVEL,
    'bootstrap/app.php': TRUSTING_BOOTSTRAP,
  });
  assert.match(r.inventory.found.join('\n'), /Apache\+php-fpm 0\.0\.0\.0:9090 .*\(Dockerfile:1\).*runs Laravel/);
  assert.equal(r.analysis.verdict.routes[0]?.scheme.believed, 'https');
});

test('traps: a worker service of the same image, SSL_MODE=full (the HTTP port only redirects), the fpm-only image', async () => {
  const cases: Array<[string, string[]]> = [
    ['worker', ['image: serversideup/php:8.4-fpm-nginx', 'command: ["php", "/var/www/html/artisan", "queue:work"]']],
    ['full', ['image: serversideup/php:8.4-fpm-nginx', 'environment:', '  SSL_MODE: full']],
    ['fpm', ['image: serversideup/php:8.4-fpm']],
  ];
  for (const [name, app] of cases) {
    const r = await doctor({ 'docker-compose.yml': compose(app), 'nginx/site.conf': NGINX('app:8080'), ...LARAVEL });
    assert.doesNotMatch(r.inventory.found.join('\n'), /\+php-fpm/, name);
  }
});

// The `*-frankenphp` variation: Caddy with PHP built in on CADDY_HTTP_PORT (8080), the image's own Caddyfile; its
// trusted_proxies/client_ip_headers (CF-Connecting-IP) move Caddy's client IP, never PHP's REMOTE_ADDR (cgi.go).
test('table: serversideup/php frankenphp behind nginx, by port variable, SSL_MODE and what Laravel trusts', async () => {
  const rows: Array<{ name: string; app: string[]; upstream: string; trusting: boolean; server?: RegExp; believed?: string }> = [
    {
      name: 'default port, Laravel trusting nobody',
      app: ['image: serversideup/php:8.4-frankenphp'],
      upstream: 'app:8080',
      trusting: false,
      server: /FrankenPHP 0\.0\.0\.0:8080 .*\[container app\] runs Laravel/,
      believed: 'http',
    },
    {
      name: 'CADDY_HTTP_PORT moved, image CMD written out, Laravel trusting the Docker network',
      app: [
        'image: serversideup/php:8.3-frankenphp-alpine',
        'command: ["frankenphp", "run", "--config", "/etc/frankenphp/Caddyfile", "--adapter", "caddyfile"]',
        'environment:',
        '  CADDY_HTTP_PORT: "9000"',
        '  SSL_MODE: mixed',
      ],
      upstream: 'app:9000',
      trusting: true,
      server: /FrankenPHP 0\.0\.0\.0:9000 .*\[container app\] runs Laravel/,
      believed: 'https',
    },
    // Traps: SSL_MODE=full (the HTTP site only redirects, PHP is on 8443 only); a worker of the same image.
    {
      name: 'SSL_MODE full',
      app: ['image: serversideup/php:8.4-frankenphp', 'environment:', '  SSL_MODE: full'],
      upstream: 'app:8080',
      trusting: false,
    },
    {
      name: 'queue worker',
      app: ['image: serversideup/php:8.4-frankenphp', 'command: ["php", "/var/www/html/artisan", "queue:work"]'],
      upstream: 'app:8080',
      trusting: false,
    },
  ];
  for (const row of rows) {
    const r = await doctor({
      'docker-compose.yml': compose(row.app),
      'nginx/site.conf': NGINX(row.upstream),
      ...LARAVEL,
      ...(row.trusting ? { 'bootstrap/app.php': TRUSTING_BOOTSTRAP } : {}),
    });
    const found = r.inventory.found.join('\n');
    if (!row.server) {
      assert.doesNotMatch(found, /FrankenPHP 0\.0\.0\.0/, `${row.name}:\n${found}`);
      continue;
    }
    assert.match(found, row.server, `${row.name}:\n${found}`);
    const route = r.analysis.verdict.routes[0];
    assert.equal(route?.scheme.believed, row.believed, `${row.name}: ${JSON.stringify(route?.scheme)}`);
  }
});

test("trap: a FrankenPHP image of serversideup running the tree's own Caddyfile is that Caddy, not the image's", async () => {
  const r = await doctor({
    'docker-compose.yml': compose([
      'image: serversideup/php:8.4-frankenphp',
      'volumes:',
      '  - ./Caddyfile:/etc/frankenphp/Caddyfile:ro',
    ]),
    Caddyfile: ':8080 {\n\troot * /var/www/html/public\n\tphp_server\n}\n',
    'nginx/site.conf': NGINX('app:8080'),
    ...LARAVEL,
  });
  const found = r.inventory.found.join('\n');
  assert.doesNotMatch(found, /FrankenPHP 0\.0\.0\.0/, found);
  assert.match(found, /caddy :8080 .*\[container app\]/, found);
});
