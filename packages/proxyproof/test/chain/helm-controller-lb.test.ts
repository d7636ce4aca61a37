/**
 * An ingress-nginx controller LoadBalancer declared in Helm values (`controller.service`: type, annotations, targetPorts)
 * with the Ingress in another file, in the chart's own values and in an umbrella chart's (`Chart.yaml` dependencies,
 * values under the dependency's name): the TLS-ending ELB joins the chain in front of the Ingress as the plain
 * manifest does (audit-13 r18 gap 1, trees k6/k9). The ELB must send its 443 to the controller's plain `http` port
 * (`targetPorts.https: http`, the chart README's AWS L7 ELB recipe); the chart's default (`https`, the controller's
 * TLS port) is no TLS-ending front, and a ClusterIP Service is no load balancer at all.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers.js';

const APP =
  'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  ingressClassName: nginx\n  rules:\n    - host: example.com\n      http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend:\n              service:\n                name: web\n                port:\n                  number: 8000\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n    - port: 8000\n      targetPort: 8000\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n        - name: web\n          image: example/web:1\n          command: [gunicorn, -b, "0.0.0.0:8000", "--forwarded-allow-ips=*", app:app]\n';
const controller = (service: string, pad = '') =>
  `controller:\n  config:\n    use-forwarded-headers: "true"\n  service:\n${service}    annotations:\n      service.beta.kubernetes.io/aws-load-balancer-ssl-cert: arn:aws:acm:x\n      service.beta.kubernetes.io/aws-load-balancer-backend-protocol: http\n`
    .split('\n')
    .map((l) => (l ? pad + l : l))
    .join('\n');
const TO_HTTP = '    targetPorts:\n      https: http\n';
const UMBRELLA =
  'apiVersion: v2\nname: edge\nversion: 0.1.0\ndependencies:\n  - name: ingress-nginx\n    version: 4.8.3\n    repository: https://kubernetes.github.io/ingress-nginx\n';

const ROWS: Array<{ name: string; files: Record<string, string>; lb: boolean }> = [
  {
    name: 'valid: the chart’s values (controller.service, type defaults to LoadBalancer), the Ingress in another file: browser -> ELB -> Ingress, https believed',
    files: { 'values.yaml': controller(TO_HTTP), 'k8s.yaml': APP },
    lb: true,
  },
  {
    name: 'valid: an umbrella chart (Chart.yaml dependency ingress-nginx, values under ingress-nginx:), the Ingress in templates/',
    files: { 'Chart.yaml': UMBRELLA, 'values.yaml': `ingress-nginx:\n${controller(TO_HTTP, '  ')}`, 'templates/app.yaml': APP },
    lb: true,
  },
  {
    name: 'invalid: controller.service.type ClusterIP: no load balancer in front, no HTTPS chain through one',
    files: { 'values.yaml': controller(`    type: ClusterIP\n${TO_HTTP}`), 'k8s.yaml': APP },
    lb: false,
  },
  {
    name: 'trap: the chart’s default targetPorts.https (https, the controller’s TLS port): not a TLS-ending front to the plain listener',
    files: { 'values.yaml': controller(''), 'k8s.yaml': APP },
    lb: false,
  },
];

for (const row of ROWS)
  test(row.name, () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-helm-lb-'));
    try {
      for (const [f, text] of Object.entries(row.files)) {
        mkdirSync(dirname(join(dir, f)), { recursive: true });
        writeFileSync(join(dir, f), text);
      }
      const r = runCli(['doctor', '.', '--format', 'json'], { cwd: dir });
      assert.ok(r.code === 0 || r.code === 1, r.stderr);
      const j = JSON.parse(r.stdout) as { findings: Array<{ id: string }>; chain?: unknown };
      const chain = JSON.stringify(j.chain ?? {});
      const ids = j.findings.map((f) => f.id);
      if (row.lb) {
        assert.match(chain, /AWS Classic Load Balancer \(inferred from [^)]*values\.yaml:\d+\)/);
        assert.match(chain, /"verdict":"verdict: correct/);
        assert.ok(!ids.includes('chain/spoofable-backend'), ids.join(', '));
      } else {
        assert.doesNotMatch(chain, /AWS Classic Load Balancer/);
        assert.doesNotMatch(chain, /"verdict":"verdict: correct/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
