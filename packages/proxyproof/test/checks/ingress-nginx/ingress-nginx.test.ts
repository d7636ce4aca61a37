/** Case tables of the ingress-nginx and Kubernetes Service checks (manifests and Helm values). */
import { describe, test } from 'node:test';
import { ingressForwardedHeadersAtEdge } from '../../../src/checks/ingress-nginx/forwarded-headers-at-edge.js';
import { ingressForwardedHeadersOffBehindL7 } from '../../../src/checks/ingress-nginx/forwarded-headers-off-behind-l7.js';
import { ingressTlsAtL4Lb } from '../../../src/checks/ingress-nginx/tls-at-l4-lb.js';
import { k8sLoadBalancerClientIpSnat } from '../../../src/checks/k8s/loadbalancer-client-ip-snat.js';
import type { Check } from '../../../src/model/check.js';
import { type Case, runCase } from '../../python/lint-files.js';

const cm = (data: string[]) =>
  [
    'kind: ConfigMap',
    'apiVersion: v1',
    'metadata:',
    '  name: ingress-nginx-controller',
    'data:',
    ...data.map((d) => `  ${d}`),
    '',
  ].join('\n');
const svc = (ann: string[], extra: string[] = [], targetHttps = 'http') =>
  [
    'kind: Service',
    'apiVersion: v1',
    'metadata:',
    '  name: ingress-nginx-controller',
    '  labels:',
    '    app.kubernetes.io/name: ingress-nginx',
    '  annotations:',
    ...ann.map((a) => `    ${a}`),
    'spec:',
    '  type: LoadBalancer',
    ...extra.map((e) => `  ${e}`),
    '  ports:',
    '    - name: http',
    '      port: 80',
    '      targetPort: http',
    '    - name: https',
    '      port: 443',
    `      targetPort: ${targetHttps}`,
    '',
  ].join('\n');
const ELB_L7 = [
  'service.beta.kubernetes.io/aws-load-balancer-ssl-cert: "arn:aws:acm:x"',
  'service.beta.kubernetes.io/aws-load-balancer-backend-protocol: "http"',
];
const NLB = ['service.beta.kubernetes.io/aws-load-balancer-type: nlb'];
const NLB_TLS = [...NLB, 'service.beta.kubernetes.io/aws-load-balancer-ssl-cert: "arn:aws:acm:x"'];

const tables: Array<[Check, Case[]]> = [
  [
    ingressForwardedHeadersOffBehindL7,
    [
      {
        name: 'invalid: L7 ELB, ConfigMap without use-forwarded-headers',
        files: { 'cm.yaml': cm(['use-proxy-protocol: "false"']), 'svc.yaml': svc(ELB_L7) },
        expect: { count: 1, severity: 'high', file: 'cm.yaml', line: 5 },
      },
      {
        name: 'valid: L7 ELB with use-forwarded-headers true',
        files: { 'cm.yaml': cm(['use-forwarded-headers: "true"']), 'svc.yaml': svc(ELB_L7) },
        expect: { count: 0 },
      },
      {
        name: 'valid (trap): NLB (L4) without the option is right',
        files: { 'cm.yaml': cm(['a: "b"']), 'svc.yaml': svc(NLB, ['externalTrafficPolicy: Local'], 'https') },
        expect: { count: 0 },
      },
    ],
  ],
  [
    ingressForwardedHeadersAtEdge,
    [
      {
        name: 'invalid: use-forwarded-headers behind an NLB',
        files: { 'cm.yaml': cm(['use-forwarded-headers: "true"']), 'svc.yaml': svc(NLB, [], 'https') },
        expect: { count: 1, severity: 'high', line: 6 },
      },
      {
        name: 'invalid: Helm values (controller.config + controller.service)',
        files: {
          'values.yaml':
            'controller:\n  service:\n    annotations:\n      service.beta.kubernetes.io/aws-load-balancer-type: nlb\n  config:\n    use-forwarded-headers: "true"\n',
        },
        expect: { count: 1, line: 6 },
      },
      {
        name: 'valid: behind an L7 ELB',
        files: { 'cm.yaml': cm(['use-forwarded-headers: "true"']), 'svc.yaml': svc(ELB_L7) },
        expect: { count: 0 },
      },
      {
        name: 'valid (trap): option off at the edge',
        files: { 'cm.yaml': cm(['use-forwarded-headers: "false"']), 'svc.yaml': svc(NLB, [], 'https') },
        expect: { count: 0 },
      },
    ],
  ],
  [
    ingressTlsAtL4Lb,
    [
      {
        name: 'invalid: NLB ends TLS, 443 -> http',
        files: { 'svc.yaml': svc(NLB_TLS) },
        expect: { count: 1, severity: 'high', line: 18 },
      },
      { name: 'valid: NLB passes TLS to the https port', files: { 'svc.yaml': svc(NLB, [], 'https') }, expect: { count: 0 } },
      {
        name: 'valid (trap): L7 ELB ending TLS sends X-Forwarded-Proto',
        files: { 'svc.yaml': svc(ELB_L7) },
        expect: { count: 0 },
      },
    ],
  ],
  [
    k8sLoadBalancerClientIpSnat,
    [
      {
        name: 'invalid: plain LoadBalancer Service (Cluster policy) to pods ending TLS',
        files: {
          'svc.yaml':
            'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n    - port: 443\n      targetPort: 8442\n  type: LoadBalancer\n',
        },
        expect: { count: 1, severity: 'medium', line: 5 },
      },
      {
        name: 'valid: externalTrafficPolicy Local',
        files: {
          'svc.yaml':
            'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  externalTrafficPolicy: Local\n  ports:\n    - port: 443\n  type: LoadBalancer\n',
        },
        expect: { count: 0 },
      },
      { name: 'valid (trap): L7 ELB carries X-Forwarded-For', files: { 'svc.yaml': svc(ELB_L7) }, expect: { count: 0 } },
      {
        name: 'valid (trap): NodePort behind a GCE ingress is not a LoadBalancer',
        files: {
          'svc.yaml':
            'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: NodePort\n  ports:\n    - port: 80\n',
        },
        expect: { count: 0 },
      },
    ],
  ],
];

for (const [check, cases] of tables)
  describe(check.meta.id, () => {
    for (const c of cases) test(c.name, async () => void (await runCase(check, c)));
  });
