/** Case tables of the ingress-nginx and Kubernetes Service checks (manifests and Helm values). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ingressForwardedHeadersAtEdge } from '../../../src/checks/ingress-nginx/forwarded-headers-at-edge.js';
import { ingressForwardedHeadersOffBehindL7 } from '../../../src/checks/ingress-nginx/forwarded-headers-off-behind-l7.js';
import { ingressTlsAtL4Lb } from '../../../src/checks/ingress-nginx/tls-at-l4-lb.js';
import { k8sLoadBalancerClientIpSnat } from '../../../src/checks/k8s/loadbalancer-client-ip-snat.js';
import { ingressNginxChartAppVersion } from '../../../src/collectors/kube/ingress-nginx-chart.js';
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
// r17edge: the controller's Deployment, its image tag deciding use-forwarded-headers' default (true before 0.22).
const controller = (image: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ingress-nginx-controller\nspec:\n  template:\n    spec:\n      containers:\n        - name: controller\n          image: ${image}\n          args: [/nginx-ingress-controller]\n`;
const NLB_TLS = [...NLB, 'service.beta.kubernetes.io/aws-load-balancer-ssl-cert: "arn:aws:acm:x"'];
// r18k8s13: Helm values with no `controller.config` (the chart's defaults), at the top or nested under an umbrella
// chart's dependency key (`under`), with the controller's Service annotations and, optionally, its image tag.
const helmValues = (ann: string[], tag?: string, under?: string) => {
  const lines = [
    'controller:',
    ...(tag ? ['  image:', `    tag: "${tag}"`] : []),
    '  service:',
    '    annotations:',
    ...ann.map((a) => `      ${a}`),
  ];
  return `${(under ? [`${under}:`, ...lines.map((l) => `  ${l}`)] : lines).join('\n')}\n`;
};
/** An umbrella chart depending on ingress-nginx (chart `version`), under an alias when given. */
const umbrella = (version: string, alias?: string, name = 'ingress-nginx') =>
  `apiVersion: v2\nname: edge\nversion: 0.1.0\ndependencies:\n  - name: ${name}\n    version: ${version}\n    repository: https://kubernetes.github.io/ingress-nginx\n${alias ? `    alias: ${alias}\n` : ''}`;

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
        name: 'invalid: L7 ELB, option unset, controller v1.9.4 read from its image: the message names the version',
        files: {
          'cm.yaml': cm(['use-proxy-protocol: "false"']),
          'svc.yaml': svc(ELB_L7),
          'deploy.yaml': controller('registry.k8s.io/ingress-nginx/controller:v1.9.4@sha256:5b1614'),
        },
        expect: {
          count: 1,
          line: 5,
          message: /not set \(false since ingress-nginx 0\.22; this controller is 1\.9\.4, deploy\.yaml:10\)/,
        },
      },
      {
        name: 'invalid: no controller image in the tree: "version unknown: assumed ≥0.22" is said',
        files: { 'cm.yaml': cm(['use-proxy-protocol: "false"']), 'svc.yaml': svc(ELB_L7) },
        expect: { count: 1, message: /controller version unknown: assumed ≥0\.22/ },
      },
      {
        name: 'valid (trap): option unset but the controller is 0.21.0 (true by default before 0.22)',
        files: {
          'cm.yaml': cm(['use-proxy-protocol: "false"']),
          'svc.yaml': svc(ELB_L7),
          'deploy.yaml': controller('quay.io/kubernetes-ingress-controller/nginx-ingress-controller:0.21.0'),
        },
        expect: { count: 0 },
      },
      {
        name: 'valid (trap): Helm values controller.image.tag 0.20.0 (old stable chart), option unset',
        files: {
          'values.yaml': `controller:\n  image:\n    repository: quay.io/kubernetes-ingress-controller/nginx-ingress-controller\n    tag: "0.20.0"\n  config:\n    use-proxy-protocol: "false"\n  service:\n    annotations:\n${ELB_L7.map((a) => `      ${a}`).join('\n')}\n`,
        },
        expect: { count: 0 },
      },
      {
        name: "valid (trap): NGINX Inc.'s nginx/nginx-ingress:1.12.0 is another controller: its tag is not ingress-nginx's version",
        files: {
          'cm.yaml': cm(['use-forwarded-headers: "true"']),
          'svc.yaml': svc(ELB_L7),
          'deploy.yaml': controller('nginx/nginx-ingress:1.12.0'),
        },
        expect: { count: 0 },
      },
      {
        name: 'invalid: L7 ELB, no ConfigMap at all, controller Deployment v1.9.4: its defaults apply (advice: create the ConfigMap)',
        files: { 'svc.yaml': svc(ELB_L7), 'deploy.yaml': controller('registry.k8s.io/ingress-nginx/controller:v1.9.4') },
        expect: { count: 1, file: 'deploy.yaml', line: 10, message: /this controller is 1\.9\.4/, mechanical: false },
      },
      {
        name: 'invalid: umbrella chart values under ingress-nginx:, Chart.yaml dependency 3.0.0 ships controller 0.35.0',
        files: {
          'Chart.yaml': umbrella('3.0.0'),
          'values.yaml': helmValues(ELB_L7, undefined, 'ingress-nginx').replace(
            '  controller:\n',
            '  controller:\n    config:\n      use-proxy-protocol: "false"\n',
          ),
        },
        expect: {
          count: 1,
          file: 'values.yaml',
          line: 3,
          message: /this controller is 0\.35\.0, Chart\.yaml:6/,
          fixLine: '      use-forwarded-headers: "true"',
        },
      },
      {
        name: 'invalid: umbrella chart with an alias, no controller.config: a config: block is added under the alias',
        files: { 'Chart.yaml': umbrella('4.11.2', 'edge'), 'values.yaml': helmValues(ELB_L7, undefined, 'edge') },
        expect: {
          count: 1,
          message: /this controller is 1\.11\.2/,
          fixAt: { line: 2, placement: 'after' },
          fixLine: '      use-forwarded-headers: "true"',
        },
      },
      {
        name: "valid (trap): an alias of another chart's dependency is not ingress-nginx's values (its config is not read)",
        files: {
          'cm.yaml': cm(['use-forwarded-headers: "true"']),
          'svc.yaml': svc(ELB_L7),
          'Chart.yaml': umbrella('17.0.0', 'edge', 'redis'),
          'values.yaml': 'edge:\n  controller:\n    config:\n      use-forwarded-headers: "false"\n',
        },
        expect: { count: 0 },
      },
      {
        name: 'valid (trap): Helm values with no config, image tag 0.21.0: true by default before 0.22',
        files: { 'values.yaml': helmValues(ELB_L7, '0.21.0') },
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
        name: 'invalid: option unset behind an NLB, but the controller is 0.21.0: true by default, spoofable',
        files: {
          'cm.yaml': cm(['use-proxy-protocol: "false"']),
          'svc.yaml': svc(NLB, [], 'https'),
          'deploy.yaml': controller('quay.io/kubernetes-ingress-controller/nginx-ingress-controller:0.21.0'),
        },
        expect: {
          count: 1,
          severity: 'high',
          file: 'deploy.yaml',
          line: 10,
          message: /not set: true by default before ingress-nginx 0\.22, and this controller is 0\.21\.0/,
          fixAt: { line: 5, placement: 'after' },
        },
      },
      {
        name: 'valid (trap): option unset behind an NLB, controller v1.10.1: false by default',
        files: {
          'cm.yaml': cm(['use-proxy-protocol: "false"']),
          'svc.yaml': svc(NLB, [], 'https'),
          'deploy.yaml': controller('registry.k8s.io/ingress-nginx/controller:v1.10.1'),
        },
        expect: { count: 0 },
      },
      {
        name: 'invalid: no ConfigMap at all, controller Deployment 0.21.0 behind an NLB (advice names its --configmap)',
        files: {
          'svc.yaml': svc(NLB, [], 'https'),
          'deploy.yaml': controller('quay.io/kubernetes-ingress-controller/nginx-ingress-controller:0.21.0').replace(
            'args: [/nginx-ingress-controller]',
            'args: [/nginx-ingress-controller, "--configmap=$(POD_NAMESPACE)/nginx-configuration"]',
          ),
        },
        expect: { count: 1, severity: 'high', file: 'deploy.yaml', line: 10, mechanical: false },
      },
      {
        name: 'invalid: Helm values with no controller.config, image tag 0.21.0, behind an NLB: config: is added',
        files: { 'values.yaml': helmValues(NLB, '0.21.0') },
        expect: {
          count: 1,
          line: 3,
          message: /this controller is 0\.21\.0/,
          fixAt: { line: 1, placement: 'after' },
          fixLine: '    use-forwarded-headers: "false"',
        },
      },
      {
        name: 'valid (trap): no ConfigMap, controller v1.10.1 behind an NLB: false by default',
        files: {
          'svc.yaml': svc(NLB, [], 'https'),
          'deploy.yaml': controller('registry.k8s.io/ingress-nginx/controller:v1.10.1'),
        },
        expect: { count: 0 },
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

describe('ingress-nginx chart version -> controller version (collectors/kube/ingress-nginx-chart.ts)', () => {
  test('tagged and pre-tag charts, the 4.10+ rule, and what is not a version', () => {
    assert.equal(ingressNginxChartAppVersion('3.0.0'), '0.35.0');
    assert.equal(ingressNginxChartAppVersion('2.0.0'), '0.31.0');
    assert.equal(ingressNginxChartAppVersion('4.7.3'), '1.8.4');
    assert.equal(ingressNginxChartAppVersion('v4.11.2'), '1.11.2');
    assert.equal(ingressNginxChartAppVersion('4.15.1'), '1.15.1');
    assert.equal(ingressNginxChartAppVersion('^4.7.0'), undefined);
    assert.equal(ingressNginxChartAppVersion('4.5.4'), undefined);
    assert.equal(ingressNginxChartAppVersion('1.0.0'), undefined);
  });
});
