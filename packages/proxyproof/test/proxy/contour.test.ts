/**
 * Contour HTTPProxy (projectcontour.io/v1) read onto the neutral proxy facts (collectors/kube/contour.ts): TLS at
 * Envoy with a plain side that redirects unless a route permits insecure requests, Envoy's X-Forwarded-Proto from its
 * own connection unless num-trusted-hops is set, requestHeadersPolicy, includes, and the chain through it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProxySite } from '../../src/model/proxy.js';
import { findingsFor } from '../checks/chain/cases.js';
import { lintFiles } from '../python/lint-files.js';

const PROXY = (virtualhost: string, routes: string, extra = '') =>
  `apiVersion: projectcontour.io/v1\nkind: HTTPProxy\nmetadata:\n  name: site\n  namespace: prod\nspec:\n  virtualhost:\n    fqdn: app.example.org\n${virtualhost}  routes:\n${routes}${extra}`;
const TLS = '    tls:\n      secretName: site-tls\n';
const ROUTE = (extra = '', prefix = '/') =>
  `    - conditions:\n        - prefix: ${prefix}\n      services:\n        - name: web\n          port: 80\n${extra}`;
const CONFIG = (body: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: contour\n  namespace: projectcontour\ndata:\n  contour.yaml: |\n${body}`;
const K8S_APP = {
  'k8s/service.yaml':
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n    - port: 80\n      targetPort: 8000\n',
  'k8s/deployment.yaml':
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n        - name: web\n          image: example/site:1\n          command: ["gunicorn", "--bind", "0.0.0.0:8000", "--forwarded-allow-ips", "*", "site.wsgi"]\n          ports:\n            - containerPort: 8000\n',
  'site/settings.py':
    'SECRET_KEY = "x"\nALLOWED_HOSTS = ["app.example.org"]\nSECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")\nROOT_URLCONF = "site.urls"\n',
  'site/wsgi.py': '',
};

async function sitesOf(files: Record<string, string>): Promise<ProxySite[]> {
  const { facts, notRead } = await lintFiles(files, []);
  assert.ok(!notRead.some((n) => /proxy\.yaml$/.test(n.file)), 'the HTTPProxy file is read');
  return (facts.proxies ?? []).flatMap((p) => p.sites).filter((s) => s.id.startsWith('contour:'));
}

const xfp = (s: ProxySite | undefined, i = 0) =>
  s?.routes[i]?.headers.filter((h) => h.name === 'X-Forwarded-Proto').map((h) => h.value);

const table: Array<{ name: string; files: Record<string, string>; check: (s: ProxySite[]) => void }> = [
  {
    name: 'TLS root: 443 with TLS and 80 plain, whose every request redirects (by the connection)',
    files: { 'k8s/proxy.yaml': PROXY(TLS, ROUTE()) },
    check: ([s]) => {
      assert.deepEqual(
        s?.listeners.map((l) => [l.port, l.tls]),
        [
          [443, true],
          [80, false],
        ],
      );
      assert.equal(s?.redirectsToHttps?.line, 9);
      assert.equal(s?.redirectDecidedBy, 'connection');
      assert.deepEqual(s?.names, ['app.example.org']);
      assert.equal(s?.trust.mode, 'none');
      assert.deepEqual(xfp(s), ['{scheme}']);
      assert.equal(s?.routes[0]?.upstreams[0]?.address?.kind === 'tcp' && s.routes[0].upstreams[0].address.host, 'web');
    },
  },
  {
    name: 'permitInsecure on one route: that route proxies plain HTTP, the other redirects',
    files: { 'k8s/proxy.yaml': PROXY(TLS, ROUTE('      permitInsecure: true\n', '/api') + ROUTE()) },
    check: ([s]) => {
      assert.equal(s?.redirectsToHttps, undefined);
      assert.deepEqual(
        s?.routes.map((r) => [r.samplePath, Boolean(r.redirectsToHttps)]),
        [
          ['/api', false],
          ['/', true],
        ],
      );
    },
  },
  {
    name: 'disablePermitInsecure in the Contour config: permitInsecure is ignored',
    files: {
      'k8s/proxy.yaml': PROXY(TLS, ROUTE('      permitInsecure: true\n')),
      'k8s/contour.yaml': CONFIG('    disablePermitInsecure: true\n'),
    },
    check: ([s]) => assert.equal(s?.redirectsToHttps?.line, 9),
  },
  {
    name: 'num-trusted-hops in the Contour config: Envoy keeps the X-Forwarded-Proto it receives, from anyone',
    files: {
      'k8s/proxy.yaml': PROXY('', ROUTE()),
      'k8s/contour.yaml': CONFIG('    network:\n      num-trusted-hops: 1\n'),
    },
    check: ([s]) => {
      assert.equal(s?.trust.mode, 'all');
      assert.equal(s?.trust.ref.line, 9);
      assert.equal(s?.trust.ref.file, 'k8s/contour.yaml');
      assert.deepEqual(xfp(s), ['{trusted:x-forwarded-proto|scheme}']);
      assert.deepEqual(
        s?.listeners.map((l) => [l.port, l.tls]),
        [[80, false]],
      );
      assert.equal(s?.redirectsToHttps, undefined);
    },
  },
  {
    name: 'requestHeadersPolicy set/remove after Envoy’s own headers',
    files: {
      'k8s/proxy.yaml': PROXY(
        '',
        ROUTE(
          '      requestHeadersPolicy:\n        set:\n          - name: X-Forwarded-Proto\n            value: https\n        remove:\n          - X-Forwarded-Host\n',
        ),
      ),
    },
    check: ([s]) => {
      assert.deepEqual(xfp(s), ['{scheme}', 'https']);
      const removed = s?.routes[0]?.headers.find((h) => h.name === 'X-Forwarded-Host');
      assert.equal(removed?.value, null);
    },
  },
  {
    name: 'includes: the child’s routes under the include prefix',
    files: {
      'k8s/proxy.yaml': `${PROXY(TLS, ROUTE(), '  includes:\n    - name: child\n      conditions:\n        - prefix: /blog\n')}---\napiVersion: projectcontour.io/v1\nkind: HTTPProxy\nmetadata:\n  name: child\n  namespace: prod\nspec:\n  routes:\n${ROUTE('', '/admin')}`,
    },
    check: (sites) => {
      assert.equal(sites.length, 1, 'the child is no site of its own');
      assert.deepEqual(
        sites[0]?.routes.map((r) => r.samplePath),
        ['/', '/blog/admin'],
      );
    },
  },
  {
    name: 'trap: TLS passthrough is no HTTP hop',
    files: { 'k8s/proxy.yaml': PROXY('    tls:\n      passthrough: true\n', ROUTE()) },
    check: (sites) => assert.equal(sites.length, 0),
  },
  {
    name: 'trap: another API group’s HTTPProxy is not Contour’s',
    files: { 'k8s/proxy.yaml': PROXY(TLS, ROUTE()).replace('projectcontour.io/v1', 'example.com/v1') },
    check: (sites) => assert.equal(sites.length, 0),
  },
];

for (const c of table)
  test(`Contour HTTPProxy: ${c.name}`, async () => {
    c.check(await sitesOf({ ...K8S_APP, ...c.files }));
  });

test('chain: a TLS load balancer in front of a plain HTTPProxy loses https at Envoy (num-trusted-hops 0); num-trusted-hops 1 keeps it', async () => {
  const lost = await findingsFor('chain/scheme-lost', {
    name: 'contour behind an LB',
    files: { ...K8S_APP, 'k8s/proxy.yaml': PROXY('', ROUTE()) },
    options: { behindTlsLb: true },
    expect: 1,
  });
  assert.equal(lost.length, 1, JSON.stringify(lost.map((f) => f.message)));
  assert.match(lost[0]?.message ?? '', /Contour HTTPProxy site/);
  const kept = await findingsFor('chain/scheme-lost', {
    name: 'num-trusted-hops',
    files: {
      ...K8S_APP,
      'k8s/proxy.yaml': PROXY('', ROUTE()),
      'k8s/contour.yaml': CONFIG('    network:\n      num-trusted-hops: 1\n'),
    },
    options: { behindTlsLb: true },
    expect: 0,
  });
  assert.equal(kept.length, 0, JSON.stringify(kept.map((f) => f.message)));
});

test('chain: the TLS HTTPProxy reaches the app as https, and its plain side redirects (no forged scheme gets through)', async () => {
  const { analyzeChain } = await import('../../src/chain/analyze.js');
  const { facts } = await lintFiles({ ...K8S_APP, 'k8s/proxy.yaml': PROXY(TLS, ROUTE()) }, []);
  const a = analyzeChain(facts);
  const r = a.verdict.routes.find((x) => x.hopId.startsWith('contour:'));
  assert.equal(r?.scheme.believed, 'https');
  assert.deepEqual(a.verdict.entrySpoofs, []);
});
