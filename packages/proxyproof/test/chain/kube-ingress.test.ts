// Kubernetes: an Ingress whose backend Service selects an app server's pods is the hop in front of that app (TLS at
// the controller, plain HTTP from its pod), and a proxy's upstream named by a Service reaches the selected pods.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { runDoctor } from '../../src/chain/run.js';
import { findingsFor } from '../checks/chain/cases.js';

const INGRESS = (tls: boolean, service = 'web', port = 'http') =>
  `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: site\n  annotations:\n    nginx.ingress.kubernetes.io/proxy-body-size: 10m\nspec:\n  ingressClassName: nginx\n${tls ? '  tls:\n    - hosts: [app.example.org]\n      secretName: cert\n' : ''}  rules:\n    - host: app.example.org\n      http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend:\n              service:\n                name: ${service}\n                port:\n                  name: ${port}\n`;
const SERVICE = (selector = 'web') =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: ${selector}\n  ports:\n    - name: http\n      port: 80\n      targetPort: http\n`;
const DEPLOYMENT = (env = '') =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: site-web\nspec:\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n        - name: web\n          image: example/site:1\n          command: ["gunicorn", "--bind", "0.0.0.0:8000", "site.wsgi"]\n          ports:\n            - name: http\n              containerPort: 8000\n${env}`;
const SETTINGS = (extra = '') =>
  `SECRET_KEY = "x"\nALLOWED_HOSTS = ["app.example.org"]\nINSTALLED_APPS = ["django.contrib.admin"]\nROOT_URLCONF = "site.urls"\n${extra}`;

test('chain: Ingress with tls -> Service (selector, named targetPort) -> gunicorn pod -> Django is lost at hop 2', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'ingress',
    files: {
      'k8s/ingress.yaml': INGRESS(true),
      'k8s/service.yaml': SERVICE(),
      'k8s/deployment.yaml': DEPLOYMENT(),
      'site/settings.py': SETTINGS(),
      'site/wsgi.py': '',
    },
    expect: 1,
  });
  assert.equal(f.length, 1);
  assert.match(f[0]?.message ?? '', /Ingress site \(ingress-nginx\)/);
  assert.match(f[0]?.message ?? '', /lost at hop 2 \(gunicorn 0\.0\.0\.0:8000\)/);
  assert.ok(
    f[0]?.evidence.some((e) => e.file.endsWith('ingress.yaml') && e.line === 9),
    JSON.stringify(f[0]?.evidence),
  );
});

test('chain: the same with FORWARDED_ALLOW_IPS="*" and SECURE_PROXY_SSL_HEADER believes https', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'ingress fixed',
    files: {
      'k8s/ingress.yaml': INGRESS(true),
      'k8s/service.yaml': SERVICE(),
      'k8s/deployment.yaml': DEPLOYMENT('          env:\n            - name: FORWARDED_ALLOW_IPS\n              value: "*"\n'),
      'site/settings.py': SETTINGS('SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")\n'),
      'site/wsgi.py': '',
    },
    expect: 0,
  });
  assert.equal(f.length, 0);
});

test('chain (trap): a Service that selects other pods links nothing (no guessed hop)', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'ingress other pods',
    files: {
      'k8s/ingress.yaml': INGRESS(true),
      'k8s/service.yaml': SERVICE('worker'),
      'k8s/deployment.yaml': DEPLOYMENT(),
      'site/settings.py': SETTINGS(),
      'site/wsgi.py': '',
    },
    expect: 0,
  });
  assert.equal(f.length, 0);
});

test('chain: nginx proxying to a Service DNS name reaches the selected pods (peer: the proxy pod)', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'nginx to service',
    files: {
      'nginx/site.conf':
        'server {\n    listen 443 ssl;\n    server_name app.example.org;\n    location / {\n        proxy_pass http://web.prod.svc.cluster.local:80;\n        proxy_set_header Host $host;\n        proxy_set_header X-Forwarded-Proto $scheme;\n    }\n}\n',
      'k8s/service.yaml': SERVICE(),
      'k8s/deployment.yaml': DEPLOYMENT(),
      'site/settings.py': SETTINGS(),
      'site/wsgi.py': '',
    },
    expect: 1,
  });
  assert.equal(f.length, 1);
  assert.match(f[0]?.message ?? '', /lost at hop 2 \(gunicorn 0\.0\.0\.0:8000\)/);
});

test('chain: a traefik-class Ingress with router.tls "true" ends TLS; Traefik keeps no client X-Forwarded-Proto', async () => {
  const ing = INGRESS(false)
    .replace('nginx.ingress.kubernetes.io/proxy-body-size: 10m', 'traefik.ingress.kubernetes.io/router.tls: "true"')
    .replace('ingressClassName: nginx', 'ingressClassName: traefik');
  const f = await findingsFor('chain/scheme-lost', {
    name: 'traefik ingress',
    files: {
      'k8s/ingress.yaml': ing,
      'k8s/service.yaml': SERVICE(),
      'k8s/deployment.yaml': DEPLOYMENT(),
      'site/settings.py': SETTINGS(),
      'site/wsgi.py': '',
    },
    expect: 1,
  });
  assert.equal(f.length, 1);
  assert.match(f[0]?.message ?? '', /Ingress site \(traefik\)/);
  assert.ok(
    f[0]?.evidence.some((e) => e.file.endsWith('ingress.yaml') && e.line === 6),
    JSON.stringify(f[0]?.evidence),
  );
});

const MIDDLEWARE = (name: string, spec: string) =>
  `apiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: ${name}\n  namespace: prod\nspec:\n${spec}`;

test('chain: a traefik Ingress naming a Middleware CRD (router.middlewares <ns>-<name>@kubernetescrd) sends its headers after Traefik’s own', async () => {
  const ing = INGRESS(false)
    .replace(
      'nginx.ingress.kubernetes.io/proxy-body-size: 10m',
      'traefik.ingress.kubernetes.io/router.tls: "true"\n    traefik.ingress.kubernetes.io/router.middlewares: prod-force-http@kubernetescrd',
    )
    .replace('ingressClassName: nginx', 'ingressClassName: traefik');
  const files = (spec: string) => ({
    'k8s/ingress.yaml': ing,
    'k8s/middleware.yaml': MIDDLEWARE('force-http', spec),
    'k8s/service.yaml': SERVICE(),
    'k8s/deployment.yaml': DEPLOYMENT('          env:\n            - name: FORWARDED_ALLOW_IPS\n              value: "*"\n'),
    'site/settings.py': SETTINGS('SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")\n'),
    'site/wsgi.py': '',
  });
  // The middleware writes X-Forwarded-Proto: http over Traefik's https: the app is told http.
  const f = await findingsFor('chain/scheme-lost', {
    name: 'traefik ingress middleware',
    files: files('  headers:\n    customRequestHeaders:\n      X-Forwarded-Proto: http\n'),
    expect: 1,
  });
  assert.equal(f.length, 1);
  assert.ok(
    f[0]?.evidence.some((e) => e.file.endsWith('middleware.yaml') && e.line === 9),
    JSON.stringify(f[0]?.evidence),
  );
  // A middleware that sets another header leaves Traefik's scheme alone (the fixed app believes https).
  const ok = await findingsFor('chain/scheme-lost', {
    name: 'traefik ingress other middleware',
    files: files('  headers:\n    customRequestHeaders:\n      X-Robots-Tag: none\n'),
    expect: 0,
  });
  assert.equal(ok.length, 0);
});

async function ingressClient(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'pp-kube-client-'));
  try {
    for (const [p, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), text);
    }
    const r = await runDoctor([dir], { cwd: dir });
    const route = r.analysis.verdict.routes.find((v) => v.trace.steps.some((s) => /^Ingress site/.test(s.label)));
    const step = route?.trace.steps.find((s) => /^Ingress site/.test(s.label));
    return { route, step };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CONTROLLER_SVC = (extra = '') =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ingress-nginx-controller\n  labels:\n    app.kubernetes.io/name: ingress-nginx\nspec:\n  type: LoadBalancer\n${extra}  selector:\n    app.kubernetes.io/name: ingress-nginx\n  ports:\n    - name: https\n      port: 443\n      targetPort: https\n`;
const CONTROLLER_CM = (data: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ingress-nginx-controller\n  labels:\n    app.kubernetes.io/name: ingress-nginx\ndata:\n${data}`;

test('client IP: the controller behind a LoadBalancer Service with the default externalTrafficPolicy sees a node address (kube-proxy SNAT)', async () => {
  const base = {
    'k8s/ingress.yaml': INGRESS(true),
    'k8s/service.yaml': SERVICE(),
    'k8s/deployment.yaml': DEPLOYMENT(),
    'site/settings.py': SETTINGS(),
    'site/wsgi.py': '',
  };
  const snat = await ingressClient({ ...base, 'k8s/controller-svc.yaml': CONTROLLER_SVC() });
  assert.equal(snat.step?.client, 'a node address');
  assert.match(snat.step?.clientWhy ?? '', /externalTrafficPolicy Cluster \(default\): kube-proxy SNATs/);
  assert.equal(snat.route?.client.correct, false);
  const local = await ingressClient({ ...base, 'k8s/controller-svc.yaml': CONTROLLER_SVC('  externalTrafficPolicy: Local\n') });
  assert.notEqual(local.step?.client, 'a node address');
  assert.doesNotMatch(local.step?.clientWhy ?? '', /SNAT/);
});

test('client IP: ingress-nginx real_ip follows use-forwarded-headers, forwarded-for-header and proxy-real-ip-cidr', async () => {
  const base = {
    'k8s/ingress.yaml': INGRESS(true),
    'k8s/service.yaml': SERVICE(),
    'k8s/deployment.yaml': DEPLOYMENT(),
    'site/settings.py': SETTINGS(),
    'site/wsgi.py': '',
  };
  // Default proxy-real-ip-cidr (0.0.0.0/0): the header is believed from any peer, the browser included.
  const on = await ingressClient({
    ...base,
    'k8s/cm.yaml': CONTROLLER_CM('  use-forwarded-headers: "true"\n  forwarded-for-header: CF-Connecting-IP\n'),
  });
  assert.match(on.step?.clientWhy ?? '', /real_ip from CF-Connecting-IP \(k8s\/cm\.yaml:8\)/);
  // Narrowed to the load balancer's network: a browser connecting directly is not believed.
  const narrowed = await ingressClient({
    ...base,
    'k8s/cm.yaml': CONTROLLER_CM(
      '  use-forwarded-headers: "true"\n  forwarded-for-header: CF-Connecting-IP\n  proxy-real-ip-cidr: 10.0.0.0/8\n',
    ),
  });
  assert.equal(narrowed.step?.clientWhy, 'the TCP peer');
  const off = await ingressClient({ ...base, 'k8s/cm.yaml': CONTROLLER_CM('  use-forwarded-headers: "false"\n') });
  assert.equal(off.step?.clientWhy, 'the TCP peer');
});
