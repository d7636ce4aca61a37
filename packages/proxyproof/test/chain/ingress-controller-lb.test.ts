/**
 * The ingress-nginx controller's own Service as the TLS load balancer in front of its Ingresses
 * (chain/topology/kube.ts `ingressControllerLb`): an ACM certificate on the Service's ELB that forwards 443 to the
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
