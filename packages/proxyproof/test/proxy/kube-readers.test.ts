/** Kubernetes front-door readers: Traefik IngressRoute, Ingress classes as cloud fronts, trusted-proxy settings, templatefile(). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { templatefileBindings } from '../../src/collectors/front/terraform.js';
import { lintFiles } from '../python/lint-files.js';

test('IngressRoute: a Traefik site with the Host() names, TLS on websecure, and the Service as upstream', async () => {
  const { facts } = await lintFiles({
    'ingressroute.yaml':
      'apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\nmetadata:\n  name: admin\nspec:\n  entryPoints:\n    - websecure\n  routes:\n    - kind: Rule\n      match: Host(`admin.example.org`) && PathPrefix(`/api`)\n      services:\n        - name: admin\n          port: 3000\n  tls:\n    secretName: cert\n',
  });
  const site = facts.proxies?.find((p) => p.kind === 'traefik')?.sites[0];
  assert.ok(site);
  assert.deepEqual(site.names, ['admin.example.org']);
  assert.equal(site.listeners[0]?.tls, true);
  assert.equal(site.routes[0]?.samplePath, '/api');
  assert.deepEqual(site.routes[0]?.upstreams[0]?.address, { kind: 'tcp', host: 'admin', port: 3000 });
  assert.equal(site.routes[0]?.ref.line, 10);
  assert.equal(site.trust.mode, 'none');
});

test('IngressRoute (trap): a TraefikService / middleware-only route has no upstream and no site', async () => {
  const { facts } = await lintFiles({
    'ingressroute.yaml':
      'apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\nmetadata:\n  name: api\nspec:\n  routes:\n    - match: Host(`x`)\n      services:\n        - name: api@internal\n          kind: TraefikService\n',
    'app.py': 'from flask import Flask\napp = Flask(__name__)\n',
  });
  assert.equal(facts.proxies?.filter((p) => p.kind === 'traefik').length ?? 0, 0);
});

test('Ingress classes: gce is Google’s LB (ends TLS with a managed certificate), alb an ALB, nginx no front', async () => {
  const ing = (cls: string, ann = '') =>
    `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  annotations:\n${ann || '    a: b\n'}spec:\n  ingressClassName: ${cls}\n  rules: []\n`;
  const gce = await lintFiles({ 'i.yaml': ing('gce', '    networking.gke.io/managed-certificates: cert\n') });
  assert.deepEqual(
    gce.facts.fronts?.map((f) => [f.name, f.terminatesTls, f.evidence[0]?.line]),
    [['gcp-lb', true, 8]],
  );
  const alb = await lintFiles({ 'i.yaml': ing('alb', '    alb.ingress.kubernetes.io/scheme: internet-facing\n') });
  assert.deepEqual(
    alb.facts.fronts?.map((f) => [f.name, f.terminatesTls]),
    [['aws-alb', false]],
  );
  const nginx = await lintFiles({ 'i.yaml': ing('nginx') });
  assert.equal(nginx.facts.fronts?.length ?? 0, 0);
  assert.equal(nginx.facts.kube?.ingresses?.length, 1);
});

test('trusted-proxy settings: Helm values keys and container env items, with the line of the value', async () => {
  const { facts } = await lintFiles({
    'values.yaml': 'web:\n  trusted_proxy_ip: 10.0.0.0/8\n',
    'app.py': 'from flask import Flask\napp = Flask(__name__)\n',
    'deploy.yaml':
      'apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          env:\n            - name: TRUSTED_PROXIES\n              value: "*"\n',
  });
  const lists = (facts.kube?.trustLists ?? []).map((t) => [t.key, t.raw, t.ref.line, t.valueAt.line, t.valueAt.key]);
  assert.deepEqual(lists.sort(), [
    ['TRUSTED_PROXIES', '*', 9, 10, 'value'],
    ['trusted_proxy_ip', '10.0.0.0/8', 2, 2, 'trusted_proxy_ip'],
  ]);
});

test('templatefile(): the variables of the map, one per line, path without ${path.module}; bounded on a map never closed', () => {
  const b = templatefileBindings(
    'locals {\n  v = templatefile(\n    "${path.module}/helm/values.yaml",\n    {\n      A : var.a\n      B = "x,y"\n    }\n  )\n}\n',
    'main.tf',
  );
  assert.equal(b[0]?.template, 'helm/values.yaml');
  assert.deepEqual(
    Object.entries(b[0]?.vars ?? {}).map(([k, v]) => [k, v.expr, v.ref.line]),
    [
      ['A', 'var.a', 5],
      ['B', '"x,y"', 6],
    ],
  );
  const open = templatefileBindings(`x = templatefile("t.yaml", {\n${'  K : v\n'.repeat(2000)}`, 'big.tf');
  assert.equal(open.length, 1);
  assert.ok(Object.keys(open[0]?.vars ?? {}).length <= 1);
});
