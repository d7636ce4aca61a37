/**
 * facts/ingress-sites.ts `ingressProxyConfigs`, tested directly: one neutral `ProxySite` per Ingress manifest
 * (the controller's own X-Forwarded-* rules, configuration-snippet rules, the TLS listener from `tls:`, the
 * Service upstream per path, trust under use-forwarded-headers, the force-ssl-redirect of a plain Ingress).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ingressProxyConfigs } from '../../src/facts/ingress-sites.js';
import type { ProxyConfigFacts } from '../../src/model/proxy.js';
import { INGRESS } from '../checks/proxy/sites.js';
import { lintFiles } from '../python/lint-files.js';

async function configsOf(files: Record<string, string>): Promise<ProxyConfigFacts[]> {
  const { facts } = await lintFiles(files, []);
  return ingressProxyConfigs(facts);
}

const CONTROLLER_CM = (data: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ingress-nginx-controller\n  namespace: ingress-nginx\ndata:\n${data}`;

const value = (c: ProxyConfigFacts | undefined, name: string) =>
  c?.sites[0]?.routes[0]?.headers.filter((h) => h.name.toLowerCase() === name.toLowerCase()).map((h) => h.value);

test('an ingress-nginx Ingress with tls: one TLS site (and its ssl-redirect :80 side), a route per path to its Service, the controller headers', async () => {
  const configs = await configsOf({ 'ingress.yaml': INGRESS('') });
  assert.equal(configs.length, 1);
  const c = configs[0];
  assert.equal(c?.kind, 'ingress-nginx');
  const site = c?.sites[0];
  assert.deepEqual(site?.names, ['app.example.com']);
  assert.deepEqual(
    site?.listeners.map((l) => [l.port, l.tls, l.ref.line]),
    [
      [443, true, 7],
      [80, false, 7],
    ],
  );
  // ssl-redirect (on by default with tls:) answers the plain side with a redirect (checked below).
  assert.deepEqual(
    site?.routes.map((r) => `${r.match} ${r.protocol} ${r.upstreams[0]?.text}`),
    ['app.example.com/ http Service web:8000'],
  );
  // The controller writes its own scheme headers from the connection and believes no peer's.
  assert.deepEqual(value(c, 'X-Forwarded-Proto'), ['{scheme}']);
  assert.deepEqual(value(c, 'X-Forwarded-For'), ['{remote_addr}']);
  assert.equal(site?.trust.mode, 'none');
  assert.equal(site?.redirectsToHttps?.origin, 'default');
});

test('use-forwarded-headers: the scheme comes from a trusted peer and every peer is trusted', async () => {
  const configs = await configsOf({
    'ingress.yaml': INGRESS(''),
    'controller.yaml': CONTROLLER_CM('  use-forwarded-headers: "true"\n  compute-full-forwarded-for: "true"\n'),
  });
  assert.deepEqual(value(configs[0], 'X-Forwarded-Proto'), ['{trusted:x-forwarded-proto|scheme}']);
  assert.deepEqual(value(configs[0], 'X-Forwarded-For'), ['{xff_append}']);
  assert.equal(configs[0]?.sites[0]?.trust.mode, 'all');
});

test('a configuration-snippet proxy_set_header is a route rule with its own line', async () => {
  const configs = await configsOf({
    'ingress.yaml': INGRESS(
      '    nginx.ingress.kubernetes.io/configuration-snippet: |\n      proxy_set_header X-Real-IP $http_x_real_ip;\n',
    ),
  });
  const rules = configs[0]?.sites[0]?.routes[0]?.headers.filter((h) => h.from !== 'default') ?? [];
  assert.deepEqual(
    rules.map((h) => `${h.name}=${h.value} :${h.ref.line}`),
    ['X-Real-IP={in:x-real-ip} :7'],
  );
});

test('a plain Ingress with force-ssl-redirect redirects, decided by a trusted X-Forwarded-Proto', async () => {
  const plain = INGRESS('    nginx.ingress.kubernetes.io/force-ssl-redirect: "true"\n').replace(
    / {2}tls:\n {2}- hosts: \[app.example.com\]\n {4}secretName: app-tls\n/,
    '',
  );
  const configs = await configsOf({ 'ingress.yaml': plain });
  const site = configs[0]?.sites[0];
  assert.deepEqual(
    site?.listeners.map((l) => [l.port, l.tls]),
    [[80, false]],
  );
  assert.equal(site?.redirectsToHttps?.line, 6);
  assert.equal(site?.redirectDecidedBy, 'forwarded-proto');
});

test('an Ingress whose only backend is a resource, not a Service, is no site', async () => {
  const noBackend = INGRESS('').replace(
    / {10}service:\n {12}name: web\n {12}port:\n {14}number: 8000\n/,
    '          resource:\n            apiGroup: k8s.example.com\n            kind: Bucket\n            name: static\n',
  );
  assert.deepEqual(await configsOf({ 'ingress.yaml': noBackend }), []);
});

test('built once per analysis: the chain and the generic checks get the same sites; a new Ingress list rebuilds them', async () => {
  const { facts } = await lintFiles({ 'ingress.yaml': INGRESS('') }, []);
  const first = ingressProxyConfigs(facts);
  assert.equal(ingressProxyConfigs(facts), first);
  const kube = facts.kube;
  assert.ok(kube?.ingresses);
  kube.ingresses = [...kube.ingresses];
  const rebuilt = ingressProxyConfigs(facts);
  assert.notEqual(rebuilt, first);
  assert.deepEqual(rebuilt, first);
});
