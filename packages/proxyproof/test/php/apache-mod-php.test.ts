/**
 * PHP run by an Apache vhost of the tree (collectors/php/mod-php.ts `phpHandler`, collectors/apache): mod_php
 * (`SetHandler`/`AddHandler`/`AddType application/x-httpd-php`) is the vhost's app hop, with $_SERVER['HTTPS'] from
 * Apache's own connection; `SetHandler "proxy:fcgi://..."` hands `.php` files to php-fpm (mod_proxy_fcgi) with the same
 * HTTPS variable. The real apache2 2.4 with Debian's libapache2-mod-php8.2 answers as the model says.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Step } from '../../src/chain/simulate.js';
import { readApache } from '../../src/collectors/apache/collector.js';
import { phpHandler } from '../../src/collectors/php/mod-php.js';
import { laravelMiddleware } from '../checks/app/fixtures.js';
import { doctorFiles as doctor } from '../python/lint-files.js';
import { apacheConf, REQUEST_SAFETY_TIMEOUT_MS, type RealProgram, selfSignedCert, startApache } from '../real-program.js';

const ref = { file: 'site.conf', line: 1 };

test('phpHandler: which Apache handler lines run .php files, and through what', () => {
  const table: Array<[string, string[], string | undefined]> = [
    ['SetHandler', ['application/x-httpd-php'], 'mod_php'],
    ['SetHandler', ['"application/x-httpd-php"'], 'mod_php'],
    ['AddHandler', ['application/x-httpd-php', '.php'], 'mod_php'],
    ['AddType', ['application/x-httpd-php', '.php', '.phtml'], 'mod_php'],
    ['SetHandler', ['"proxy:fcgi://127.0.0.1:9000"'], 'fcgi fcgi://127.0.0.1:9000'],
    [
      'SetHandler',
      ['proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost'],
      'fcgi unix:/run/php/php8.2-fpm.sock|fcgi://localhost',
    ],
    // traps: highlighted source, other handlers, AddHandler/AddType of a proxy URL (only SetHandler hands off)
    ['SetHandler', ['application/x-httpd-php-source'], undefined],
    ['AddHandler', ['cgi-script', '.php'], undefined],
    ['SetHandler', ['None'], undefined],
    ['SetHandler', ['proxy:http://127.0.0.1:8000'], undefined],
    ['AddHandler', ['proxy:fcgi://127.0.0.1:9000', '.php'], undefined],
    ['AddType', ['text/html', '.php'], undefined],
  ];
  for (const [directive, args, want] of table) {
    const h = phpHandler(directive, args, ref);
    const got = h === undefined ? undefined : h.kind === 'mod_php' ? 'mod_php' : `fcgi ${h.target}`;
    assert.equal(got, want, `${directive} ${args.join(' ')}`);
  }
});

const NGINX_FRONT = (port: number) =>
  `server {\n  listen 443 ssl;\n  server_name shop.example.com;\n  ssl_certificate /etc/ssl/a.pem;\n  ssl_certificate_key /etc/ssl/a.key;\n  location / {\n    proxy_pass http://127.0.0.1:${port};\n    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-Proto $scheme;\n  }\n}\n`;

const VHOST = (addr: string, body: string) =>
  `<VirtualHost ${addr}>\n  ServerName shop.example.com\n  DocumentRoot /var/www/shop/public\n${body}</VirtualHost>\n`;
const FILES_MATCH = '  <FilesMatch \\.php$>\n    SetHandler application/x-httpd-php\n  </FilesMatch>\n';
const COMPOSER = '{"require": {"laravel/framework": "^10.0"}}\n';

function appStep(steps: Step[]): Step | undefined {
  return steps.find((s) => s.kind === 'app-server');
}

test('nginx TLS -> Apache :8080 with mod_php -> Laravel trusting nobody: lost at Laravel, the peer is nginx (127.0.0.1), not a socket', async () => {
  const r = await doctor({
    'nginx/site.conf': NGINX_FRONT(8080),
    'apache/app.conf': `Listen 127.0.0.1:8080\n${VHOST('127.0.0.1:8080', FILES_MATCH)}`,
    'app/Http/Middleware/TrustProxies.php': laravelMiddleware(''),
    'composer.json': COMPOSER,
  });
  const found = r.inventory.found.join('\n');
  assert.match(found, /mod_php unix:mod_php:\/var\/www\/shop\/public \(apache\/app\.conf:6\) runs Laravel/, found);
  const route = r.analysis.verdict.routes[0];
  assert.ok(route);
  assert.equal(route.scheme.believed, 'http');
  const app = appStep(route.trace.steps);
  assert.equal(app?.scheme, 'http');
  assert.match(app?.schemeWhy ?? '', /Apache sets no HTTPS variable/);
  assert.equal(app?.client, '127.0.0.1', "REMOTE_ADDR is Apache's TCP peer");
  const f = r.all.findings.find((x) => x.id === 'app/proxy-not-trusted');
  assert.ok(f, r.all.findings.map((x) => x.id).join(', '));
  assert.match(f.fix?.lines?.join('\n') ?? '', /'127\.0\.0\.1'/);
});

test('the same stack with TrustProxies trusting 127.0.0.1: https reaches Laravel through mod_php', async () => {
  const r = await doctor({
    'nginx/site.conf': NGINX_FRONT(8080),
    'apache/app.conf': `Listen 127.0.0.1:8080\n${VHOST('127.0.0.1:8080', FILES_MATCH)}`,
    'app/Http/Middleware/TrustProxies.php': laravelMiddleware(" = ['127.0.0.1']"),
    'composer.json': COMPOSER,
  });
  assert.equal(r.analysis.verdict.routes[0]?.scheme.believed, 'https');
  assert.equal(
    r.all.findings.find((x) => x.id === 'app/proxy-not-trusted'),
    undefined,
  );
});

test("Apache's own TLS vhost with mod_php (AddHandler at server level): $_SERVER['HTTPS'] is on, Laravel trusting nobody still sees https", async () => {
  const r = await doctor({
    'apache/site.conf': `AddHandler application/x-httpd-php .php\n${VHOST('*:443', '  SSLEngine on\n  SSLCertificateFile /etc/ssl/a.pem\n')}`,
    'app/Http/Middleware/TrustProxies.php': laravelMiddleware(''),
    'composer.json': COMPOSER,
  });
  const route = r.analysis.verdict.routes[0];
  assert.equal(route?.scheme.believed, 'https', JSON.stringify(route?.scheme));
  assert.match(appStep(route?.trace.steps ?? [])?.schemeWhy ?? '', /HTTPS variable="on"/);
});

test("SetHandler proxy:fcgi to the tree's php-fpm pool: a FastCGI route with HTTPS from the vhost's connection", async () => {
  const pool = '[www]\nlisten = 127.0.0.1:9000\npm = dynamic\n';
  const fcgi = '  <FilesMatch \\.php$>\n    SetHandler "proxy:fcgi://127.0.0.1:9000"\n  </FilesMatch>\n';
  const tls = await doctor({
    'apache/site.conf': VHOST('*:443', `  SSLEngine on\n${fcgi}`),
    'php-fpm.d/www.conf': pool,
    'app/Http/Middleware/TrustProxies.php': laravelMiddleware(''),
    'composer.json': COMPOSER,
  });
  assert.match(tls.inventory.found.join('\n'), /apache :443 .*-> fcgi:\/\/127\.0\.0\.1:9000/);
  assert.equal(tls.analysis.verdict.routes[0]?.scheme.believed, 'https');
  const behind = await doctor({
    'nginx/site.conf': NGINX_FRONT(8080),
    'apache/site.conf': VHOST('127.0.0.1:8080', fcgi),
    'php-fpm.d/www.conf': pool,
    'app/Http/Middleware/TrustProxies.php': laravelMiddleware(''),
    'composer.json': COMPOSER,
  });
  assert.equal(behind.analysis.verdict.routes[0]?.scheme.believed, 'http');
  assert.ok(behind.all.findings.some((x) => x.id === 'app/proxy-not-trusted'));
});

test("ProxyPassMatch / ProxyPass to fcgi:// (mod_proxy_fcgi): php-fpm's route, HTTPS from the vhost's connection, the client's Host, no X-Forwarded-*", async () => {
  const pool = '[www]\nlisten = 127.0.0.1:9000\npm = dynamic\n';
  const match = '  ProxyPassMatch "^/(.*\\.php(/.*)?)$" "fcgi://127.0.0.1:9000/var/www/html/$1"\n';
  const tls = await doctor({ 'apache/site.conf': VHOST('*:443', `  SSLEngine on\n${match}`), 'php-fpm.d/www.conf': pool });
  assert.match(tls.inventory.found.join('\n'), /apache :443 .*-> fcgi:\/\/127\.0\.0\.1:9000/);
  const route = tls.analysis.verdict.routes[0];
  assert.equal(route?.route.startsWith('ProxyPassMatch '), true, route?.route);
  assert.ok(route?.url.endsWith('php'), route?.url);
  assert.equal(route?.scheme.believed, 'https', JSON.stringify(route?.scheme));
  assert.equal(route?.host.status, 'correct', JSON.stringify(route?.host));
  const sent = route?.trace.steps[0]?.sent ?? {};
  assert.deepEqual(
    Object.keys(sent).filter((k) => /^x-forwarded-/i.test(k)),
    [],
    `mod_proxy_fcgi adds no X-Forwarded-*: ${JSON.stringify(sent)}`,
  );
  // Trap: the plain vhost behind nginx: no HTTPS, so PHP (and Laravel trusting nobody) sees http.
  const behind = await doctor({
    'nginx/site.conf': NGINX_FRONT(8080),
    'apache/site.conf': VHOST('127.0.0.1:8080', '  ProxyPass "/" "fcgi://127.0.0.1:9000/var/www/html/"\n'),
    'php-fpm.d/www.conf': pool,
    'app/Http/Middleware/TrustProxies.php': laravelMiddleware(''),
    'composer.json': COMPOSER,
  });
  assert.equal(behind.analysis.verdict.routes[0]?.scheme.believed, 'http');
  assert.ok(behind.all.findings.some((x) => x.id === 'app/proxy-not-trusted'));
});

test('traps: a vhost whose / is a ProxyPass keeps it; the source handler and a Location-scoped handler run nothing', () => {
  const proxied = readApache('a.conf', VHOST('*:80', `${FILES_MATCH}  ProxyPass / http://127.0.0.1:8000/\n`));
  assert.deepEqual(
    proxied.config.sites[0]?.routes.map((r) => r.match),
    ['ProxyPass /'],
  );
  assert.deepEqual(proxied.php, []);
  const source = readApache(
    'b.conf',
    VHOST('*:80', '  <FilesMatch \\.phps$>\n    SetHandler application/x-httpd-php-source\n  </FilesMatch>\n'),
  );
  assert.deepEqual(source.php, []);
  assert.deepEqual(source.config.sites[0]?.routes, []);
  const located = readApache(
    'c.conf',
    VHOST('*:80', '  <Location /legacy>\n    SetHandler application/x-httpd-php\n  </Location>\n'),
  );
  assert.deepEqual(located.php, []);
  const modPhp = readApache('d.conf', VHOST('*:80', FILES_MATCH));
  assert.deepEqual(
    modPhp.php.map((p) => p.root),
    ['/var/www/shop/public'],
  );
});

const MOD_PHP = '/usr/lib/apache2/modules/libphp8.2.so';

test("apache2 + libapache2-mod-php (real): $_SERVER['HTTPS'] is unset on the plain vhost whatever the client sends, on on the TLS vhost; the model says the same", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-mod-php-'));
  const started: RealProgram[] = [];
  try {
    const www = join(dir, 'www');
    mkdirSync(www);
    writeFileSync(
      join(www, 'index.php'),
      "<?php header('Content-Type: application/json'); echo json_encode(['https' => $_SERVER['HTTPS'] ?? null, 'xfp' => $_SERVER['HTTP_X_FORWARDED_PROTO'] ?? null, 'remote' => $_SERVER['REMOTE_ADDR']]);\n",
    );
    const pem = selfSignedCert(dir, 'shop.test');
    // One request, bounded; a self-signed certificate on loopback.
    const ask = (port: number, tls: boolean, headers: Record<string, string>) =>
      new Promise<Record<string, string | null> | undefined>((resolve) => {
        const done = (v: Record<string, string | null> | undefined) => resolve(v);
        const opts = {
          host: '127.0.0.1',
          port,
          path: '/index.php',
          headers,
          timeout: REQUEST_SAFETY_TIMEOUT_MS,
          rejectUnauthorized: false,
        };
        const req = (tls ? httpsRequest : httpRequest)(opts, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c) => {
            body += c;
          });
          res.on('end', () => {
            try {
              done(JSON.parse(body));
            } catch {
              done(undefined);
            }
          });
        });
        req.on('timeout', () => req.destroy());
        req.on('error', () => done(undefined));
        req.end();
      });
    const serve = async (name: string, tls: boolean) => {
      let site = '';
      const apache = await startApache(
        dir,
        name,
        (port) => {
          const body = tls
            ? `  SSLEngine on\n  SSLCertificateFile ${pem.cert}\n  SSLCertificateKeyFile ${pem.key}\n${FILES_MATCH}`
            : FILES_MATCH;
          site = VHOST(`127.0.0.1:${port}`, body).replace('/var/www/shop/public', www);
          const mods = ['mpm_prefork', 'authz_core', ...(tls ? ['socache_shmcb', 'ssl'] : [])];
          return `${apacheConf(dir, name, mods, port, `LoadModule php_module ${MOD_PHP}\n`)}${site}`;
        },
        async (port) => (await ask(port, tls, {})) !== undefined,
        { prefork: true },
      );
      started.push(apache);
      return { port: apache.port, site };
    };
    const plain = await serve('plain', false);
    const forged = await ask(plain.port, false, { 'X-Forwarded-Proto': 'https', HTTPS: 'on' });
    assert.deepEqual(forged, { https: null, xfp: 'https', remote: '127.0.0.1' });
    const tls = await serve('tls', true);
    assert.deepEqual(await ask(tls.port, true, {}), { https: 'on', xfp: null, remote: '127.0.0.1' });

    // The model, on the very vhosts apache2 ran: behind a TLS front, PHP sees http on the plain one; https on the TLS one.
    const behind = await doctor({ 'nginx/site.conf': NGINX_FRONT(plain.port), 'apache/site.conf': plain.site });
    const step = appStep(behind.analysis.verdict.routes[0]?.trace.steps ?? []);
    assert.equal(step?.label.split(' ')[0], 'mod_php');
    assert.equal(step?.scheme, 'http');
    assert.equal(step?.client, '127.0.0.1');
    const own = await doctor({ 'apache/site.conf': tls.site });
    const ownStep = appStep(own.analysis.verdict.routes[0]?.trace.steps ?? []);
    assert.equal(ownStep?.label.split(' ')[0], 'mod_php');
    assert.equal(ownStep?.scheme, 'https');
  } finally {
    for (const apache of started) await apache.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

// Held-out trial trongtayninh/dockerapachephp@30016fc (minimal, self-written reproduction): Apache in one compose
// service hands `.php` to `php73:9000`, whose image the tree builds FROM php:7.3-fpm with a `[www]` pool beside its
// Dockerfile; a README shows an example vhost.
const POOL = '[www]\nuser = www-data\nlisten = 127.0.0.1:9000\npm = dynamic\n';
const TRIAL_COMPOSE = [
  'services:',
  '  web:',
  '    image: httpd:2.4',
  '    ports: ["8443:443"]',
  '  php73:',
  '    build: ./php7.3',
  '  php82:',
  '    image: example/php:8.2',
  '',
].join('\n');
const TLS_FCGI = (upstream: string) =>
  VHOST('*:443', `  SSLEngine on\n  <FilesMatch \\.php$>\n    SetHandler "proxy:fcgi://${upstream}"\n  </FilesMatch>\n`);

test("php-fpm pools: a [www] pool beside the Dockerfile of a php:*-fpm image is that service's, on the image's :9000 (zz-docker.conf wins); a pool elsewhere is not", async () => {
  const r = await doctor({
    'docker-compose.yml': TRIAL_COMPOSE,
    'php7.3/Dockerfile': 'FROM php:7.3-fpm\nRUN docker-php-ext-install pdo_mysql\n',
    'php7.3/www.conf': POOL,
    'php8.2/www.conf': POOL,
    'apache/site.conf': TLS_FCGI('php73:9000'),
    'app/Http/Middleware/TrustProxies.php': laravelMiddleware(''),
    'composer.json': COMPOSER,
  });
  const found = r.inventory.found.join('\n');
  assert.match(found, /php-fpm 0\.0\.0\.0:9000 \(php7\.3\/www\.conf:3\) \[container php73\]/, found);
  // php8.2/www.conf is not in php73's build folder: it stays where its own listen says.
  assert.match(found, /php-fpm 127\.0\.0\.1:9000 \(php8\.2\/www\.conf:3\)$/m, found);
  const route = r.analysis.verdict.routes[0];
  assert.ok(route?.complete, JSON.stringify(route?.trace.unresolved));
  assert.equal(route.scheme.believed, 'https', 'HTTPS=on from the TLS vhost reaches PHP as a FastCGI param');
});

test("trap: the pool of a php-fpm started by its own command keeps its listen; an image only assumed to be the tree's Dockerfile is no php-fpm", async () => {
  const r = await doctor({
    'docker-compose.yml': 'services:\n  php:\n    image: debian:12\n    command: php-fpm8.2 -F\n',
    'fpm/www.conf': POOL,
  });
  assert.match(r.inventory.found.join('\n'), /php-fpm 127\.0\.0\.1:9000 \(fpm\/www\.conf:3\) \[container php\]/);
  const assumed = await doctor({
    'docker-compose.yml': 'services:\n  web:\n    image: ubuntu/apache2:2.4-22.04_beta\n',
    'php/Dockerfile': 'FROM php:8.2-fpm\n',
    'php/www.conf': POOL,
  });
  assert.doesNotMatch(assumed.inventory.found.join('\n'), /php-fpm .*\[container web\]/);
});

test("a README's <VirtualHost> example is prose: not read as the deployment's Apache", async () => {
  const r = await doctor({
    'README.md': `# Setup\n\n\`\`\`\n${TLS_FCGI('php73:9000')}\`\`\`\n`,
    'apache/site.conf': TLS_FCGI('127.0.0.1:9000'),
    'php-fpm.d/www.conf': POOL,
  });
  const found = r.inventory.found.join('\n');
  assert.doesNotMatch(found, /README/, found);
  assert.equal(r.all.findings.filter((f) => f.file === 'README.md').length, 0);
});

// Held-out trial xelber/docker-lamp@c985138 (minimal, self-written reproduction): php-fpm built FROM php:*-fpm with
// `ports: ["9000:9000"]`: FastCGI on every interface of the host was said to be "not published".
test('php-fpm of a service built FROM php:*-fpm keeps its compose ports: a published FastCGI port is deploy/backend-port-published', async () => {
  const r = await doctor({
    'docker-compose.yml':
      'services:\n  php:\n    build: ./php\n    ports:\n      - "9000:9000"\n  web:\n    image: httpd:2.4\n    ports: ["80:80"]\n',
    'php/Dockerfile': 'ARG PHP_VERSION=8.2\nFROM php:${PHP_VERSION}-fpm\n',
    'apache/site.conf': VHOST('*:80', '  <FilesMatch \\.php$>\n    SetHandler "proxy:fcgi://php:9000"\n  </FilesMatch>\n'),
  });
  const published = r.all.findings.find((f) => f.id === 'deploy/backend-port-published');
  assert.ok(published, r.all.findings.map((f) => f.id).join(', '));
  assert.equal(published.severity, 'medium');
  assert.match(published.message, /0\.0\.0\.0:9000/);
});
