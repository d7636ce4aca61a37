// Apache with mod_php as the app server of a compose service (the official php:*-apache and wordpress images):
// PHP's $_SERVER['HTTPS'] comes only from Apache's own TLS, so behind a TLS proxy PHP sees http and the framework
// decides from the forwarded headers (docker-library/php apache variant; docker-library/wordpress wp-config-docker.php,
// which copies X-Forwarded-Proto containing "https" into $_SERVER['HTTPS'] from any peer).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modPhpImage } from '../../src/collectors/php/mod-php.js';
import { LARAVEL11_BOOTSTRAP, laravelMiddleware } from '../checks/app/fixtures.js';
import { doctorFiles as doctor } from '../python/lint-files.js';
import { compose, NGINX } from './image-fixtures.js';

test('modPhpImage: the official images that run PHP inside Apache', () => {
  const table: Array<[string, boolean]> = [
    ['php:8.2-apache', true],
    ['php:apache', true],
    ['php:8.3-apache-bookworm', true],
    ['docker.io/library/php:8.1-apache', true],
    ['wordpress', true],
    ['wordpress:latest', true],
    ['wordpress:6.4-php8.2-apache', true],
    // traps: FastCGI and CLI variants, other images with "apache" in the name
    ['php:8.2-fpm', false],
    ['php:8.2-cli', false],
    ['php', false],
    ['wordpress:6-fpm-alpine', false],
    ['wordpress:cli', false],
    ['httpd:2.4', false],
    ['bitnami/php-fpm:8.2', false],
    ['myorg/php:8.2-apache', false],
  ];
  for (const [image, want] of table) assert.equal(modPhpImage(image), want, image);
});

test('php:8.2-apache behind nginx: mod_php is the app hop of its service; Laravel trusting nobody loses https there', async () => {
  const r = await doctor({
    'docker-compose.yml': compose(['image: php:8.2-apache', 'volumes: ["./:/var/www/html"]']),
    'nginx/site.conf': NGINX('app:80'),
    'bootstrap/app.php': LARAVEL11_BOOTSTRAP,
    'composer.json': '{"require": {"laravel/framework": "^11.0"}}\n',
  });
  const found = r.inventory.found.join('\n');
  assert.match(found, /mod_php 0\.0\.0\.0:80 .*\[container app\] runs Laravel/, found);
  assert.deepEqual(
    r.inventory.missing.filter((m) => /no app server command/.test(m)),
    [],
  );
  const route = r.analysis.verdict.routes[0];
  // PHP sees the plain connection; Laravel 11 trusts no proxy by default, so X-Forwarded-Proto is ignored.
  assert.equal(route?.scheme.believed, 'http', JSON.stringify(route?.scheme));
});

test('php:8.2-apache with TrustProxies trusting the proxy: https reaches Laravel through mod_php', async () => {
  const r = await doctor({
    'docker-compose.yml': compose(['build: .']),
    Dockerfile: 'FROM php:8.2-apache\nCOPY . /var/www/html\n',
    'nginx/site.conf': NGINX('app'),
    'app/Http/Middleware/TrustProxies.php': laravelMiddleware(" = '*'"),
    'composer.json': '{"require": {"laravel/framework": "^10.0"}}\n',
  });
  assert.match(r.inventory.found.join('\n'), /mod_php 0\.0\.0\.0:80 .*\(Dockerfile:1\).*runs Laravel/);
  assert.equal(r.analysis.verdict.routes[0]?.scheme.believed, 'https');
});

test("wordpress image with no wp-config.php in the tree: the image's own config trusts X-Forwarded-Proto from anyone", async () => {
  const r = await doctor({
    'docker-compose.yml': compose(['image: wordpress:6.4-php8.2-apache', 'ports: ["8080:80"]']),
    'nginx/site.conf': NGINX('app:80'),
  });
  assert.match(r.inventory.found.join('\n'), /mod_php .*runs WordPress/);
  assert.equal(r.analysis.verdict.routes[0]?.scheme.believed, 'https');
  const trustAll = r.all.findings.find((f) => f.id === 'app/trust-all');
  assert.ok(trustAll, r.all.findings.map((f) => f.id).join(', '));
  assert.equal(trustAll.severity, 'high', 'published on every interface');
  assert.match(trustAll.message, /sets x-forwarded-proto itself and is taken for https/i);
  assert.match(trustAll.fix?.description ?? '', /publish the port only on 127\.0\.0\.1/);
  // Not published: nothing in these files to change; the chain says the compose network can spoof it (low), and one
  // step lower, info: the image's own wp-config trusts the scheme from every peer and nothing narrows it, so a forged
  // scheme alone fools WordPress about the forger's own request only (checks/chain/spoofable-backend.ts).
  const inside = await doctor({
    'docker-compose.yml': compose(['image: wordpress:latest']),
    'nginx/site.conf': NGINX('app:80'),
  });
  assert.deepEqual(
    inside.all.findings.map((f) => `${f.id} ${f.severity}`),
    ['chain/spoofable-backend info'],
  );
});

test('traps: php-fpm image, a service that runs its own command, and a wp-config.php in the tree', async () => {
  const fpm = await doctor({ 'docker-compose.yml': compose(['image: php:8.2-fpm']), 'nginx/site.conf': NGINX('app:80') });
  assert.doesNotMatch(fpm.inventory.found.join('\n'), /mod_php/);
  const worker = await doctor({
    'docker-compose.yml': compose(['image: php:8.2-apache', 'command: php artisan queue:work']),
    'nginx/site.conf': NGINX('app:80'),
  });
  assert.doesNotMatch(worker.inventory.found.join('\n'), /mod_php/);
  const own = await doctor({
    'docker-compose.yml': compose(['image: wordpress:latest']),
    'nginx/site.conf': NGINX('app:80'),
    'wp-config.php': "<?php\ndefine( 'DB_NAME', 'wordpress' );\nrequire_once ABSPATH . 'wp-settings.php';\n",
  });
  // The tree's own wp-config.php (no proxy snippet) is what runs: WordPress believes the plain connection.
  assert.match(own.inventory.found.join('\n'), /mod_php .*runs WordPress \(.*wp-config\.php\)/);
  assert.equal(own.analysis.verdict.routes[0]?.scheme.believed, 'http');
});
