// PHP's built-in web server (`php -S HOST:PORT`) as an app server (collectors/php/builtin-server.ts): plain HTTP, every
// request header handed to PHP unchanged (php-src sapi/cli/php_cli_server.c), the framework decides the scheme;
// started by compose, an image's CMD, a script, a unit or a Procfile, on exactly the address given.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { artisanMayMovePort, artisanServeAddress, builtinServerAddress } from '../../src/collectors/php/builtin-server.js';
import { laravelMiddleware } from '../checks/app/fixtures.js';
import { doctorFiles as doctor, lintFiles } from '../python/lint-files.js';
import { getBody, startOnFreePorts } from '../real-program.js';

test('builtinServerAddress: the -S address of a php command', () => {
  const table: Array<[string, ReturnType<typeof builtinServerAddress>]> = [
    ['php -S 0.0.0.0:8080 -t public', { host: '0.0.0.0', port: 8080, text: '0.0.0.0:8080' }],
    ['php -S localhost:8000', { host: 'localhost', port: 8000, text: 'localhost:8000' }],
    ['/usr/local/bin/php -S0.0.0.0:80 router.php', { host: '0.0.0.0', port: 80, text: '0.0.0.0:80' }],
    ['php8.2 -S [::]:8000', { host: '::', port: 8000, text: '[::]:8000' }],
    ['php -S 0.0.0.0:${PORT}', { host: '0.0.0.0', text: '0.0.0.0:${PORT}' }],
    // traps: not the built-in server
    ['php artisan queue:work', undefined],
    ['php-fpm -F', undefined],
    ['composer install -S', undefined],
  ];
  for (const [cmd, want] of table) assert.deepEqual(builtinServerAddress(cmd.split(' ')), want, cmd);
});

const env = (o: Record<string, string>) =>
  Object.fromEntries(Object.entries(o).map(([k, value]) => [k, { value, origin: 'env' as const, envVar: k }]));

test("artisanServeAddress: `php artisan serve` as Laravel's ServeCommand resolves host and port", () => {
  const table: Array<[string, Record<string, string>, ReturnType<typeof artisanServeAddress>]> = [
    ['php artisan serve', {}, { host: '127.0.0.1', port: 8000, text: '127.0.0.1:8000' }],
    ['php artisan serve --host=0.0.0.0 --port=8080', {}, { host: '0.0.0.0', port: 8080, text: '0.0.0.0:8080' }],
    ['php artisan serve --host 0.0.0.0', {}, { host: '0.0.0.0', port: 8000, text: '0.0.0.0:8000' }],
    // the port may ride on --host; --port still wins
    ['php artisan serve --host=0.0.0.0:9000', {}, { host: '0.0.0.0', port: 9000, text: '0.0.0.0:9000' }],
    ['php artisan serve --host=0.0.0.0:9000 --port=9001', {}, { host: '0.0.0.0', port: 9001, text: '0.0.0.0:9001' }],
    ['./artisan serve --host=[::]', {}, { host: '::', port: 8000, text: '[::]:8000' }],
    [
      'php artisan serve',
      { SERVER_HOST: '0.0.0.0', SERVER_PORT: '8081' },
      { host: '0.0.0.0', port: 8081, text: '0.0.0.0:8081', fromEnv: ['SERVER_HOST', 'SERVER_PORT'] },
    ],
    // the command line wins over the environment (the options' defaults come from it)
    ['php artisan serve --host=127.0.0.1', { SERVER_HOST: '0.0.0.0' }, { host: '127.0.0.1', port: 8000, text: '127.0.0.1:8000' }],
    ['php artisan serve --port=${APP_PORT}', {}, { host: '127.0.0.1', text: '127.0.0.1:${APP_PORT}' }],
    // traps: other artisan commands, a file named like it that is no artisan, Octane
    ['php artisan queue:work', {}, undefined],
    ['php artisan octane:start --host=0.0.0.0', {}, undefined],
    ['cat artisan serve', {}, undefined],
  ];
  for (const [cmd, e, want] of table) assert.deepEqual(artisanServeAddress(cmd.split(' '), env(e)), want, cmd);
});

const servers = async (files: Record<string, string>, name = 'php -S') =>
  (await lintFiles(files, [])).facts.appServers.filter((s) => s.name === name);

test("artisanMayMovePort: Laravel's canTryAnotherPort (no --port, no SERVER_PORT, --tries above 0)", () => {
  const table: Array<[string, Record<string, string>, boolean]> = [
    ['php artisan serve', {}, true],
    ['php artisan serve --host=0.0.0.0', {}, true],
    // trap: the port inside --host looks pinned, but it is no --port option: it can still move
    ['php artisan serve --host=0.0.0.0:8080', {}, true],
    ['php artisan serve --tries=3', {}, true],
    ['php artisan serve --port=8000', {}, false],
    ['php artisan serve --port 8000', {}, false],
    ['php artisan serve --host=0.0.0.0', { SERVER_PORT: '8080' }, false],
    ['php artisan serve --tries=0', {}, false],
    ['php artisan serve --host 0.0.0.0 --tries 0', {}, false],
    // trap: another artisan command with no --port starts no server that could move
    ['php artisan migrate --force', {}, false],
  ];
  for (const [cmd, e, want] of table)
    assert.equal(artisanMayMovePort(cmd.split(' '), env(e)), want, `${cmd} ${JSON.stringify(e)}`);
});

test('artisan serve launches: compose command with SERVER_PORT, an image CMD its compose service runs, an entrypoint script', async () => {
  const laravel = {
    'app/Http/Middleware/TrustProxies.php': laravelMiddleware(''),
    'composer.json': '{"require": {"laravel/framework": "^10.0"}}\n',
  };
  const compose = await servers(
    {
      ...laravel,
      'docker-compose.yml':
        'services:\n  app:\n    image: php:8.3-cli\n    command: php artisan serve --host=0.0.0.0\n    environment:\n      SERVER_PORT: "8080"\n    ports:\n      - "80:8080"\n',
    },
    'artisan serve',
  );
  assert.deepEqual(
    compose.map((s) => [s.service, s.launch.via, s.binds[0]?.host, s.binds[0]?.port, s.binds[0]?.published?.hostPort]),
    [['app', 'compose', '0.0.0.0', 8080, 80]],
  );
  assert.match(compose[0]?.notes?.join('\n') ?? '', /SERVER_PORT/);
  // SERVER_PORT is the --port option's default: the port cannot move
  assert.doesNotMatch(compose[0]?.notes?.join('\n') ?? '', /moves to the next port/);
  const image = await servers(
    {
      ...laravel,
      'docker-compose.yml': 'services:\n  app:\n    build: .\n',
      Dockerfile: 'FROM php:8.3-cli\nCOPY . /app\nWORKDIR /app\nCMD php artisan serve --host=0.0.0.0 --port=8000\n',
    },
    'artisan serve',
  );
  assert.deepEqual(
    image.map((s) => [s.service, s.launch.file, s.launch.line, s.binds[0]?.reach]),
    [['app', 'Dockerfile', 4, 'container-network']],
  );
  // `sh -c "migrate && serve"`: the serve command of the string (the first command is artisan too, not serve).
  const chained = await servers(
    {
      ...laravel,
      'docker-compose.yml':
        'services:\n  app:\n    image: php:8.3-cli\n    command: sh -c "php artisan migrate --force && php artisan serve --host=0.0.0.0 --port=9000"\n',
    },
    'artisan serve',
  );
  assert.deepEqual(
    chained.map((s) => [s.service, s.launch.via, s.binds[0]?.port, s.binds[0]?.reach]),
    [['app', 'compose', 9000, 'container-network']],
  );
  // An image's ENTRYPOINT script its compose service runs: the server is in that service's container, with its env.
  const entry = await servers(
    {
      ...laravel,
      'docker-compose.yml':
        'services:\n  app:\n    build: .\n    environment:\n      SERVER_PORT: "8088"\n    ports:\n      - "80:8088"\n',
      Dockerfile:
        'FROM php:8.3-cli\nCOPY . /app\nCOPY docker/entry.sh /usr/local/bin/entry.sh\nENTRYPOINT ["/usr/local/bin/entry.sh"]\n',
      'docker/entry.sh': '#!/bin/sh\nphp artisan migrate --force\nexec php artisan serve --host=0.0.0.0\n',
    },
    'artisan serve',
  );
  assert.deepEqual(
    entry.map((s) => [s.service, s.launch.file, s.launch.line, s.binds[0]?.port, s.binds[0]?.published?.hostPort]),
    [['app', 'docker/entry.sh', 3, 8088, 80]],
  );
  // An entrypoint that starts the server itself never runs the CMD after it: the script's line is the server; and a
  // bare `CMD start.sh` (copied onto the PATH) is that script. Trap: the CMD's own artisan serve words look like a launch.
  const ownStart = await servers(
    {
      ...laravel,
      'docker-compose.yml': 'services:\n  app:\n    build:\n      context: .\n      target: prod\n',
      Dockerfile:
        'FROM php:8.3-cli AS dev\nCMD ["php", "artisan", "serve"]\nFROM php:8.3-cli AS prod\nCOPY entry.sh /usr/local/bin/\nENTRYPOINT ["entry.sh"]\nCMD ["php", "artisan", "serve", "--port=3000"]\n',
      'entry.sh': '#!/bin/sh\nphp artisan migrate --force\nphp artisan serve --host=0.0.0.0 --port=8000\n',
    },
    'artisan serve',
  );
  assert.deepEqual(
    ownStart.map((s) => [s.service, s.launch.file, s.launch.line, s.binds[0]?.host, s.binds[0]?.port]),
    [['app', 'entry.sh', 3, '0.0.0.0', 8000]],
  );
  const script = await servers(
    {
      ...laravel,
      'docker/start.sh': '#!/bin/sh\nphp artisan migrate --force\nexec php artisan serve --host=0.0.0.0 --port=80\n',
    },
    'artisan serve',
  );
  assert.deepEqual(
    script.map((s) => [s.launch.via, s.launch.line, s.binds[0]?.port, s.binds[0]?.exposure]),
    [['shell', 3, 80, 'all-interfaces']],
  );
});

test('php -S launches: compose command (container, published port), Dockerfile CMD, systemd unit, Procfile; mentions are not launches', async () => {
  const compose = await servers({
    'docker-compose.yml':
      'services:\n  web:\n    image: php:8.3-cli\n    command: php -S 0.0.0.0:8080 -t public\n    ports:\n      - "8080:8080"\n',
  });
  assert.equal(compose.length, 1);
  assert.equal(compose[0]?.service, 'web');
  assert.equal(compose[0]?.launch.via, 'compose');
  assert.deepEqual(
    compose[0]?.binds.map((b) => [b.host, b.port, b.container, b.reach, b.published?.hostPort]),
    [['0.0.0.0', 8080, true, 'network', 8080]],
  );
  const docker = await servers({
    Dockerfile: 'FROM php:8.3-cli\nCOPY . /app\nCMD ["php", "-S", "0.0.0.0:8000", "-t", "/app/public"]\n',
  });
  assert.deepEqual(
    docker.map((s) => [s.launch.via, s.launch.line, s.binds[0]?.port, s.binds[0]?.reach]),
    [['dockerfile', 3, 8000, 'container-network']],
  );
  const built = await servers({
    'docker-compose.yml': 'services:\n  adminer:\n    build: ./adminer\n  db:\n    image: postgres:16\n',
    'adminer/Dockerfile': 'FROM php:8.3-cli\nCMD ["php", "-S", "0.0.0.0:8080", "-t", "/var/www/html"]\n',
  });
  assert.deepEqual(
    built.map((s) => [s.service, s.launch.via, s.launch.file, s.binds[0]?.reach]),
    [['adminer', 'compose', 'adminer/Dockerfile', 'container-network']],
  );
  const unit = await servers({
    'deploy/app.service': '[Service]\nExecStart=/usr/bin/php -S 127.0.0.1:8000 -t /srv/app/public\n',
  });
  assert.deepEqual(
    unit.map((s) => [s.launch.via, s.binds[0]?.host, s.binds[0]?.exposure, s.binds[0]?.reach]),
    [['systemd', '127.0.0.1', 'loopback', 'loopback']],
  );
  const proc = await servers({ Procfile: 'web: php -S 0.0.0.0:$PORT -t public\n' });
  assert.deepEqual(
    proc.map((s) => [s.launch.via, s.binds[0]?.exposure]),
    [['procfile', 'unknown']],
  );
  const mentions = await servers({
    Dockerfile:
      'FROM php:8.3-cli\n# CMD php -S 0.0.0.0:8000\nRUN php -S 0.0.0.0:8000 & sleep 1; curl localhost:8000\nCMD ["php", "artisan", "queue:work"]\n',
    'app/Http/Middleware/TrustProxies.php': laravelMiddleware(''),
    'composer.json': '{"require": {"laravel/framework": "^10.0"}}\n',
  });
  assert.deepEqual(mentions, []);
});

test('chain: nginx -> php -S in compose service app -> Laravel: the hop is linked and Laravel decides the scheme', async () => {
  const nginx =
    'server {\n  listen 443 ssl;\n  server_name shop.example.com;\n  ssl_certificate /etc/ssl/a.pem;\n  ssl_certificate_key /etc/ssl/a.key;\n  location / {\n    proxy_pass http://app:8080;\n    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-Proto $scheme;\n  }\n}\n';
  const compose =
    'services:\n  proxy:\n    image: nginx:1.27\n    ports: ["443:443"]\n  app:\n    image: php:8.3-cli\n    command: php -S 0.0.0.0:8080 -t public\n';
  const trusting = await doctor({
    'docker-compose.yml': compose,
    'nginx/site.conf': nginx,
    'app/Http/Middleware/TrustProxies.php': laravelMiddleware(" = '*'"),
    'composer.json': '{"require": {"laravel/framework": "^10.0"}}\n',
  });
  assert.match(trusting.inventory.found.join('\n'), /php -S 0\.0\.0\.0:8080 .*\[container app\] runs Laravel/);
  assert.deepEqual(
    trusting.inventory.missing.filter((m) => /app:8080/.test(m)),
    [],
  );
  assert.equal(trusting.analysis.verdict.routes[0]?.scheme.believed, 'https');
  const nobody = await doctor({
    'docker-compose.yml': compose,
    'nginx/site.conf': nginx,
    'app/Http/Middleware/TrustProxies.php': laravelMiddleware(''),
    'composer.json': '{"require": {"laravel/framework": "^10.0"}}\n',
  });
  assert.equal(nobody.analysis.verdict.routes[0]?.scheme.believed, 'http');
});

const ask = (port: number) => getBody({ port }, { Host: 'shop.example.com', 'X-Forwarded-Proto': 'https' });

test('real php -S (Debian PHP 8.2, what artisan serve runs): no HTTPS, the forwarded header reaches PHP unchanged', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'proxyproof-php-s-'));
  writeFileSync(
    join(dir, 'router.php'),
    "<?php echo 'pp ', $_SERVER['HTTPS'] ?? '-', ' ', $_SERVER['HTTP_X_FORWARDED_PROTO'] ?? '-', ' ', $_SERVER['REQUEST_SCHEME'] ?? '-';\n",
  );
  try {
    const php = await startOnFreePorts({
      name: 'php -S',
      ports: 1,
      command: ([port]) => ({ cmd: '/usr/bin/php', args: ['-S', `127.0.0.1:${port}`, 'router.php'], cwd: dir }),
      // Only this router answers "pp ...".
      ready: async ([port]) => /^pp /.test((await ask(port as number)) ?? ''),
    });
    try {
      assert.equal(await ask(php.ports[0] as number), 'pp - https -');
    } finally {
      await php.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
