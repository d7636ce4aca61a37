/**
 * Traefik 1.x (collectors/traefik/v1.ts): entrypoints, frontends/backends and 1.x container labels read into the
 * same routes as 2.x, with 1.x's trust (every peer, or a trustedIPs list a client-sent X-Forwarded-For satisfies);
 * and what the doctor says when Traefik routes nothing (labels under exposedByDefault=false).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTraefikV1Image } from '../../src/collectors/traefik/collector.js';
import type { ProxySite } from '../../src/model/proxy.js';
import { lintFiles } from '../python/lint-files.js';
import { traefikV1Static } from './traefik-v1-files.js';

async function traefik(files: Record<string, string>): Promise<{ sites: ProxySite[]; versions: string[] }> {
  const { facts } = await lintFiles(files);
  const ps = (facts.proxies ?? []).filter((p) => p.kind === 'traefik');
  return { sites: ps.flatMap((p) => p.sites), versions: [...new Set(ps.map((p) => p.assumedVersion ?? ''))] };
}

const STATIC_V1 = traefikV1Static('', '[docker]\nexposedByDefault = false\n');

const RULES_V1 = `[frontends]
  [frontends.old]
    backend = "old"
    [frontends.old.routes.r1]
      rule = "Host:old.example.com;PathPrefix:/old_app"
[backends]
  [backends.old.servers.s0]
    url = "http://10.0.0.5:8000"
`;

test('1.x file provider: frontends/backends route on the TLS entrypoint; the redirecting one routes nothing; trust is every peer', async () => {
  const { sites, versions } = await traefik({ 'traefik.toml': STATIC_V1, 'rules/old.toml': RULES_V1 });
  assert.deepEqual(versions, ['1.x']);
  const https = sites.find((s) => s.label.includes('entrypoint https'));
  const http = sites.find((s) => s.label.includes('entrypoint http '));
  assert.ok(https && http);
  assert.equal(https.listeners[0]?.tls, true);
  assert.equal(https.routes[0]?.match, 'Host(`old.example.com`) && PathPrefix(`/old_app`)');
  assert.equal(https.routes[0]?.samplePath, '/old_app');
  assert.deepEqual(https.routes[0]?.upstreams[0]?.address, { kind: 'tcp', host: '10.0.0.5', port: 8000 });
  assert.equal(https.trust.mode, 'all');
  assert.ok(http.redirectsToHttps);
  assert.equal(http.routes.length, 0);
});

test('1.x trustedIPs: kept as the site trust of every peer (1.x also matches X-Forwarded-For entries), with a note', async () => {
  const { sites } = await traefik({
    'traefik.toml': traefikV1Static('    [entryPoints.https.forwardedHeaders]\n    trustedIPs = ["10.0.0.0/8"]\n'),
  });
  const https = sites.find((s) => s.label.includes('entrypoint https'));
  assert.equal(https?.trust.mode, 'all');
  assert.ok(https?.notes.some((n) => /X-Forwarded-For/.test(n)));
});

test('1.x labels and CLI entrypoints: traefik.frontend.rule + traefik.port route to the compose service', async () => {
  const { sites, versions } = await traefik({
    'docker-compose.yml': `services:
  traefik:
    image: traefik:1.7-alpine
    command:
      - "--docker"
      - "--defaultEntryPoints=http,https"
      - "--entryPoints=Name:http Address::80 Redirect.EntryPoint:https"
      - "--entryPoints=Name:https Address::443 TLS"
    ports:
      - "80:80"
      - "443:443"
  app:
    image: python:3.12
    command: gunicorn --bind 0.0.0.0:8000 site.wsgi
    labels:
      - "traefik.frontend.rule=Host:app.example.org"
      - "traefik.port=8000"
`,
  });
  assert.deepEqual(versions, ['1.x']);
  const https = sites.find((s) => s.label.includes('entrypoint https'));
  assert.equal(https?.listeners[0]?.tls, true);
  assert.deepEqual(https?.names, ['app.example.org']);
  assert.deepEqual(https?.routes[0]?.upstreams[0]?.address, { kind: 'tcp', host: 'app', port: 8000 });
  assert.ok(sites.find((s) => s.label.includes('entrypoint http '))?.redirectsToHttps);
});

test('labels for both (trap): a container with 1.x and 2.x router labels gets only its 2.x router', async () => {
  const { sites } = await traefik({
    'docker-compose.yml': `services:
  traefik:
    image: traefik:v2.11
    command:
      - "--entrypoints.websecure.address=:443"
  rss:
    image: rssbridge/rss-bridge:latest
    labels:
      - traefik.frontend.rule=Host:rss.example.com
      - traefik.port=80
      - "traefik.http.routers.rssbridge.rule=Host(\`rss.example.com\`)"
      - "traefik.http.routers.rssbridge.tls=true"
      - "traefik.http.services.rssbridge.loadbalancer.server.port=80"
`,
  });
  assert.deepEqual(
    sites.flatMap((s) => s.routes.map((r) => r.id.replace(/^.*:router:/, ''))),
    ['rssbridge'],
  );
});

test('2.x (trap): a v2 TOML with the same entrypoint names stays 2.x, its trustedIPs a list', async () => {
  const { sites, versions } = await traefik({
    'traefik.toml':
      '[entryPoints]\n  [entryPoints.https]\n    address = ":443"\n    [entryPoints.https.forwardedHeaders]\n      trustedIPs = ["10.0.0.0/8"]\n    [entryPoints.https.http.tls]\n',
  });
  assert.deepEqual(versions, ['2.x/3.x']);
  assert.equal(sites[0]?.trust.mode, 'list');
});

const JITSI_LIKE = (enable: boolean) => ({
  'docker-compose-traefik.yml': `services:
  traefik:
    image: "traefik:v2.3.1"
    command:
      - --providers.docker=true
      - --providers.docker.exposedbydefault=false
      - --entryPoints.web.address=:80
      - --entryPoints.websecure.address=:443
    ports:
      - "443:443"
`,
  'docker-compose.yml': `services:
  web:
    image: jitsi/web
    labels:
${enable ? '      traefik.enable: "true"\n' : ''}      traefik.http.routers.app.entrypoints: websecure
      traefik.http.routers.app.rule: 'Host(\`meet.example.org\`)'
      traefik.http.routers.app.tls: 'true'
      traefik.http.services.app.loadbalancer.server.port: 80
`,
});

test('mapping-form labels, static config in another compose file, exposedByDefault=false without traefik.enable: the doctor says why nothing routes', async () => {
  const { analysis } = await lintFiles(JITSI_LIKE(false));
  const missing = analysis.inventory.missing;
  const line = missing.find((m) => m.startsWith('traefik '));
  assert.ok(line, missing.join('\n'));
  assert.match(
    line,
    /route nothing \(router app \(docker-compose\.yml:\d+\) is ignored: its container web has no traefik\.enable=true/,
  );
  assert.ok(missing.some((m) => /Traefik routers/.test(m)));
});

test('mapping-form labels (trap): with traefik.enable: "true" the router routes to web:80 across the two compose files', async () => {
  const { sites } = await traefik(JITSI_LIKE(true));
  const secure = sites.find((s) => s.label.includes('websecure'));
  assert.deepEqual(secure?.routes[0]?.upstreams[0]?.address, { kind: 'tcp', host: 'web', port: 80 });
});

test('1.x images by tag: version numbers and 1.x code names; 2.x code names and look-alikes (traps) are not 1.x', () => {
  const rows: Array<[string, boolean]> = [
    ['traefik:1.7', true],
    ['traefik:v1.7.34-alpine', true],
    ['traefik:1', true],
    ['traefik:maroilles', true],
    ['traefik:maroilles-alpine', true],
    ['traefik:cancoillotte', true],
    ['containous/traefik:camembert', true],
    ['docker.io/library/traefik:tetedemoine-alpine', true],
    ['traefik:reblochon', true],
    // traps: 2.x/3.x code names, a 10.x-looking tag, another image whose name ends in traefik, a longer tag
    ['traefik:banon', false],
    ['traefik:montdor', false],
    ['traefik:v2.11', false],
    ['traefik:10', false],
    ['mytraefik:1.7', false],
    ['traefik:maroillesx', false],
  ];
  for (const [image, v1] of rows) assert.equal(isTraefikV1Image(image), v1, image);
});

const FLAGS_ONLY = (image: string, extra = '', command = '--api --docker --docker.exposedByDefault=false') => ({
  'docker-compose.yml': `services:
  traefik:
    image: ${image}
    command: ${command}
    ports:
      - "80:80"
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
${extra}  app:
    image: python:3.12
    command: gunicorn --bind 0.0.0.0:8000 site.wsgi
    labels:
      - "traefik.enable=true"
      - "traefik.frontend.rule=Host:app.example.org"
      - "traefik.port=8000"
`,
});

test('a 1.x code-name image started with flags only gets 1.x default http :80 entrypoint, trusting every peer', async () => {
  const { sites, versions } = await traefik(FLAGS_ONLY('traefik:maroilles'));
  assert.deepEqual(versions, ['1.x']);
  assert.equal(sites.length, 1);
  assert.equal(sites[0]?.listeners[0]?.port, 80);
  assert.equal(sites[0]?.trust.mode, 'all');
  assert.deepEqual(sites[0]?.routes[0]?.upstreams[0]?.address, { kind: 'tcp', host: 'app', port: 8000 });
  const { findings } = await lintFiles(FLAGS_ONLY('traefik:maroilles'));
  const f = findings.find((x) => x.id === 'traefik/forwarded-headers-insecure');
  assert.equal(f?.severity, 'high');
  assert.equal(f?.evidence[0]?.line, 3);
  assert.equal(f?.evidence[0]?.snippet, 'image: traefik:maroilles');
});

test('flags only (traps): a 2.x code name gets no 1.x entrypoint; a 1.x image with a mounted traefik.toml takes its entrypoints from the file', async () => {
  // (2.x's own flags: `--docker` would make it 1.x whatever the tag, as 2.x refuses to start with it)
  const v2 = await traefik(FLAGS_ONLY('traefik:banon', '', '--api --providers.docker --providers.docker.exposedByDefault=false'));
  assert.ok(!v2.versions.includes('1.x'), v2.versions.join());
  const mounted = await traefik({
    ...FLAGS_ONLY('traefik:maroilles', '      - ./traefik.toml:/etc/traefik/traefik.toml\n'),
    'traefik.toml': traefikV1Static(''),
  });
  assert.deepEqual(mounted.versions, ['1.x']);
  // Only the file's entrypoints (http redirecting, https): no second :80 site made up from the flags.
  assert.deepEqual(mounted.sites.map((s) => s.listeners[0]?.port).sort(), [443, 80]);
  assert.ok(mounted.sites.every((s) => s.ref.file === 'traefik.toml'));
});

const V1_HEADER_LABELS = (label: string) => ({
  'docker-compose.yml': `services:
  traefik:
    image: traefik:1.7
    command:
      - "--docker"
      - "--entryPoints=Name:http Address::80"
  app:
    image: python:3.12
    command: gunicorn --bind 0.0.0.0:8000 site.wsgi
    labels:
      - "traefik.frontend.rule=Host:app.example.org"
      - "traefik.port=8000"
      - "${label}"
`,
});

test('1.x frontend headers: customRequestHeaders (K:V||K2:V2) sets or removes request headers; SSLProxyHeaders (trap) sets none', async () => {
  const routeRules = async (label: string) => {
    const { sites } = await traefik(V1_HEADER_LABELS(label));
    // null: the header removed (an empty value, as 1.7's ModifyRequestHeaders deletes it)
    return (sites[0]?.routes[0]?.headers ?? []).filter((h) => h.from === 'route').map((h) => [h.name, h.value]);
  };
  assert.deepEqual(await routeRules('traefik.frontend.headers.customRequestHeaders=X-Forwarded-Proto:https||X-Real-Ip:'), [
    ['X-Forwarded-Proto', 'https'],
    ['X-Real-Ip', null],
  ]);
  // unrolled/secure (v1.0.5, what 1.7 uses) reads SSLProxyHeaders only in isSSL, to decide SSLRedirect and STS:
  // the request goes on with Traefik's own X-Forwarded-Proto, not the label's value.
  assert.deepEqual(await routeRules('traefik.frontend.headers.SSLProxyHeaders=X-Forwarded-Proto:https'), []);
});

const UNTAGGED = (args: string[]) => ({
  'traefik-ds.yaml': `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: traefik
spec:
  template:
    spec:
      containers:
      - image: traefik
        name: traefik
        ports:
        - containerPort: 80
          hostPort: 80
        args:
${args.map((a) => `        - ${a}`).join('\n')}
`,
});

test('an untagged traefik image with flags only 1.x has (--kubernetes, --logLevel) is 1.x with its default http :80; 2.x flags (traps) are not', async () => {
  const v1 = await traefik(UNTAGGED(['--api', '--kubernetes', '--logLevel=INFO']));
  assert.deepEqual(v1.versions, ['1.x']);
  assert.equal(v1.sites[0]?.listeners[0]?.port, 80);
  assert.equal(v1.sites[0]?.trust.mode, 'all');
  // 2.x spellings of the same options: providers.*, log.level; --api alone is both versions'.
  for (const args of [
    ['--api', '--providers.kubernetesingress', '--log.level=INFO', '--entrypoints.web.address=:80'],
    ['--api.insecure=true', '--providers.file.filename=/etc/traefik/rules.yml', '--entrypoints.web.address=:80'],
  ]) {
    const v2 = await traefik(UNTAGGED(args));
    assert.deepEqual(v2.versions, ['2.x/3.x'], args.join(' '));
  }
});
