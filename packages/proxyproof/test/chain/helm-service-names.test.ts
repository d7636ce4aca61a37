/**
 * A Helm chart names its Service from values (`name: {{ .Values.api.name }}-svc`) and another template or the
 * chart's nginx config uses the rendered name as its upstream host (collectors/kube/collector.ts: the Service's
 * name and ports take values.yaml's defaults, as `helm template` renders them). The proxy then reaches the pods
 * the Service selects. A name made by a named template (`include`) is not rendered: the link stays unresolved.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeChain } from '../../src/chain/analyze.js';
import { lintFiles } from '../python/lint-files.js';

const NGINX =
  'server {\n  listen 443 ssl;\n  server_name shop.example.org;\n  ssl_certificate /etc/ssl/x.pem;\n' +
  '  ssl_certificate_key /etc/ssl/x.key;\n  location / {\n    proxy_pass http://shop-api-svc:8081;\n' +
  '    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-Proto $scheme;\n  }\n}\n';
const VALUES = 'api:\n  name: shop-api\n  port: 8000\n  service:\n    port: 8081\n';
const DEPLOYMENT = (container: string): string =>
  'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: "{{ .Values.api.name }}"\nspec:\n  selector:\n' +
  '    matchLabels:\n      app: "{{ .Values.api.name }}"\n  template:\n    metadata:\n      labels:\n' +
  '        app: "{{ .Values.api.name }}"\n    spec:\n      containers:\n        - name: api\n' +
  `          image: example/api:1\n${container}`;
const GUNICORN = '          command: ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]\n';
const SERVICE = (name: string): string =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector:\n    app: "{{ .Values.api.name }}"\n` +
  '  ports:\n    - port: {{ .Values.api.service.port }}\n      targetPort: {{ .Values.api.port }}\n';
const chart = (service: string, container: string): Record<string, string> => ({
  'chart/Chart.yaml': 'apiVersion: v2\nname: shop\nversion: 0.1.0\n',
  'chart/values.yaml': VALUES,
  'chart/files/nginx.conf': NGINX,
  'chart/templates/deployment.yaml': DEPLOYMENT(container),
  'chart/templates/service.yaml': SERVICE(service),
});

test('helm Service name from values: the proxy upstream shop-api-svc:8081 reaches the gunicorn pod behind it', async () => {
  const { facts } = await lintFiles(chart('"{{ .Values.api.name }}-svc"', GUNICORN));
  const svc = facts.kube?.serviceIndex?.find((s) => s.name === 'shop-api-svc');
  assert.ok(svc, JSON.stringify(facts.kube?.serviceIndex));
  assert.deepEqual(svc.ports, [{ port: '8081', targetPort: '8000' }]);
  const { topology } = analyzeChain(facts);
  // One route, one upstream: its link reaches the app server the Service selects.
  assert.equal(topology.links.length, 1, JSON.stringify(topology.links));
  const link = topology.links[0];
  assert.equal(link?.target.kind, 'app', JSON.stringify(link?.target));
  assert.match(link?.how ?? '', /shop-api-svc/);
});

test('helm Service name from values, a pod without a command: the link names the Service and workload', async () => {
  const { facts } = await lintFiles(chart('"{{ .Values.api.name }}-svc"', ''));
  const link = analyzeChain(facts).topology.links.find((l) => l.target.kind === 'unresolved');
  assert.ok(link && link.target.kind === 'unresolved');
  assert.match(
    link.target.reason,
    /^Kubernetes Service shop-api-svc \(chart\/templates\/service\.yaml:\d+\) selects the pods of/,
  );
});

test('trap: a Service named by a named template (include) is not rendered: the upstream stays unresolved', async () => {
  const { facts } = await lintFiles(chart('"{{ include "shop.fullname" . }}-svc"', GUNICORN));
  assert.ok(!facts.kube?.serviceIndex?.some((s) => s.name === 'shop-api-svc'));
  const link = analyzeChain(facts).topology.links.find((l) => l.target.kind === 'unresolved');
  assert.ok(link && link.target.kind === 'unresolved', JSON.stringify(analyzeChain(facts).topology.links));
  assert.match(link.target.reason, /could not find the app server listening on shop-api-svc:8081/);
});
