import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trustAll as check } from '../../../src/checks/app/trust-all.js';
import { type Case, runCase } from '../../python/lint-files.js';
import { chiServer, echoServer, ginServer, laravelMiddleware, phoenixApp } from './fixtures.js';

const published = 'services:\n  api:\n    build: .\n    ports:\n      - "8080:8080"\n';
const internal = 'services:\n  api:\n    build: .\n    expose:\n      - "8080"\n';

/** A config/trustedproxy.php whose `'proxies'` entry starts on line 4. */
function trustedProxyConfig(proxies: string[]): string {
  return ['<?php', '', 'return [', ...proxies, '];', ''].join('\n');
}

const cases: Case[] = [
  {
    name: 'invalid: gin.New() without SetTrustedProxies, port published',
    files: { 'api/server.go': ginServer(['r.Run(":8080")']), 'docker-compose.yml': published },
    expect: {
      count: 1,
      severity: 'high',
      file: 'api/server.go',
      line: 6,
      fixLine: '\t_ = r.SetTrustedProxies([]string{"127.0.0.1", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"})',
    },
  },
  {
    name: 'medium: gin default, port not published',
    files: { 'api/server.go': ginServer(['r.Run(":8080")']), 'docker-compose.yml': internal },
    expect: { count: 1, severity: 'medium' },
  },
  {
    name: 'valid: SetTrustedProxies(nil)',
    files: { 'api/server.go': ginServer(['r.SetTrustedProxies(nil)']), 'docker-compose.yml': published },
    expect: { count: 0 },
  },
  {
    name: 'valid: SetTrustedProxies with the proxy network',
    files: { 'api/server.go': ginServer(['r.SetTrustedProxies([]string{"10.0.0.0/8"})']) },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): a gin import in a comment only',
    files: {
      'api/server.go': 'package api\n\n// uses "github.com/gin-gonic/gin" elsewhere\nfunc New() {}\n',
      'site.conf': 'server {\n    listen 80;\n    location / {\n        proxy_pass http://127.0.0.1:8080;\n    }\n}\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid: Echo v4 without e.IPExtractor (c.RealIP() takes X-Forwarded-For from anyone), port published',
    files: { 'api/main.go': echoServer([]), 'docker-compose.yml': published },
    expect: {
      count: 1,
      severity: 'high',
      file: 'api/main.go',
      line: 10,
      fixLine: '\te.IPExtractor = echo.ExtractIPFromXFFHeader()',
      fixAt: { line: 10, placement: 'after' },
    },
  },
  {
    name: 'low: Echo v4 without e.IPExtractor on a published port, but nothing reads c.RealIP() (no call, no middleware that does)',
    files: { 'api/main.go': echoWithout(['e.Use(middleware.Recover())']), 'docker-compose.yml': published },
    expect: { count: 1, severity: 'low', file: 'api/main.go', line: 11 },
  },
  {
    name: 'invalid: Echo v4 without e.IPExtractor whose only reader is middleware.Logger() (its default format logs c.RealIP())',
    files: { 'api/main.go': echoWithout(['e.Use(middleware.Logger())']), 'docker-compose.yml': published },
    expect: { count: 1, severity: 'high', file: 'api/main.go', line: 11 },
  },
  {
    name: 'invalid (trap): e.Logger.Fatal(...) is Echo’s own logger, not the request Logger middleware: still low',
    files: { 'api/main.go': echoWithout(['e.Logger.Info("starting")']), 'docker-compose.yml': published },
    expect: { count: 1, severity: 'low' },
  },
  {
    name: 'valid: Echo v4 with echo.ExtractIPFromXFFHeader() (loopback, link-local and private peers only)',
    files: { 'api/main.go': echoServer(['e.IPExtractor = echo.ExtractIPFromXFFHeader()']), 'docker-compose.yml': published },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): Echo v5 without IPExtractor (c.RealIP() is the TCP peer in v5)',
    files: { 'api/main.go': echoServer([], 'v5'), 'docker-compose.yml': published },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): Echo c.Scheme() believes X-Forwarded-Proto from anyone, but a client only fools its own answer',
    files: {
      'api/main.go': echoServer([
        'e.IPExtractor = echo.ExtractIPDirect()',
        'e.GET("/", func(c echo.Context) error { return c.String(200, c.Scheme()) })',
      ]),
      'docker-compose.yml': published,
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid: chi middleware.RealIP on a published port (advice: no mechanical fix)',
    files: { 'api/main.go': chiServer(['r.Use(middleware.RealIP)']), 'docker-compose.yml': published.replace(/8080/g, '3000') },
    expect: { count: 1, severity: 'high', file: 'api/main.go', line: 11, mechanical: false },
  },
  {
    name: 'medium: chi middleware.RealIP, port not published',
    files: { 'api/main.go': chiServer(['r.Use(middleware.RealIP)']), 'docker-compose.yml': internal.replace(/8080/g, '3000') },
    expect: { count: 1, severity: 'medium' },
  },
  {
    name: 'invalid: chi middleware.ClientIPFromXFF() on a published port: a direct client writes the right-most entry itself',
    files: {
      'api/main.go': chiServer(['r.Use(middleware.ClientIPFromXFF())']),
      'docker-compose.yml': published.replace(/8080/g, '3000'),
    },
    expect: { count: 1, severity: 'high', file: 'api/main.go', line: 11, mechanical: false },
  },
  {
    name: 'valid (trap): chi ClientIPFromXFF("10.0.0.0/8") on the compose network only: right behind the proxy that appends',
    files: {
      'api/main.go': chiServer(['r.Use(middleware.ClientIPFromXFF("10.0.0.0/8"))']),
      'docker-compose.yml': internal.replace(/8080/g, '3000'),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): chi ClientIPFromHeader("X-Real-IP") not published (medium for RealIP there, nothing for this one)',
    files: {
      'api/main.go': chiServer(['r.Use(middleware.ClientIPFromHeader("X-Real-IP"))']),
      'docker-compose.yml': internal.replace(/8080/g, '3000'),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): chi without RealIP (net/http: r.RemoteAddr is the peer)',
    files: { 'api/main.go': chiServer(['r.Use(middleware.Logger)']), 'docker-compose.yml': published.replace(/8080/g, '3000') },
    expect: { count: 0 },
  },
  {
    name: "invalid: Laravel $proxies = '*' with a published port",
    files: {
      'app/Http/Middleware/TrustProxies.php': laravelMiddleware(" = '*'"),
      'docker-compose.yml': 'services:\n  app:\n    build: .\n    ports:\n      - "80:80"\n',
    },
    expect: { count: 1, severity: 'high', line: 9 },
  },
  // A CIDR of prefix length 0 holds every address (Symfony IpUtils, Gin's net.ParseCIDR, proxy-addr): trust-all, not a
  // list that happens to hold 127.0.0.1 (audit 14 r18 gap 3: it was read as "loopback only").
  {
    name: "invalid: Laravel $proxies = '0.0.0.0/0' (every IPv4 address) with a published port",
    files: {
      'app/Http/Middleware/TrustProxies.php': laravelMiddleware(" = '0.0.0.0/0'"),
      'docker-compose.yml': 'services:\n  app:\n    build: .\n    ports:\n      - "80:80"\n',
    },
    expect: { count: 1, severity: 'high', line: 9, message: /any peer/ },
  },
  {
    name: 'invalid: Gin SetTrustedProxies([]string{"0.0.0.0/0", "::/0"}), port published',
    files: {
      'api/server.go': ginServer(['r.SetTrustedProxies([]string{"0.0.0.0/0", "::/0"})']),
      'docker-compose.yml': published,
    },
    expect: { count: 1, severity: 'high', file: 'api/server.go', line: 7 },
  },
  {
    name: "invalid: Symfony trusted_proxies: '::/0,0.0.0.0/0', port published",
    files: {
      'config/packages/framework.yaml': "framework:\n    secret: '%env(APP_SECRET)%'\n    trusted_proxies: '::/0,0.0.0.0/0'\n",
      'docker-compose.yml': 'services:\n  app:\n    build: .\n    ports:\n      - "8000:80"\n',
    },
    expect: { count: 1, severity: 'high', file: 'config/packages/framework.yaml', line: 3 },
  },
  {
    name: 'valid (trap): Gin SetTrustedProxies([]string{"0.0.0.0/8"}) is one /8, not every address',
    files: { 'api/server.go': ginServer(['r.SetTrustedProxies([]string{"0.0.0.0/8"})']), 'docker-compose.yml': published },
    expect: { count: 0 },
  },
  {
    name: "invalid: config/trustedproxy.php falls back to '*' when TRUSTED_PROXIES is unset (ternary over two lines)",
    files: {
      'app/Http/Middleware/TrustProxies.php': laravelMiddleware(''),
      'config/trustedproxy.php': trustedProxyConfig([
        "    'proxies' => env('TRUSTED_PROXIES') !== null ?",
        "        explode(',', env('TRUSTED_PROXIES')) : '*',",
      ]),
      'docker-compose.yml': 'services:\n  app:\n    build: .\n    ports:\n      - "8000:80"\n',
    },
    expect: {
      count: 1,
      severity: 'high',
      file: 'config/trustedproxy.php',
      line: 4,
      message: /any peer/,
    },
  },
  {
    name: "invalid: env('TRUSTED_PROXIES', '*') (the default is trust-all)",
    files: {
      'app/Http/Middleware/TrustProxies.php': laravelMiddleware(''),
      'config/trustedproxy.php': trustedProxyConfig(["    'proxies' => env('TRUSTED_PROXIES', '*'),"]),
      'docker-compose.yml': 'services:\n  app:\n    build: .\n    ports:\n      - "8000:80"\n',
    },
    expect: { count: 1, severity: 'high', file: 'config/trustedproxy.php', line: 4 },
  },
  {
    name: 'valid (trap): the ternary trusts nobody when TRUSTED_PROXIES is unset',
    files: {
      'app/Http/Middleware/TrustProxies.php': laravelMiddleware(''),
      'config/trustedproxy.php': trustedProxyConfig([
        "    'proxies' => env('TRUSTED_PROXIES') === null ? null : explode(',', env('TRUSTED_PROXIES')),",
      ]),
      'docker-compose.yml': 'services:\n  app:\n    build: .\n    ports:\n      - "8000:80"\n',
    },
    expect: { count: 0 },
  },
  {
    name: "valid (trap): $proxies in the middleware wins over the config's '*' fallback",
    files: {
      'app/Http/Middleware/TrustProxies.php': laravelMiddleware(" = ['10.0.0.0/8']"),
      'config/trustedproxy.php': trustedProxyConfig(["    'proxies' => env('TRUSTED_PROXIES', '*'),"]),
      'docker-compose.yml': 'services:\n  app:\n    build: .\n    ports:\n      - "8000:80"\n',
    },
    expect: { count: 0 },
  },
  // TRUSTED_PROXIES as the deployment sets it (audit 14 r18 gap 2): compose environment / env_file / Dockerfile ENV
  // win over the app's .env (phpdotenv and Symfony's Dotenv never overwrite a variable the process has).
  {
    name: "invalid: config/trustedproxy.php env('TRUSTED_PROXIES') with .env TRUSTED_PROXIES=* (a string '*': the calling peer)",
    files: {
      'app/Http/Middleware/TrustProxies.php': laravelMiddleware(''),
      'config/trustedproxy.php': trustedProxyConfig(["    'proxies' => env('TRUSTED_PROXIES'),"]),
      '.env': 'APP_ENV=production\nTRUSTED_PROXIES=*\n',
      'docker-compose.yml': 'services:\n  app:\n    build: .\n    ports:\n      - "8000:80"\n',
    },
    expect: { count: 1, severity: 'high', file: '.env', line: 2 },
  },
  {
    name: "invalid: $proxies = env('TRUSTED_PROXIES') set to '*' in compose environment:",
    files: {
      'app/Http/Middleware/TrustProxies.php': laravelMiddleware(" = env('TRUSTED_PROXIES')"),
      'docker-compose.yml':
        'services:\n  app:\n    build: .\n    ports:\n      - "8000:80"\n    environment:\n      TRUSTED_PROXIES: "*"\n',
    },
    expect: { count: 1, severity: 'high', file: 'docker-compose.yml', line: 7 },
  },
  {
    name: 'invalid: TRUSTED_PROXIES=REMOTE_ADDR from a Dockerfile ENV (REMOTE_ADDR: the calling peer)',
    files: {
      'app/Http/Middleware/TrustProxies.php': laravelMiddleware(" = env('TRUSTED_PROXIES')"),
      Dockerfile: 'FROM php:8.2-apache\nENV TRUSTED_PROXIES=127.0.0.1,REMOTE_ADDR\nCOPY . /var/www/html\n',
      'docker-compose.yml': 'services:\n  app:\n    build: .\n    ports:\n      - "8000:80"\n',
    },
    expect: { count: 1, severity: 'high', line: 2 },
  },
  {
    name: 'valid (trap): compose environment: 172.16.0.0/12 wins over .env TRUSTED_PROXIES=*',
    files: {
      'app/Http/Middleware/TrustProxies.php': laravelMiddleware(" = env('TRUSTED_PROXIES')"),
      '.env': 'TRUSTED_PROXIES=*\n',
      'docker-compose.yml':
        'services:\n  app:\n    build: .\n    ports:\n      - "8000:80"\n    environment:\n      - TRUSTED_PROXIES=172.16.0.0/12\n',
    },
    expect: { count: 0 },
  },
  {
    // Debian php-symfony-http-foundation 5.4: setTrustedProxies(['*'], ...) then isSecure() with X-Forwarded-Proto
    // https from 172.18.0.5 -> false ('*' is no address; only the string '*' is special, in Laravel's middleware).
    name: "valid (trap): explode(',', env('TRUSTED_PROXIES')) with TRUSTED_PROXIES=* hands Symfony ['*'], which trusts nobody",
    files: {
      'app/Http/Middleware/TrustProxies.php': laravelMiddleware(''),
      'config/trustedproxy.php': trustedProxyConfig(["    'proxies' => explode(',', env('TRUSTED_PROXIES', '10.0.0.0/8')),"]),
      '.env': 'TRUSTED_PROXIES=*\n',
      'docker-compose.yml': 'services:\n  app:\n    build: .\n    ports:\n      - "8000:80"\n',
    },
    expect: { count: 0 },
  },
  {
    name: "invalid: Symfony trusted_proxies: '%env(TRUSTED_PROXIES)%' with .env TRUSTED_PROXIES=0.0.0.0/0",
    files: {
      'config/packages/framework.yaml':
        "framework:\n    secret: '%env(APP_SECRET)%'\n    trusted_proxies: '%env(TRUSTED_PROXIES)%'\n",
      '.env': 'APP_ENV=prod\nTRUSTED_PROXIES=0.0.0.0/0\n',
      'docker-compose.yml': 'services:\n  app:\n    build: .\n    ports:\n      - "8000:80"\n',
    },
    expect: { count: 1, severity: 'high', file: '.env', line: 2 },
  },
  {
    name: "invalid: Symfony '%env(TRUSTED_PROXIES)%', .env.prod.local REMOTE_ADDR over .env's private_ranges",
    files: {
      'config/packages/framework.yaml':
        "framework:\n    secret: '%env(APP_SECRET)%'\n    trusted_proxies: '%env(TRUSTED_PROXIES)%'\n",
      '.env': 'TRUSTED_PROXIES=private_ranges\n',
      '.env.prod.local': 'TRUSTED_PROXIES=127.0.0.1,REMOTE_ADDR\n',
      'docker-compose.yml': 'services:\n  app:\n    build: .\n    ports:\n      - "8000:80"\n',
    },
    expect: { count: 1, severity: 'high', file: '.env.prod.local', line: 1 },
  },
  {
    name: "valid (trap): Symfony '%env(TRUSTED_PROXIES)%' with .env private_ranges (the private subnets, not every peer)",
    files: {
      'config/packages/framework.yaml':
        "framework:\n    secret: '%env(APP_SECRET)%'\n    trusted_proxies: '%env(TRUSTED_PROXIES)%'\n",
      '.env': 'TRUSTED_PROXIES=private_ranges\n',
      'docker-compose.yml': 'services:\n  app:\n    build: .\n    ports:\n      - "8000:80"\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid: Phoenix rewrite_on :x_forwarded_for on a port open on every interface',
    files: phoenixApp(['force_ssl: [rewrite_on: [:x_forwarded_proto, :x_forwarded_for]]']),
    expect: { count: 1, severity: 'high', file: 'config/prod.exs', line: 4, message: /X-Forwarded-For/ },
  },
  {
    name: 'invalid: Phoenix plug Plug.RewriteOn with :x_forwarded_for',
    files: phoenixApp([], ['plug Plug.RewriteOn, [:x_forwarded_for, :x_forwarded_proto]']),
    expect: { count: 1, file: 'lib/shop_web/endpoint.ex', line: 4 },
  },
  {
    name: "valid (trap): Phoenix rewrite_on only :x_forwarded_proto (claiming https changes only the spoofer's own answer)",
    files: phoenixApp(['force_ssl: [rewrite_on: [:x_forwarded_proto]]']),
    expect: { count: 0 },
  },
  {
    name: 'invalid: Jetty http-forwarded (no trusted-proxy list) on a port open on every interface',
    files: { 'jetty-base/start.ini': '--module=http\n--module=http-forwarded\n' },
    expect: { count: 1, severity: 'high', file: 'jetty-base/start.ini', line: 2 },
  },
  {
    // Only this host's processes (the proxy among them) connect to a loopback listener on the host.
    name: 'low (trap): the same Jetty bound to 127.0.0.1 on the host',
    files: { 'jetty-base/start.ini': '--module=http\n--module=http-forwarded\njetty.http.host=127.0.0.1\n' },
    expect: { count: 1, severity: 'low', file: 'jetty-base/start.ini', line: 2 },
  },
  {
    name: 'low: Odoo proxy_mode in a compose container whose port is not published (proxy_mode has no list to narrow)',
    files: {
      'docker-compose.yml':
        'services:\n  odoo:\n    image: odoo:17.0\n    volumes:\n      - ./etc:/etc/odoo\n    expose:\n      - "8069"\n',
      'etc/odoo.conf': '[options]\naddons_path = /mnt/extra-addons\nproxy_mode = True\n',
    },
    expect: { count: 1, severity: 'low', file: 'etc/odoo.conf', line: 3 },
  },
  {
    name: 'invalid: Odoo proxy_mode with 8069 published',
    files: {
      'docker-compose.yml':
        'services:\n  odoo:\n    image: odoo:17.0\n    volumes:\n      - ./etc:/etc/odoo\n    ports:\n      - "8069:8069"\n',
      'etc/odoo.conf': '[options]\naddons_path = /mnt/extra-addons\nproxy_mode = True\n',
    },
    expect: { count: 1, severity: 'high', file: 'etc/odoo.conf', line: 3 },
  },
];

for (const c of cases) test(`app/trust-all: ${c.name}`, () => runCase(check, c).then(() => undefined));

test('app/trust-all: next start (no trust setting to narrow) gets advice that names what does work, not "replace \'*\'"', async () => {
  const [f] = await runCase(check, {
    name: 'medium: next start on loopback',
    files: {
      'web/package.json': '{\n  "name": "web",\n  "dependencies": { "next": "15.5.29" }\n}\n',
      'web/web.service':
        '[Service]\nWorkingDirectory=/srv/web\nExecStart=/usr/bin/node node_modules/.bin/next start -H 127.0.0.1 -p 3000\n',
    },
    expect: { count: 1, severity: 'medium', mechanical: false },
  });
  assert.match(f?.fix?.description ?? '', /next start has no setting/);
  assert.doesNotMatch(f?.fix?.description ?? '', /Replace '\*'/);
});

const SVELTE_CONFIG = "import adapter from '@sveltejs/adapter-node';\nexport default { kit: { adapter: adapter() } };\n";
const SVELTE_DOCKERFILE =
  'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nENV HOST=0.0.0.0 PORT=3001 PROTOCOL_HEADER=x-forwarded-proto HOST_HEADER=x-forwarded-host\nCMD ["node", "build"]\n';

test('app/trust-all: SvelteKit adapter-node PROTOCOL_HEADER/HOST_HEADER (no peer list) gets adapter-node advice, the forged host named', async () => {
  const [f] = await runCase(check, {
    name: 'medium: adapter-node headers from any peer, image port not published',
    files: { 'svelte.config.js': SVELTE_CONFIG, 'package.json': '{ "name": "site" }\n', Dockerfile: SVELTE_DOCKERFILE },
    expect: { count: 1, severity: 'medium', file: 'Dockerfile', line: 5, mechanical: false },
  });
  assert.match(f?.message ?? '', /x-forwarded-host from any peer a client also picks the host/);
  assert.match(f?.fix?.description ?? '', /adapter-node has no list of peers/);
  assert.doesNotMatch(f?.fix?.description ?? '', /Replace '\*'/);
});

test('app/trust-all: trap: SvelteKit adapter-node without PROTOCOL_HEADER/ADDRESS_HEADER reads no forwarded header', async () => {
  await runCase(check, {
    name: 'valid: plain node build',
    files: {
      'svelte.config.js': SVELTE_CONFIG,
      'package.json': '{ "name": "site" }\n',
      Dockerfile: SVELTE_DOCKERFILE.replace(' PROTOCOL_HEADER=x-forwarded-proto HOST_HEADER=x-forwarded-host', ''),
    },
    expect: { count: 0 },
  });
});

/** An Echo v4 server with no handler calling c.RealIP() (`e := echo.New()` on line 11), the given lines before Start. */
function echoWithout(extra: string[]): string {
  return [
    'package main',
    '',
    'import (',
    '\t"net/http"',
    '',
    '\t"github.com/labstack/echo/v4"',
    '\t"github.com/labstack/echo/v4/middleware"',
    ')',
    '',
    'func main() {',
    '\te := echo.New()',
    ...extra.map((l) => `\t${l}`),
    '\te.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })',
    '\te.Logger.Fatal(e.Start(":8080"))',
    '}',
    '',
  ].join('\n');
}

// ASP.NET Core: ASPNETCORE_FORWARDEDHEADERS_ENABLED=true (ForwardedHeadersOptionsSetup) clears KnownNetworks and
// KnownProxies: the variable being set is the trust-all, not a default it would replace.
const ASPNET_PROGRAM =
  'var builder = WebApplication.CreateBuilder(args);\nvar app = builder.Build();\napp.MapGet("/", () => "ok");\napp.Run();\n';
const aspnetCompose = (env: string, ports: string) =>
  `services:\n  web:\n    build: ./app\n    environment:\n      ${env}\n      ASPNETCORE_URLS: "http://+:8080"\n${ports}`;
const ASPNET_CASES: Array<Case & { evidence?: RegExp }> = [
  {
    name: 'invalid: ASPNETCORE_FORWARDEDHEADERS_ENABLED=true, port published',
    files: {
      'app/Program.cs': ASPNET_PROGRAM,
      'docker-compose.yml': aspnetCompose('ASPNETCORE_FORWARDEDHEADERS_ENABLED: "true"', '    ports:\n      - "8080:8080"\n'),
    },
    expect: { count: 1, severity: 'high', file: 'docker-compose.yml', line: 5, mechanical: false },
    evidence: /trusts every peer: ASPNETCORE_FORWARDEDHEADERS_ENABLED=true clears KnownNetworks and KnownProxies/,
  },
  {
    name: 'medium: ASPNETCORE_FORWARDEDHEADERS_ENABLED=true, port not published',
    files: {
      'app/Program.cs': ASPNET_PROGRAM,
      'docker-compose.yml': aspnetCompose('ASPNETCORE_FORWARDEDHEADERS_ENABLED: "true"', '    expose:\n      - "8080"\n'),
    },
    expect: { count: 1, severity: 'medium', mechanical: false },
  },
  {
    name: 'valid (trap): ASPNETCORE_FORWARDEDHEADERS_ENABLED="false" reads no forwarded header',
    files: {
      'app/Program.cs': ASPNET_PROGRAM,
      'docker-compose.yml': aspnetCompose('ASPNETCORE_FORWARDEDHEADERS_ENABLED: "false"', '    ports:\n      - "8080:8080"\n'),
    },
    expect: { count: 0 },
  },
];
for (const c of ASPNET_CASES)
  test(`app/trust-all: ${c.name}: said as set, fixed with KnownProxies/KnownNetworks`, async () => {
    const [f] = await runCase(check, c);
    if (!f) return;
    if (c.evidence) assert.match(f.evidence[0]?.note ?? '', c.evidence);
    assert.doesNotMatch(f.evidence.map((e) => e.note).join('\n'), /is unset/);
    assert.match(f.fix?.description ?? '', /Configure<ForwardedHeadersOptions>.*KnownProxies\.Add/);
    assert.doesNotMatch(f.fix?.description ?? '', /Replace '\*'|Set ASPNETCORE_FORWARDEDHEADERS_ENABLED to/);
  });
