/**
 * A Kubernetes container's `env` entry with `valueFrom` (collectors/deploy/kube.ts `valueFromConfigMap`): a
 * `configMapKeyRef` to a ConfigMap of the tree is that key's value (a Helm chart's templated ConfigMap name too), as
 * the kubelet puts it in the container's environment; an optional reference to a missing key keeps the value envFrom
 * gave. A Secret (`secretKeyRef`), the pod's own fields, a ConfigMap the files do not hold or a key it lacks stay
 * unknown, and say why: never an empty trust list.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lintFiles } from '../python/lint-files.js';

const DEPLOYMENT = (env: string): string =>
  'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n' +
  '        - name: web\n          image: example/web:1\n' +
  '          command: ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]\n' +
  env;
const KEY_REF = (kind: 'configMapKeyRef' | 'secretKeyRef', name: string, key: string, extra = ''): string =>
  `          env:\n            - name: FORWARDED_ALLOW_IPS\n              valueFrom:\n                ${kind}:\n` +
  `                  name: ${name}\n                  key: ${key}\n${extra}`;
const CONFIG_MAP = (name: string, data: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${data}`;

interface Case {
  name: string;
  files: Record<string, string>;
  /** gunicorn's trusted proxies: the list, or `unknown`. */
  trusted: string[] | 'unknown';
  /** Where the value (or the unknown) is said to come from. */
  ref?: string;
  /** A note the trust's note (unknown) or the server's notes must hold. */
  note?: RegExp;
}

const CASES: Case[] = [
  {
    name: 'configMapKeyRef to a ConfigMap of another file: that key, cited at its line',
    files: {
      'k8s/web.yaml': DEPLOYMENT(KEY_REF('configMapKeyRef', 'web-settings', 'trusted_proxies')),
      'k8s/settings.yaml': CONFIG_MAP('web-settings', '  LOG_LEVEL: info\n  trusted_proxies: "10.42.0.0/16"\n'),
    },
    trusted: ['10.42.0.0/16'],
    ref: 'k8s/settings.yaml:7',
  },
  {
    name: 'a Helm chart: the ConfigMap name is a template on both sides and still joins',
    files: {
      'chart/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
      'chart/values.yaml': 'replicaCount: 1\n',
      'chart/templates/deployment.yaml': DEPLOYMENT(
        KEY_REF('configMapKeyRef', '{{ include "web.fullname" . }}-env', 'FORWARDED_ALLOW_IPS'),
      ),
      'chart/templates/configmap.yaml': CONFIG_MAP('{{ include "web.fullname" . }}-env', '  FORWARDED_ALLOW_IPS: "10.0.0.0/8"\n'),
    },
    trusted: ['10.0.0.0/8'],
    ref: 'chart/templates/configmap.yaml:6',
  },
  {
    name: 'an optional reference to a missing key keeps the envFrom value (the kubelet skips it)',
    files: {
      'k8s/web.yaml': DEPLOYMENT(
        '          envFrom:\n            - configMapRef:\n                name: web-env\n' +
          KEY_REF('configMapKeyRef', 'web-env', 'override', '                  optional: true\n'),
      ),
      'k8s/env.yaml': CONFIG_MAP('web-env', '  FORWARDED_ALLOW_IPS: "10.1.0.0/16"\n'),
    },
    trusted: ['10.1.0.0/16'],
    ref: 'k8s/env.yaml:6',
  },
  {
    name: 'trap: a secretKeyRef is unknown (a Secret is not in the files), not an empty list trusting nobody',
    files: { 'k8s/web.yaml': DEPLOYMENT(KEY_REF('secretKeyRef', 'web-secrets', 'FORWARDED_ALLOW_IPS')) },
    trusted: 'unknown',
    note: /Secret web-secrets key FORWARDED_ALLOW_IPS: a Secret's value is not in the files/,
  },
  {
    name: 'trap: a ConfigMap the files do not hold (made by kubectl) is unknown',
    files: { 'k8s/web.yaml': DEPLOYMENT(KEY_REF('configMapKeyRef', 'made-elsewhere', 'ips')) },
    trusted: 'unknown',
    note: /ConfigMap made-elsewhere, which is not among the linted files/,
  },
  {
    name: 'trap: the ConfigMap is there but lacks the key (the pod would not start): unknown, not a guess',
    files: {
      'k8s/web.yaml': DEPLOYMENT(KEY_REF('configMapKeyRef', 'web-settings', 'ips')),
      'k8s/settings.yaml': CONFIG_MAP('web-settings', '  other: "10.9.0.0/16"\n'),
    },
    trusted: 'unknown',
    note: /ConfigMap web-settings has no key ips/,
  },
  {
    name: 'trap: two overlays of the ConfigMap disagree on the key: unknown',
    files: {
      'k8s/web.yaml': DEPLOYMENT(KEY_REF('configMapKeyRef', 'web-settings', 'ips')),
      'overlays/prod/settings.yaml': CONFIG_MAP('web-settings', '  ips: "10.9.0.0/16"\n'),
      'overlays/dev/settings.yaml': CONFIG_MAP('web-settings', '  ips: "*"\n'),
    },
    trusted: 'unknown',
    note: /written 2 times with different values of ips/,
  },
];

for (const c of CASES)
  test(`k8s env valueFrom: ${c.name}`, async () => {
    const { facts } = await lintFiles(c.files);
    const s = facts.appServers.find((x) => x.kind === 'gunicorn');
    assert.ok(s, facts.appServers.map((x) => x.kind).join());
    const t = s.trustedProxies;
    if (c.trusted === 'unknown') assert.equal(t.origin, 'unknown', JSON.stringify(t));
    else {
      assert.equal(t.origin, 'env', JSON.stringify(t));
      assert.deepEqual(t.value, c.trusted);
    }
    if (c.ref) assert.equal(`${t.ref?.file}:${t.ref?.line}`, c.ref);
    if (c.note) assert.match(`${t.note ?? ''}\n${(s.notes ?? []).join('\n')}`, c.note);
  });
