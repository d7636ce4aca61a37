/**
 * Entries of the neutral proxy hops: a hop without a server name (an HAProxy frontend) is simulated with the name
 * of the proxy behind it; a proxy's own redirect to https (redirectsToHttps) is decided by the scheme the hop
 * believes, so it ends a plain request, and loops behind a load balancer whose X-Forwarded-Proto it does not trust.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeChain } from '../../src/chain/analyze.js';
import type { ProxyHop } from '../../src/chain/model.js';
import { computeVerdict } from '../../src/chain/verdict.js';
import { haproxySchemeHttpsOnPlainBind } from '../../src/checks/haproxy/scheme-https-on-plain-bind.js';
import { findingsFor } from '../checks/chain/cases.js';
import { lintFiles } from '../python/lint-files.js';
import { django, gunicorn, link, nginx, ref, route, rule, topo } from './topo.js';

const HAPROXY =
  'defaults\n  mode http\nfrontend www\n  bind :443 ssl crt /etc/haproxy/site.pem\n  http-request set-header X-Forwarded-Proto https\n  default_backend web\nbackend web\n  server n1 127.0.0.1:8080\n';
const NGINX =
  'server {\n  listen 127.0.0.1:8080;\n  server_name app.example.org;\n  location / {\n    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;\n    proxy_pass http://127.0.0.1:8000;\n  }\n}\n';

test('an HAProxy frontend without a server name is simulated with the name of the nginx behind it', async () => {
  const { facts } = await lintFiles({ 'haproxy.cfg': HAPROXY, 'site.conf': NGINX }, []);
  const a = analyzeChain(facts);
  const entry = a.topology.entries.find((e) => a.topology.proxies.find((p) => p.id === e.hopId)?.kind === 'haproxy');
  assert.ok(entry, 'the HAProxy frontend is the entry');
  assert.equal(entry.name, 'app.example.org');
  assert.match(entry.url, /^https:\/\/app\.example\.org\//);
  assert.ok(a.topology.notes.some((n) => /has no server name: simulated as app\.example\.org, the name nginx/.test(n)));
  assert.ok(!a.topology.notes.some((n) => /simulated as "localhost"/.test(n)));
});

test('with nothing behind it that has a name, the note still says localhost', async () => {
  const { facts } = await lintFiles({ 'haproxy.cfg': HAPROXY.replace('127.0.0.1:8080', '127.0.0.1:8000') }, []);
  const a = analyzeChain(facts);
  assert.ok(a.topology.notes.some((n) => /has no server name: simulated as "localhost"/.test(n)));
});

// ingress-nginx behind a TLS load balancer: an Ingress without tls:, plain HTTP from the balancer.
const INGRESS = (annotations: string) =>
  `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: site\n  annotations:\n${annotations}spec:\n  ingressClassName: nginx\n  rules:\n    - host: app.example.org\n      http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend:\n              service:\n                name: web\n                port:\n                  number: 80\n`;
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

test('ingress-nginx force-ssl-redirect behind a TLS load balancer without use-forwarded-headers: the controller loops', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'force-ssl-redirect loop',
    files: { ...K8S_APP, 'k8s/ingress.yaml': INGRESS('    nginx.ingress.kubernetes.io/force-ssl-redirect: "true"\n') },
    options: { behindTlsLb: true },
    expect: 1,
  });
  assert.equal(f.length, 1, JSON.stringify(f.map((x) => x.message)));
  const m = f[0]?.message ?? '';
  assert.match(
    m,
    /Ingress site \(ingress-nginx\).*answers with its own redirect to https:\/\/app\.example\.org\/ again and again: ERR_TOO_MANY_REDIRECTS/s,
  );
  assert.match(m, /X-Forwarded-Proto: https from a peer it does not trust is ignored/);
  assert.equal(f[0]?.severity, 'critical');
  assert.ok(
    f[0]?.evidence.some((e) => e.file.endsWith('ingress.yaml') && e.line === 6),
    JSON.stringify(f[0]?.evidence),
  );
});

test('the same with use-forwarded-headers in the controller ConfigMap: the balancer’s https is believed, no redirect, https reaches Django', async () => {
  const files = {
    ...K8S_APP,
    'k8s/ingress.yaml': INGRESS('    nginx.ingress.kubernetes.io/force-ssl-redirect: "true"\n'),
    'k8s/controller.yaml': CONTROLLER('  use-forwarded-headers: "true"\n'),
  };
  const f = await findingsFor('chain/scheme-lost', { name: 'trusted', files, options: { behindTlsLb: true }, expect: 0 });
  assert.equal(f.length, 0, JSON.stringify(f.map((x) => x.message)));
});

test('force-ssl-redirect from the controller ConfigMap applies too; "false" on the Ingress turns it off (the scheme is then lost, without a loop)', async () => {
  const on = await findingsFor('chain/scheme-lost', {
    name: 'configmap',
    files: {
      ...K8S_APP,
      'k8s/ingress.yaml': INGRESS('    a: b\n'),
      'k8s/controller.yaml': CONTROLLER('  force-ssl-redirect: "true"\n'),
    },
    options: { behindTlsLb: true },
    expect: 1,
  });
  assert.match(on[0]?.message ?? '', /ERR_TOO_MANY_REDIRECTS/);
  const off = await findingsFor('chain/scheme-lost', {
    name: 'annotation off',
    files: {
      ...K8S_APP,
      'k8s/ingress.yaml': INGRESS('    nginx.ingress.kubernetes.io/force-ssl-redirect: "false"\n'),
      'k8s/controller.yaml': CONTROLLER('  force-ssl-redirect: "true"\n'),
    },
    options: { behindTlsLb: true },
    expect: 1,
  });
  // No redirect: the request reaches the app, with ingress-nginx's own X-Forwarded-Proto: http (use-forwarded-headers off).
  assert.equal(off.length, 1);
  assert.doesNotMatch(off[0]?.message ?? '', /redirect/);
  assert.match(off[0]?.message ?? '', /X-Forwarded-Proto: http/);
});

// The simulator on hand-built hops: a plain listener that redirects (Traefik's `web` entrypoint redirection).
// Passes the peer's X-Forwarded-Proto as it came (the worst case: what a forged header would do if forwarded).
const xfpPassed = rule('X-Forwarded-Proto', '{in:x-forwarded-proto}');
const plainRedirecting = (extra: Partial<ProxyHop>) =>
  nginx([route([xfpPassed])], {
    tls: false,
    extra: { kind: 'traefik', redirectsToHttps: ref('traefik.yml', 7), redirectDecidedBy: 'forwarded-proto', ...extra },
  });
const lbEntry = (t: ReturnType<typeof topo>) => {
  for (const e of t.entries) {
    e.lb = { type: 'lb', label: 'ALB', mode: 'http', port: 443, why: 'test', origin: 'declared' };
    e.url = e.url.replace(/^http:/, 'https:');
  }
  return t;
};

test('simulator: a plain listener that redirects ends a plain request at the hop (a forged X-Forwarded-* never reaches the app)', () => {
  const t = topo(
    [plainRedirecting({})],
    [gunicorn({ trusted: { value: ['*'], origin: 'literal' } })],
    [link({ kind: 'loopback', ip: '127.0.0.1' })],
  );
  const v = computeVerdict(t);
  assert.equal(v.routes.length, 0, 'a plain entry is not a browser entry');
  assert.deepEqual(v.entrySpoofs, [], 'the attacker’s plain request is redirected, not forwarded');
  // Without the redirect the same hop passes the attacker's X-Forwarded-Proto to an app that trusts everyone.
  const open = topo(
    [plainRedirecting({ redirectsToHttps: undefined })],
    [gunicorn({ trusted: { value: ['*'], origin: 'literal' } })],
    [link({ kind: 'loopback', ip: '127.0.0.1' })],
  );
  assert.ok(computeVerdict(open).entrySpoofs.length > 0);
});

test('simulator: behind a TLS load balancer the redirect loops unless the hop trusts the balancer’s X-Forwarded-Proto; a connection-decided redirect always loops', () => {
  const app = () => [gunicorn({ framework: django() })];
  const loopback = () => [link({ kind: 'loopback', ip: '127.0.0.1' })];
  const untrusted = computeVerdict(
    lbEntry(topo([plainRedirecting({ trustedPeers: { list: [], ref: ref('traefik.yml', 3) } })], app(), loopback())),
  ).routes[0];
  assert.equal(untrusted?.redirect?.loop, true);
  assert.equal(untrusted?.redirect?.by, 'proxy');
  assert.equal(untrusted?.scheme.status, 'lost');
  assert.equal(untrusted?.scheme.lostAt?.step, 2);
  assert.deepEqual(untrusted?.spoofable, []);
  const trusted = computeVerdict(
    lbEntry(topo([plainRedirecting({ trustedPeers: { list: ['0.0.0.0/0'], ref: ref('traefik.yml', 3) } })], app(), loopback())),
  ).routes[0];
  assert.equal(trusted?.redirect, undefined);
  assert.ok(
    trusted?.trace.steps.some((s) => s.kind === 'framework'),
    'the request reaches the app',
  );
  const byConnection = computeVerdict(
    lbEntry(
      topo(
        [
          plainRedirecting({
            redirectDecidedBy: 'connection',
            trustedPeers: { list: ['0.0.0.0/0'], ref: ref('traefik.yml', 3) },
          }),
        ],
        app(),
        loopback(),
      ),
    ),
  ).routes[0];
  assert.equal(byConnection?.redirect?.loop, true, 'a redirect on the connection scheme ignores any header');
});

// ingress-nginx configuration-snippet read as nginx location lines (the nginx collector's parser).
const SNIPPET_INGRESS = (snippet: string) => INGRESS(`    nginx.ingress.kubernetes.io/configuration-snippet: |\n${snippet}`);

test('configuration-snippet: a proxy_set_header the controller also sets is sent twice (controller first), at the manifest line', async () => {
  const files = {
    ...K8S_APP,
    'k8s/ingress.yaml': SNIPPET_INGRESS(
      '      proxy_set_header X-Forwarded-Proto https;\n      proxy_set_header X-Original-Scheme $pass_access_scheme;\n',
    ),
  };
  const { facts } = await lintFiles(files, []);
  const ing = facts.kube?.ingresses?.[0];
  assert.deepEqual(
    ing?.snippets?.[0]?.headers.map((h) => [h.name, h.value, h.ref.line]),
    [
      ['X-Forwarded-Proto', 'https', 7],
      ['X-Original-Scheme', '$pass_access_scheme', 8],
    ],
  );
  const a = analyzeChain(facts);
  const hop = a.topology.proxies.find((p) => p.label.startsWith('Ingress site'));
  const xfp = hop?.routes[0]?.headers.filter((h) => h.name.toLowerCase() === 'x-forwarded-proto');
  assert.deepEqual(
    xfp?.map((h) => [h.value, h.append ?? false, h.ref.line]),
    [
      ['{scheme}', false, 2],
      ['https', true, 7],
    ],
  );
  assert.equal(hop?.routes[0]?.headers.find((h) => h.name === 'X-Original-Scheme')?.value, '{scheme}');
  // Behind a TLS balancer without use-forwarded-headers: the app gets "http, https" and still believes http.
  const behind = await findingsFor('chain/scheme-lost', { name: 'snippet', files, options: { behindTlsLb: true }, expect: 1 });
  assert.equal(behind.length, 1);
  assert.match(behind[0]?.message ?? '', /X-Forwarded-Proto: http, https/);
});

test('configuration-snippet: a syntax error is a diagnostic at the manifest line; server-snippet headers reach no path', async () => {
  const files = {
    ...K8S_APP,
    'k8s/ingress.yaml': INGRESS(
      '    nginx.ingress.kubernetes.io/configuration-snippet: |\n      proxy_set_header X-Forwarded-Proto https\n    nginx.ingress.kubernetes.io/server-snippet: |\n      proxy_set_header X-Forwarded-Proto https;\n',
    ),
  };
  const { facts } = await lintFiles(files, []);
  const d = facts.diagnostics.find((x) => /configuration-snippet/.test(x.message));
  assert.ok(d, JSON.stringify(facts.diagnostics));
  assert.equal(d.file, 'k8s/ingress.yaml');
  assert.ok(d.line !== undefined && d.line >= 7, String(d.line));
  const ing = facts.kube?.ingresses?.[0];
  assert.equal(ing?.snippets?.find((s) => s.kind === 'server-snippet')?.headers[0]?.ref.line, 9);
  const hop = analyzeChain(facts).topology.proxies.find((p) => p.label.startsWith('Ingress site'));
  assert.equal(hop?.routes[0]?.headers.filter((h) => h.name === 'X-Forwarded-Proto').length, 1, 'only the controller’s own');
});

test('HAProxy: `http-request redirect scheme https unless { ssl_fc }` is the site’s redirect (by the connection); a header-conditioned one is decided by the header (test/chain/haproxy-header-redirect.test.ts)', async () => {
  const fe = (redirect: string) =>
    `defaults\n  mode http\nfrontend www\n  bind :80\n  bind :443 ssl crt /etc/haproxy/site.pem\n${redirect}  http-request set-header X-Forwarded-Proto https\n  default_backend app\nbackend app\n  server a 127.0.0.1:8000\n`;
  const siteOf = async (redirect: string) => {
    const { facts } = await lintFiles({ 'haproxy.cfg': fe(redirect) }, []);
    return facts.proxies?.find((p) => p.kind === 'haproxy')?.sites[0];
  };
  const a = await siteOf('  http-request redirect scheme https unless { ssl_fc }\n');
  assert.equal(a?.redirectsToHttps?.line, 6);
  assert.equal(a?.redirectDecidedBy, 'connection');
  assert.equal((await siteOf('  redirect scheme https code 301 if !{ ssl_fc }\n'))?.redirectsToHttps?.line, 6);
  const byHeader = await siteOf('  redirect scheme https if { hdr(x-forwarded-proto) http }\n');
  assert.equal(byHeader?.redirectsToHttps?.line, 6);
  assert.equal(byHeader?.redirectDecidedBy, 'forwarded-proto-http');
  assert.equal((await siteOf('  redirect scheme https if { path_beg /admin }\n'))?.redirectsToHttps, undefined);
  assert.equal((await siteOf(''))?.redirectsToHttps, undefined);
});

test("HAProxy with gunicorn trusting everyone: the plain :80 bind that sets https is the proxy's literal, not a spoof path; the redirect clears it", async () => {
  const cfg = (redirect: string) =>
    `defaults\n  mode http\nfrontend www\n  bind :80\n  bind :443 ssl crt /etc/haproxy/site.pem\n${redirect}  http-request set-header X-Forwarded-Proto https\n  default_backend app\nbackend app\n  server a 127.0.0.1:8000\n`;
  const run = async (redirect: string) => {
    const { facts, findings } = await lintFiles(
      {
        'haproxy.cfg': cfg(redirect),
        'gunicorn.conf.py': 'bind = "127.0.0.1:8000"\nforwarded_allow_ips = "*"\n',
        'site/settings.py': 'SECRET_KEY = "x"\nSECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")\n',
        'site/wsgi.py': '',
      },
      [haproxySchemeHttpsOnPlainBind],
    );
    return {
      verdict: analyzeChain(facts).verdict,
      literal: findings.filter((f) => f.id === haproxySchemeHttpsOnPlainBind.meta.id),
    };
  };
  const open = await run('');
  // A plain request is believed https with or without a forged header: HAProxy writes the literal (audit-13 gap 7).
  // That is the hard-coded-scheme finding, not a client forgery.
  assert.ok(
    !open.verdict.entrySpoofs.some((s) => s.what.includes('scheme')),
    JSON.stringify(open.verdict.entrySpoofs.map((s) => s.what)),
  );
  assert.equal(open.literal.length, 1);
  const redirected = await run('  http-request redirect scheme https unless { ssl_fc }\n');
  assert.deepEqual(redirected.verdict.entrySpoofs, []);
  assert.equal(redirected.literal.length, 0);
  assert.ok(redirected.verdict.routes.length > 0 && redirected.verdict.routes.every((r) => r.scheme.status === 'correct'));
});
