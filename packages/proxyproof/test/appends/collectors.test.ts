// The app-end collectors (ruby, php, jvm, dotnet, go): line-accurate facts, tolerant of bad input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codeLines } from '../../src/collectors/appends/lines.js';
import { lintFiles } from '../python/lint-files.js';

test('codeLines blanks comments and keeps line numbers and strings', () => {
  assert.deepEqual(codeLines('a = "#x" # c\n=begin\nforce_ssl\n=end\nb', 'hash'), ['a = "#x" ', '', '', '', 'b']);
  assert.deepEqual(codeLines('x(); // c\n/* a\n b */ y("//");', 'c'), ['x(); ', '    ', '      y("//");']);
  assert.deepEqual(codeLines('#[Attr]\n$a = 1; # c', 'php'), ['#[Attr]', '$a = 1; ']);
});

test('rails: force_ssl / assume_ssl / load_defaults lines, production over development, Puma binds', async () => {
  const { facts } = await lintFiles({
    'config/application.rb': 'module X\n  class Application < Rails::Application\n    config.load_defaults 6.1\n  end\nend\n',
    'config/environments/development.rb': 'Rails.application.configure do\n  config.force_ssl = false\nend\n',
    'config/environments/production.rb':
      "Rails.application.configure do\n  # config.force_ssl = false\n  config.force_ssl = ENV['SSL'].present?\n  config.action_dispatch.trusted_proxies = ['10.1.0.0/16']\nend\n",
    'config/puma.rb': 'bind "unix://#{Dir.pwd}/tmp/puma.sock"\nbind "tcp://127.0.0.1:9292"\nport 3000\n',
  });
  const rails = facts.frameworks.find((f) => f.kind === 'rails');
  assert.ok(rails?.appEnd);
  assert.equal(rails.appEnd.sslRedirect?.ref?.line, 3);
  assert.equal(rails.appEnd.sslRedirect?.origin, 'env');
  assert.equal(rails.appEnd.sslRedirect?.envVar, 'SSL');
  assert.equal(rails.appEnd.originCheck?.ref?.file, 'config/application.rb');
  assert.deepEqual(rails.appEnd.trustClient.value, ['10.1.0.0/16']);
  assert.deepEqual(rails.appEnd.trustScheme.value, ['*']);
  const puma = facts.appServers.find((s) => s.name === 'puma');
  assert.deepEqual(
    puma?.binds.map((b) => [b.kind, b.path ?? `${b.host}:${b.port}`, b.ref?.line]),
    [
      ['unix', '*/tmp/puma.sock', 1],
      ['tcp', '127.0.0.1:9292', 2],
      ['tcp', '0.0.0.0:3000', 3],
    ],
  );
});

test('php: Laravel multi-line $proxies, Laravel 11 trustProxies(at:), Symfony trusted_proxies, WordPress', async () => {
  const { facts } = await lintFiles({
    'a/app/Http/Middleware/TrustProxies.php':
      "<?php\nclass TrustProxies extends Middleware\n{\n    protected $proxies = [\n        '192.168.1.10', // lb\n        '10.0.0.0/8',\n    ];\n}\n",
    'b/bootstrap/app.php':
      "<?php\nreturn Application::configure(basePath: dirname(__DIR__))\n    ->withMiddleware(function (Middleware $middleware) {\n        $middleware->trustProxies(at: ['172.16.0.0/12']);\n    })->create();\n",
    'c/config/packages/framework.yaml': "framework:\n    secret: x\n    trusted_proxies: '%env(TRUSTED_PROXIES)%'\n",
    'd/wp-config.php':
      "<?php\nif (isset($_SERVER['HTTP_X_FORWARDED_PROTO']) && $_SERVER['HTTP_X_FORWARDED_PROTO'] === 'https') {\n    $_SERVER['HTTPS'] = 'on';\n}\ndefine('FORCE_SSL_ADMIN', true);\n",
  });
  const by = (k: string) => facts.frameworks.find((f) => f.kind === k)?.appEnd;
  assert.deepEqual(
    by('laravel') &&
      facts.frameworks
        .filter((f) => f.kind === 'laravel')
        .map((f) => [f.appEnd?.trustScheme.value, f.appEnd?.trustScheme.ref?.line]),
    [
      [['192.168.1.10', '10.0.0.0/8'], 4],
      [['172.16.0.0/12'], 4],
    ],
  );
  assert.equal(by('symfony')?.trustScheme.origin, 'env');
  assert.equal(by('symfony')?.trustScheme.envVar, 'TRUSTED_PROXIES');
  assert.deepEqual(by('wordpress')?.trustScheme.value, ['*']);
  assert.equal(by('wordpress')?.sslRedirect?.ref?.line, 5);
});

test('spring, aspnet, gin facts with lines', async () => {
  const { facts } = await lintFiles({
    'src/main/resources/application.properties': '# c\nserver.port=8080\nserver.forward-headers-strategy=framework\n',
    'Program.cs':
      'var o = new ForwardedHeadersOptions();\no.KnownNetworks.Add(new IPNetwork(IPAddress.Parse("10.0.0.0"), 8));\napp.UseForwardedHeaders(o);\n',
    'main.go':
      'package main\nimport "github.com/gin-gonic/gin"\nfunc main() {\n\tr := gin.Default()\n\tr.SetTrustedProxies([]string{"10.0.0.1"})\n\tr.Run("127.0.0.1:8080")\n}\n',
  });
  const by = (k: string) => facts.frameworks.find((f) => f.kind === k)?.appEnd;
  assert.deepEqual([by('spring')?.trustScheme.value, by('spring')?.trustScheme.ref?.line], [['*'], 3]);
  assert.deepEqual([by('aspnet')?.trustScheme.value, by('aspnet')?.ref.line], [['10.0.0.0/8'], 3]);
  assert.deepEqual(
    [by('gin')?.trustClient.value, by('gin')?.trustClient.ref?.line, by('gin')?.binds?.[0]?.port],
    [['10.0.0.1'], 5, 8080],
  );
});

test('echo and chi facts: IPExtractor trust options, c.Scheme()/HTTPSRedirect scheme headers, binds, RealIP', async () => {
  const { facts } = await lintFiles({
    'echo/main.go':
      'package main\nimport (\n\t"github.com/labstack/echo/v4"\n\t"github.com/labstack/echo/v4/middleware"\n)\nfunc main() {\n\te := echo.New()\n\te.IPExtractor = echo.ExtractIPFromXFFHeader(echo.TrustLoopback(false), echo.TrustIPRange(lb))\n\te.Pre(middleware.HTTPSRedirect())\n\te.Logger.Fatal(e.Start("127.0.0.1:1323"))\n}\n',
    'chi/main.go':
      'package main\nimport "github.com/go-chi/chi/v5/middleware"\nfunc main() {\n\tr := chi.NewRouter()\n\tr.Use(middleware.RealIP)\n\t// r.Use(middleware.RealIP()) in a comment\n\thttp.ListenAndServe(":3000", r)\n}\n',
  });
  const echo = facts.frameworks.find((f) => f.kind === 'echo')?.appEnd;
  assert.ok(echo);
  assert.deepEqual(
    [echo.trustClient.value, echo.trustClient.ref?.line, echo.clientHeaders, echo.ref.line],
    [['linklocal', 'uniquelocal'], 8, ['x-forwarded-for'], 8],
  );
  assert.match(echo.trustClient.note ?? '', /TrustIPRange networks \(not read\)/);
  assert.deepEqual(
    [echo.schemeHeaders[0], echo.trustScheme.value, echo.sslRedirect?.value, echo.sslRedirect?.ref?.line],
    ['x-forwarded-proto', ['*'], true, 9],
  );
  assert.deepEqual(
    echo.binds?.map((b) => [b.host, b.port, b.exposure]),
    [['127.0.0.1', 1323, 'loopback']],
  );
  const chi = facts.frameworks.find((f) => f.kind === 'chi')?.appEnd;
  assert.deepEqual(
    [chi?.trustClient.value, chi?.ref.line, chi?.clientHeaders, chi?.binds?.map((b) => [b.host, b.port])],
    [['*'], 5, ['true-client-ip', 'x-real-ip', 'x-forwarded-for'], [['0.0.0.0', 3000]]],
  );
});

test('bad input: broken YAML, binary junk, unterminated PHP array never throw', async () => {
  const { facts } = await lintFiles({
    'config/packages/framework.yaml': 'framework:\n  trusted_proxies: [\n  - :::\n\t\tbad',
    'src/main/resources/application.yml': 'server:\n  forward-headers-strategy: none\n  x: [unclosed\n',
    'app/Http/Middleware/TrustProxies.php': `<?php\nclass TrustProxies {\n protected $proxies = [\n${"'1.2.3.4',\n".repeat(200)}`,
    'config/environments/production.rb': '\u0000\u0001config.force_ssl = \u00ff\nRails.application.configure do\n',
    'config/application.rb': 'config.',
  });
  assert.ok(facts.frameworks.length >= 3);
});

test('phoenix: force_ssl/rewrite_on/exclude from config, http port through a bound variable, Plug.RewriteOn, Bandit', async () => {
  const { facts } = await lintFiles({
    'mix.exs': 'defmodule Shop.MixProject do\n  defp deps do\n    [{:phoenix, "~> 1.7"}, {:bandit, "~> 1.5"}]\n  end\nend\n',
    'config/dev.exs': 'import Config\nconfig :shop, ShopWeb.Endpoint,\n  force_ssl: [hsts: true]\n',
    'config/prod.exs':
      'import Config\n# config :shop, ShopWeb.Endpoint, force_ssl: [hsts: true]\nconfig :shop, ShopWeb.Endpoint,\n  force_ssl: [\n    rewrite_on: [:x_forwarded_proto, {:remote_ip, "fly-client-ip"}],\n    exclude: [hosts: ["localhost"]]\n  ]\n',
    'config/runtime.exs':
      'import Config\nport = String.to_integer(System.get_env("PORT") || "8080")\nconfig :shop, ShopWeb.Endpoint,\n  http: [ip: {127, 0, 0, 1}, port: port]\n',
    'lib/shop_web/endpoint.ex':
      'defmodule ShopWeb.Endpoint do\n  use Phoenix.Endpoint, otp_app: :shop\n  plug Plug.RewriteOn, [:x_forwarded_host]\nend\n',
  });
  const phx = facts.frameworks.find((f) => f.kind === 'phoenix')?.appEnd;
  assert.ok(phx);
  assert.deepEqual(
    [phx.sslRedirect?.value, phx.sslRedirect?.ref?.file, phx.sslRedirect?.ref?.line],
    [true, 'config/prod.exs', 4],
  );
  assert.deepEqual(phx.schemeHeaders, ['x-forwarded-proto']);
  assert.deepEqual(phx.clientHeaders, ['fly-client-ip']);
  assert.deepEqual(phx.trustClient.value, ['*']);
  assert.deepEqual(phx.redirectExempt?.value, ['localhost']);
  assert.deepEqual(
    phx.binds?.map((b) => [b.host, b.port, b.exposure, b.ref?.line]),
    [['127.0.0.1', 8080, 'loopback', 4]],
  );
  const server = facts.appServers.find((s) => s.name === 'bandit');
  assert.equal(server?.binds[0]?.port, 8080);
  assert.equal(facts.frameworks.find((f) => f.kind === 'phoenix')?.settings.rewriteHost?.ref?.file, 'lib/shop_web/endpoint.ex');
});

test('phoenix: no endpoint config, a non-Phoenix endpoint.ex and broken Elixir give no facts and no crash', async () => {
  const { facts } = await lintFiles({
    'config/config.exs':
      'import Config\nconfig :logger, level: :info\nconfig :shop, ShopWeb.Endpoint,\n  force_ssl: [rewrite_on: [:x_forwarded_proto\n',
    'lib/other/endpoint.ex': 'defmodule Other.Endpoint do\n  plug Plug.SSL\nend\n',
  });
  const phx = facts.frameworks.filter((f) => f.kind === 'phoenix');
  assert.equal(phx.length, 1);
  // An unclosed rewrite_on list is not read as one: force_ssl is on, no header is invented.
  assert.deepEqual([phx[0]?.appEnd?.sslRedirect?.value, phx[0]?.appEnd?.schemeHeaders], [true, []]);
  assert.equal(phx[0]?.appEnd?.ref.file, 'config/config.exs');
});

test('php-fpm: pools with TCP and unix listen lines, [global] and ; comments skipped; the official fpm image without a pool file', async () => {
  const { facts } = await lintFiles({
    'docker/php-fpm.d/www.conf':
      '[global]\nerror_log = /proc/self/fd/2\n\n[www]\n; listen = 0.0.0.0:9001\nlisten = 127.0.0.1:9000\npm = dynamic\n\n[admin]\nlisten = /run/php/admin.sock\npm = ondemand\n',
    // Not a pool: an ini file without listen.
    'docker/php.ini.conf': '[PHP]\nmemory_limit = 256M\n',
  });
  assert.deepEqual(
    facts.appServers
      .filter((s) => s.name === 'php-fpm')
      .map((s) => [s.service, s.binds[0]?.kind, s.binds[0]?.host ?? s.binds[0]?.path, s.binds[0]?.port, s.binds[0]?.ref?.line]),
    [
      ['www', 'tcp', '127.0.0.1', 9000, 6],
      ['admin', 'unix', '/run/php/admin.sock', undefined, 10],
    ],
  );
  const image = await lintFiles({
    'docker-compose.yml': 'services:\n  app:\n    image: php:8.3-fpm-alpine\n  db:\n    image: postgres:16\n',
  });
  const fpm = image.facts.appServers.filter((s) => s.name === 'php-fpm');
  assert.deepEqual(
    fpm.map((s) => [s.service, s.binds[0]?.port, s.binds[0]?.container, s.launch.via]),
    [['app', 9000, true, 'compose']],
  );
});

test('kestrel: ASPNETCORE_URLS of the compose service (http listeners only) over UseUrls; HTTP_PORTS; no listener without URLs', async () => {
  const program =
    'var app = WebApplication.CreateBuilder(args).Build();\napp.UseForwardedHeaders();\napp.Urls.Clear();\nbuilder.WebHost.UseUrls("http://localhost:5000");\napp.Run();\n';
  const { facts } = await lintFiles({
    'src/Api/Program.cs': program,
    'docker-compose.yml':
      'services:\n  api:\n    build: .\n    environment:\n      ASPNETCORE_URLS: "https://+:443;http://+:8080"\n',
  });
  const k = facts.appServers.find((s) => s.name === 'kestrel');
  assert.deepEqual(
    [k?.service, k?.tls, k?.binds.map((b) => [b.host, b.port, b.exposure, b.container, b.ref?.line])],
    ['api', true, [['0.0.0.0', 8080, 'all-interfaces', true, 5]]],
  );
  assert.equal(facts.frameworks.find((f) => f.kind === 'aspnet')?.module, k?.appTarget);
  const code = await lintFiles({ 'Program.cs': program });
  assert.deepEqual(
    code.facts.appServers.filter((s) => s.name === 'kestrel').map((s) => s.binds.map((b) => [b.host, b.port, b.exposure])),
    [[['127.0.0.1', 5000, 'loopback']]],
  );
  const ports = await lintFiles({
    'Program.cs': 'app.UseForwardedHeaders();\n',
    'compose.yaml':
      'services:\n  api:\n    image: mcr.microsoft.com/dotnet/aspnet:8.0\n    environment:\n      - ASPNETCORE_HTTP_PORTS=8080\n',
  });
  assert.deepEqual(ports.facts.appServers.find((s) => s.name === 'kestrel')?.binds[0]?.port, 8080);
  const none = await lintFiles({ 'Program.cs': 'app.UseForwardedHeaders();\n' });
  assert.equal(none.facts.appServers.filter((s) => s.name === 'kestrel').length, 0);
});

test('aspnet without UseForwardedHeaders: an app end that reads no forwarded header; Kestrel default localhost:5000; UseHttpsRedirection redirects only with an https port', async () => {
  const program = (extra: string) =>
    `var builder = WebApplication.CreateBuilder(args);\n${extra}var app = builder.Build();\napp.UseHttpsRedirection();\napp.Run();\n`;
  const bare = await lintFiles({ 'Program.cs': program('') });
  const fw = bare.facts.frameworks.find((f) => f.kind === 'aspnet');
  assert.deepEqual([fw?.appEnd?.schemeHeaders, fw?.appEnd?.trustScheme.value, fw?.appEnd?.ref.line], [[], [], 1]);
  assert.equal(fw?.appEnd?.sslRedirect, undefined, 'no https port: HttpsRedirectionMiddleware does not redirect');
  assert.ok(fw?.appEnd?.notes?.some((n) => /knows no https port/.test(n)));
  assert.deepEqual(
    bare.facts.appServers.filter((s) => s.name === 'kestrel').map((s) => s.binds.map((b) => [b.host, b.port, b.exposure])),
    [[['127.0.0.1', 5000, 'loopback']]],
  );
  const port = await lintFiles({ 'Program.cs': program('builder.Services.AddHttpsRedirection(o => o.HttpsPort = 8443);\n') });
  const redirect = port.facts.frameworks.find((f) => f.kind === 'aspnet')?.appEnd?.sslRedirect;
  assert.deepEqual([redirect?.value, redirect?.ref?.line], [true, 4]);
  const composed = await lintFiles({
    'src/Program.cs': program(''),
    'compose.yaml':
      'services:\n  api:\n    build: src\n    environment:\n      ASPNETCORE_HTTPS_PORT: "443"\n      ASPNETCORE_HTTP_PORTS: "8080"\n',
  });
  assert.equal(composed.facts.frameworks.find((f) => f.kind === 'aspnet')?.appEnd?.sslRedirect?.value, true);
  assert.deepEqual(
    composed.facts.appServers.filter((s) => s.name === 'kestrel').map((s) => s.binds.map((b) => b.port)),
    [[8080]],
    'the compose environment, not the localhost default',
  );
  const notAspnet = await lintFiles({
    'Program.cs': 'Console.WriteLine("hello");\n',
    'site.conf': 'server { listen 80; location / { proxy_pass http://127.0.0.1:5000; } }\n',
  });
  assert.equal(notAspnet.facts.frameworks.filter((f) => f.kind === 'aspnet').length, 0, 'trap: a console program');
});

test('spring: an invalid application.yml is reported with its line (Spring Boot would not start), not read as unset', async () => {
  // Alone in the tree: the clear input error names the file and line (no stack trace, no "unset" finding).
  await assert.rejects(
    lintFiles({ 'src/main/resources/application.yml': 'server:\n  forward-headers-strategy: [native\n  port: 8080\n' }),
    /src\/main\/resources\/application\.yml:3: invalid YAML, Spring Boot would not start/,
  );
  // Beside another file: listed as not read, with its line; no Spring app end from it.
  const { facts, notRead } = await lintFiles({
    'src/main/resources/application.yml': 'server:\n  forward-headers-strategy: [native\n  port: 8080\n',
    'src/main/resources/application-prod.properties': 'server.port=8080\nserver.forward-headers-strategy=native\n',
  });
  assert.equal(facts.frameworks.filter((f) => f.kind === 'spring' && f.file.endsWith('.yml')).length, 0);
  const hit = notRead.find((n) => n.file.endsWith('application.yml'));
  assert.ok(hit, JSON.stringify(notRead));
  assert.match(hit.reason, /invalid YAML, Spring Boot would not start/);
  assert.equal(hit.line, 3);
});

test('spring: trap: a Maven-filtered @project.version@ token (invalid YAML as written) does not hide the file', async () => {
  const { facts } = await lintFiles({
    'src/main/resources/application.yml':
      'info:\n  version: @project.version@\nserver:\n  port: 8080\n  forward-headers-strategy: native\n',
  });
  const spring = facts.frameworks.find((f) => f.kind === 'spring');
  assert.ok(spring);
  assert.equal(spring.appEnd?.trustScheme.ref?.line, 5);
});
