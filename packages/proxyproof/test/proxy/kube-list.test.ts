// `kubectl get -o yaml` writes `kind: List` with the manifests under `items:`; `kubectl apply` reads each item as a
// manifest of its own. The YAML readers (collectors/proxy/yaml.ts yamlDocs) give each item as a document rooted at
// its node, so every Kubernetes reader sees it, at the item's own lines.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { yamlDocs } from '../../src/collectors/proxy/yaml.js';
import { lintFiles } from '../python/lint-files.js';

const LIST = `apiVersion: v1
items:
- apiVersion: v1
  kind: ServiceAccount
  metadata:
    name: traefik-ingress-controller
- apiVersion: apps/v1
  kind: DaemonSet
  metadata:
    name: traefik-ingress-controller
  spec:
    template:
      spec:
        containers:
        - args:
          - --api
          - --kubernetes
          image: traefik:v1.7
          name: traefik-ingress-lb
          ports:
          - containerPort: 80
            hostPort: 80
kind: List
metadata:
  resourceVersion: ""
`;

test('yamlDocs: a kind: List is its items, each rooted at its own node', () => {
  const docs = yamlDocs(LIST) ?? [];
  assert.deepEqual(
    docs.map((d) => (d.value as { kind: string }).kind),
    ['ServiceAccount', 'DaemonSet'],
  );
});

test('trap: a document with items but no List kind (a values file) stays one document', () => {
  const docs = yamlDocs('kind: Config\nitems:\n  - a: 1\n  - a: 2\n') ?? [];
  assert.equal(docs.length, 1);
  assert.equal((docs[0]?.value as { kind?: string } | undefined)?.kind, 'Config');
});

test('lint: the Traefik 1.7 DaemonSet inside a List is read at its image line (was "Not read")', async () => {
  const { facts, notRead } = await lintFiles({ 'ingress/traefik-ds.yaml': LIST });
  const eps = (facts.proxies ?? []).filter((p) => p.kind === 'traefik').flatMap((p) => p.traefik?.entryPoints ?? []);
  assert.equal(eps.length, 1, JSON.stringify(facts.proxies));
  assert.equal(eps[0]?.ref.line, 18);
  assert.ok(!notRead.some((n) => n.file === 'ingress/traefik-ds.yaml'), JSON.stringify(notRead));
});
