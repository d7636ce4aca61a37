/**
 * Apache mod_wsgi as the app server (collectors/python/mod-wsgi.ts, collectors/apache): a vhost's `WSGIScriptAlias`
 * routes to mod_wsgi inside Apache, which runs the Django/Flask app. wsgi.url_scheme is https only when Apache's HTTPS
 * variable is On/1 (its own TLS), `SetEnvIf X-Forwarded-Proto https HTTPS=1` (any peer), or `WSGITrustedProxyHeaders`
 * (peers of `WSGITrustedProxies`, or any without that list; an untrusted peer's header is dropped). Read from
 * GrahamDumpleton/mod_wsgi@dbaca2e (wsgi_adapter.c, wsgi_environ.c) and checked on Debian's
 * libapache2-mod-wsgi-py3 4.9.4 (the last test runs it).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Step } from '../../src/chain/simulate.js';
import { applyWsgiDirective, type WsgiScope } from '../../src/collectors/python/mod-wsgi.js';
import { apacheConf, getBody, type RealProgram, selfSignedCert, startApache } from '../real-program.js';
import { doctorFiles as doctor } from './lint-files.js';

const ref = { file: 'site.conf', line: 1 };

test('applyWsgiDirective: which lines mod_wsgi and mod_setenvif contribute', () => {
  const table: Array<[string, string[], Partial<WsgiScope> | undefined]> = [
    ['WSGIScriptAlias', ['/', '/srv/mysite/mysite/wsgi.py'], { alias: { url: '/', script: '/srv/mysite/mysite/wsgi.py', ref } }],
    ['WSGIScriptAlias', ['"/app"', '"/srv/a.wsgi"', 'process-group=a'], { alias: { url: '/app', script: '/srv/a.wsgi', ref } }],
    [
      'WSGITrustedProxyHeaders',
      ['X-Forwarded-Proto', 'X-Forwarded-For'],
      { trustedHeaders: ['x-forwarded-proto', 'x-forwarded-for'], trustRef: ref },
    ],
    ['WSGITrustedProxies', ['10.0.0.0/8', '127.0.0.1'], { trustedProxies: ['10.0.0.0/8', '127.0.0.1'] }],
    ['SetEnvIf', ['X-Forwarded-Proto', 'https', 'HTTPS=1'], { setEnvIf: { header: 'x-forwarded-proto', pattern: 'https', ref } }],
    [
      'SetEnvIfNoCase',
      ['X-Forwarded-Proto', '"^https$"', 'HTTPS=on'],
      { setEnvIf: { header: 'x-forwarded-proto', pattern: '(?i)^https$', ref } },
    ],
    // traps: HTTPS=off / HTTPS=yes are not what mod_wsgi takes as https (On or 1 only); other attributes and variables
    ['SetEnvIf', ['X-Forwarded-Proto', 'https', 'HTTPS=off'], undefined],
    ['SetEnvIf', ['X-Forwarded-Proto', 'https', 'HTTPS=yes'], undefined],
    ['SetEnvIf', ['Remote_Addr', '^10\\.', 'HTTPS=1'], undefined],
    ['SetEnvIf', ['X-Forwarded-Proto', 'https', 'is_https'], undefined],
    ['WSGIScriptAlias', ['/'], undefined],
    ['WSGIDaemonProcess', ['mysite', 'python-path=/srv/mysite'], undefined],
  ];
  for (const [name, args, want] of table) {
    const scope: WsgiScope = { trustedHeaders: [] };
    const read = applyWsgiDirective(scope, name.toLowerCase(), args, ref);
    assert.equal(read, want !== undefined, `${name} ${args.join(' ')}`);
    if (want) assert.deepEqual(scope, { trustedHeaders: [], ...want }, `${name} ${args.join(' ')}`);
  }
});

const django = (extra: string[]) => ({
  'mysite/manage.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n',
  'mysite/mysite/__init__.py': '',
  'mysite/mysite/wsgi.py':
    'import os\nfrom django.core.wsgi import get_wsgi_application\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\napplication = get_wsgi_application()\n',
  'mysite/mysite/settings.py': ['DEBUG = False', 'ALLOWED_HOSTS = ["app.example.com"]', ...extra, ''].join('\n'),
});
const vhost = (addr: string, body: string[]) =>
  [`<VirtualHost ${addr}>`, '  ServerName app.example.com', ...body.map((l) => `  ${l}`), '</VirtualHost>', ''].join('\n');
const WSGI = [
  'WSGIDaemonProcess mysite python-path=/srv/mysite',
  'WSGIProcessGroup mysite',
  'WSGIScriptAlias / /srv/mysite/mysite/wsgi.py',
];
const NGINX_FRONT = (port: number) =>
  `server {\n  listen 443 ssl;\n  server_name app.example.com;\n  ssl_certificate /etc/ssl/a.pem;\n  ssl_certificate_key /etc/ssl/a.key;\n  location / {\n    proxy_pass http://127.0.0.1:${port};\n    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-Proto $scheme;\n  }\n}\n`;

const appStep = (steps: Step[]): Step | undefined => steps.find((s) => s.kind === 'app-server');

async function behindNginx(body: string[], settings: string[]) {
  const r = await doctor({
    ...django(settings),
    'nginx/site.conf': NGINX_FRONT(8080),
    'apache/app.conf': `Listen 127.0.0.1:8080\n${vhost('127.0.0.1:8080', [...WSGI, ...body])}`,
  });
  const route = r.analysis.verdict.routes[0];
  assert.ok(route?.complete, JSON.stringify(route?.trace.unresolved));
  return { r, route, app: appStep(route.trace.steps) };
}

test('nginx TLS -> plain Apache vhost with mod_wsgi -> Django: mod_wsgi runs Django, wsgi.url_scheme is http, REMOTE_ADDR is nginx', async () => {
  const { r, route, app } = await behindNginx([], ['SECURE_SSL_REDIRECT = True']);
  assert.match(
    r.inventory.found.join('\n'),
    /mod_wsgi unix:mod_wsgi:\/srv\/mysite\/mysite\/wsgi\.py \(apache\/app\.conf:\d+\) runs Django/,
  );
  assert.equal(route.scheme.believed, 'http');
  assert.equal(app?.scheme, 'http');
  assert.match(app?.schemeWhy ?? '', /no HTTPS variable/);
  assert.equal(app?.client, '127.0.0.1', "REMOTE_ADDR is Apache's TCP peer (nginx)");
  assert.equal(route.redirect?.loop, true, JSON.stringify(route.redirect));
});

test('SetEnvIf X-Forwarded-Proto https HTTPS=1 in the vhost: wsgi.url_scheme is https behind the TLS front, no loop', async () => {
  const { route, app } = await behindNginx(['SetEnvIf X-Forwarded-Proto https HTTPS=1'], ['SECURE_SSL_REDIRECT = True']);
  assert.equal(route.scheme.believed, 'https');
  assert.match(app?.schemeWhy ?? '', /SetEnvIf, from any peer/);
  assert.notEqual(route.redirect?.loop, true);
});

test('WSGITrustedProxyHeaders: https from a listed peer (or any, without a list); trap: a list without nginx drops the header even for Django', async () => {
  for (const [body, want] of [
    [['WSGITrustedProxyHeaders X-Forwarded-Proto'], 'https'],
    [['WSGITrustedProxyHeaders X-Forwarded-Proto', 'WSGITrustedProxies 127.0.0.1'], 'https'],
    [['WSGITrustedProxyHeaders X-Forwarded-Proto', 'WSGITrustedProxies 10.9.9.9'], 'http'],
  ] as const) {
    // Django trusts X-Forwarded-Proto itself here: it is mod_wsgi dropping the header that loses https.
    const { route, app } = await behindNginx([...body], ['SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")']);
    assert.equal(route.scheme.believed, want, body.join('; '));
    if (want === 'http') {
      assert.equal(app?.sent?.['x-forwarded-proto'], undefined);
      assert.match(app?.notes.join(' ') ?? '', /mod_wsgi drops x-forwarded-proto/);
    }
  }
});

test('a TLS vhost with mod_wsgi: https from its own connection; with no WSGIScriptAlias the vhost is no mod_wsgi route', async () => {
  const tls = await doctor({
    ...django(['SECURE_SSL_REDIRECT = True']),
    'apache/app.conf': vhost('*:443', ['SSLEngine on', 'SSLCertificateFile /a.pem', ...WSGI]),
  });
  const route = tls.analysis.verdict.routes[0];
  assert.equal(route?.scheme.believed, 'https');
  assert.match(appStep(route?.trace.steps ?? [])?.schemeWhy ?? '', /HTTPS variable on/);
  const none = await doctor({
    ...django([]),
    'apache/app.conf': vhost('*:80', ['WSGIDaemonProcess mysite', 'ProxyPass / http://127.0.0.1:8000/']),
  });
  assert.doesNotMatch(none.inventory.found.join('\n'), /mod_wsgi/);
});

test('a server-level WSGIScriptAlias with no <VirtualHost>: the main server runs the app on its Listen addresses', async () => {
  const server = (lines: string[]) => ({
    ...django(['SECURE_SSL_REDIRECT = True']),
    'nginx/site.conf': NGINX_FRONT(8080),
    'apache/wsgi.conf': [...lines, '<Directory /srv/mysite/mysite>', '  Require all granted', '</Directory>', ''].join('\n'),
  });
  const trusted = await doctor(
    server([
      'Listen 127.0.0.1:8080',
      'WSGIScriptAlias / /srv/mysite/mysite/wsgi.py',
      'WSGITrustedProxyHeaders X-Forwarded-Proto',
    ]),
  );
  const route = trusted.analysis.verdict.routes[0];
  assert.ok(route?.complete, JSON.stringify(route?.trace.unresolved));
  assert.equal(appStep(route.trace.steps)?.label.split(' ')[0], 'mod_wsgi');
  assert.equal(route.scheme.believed, 'https');
  assert.notEqual(route.redirect?.loop, true);
  // No trusted header: mod_wsgi's scheme is Apache's own (plain) connection, and SECURE_SSL_REDIRECT loops.
  const plain = await doctor(server(['Listen 8080', 'WSGIScriptAlias / /srv/mysite/mysite/wsgi.py']));
  const lost = plain.analysis.verdict.routes[0];
  assert.ok(lost?.complete, 'a port alone listens on every address, 127.0.0.1 included');
  assert.equal(lost.scheme.believed, 'http');
  assert.equal(lost.redirect?.loop, true);
  // With no Listen in the file (Debian's ports.conf sets it) the main server still runs the app, on a port unknown here.
  const noListen = await doctor(server(['WSGIScriptAlias / /srv/mysite/mysite/wsgi.py']));
  assert.match(
    noListen.inventory.found.join('\n'),
    /mod_wsgi unix:mod_wsgi:\/srv\/mysite\/mysite\/wsgi\.py \(apache\/wsgi\.conf:1\) runs Django/,
  );
  // Traps: with a <VirtualHost> the vhost inherits the alias (no second, server-level site); a daemon process
  // definition alone runs no app.
  const withVhost = await doctor({
    ...server([]),
    'apache/wsgi.conf': `Listen 127.0.0.1:8080\nWSGIScriptAlias / /srv/mysite/mysite/wsgi.py\n${vhost('127.0.0.1:8080', [])}`,
  });
  assert.deepEqual(
    withVhost.inventory.found.filter((l) => /^proxy +apache/.test(l)).map((l) => /\((wsgi\.conf:\d+)\)/.exec(l)?.[1]),
    ['wsgi.conf:3'],
  );
  assert.equal(withVhost.analysis.verdict.routes[0]?.scheme.believed, 'http');
  const daemonOnly = await doctor(server(['Listen 8080', 'WSGIDaemonProcess mysite python-path=/srv/mysite']));
  assert.doesNotMatch(daemonOnly.inventory.found.join('\n'), /mod_wsgi/);
});

const MOD_WSGI = '/usr/lib/apache2/modules/mod_wsgi.so';
const WSGI_APP = [
  'import json',
  'def application(environ, start_response):',
  "    keys = ('wsgi.url_scheme', 'HTTPS', 'REMOTE_ADDR', 'HTTP_X_FORWARDED_PROTO')",
  "    start_response('200 OK', [('Content-Type', 'application/json')])",
  '    return [json.dumps({k: environ.get(k) for k in keys}).encode()]',
  '',
].join('\n');

test('the real Apache with mod_wsgi 4.9.4 answers as the model says (SetEnvIf, WSGITrustedProxyHeaders with and without the peer listed, own TLS)', {
  skip: !existsSync(MOD_WSGI) && 'libapache2-mod-wsgi-py3 not installed (scripts/install-system-deps.sh)',
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-modwsgi-'));
  const started: RealProgram[] = [];
  try {
    writeFileSync(join(dir, 'app.wsgi'), WSGI_APP);
    const pem = selfSignedCert(dir, 'app.test');
    // One request, bounded (getBody: REQUEST_SAFETY_TIMEOUT_MS); the app's environ as JSON.
    const ask = async (port: number, tls: boolean, headers: Record<string, string>) => {
      const body = await getBody({ port, tls }, headers);
      try {
        return body === undefined ? undefined : (JSON.parse(body) as Record<string, string | null>);
      } catch {
        return undefined;
      }
    };
    const serve = async (name: string, body: string[], tls = false) => {
      let site = '';
      const apache = await startApache(
        dir,
        name,
        (port) => {
          const own = tls ? ['SSLEngine on', `SSLCertificateFile ${pem.cert}`, `SSLCertificateKeyFile ${pem.key}`] : [];
          site = vhost(`127.0.0.1:${port}`, [
            ...own,
            `WSGIScriptAlias / ${dir}/app.wsgi`,
            `<Directory ${dir}>`,
            '  Require all granted',
            '</Directory>',
            ...body,
          ]);
          const mods = ['mpm_prefork', 'authz_core', 'setenvif', ...(tls ? ['socache_shmcb', 'ssl'] : [])];
          return `${apacheConf(dir, name, mods, port, `LoadModule wsgi_module ${MOD_WSGI}\n`)}${site}`;
        },
        async (port) => (await ask(port, tls, {})) !== undefined,
        { prefork: true },
      );
      started.push(apache);
      return { port: apache.port, site };
    };
    const forged = { 'X-Forwarded-Proto': 'https', HTTPS: 'on' };
    const cases: Array<[string, string[], string | null, string | null]> = [
      // name, vhost lines, wsgi.url_scheme and X-Forwarded-Proto the app sees for a forged https header from 127.0.0.1
      ['plain', [], 'http', 'https'],
      ['setenvif', ['SetEnvIf X-Forwarded-Proto https HTTPS=1'], 'https', 'https'],
      ['trusted', ['WSGITrustedProxyHeaders X-Forwarded-Proto'], 'https', 'https'],
      ['unlisted', ['WSGITrustedProxyHeaders X-Forwarded-Proto', 'WSGITrustedProxies 10.9.9.9'], 'http', null],
    ];
    for (const [name, body, scheme, xfp] of cases) {
      const s = await serve(name, body);
      assert.deepEqual(
        await ask(s.port, false, forged),
        { 'wsgi.url_scheme': scheme, HTTPS: null, REMOTE_ADDR: '127.0.0.1', HTTP_X_FORWARDED_PROTO: xfp },
        name,
      );
      // The model on the very vhost apache2 ran, behind a TLS nginx on the same host sending X-Forwarded-Proto.
      const r = await doctor({ 'nginx/site.conf': NGINX_FRONT(s.port), 'apache/site.conf': s.site });
      const step = appStep(r.analysis.verdict.routes[0]?.trace.steps ?? []);
      assert.equal(step?.label.split(' ')[0], 'mod_wsgi', name);
      assert.equal(step?.scheme, scheme, name);
      assert.equal(step?.sent?.['x-forwarded-proto'], xfp ?? undefined, name);
    }
    // The main server, no <VirtualHost> (a server-level WSGIScriptAlias): it runs the app and trusts the header alike.
    const main = await startApache(
      dir,
      'main',
      (port) =>
        `${apacheConf(dir, 'main', ['mpm_prefork', 'authz_core'], port, `LoadModule wsgi_module ${MOD_WSGI}\n`)}\nWSGIScriptAlias / ${dir}/app.wsgi\nWSGITrustedProxyHeaders X-Forwarded-Proto\n<Directory ${dir}>\n  Require all granted\n</Directory>\n`,
      async (port) => (await ask(port, false, {})) !== undefined,
      { prefork: true },
    );
    started.push(main);
    assert.equal((await ask(main.port, false, forged))?.['wsgi.url_scheme'], 'https');
    const mainConf = readFileSync(join(dir, 'main.conf'), 'utf8');
    const viaMain = await doctor({ 'nginx/site.conf': NGINX_FRONT(main.port), 'apache/main.conf': mainConf });
    const mainStep = appStep(viaMain.analysis.verdict.routes[0]?.trace.steps ?? []);
    assert.equal(mainStep?.label.split(' ')[0], 'mod_wsgi');
    assert.equal(mainStep?.scheme, 'https');
    const tls = await serve('tls', [], true);
    assert.equal((await ask(tls.port, true, {}))?.['wsgi.url_scheme'], 'https');
    const own = await doctor({ 'apache/site.conf': tls.site });
    assert.equal(appStep(own.analysis.verdict.routes[0]?.trace.steps ?? [])?.scheme, 'https');
  } finally {
    for (const apache of started) await apache.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
