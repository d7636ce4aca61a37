import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { proxyNotTrusted as check } from '../../../src/checks/app/proxy-not-trusted.js';
import { runFix } from '../../../src/commands/fix.js';
import { type Case, lintFiles, runCase } from '../../python/lint-files.js';
import { ginServer, LARAVEL11_BOOTSTRAP, laravelMiddleware, PROXY_COMPOSE } from './fixtures.js';

/** A Kubernetes Deployment, its Service and a TLS Ingress (the audit's `spk` tree). */
const SPRING_K8S = [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: app',
  'spec:',
  '  selector:',
  '    matchLabels: {app: app}',
  '  template:',
  '    metadata:',
  '      labels: {app: app}',
  '    spec:',
  '      containers:',
  '        - name: app',
  '          image: registry.example.com/app:1',
  '          ports:',
  '            - containerPort: 8080',
  '---',
  'apiVersion: v1',
  'kind: Service',
  'metadata:',
  '  name: app',
  'spec:',
  '  selector: {app: app}',
  '  ports:',
  '    - port: 80',
  '      targetPort: 8080',
  '---',
  'apiVersion: networking.k8s.io/v1',
  'kind: Ingress',
  'metadata:',
  '  name: app',
  'spec:',
  '  tls:',
  '    - hosts: [example.com]',
  '      secretName: tls',
  '  rules:',
  '    - host: example.com',
  '      http:',
  '        paths:',
  '          - path: /',
  '            pathType: Prefix',
  '            backend:',
  '              service: {name: app, port: {number: 80}}',
  '',
].join('\n');
const SYMFONY = "framework:\n    secret: '%env(APP_SECRET)%'\n    session:\n        cookie_secure: auto\n";
const ASPNET = (extra: string) =>
  `var builder = WebApplication.CreateBuilder(args);\nvar app = builder.Build();\n${extra}app.UseForwardedHeaders(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto });\napp.Run();\n`;

const TOMCAT = (valve: string) =>
  `<Server port="8005" shutdown="SHUTDOWN">\n  <Service name="Catalina">\n    <Connector port="8080" protocol="HTTP/1.1" />\n    <Engine name="Catalina" defaultHost="localhost">\n${valve}      <Host name="localhost" appBase="webapps"/>\n    </Engine>\n  </Service>\n</Server>\n`;
const NGINX_TO_8080 =
  'server {\n    listen 443 ssl;\n    server_name app.example;\n    location / {\n        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n        proxy_set_header X-Forwarded-Proto $scheme;\n        proxy_pass http://127.0.0.1:8080;\n    }\n}\n';

/** A front controller that builds the Symfony Request itself (HttpFoundation without the framework bundle). */
const SYMFONY_INDEX = (before = '') =>
  `<?php\nuse Symfony\\Component\\HttpFoundation\\Request;\n\nrequire __DIR__.'/../vendor/autoload.php';\n\n${before}$request = Request::createFromGlobals();\necho $request->getUri();\n`;
/** nginx passing PHP to php-fpm; `listen` decides who PHP's REMOTE_ADDR can be. */
const NGINX_FCGI = (listen: string) =>
  `server {\n    listen ${listen};\n    root /srv/app/public;\n    location ~ \\.php$ {\n        include fastcgi_params;\n        fastcgi_pass 127.0.0.1:9000;\n    }\n}\n`;
const HAPROXY_FRONT =
  'defaults\n    mode http\n\nfrontend https_in\n    bind :443 ssl crt /etc/haproxy/site.pem\n    http-request set-header X-Forwarded-Proto https\n    default_backend web\n\nbackend web\n    server nginx 127.0.0.1:8080\n';

const GIN_MAIN = (trusted: string) =>
  `package main\n\nimport "github.com/gin-gonic/gin"\n\nfunc main() {\n\tr := gin.Default()\n\tr.SetTrustedProxies([]string{${trusted}})\n\tr.GET("/", func(c *gin.Context) { c.String(200, c.ClientIP()) })\n\tr.Run("127.0.0.1:8080")\n}\n`;
const GIN_MOD = 'module x\n\ngo 1.21\n\nrequire github.com/gin-gonic/gin v1.9.1\n';
const NGINX_HTTP_TO = (upstream: string) =>
  `server {\n  listen 443 ssl;\n  server_name example.com;\n  location / {\n    proxy_pass http://${upstream};\n    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n  }\n}\n`;

const cases: Case[] = [
  {
    name: 'valid (trap): Gin trusting 127.0.0.1 on the host where nginx proxies to 127.0.0.1:8080: the proxy connects from loopback',
    files: { 'main.go': GIN_MAIN('"127.0.0.1"'), 'go.mod': GIN_MOD, 'nginx/site.conf': NGINX_HTTP_TO('127.0.0.1:8080') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): the same through an upstream block of loopback servers',
    files: {
      'main.go': GIN_MAIN('"127.0.0.1"'),
      'go.mod': GIN_MOD,
      'nginx/site.conf': `upstream app {\n  server 127.0.0.1:8080;\n}\n${NGINX_HTTP_TO('app')}`,
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid: Gin trusting 127.0.0.1 while nginx proxies from another host (proxy_pass http://10.0.0.5:8080)',
    files: { 'main.go': GIN_MAIN('"127.0.0.1"'), 'go.mod': GIN_MOD, 'nginx/site.conf': NGINX_HTTP_TO('10.0.0.5:8080') },
    expect: { count: 1, severity: 'medium', message: /only from loopback/ },
  },
  {
    name: 'invalid: Symfony front controller without setTrustedProxies behind HAProxy -> nginx on loopback (fix: trust loopback before createFromGlobals)',
    files: { 'public/index.php': SYMFONY_INDEX(), 'nginx/site.conf': NGINX_FCGI('127.0.0.1:8080'), 'haproxy.cfg': HAPROXY_FRONT },
    expect: {
      count: 1,
      severity: 'high',
      file: 'public/index.php',
      line: 6,
      fixLine: "Request::setTrustedProxies(['127.0.0.1'], Request::HEADER_X_FORWARDED_FOR | Request::HEADER_X_FORWARDED_PROTO);",
      fixAt: { line: 6, placement: 'replace' },
    },
  },
  {
    name: "invalid: the same front controller, nginx listening on every interface: the proxy's network (private ranges), not loopback",
    files: { 'public/index.php': SYMFONY_INDEX(), 'nginx/site.conf': NGINX_FCGI('8080'), 'haproxy.cfg': HAPROXY_FRONT },
    expect: {
      count: 1,
      fixLine:
        "Request::setTrustedProxies(['127.0.0.1', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'], Request::HEADER_X_FORWARDED_FOR | Request::HEADER_X_FORWARDED_PROTO);",
    },
  },
  {
    name: 'invalid (advice): createFromGlobals() on a line that continues the statement above it',
    files: {
      'public/index.php': SYMFONY_INDEX('$kernel = new Kernel(\n'),
      'nginx/site.conf': NGINX_FCGI('127.0.0.1:8080'),
      'haproxy.cfg': HAPROXY_FRONT,
    },
    expect: { count: 1, line: 7, mechanical: false },
  },
  {
    name: 'valid: the front controller trusts loopback already',
    files: {
      'public/index.php': SYMFONY_INDEX(
        "Request::setTrustedProxies(['127.0.0.1'], Request::HEADER_X_FORWARDED_FOR | Request::HEADER_X_FORWARDED_PROTO);\n",
      ),
      'nginx/site.conf': NGINX_FCGI('127.0.0.1:8080'),
      'haproxy.cfg': HAPROXY_FRONT,
    },
    expect: { count: 0 },
  },
  {
    name: "invalid: Laravel's skeleton TrustProxies (`protected $proxies;`) behind a TLS front -> nginx on loopback (fix: that line)",
    files: {
      'app/Http/Middleware/TrustProxies.php': laravelMiddleware(''),
      'nginx/site.conf': NGINX_FCGI('127.0.0.1:8080'),
      'haproxy.cfg': HAPROXY_FRONT,
    },
    expect: {
      count: 1,
      severity: 'high',
      line: 9,
      fixLine: "    protected $proxies = ['127.0.0.1'];",
      fixAt: { line: 9, placement: 'replace' },
    },
  },
  {
    name: 'invalid: Laravel 11 bootstrap/app.php whose closure names its Middleware $m (fix uses $m)',
    files: {
      'bootstrap/app.php': LARAVEL11_BOOTSTRAP.replace('function (Middleware $middleware): void {', 'function (Middleware $m) {'),
      'docker-compose.yml': PROXY_COMPOSE,
    },
    expect: {
      count: 1,
      line: 8,
      fixLine: "        $m->trustProxies(at: ['127.0.0.1', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);",
    },
  },
  {
    name: 'invalid: Tomcat server.xml without RemoteIpValve behind nginx (fix: the valve after <Engine>)',
    files: { 'conf/server.xml': TOMCAT(''), 'nginx/site.conf': NGINX_TO_8080 },
    expect: {
      count: 1,
      severity: 'high',
      file: 'conf/server.xml',
      line: 3,
      message: /no RemoteIpValve/,
      fixLine: '      <Valve className="org.apache.catalina.valves.RemoteIpValve" protocolHeader="X-Forwarded-Proto" />',
    },
  },
  {
    name: "valid: Tomcat's RemoteIpValve with its default internalProxies (loopback and private ranges) behind nginx",
    files: {
      'conf/server.xml': TOMCAT('      <Valve className="org.apache.catalina.valves.RemoteIpValve" />\n'),
      'nginx/site.conf': NGINX_TO_8080,
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid: RemoteIpValve whose internalProxies is loopback only, Tomcat in a container behind a proxy container',
    files: {
      'conf/server.xml': TOMCAT(
        '      <Valve className="org.apache.catalina.valves.RemoteIpValve" internalProxies="127\\.0\\.0\\.1" />\n',
      ),
      'docker-compose.yml': PROXY_COMPOSE,
    },
    expect: { count: 1, severity: 'high', file: 'conf/server.xml', line: 5, message: /only from loopback/ },
  },
  {
    name: 'invalid: Laravel 11 without trustProxies(at:) behind a proxy container',
    files: { 'bootstrap/app.php': LARAVEL11_BOOTSTRAP, 'docker-compose.yml': PROXY_COMPOSE },
    expect: {
      count: 1,
      severity: 'high',
      file: 'bootstrap/app.php',
      line: 8,
      fixLine: "        $middleware->trustProxies(at: ['127.0.0.1', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);",
    },
  },
  {
    name: 'medium: Laravel 11 default served by Octane on 0.0.0.0 (plain HTTP), OCTANE_HTTPS defaulting to false',
    files: {
      'bootstrap/app.php': LARAVEL11_BOOTSTRAP,
      'docker/supervisord.conf':
        '[program:octane]\ncommand=php artisan octane:start --server=frankenphp --host=0.0.0.0 --port=8080\n',
      'docker-compose.yml':
        'services:\n  app:\n    build: .\n    environment:\n      APP_ENV: production\n      OCTANE_HTTPS: "${OCTANE_HTTPS:-false}"\n',
    },
    expect: { count: 1, severity: 'medium', line: 8, message: /trusts no proxy/ },
  },
  {
    name: "medium: Spring forward-headers-strategy none; the app's container publishes plain HTTP (evidence: that service)",
    files: {
      'src/main/resources/application.yml': 'server:\n  port: 8080\n  forward-headers-strategy: none\n',
      'docker-compose.yml': 'services:\n  app:\n    image: ${IMAGE_URI}\n    ports:\n      - "8080:8080"\n',
    },
    expect: { count: 1, severity: 'medium', file: 'src/main/resources/application.yml', line: 3 },
  },
  {
    name: 'low: Laravel 11 default, no proxy visible in the files',
    files: { 'bootstrap/app.php': LARAVEL11_BOOTSTRAP },
    expect: { count: 1, severity: 'low' },
  },
  {
    name: 'invalid: TrustProxies hard-coded to a Vagrant gateway while the app runs in Docker',
    files: {
      'app/Http/Middleware/TrustProxies.php': laravelMiddleware(" = [\n        '10.0.2.2',\n    ]"),
      'docker-compose.yml': PROXY_COMPOSE,
    },
    expect: { count: 1, severity: 'high', line: 9, message: /10\.0\.2\.2/ },
  },
  {
    name: "invalid: TrustProxies names addresses on one line: the fix adds '<proxy address>' (fix --proxy-address fills it)",
    files: {
      'app/Http/Middleware/TrustProxies.php': laravelMiddleware(" = ['10.0.2.2']"),
      'docker-compose.yml': PROXY_COMPOSE,
    },
    expect: {
      count: 1,
      line: 9,
      fixLine: "    protected $proxies = ['10.0.2.2', '<proxy address>'];",
      fixAt: { line: 9, placement: 'replace' },
    },
  },
  {
    name: "invalid: a multi-line $proxies list: the fix adds '<proxy address>' after its last item",
    files: {
      'app/Http/Middleware/TrustProxies.php': laravelMiddleware(
        " = [\n        '10.0.2.2',\n        '10.0.2.3', // vagrant\n    ]",
      ),
      'docker-compose.yml': PROXY_COMPOSE,
    },
    expect: { count: 1, line: 9, fixLine: "        '<proxy address>',", fixAt: { line: 11, placement: 'replace' } },
  },
  {
    name: 'invalid: a multi-line $proxies list whose last item has no comma: the comma is added to it',
    files: {
      'app/Http/Middleware/TrustProxies.php': laravelMiddleware(" = [\n        '10.0.2.2'\n    ]"),
      'docker-compose.yml': PROXY_COMPOSE,
    },
    expect: { count: 1, fixLine: "        '10.0.2.2',", fixAt: { line: 10, placement: 'replace' } },
  },
  {
    name: 'invalid: Laravel 11 trustProxies(at: [...]) over several lines',
    files: {
      'bootstrap/app.php': LARAVEL11_BOOTSTRAP.replace(
        '        //',
        "        $middleware->trustProxies(at: [\n            '10.0.2.2',\n        ]);",
      ),
      'docker-compose.yml': PROXY_COMPOSE,
    },
    expect: { count: 1, fixLine: "            '<proxy address>'," },
  },
  {
    name: 'invalid (trap): a multi-line list whose last item ends in a comment without a comma stays advice',
    files: {
      'app/Http/Middleware/TrustProxies.php': laravelMiddleware(" = [\n        '10.0.2.2' // vagrant\n    ]"),
      'docker-compose.yml': PROXY_COMPOSE,
    },
    expect: { count: 1, mechanical: false },
  },
  {
    name: "invalid: Laravel 11 trustProxies(at: '10.0.2.2') leaves the proxy container out: the fix adds '<proxy address>'",
    files: {
      'bootstrap/app.php': LARAVEL11_BOOTSTRAP.replace('        //', "        $middleware->trustProxies(at: '10.0.2.2');"),
      'docker-compose.yml': PROXY_COMPOSE,
    },
    expect: {
      count: 1,
      fixLine: "        $middleware->trustProxies(at: ['10.0.2.2', '<proxy address>']);",
    },
  },
  {
    name: "invalid: Symfony trusted_proxies loopback only, the proxy in another container: the fix adds ',<proxy address>'",
    files: {
      'config/packages/framework.yaml': `${SYMFONY}    trusted_proxies: '127.0.0.1'\n`,
      'docker-compose.yml': PROXY_COMPOSE,
    },
    expect: {
      count: 1,
      fixLine: "    trusted_proxies: '127.0.0.1,<proxy address>'",
      fixAt: { line: 5, placement: 'replace' },
    },
  },
  {
    name: "valid: TrustProxies '*' (trust-all is app/trust-all's business)",
    files: { 'app/Http/Middleware/TrustProxies.php': laravelMiddleware(" = '*'"), 'docker-compose.yml': PROXY_COMPOSE },
    expect: { count: 0 },
  },
  {
    // 0.0.0.0/0 holds 127.0.0.1, and every other address: trust-all (app/trust-all), not "loopback only".
    name: "valid (trap): Symfony trusted_proxies: '0.0.0.0/0' behind a proxy container is not loopback-only",
    files: {
      'config/packages/framework.yaml': `${SYMFONY}    trusted_proxies: '0.0.0.0/0'\n`,
      'docker-compose.yml': PROXY_COMPOSE,
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): Gin SetTrustedProxies([]string{"::/0", "0.0.0.0/0"}) in a container is not loopback-only',
    files: {
      'api/server.go': ginServer(['r.SetTrustedProxies([]string{"::/0", "0.0.0.0/0"})', 'r.Run(":8080")']),
      'docker-compose.yml': PROXY_COMPOSE,
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid: Gin SetTrustedProxies([]string{"127.0.0.0/8"}) in a container (loopback only)',
    files: {
      'api/server.go': ginServer(['r.SetTrustedProxies([]string{"127.0.0.0/8"})', 'r.Run(":8080")']),
      'docker-compose.yml': PROXY_COMPOSE,
    },
    expect: { count: 1, severity: 'high', message: /only from loopback/ },
  },
  {
    name: 'valid: trusted proxies from the environment',
    files: {
      'app/Http/Middleware/TrustProxies.php': laravelMiddleware(" = env('TRUSTED_PROXIES')"),
      'docker-compose.yml': PROXY_COMPOSE,
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: Laravel 11 trustProxies(at:) with the Docker network',
    files: {
      'bootstrap/app.php': LARAVEL11_BOOTSTRAP.replace('        //', "        $middleware->trustProxies(at: '172.16.0.0/12');"),
      'docker-compose.yml': PROXY_COMPOSE,
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid: Symfony framework.yaml without trusted_proxies behind a proxy container',
    files: { 'config/packages/framework.yaml': SYMFONY, 'docker-compose.yml': PROXY_COMPOSE },
    expect: { count: 1, severity: 'high', file: 'config/packages/framework.yaml', line: 1 },
  },
  {
    name: 'valid: Symfony trusted_proxies set',
    files: {
      'config/packages/framework.yaml': `${SYMFONY}    trusted_proxies: '127.0.0.1,172.16.0.0/12'\n`,
      'docker-compose.yml': PROXY_COMPOSE,
    },
    expect: { count: 0 },
  },
  {
    // Looks unset at `framework:`; Symfony 5.3+ loads the `when@prod:` block over it in production.
    name: "valid (trap): trusted_proxies set in framework.yaml's when@prod block",
    files: {
      'config/packages/framework.yaml': `${SYMFONY}\nwhen@prod:\n    framework:\n        trusted_proxies: '127.0.0.1,172.16.0.0/12'\n`,
      'docker-compose.yml': PROXY_COMPOSE,
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid: a when@test block does not count in production',
    files: {
      'config/packages/framework.yaml': `${SYMFONY}\nwhen@test:\n    framework:\n        trusted_proxies: '127.0.0.1,172.16.0.0/12'\n`,
      'docker-compose.yml': PROXY_COMPOSE,
    },
    expect: { count: 1, severity: 'high', file: 'config/packages/framework.yaml', line: 1 },
  },
  {
    name: 'invalid: Spring Boot forward-headers-strategy none',
    files: { 'src/main/resources/application-prod.yml': 'server:\n  port: 8080\n  forward-headers-strategy: none\n' },
    expect: { count: 1, severity: 'medium', line: 3, fixLine: '  forward-headers-strategy: native' },
  },
  {
    name: 'valid: Spring Boot native',
    files: { 'src/main/resources/application.properties': 'server.port=8080\nserver.forward-headers-strategy=native\n' },
    expect: { count: 0 },
  },
  // Spring Boot's per-platform default (audit 14 r18 gap 9): with the strategy unset, CloudPlatform.getActive()
  // decides; every platform it detects uses forward headers, so the strategy is NATIVE (RemoteIpValve, private ranges).
  {
    name: 'invalid: Spring Boot strategy unset behind an nginx container (no platform: NONE)',
    files: { 'src/main/resources/application.properties': 'server.port=8080\n', 'docker-compose.yml': PROXY_COMPOSE },
    expect: { count: 1, severity: 'high', message: /unset \(NONE unless/ },
  },
  {
    name: 'valid: Spring Boot strategy unset in a Kubernetes Deployment behind a TLS Ingress (Kubernetes detected: NATIVE)',
    files: { 'src/main/resources/application.properties': 'server.port=8080\n', 'k8s/app.yaml': SPRING_K8S },
    expect: { count: 0 },
  },
  {
    name: 'valid: Spring Boot strategy unset, pushed to Cloud Foundry (manifest.yml applications:)',
    files: {
      'src/main/resources/application.properties': 'server.port=8080\n',
      'manifest.yml': 'applications:\n- name: app\n  path: target/app.jar\n',
      'docker-compose.yml': PROXY_COMPOSE,
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid (trap): the same Kubernetes tree with spring.main.cloud-platform=none (detection off: NONE)',
    files: {
      'src/main/resources/application.properties': 'server.port=8080\nspring.main.cloud-platform=none\n',
      'k8s/app.yaml': SPRING_K8S,
    },
    expect: { count: 1, severity: 'high' },
  },
  {
    name: 'valid (trap): spring.main.cloud-platform=kubernetes forces the platform behind a compose proxy (NATIVE)',
    files: {
      'src/main/resources/application.properties': 'server.port=8080\nspring.main.cloud-platform=kubernetes\n',
      'docker-compose.yml': PROXY_COMPOSE,
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid: ASP.NET Core UseForwardedHeaders with the loopback-only default, in a container',
    files: {
      'src/Program.cs': ASPNET(''),
      'src/Dockerfile': 'FROM mcr.microsoft.com/dotnet/aspnet:8.0\nENTRYPOINT ["dotnet", "App.dll"]\n',
    },
    expect: { count: 1, severity: 'high', file: 'src/Program.cs', line: 3 },
  },
  {
    // The network goes into the options the middleware uses: Configure<ForwardedHeadersOptions> feeds only a bare
    // UseForwardedHeaders(); UseForwardedHeaders(options) wraps its own object (test/dotnet/forwarded-options.test.ts).
    name: 'valid: ASP.NET Core with the proxy network added',
    files: {
      'src/Program.cs':
        'var builder = WebApplication.CreateBuilder(args);\nbuilder.Services.Configure<ForwardedHeadersOptions>(o => { o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto; o.KnownNetworks.Add(new IPNetwork(IPAddress.Parse("172.16.0.0"), 12)); });\nvar app = builder.Build();\napp.UseForwardedHeaders();\napp.Run();\n',
      'src/Dockerfile': 'FROM mcr.microsoft.com/dotnet/aspnet:8.0\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): ASP.NET Core loopback default on a host with no container and no proxy seen',
    files: { 'src/Program.cs': ASPNET('') },
    expect: { count: 0 },
  },
  {
    name: 'invalid: Jetty base without the http-forwarded module behind a TLS nginx (fix: the module after --module=http)',
    files: {
      'jetty-base/start.d/http.ini': '# --module=http-forwarded\n--module=http\njetty.http.port=8090\n',
      'site.conf':
        'server {\n    listen 443 ssl;\n    location / {\n        proxy_pass http://127.0.0.1:8090;\n        proxy_set_header X-Forwarded-Proto $scheme;\n    }\n}\n',
    },
    expect: {
      count: 1,
      severity: 'high',
      file: 'jetty-base/start.d/http.ini',
      line: 2,
      message: /ForwardedRequestCustomizer/,
      fixLine: '--module=http-forwarded',
    },
  },
  {
    name: 'valid: Jetty with --module=http,http-forwarded',
    files: {
      'jetty-base/start.ini': '--module=http,http-forwarded\njetty.http.port=8090\n',
      'site.conf':
        'server {\n    listen 443 ssl;\n    location / {\n        proxy_pass http://127.0.0.1:8090;\n        proxy_set_header X-Forwarded-Proto $scheme;\n    }\n}\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: embedded Jetty XML adding a ForwardedRequestCustomizer',
    files: {
      'etc/jetty.xml':
        '<Configure id="Server" class="org.eclipse.jetty.server.Server">\n  <New id="httpConfig" class="org.eclipse.jetty.server.HttpConfiguration">\n    <Call name="addCustomizer"><Arg><New class="org.eclipse.jetty.server.ForwardedRequestCustomizer"/></Arg></Call>\n  </New>\n</Configure>\n',
      'site.conf':
        'server {\n    listen 443 ssl;\n    location / {\n        proxy_pass http://127.0.0.1:8080;\n        proxy_set_header X-Forwarded-Proto $scheme;\n    }\n}\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): an ini file that is not a Jetty start file (no --module lines)',
    files: {
      'start.d/app.ini': '[app]\nport = 8090\n',
      'site.conf': 'server {\n    listen 443 ssl;\n    location / {\n        proxy_pass http://127.0.0.1:8090;\n    }\n}\n',
    },
    expect: { count: 0 },
  },
];

for (const c of cases) test(`app/proxy-not-trusted: ${c.name}`, () => runCase(check, c).then(() => undefined));

test('app/proxy-not-trusted: advice says why it is not mechanical, as the line shows it (never a wrong reason)', async () => {
  const front = { 'nginx/site.conf': NGINX_FCGI('127.0.0.1:8080'), 'haproxy.cfg': HAPROXY_FRONT };
  const multi = await runCase(check, {
    name: 'multi-line $proxies with items on the opening line',
    files: {
      'app/Http/Middleware/TrustProxies.php': laravelMiddleware(" = ['10.0.2.2',\n        '10.0.2.3',\n    ]"),
      'docker-compose.yml': PROXY_COMPOSE,
    },
    expect: { count: 1, mechanical: false },
  });
  assert.match(multi[0]?.fix?.description ?? '', /the \$proxies value spans several lines here/);
  const cont = await runCase(check, {
    name: 'continued statement',
    files: { 'public/index.php': SYMFONY_INDEX('$kernel = new Kernel(\n'), ...front },
    expect: { count: 1, mechanical: false },
  });
  assert.match(cont[0]?.fix?.description ?? '', /line 7 continues the statement above it/);
  assert.doesNotMatch(cont[0]?.fix?.description ?? '', /spans several lines/);
});

test('app/proxy-not-trusted: fix --proxy-address writes the address into an existing TrustProxies list; plain fix gives advice naming the option', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-php-proxy-address-'));
  try {
    mkdirSync(join(dir, 'app/Http/Middleware'), { recursive: true });
    writeFileSync(join(dir, 'app/Http/Middleware/TrustProxies.php'), laravelMiddleware(" = ['10.0.2.2']"));
    writeFileSync(join(dir, 'docker-compose.yml'), PROXY_COMPOSE);
    const dry = await runFix([dir], { cwd: dir });
    assert.ok(!dry.plan.patches.some((p) => p.file.endsWith('TrustProxies.php')), dry.plan.patches.map((p) => p.diff).join(''));
    assert.ok(
      dry.plan.advice.some((a) => a.id === 'app/proxy-not-trusted' && /give it with --proxy-address/.test(a.reason)),
      JSON.stringify(dry.plan.advice),
    );
    const given = await runFix([dir], { cwd: dir, proxyAddress: '172.18.0.5', write: true });
    const diff = given.plan.patches.find((p) => p.file.endsWith('TrustProxies.php'))?.diff ?? '';
    assert.match(diff, /^\+ {4}protected \$proxies = \['10\.0\.2\.2', '172\.18\.0\.5'\];$/m, diff);
    assert.match(readFileSync(join(dir, 'app/Http/Middleware/TrustProxies.php'), 'utf8'), /'172\.18\.0\.5'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('app/proxy-not-trusted: fix --proxy-address writes into a multi-line $proxies list; real php -l accepts the result and the collector reads both addresses', async () => {
  const php = spawnSync('php', ['-v'], { encoding: 'utf8' });
  if (php.status !== 0 && process.env.PROXYPROOF_SKIP_SYSTEM_DEPS === '1') return;
  const dir = mkdtempSync(join(tmpdir(), 'pp-php-proxy-multi-'));
  try {
    const file = join(dir, 'app/Http/Middleware/TrustProxies.php');
    mkdirSync(join(dir, 'app/Http/Middleware'), { recursive: true });
    writeFileSync(file, laravelMiddleware(" = [\n        '10.0.2.2'\n    ]"));
    writeFileSync(join(dir, 'docker-compose.yml'), PROXY_COMPOSE);
    const given = await runFix([dir], { cwd: dir, proxyAddress: '172.18.0.5', write: true });
    const diff = given.plan.patches.find((p) => p.file.endsWith('TrustProxies.php'))?.diff ?? '';
    assert.match(diff, /^- {8}'10\.0\.2\.2'$/m, diff);
    assert.match(diff, /^\+ {8}'10\.0\.2\.2',\n\+ {8}'172\.18\.0\.5',$/m, diff);
    const lint = spawnSync('php', ['-l', file], { encoding: 'utf8' });
    assert.equal(lint.status, 0, `${lint.stdout}${lint.stderr}\n${readFileSync(file, 'utf8')}`);
    const { facts } = await lintFiles({ 'app/Http/Middleware/TrustProxies.php': readFileSync(file, 'utf8') });
    const laravel = facts.frameworks.find((f) => f.kind === 'laravel');
    assert.deepEqual(laravel?.appEnd?.trustScheme?.value, ['10.0.2.2', '172.18.0.5']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
