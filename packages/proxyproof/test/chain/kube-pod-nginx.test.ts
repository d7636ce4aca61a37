// Kubernetes: an nginx config that is a ConfigMap key runs in the pod whose container mounts that key
// (chain/topology/kube.ts placeNginxInPods): its `proxy_pass http://127.0.0.1:PORT` reaches the app container of the
// same pod (pods share one network namespace), and an Ingress whose Service selects that pod reaches the nginx.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { runDoctor } from '../../src/chain/run.js';

const NGINX_CM = (name: string, key: string, xfp: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  ${key}: |\n    server {\n        listen 8080;\n        server_name shop.example.org;\n        location / {\n            proxy_pass http://127.0.0.1:8000;\n            proxy_set_header Host $host;\n            proxy_set_header X-Forwarded-Proto ${xfp};\n        }\n    }\n`;

/** A Deployment whose pod runs nginx (mounting `volume` from ConfigMap `cm`) and gunicorn on 127.0.0.1:8000. */
const POD = (o: { name?: string; cm?: string; mount?: string; items?: string; app?: string } = {}) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${o.name ?? 'shop'}\nspec:\n  selector:\n    matchLabels:\n      app: ${o.app ?? 'shop'}\n  template:\n    metadata:\n      labels:\n        app: ${o.app ?? 'shop'}\n    spec:\n      containers:\n        - name: nginx\n          image: nginx:1.25\n          ports:\n            - name: http\n              containerPort: 8080\n          volumeMounts:\n            - name: conf\n              mountPath: ${o.mount ?? '/etc/nginx/conf.d'}\n        - name: app\n          image: shop/app:1\n          command: ["gunicorn", "--bind", "127.0.0.1:8000", "shop.wsgi"]\n      volumes:\n        - name: conf\n          configMap:\n            name: ${o.cm ?? 'shop-nginx'}\n${o.items ?? ''}`;

const SERVICE = `apiVersion: v1\nkind: Service\nmetadata:\n  name: shop\nspec:\n  selector:\n    app: shop\n  ports:\n    - port: 80\n      targetPort: http\n`;
const INGRESS = `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: shop\nspec:\n  ingressClassName: nginx\n  tls:\n    - hosts: [shop.example.org]\n      secretName: shop-tls\n  rules:\n    - host: shop.example.org\n      http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend:\n              service:\n                name: shop\n                port:\n                  number: 80\n`;
const SETTINGS = (extra = '') =>
  `SECRET_KEY = "x"\nALLOWED_HOSTS = ["shop.example.org"]\nROOT_URLCONF = "shop.urls"\nSECURE_SSL_REDIRECT = True\n${extra}`;

async function doctor(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'pp-pod-nginx-'));
  try {
    for (const [p, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), text);
    }
    const r = await runDoctor([dir], { cwd: dir });
    return { ...r.analysis, findings: r.all.findings };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const base = (o: Parameters<typeof POD>[0] = {}, cm = NGINX_CM('shop-nginx', 'default.conf', '$scheme')) => ({
  'k8s/nginx-configmap.yaml': cm,
  'k8s/deployment.yaml': POD(o),
  'k8s/service.yaml': SERVICE,
  'k8s/ingress.yaml': INGRESS,
  'shop/settings.py': SETTINGS(),
  'shop/wsgi.py': '',
});

function chainOf(a: Awaited<ReturnType<typeof doctor>>) {
  const route = a.verdict.routes.find((v) => v.trace.steps.some((s) => /^Ingress shop/.test(s.label)));
  return { route, labels: route?.trace.steps.map((s) => s.label) ?? [] };
}

/** What the framework (the last step) believes. */
function appScheme(route: NonNullable<ReturnType<typeof chainOf>['route']>): string {
  return String(route.trace.steps.at(-1)?.scheme);
}

test('pod nginx: Ingress (TLS) -> Service -> the pod nginx from the ConfigMap -> 127.0.0.1 gunicorn in the same pod -> Django', async () => {
  const a = await doctor(base());
  const { route, labels } = chainOf(a);
  assert.ok(route, JSON.stringify(a.verdict.routes.map((r) => r.trace.steps.map((s) => s.label))));
  const at = labels.findIndex((l) => /^Ingress shop/.test(l));
  assert.match(labels[at + 1] ?? '', /^nginx :8080/);
  assert.match(labels[at + 2] ?? '', /^gunicorn 127\.0\.0\.1:8000/);
  // $scheme on the pod nginx behind the TLS Ingress: http, lost at the nginx hop; SECURE_SSL_REDIRECT loops.
  assert.equal(appScheme(route), 'http');
  assert.ok(a.findings.some((f) => f.id === 'nginx/scheme-behind-tls-terminator' || f.id === 'chain/scheme-lost'));
  assert.ok(!a.findings.some((f) => f.id === 'chain/link-unresolved'), a.findings.map((f) => f.message).join('\n'));
  const hop = a.topology.proxies.find((p) => /^nginx:/.test(p.id));
  assert.equal(hop?.placement.kind, 'container');
  assert.ok(
    hop?.notes.some((n) => /pod of Deployment shop .*ConfigMap shop-nginx key default\.conf/.test(n)),
    hop?.notes.join('\n'),
  );
});

test('pod nginx: the fixed tree (X-Forwarded-Proto from the Ingress, SECURE_PROXY_SSL_HEADER) believes https', async () => {
  const cm = NGINX_CM('shop-nginx', 'default.conf', '$http_x_forwarded_proto');
  const a = await doctor({
    ...base({}, cm),
    'shop/settings.py': SETTINGS('SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")\n'),
  });
  const { route } = chainOf(a);
  assert.ok(route);
  assert.equal(appScheme(route), 'https');
});

test('pod nginx (trap): a ConfigMap the pod does not mount leaves nginx unplaced (no guessed pod)', async () => {
  const a = await doctor(base({ cm: 'other-config' }));
  const hop = a.topology.proxies.find((p) => /^nginx:/.test(p.id));
  assert.equal(hop?.placement.kind, 'host');
  assert.equal(chainOf(a).route, undefined);
});

test('pod nginx (trap): items: that mount another key of the ConfigMap leave nginx unplaced', async () => {
  const items = '            items:\n              - key: other.conf\n                path: other.conf\n';
  const a = await doctor(base({ items }));
  const hop = a.topology.proxies.find((p) => /^nginx:/.test(p.id));
  assert.equal(hop?.placement.kind, 'host');
});

test('pod nginx: items: mapping the key places it', async () => {
  const items = '            items:\n              - key: default.conf\n                path: shop.conf\n';
  const a = await doctor(base({ items }));
  const hop = a.topology.proxies.find((p) => /^nginx:/.test(p.id));
  assert.equal(hop?.placement.kind, 'container');
  assert.ok(chainOf(a).route);
});

test('pod nginx (trap): two workloads mounting the same ConfigMap: where it runs is not assumed', async () => {
  const files = { ...base(), 'k8s/other.yaml': POD({ name: 'shop-canary', app: 'canary' }) };
  const a = await doctor(files);
  const hop = a.topology.proxies.find((p) => /^nginx:/.test(p.id));
  assert.equal(hop?.placement.kind, 'host');
});

test('pod nginx: an app container with no command (the image CMD) is said as the pod loopback, not as a compose container', async () => {
  const files = base();
  files['k8s/deployment.yaml'] = files['k8s/deployment.yaml'].replace(
    '          command: ["gunicorn", "--bind", "127.0.0.1:8000", "shop.wsgi"]\n',
    '',
  );
  const a = await doctor(files);
  const link = a.findings.find((f) => f.id === 'chain/link-unresolved');
  assert.match(link?.message ?? '', /runs in the pod of shop: 127\.0\.0\.1:8000 is the pod's own loopback/);
  assert.doesNotMatch(link?.message ?? '', /compose/);
});
