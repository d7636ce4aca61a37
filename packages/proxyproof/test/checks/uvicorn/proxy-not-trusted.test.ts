import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uvicornProxyNotTrusted as check } from '../../../src/checks/appserver/uvicorn-proxy-not-trusted.js';
import { compose, nginxTls, systemdUnit } from '../../python/fixtures.js';
import { type Case, runCase } from '../../python/lint-files.js';

const cases: Case[] = [
  {
    name: 'valid: loopback proxy, defaults',
    files: { 'app.service': systemdUnit('uvicorn main:app --port 8000'), 'site.conf': nginxTls('http://127.0.0.1:8000') },
    expect: { count: 0 },
  },
  {
    name: "valid: unix socket with '*'",
    files: {
      'app.service': systemdUnit("uvicorn main:app --uds /run/app.sock --forwarded-allow-ips='*'"),
      'site.conf': nginxTls('http://unix:/run/app.sock'),
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid: unix socket with the default trust list (uvicorn sees no peer address)',
    files: {
      'app.service': systemdUnit('uvicorn main:app --uds /run/app.sock'),
      'site.conf': nginxTls('http://unix:/run/app.sock'),
    },
    expect: { count: 1, message: /unix socket/ },
  },
  {
    name: 'invalid: --no-proxy-headers behind nginx',
    files: {
      'app.service': systemdUnit('uvicorn main:app --port 8000 --no-proxy-headers'),
      'site.conf': nginxTls('http://127.0.0.1:8000'),
    },
    expect: { count: 1, message: /--no-proxy-headers/ },
  },
  {
    name: 'invalid: nginx container, default 127.0.0.1',
    files: {
      'compose.yaml': compose(['command: uvicorn main:app --host 0.0.0.0 --port 8000']),
      'site.conf': nginxTls('http://web:8000'),
    },
    expect: { count: 1, severity: 'medium' },
  },
  {
    name: 'valid: compose, trust list names the proxy network',
    files: {
      'compose.yaml': compose(['command: uvicorn main:app --host 0.0.0.0 --forwarded-allow-ips 172.18.0.0/16']),
      'site.conf': nginxTls('http://web:8000'),
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid: Kubernetes pod started by an entrypoint script, Ingress in front (uvicorn 0.17 takes no network: advice)',
    files: {
      'deploy/web.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: example/web:1\n          command: ["./scripts/run_web.sh"]\n          env:\n            - name: WEB_PORT\n              value: "8000"\n',
      'deploy/ingress.yaml':
        'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  tls:\n    - hosts: [example.org]\n',
      'scripts/run_web.sh': '#!/bin/sh\nPORT="${WEB_PORT:-8000}"\nexec uvicorn main:app --host 0.0.0.0 --port "$PORT"\n',
    },
    expect: { count: 1, severity: 'medium', file: 'scripts/run_web.sh', line: 3, message: /Ingress web/ },
  },
  {
    name: 'invalid: Kubernetes, uvicorn 0.31 pinned: the pod networks go into the container env',
    files: {
      'requirements.txt': 'uvicorn==0.31.1\n',
      'deploy/web.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: example/web:1\n          command: [uvicorn, main:app, --host, 0.0.0.0]\n          env:\n            - name: LOG_LEVEL\n              value: info\n',
      'deploy/ingress.yaml':
        'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  tls:\n    - hosts: [example.org]\n',
    },
    expect: { count: 1, fixLine: '            - name: FORWARDED_ALLOW_IPS' },
  },
  {
    name: 'invalid: compose service with Traefik labels, the proxy is not in the files (Coolify/Dokploy style)',
    files: {
      'compose.yaml': compose(
        ['command: uvicorn main:app --host 0.0.0.0 --port 8080', 'expose: ["8080"]', 'labels:', '  - traefik.enable=true'],
        { proxy: false },
      ),
      'app/routes.py': 'def cb(request):\n    return str(request.url_for("callback"))\n',
    },
    expect: { count: 1, message: /outside these files \(label traefik\.enable/ },
  },
  {
    name: 'invalid: no published port and a compose comment that a reverse proxy routes to the containers',
    files: {
      'compose.yaml': `# Traefik routes traffic to the containers on the internal network\n${compose(['command: uvicorn main:app --host 0.0.0.0', 'expose: ["8000"]'], { proxy: false })}`,
    },
    expect: { count: 1, message: /outside these files/ },
  },
  {
    name: 'valid (trap): a compose service with no proxy anywhere and no sign of one',
    files: { 'compose.yaml': compose(['command: uvicorn main:app --host 0.0.0.0', 'expose: ["8000"]'], { proxy: false }) },
    expect: { count: 0 },
  },
];

for (const c of cases) test(`uvicorn/proxy-not-trusted: ${c.name}`, () => runCase(check, c).then(() => undefined));

test('uvicorn/proxy-not-trusted: the Ingress whose tls: ends https is cited at that line and at its kind: line (a Helm template puts them far apart)', async () => {
  const found = await runCase(check, {
    name: 'Ingress in a Helm template',
    files: {
      'deploy/web.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: example/web:1\n          command: [uvicorn, main:app, --host, 0.0.0.0]\n',
      'deploy/ingress.yaml':
        '{{- if .Values.ingress.enabled }}\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  annotations:\n    a: "1"\n    b: "2"\n    c: "3"\nspec:\n  tls:\n    - hosts: [example.org]\n{{- end }}\n',
    },
    expect: { count: 1 },
  });
  const ingress = found[0]?.evidence.filter((e) => e.file === 'deploy/ingress.yaml').map((e) => [e.line, e.note]);
  assert.deepEqual(ingress, [
    [11, 'Ingress: TLS ends here, plain HTTP to the pods behind it'],
    [3, 'the Ingress web'],
  ]);
});
