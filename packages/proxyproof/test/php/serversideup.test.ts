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
    // traps: php-fpm alone, the CLI, FrankenPHP (Caddy, another model), other owners' images
    ['serversideup/php:8.4-fpm', undefined],
    ['serversideup/php:8.4-cli', undefined],
    ['serversideup/php:8.4-frankenphp', undefined],
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
