import { test } from 'node:test';
import { frontTrustListOmitsFront as check } from '../../../src/checks/front/trust-list-omits-front.js';
import { type Case, runCase } from '../../python/lint-files.js';

const gceValues = (trust: string) =>
  `app:\n  trusted_proxy_ip: ${trust}\ningress:\n  enabled: true\n  annotations:\n    kubernetes.io/ingress.class: "gce"\n    networking.gke.io/managed-certificates: web-cert\n  tls: []\n`;
const tf =
  'locals {\n  values = templatefile(\n    "${path.module}/helm/values.yaml",\n    {\n      LB_IP : google_compute_global_address.lb.address\n      NAME : var.name\n    }\n  )\n}\n';

const cases: Case[] = [
  {
    name: 'invalid: GCE Ingress, trust list bound by Terraform to the LB global address only',
    files: { 'helm/values.yaml': gceValues('${LB_IP}'), 'main.tf': tf },
    expect: { count: 1, severity: 'high', file: 'helm/values.yaml', line: 2, message: /google_compute_global_address/ },
  },
  {
    name: 'invalid: an Ingress manifest of class gce and a container env TRUSTED_PROXIES of private ranges',
    files: {
      'ingress.yaml':
        'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  ingressClassName: gce\n  rules: []\n',
      'deploy.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - name: TRUSTED_PROXIES\n              value: "10.0.0.0/8,172.16.0.0/12"\n',
    },
    expect: { count: 1, file: 'deploy.yaml', line: 9 },
  },
  {
    name: "valid (trap): Google's front-end ranges are in the list next to the LB address (public ranges, not the internet)",
    files: { 'helm/values.yaml': gceValues('${LB_IP},130.211.0.0/22,35.191.0.0/16'), 'main.tf': tf },
    expect: { count: 0 },
  },
  {
    name: 'valid: a placeholder no templatefile() binds is unknown, never judged',
    files: { 'helm/values.yaml': gceValues('${LB_IP}') },
    expect: { count: 0 },
  },
  {
    name: 'valid: a Terraform binding to a string we cannot evaluate is unknown',
    files: {
      'helm/values.yaml': gceValues('${LB_IP}'),
      'main.tf': 'x = templatefile("helm/values.yaml", {\n  LB_IP : "${var.ranges}"\n})\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: no load balancer with documented ranges (an nginx Ingress)',
    files: {
      'values.yaml': 'app:\n  trusted_proxy_ip: 10.0.0.1\ningress:\n  enabled: true\n  className: nginx\n  annotations: {}\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): trust everyone is another finding, not this one',
    files: { 'helm/values.yaml': gceValues('"0.0.0.0/0"') },
    expect: { count: 0 },
  },
];

for (const c of cases) test(c.name, async () => void (await runCase(check, c)));
