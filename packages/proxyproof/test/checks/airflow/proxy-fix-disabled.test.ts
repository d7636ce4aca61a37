import assert from 'node:assert/strict';
import { test } from 'node:test';
import { airflowProxyFixDisabled } from '../../../src/checks/airflow/proxy-fix-disabled.js';
import { fixLoop } from '../../fix/loop.js';
import { caseTable } from '../express/harness.js';

const cfg = (extra = '', base = 'https://airflow.example.org') =>
  `[core]\ndags_folder = /opt/airflow/dags\n\n[webserver]\nbase_url = ${base}\nweb_server_host = 0.0.0.0\nweb_server_port = 8080\nweb_server_ssl_cert =\n${extra}\n[scheduler]\ncatchup_by_default = True\n`;
const INGRESS = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: airflow
spec:
  rules:
  - host: airflow.example.org
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: airflow
            port:
              number: 8080
  tls:
    - hosts:
      - airflow.example.org
      secretName: airflow-tls
`;
const CONFIGMAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: airflow-config
data:
  airflow.cfg: |
    [core]
    dags_folder = /opt/airflow/dags
    [webserver]
    base_url = https://airflow.example.org
    web_server_host = 0.0.0.0
    web_server_port = 8080
    [scheduler]
    catchup_by_default = True
`;

caseTable(airflowProxyFixDisabled, [
  {
    name: 'airflow.cfg without enable_proxy_fix behind a TLS Ingress',
    files: { 'airflow.cfg': cfg(), 'k8s/ingress.yaml': INGRESS },
    expect: ['airflow.cfg@4'],
    check: ([f]) => {
      assert.equal(f?.severity, 'high');
      assert.deepEqual(f?.fix?.lines, ['enable_proxy_fix = True']);
      assert.ok(
        f?.evidence.some((e) => e.file === 'k8s/ingress.yaml' && e.line === 17),
        'the tls: line',
      );
      assert.ok(
        f?.evidence.some((e) => e.file === 'airflow.cfg' && e.line === 6),
        'web_server_host',
      );
    },
  },
  {
    name: 'airflow.cfg embedded in a ConfigMap (indented block)',
    files: { 'k8s/configmap.yaml': CONFIGMAP, 'k8s/ingress.yaml': INGRESS },
    expect: ['k8s/configmap.yaml@9'],
    check: ([f]) => assert.deepEqual(f?.fix?.lines, ['    enable_proxy_fix = True']),
  },
  {
    name: 'enable_proxy_fix = False written: replaced',
    files: { 'airflow.cfg': cfg('enable_proxy_fix = False\n'), 'k8s/ingress.yaml': INGRESS },
    expect: ['airflow.cfg@9'],
    check: ([f]) => assert.equal(f?.fix?.placement, 'replace'),
  },
  {
    name: 'no front in view but an https base_url: medium',
    files: { 'airflow.cfg': cfg() },
    expect: ['airflow.cfg@4'],
    check: ([f]) => assert.equal(f?.severity, 'medium'),
  },
  // valid
  {
    name: 'enable_proxy_fix = True',
    files: { 'airflow.cfg': cfg('enable_proxy_fix = True\n'), 'k8s/ingress.yaml': INGRESS },
    expect: [],
  },
  {
    name: 'AIRFLOW__WEBSERVER__ENABLE_PROXY_FIX=True in the container env',
    files: {
      'airflow.cfg': cfg(),
      'k8s/ingress.yaml': INGRESS,
      'k8s/env.yaml': 'env:\n  - name: AIRFLOW__WEBSERVER__ENABLE_PROXY_FIX\n    value: "True"\n',
    },
    expect: [],
  },
  {
    name: 'gunicorn ends TLS itself (web_server_ssl_cert)',
    files: {
      'airflow.cfg': cfg().replace('web_server_ssl_cert =', 'web_server_ssl_cert = /certs/tls.crt'),
      'k8s/ingress.yaml': INGRESS,
    },
    expect: [],
  },
  { name: 'plain http base_url, no proxy in view', files: { 'airflow.cfg': cfg('', 'http://localhost:8080') }, expect: [] },
]);

test('airflow/proxy-fix-disabled: fix --write enables ProxyFix and the finding is gone', async () => {
  const r = await fixLoop({ 'airflow.cfg': cfg(), 'k8s/ingress.yaml': INGRESS }, 'airflow/proxy-fix-disabled');
  assert.ok(r.ran);
});
