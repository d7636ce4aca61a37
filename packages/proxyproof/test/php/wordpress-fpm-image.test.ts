// The official wordpress image's fpm variants (`wordpress:fpm`, `wordpress:6.4-php8.2-fpm-alpine`) are built
// `FROM php:X-fpm` with `CMD ["php-fpm"]` (docker-library/wordpress latest/php8.2/fpm/Dockerfile, bf223d1c): php-fpm on
// :9000 is the service's app hop, and the entrypoint writes the same wp-config-docker.php as the Apache variants before
// starting php-fpm (docker-entrypoint.sh: `apache2*` or `php-fpm`), so WordPress takes X-Forwarded-Proto containing
// "https" from any peer. Held-out trial: crowdtainer/wordpress-docker (Caddy `php_fastcgi wordpress:9000`, a service
// built `FROM wordpress:php8.2-fpm-alpine`) had its route unresolved ("no app server command was found").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modPhpImage, wordpressImage } from '../../src/collectors/php/mod-php.js';
import { doctorFiles as doctor } from '../python/lint-files.js';
import { compose } from './image-fixtures.js';

test('wordpressImage: which variant of the official wordpress image runs', () => {
  const table: Array<[string, 'apache' | 'fpm' | undefined]> = [
    ['wordpress', 'apache'],
    ['wordpress:latest', 'apache'],
    ['wordpress:6.4-php8.2-apache', 'apache'],
    ['docker.io/library/wordpress:6', 'apache'],
    ['wordpress:fpm', 'fpm'],
    ['wordpress:fpm-alpine', 'fpm'],
    ['wordpress:6.4-php8.2-fpm-alpine', 'fpm'],
    ['wordpress:php8.2-fpm', 'fpm'],
    // traps: wp-cli runs no server; other publishers' images and look-alike names are not the official image
    ['wordpress:cli', undefined],
    ['wordpress:cli-php8.2', undefined],
    ['bitnami/wordpress:6', undefined],
    ['myorg/wordpress:fpm', undefined],
    ['wordpress-fpm:1', undefined],
    ['php:8.2-fpm', undefined],
  ];
  for (const [image, want] of table) assert.equal(wordpressImage(image), want, image);
  // mod_php is the Apache variant only
  assert.equal(modPhpImage('wordpress:fpm'), false);
  assert.equal(modPhpImage('wordpress:6.4-php8.2-apache'), true);
});

/** nginx ending TLS and passing PHP to `app:9000`; `params` are the FastCGI lines of the PHP location. */
const NGINX_FCGI = (params: string[]) =>
  [
    'server {',
    '  listen 443 ssl;',
    '  server_name shop.example.com;',
    '  ssl_certificate /etc/ssl/a.pem;',
    '  ssl_certificate_key /etc/ssl/a.key;',
    '  root /var/www/html;',
    '  location ~ \\.php$ {',
    '    fastcgi_pass app:9000;',
    ...params.map((p) => `    ${p}`),
    '  }',
    '}',
    '',
  ].join('\n');

test('wordpress:*-fpm* by image: php-fpm :9000 in its service runs WordPress (the image config)', async () => {
  const r = await doctor({
    'docker-compose.yml': compose(['image: wordpress:6.4-php8.2-fpm-alpine']),
    'nginx/site.conf': NGINX_FCGI([
      'include fastcgi_params;',
      'fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;',
    ]),
  });
  const found = r.inventory.found.join('\n');
  assert.match(found, /php-fpm 0\.0\.0\.0:9000 .*\[container app\] runs WordPress/, found);
  assert.deepEqual(
    r.inventory.missing.filter((m) => /no app server command|could not find the app server/.test(m)),
    [],
  );
  assert.equal(r.analysis.verdict.routes[0]?.scheme.believed, 'https');
});

test('built FROM wordpress:*-fpm* behind Caddy php_fastcgi: linked, WordPress believes https', async () => {
  const r = await doctor({
    'docker-compose.yml': compose(['build: ./wp']).replace(
      / {2}proxy:\n {4}image: nginx:1\.27\n/,
      '  proxy:\n    image: caddy:2.7\n    volumes: ["./Caddyfile:/etc/caddy/Caddyfile"]\n',
    ),
    'wp/Dockerfile': 'FROM wordpress:php8.2-fpm-alpine\nRUN docker-php-ext-install soap\n',
    Caddyfile: 'shop.example.com {\n\troot * /var/www/html\n\tphp_fastcgi app:9000\n\tfile_server\n}\n',
  });
  const found = r.inventory.found.join('\n');
  assert.match(found, /php-fpm 0\.0\.0\.0:9000 .*\[container app\] runs WordPress/, found);
  const route = r.analysis.verdict.routes[0];
  assert.equal(route?.scheme.believed, 'https', JSON.stringify(route?.scheme));
  assert.doesNotMatch(r.all.findings.map((f) => f.id).join(' '), /chain\/link-unresolved/);
});

test('trap: nginx sends no HTTPS param and no X-Forwarded-Proto: the fpm image config has nothing to read (http)', async () => {
  // Only SCRIPT_FILENAME: no `include fastcgi_params`, so neither HTTPS nor HTTP_X_FORWARDED_PROTO reaches PHP.
  const r = await doctor({
    'docker-compose.yml': compose(['image: wordpress:fpm']),
    'nginx/site.conf': NGINX_FCGI(['fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;']),
  });
  assert.match(r.inventory.found.join('\n'), /php-fpm 0\.0\.0\.0:9000 .*runs WordPress/);
  assert.equal(r.analysis.verdict.routes[0]?.scheme.believed, 'http');
});

test('traps: wp-cli and a wordpress fpm service running another command get no WordPress app end of the image', async () => {
  const cli = await doctor({
    'docker-compose.yml': compose(['image: wordpress:cli']),
    'nginx/site.conf': NGINX_FCGI(['include fastcgi_params;']),
  });
  assert.doesNotMatch(cli.inventory.found.join('\n'), /php-fpm|WordPress/);
  const cron = await doctor({
    'docker-compose.yml': compose(['image: wordpress:fpm', 'entrypoint: ["wp", "cron", "event", "run"]']),
    'nginx/site.conf': NGINX_FCGI(['include fastcgi_params;']),
  });
  assert.doesNotMatch(cron.inventory.found.join('\n'), /runs WordPress/);
});
