import { test } from 'node:test';
import { secureCookieNeverSet as check } from '../../../src/checks/app/secure-cookie-never-set.js';
import { type Case, runCase } from '../../python/lint-files.js';
import {
  aspnetProgram,
  laravelMiddleware,
  nginxPhoenix,
  nginxPuma,
  nginxTlsProxy,
  PUMA_SOCKET,
  phoenixApp,
  RAILS_APP,
  railsProduction,
} from './fixtures.js';

/** nginx TLS (or plain) site passing PHP to php-fpm with HTTPS on, as a Laravel site is served. */
const nginxFpm = (tls = true, extra: string[] = []) =>
  [
    'server {',
    tls ? '    listen 443 ssl;' : '    listen 80;',
    '    server_name app.example.com;',
    '    root /var/www/app/public;',
    ...extra.map((l) => `    ${l}`),
    '    location ~ \\.php$ {',
    '        include fastcgi_params;',
    '        fastcgi_param HTTPS on;',
    '        fastcgi_pass 127.0.0.1:9000;',
    '    }',
    '}',
    '',
  ].join('\n');

const NGINX_KESTREL = nginxTlsProxy('127.0.0.1:5000');
/** config/packages/framework.yaml with the session's cookie_secure. */
const symfonyFramework = (cookieSecure: string) =>
  `framework:\n    secret: "%env(APP_SECRET)%"\n    session:\n        cookie_secure: ${cookieSecure}\n`;
const PHX_SESSION = '@session_options [store: :cookie, key: "_shop_key", signing_salt: "aB3dE5fG", same_site: "Lax"]';
const FPM_POOL = '[www]\nuser = www-data\nlisten = 127.0.0.1:9000\npm = dynamic\n';
/** nginx TLS passing PHP to php-fpm without HTTPS (no fastcgi_params include): PHP sees http. */
const nginxFpmNoHttps = [
  'server {',
  '    listen 443 ssl;',
  '    server_name app.example.com;',
  '    root /var/www/app/public;',
  '    location ~ \\.php$ {',
  '        fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;',
  '        fastcgi_pass 127.0.0.1:9000;',
  '    }',
  '}',
  '',
].join('\n');

const laravelSession = (secure: string) =>
  [
    '<?php',
    '',
    'return [',
    "    'driver' => env('SESSION_DRIVER', 'file'),",
    "    'lifetime' => env('SESSION_LIFETIME', 120),",
    "    'expire_on_close' => false,",
    `    'secure' => ${secure},`,
    "    'http_only' => true,",
    '];',
    '',
  ].join('\n');

const laravel = (secure: string) => ({
  'app/Http/Middleware/TrustProxies.php': laravelMiddleware(" = '127.0.0.1'"),
  'config/session.php': laravelSession(secure),
});

/** nginx TLS in front of Spring Boot's embedded Tomcat on :8080, forwarding the scheme. */
const NGINX_SPRING = nginxTlsProxy('127.0.0.1:8080', 'shop.example.com');

const rails = (prod: string[], extra: Record<string, string> = {}) => ({
  'config/application.rb': RAILS_APP,
  'config/environments/production.rb': railsProduction(prod),
  'config/puma.rb': PUMA_SOCKET,
  ...extra,
});

const cases: Case[] = [
  // Laravel: StartSession passes `$config['secure'] ?? false`, so the skeleton's env('SESSION_SECURE_COOKIE') unset is never Secure.
  {
    name: "invalid: Laravel 'secure' => env('SESSION_SECURE_COOKIE') and no value for it, on an HTTPS site",
    files: { ...laravel("env('SESSION_SECURE_COOKIE')"), 'site.conf': nginxFpm() },
    expect: {
      count: 1,
      severity: 'medium',
      file: 'config/session.php',
      line: 7,
      message: /Laravel never flags the session cookie Secure/,
    },
  },
  {
    name: "invalid: Laravel env('SECURE_COOKIES', false) (an app's own variable): its default and its name are said",
    files: { ...laravel("env('SECURE_COOKIES', false)"), 'site.conf': nginxFpm() },
    expect: {
      count: 1,
      severity: 'medium',
      file: 'config/session.php',
      message: /SECURE_COOKIES not set in the files: the default false\)/,
    },
  },
  {
    name: "invalid: Laravel env('SESSION_SECURE_COOKIE', false)",
    files: { ...laravel("env('SESSION_SECURE_COOKIE', false)"), 'site.conf': nginxFpm() },
    expect: { count: 1, severity: 'medium', file: 'config/session.php' },
  },
  {
    name: 'invalid: the .env turns it off explicitly',
    files: {
      ...laravel("env('SESSION_SECURE_COOKIE')"),
      '.env': 'APP_ENV=production\nSESSION_SECURE_COOKIE=false\n',
      'site.conf': nginxFpm(),
    },
    expect: { count: 1, file: '.env', line: 2 },
  },
  {
    name: 'valid: the .env sets SESSION_SECURE_COOKIE=true',
    files: {
      ...laravel("env('SESSION_SECURE_COOKIE')"),
      '.env': 'APP_ENV=production\nSESSION_SECURE_COOKIE=true\n',
      'site.conf': nginxFpm(),
    },
    expect: { count: 0 },
  },
  {
    name: "invalid (trap for the reader): URL::forceScheme('https') makes URLs https, not the session cookie Secure",
    files: {
      ...laravel("env('SESSION_SECURE_COOKIE')"),
      'app/Providers/AppServiceProvider.php':
        "<?php\nnamespace App\\Providers;\nuse Illuminate\\Support\\Facades\\URL;\nclass AppServiceProvider extends ServiceProvider\n{\n    public function boot()\n    {\n        URL::forceScheme('https');\n    }\n}\n",
      'site.conf': nginxFpm(),
    },
    expect: { count: 1, severity: 'medium', file: 'config/session.php' },
  },
  {
    name: "valid: 'secure' => true",
    files: { ...laravel('true'), 'site.conf': nginxFpm() },
    expect: { count: 0 },
  },
  {
    name: "valid (trap): .env.example says false, but it is not the deployment's .env",
    files: {
      ...laravel("env('SESSION_SECURE_COOKIE', true)"),
      '.env.example': 'SESSION_SECURE_COOKIE=false\n',
      'site.conf': nginxFpm(),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): the site is plain HTTP only: nothing to protect with Secure',
    files: { ...laravel("env('SESSION_SECURE_COOKIE')"), 'site.conf': nginxFpm(false) },
    expect: { count: 0 },
  },
  {
    name: 'info: HSTS on the TLS server outlives the 120-minute cookie, which never travels over http',
    files: {
      ...laravel("env('SESSION_SECURE_COOKIE')"),
      'site.conf': nginxFpm(true, ['add_header Strict-Transport-Security "max-age=31536000" always;']),
    },
    expect: { count: 1, severity: 'info', message: /HSTS|Strict-Transport-Security/ },
  },
  // Spring Boot: Tomcat flags JSESSIONID Secure when request.isSecure(); forward-headers-strategy unset = none.
  {
    name: 'invalid: Spring Boot without forward-headers-strategy behind a TLS nginx: JSESSIONID loses Secure (hop named)',
    files: {
      'src/main/resources/application.properties': 'server.port=8080\nspring.application.name=shop\n',
      'site.conf': NGINX_SPRING,
    },
    expect: { count: 1, severity: 'medium', message: /JSESSIONID.*reaches it as http \(lost at hop \d/ },
  },
  {
    name: 'valid: forward-headers-strategy=native (RemoteIpValve trusts the loopback proxy): request.isSecure() is true',
    files: {
      'src/main/resources/application.properties': 'server.port=8080\nserver.forward-headers-strategy=native\n',
      'site.conf': NGINX_SPRING,
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): strategy none, but server.servlet.session.cookie.secure=true: Secure whatever the scheme',
    files: {
      'src/main/resources/application.properties': 'server.port=8080\nserver.servlet.session.cookie.secure=true\n',
      'site.conf': NGINX_SPRING,
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): server.servlet.session.cookie.secure=false still lets Tomcat flag https requests, and the scheme arrives',
    files: {
      'src/main/resources/application.properties':
        'server.port=8080\nserver.forward-headers-strategy=native\nserver.servlet.session.cookie.secure=false\n',
      'site.conf': NGINX_SPRING,
    },
    expect: { count: 0 },
  },
  // Rails: force_ssl flags cookies Secure on https requests; neither force_ssl nor session_store secure: never.
  {
    name: 'invalid: Rails without force_ssl or a secure session store, on an HTTPS site',
    files: {
      ...rails(['config.force_ssl = false']),
      'site.conf': nginxPuma(['proxy_set_header X-Forwarded-Proto $scheme;']),
    },
    expect: { count: 1, severity: 'medium', file: 'config/environments/production.rb', line: 3 },
  },
  {
    name: 'valid: force_ssl with the scheme forwarded (cookies flagged Secure on every https request)',
    files: { ...rails(['config.force_ssl = true']), 'site.conf': nginxPuma(['proxy_set_header X-Forwarded-Proto $scheme;']) },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): session_store secure: true without force_ssl',
    files: {
      ...rails([], {
        'config/initializers/session_store.rb':
          "Rails.application.config.session_store :cookie_store, key: '_blog_session', secure: true\n",
      }),
      'site.conf': nginxPuma(['proxy_set_header X-Forwarded-Proto $scheme;']),
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid (high): session_store secure: true behind a proxy sending no scheme header: Rails never writes the cookie',
    files: {
      ...rails([], {
        'config/initializers/session_store.rb':
          "Rails.application.config.session_store :cookie_store, key: '_blog_session', secure: true\n",
      }),
      'site.conf': nginxPuma(['proxy_set_header Host $host;']),
    },
    expect: {
      count: 1,
      severity: 'high',
      file: 'config/initializers/session_store.rb',
      line: 1,
      message: /lost at hop 1.*no Set-Cookie goes out/,
    },
  },
  // Symfony: cookie_secure auto follows Request::isSecure(), which needs the proxy trusted.
  {
    name: 'invalid: Symfony cookie_secure: false on an HTTPS site',
    files: {
      'config/packages/framework.yaml': symfonyFramework('false'),
      'site.conf': nginxFpm(),
    },
    expect: { count: 1, file: 'config/packages/framework.yaml', line: 4 },
  },
  {
    name: "valid (trap): Symfony cookie_secure: auto with trusted_proxies unset: php-fpm's HTTPS param makes isSecure() true",
    files: {
      'config/packages/framework.yaml': symfonyFramework('auto'),
      'site.conf': nginxFpm(),
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid: Symfony cookie_secure: auto behind nginx passing no HTTPS param to php-fpm (hop named)',
    files: {
      'config/packages/framework.yaml': symfonyFramework('auto'),
      'php/www.conf': FPM_POOL,
      'site.conf': nginxFpmNoHttps,
    },
    expect: { count: 1, severity: 'medium', file: 'config/packages/framework.yaml', line: 4, message: /lost at hop 1, nginx/ },
  },
  {
    name: 'valid: the same with fastcgi_param HTTPS on (isSecure() from the server variable)',
    files: {
      'config/packages/framework.yaml': symfonyFramework('auto'),
      'php/www.conf': FPM_POOL,
      'site.conf': nginxFpmNoHttps.replace('fastcgi_pass', 'fastcgi_param HTTPS on;\n        fastcgi_pass'),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: Symfony cookie_secure: true',
    files: {
      'config/packages/framework.yaml': symfonyFramework('true'),
      'site.conf': nginxFpm(),
    },
    expect: { count: 0 },
  },
  // Phoenix: Plug adds Secure only on an https conn unless the session options say `secure:`.
  {
    name: 'invalid: Phoenix session without secure:, no rewrite_on, behind a TLS nginx (conn.scheme is http)',
    files: {
      ...phoenixApp(
        ['cache_static_manifest: "priv/static/cache_manifest.json"'],
        [PHX_SESSION, 'plug Plug.Session, @session_options'],
      ),
      'site.conf': nginxPhoenix(['proxy_set_header X-Forwarded-Proto $scheme;']),
    },
    expect: {
      count: 1,
      severity: 'medium',
      file: 'lib/shop_web/endpoint.ex',
      line: 4,
      message: /Phoenix flags the session cookie Secure only.*lost at hop/,
    },
  },
  {
    name: 'valid: Plug.RewriteOn before the session makes conn.scheme https',
    files: {
      ...phoenixApp(
        ['cache_static_manifest: "priv/static/cache_manifest.json"'],
        ['plug Plug.RewriteOn, [:x_forwarded_proto]', PHX_SESSION, 'plug Plug.Session, @session_options'],
      ),
      'site.conf': nginxPhoenix(['proxy_set_header X-Forwarded-Proto $scheme;']),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): secure: true in the session options, whatever Phoenix believes',
    files: {
      ...phoenixApp(
        ['cache_static_manifest: "priv/static/cache_manifest.json"'],
        [PHX_SESSION.replace('same_site: "Lax"', 'same_site: "Lax", secure: true'), 'plug Plug.Session, @session_options'],
      ),
      'site.conf': nginxPhoenix(['proxy_set_header X-Forwarded-Proto $scheme;']),
    },
    expect: { count: 0 },
  },
  // ASP.NET Core: CookieBuilder.SecurePolicy defaults to SameAsRequest (Request.IsHttps).
  {
    name: 'invalid: ASP.NET Core AddSession without UseForwardedHeaders behind a TLS nginx (Request.IsHttps false)',
    files: { 'Program.cs': aspnetProgram(['builder.Services.AddSession();', 'app.UseSession();']), 'site.conf': NGINX_KESTREL },
    expect: {
      count: 1,
      severity: 'medium',
      file: 'Program.cs',
      line: 2,
      message: /ASP\.NET Core flags the session\/authentication cookie Secure only/,
    },
  },
  {
    name: 'valid: UseForwardedHeaders (loopback proxy trusted by default) makes Request.IsHttps true',
    files: {
      'Program.cs': aspnetProgram([
        'builder.Services.AddSession();',
        'app.UseForwardedHeaders(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto });',
        'app.UseSession();',
      ]),
      'site.conf': NGINX_KESTREL,
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): SecurePolicy = CookieSecurePolicy.Always on the session cookie, scheme lost or not',
    files: {
      'Program.cs': aspnetProgram([
        'builder.Services.AddSession(o => { o.Cookie.SecurePolicy = CookieSecurePolicy.Always; });',
        'app.UseSession();',
      ]),
      'site.conf': NGINX_KESTREL,
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): the scheme is lost, but the app registers no cookie-writing service',
    files: { 'Program.cs': aspnetProgram([]), 'site.conf': NGINX_KESTREL },
    expect: { count: 0 },
  },
];

for (const c of cases) test(`app/secure-cookie-never-set: ${c.name}`, () => runCase(check, c).then(() => undefined));

/** Traefik in compose on :8443 (not 443), routing app.example.com to php-fpm; `tls` adds the router's certresolver. */
const traefikCompose = (tls: boolean) =>
  [
    'services:',
    '  traefik:',
    '    image: traefik:v2.11',
    '    command:',
    '      - --providers.docker=true',
    '      - --entrypoints.websecure.address=:8443',
    '      - --certificatesresolvers.le.acme.tlschallenge=true',
    '    ports:',
    '      - "8443:8443"',
    '    volumes:',
    '      - /var/run/docker.sock:/var/run/docker.sock:ro',
    '  app:',
    '    image: php:8.2-fpm',
    '    labels:',
    '      - traefik.http.routers.app.rule=Host(`app.example.com`)',
    '      - traefik.http.routers.app.entrypoints=websecure',
    ...(tls ? ['      - traefik.http.routers.app.tls.certresolver=le'] : []),
    '      - traefik.http.services.app.loadbalancer.server.port=9000',
    '',
  ].join('\n');

/** An Apache vhost handing PHP to php-fpm; `ssl` writes `SSLEngine on`. */
const apacheFpm = (ssl: 'on' | 'off') =>
  [
    '<VirtualHost *:443>',
    '    ServerName app.example.com',
    '    DocumentRoot /var/www/app/public',
    `    SSLEngine ${ssl}`,
    '    SSLCertificateFile /etc/ssl/certs/app.pem',
    '    SSLCertificateKeyFile /etc/ssl/private/app.key',
    '    <FilesMatch \\.php$>',
    '        SetHandler "proxy:fcgi://127.0.0.1:9000"',
    '    </FilesMatch>',
    '</VirtualHost>',
    '',
  ].join('\n');

/** A plain `<VirtualHost *:80>` for the same name with these lines in it. */
const apachePlain = (body: string[]) =>
  ['<VirtualHost *:80>', '    ServerName app.example.com', ...body.map((l) => `    ${l}`), '</VirtualHost>', ''].join('\n');

/**
 * The `never` mode needs the files to show the site served over HTTPS. Any proxy that ends TLS counts, not only an
 * nginx `ssl` listener or a compose proxy publishing 443: `https` is the file the finding's HTTPS evidence must cite.
 */
const httpsCases: Array<Case & { https?: string }> = [
  {
    name: 'invalid: Laravel unset behind a Caddy site with a host name (automatic HTTPS serves it on :443)',
    files: {
      ...laravel("env('SESSION_SECURE_COOKIE')"),
      Caddyfile: 'app.example.com {\n\troot * /var/www/app/public\n\tphp_fastcgi 127.0.0.1:9000\n\tfile_server\n}\n',
    },
    expect: { count: 1, severity: 'medium', file: 'config/session.php', line: 7, message: /on a site served over HTTPS/ },
    https: 'Caddyfile',
  },
  {
    name: 'valid (trap): the same Caddy site written http:// (no automatic HTTPS): nothing to protect with Secure',
    files: {
      ...laravel("env('SESSION_SECURE_COOKIE')"),
      Caddyfile: 'http://app.example.com {\n\troot * /var/www/app/public\n\tphp_fastcgi 127.0.0.1:9000\n}\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): a host-name Caddy site under the global `auto_https off` is served over plain http',
    files: {
      ...laravel("env('SESSION_SECURE_COOKIE')"),
      Caddyfile: '{\n\tauto_https off\n}\napp.example.com {\n\tphp_fastcgi 127.0.0.1:9000\n}\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid: Laravel unset behind an Apache vhost with SSLEngine on',
    files: { ...laravel("env('SESSION_SECURE_COOKIE')"), 'apache/site.conf': apacheFpm('on') },
    expect: { count: 1, severity: 'medium', file: 'config/session.php', line: 7 },
    https: 'apache/site.conf',
  },
  {
    name: 'valid (trap): a <VirtualHost *:443> with SSLEngine off speaks plain http on 443',
    files: { ...laravel("env('SESSION_SECURE_COOKIE')"), 'apache/site.conf': apacheFpm('off') },
    expect: { count: 0 },
  },
  {
    name: 'info: an Apache *:80 vhost serves the same php-fpm without redirecting: http is served by design',
    files: {
      ...laravel("env('SESSION_SECURE_COOKIE')"),
      'apache/site.conf': `${apacheFpm('on')}${apachePlain(['<FilesMatch \\.php$>', '    SetHandler "proxy:fcgi://127.0.0.1:9000"', '</FilesMatch>'])}`,
    },
    expect: {
      count: 1,
      severity: 'info',
      file: 'config/session.php',
      line: 7,
      message: /serves the same upstream over plain http/,
    },
    https: 'apache/site.conf',
  },
  {
    name: 'invalid (trap): the *:80 vhost only redirects to https, so every page is https: medium',
    files: {
      ...laravel("env('SESSION_SECURE_COOKIE')"),
      'apache/site.conf': `${apacheFpm('on')}${apachePlain(['Redirect permanent / https://app.example.com/'])}`,
    },
    expect: { count: 1, severity: 'medium', file: 'config/session.php', line: 7 },
    https: 'apache/site.conf',
  },
  {
    name: 'invalid: Laravel unset behind a Traefik TLS router on an :8443 entrypoint (no port 443 anywhere)',
    files: { ...laravel("env('SESSION_SECURE_COOKIE')"), 'docker-compose.yml': traefikCompose(true) },
    expect: { count: 1, severity: 'medium', file: 'config/session.php', line: 7 },
    https: 'docker-compose.yml',
  },
  {
    name: 'valid (trap): the same Traefik router without tls: plain http on :8443',
    files: { ...laravel("env('SESSION_SECURE_COOKIE')"), 'docker-compose.yml': traefikCompose(false) },
    expect: { count: 0 },
  },
];

test("app/secure-cookie-never-set: the fix names the variable the code reads (env('SECURE_COOKIES', false))", async () => {
  const [f] = await runCase(check, {
    name: 'SECURE_COOKIES fix',
    files: { ...laravel("env('SECURE_COOKIES', false)"), 'site.conf': nginxFpm() },
    expect: { count: 1 },
  });
  if (!f?.fix?.description.includes('SECURE_COOKIES=true') || f.fix.description.includes('SESSION_SECURE_COOKIE'))
    throw new Error(`expected the fix to set SECURE_COOKIES=true, got ${f?.fix?.description}`);
});

for (const c of httpsCases)
  test(`app/secure-cookie-never-set (HTTPS evidence): ${c.name}`, async () => {
    const found = await runCase(check, c);
    const https = found[0]?.evidence.find((e) => /serves HTTPS|ends TLS|publishes port 443/.test(e.note ?? ''));
    if (c.https && https?.file !== c.https)
      throw new Error(`${c.name}: expected the HTTPS evidence in ${c.https}, got ${JSON.stringify(found[0]?.evidence)}`);
  });
