// Laravel Octane as the app server in front of Laravel: `artisan octane:start` (or `octane:swoole`/`:roadrunner`/
// `:frankenphp`) wherever the tree starts it, bound where --host/--port or OCTANE_HOST/OCTANE_PORT say (default
// 127.0.0.1:8000; laravel/octane StartCommand), in the container that runs it. Every Octane server hands the headers
// on and sets no scheme from them, so Laravel's TrustProxies decides, as behind php-fpm.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { octaneLaunch } from '../../src/collectors/php/octane.js';
import { LARAVEL11_BOOTSTRAP } from '../checks/app/fixtures.js';
import { doctorFiles as doctor } from '../python/lint-files.js';
import { compose, NGINX } from './image-fixtures.js';

const env = (o: Record<string, string>) =>
  Object.fromEntries(Object.entries(o).map(([k, value]) => [k, { value, origin: 'env' as const }]));

test('octaneLaunch: server, address and --https by the options, the environment and the defaults', () => {
  const table: Array<[string, Record<string, string>, ReturnType<typeof octaneLaunch>]> = [
    ['php artisan octane:start', {}, { server: 'roadrunner', host: '127.0.0.1', port: 8000, https: false, fromEnv: [] }],
    [
      'php artisan octane:start --server=swoole --host=0.0.0.0 --port=9000',
      {},
      { server: 'swoole', host: '0.0.0.0', port: 9000, https: false, fromEnv: [] },
    ],
    [
      'php artisan octane:start',
      { OCTANE_SERVER: 'frankenphp', OCTANE_HOST: '0.0.0.0', OCTANE_PORT: '8080' },
      {
        server: 'frankenphp',
        host: '0.0.0.0',
        port: 8080,
        https: false,
        fromEnv: ['OCTANE_SERVER', 'OCTANE_HOST', 'OCTANE_PORT'],
      },
    ],
    // The option wins over the environment.
    [
      './artisan octane:start --port 8001',
      { OCTANE_PORT: '9999' },
      { server: 'roadrunner', host: '127.0.0.1', port: 8001, https: false, fromEnv: [] },
    ],
    [
      'php artisan octane:frankenphp --host=0.0.0.0 --port=443 --https',
      {},
      { server: 'frankenphp', host: '0.0.0.0', port: 443, https: true, fromEnv: [] },
    ],
    // Trap: octane:frankenphp run directly has --host=127.0.0.1 in its signature: OCTANE_HOST does not move it.
    [
      'php artisan octane:frankenphp',
      { OCTANE_HOST: '0.0.0.0' },
      { server: 'frankenphp', host: '127.0.0.1', port: 8000, https: false, fromEnv: [] },
    ],
    // Trap: --https is FrankenPHP's only.
    ['php artisan octane:swoole --https', {}, { server: 'swoole', host: '127.0.0.1', port: 8000, https: false, fromEnv: [] }],
    // Traps: other artisan commands, Octane's other commands.
    ['php artisan serve --host=0.0.0.0', {}, undefined],
    ['php artisan octane:reload', {}, undefined],
    ['php artisan queue:work', {}, undefined],
  ];
  for (const [line, e, want] of table) assert.deepEqual(octaneLaunch(line.split(' '), env(e)), want, line);
});

// Laravel trusting the Docker network the proxy connects from.
const TRUSTING_BOOTSTRAP = LARAVEL11_BOOTSTRAP.replace(
  /->withMiddleware\(function \(Middleware \$middleware\)(: void)? \{/,
  "$&\n        $middleware->trustProxies(at: ['172.16.0.0/12']);",
);
const LARAVEL = { 'composer.json': '{"require": {"laravel/framework": "^11.0", "laravel/octane": "^2.0"}}\n' };

test('table: nginx -> Octane in compose service app -> Laravel, by where Octane is started and what Laravel trusts', async () => {
  const rows: Array<{ name: string; files: Record<string, string>; server: RegExp; believed: string }> = [
    {
      name: 'compose exec-form command, Swoole, Laravel trusting nobody',
      files: {
        'docker-compose.yml': compose([
          'image: php:8.3-cli',
          'command: ["php", "artisan", "octane:start", "--server=swoole", "--host=0.0.0.0", "--port=8000"]',
        ]),
        'bootstrap/app.php': LARAVEL11_BOOTSTRAP,
      },
      server: /octane swoole 0\.0\.0\.0:8000 .*\[container app\] runs Laravel/,
      believed: 'http',
    },
    {
      name: 'Dockerfile CMD, RoadRunner by OCTANE_SERVER, port by OCTANE_PORT, Laravel trusting the Docker network',
      files: {
        'docker-compose.yml': compose(['build: .', 'environment:', '  OCTANE_SERVER: roadrunner', '  OCTANE_PORT: "8000"']),
        Dockerfile: 'FROM php:8.3-cli\nCOPY . /app\nCMD ["php", "artisan", "octane:start", "--host=0.0.0.0"]\n',
        'bootstrap/app.php': TRUSTING_BOOTSTRAP,
      },
      server: /octane roadrunner 0\.0\.0\.0:8000 .*\[container app\] runs Laravel/,
      believed: 'https',
    },
  ];
  for (const row of rows) {
    const r = await doctor({ ...row.files, 'nginx/site.conf': NGINX('app:8000'), ...LARAVEL });
    const found = r.inventory.found.join('\n');
    assert.match(found, row.server, `${row.name}:\n${found}`);
    assert.doesNotMatch(r.inventory.missing.join('\n'), /no app server command/, row.name);
    const route = r.analysis.verdict.routes[0];
    assert.equal(route?.scheme.believed, row.believed, `${row.name}: ${JSON.stringify(route?.scheme)}`);
  }
});

test('trap: a queue worker of the same image is no Octane server', async () => {
  const r = await doctor({
    'docker-compose.yml': compose(['image: php:8.3-cli', 'command: ["php", "artisan", "queue:work"]']),
    'nginx/site.conf': NGINX('app:8000'),
    'bootstrap/app.php': LARAVEL11_BOOTSTRAP,
    ...LARAVEL,
  });
  assert.doesNotMatch(r.inventory.found.join('\n'), /octane/);
});
