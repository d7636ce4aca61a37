import assert from 'node:assert/strict';
import { test } from 'node:test';
import { originCheckFails as check } from '../../../src/checks/app/origin-check-fails.js';
import { compose, nginxTls, settings, WSGI } from '../../python/fixtures.js';
import { type Case, lintFiles, runCase } from '../../python/lint-files.js';
import { LARAVEL11_BOOTSTRAP, nginxPhoenix, nginxPuma, PUMA_SOCKET, phoenixApp, RAILS_APP, railsProduction } from './fixtures.js';

const base = {
  'config/puma.rb': PUMA_SOCKET,
  'config/environments/production.rb': railsProduction(['config.log_level = :info']),
};

const cases: Case[] = [
  {
    name: 'invalid: load_defaults 7.0 turns the origin check on; nginx sends no scheme',
    files: { ...base, 'config/application.rb': RAILS_APP, 'site.conf': nginxPuma(['proxy_set_header Host $host;']) },
    expect: { count: 1, severity: 'medium', file: 'config/application.rb', line: 6, message: /InvalidAuthenticityToken/ },
  },
  {
    name: 'invalid: explicit forgery_protection_origin_check = true',
    files: {
      ...base,
      'config/application.rb': RAILS_APP.replace(
        'config.load_defaults 7.0',
        'config.action_controller.forgery_protection_origin_check = true',
      ),
      'site.conf': nginxPuma(['proxy_set_header Host $host;']),
    },
    expect: { count: 1, line: 6 },
  },
  {
    name: 'valid (trap): load_defaults 4.2 has no origin check',
    files: {
      ...base,
      'config/application.rb': RAILS_APP.replace('7.0', '4.2'),
      'site.conf': nginxPuma(['proxy_set_header Host $host;']),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: the proxy forwards the scheme',
    files: { ...base, 'config/application.rb': RAILS_APP, 'site.conf': nginxPuma(['proxy_set_header X-Forwarded-Proto https;']) },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): origin check turned off explicitly',
    files: {
      ...base,
      'config/application.rb': RAILS_APP.replace(
        'config.load_defaults 7.0',
        'config.load_defaults 7.0\n    config.action_controller.forgery_protection_origin_check = false',
      ),
      'site.conf': nginxPuma(['proxy_set_header Host $host;']),
    },
    expect: { count: 0 },
  },
];

// Django 4.0+ (CsrfViewMiddleware `_origin_verified`; checked by hand on Django 5.2.17: a POST with a valid token and
// Origin https://app.test answers 403 when request.is_secure() is False and 200 with CSRF_TRUSTED_ORIGINS
// ['https://app.test']; Django 3.2.25 answers 200, it checks no Origin).
const MIDDLEWARE = [
  'MIDDLEWARE = [',
  "    'django.contrib.sessions.middleware.SessionMiddleware',",
  "    'django.middleware.csrf.CsrfViewMiddleware',",
  ']',
];
const django = (extra: string[] = [], pin = 'Django==4.2.7', proxyHeaders?: string[]) => ({
  'mysite/settings.py': settings([...MIDDLEWARE, ...extra]),
  'mysite/wsgi.py': WSGI,
  'requirements.txt': `${pin}\ngunicorn==21.2.0\n`,
  'docker-compose.yml': compose(['command: gunicorn mysite.wsgi:application -b 0.0.0.0:8000', 'expose: ["8000"]']),
  'nginx/site.conf': nginxTls('http://web:8000', proxyHeaders),
});

const djangoCases: Case[] = [
  {
    name: 'invalid: Django 4.2, nginx in another container, gunicorn ignores its X-Forwarded-Proto: POSTs get 403',
    files: django(),
    expect: { count: 1, severity: 'medium', file: 'mysite/settings.py', line: 9, message: /Origin https:\/\/example\.com.*403/ },
  },
  {
    name: 'invalid: nginx sends no X-Forwarded-Proto at all; CSRF_TRUSTED_ORIGINS lists another host',
    files: django(["CSRF_TRUSTED_ORIGINS = ['https://other.example.org']"], 'Django>=4.0', ['proxy_set_header Host $host;']),
    expect: { count: 1, message: /does not list it/ },
  },
  {
    name: 'valid: SECURE_PROXY_SSL_HEADER makes the request https',
    files: django(["SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')"]),
    expect: { count: 0 },
  },
  {
    name: 'valid: CSRF_TRUSTED_ORIGINS lists the https origin (the scheme is still lost, the POST passes)',
    files: django(["CSRF_TRUSTED_ORIGINS = ['https://example.com']"]),
    expect: { count: 0 },
  },
  {
    name: 'valid: a wildcard entry covers the host',
    files: django(["CSRF_TRUSTED_ORIGINS = ['https://*.example.com']"]),
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): Django 3.2 checks no Origin',
    files: django([], 'Django==3.2.19'),
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): no version pinned (Debian 12 Django 3.2 assumed)',
    files: django([], 'gunicorn'),
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): no CsrfViewMiddleware in MIDDLEWARE',
    files: {
      ...django(),
      'mysite/settings.py': settings(['MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]']),
    },
    expect: { count: 0 },
  },
];

for (const c of djangoCases) test(`app/origin-check-fails (Django): ${c.name}`, () => runCase(check, c).then(() => undefined));

for (const c of cases) test(`app/origin-check-fails: ${c.name}`, () => runCase(check, c).then(() => undefined));

// Symfony 7.2+ stateless CSRF tokens (SameOriginCsrfTokenManager::isValidOrigin: the Origin, else the Referer, must
// start with getSchemeAndHttpHost()). The tree: HAProxy ends TLS -> nginx :8080 -> php-fpm -> Symfony, which trusts no
// proxy unless framework.trusted_proxies says so (the chain's scheme at the app end).
const SF_FRAMEWORK = (extra: string[] = []) =>
  ['framework:', "    secret: '%env(APP_SECRET)%'", '    session: true', ...extra, ''].join('\n');
const SF_CSRF = [
  '# Enable stateless CSRF protection for forms and logins/logouts',
  'framework:',
  '    form:',
  '        csrf_protection:',
  '            token_id: submit',
  '',
  '    csrf_protection:',
  '        stateless_token_ids:',
  '            - submit',
  '            - authenticate',
  '            - logout',
  '',
].join('\n');
const PHP_BEHIND_HAPROXY = {
  'nginx/site.conf':
    'server {\n    listen 127.0.0.1:8080;\n    root /srv/app/public;\n    location ~ \\.php$ {\n        include fastcgi_params;\n        fastcgi_pass 127.0.0.1:9000;\n    }\n}\n',
  'haproxy.cfg':
    'defaults\n    mode http\n\nfrontend https_in\n    bind :443 ssl crt /etc/haproxy/site.pem\n    http-request set-header X-Forwarded-Proto https\n    default_backend web\n\nbackend web\n    server nginx 127.0.0.1:8080\n',
  'php-fpm.d/www.conf': '[www]\nuser = www-data\nlisten = 127.0.0.1:9000\npm = dynamic\npm.max_children = 5\n',
};

const symfonyCases: Case[] = [
  {
    name: 'invalid: stateless CSRF tokens (csrf.yaml, Symfony 7.2+), no trusted_proxies: the https Origin never matches http://host',
    files: { ...PHP_BEHIND_HAPROXY, 'config/packages/framework.yaml': SF_FRAMEWORK(), 'config/packages/csrf.yaml': SF_CSRF },
    expect: {
      count: 1,
      severity: 'medium',
      file: 'config/packages/csrf.yaml',
      line: 8,
      message: /Symfony compares the Origin .*getSchemeAndHttpHost.*reaches it as http.*Invalid CSRF token/,
    },
  },
  {
    name: 'invalid: stateless_token_ids in framework.yaml itself',
    files: {
      ...PHP_BEHIND_HAPROXY,
      'config/packages/framework.yaml': SF_FRAMEWORK(['    csrf_protection:', '        stateless_token_ids: [submit]']),
    },
    expect: { count: 1, file: 'config/packages/framework.yaml', line: 5 },
  },
  {
    name: 'valid: trusted_proxies covers nginx on loopback: Symfony believes https',
    files: {
      ...PHP_BEHIND_HAPROXY,
      'config/packages/framework.yaml': SF_FRAMEWORK(["    trusted_proxies: '127.0.0.1'"]),
      'config/packages/csrf.yaml': SF_CSRF,
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): session-stored CSRF tokens (no stateless_token_ids, the default before 7.2) compare no Origin',
    files: { ...PHP_BEHIND_HAPROXY, 'config/packages/framework.yaml': SF_FRAMEWORK(['    csrf_protection: true']) },
    expect: { count: 0 },
  },
];

for (const c of symfonyCases) test(`app/origin-check-fails (Symfony): ${c.name}`, () => runCase(check, c).then(() => undefined));

/**
 * Traps: frameworks whose CSRF protection is a token, not an Origin comparison, on a chain that loses the scheme
 * (another check says so): a lost scheme breaks no POST there, so this check stays silent.
 * - Laravel up to 12: VerifyCsrfToken::tokensMatch (laravel/framework 11.x src/Illuminate/Foundation/Http/Middleware/
 *   VerifyCsrfToken.php; Debian's 8.83 the same) compares the session token with _token / X-CSRF-TOKEN / X-XSRF-TOKEN,
 *   nothing else. (13.x's PreventRequestForgery checks the browser's Sec-Fetch-Site first, laravel/framework#58400:
 *   not read here.)
 * - Spring Security: CsrfFilter (spring-security 6.3 web/src/main/java/org/springframework/security/web/csrf/CsrfFilter.java)
 *   compares the CsrfToken with the request's parameter or header.
 * - ASP.NET Core antiforgery: DefaultAntiforgery.ValidateRequestAsync compares the cookie token with the form/header
 *   token (dotnet/aspnetcore v8.0.0 src/Antiforgery/src/Internal/DefaultAntiforgery.cs).
 * - Express csurf / csrf-csrf: a secret in the session or cookie against the submitted token (expressjs/csurf 1.11.0
 *   index.js, Psifi-Solutions/csrf-csrf v3 src/index.ts): no Origin.
 */
const NGINX_TLS_8080 =
  'server {\n    listen 443 ssl;\n    server_name app.example.org;\n    location / {\n        proxy_pass http://127.0.0.1:8080;\n    }\n}\n';
const tokenTraps: Array<{ name: string; files: Record<string, string>; lostBy: string }> = [
  {
    name: 'Laravel 11 (VerifyCsrfToken) without trustProxies behind HAProxy -> nginx: the scheme is lost, POSTs still pass',
    files: {
      ...PHP_BEHIND_HAPROXY,
      'bootstrap/app.php': LARAVEL11_BOOTSTRAP,
      'routes/web.php': "<?php\n\nRoute::post('/profile', [ProfileController::class, 'update']);\n",
    },
    lostBy: 'app/proxy-not-trusted',
  },
  {
    name: 'Spring Boot with Spring Security (CsrfFilter) and forward-headers-strategy none',
    files: {
      'src/main/resources/application.properties': 'server.port=8080\nserver.forward-headers-strategy=none\n',
      'pom.xml':
        '<project>\n  <dependencies>\n    <dependency>\n      <groupId>org.springframework.boot</groupId>\n      <artifactId>spring-boot-starter-security</artifactId>\n    </dependency>\n  </dependencies>\n</project>\n',
      'nginx/site.conf': NGINX_TLS_8080.replace('proxy_pass', 'proxy_set_header X-Forwarded-Proto $scheme;\n        proxy_pass'),
    },
    lostBy: 'app/proxy-not-trusted',
  },
  {
    name: 'ASP.NET Core antiforgery with the loopback-only ForwardedHeaders default, in a container',
    files: {
      'src/Program.cs':
        'var builder = WebApplication.CreateBuilder(args);\nbuilder.Services.AddAntiforgery();\nvar app = builder.Build();\napp.UseForwardedHeaders(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto });\napp.UseAntiforgery();\napp.Run();\n',
      'src/Dockerfile': 'FROM mcr.microsoft.com/dotnet/aspnet:8.0\nENTRYPOINT ["dotnet", "App.dll"]\n',
    },
    lostBy: 'app/proxy-not-trusted',
  },
  {
    name: "Express with csurf and no 'trust proxy' behind a TLS nginx",
    files: {
      'package.json':
        '{\n  "name": "web",\n  "dependencies": { "express": "4.21.2", "csurf": "1.11.0", "cookie-parser": "1.4.7" }\n}\n',
      'app.js':
        "const express = require('express');\nconst csrf = require('csurf');\nconst cookieParser = require('cookie-parser');\n\nconst app = express();\napp.use(cookieParser());\napp.use(csrf({ cookie: true }));\napp.post('/profile', (req, res) => res.redirect('/profile'));\napp.listen(8080, '127.0.0.1');\n",
      'nginx/site.conf': NGINX_TLS_8080.replace('proxy_pass', 'proxy_set_header X-Forwarded-Proto $scheme;\n        proxy_pass'),
    },
    lostBy: 'express/trust-proxy-unset',
  },
];

for (const t of tokenTraps)
  test(`app/origin-check-fails trap (token, not Origin): ${t.name}`, async () => {
    const { findings } = await lintFiles(t.files);
    const ids = findings.flatMap((f) => [
      f.id,
      ...(Array.isArray(f.data?.merged) ? (f.data.merged as Array<{ id?: string }>).map((m) => m.id) : []),
    ]);
    assert.ok(ids.includes(t.lostBy), `the scheme is not believed (${t.lostBy}): ${ids.join(', ')}`);
    assert.ok(!ids.includes('app/origin-check-fails'), ids.join(', '));
  });

// Phoenix sockets (phoenix v1.7.14 lib/phoenix/socket/transport.ex `origin_allowed?`, unchanged in v1.8): `check_origin:
// :conn` compares the Origin's host, scheme and port with the conn's; the default `true` compares the host with the
// endpoint's url: [host:] only; a socket's own websocket: check_origin: wins over the endpoint's. Plug.RewriteOn
// `put_scheme` turns http:80 into https:443 (Cowboy takes conn.port from the Host header: 80 when it has none).
const LIVE_SOCKET = 'socket "/live", Phoenix.LiveView.Socket, websocket: [connect_info: [session: @session_options]]';
const PHX_NGINX = nginxPhoenix(['proxy_set_header Host $host;', 'proxy_set_header X-Forwarded-Proto $scheme;']);
const phoenixCases: Case[] = [
  {
    name: 'invalid: check_origin: :conn, no rewrite_on: conn.scheme is http, every LiveView socket answers 403',
    files: { ...phoenixApp(['check_origin: :conn'], [LIVE_SOCKET]), 'site.conf': PHX_NGINX },
    expect: {
      count: 1,
      severity: 'medium',
      file: 'config/prod.exs',
      line: 4,
      message:
        /reaches it as http.*Origin https:\/\/shop\.example\.com, Phoenix expects http:\/\/shop\.example\.com and answers the socket 403/,
      fixLine: '  check_origin: ["https://shop.example.com"]',
      fixAt: { line: 4, placement: 'replace' },
    },
  },
  {
    name: "invalid: the socket's own check_origin: :conn (socket(...) call, multi-line options) over the endpoint default",
    files: {
      ...phoenixApp(
        [],
        [
          'socket("/live", Phoenix.LiveView.Socket,',
          '  websocket: [',
          '    connect_info: [session: @session_options],',
          '    check_origin: :conn',
          '  ]',
          ')',
        ],
      ),
      'site.conf': PHX_NGINX,
    },
    expect: { count: 1, file: 'lib/shop_web/endpoint.ex', line: 7 },
  },
  {
    // The router believes https, the socket does not: `use Phoenix.Endpoint` plugs :socket_dispatch before the module's plugs.
    name: "invalid (trap for the chain): the endpoint's own plug Plug.RewriteOn makes the router https, not the sockets",
    files: {
      ...phoenixApp(['check_origin: :conn'], ['plug Plug.RewriteOn, [:x_forwarded_proto]', LIVE_SOCKET]),
      'site.conf': PHX_NGINX,
    },
    expect: { count: 1, line: 4, message: /reaches its router as https, but its sockets are dispatched before/ },
  },
  {
    name: "valid: check_origin: :conn and force_ssl's rewrite_on reads the X-Forwarded-Proto nginx sends",
    files: {
      ...phoenixApp(['force_ssl: [rewrite_on: [:x_forwarded_proto]]', 'check_origin: :conn'], [LIVE_SOCKET]),
      'site.conf': PHX_NGINX,
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: check_origin: :conn and Phoenix is reached directly (no proxy in the files)',
    files: phoenixApp(['check_origin: :conn'], ['plug Plug.RewriteOn, [:x_forwarded_proto]', LIVE_SOCKET]),
    expect: { count: 0 },
  },
  {
    name: "valid (trap): the default check_origin: true compares the host with url: [host:] only, the lost scheme doesn't matter",
    files: { ...phoenixApp([], [LIVE_SOCKET]), 'site.conf': PHX_NGINX },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): endpoint check_origin: :conn, but the only socket lists its origins',
    files: {
      ...phoenixApp(
        ['check_origin: :conn'],
        ['socket "/live", Phoenix.LiveView.Socket, websocket: [check_origin: ["https://shop.example.com"]]'],
      ),
      'site.conf': PHX_NGINX,
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): the only :conn socket is the live-reload one inside `if code_reloading? do` (development)',
    files: {
      ...phoenixApp(
        [],
        [
          'if code_reloading? do',
          '  socket "/phoenix/live_reload/socket", Phoenix.LiveReloader.Socket, websocket: [check_origin: :conn]',
          '  plug Phoenix.LiveReloader',
          'end',
          LIVE_SOCKET,
        ],
      ),
      'site.conf': PHX_NGINX,
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): check_origin: :conn in the config, but the endpoint declares no socket',
    files: { ...phoenixApp(['check_origin: :conn']), 'site.conf': PHX_NGINX },
    expect: { count: 0 },
  },
];

for (const c of phoenixCases) test(`app/origin-check-fails (Phoenix): ${c.name}`, () => runCase(check, c).then(() => undefined));
