/**
 * The ingress-nginx controller's own Service as the TLS load balancer in front of its Ingresses
 * (chain/topology/kube.ts `controllerLbs`): an ACM certificate on the Service's ELB that forwards 443 to the
 * controller's http port puts a TLS hop before every ingress-nginx Ingress's plain listener, so the classic
 * ELB -> ingress-nginx :80 `force-ssl-redirect` loop (use-forwarded-headers off, the 0.22+ default) is found
 * through the chain, and goes away with the ConfigMap fix. Valid, invalid and trap cases.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import type { DeclaredFront } from '../../src/engine/analyze.js';
import { lintPaths } from '../../src/engine/lint.js';

const app = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: example/web:1
          command: ["gunicorn", "--bind", "0.0.0.0:8000", "--forwarded-allow-ips", "*", "mysite.wsgi"]
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: 8000
`;

const ingress = (opts: { force?: boolean; tls?: boolean }) => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    nginx.ingress.kubernetes.io/proxy-body-size: "10m"
${opts.force ? '    nginx.ingress.kubernetes.io/force-ssl-redirect: "true"\n' : ''}spec:
  ingressClassName: nginx
${opts.tls ? '  tls:\n    - hosts: [app.example.com]\n      secretName: web-tls\n' : ''}  rules:
    - host: app.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 80
`;

const controller = (annotations: string[], httpsTarget = 'http') => `apiVersion: v1
kind: Service
metadata:
  name: ingress-nginx-controller
  namespace: ingress-nginx
  labels:
    app.kubernetes.io/name: ingress-nginx
  annotations:
${annotations.map((a) => `    ${a}`).join('\n')}
spec:
  type: LoadBalancer
  selector:
    app.kubernetes.io/name: ingress-nginx
  ports:
    - name: http
      port: 80
      targetPort: http
    - name: https
      port: 443
      targetPort: ${httpsTarget}
`;

const CERT = 'service.beta.kubernetes.io/aws-load-balancer-ssl-cert: arn:aws:acm:us-east-1:123456789012:certificate/x';
const L7 = 'service.beta.kubernetes.io/aws-load-balancer-backend-protocol: http';
const NLB = 'service.beta.kubernetes.io/aws-load-balancer-type: nlb';
const settings =
  'SECRET_KEY = "x"\nALLOWED_HOSTS = ["app.example.com"]\nROOT_URLCONF = "mysite.urls"\n' +
  'SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")\nSECURE_SSL_REDIRECT = True\n';
const configMap = (data: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ingress-nginx-controller\n  namespace: ingress-nginx\ndata:\n${data}`;

async function chainOf(files: Record<string, string>, front?: DeclaredFront) {
  const dir = mkdtempSync(join(tmpdir(), 'proxyproof-ctl-lb-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    const { analysis, report } = await lintPaths(['.'], { cwd: dir, ...(front ? { front } : {}) });
    const https = analysis.chain.topology.entries.filter((e) => e.lb);
    const routes = analysis.chain.verdict.routes;
    return { lbs: https.map((e) => e.lb), routes, findings: report.findings };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const base = { 'k8s/app.yaml': app, 'mysite/settings.py': settings };

test('invalid: an L7 ELB ending TLS in front of ingress-nginx :80 with force-ssl-redirect loops (found through the chain)', async () => {
  const r = await chainOf({ ...base, 'k8s/ingress.yaml': ingress({ force: true }), 'k8s/ctl.yaml': controller([CERT, L7]) });
  assert.equal(r.lbs.length, 1);
  assert.equal(r.lbs[0]?.mode, 'http');
  assert.match(r.lbs[0]?.label ?? '', /AWS Classic Load Balancer \(inferred from k8s\/ctl\.yaml:\d+\)/);
  const loop = r.findings.find((f) => f.id === 'chain/scheme-lost' && (f.data as { redirectLoop?: boolean })?.redirectLoop);
  assert.ok(loop, r.findings.map((f) => f.id).join(', '));
  assert.equal(loop.severity, 'critical');
});

test('invalid: an Ingress with tls: behind the same ELB loops on its :80 side (the ELB forwards 443 there)', async () => {
  const r = await chainOf({ ...base, 'k8s/ingress.yaml': ingress({ tls: true }), 'k8s/ctl.yaml': controller([CERT, L7]) });
  assert.equal(r.lbs.length, 1);
  assert.ok(r.routes.some((x) => x.redirect?.loop));
});

test('invalid: an NLB ending TLS (L4, no headers) in front of ingress-nginx :80 is a tcp balancer, and loops', async () => {
  const r = await chainOf({ ...base, 'k8s/ingress.yaml': ingress({ force: true }), 'k8s/ctl.yaml': controller([CERT, NLB]) });
  assert.equal(r.lbs[0]?.mode, 'tcp');
  assert.ok(r.routes.some((x) => x.redirect?.loop));
});

test('valid: with use-forwarded-headers "true" the controller believes the ELB and the app sees https', async () => {
  const r = await chainOf({
    ...base,
    'k8s/ingress.yaml': ingress({ force: true }),
    'k8s/ctl.yaml': controller([CERT, L7]),
    'k8s/cm.yaml': configMap('  use-forwarded-headers: "true"\n'),
  });
  assert.equal(r.lbs.length, 1);
  assert.ok(r.routes.length > 0);
  for (const x of r.routes) {
    assert.equal(x.scheme.believed, 'https');
    assert.ok(!x.redirect?.loop);
  }
  assert.ok(!r.findings.some((f) => f.id === 'chain/scheme-lost'));
});

test('valid (trap): 443 forwarded to the controller https port (TLS passthrough/re-encrypt) puts no balancer before :80', async () => {
  const r = await chainOf({
    ...base,
    'k8s/ingress.yaml': ingress({ force: true }),
    'k8s/ctl.yaml': controller([CERT, L7], 'https'),
  });
  assert.equal(r.lbs.length, 0);
});

test('valid (trap): no certificate on the Service, no TLS load balancer', async () => {
  const r = await chainOf({ ...base, 'k8s/ingress.yaml': ingress({ force: true }), 'k8s/ctl.yaml': controller([L7]) });
  assert.equal(r.lbs.length, 0);
});

test('valid (trap): --front none says nothing stands in front', async () => {
  const r = await chainOf(
    { ...base, 'k8s/ingress.yaml': ingress({ force: true }), 'k8s/ctl.yaml': controller([CERT, L7]) },
    { name: 'none', origin: 'declared' },
  );
  assert.equal(r.lbs.length, 0);
});

test('a declared --front wins over the inferred controller balancer', async () => {
  const r = await chainOf(
    { ...base, 'k8s/ingress.yaml': ingress({ force: true }), 'k8s/ctl.yaml': controller([CERT, L7]) },
    { name: 'aws-alb', origin: 'declared' },
  );
  assert.equal(r.lbs.length, 1);
  assert.match(r.lbs[0]?.label ?? '', /--front aws-alb/);
});

// One cause, one finding: the chain's loss at the controller and ingress-nginx/forwarded-headers-off-behind-l7 both
// come from the ConfigMap's use-forwarded-headers. The chain cites that setting (LostAt.trustRef), so the layer
// check, with its ConfigMap edit, is the one headline and the chain its explanation (chain/refine.ts).
for (const [name, data, line, placement] of [
  ['no use-forwarded-headers in the ConfigMap', '  use-proxy-protocol: "false"\n', 6, 'after'],
  ['use-forwarded-headers "false" written', '  use-forwarded-headers: "false"\n', 7, 'replace'],
] as const)
  test(`one headline: the chain's loop and forwarded-headers-off-behind-l7 (${name})`, async () => {
    const r = await chainOf({
      ...base,
      'k8s/ingress.yaml': ingress({ force: true }),
      'k8s/ctl.yaml': controller([CERT, L7]),
      'k8s/cm.yaml': configMap(data),
    });
    const ids = r.findings.map((f) => f.id);
    assert.ok(!ids.includes('chain/scheme-lost'), ids.join(', '));
    const head = r.findings.filter((f) => f.id === 'ingress-nginx/forwarded-headers-off-behind-l7');
    assert.equal(head.length, 1, ids.join(', '));
    assert.equal(head[0]?.severity, 'critical');
    assert.equal((head[0]?.data?.chainFinding as { id?: string } | undefined)?.id, 'chain/scheme-lost');
    assert.match(head[0]?.message ?? '', /\nchain: .*lost at hop/);
    assert.equal(head[0]?.fix?.file, 'k8s/cm.yaml');
    assert.equal(head[0]?.fix?.line, line);
    assert.equal(head[0]?.fix?.placement, placement);
    assert.deepEqual(head[0]?.fix?.lines, ['  use-forwarded-headers: "true"']);
  });

// Contour: Envoy's own Service as the TLS balancer (Contour's example `envoy` Service in `projectcontour`, with an
// ACM certificate and 443 sent to Envoy's plain 8080).
const httpProxy = (tls: boolean) => `apiVersion: projectcontour.io/v1
kind: HTTPProxy
metadata:
  name: web
spec:
  virtualhost:
    fqdn: app.example.com
${tls ? '    tls:\n      secretName: web-tls\n' : ''}  routes:
    - conditions:
        - prefix: /
      services:
        - name: web
          port: 80
`;

const envoyService = (annotations: string[], httpsTarget = '8080') => `apiVersion: v1
kind: Service
metadata:
  name: envoy
  namespace: projectcontour
  annotations:
${annotations.map((a) => `    ${a}`).join('\n')}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector:
    app: envoy
  ports:
    - name: http
      port: 80
      targetPort: 8080
    - name: https
      port: 443
      targetPort: ${httpsTarget}
`;

const contourConfig = (hops: number) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: contour
  namespace: projectcontour
data:
  contour.yaml: |
    network:
      num-trusted-hops: ${hops}
`;

test('invalid (Contour): an L7 ELB ending TLS in front of Envoy, num-trusted-hops 0: Envoy writes http and Django loops', async () => {
  const r = await chainOf({ ...base, 'k8s/proxy.yaml': httpProxy(false), 'k8s/envoy.yaml': envoyService([CERT, L7]) });
  assert.equal(r.lbs.length, 1);
  assert.equal(r.lbs[0]?.mode, 'http');
  assert.match(r.lbs[0]?.label ?? '', /AWS Classic Load Balancer \(inferred from k8s\/envoy\.yaml:\d+\)/);
  assert.match(r.lbs[0]?.why ?? '', /Contour's Envoy 8080 port/);
  assert.ok(r.routes.length > 0);
  for (const x of r.routes) assert.equal(x.scheme.believed, 'http');
  assert.ok(r.routes.some((x) => x.redirect?.loop));
});

test('invalid (Contour): an HTTPProxy with virtualhost.tls behind that ELB loops on Envoy :80 (the HTTPS upgrade answers it)', async () => {
  const r = await chainOf({ ...base, 'k8s/proxy.yaml': httpProxy(true), 'k8s/envoy.yaml': envoyService([CERT, L7]) });
  assert.equal(r.lbs.length, 1);
  assert.ok(r.routes.some((x) => x.redirect?.loop));
});

test('valid (Contour): num-trusted-hops 1 keeps the ELB X-Forwarded-Proto, the app sees https', async () => {
  const r = await chainOf({
    ...base,
    'k8s/proxy.yaml': httpProxy(false),
    'k8s/envoy.yaml': envoyService([CERT, L7]),
    'k8s/contour.yaml': contourConfig(1),
  });
  assert.equal(r.lbs.length, 1);
  assert.ok(r.routes.length > 0);
  for (const x of r.routes) {
    assert.equal(x.scheme.believed, 'https');
    assert.ok(!x.redirect?.loop);
  }
  assert.ok(!r.findings.some((f) => f.id === 'chain/scheme-lost'));
});

test('invalid (Contour): an NLB ending TLS sends no header, so num-trusted-hops cannot help: still http', async () => {
  const r = await chainOf({
    ...base,
    'k8s/proxy.yaml': httpProxy(false),
    'k8s/envoy.yaml': envoyService([CERT, NLB]),
    'k8s/contour.yaml': contourConfig(1),
  });
  assert.equal(r.lbs[0]?.mode, 'tcp');
  for (const x of r.routes) assert.equal(x.scheme.believed, 'http');
});

test('valid (Contour trap): Contour example Service (443 to Envoy 8443, no certificate) puts no balancer in front', async () => {
  const r = await chainOf({
    ...base,
    'k8s/proxy.yaml': httpProxy(true),
    'k8s/envoy.yaml': envoyService(['service.beta.kubernetes.io/aws-load-balancer-backend-protocol: tcp'], '8443'),
  });
  assert.equal(r.lbs.length, 0);
});

test('valid (trap): a certificate but 443 sent to Envoy 8443 (TLS re-encrypted to Envoy) is no balancer before :80', async () => {
  const r = await chainOf({ ...base, 'k8s/proxy.yaml': httpProxy(true), 'k8s/envoy.yaml': envoyService([CERT, L7], '8443') });
  assert.equal(r.lbs.length, 0);
});

test('valid (trap): an Envoy Gateway Service (no Contour) is not taken for Contour', async () => {
  const svc = envoyService([CERT, L7]).replace('namespace: projectcontour', 'namespace: envoy-gateway-system');
  const r = await chainOf({ ...base, 'k8s/proxy.yaml': httpProxy(false), 'k8s/envoy.yaml': svc });
  assert.equal(r.lbs.length, 0);
});

test('fix (Contour): the scheme-lost finding carries num-trusted-hops: 1; written in place over a num-trusted-hops: 0 line', async () => {
  const advice = await chainOf({ ...base, 'k8s/proxy.yaml': httpProxy(false), 'k8s/envoy.yaml': envoyService([CERT, L7]) });
  const lost = advice.findings.find((f) => f.id === 'chain/scheme-lost');
  assert.ok(lost?.fix, JSON.stringify(lost));
  assert.ok(
    lost.fix.lines?.some((l) => /^\s*num-trusted-hops: 1$/.test(l)),
    JSON.stringify(lost.fix),
  );
  assert.equal(lost.fix.placement, undefined);
  const placed = await chainOf({
    ...base,
    'k8s/proxy.yaml': httpProxy(false),
    'k8s/envoy.yaml': envoyService([CERT, L7]),
    'k8s/contour.yaml': contourConfig(0),
  });
  const fix = placed.findings.find((f) => f.id === 'chain/scheme-lost')?.fix;
  assert.equal(fix?.placement, 'replace');
  assert.equal(fix?.file, 'k8s/contour.yaml');
  assert.equal(fix?.line, 9);
  assert.deepEqual(fix?.lines, ['num-trusted-hops: 1']);
});

// r13i13b: Bitnami's contour chart values, Heptio Contour's old `contour` Service, DigitalOcean and GKE Services.
const bitnamiValues = (annotations: string[], httpsTarget = 'http') => `contour:
  enabled: true
configInline:
  disablePermitInsecure: false
envoy:
  service:
    type: LoadBalancer
    targetPorts:
      http: http
      https: ${httpsTarget}
    annotations:
${annotations.map((a) => `      ${a}`).join('\n')}
`;

test('invalid before (Contour, Bitnami chart values): envoy.service annotations with an ACM certificate put the ELB before Envoy :80', async () => {
  const r = await chainOf({ ...base, 'k8s/proxy.yaml': httpProxy(false), 'helm/contour/values.yaml': bitnamiValues([CERT, L7]) });
  assert.equal(r.lbs.length, 1);
  assert.match(r.lbs[0]?.why ?? '', /contour-envoy \(Helm values\).*Contour's Envoy http port/);
  for (const x of r.routes) assert.equal(x.scheme.believed, 'http');
});

test('valid (Contour, Bitnami chart values): configInline network.num-trusted-hops 1 keeps the ELB header: https', async () => {
  const values = bitnamiValues([CERT, L7]).replace(
    '  disablePermitInsecure: false\n',
    '  disablePermitInsecure: false\n  network:\n    num-trusted-hops: 1\n',
  );
  const r = await chainOf({ ...base, 'k8s/proxy.yaml': httpProxy(false), 'helm/contour/values.yaml': values });
  assert.equal(r.lbs.length, 1);
  assert.ok(r.routes.length > 0);
  for (const x of r.routes) assert.equal(x.scheme.believed, 'https');
});

test('valid (traps, Bitnami values): no certificate on envoy.service, or the chart default 443 -> Envoy https (8443)', async () => {
  const r = await chainOf({
    ...base,
    'k8s/proxy.yaml': httpProxy(false),
    'helm/contour/values.yaml': bitnamiValues(['external-dns.alpha.kubernetes.io/hostname: app.example.com']),
  });
  assert.equal(r.lbs.length, 0);
  const tls = await chainOf({
    ...base,
    'k8s/proxy.yaml': httpProxy(false),
    'helm/contour/values.yaml': bitnamiValues([CERT, L7], 'https'),
  });
  assert.equal(tls.lbs.length, 0);
});

const heptioContour = (annotations: string[]) =>
  envoyService(annotations)
    .replace('name: envoy', 'name: contour')
    .replace('namespace: projectcontour', 'namespace: heptio-contour')
    .replace('app: envoy', 'app: contour');

test('invalid before (Heptio Contour): the old `contour` Service (Envoy in the contour pod) with an ACM certificate is the TLS balancer', async () => {
  const r = await chainOf({ ...base, 'k8s/proxy.yaml': httpProxy(false), 'k8s/contour.yaml': heptioContour([CERT, L7]) });
  assert.equal(r.lbs.length, 1);
  assert.match(r.lbs[0]?.why ?? '', /Service contour \(L7\)/);
});

test("valid (trap): today's `contour` Service is Contour's xDS endpoint (ClusterIP :8001), not Envoy's", async () => {
  const xds = `apiVersion: v1
kind: Service
metadata:
  name: contour
  namespace: projectcontour
  annotations:
    ${CERT}
spec:
  type: ClusterIP
  selector:
    app: contour
  ports:
    - name: xds
      port: 8001
      targetPort: 8001
`;
  const r = await chainOf({ ...base, 'k8s/proxy.yaml': httpProxy(false), 'k8s/contour-svc.yaml': xds });
  assert.equal(r.lbs.length, 0);
});

const DO_CERT = 'service.beta.kubernetes.io/do-loadbalancer-certificate-id: "29333fdc-733d-4523-8d79-31acc1544ee0"';
test('invalid before (DigitalOcean): do-loadbalancer-protocol http with a certificate ends TLS at an L7 balancer before Envoy', async () => {
  const r = await chainOf({
    ...base,
    'k8s/proxy.yaml': httpProxy(false),
    'k8s/envoy.yaml': envoyService(['service.beta.kubernetes.io/do-loadbalancer-protocol: "http"', DO_CERT]),
  });
  assert.equal(r.lbs.length, 1);
  assert.equal(r.lbs[0]?.mode, 'http');
  assert.match(r.lbs[0]?.label ?? '', /DigitalOcean Load Balancer/);
});

test('valid (traps, DigitalOcean and GKE): TLS passthrough, no certificate, or a GKE Service (always a passthrough L4 balancer)', async () => {
  for (const ann of [
    [
      'service.beta.kubernetes.io/do-loadbalancer-protocol: "https"',
      DO_CERT,
      'service.beta.kubernetes.io/do-loadbalancer-tls-passthrough: "true"',
    ],
    ['service.beta.kubernetes.io/do-loadbalancer-protocol: "http"'],
    ['cloud.google.com/l4-rbs: "enabled"', 'networking.gke.io/load-balancer-type: "External"'],
  ]) {
    const r = await chainOf({ ...base, 'k8s/proxy.yaml': httpProxy(false), 'k8s/envoy.yaml': envoyService(ann) });
    assert.equal(r.lbs.length, 0, ann.join(', '));
  }
});

test('unmodelled: a Kubernetes manifest named envoy.yaml is not taken for an Envoy bootstrap config', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'proxyproof-ctl-lb-'));
  try {
    mkdirSync(join(dir, 'k8s'));
    writeFileSync(join(dir, 'k8s/envoy.yaml'), envoyService([CERT, L7]));
    writeFileSync(join(dir, 'k8s/proxy.yaml'), httpProxy(false));
    writeFileSync(join(dir, 'envoy.yaml'), 'static_resources:\n  listeners: []\n');
    const { analysis } = await lintPaths(['.'], { cwd: dir });
    assert.deepEqual(
      analysis.chain.topology.unmodelled.map((u) => u.file),
      ['envoy.yaml'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Traefik: its own Service as the TLS balancer, 443 sent to the `web` entrypoint; IngressRoutes on `web`.
const ingressRoute = `apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata:
  name: web
spec:
  entryPoints:
    - web
  routes:
    - match: Host(\`app.example.com\`)
      kind: Rule
      services:
        - name: web
          port: 80
`;

const traefikService = (annotations: string[], httpsTarget = 'web') => `apiVersion: v1
kind: Service
metadata:
  name: traefik
  namespace: kube-system
  labels:
    app.kubernetes.io/name: traefik
  annotations:
${annotations.map((a) => `    ${a}`).join('\n')}
spec:
  type: LoadBalancer
  selector:
    app.kubernetes.io/name: traefik
  ports:
    - name: web
      port: 80
      targetPort: web
    - name: websecure
      port: 443
      targetPort: ${httpsTarget}
`;

const traefikDeployment = (trust: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: traefik
  namespace: kube-system
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: traefik
  template:
    metadata:
      labels:
        app.kubernetes.io/name: traefik
    spec:
      containers:
        - name: traefik
          image: traefik:v3.1
          args:
            - --entryPoints.web.address=:8000
            - --entryPoints.websecure.address=:8443
            - --providers.kubernetescrd
${trust ? `            - ${trust}\n` : ''}          ports:
            - name: web
              containerPort: 8000
`;

test('invalid (Traefik): an L7 ELB ending TLS in front of the web entrypoint, no trustedIPs: Traefik writes http, Django loops', async () => {
  const r = await chainOf({
    ...base,
    'k8s/route.yaml': ingressRoute,
    'k8s/traefik-svc.yaml': traefikService([CERT, L7]),
    'k8s/traefik.yaml': traefikDeployment(''),
  });
  assert.equal(r.lbs.length, 1);
  assert.match(r.lbs[0]?.why ?? '', /Traefik's web port/);
  assert.ok(r.routes.length > 0);
  for (const x of r.routes) assert.equal(x.scheme.believed, 'http');
  assert.ok(r.routes.some((x) => x.redirect?.loop));
  const lost = r.findings.find((f) => f.id === 'chain/scheme-lost');
  assert.ok(
    lost?.fix?.lines?.some((l) => /^--entryPoints\.web\.forwardedHeaders\.trustedIPs=/.test(l)),
    JSON.stringify(lost?.fix),
  );
});

test('valid (Traefik): forwardedHeaders.insecure on the web entrypoint (the Deployment args) keeps the ELB header', async () => {
  const r = await chainOf({
    ...base,
    'k8s/route.yaml': ingressRoute,
    'k8s/traefik-svc.yaml': traefikService([CERT, L7]),
    'k8s/traefik.yaml': traefikDeployment('--entryPoints.web.forwardedHeaders.insecure'),
  });
  assert.equal(r.lbs.length, 1);
  assert.ok(r.routes.length > 0);
  for (const x of r.routes) assert.equal(x.scheme.believed, 'https');
  assert.ok(!r.findings.some((f) => f.id === 'chain/scheme-lost'));
});

test('trap (Traefik): trustedIPs on another entrypoint (websecure) does not make web trust the ELB', async () => {
  const r = await chainOf({
    ...base,
    'k8s/route.yaml': ingressRoute,
    'k8s/traefik-svc.yaml': traefikService([CERT, L7]),
    'k8s/traefik.yaml': traefikDeployment('--entryPoints.websecure.forwardedHeaders.insecure'),
  });
  assert.equal(r.lbs.length, 1);
  for (const x of r.routes) assert.equal(x.scheme.believed, 'http');
});

test('valid (Traefik trap): 443 sent to websecure (Traefik ends TLS itself) puts no balancer before web', async () => {
  const r = await chainOf({
    ...base,
    'k8s/route.yaml': ingressRoute,
    'k8s/traefik-svc.yaml': traefikService([CERT, L7], 'websecure'),
    'k8s/traefik.yaml': traefikDeployment(''),
  });
  assert.equal(r.lbs.length, 0);
});

// r13i13b: a traefik-class Ingress (not an IngressRoute) takes its entrypoint's forwardedHeaders trust too.
const traefikIngress = (entrypoints?: string) =>
  ingress({})
    .replace(
      '    nginx.ingress.kubernetes.io/proxy-body-size: "10m"\n',
      entrypoints ? `    traefik.ingress.kubernetes.io/router.entrypoints: ${entrypoints}\n` : '    example.com/owner: web\n',
    )
    .replace('ingressClassName: nginx', 'ingressClassName: traefik');

test('invalid before (Traefik Ingress): router.entrypoints web with forwardedHeaders.insecure on web keeps the ELB header', async () => {
  const r = await chainOf({
    ...base,
    'k8s/ingress.yaml': traefikIngress('web'),
    'k8s/traefik-svc.yaml': traefikService([CERT, L7]),
    'k8s/traefik.yaml': traefikDeployment('--entryPoints.web.forwardedHeaders.insecure'),
  });
  assert.equal(r.lbs.length, 1);
  assert.ok(r.routes.length > 0);
  for (const x of r.routes) assert.equal(x.scheme.believed, 'https');
});

test('trap (Traefik Ingress): no entrypoints annotation and only web trusts: the router is on websecure too, so no one trust', async () => {
  const r = await chainOf({
    ...base,
    'k8s/ingress.yaml': traefikIngress(),
    'k8s/traefik-svc.yaml': traefikService([CERT, L7]),
    'k8s/traefik.yaml': traefikDeployment('--entryPoints.web.forwardedHeaders.insecure'),
  });
  assert.equal(r.lbs.length, 1);
  for (const x of r.routes) assert.equal(x.scheme.believed, 'http');
});

// k3s's bundled Traefik configured by a HelmChartConfig: the chart's own Service with an ACM certificate and
// `ports.websecure.targetPort: web` (the balancer's decrypted 443 to the plain entrypoint).
const helmChartConfig = (extra: string) => `apiVersion: helm.cattle.io/v1
kind: HelmChartConfig
metadata:
  name: traefik
  namespace: kube-system
spec:
  valuesContent: |-
    service:
      annotations:
        ${CERT}
        ${L7}
    ports:
      websecure:
        targetPort: web
${extra}`;

test('invalid (Traefik Helm values): the chart Service ends TLS and sends 443 to web; no trust on web: http, loop', async () => {
  const r = await chainOf({ ...base, 'k8s/route.yaml': ingressRoute, 'k8s/traefik-config.yaml': helmChartConfig('') });
  assert.equal(r.lbs.length, 1);
  assert.match(r.lbs[0]?.label ?? '', /inferred from k8s\/traefik-config\.yaml:\d+/);
  for (const x of r.routes) assert.equal(x.scheme.believed, 'http');
  assert.ok(r.routes.some((x) => x.redirect?.loop));
});

test('valid (Traefik Helm values): ports.web.forwardedHeaders.trustedIPs keeps the balancer header', async () => {
  const r = await chainOf({
    ...base,
    'k8s/route.yaml': ingressRoute,
    'k8s/traefik-config.yaml': helmChartConfig(
      '      web:\n        forwardedHeaders:\n          trustedIPs:\n            - 10.0.0.0/8\n',
    ),
  });
  assert.equal(r.lbs.length, 1);
  assert.ok(r.routes.length > 0);
  for (const x of r.routes) assert.equal(x.scheme.believed, 'https');
});

test('valid (Traefik Helm values trap): no targetPort: 443 goes to websecure, where Traefik ends TLS itself', async () => {
  const r = await chainOf({
    ...base,
    'k8s/route.yaml': ingressRoute,
    'k8s/traefik-config.yaml': helmChartConfig('').replace('    ports:\n      websecure:\n        targetPort: web\n', ''),
  });
  assert.equal(r.lbs.length, 0);
});

test('valid (Traefik Helm values): additionalArguments --entryPoints.web.forwardedHeaders.trustedIPs keeps the balancer header', async () => {
  const r = await chainOf({
    ...base,
    'k8s/route.yaml': ingressRoute,
    'k8s/traefik-config.yaml': helmChartConfig(
      '    additionalArguments:\n      - --entryPoints.web.forwardedHeaders.trustedIPs=10.0.0.0/8\n',
    ),
  });
  assert.equal(r.lbs.length, 1);
  assert.ok(r.routes.length > 0);
  for (const x of r.routes) assert.equal(x.scheme.believed, 'https');
});

test('trap (Traefik Helm values): additionalArguments for websecure leaves web untrusting', async () => {
  const r = await chainOf({
    ...base,
    'k8s/route.yaml': ingressRoute,
    'k8s/traefik-config.yaml': helmChartConfig(
      '    additionalArguments:\n      - --entryPoints.websecure.forwardedHeaders.trustedIPs=10.0.0.0/8\n',
    ),
  });
  assert.equal(r.lbs.length, 1);
  for (const x of r.routes) assert.equal(x.scheme.believed, 'http');
});
