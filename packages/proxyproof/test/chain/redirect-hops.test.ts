/**
 * Redirect-only servers as the plain side of a TLS hop, one shape for every proxy (`redirectsToHttps` on the plain
 * listeners of the site that serves the same names): nginx `return 301 https://...` servers (facts/nginx/sites.ts
 * `joinTlsSite`), ingress-nginx `ssl-redirect` on an Ingress with `tls:` (facts/ingress-sites.ts). The real nginx
 * answers the redirect whatever X-Forwarded-Proto says, which is why the nginx redirect is decided by the connection.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { analyzeChain } from '../../src/chain/analyze.js';
import { ingressProxyConfigs } from '../../src/facts/ingress-sites.js';
import { nginxProxyConfigs } from '../../src/facts/nginx/sites.js';
import type { ProxySite } from '../../src/model/proxy.js';
import { findingsFor } from '../checks/chain/cases.js';
import { factsFromText } from '../checks/nginx/harness.js';
import { lintFiles } from '../python/lint-files.js';
import { NGINX, nginxConf, startNginxConf } from '../real-nginx.js';
import type { RealProgram } from '../real-program.js';
import { REQUEST_SAFETY_TIMEOUT_MS } from '../real-program.js';

const TLS = (name: string, extra = '') =>
  `server {\n  listen 443 ssl;\n${extra}  server_name ${name};\n  ssl_certificate /etc/ssl/a.pem;\n  ssl_certificate_key /etc/ssl/a.key;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://127.0.0.1:8000;\n  }\n}\n`;
const REDIRECT = (name: string, body = '  return 301 https://$host$request_uri;\n', listen = '  listen 80;\n') =>
  `server {\n${listen}  server_name ${name};\n${body}}\n`;

function sites(text: string): ProxySite[] {
  return nginxProxyConfigs(factsFromText(text)).flatMap((c) => c.sites);
}

/** The TLS site's plain listeners that redirect, and the redirect line; `[]` when nothing joined. */
function joined(text: string): { ports: number[]; line?: number; by?: string; other: string[]; label?: string } {
  const all = sites(text);
  const tls = all.filter((s) => s.routes.length > 0);
  const withRedirect = tls.filter((s) => s.redirectsToHttps);
  return {
    ports: withRedirect.flatMap((s) => s.listeners.filter((l) => !l.tls).map((l) => l.port)),
    line: withRedirect[0]?.redirectsToHttps?.line,
    by: withRedirect[0]?.redirectDecidedBy,
    other: all.filter((s) => s.notAHop).map((s) => s.notAHop as string),
    label: withRedirect[0]?.label,
  };
}

const table: Array<{ name: string; text: string; ports: number[]; line?: number; other?: number }> = [
  {
    name: 'return 301 on :80 of the same name',
    text: REDIRECT('app.example.org') + TLS('app.example.org'),
    ports: [80],
    line: 4,
  },
  {
    name: 'rewrite ^ https://... permanent',
    text: REDIRECT('app.example.org', '  rewrite ^ https://$host$request_uri permanent;\n') + TLS('app.example.org'),
    ports: [80],
    line: 4,
  },
  {
    name: 'location / { return 301 https://... } beside an ACME challenge folder',
    text:
      REDIRECT(
        'app.example.org',
        '  location /.well-known/acme-challenge/ {\n    root /var/www/certbot;\n  }\n  location / {\n    return 301 https://$host$request_uri;\n  }\n',
      ) + TLS('app.example.org'),
    ports: [80],
    line: 8,
  },
  {
    name: 'trap: a redirect in another location only',
    text: REDIRECT('app.example.org', '  location /old {\n    return 301 https://$host/new;\n  }\n') + TLS('app.example.org'),
    ports: [],
    other: 1,
  },
  {
    name: 'a catch-all redirect (server_name _) and one TLS site',
    text: REDIRECT('_', undefined, '  listen 80 default_server;\n  listen [::]:80 default_server;\n') + TLS('app.example.org'),
    ports: [80],
    line: 5,
  },
  {
    name: 'one of several names is enough; the TLS site listed second or first',
    text: TLS('app.example.org www.example.org') + REDIRECT('www.example.org'),
    ports: [80],
    line: 14,
  },
  {
    name: 'trap: the redirect is inside an if (it depends on the request)',
    text:
      REDIRECT('app.example.org', '  if ($host = app.example.org) {\n    return 301 https://$host$request_uri;\n  }\n') +
      TLS('app.example.org'),
    ports: [],
    other: 1,
  },
  {
    name: 'trap: a redirect to http:// (another site, not the TLS side)',
    text: REDIRECT('app.example.org', '  return 301 http://other.example.net$request_uri;\n') + TLS('app.example.org'),
    ports: [],
    other: 1,
  },
  {
    name: 'trap: another name',
    text: REDIRECT('other.example.net') + TLS('app.example.org'),
    ports: [],
    other: 1,
  },
  {
    name: 'trap: the TLS site has a plain listener of its own (one redirect per hop)',
    text: REDIRECT('app.example.org', undefined, '  listen 8080;\n') + TLS('app.example.org', '  listen 80;\n'),
    ports: [],
    other: 1,
  },
  {
    name: 'trap: a catch-all redirect and two TLS sites (which one is unknown)',
    text: REDIRECT('_') + TLS('a.example.org') + TLS('b.example.org'),
    ports: [],
    other: 1,
  },
  {
    name: 'trap: the redirect server also listens with TLS',
    text: REDIRECT('app.example.org', undefined, '  listen 80;\n  listen 8443 ssl;\n') + TLS('app.example.org'),
    ports: [],
    other: 1,
  },
];

for (const c of table)
  test(`nginx redirect-only server: ${c.name}`, () => {
    const j = joined(c.text);
    assert.deepEqual(j.ports, c.ports);
    if (c.line !== undefined) {
      assert.equal(j.line, c.line);
      assert.equal(j.by, 'connection');
      assert.match(j.label ?? '', /^nginx :443 /);
      assert.equal(j.other.length, 0, 'the joined server is no longer listed apart');
    } else assert.equal(j.other.length, c.other ?? 0, JSON.stringify(j.other));
  });

// HAProxy ends TLS and forwards plain HTTP to nginx's :80, whose server only redirects: the classic loop.
const HAPROXY =
  'defaults\n  mode http\nfrontend www\n  bind :443 ssl crt /etc/haproxy/site.pem\n  http-request set-header X-Forwarded-Proto https\n  default_backend web\nbackend web\n  server n1 127.0.0.1:80\n';
const APP = {
  'settings.py': 'SECRET_KEY = "x"\nSECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")\n',
  'app.service': '[Unit]\n[Service]\nExecStart=/usr/bin/gunicorn --bind 127.0.0.1:8000 site.wsgi\n',
};

test('a TLS front that forwards plain HTTP to the redirect-only :80 server loops (CRITICAL at the return line)', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'haproxy -> nginx :80 redirect',
    files: { ...APP, 'haproxy.cfg': HAPROXY, 'site.conf': REDIRECT('app.example.org') + TLS('app.example.org') },
    expect: 1,
  });
  assert.equal(f.length, 1, JSON.stringify(f.map((x) => x.message)));
  assert.equal(f[0]?.severity, 'critical');
  assert.match(f[0]?.message ?? '', /ERR_TOO_MANY_REDIRECTS/);
  assert.match(f[0]?.message ?? '', /the connection on :80 is plain HTTP \(the redirect does not read X-Forwarded-Proto\)/);
  assert.equal(f[0]?.evidence[0]?.line, 4);
  // The same front to the TLS port: no loop, the app believes https.
  const ok = await findingsFor('chain/scheme-lost', {
    name: 'haproxy -> nginx :443',
    files: {
      ...APP,
      'haproxy.cfg': HAPROXY.replace('127.0.0.1:80', '127.0.0.1:443 ssl verify none'),
      'site.conf': REDIRECT('app.example.org') + TLS('app.example.org'),
    },
    expect: 0,
  });
  assert.equal(ok.length, 0, JSON.stringify(ok.map((x) => x.message)));
});

test('the plain entry of a joined site is redirected: a forged X-Forwarded-Proto over plain HTTP reaches nothing', async () => {
  const { facts } = await lintFiles({ ...APP, 'site.conf': REDIRECT('app.example.org') + TLS('app.example.org') }, []);
  const a = analyzeChain(facts);
  const hop = a.topology.proxies.find((p) => p.kind === 'nginx');
  assert.deepEqual(
    hop?.listeners.map((l) => [l.port, l.tls]),
    [
      [443, true],
      [80, false],
    ],
  );
  assert.equal(a.topology.entries.length, 2);
  assert.deepEqual(a.verdict.entrySpoofs, []);
  assert.equal(a.build.otherServers.length, 0);
});

// ingress-nginx: an Ingress with tls: also serves :80, which redirects (ssl-redirect, default true).
const INGRESS = (annotations: string, tls = true) =>
  `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: site\n  annotations:\n${annotations}spec:\n  ingressClassName: nginx\n${tls ? '  tls:\n    - hosts: [app.example.org]\n      secretName: site-tls\n' : ''}  rules:\n    - host: app.example.org\n      http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend:\n              service:\n                name: web\n                port:\n                  number: 80\n`;
const CONTROLLER = (data: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ingress-nginx-controller\n  namespace: ingress-nginx\ndata:\n${data}`;
const K8S_APP = {
  'k8s/service.yaml':
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n    - port: 80\n      targetPort: 8000\n',
  'k8s/deployment.yaml':
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n        - name: web\n          image: example/site:1\n          command: ["gunicorn", "--bind", "0.0.0.0:8000", "--forwarded-allow-ips", "*", "site.wsgi"]\n          ports:\n            - containerPort: 8000\n',
  'site/settings.py':
    'SECRET_KEY = "x"\nALLOWED_HOSTS = ["app.example.org"]\nSECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")\nROOT_URLCONF = "site.urls"\n',
  'site/wsgi.py': '',
};

async function ingressSite(files: Record<string, string>): Promise<ProxySite | undefined> {
  const { facts } = await lintFiles({ ...K8S_APP, ...files }, []);
  return ingressProxyConfigs(facts)[0]?.sites[0];
}

const ingressTable: Array<{
  name: string;
  files: Record<string, string>;
  plain: boolean;
  redirect?: { line: number; origin?: string };
}> = [
  {
    name: 'tls: and no setting: ssl-redirect by default',
    files: { 'k8s/ingress.yaml': INGRESS('    a: b\n') },
    plain: true,
    redirect: { line: 9, origin: 'default' },
  },
  {
    name: 'ssl-redirect "true" written on the Ingress',
    files: { 'k8s/ingress.yaml': INGRESS('    nginx.ingress.kubernetes.io/ssl-redirect: "true"\n') },
    plain: true,
    redirect: { line: 6 },
  },
  {
    name: 'ssl-redirect "false" on the Ingress: the plain side proxies',
    files: { 'k8s/ingress.yaml': INGRESS('    nginx.ingress.kubernetes.io/ssl-redirect: "false"\n') },
    plain: true,
  },
  {
    name: 'ssl-redirect "false" in the controller ConfigMap',
    files: { 'k8s/ingress.yaml': INGRESS('    a: b\n'), 'k8s/controller.yaml': CONTROLLER('  ssl-redirect: "false"\n') },
    plain: true,
  },
  {
    name: 'the annotation wins over the ConfigMap',
    files: {
      'k8s/ingress.yaml': INGRESS('    nginx.ingress.kubernetes.io/ssl-redirect: "true"\n'),
      'k8s/controller.yaml': CONTROLLER('  ssl-redirect: "false"\n'),
    },
    plain: true,
    redirect: { line: 6 },
  },
  {
    name: 'force-ssl-redirect redirects even with ssl-redirect "false"',
    files: {
      'k8s/ingress.yaml': INGRESS(
        '    nginx.ingress.kubernetes.io/ssl-redirect: "false"\n    nginx.ingress.kubernetes.io/force-ssl-redirect: "true"\n',
      ),
    },
    plain: true,
    redirect: { line: 7 },
  },
  {
    name: 'trap: no tls: (no plain side added, no ssl-redirect)',
    files: { 'k8s/ingress.yaml': INGRESS('    a: b\n', false) },
    plain: false,
  },
];

for (const c of ingressTable)
  test(`ingress-nginx plain side: ${c.name}`, async () => {
    const site = await ingressSite(c.files);
    assert.ok(site);
    const plain = site.listeners.filter((l) => !l.tls);
    if (!c.plain) {
      assert.equal(site.listeners.length, 1);
      assert.equal(site.redirectsToHttps, undefined);
      return;
    }
    assert.deepEqual(
      site.listeners.map((l) => [l.port, l.tls]),
      [
        [443, true],
        [80, false],
      ],
    );
    assert.equal(plain.length, 1);
    if (c.redirect) {
      assert.equal(site.redirectsToHttps?.line, c.redirect.line, JSON.stringify(site.redirectsToHttps));
      if (c.redirect.origin) assert.equal(site.redirectsToHttps?.origin, c.redirect.origin);
      assert.equal(site.redirectDecidedBy, 'forwarded-proto');
    } else assert.equal(site.redirectsToHttps, undefined);
  });

test('ingress-nginx with use-forwarded-headers: a client’s own X-Forwarded-Proto: https over plain HTTP skips ssl-redirect and reaches the app as https', async () => {
  const spoofs = async (controller: string) => {
    const { facts } = await lintFiles(
      { ...K8S_APP, 'k8s/ingress.yaml': INGRESS('    a: b\n'), 'k8s/controller.yaml': CONTROLLER(controller) },
      [],
    );
    return analyzeChain(facts).verdict.entrySpoofs;
  };
  const on = await spoofs('  use-forwarded-headers: "true"\n');
  assert.equal(on.length, 1, JSON.stringify(on.map((s) => s.what)));
  assert.ok(on[0]?.what.includes('scheme'));
  // Without it the controller writes its own X-Forwarded-Proto: http and redirects the plain request.
  assert.deepEqual(await spoofs('  a: "b"\n'), []);
});

// The real nginx: a redirect-only server answers with the redirect whatever X-Forwarded-Proto says.
function get(port: number, headers: Record<string, string>): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/x',
        headers: { Host: 'app.example.org', ...headers },
        agent: false,
        timeout: REQUEST_SAFETY_TIMEOUT_MS,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('the real nginx: a return 301 https:// server ignores X-Forwarded-Proto', {
  skip: NGINX ? false : 'nginx is not installed',
}, () => {
  let dir = '';
  let nginx: RealProgram | undefined;
  let port = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pp-ngx-redirect-hop-'));
    for (const d of ['logs', 'tmp']) mkdirSync(join(dir, d));
    nginx = await startNginxConf(
      dir,
      1,
      ([p]) => nginxConf(dir, REDIRECT('app.example.org', undefined, `  listen 127.0.0.1:${p};\n`)),
      async ([p]) => (await get(p as number, {})).status > 0,
    );
    port = nginx.ports[0] as number;
  });

  after(() => {
    nginx?.child.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const headers of [{}, { 'X-Forwarded-Proto': 'https' }, { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Ssl': 'on' }])
    test(`headers ${JSON.stringify(headers)}: 301 to https://app.example.org/x`, async () => {
      assert.deepEqual(await get(port, headers), { status: 301, location: 'https://app.example.org/x' });
    });
});

// Apache: a :80 vhost that only redirects is the plain side of the TLS vhost of its names.
const APACHE_TLS =
  '<VirtualHost *:443>\n  ServerName app.example.org\n  SSLEngine on\n  SSLCertificateFile /etc/ssl/a.pem\n  RequestHeader set X-Forwarded-Proto https\n  ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n';
const APACHE_80 = (body: string, name = 'app.example.org') => `<VirtualHost *:80>\n  ServerName ${name}\n${body}</VirtualHost>\n`;

async function apacheSites(text: string): Promise<ProxySite[]> {
  const { facts } = await lintFiles({ 'apache2/sites-enabled/site.conf': text }, []);
  return (facts.proxies ?? []).filter((p) => p.kind === 'apache').flatMap((p) => p.sites);
}

const apacheTable: Array<{ name: string; text: string; joined?: { line: number; by: string } }> = [
  {
    name: 'Redirect permanent / https://',
    text: APACHE_80('  Redirect permanent / https://app.example.org/\n') + APACHE_TLS,
    joined: { line: 3, by: 'connection' },
  },
  {
    name: 'RewriteCond %{HTTPS} off (by the connection), the TLS vhost first',
    text:
      APACHE_TLS +
      APACHE_80('  RewriteEngine On\n  RewriteCond %{HTTPS} off\n  RewriteRule ^ https://%{HTTP_HOST}%{REQUEST_URI} [R=301,L]\n'),
    joined: { line: 12, by: 'connection' },
  },
  {
    name: 'trap: a rewrite conditioned on X-Forwarded-Proto (the other requests get the vhost’s own content)',
    text:
      APACHE_TLS +
      APACHE_80(
        '  RewriteEngine On\n  RewriteCond %{HTTP:X-Forwarded-Proto} !https\n  RewriteRule ^ https://%{HTTP_HOST}%{REQUEST_URI} [R=301,L]\n',
      ),
  },
  {
    name: 'trap: another name',
    text: APACHE_80('  Redirect permanent / https://other.example.net/\n', 'other.example.net') + APACHE_TLS,
  },
  { name: 'trap: a redirect to http://', text: APACHE_80('  Redirect permanent / http://app.example.org:8080/\n') + APACHE_TLS },
];

for (const c of apacheTable)
  test(`Apache redirect-only vhost: ${c.name}`, async () => {
    const all = await apacheSites(c.text);
    const tls = all.find((s) => s.listeners.some((l) => l.tls));
    if (!c.joined) {
      assert.equal(tls?.redirectsToHttps, undefined);
      assert.deepEqual(
        tls?.listeners.map((l) => l.port),
        [443],
      );
      return;
    }
    assert.equal(all.length, 1, 'the redirect vhost joined the TLS one');
    assert.deepEqual(
      tls?.listeners.map((l) => [l.port, l.tls]),
      [
        [443, true],
        [80, false],
      ],
    );
    assert.equal(tls?.redirectsToHttps?.line, c.joined.line);
    assert.equal(tls?.redirectDecidedBy, c.joined.by);
  });

test('HAProxy ending TLS in front of Apache’s redirect-only :80 vhost loops', async () => {
  const loop = await findingsFor('chain/scheme-lost', {
    name: 'haproxy -> apache :80 Redirect',
    files: {
      ...APP,
      'haproxy.cfg': HAPROXY,
      'apache2/sites-enabled/site.conf': APACHE_80('  Redirect permanent / https://app.example.org/\n') + APACHE_TLS,
    },
    expect: 1,
  });
  assert.equal(loop.length, 1, JSON.stringify(loop.map((x) => x.message)));
  assert.match(loop[0]?.message ?? '', /ERR_TOO_MANY_REDIRECTS/);
  assert.equal(loop[0]?.evidence[0]?.line, 3);
});
