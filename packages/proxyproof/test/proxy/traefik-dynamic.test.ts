/**
 * Traefik's dynamic configuration (docker provider labels, file provider YAML/TOML): routers become routes of the
 * entrypoint sites they are bound to, and the chain follows Traefik to the app behind it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProxySite } from '../../src/model/proxy.js';
import { findingsFor } from '../checks/chain/cases.js';
import { lintFiles } from '../python/lint-files.js';

const TRAEFIK = (flags: string[]) =>
  `services:\n  traefik:\n    image: traefik:v3.1\n    command:\n${flags.map((f) => `      - "${f}"`).join('\n')}\n    ports:\n      - "80:80"\n      - "443:443"\n`;
const APP = (labels: string[], extra = '') =>
  `  app:\n    build: .\n    command: gunicorn --bind 0.0.0.0:8000 site.wsgi\n${extra}    labels:\n${labels.map((l) => `      - "${l}"`).join('\n')}\n`;
const STATIC = ['--providers.docker=true', '--entrypoints.web.address=:80', '--entrypoints.websecure.address=:443'];

async function traefikSites(files: Record<string, string>): Promise<ProxySite[]> {
  const { facts } = await lintFiles(files);
  return (facts.proxies ?? []).filter((p) => p.kind === 'traefik').flatMap((p) => p.sites);
}

test('labels: a TLS router on websecure with a service port routes to the compose service, TLS on the entrypoint', async () => {
  const sites = await traefikSites({
    'docker-compose.yml':
      TRAEFIK(STATIC) +
      APP([
        'traefik.enable=true',
        'traefik.http.routers.app.rule=Host(`app.example.org`)',
        'traefik.http.routers.app.entrypoints=websecure',
        'traefik.http.routers.app.tls.certresolver=le',
        'traefik.http.services.app.loadbalancer.server.port=8000',
      ]),
  });
  const secure = sites.find((s) => s.label.includes('websecure'));
  assert.ok(secure);
  assert.equal(secure.listeners[0]?.tls, true);
  assert.deepEqual(secure.names, ['app.example.org']);
  assert.deepEqual(secure.routes[0]?.upstreams[0]?.address, { kind: 'tcp', host: 'app', port: 8000 });
  assert.equal(secure.routes[0]?.ref.line, 16);
  // The router names websecure only: nothing on web.
  assert.equal(sites.find((s) => s.label.includes('entrypoint web '))?.routes.length, 0);
});

test('labels: no service label -> the service Traefik makes for the container, on the single port it exposes', async () => {
  const sites = await traefikSites({
    'docker-compose.yml':
      TRAEFIK(STATIC) +
      APP(
        ['traefik.http.routers.app.rule=Host(`a.example.org`)', 'traefik.http.routers.app.tls=true'],
        '    expose:\n      - "8000"\n',
      ),
  });
  // No entryPoints: every entrypoint but the internal one; the TLS router makes both serve HTTPS.
  const withRoutes = sites.filter((s) => s.routes.length);
  assert.equal(withRoutes.length, 2);
  for (const s of withRoutes) assert.deepEqual(s.routes[0]?.upstreams[0]?.address, { kind: 'tcp', host: 'app', port: 8000 });
});

test('labels (trap): exposedByDefault=false leaves out a container without traefik.enable=true', async () => {
  const sites = await traefikSites({
    'docker-compose.yml':
      TRAEFIK([...STATIC, '--providers.docker.exposedbydefault=false']) +
      APP(['traefik.http.routers.app.rule=Host(`a.example.org`)', 'traefik.http.services.app.loadbalancer.server.port=8000']),
  });
  assert.equal(sites.filter((s) => s.routes.length).length, 0);
});

test('labels: an entrypoint redirection to websecure makes web a redirect, and a middleware header is a route rule', async () => {
  const sites = await traefikSites({
    'docker-compose.yml':
      TRAEFIK([...STATIC, '--entrypoints.web.http.redirections.entrypoint.to=websecure']) +
      APP([
        'traefik.http.routers.app.rule=Host(`a.example.org`)',
        'traefik.http.routers.app.middlewares=proto@docker',
        'traefik.http.middlewares.proto.headers.customrequestheaders.X-Forwarded-Proto=https',
        'traefik.http.middlewares.proto.headers.customrequestheaders.X-Real-Ip=',
        'traefik.http.services.app.loadbalancer.server.port=8000',
      ]),
  });
  const web = sites.find((s) => s.label.includes('entrypoint web '));
  assert.ok(web?.redirectsToHttps);
  assert.equal(web.routes.length, 0);
  const secure = sites.find((s) => s.label.includes('websecure'));
  const rules = secure?.routes[0]?.headers.filter((h) => h.from === 'route').map((h) => [h.name, h.value]);
  assert.deepEqual(rules, [
    ['X-Forwarded-Proto', 'https'],
    ['X-Real-Ip', null],
  ]);
});

test('file provider: routers and services in the static YAML and in a separate TOML file', async () => {
  const sites = await traefikSites({
    'traefik/traefik.yml':
      "entryPoints:\n  web-secure:\n    address: ':443'\nhttp:\n  routers:\n    django:\n      rule: 'Host(`x.org`)'\n      entryPoints:\n        - web-secure\n      service: django\n      tls:\n        certResolver: le\n  services:\n    django:\n      loadBalancer:\n        servers:\n          - url: http://django:5000\n",
    'dynamic/rules.toml':
      '[http.routers.api]\n  rule = "Host(`api.x.org`)"\n  entryPoints = ["web-secure"]\n  service = "api"\n  [http.routers.api.tls]\n[http.services.api.loadBalancer]\n  [[http.services.api.loadBalancer.servers]]\n    url = "http://api:9000/"\n',
  });
  const s = sites.find((x) => x.label.includes('web-secure'));
  assert.ok(s);
  assert.equal(s.listeners[0]?.tls, true);
  const routes = [...s.routes].sort((a, b) => a.match.localeCompare(b.match));
  assert.deepEqual(
    routes.map((r) => [r.upstreams[0]?.address, r.ref.file.split('/').pop(), r.ref.line]),
    [
      [{ kind: 'tcp', host: 'api', port: 9000 }, 'rules.toml', 2],
      [{ kind: 'tcp', host: 'django', port: 5000 }, 'traefik.yml', 7],
    ],
  );
});

test('labels without any static configuration: a TLS router on websecure is a :443 site with Traefik’s default trust', async () => {
  const sites = await traefikSites({
    'compose.yml': `services:\n${APP([
      'traefik.http.routers.app.rule=Host(`a.example.org`)',
      'traefik.http.routers.app.entrypoints=websecure',
      'traefik.http.routers.app.tls=true',
      'traefik.http.services.app.loadbalancer.server.port=8000',
    ])}`,
  });
  assert.equal(sites.length, 1);
  assert.equal(sites[0]?.listeners[0]?.port, 443);
  assert.equal(sites[0]?.listeners[0]?.tls, true);
  assert.equal(sites[0]?.trust.mode, 'none');
  assert.match(sites[0]?.notes[0] ?? '', /static configuration is not in these files/);
});

const SETTINGS = (extra: string) =>
  `SECRET_KEY = "x"\nALLOWED_HOSTS = ["app.example.org"]\nINSTALLED_APPS = ["django.contrib.admin"]\nROOT_URLCONF = "site.urls"\n${extra}`;
const LABELS = [
  'traefik.http.routers.app.rule=Host(`app.example.org`)',
  'traefik.http.routers.app.entrypoints=websecure',
  'traefik.http.routers.app.tls.certresolver=le',
  'traefik.http.services.app.loadbalancer.server.port=8000',
];

test('chain: Traefik (labels) -> gunicorn in its own container -> Django without SECURE_PROXY_SSL_HEADER is lost at hop 2', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'traefik labels',
    files: { 'docker-compose.yml': TRAEFIK(STATIC) + APP(LABELS), 'site/settings.py': SETTINGS(''), 'site/wsgi.py': '' },
    expect: 1,
  });
  assert.equal(f.length, 1);
  assert.match(f[0]?.message ?? '', /lost at hop 2 \(gunicorn/);
});

test('chain (trap): the same with SECURE_PROXY_SSL_HEADER believes https', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'traefik labels fixed',
    files: {
      'docker-compose.yml': TRAEFIK(STATIC) + APP(LABELS),
      'site/settings.py': SETTINGS('SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")\n'),
      'site/wsgi.py': '',
    },
    expect: 0,
  });
  assert.equal(f.length, 0);
});

test('Swarm stack: deploy.labels declare the router (Traefik reads service labels there in swarm mode), with their own lines', async () => {
  const stack =
    TRAEFIK(['--providers.swarm=true', '--entrypoints.web.address=:80', '--entrypoints.websecure.address=:443']) +
    '  app:\n    image: registry.example.org/app:1\n    command: gunicorn --bind 0.0.0.0:8000 site.wsgi\n    deploy:\n      replicas: 2\n      labels:\n        - "traefik.http.routers.app.rule=Host(`app.example.org`)"\n        - "traefik.http.routers.app.entrypoints=websecure"\n        - "traefik.http.routers.app.tls=true"\n        - "traefik.http.services.app.loadbalancer.server.port=8000"\n';
  const sites = await traefikSites({ 'stack.yml': stack });
  const secure = sites.find((s) => s.label.includes('websecure'));
  assert.ok(secure, JSON.stringify(sites.map((s) => s.label)));
  assert.equal(secure.listeners[0]?.tls, true);
  assert.deepEqual(secure.names, ['app.example.org']);
  assert.deepEqual(secure.routes[0]?.upstreams[0]?.address, { kind: 'tcp', host: 'app', port: 8000 });
  assert.equal(secure.routes[0]?.ref.line, stack.split('\n').findIndex((l) => l.includes('routers.app.rule')) + 1);
});

const INGRESS_ROUTE = (entryPoint: string, middlewares: string[]) =>
  `apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\nmetadata:\n  name: app\n  namespace: prod\nspec:\n  entryPoints:\n    - ${entryPoint}\n  routes:\n    - match: Host(\`app.example.org\`)\n      kind: Rule\n${middlewares.length ? `      middlewares:\n${middlewares.map((m) => `        - name: ${m}\n`).join('')}` : ''}      services:\n        - name: app\n          port: 8000\n`;
const MIDDLEWARES =
  'apiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: proto-https\n  namespace: prod\nspec:\n  headers:\n    customRequestHeaders:\n      X-Forwarded-Proto: https\n---\napiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: to-https\nspec:\n  redirectScheme:\n    scheme: https\n    permanent: true\n';

test('IngressRoute + Middleware CRDs (another file): the middleware header is a route rule after Traefik’s own; redirectScheme makes a plain route a redirect', async () => {
  const sites = await traefikSites({ 'k8s/route.yaml': INGRESS_ROUTE('web', ['proto-https']), 'k8s/mw.yaml': MIDDLEWARES });
  const rule = sites[0]?.routes[0]?.headers.filter((h) => h.name === 'X-Forwarded-Proto').pop();
  assert.equal(rule?.value, 'https');
  assert.equal(rule?.from, 'route');
  assert.deepEqual([rule?.ref.file, rule?.ref.line], ['k8s/mw.yaml', 9]);
  const { findings } = await lintFiles({ 'k8s/route.yaml': INGRESS_ROUTE('web', ['proto-https']), 'k8s/mw.yaml': MIDDLEWARES });
  const hard = findings.filter((f) => f.id === 'traefik/custom-header-hardcodes-scheme');
  assert.equal(hard.length, 1, JSON.stringify(findings.map((f) => f.id)));
  assert.equal(hard[0]?.evidence[0]?.line, 9);
  const redirected = await traefikSites({
    'k8s/route.yaml': INGRESS_ROUTE('web', ['to-https', 'proto-https']),
    'k8s/mw.yaml': MIDDLEWARES,
  });
  assert.equal(redirected[0]?.redirectsToHttps?.line, 16);
  const none = await traefikSites({ 'k8s/route.yaml': INGRESS_ROUTE('web', ['missing']), 'k8s/mw.yaml': MIDDLEWARES });
  assert.ok(none[0]?.notes.some((n) => /middleware missing/.test(n)));
});

test('TCP routers: a TLS-ending TCP router is a tcp site (no header rules), linked to the service; the chain loses the scheme there', async () => {
  const files = {
    'docker-compose.yml':
      TRAEFIK(STATIC) +
      APP([
        'traefik.enable=true',
        'traefik.tcp.routers.app.rule=HostSNI(`app.example.org`)',
        'traefik.tcp.routers.app.entrypoints=websecure',
        'traefik.tcp.routers.app.tls=true',
        'traefik.tcp.services.app.loadbalancer.server.port=8000',
      ]),
    'site/settings.py': 'SECRET_KEY = "x"\nSECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")\n',
    'site/wsgi.py': '',
  };
  const sites = await traefikSites(files);
  const tcp = sites.find((s) => s.mode === 'tcp');
  assert.ok(tcp, JSON.stringify(sites.map((s) => s.label)));
  assert.equal(tcp.listeners[0]?.port, 443);
  assert.equal(tcp.listeners[0]?.tls, true);
  assert.deepEqual(tcp.names, ['app.example.org']);
  assert.deepEqual(tcp.routes[0]?.upstreams[0]?.address, { kind: 'tcp', host: 'app', port: 8000 });
  assert.deepEqual(tcp.routes[0]?.headers, []);
  const f = await findingsFor('chain/scheme-lost', { name: 'tcp', files, expect: 1 });
  assert.equal(f.length, 1);
  assert.match(f[0]?.message ?? '', /TCP routers/);
  assert.match(f[0]?.message ?? '', /X-Forwarded-Proto missing/);
});

test('TCP routers (trap): TLS passthrough sends the client’s TLS session on: an https upstream, no scheme lost at Traefik', async () => {
  const sites = await traefikSites({
    'traefik.yml': 'entryPoints:\n  websecure:\n    address: ":443"\n',
    'dynamic.yml':
      'tcp:\n  routers:\n    app:\n      rule: "HostSNI(`app.example.org`)"\n      entryPoints: [websecure]\n      service: app\n      tls:\n        passthrough: true\n  services:\n    app:\n      loadBalancer:\n        servers:\n          - address: "10.0.0.5:8443"\n',
  });
  const tcp = sites.find((s) => s.mode === 'tcp');
  assert.ok(tcp, JSON.stringify(sites.map((s) => s.label)));
  assert.equal(tcp.routes[0]?.protocol, 'https');
  assert.deepEqual(tcp.routes[0]?.upstreams[0]?.address, { kind: 'tcp', host: '10.0.0.5', port: 8443 });
  assert.match(tcp.label, /TLS passthrough/);
});

test('labels: a router with its own RedirectScheme middleware on web keeps its route (with the redirect); another router there is not redirected', async () => {
  const sites = await traefikSites({
    'docker-compose.yml':
      TRAEFIK(STATIC) +
      APP([
        'traefik.http.routers.app.rule=Host(`a.example.org`)',
        'traefik.http.routers.app.entrypoints=web',
        'traefik.http.routers.app.middlewares=to-https',
        'traefik.http.middlewares.to-https.redirectscheme.scheme=https',
        'traefik.http.routers.other.rule=Host(`b.example.org`)',
        'traefik.http.routers.other.entrypoints=web',
        'traefik.http.routers.other.service=app',
        'traefik.http.services.app.loadbalancer.server.port=8000',
      ]),
  });
  const web = sites.find((s) => s.label.includes('entrypoint web '));
  assert.ok(web);
  assert.equal(web.redirectsToHttps, undefined);
  const app = web.routes.find((r) => r.match.includes('a.example.org'));
  const other = web.routes.find((r) => r.match.includes('b.example.org'));
  assert.equal(app?.redirectsToHttps?.line, 18);
  assert.equal(app?.redirectDecidedBy, 'forwarded-proto');
  assert.ok(other);
  assert.equal(other.redirectsToHttps, undefined);
});

test('chain: behind a TLS load balancer (--front aws-alb) Traefik web with no trustedIPs ignores X-Forwarded-Proto and the router redirect loops', async () => {
  const { lintPaths } = await import('../../src/engine/lint.js');
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'pp-traefik-loop-'));
  try {
    writeFileSync(
      join(dir, 'docker-compose.yml'),
      TRAEFIK(STATIC) +
        APP([
          'traefik.http.routers.app.rule=Host(`a.example.org`)',
          'traefik.http.routers.app.entrypoints=web',
          'traefik.http.routers.app.middlewares=to-https',
          'traefik.http.middlewares.to-https.redirectscheme.scheme=https',
          'traefik.http.services.app.loadbalancer.server.port=8000',
        ]),
    );
    const { report } = await lintPaths(['.'], { cwd: dir, front: { name: 'aws-alb', origin: 'declared' } });
    // One cause, one headline: the entrypoint's missing trustedIPs (LostAt.trustRef) heads the loop, the chain
    // finding is its explanation (chain/refine.ts).
    const loop = report.findings.find(
      (f) => f.id === 'traefik/entrypoint-untrusted-behind-proxy' && /ERR_TOO_MANY_REDIRECTS/.test(f.message),
    );
    assert.ok(loop, report.findings.map((f) => `${f.id} ${f.message}`).join('\n'));
    assert.equal(loop.severity, 'critical');
    assert.equal((loop.data?.chainFinding as { id?: string } | undefined)?.id, 'chain/scheme-lost');
    assert.ok(!report.findings.some((f) => f.id === 'chain/scheme-lost'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Traefik in compose with or without `network_mode: host`, a file-provider route to 127.0.0.1:8000, gunicorn there on the host. */
const HOST_NET = (hostNetwork: boolean) => ({
  'docker-compose.yml': `services:\n  traefik:\n    image: traefik:v3.1\n    command:\n      - "--entrypoints.websecure.address=:443"\n      - "--providers.file.filename=/etc/traefik/dynamic.yml"\n${hostNetwork ? '    network_mode: host\n' : '    ports:\n      - "443:443"\n'}    volumes:\n      - ./dynamic.yml:/etc/traefik/dynamic.yml\n`,
  'dynamic.yml':
    'http:\n  routers:\n    app:\n      rule: Host(`app.example.org`)\n      entryPoints: [websecure]\n      tls: {}\n      service: app\n  services:\n    app:\n      loadBalancer:\n        servers:\n          - url: http://127.0.0.1:8000\n',
  'gunicorn.service':
    '[Service]\nWorkingDirectory=/srv/app\nExecStart=/srv/app/venv/bin/gunicorn --bind 127.0.0.1:8000 site.wsgi\n[Install]\nWantedBy=multi-user.target\n',
});

test('network_mode: host: a proxy container shares the host network, so its 127.0.0.1:8000 is the host gunicorn', async () => {
  const { analysis } = await lintFiles(HOST_NET(true));
  const links = analysis.chain.topology.links;
  assert.ok(links.length > 0);
  assert.ok(
    links.every((l) => l.target.kind === 'app'),
    JSON.stringify(links.map((l) => l.target)),
  );
});

test('network_mode (trap): without it the same 127.0.0.1:8000 is the Traefik container itself (unresolved)', async () => {
  const { analysis } = await lintFiles(HOST_NET(false));
  const links = analysis.chain.topology.links;
  assert.ok(links.some((l) => l.target.kind === 'unresolved' && /that container itself/.test(l.target.reason)));
});
