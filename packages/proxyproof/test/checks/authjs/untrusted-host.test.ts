import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authjsUntrustedHost } from '../../../src/checks/node/authjs-untrusted-host.js';
import { fixLoop } from '../../fix/loop.js';
import { caseTable } from '../express/harness.js';

const pkg = (nextAuth: string) =>
  JSON.stringify(
    { name: '@acme/admin', scripts: { start: 'next start' }, dependencies: { next: '15.0.3', 'next-auth': nextAuth } },
    null,
    2,
  );
const AUTH =
  'import NextAuth from "next-auth";\nimport Google from "next-auth/providers/google";\n\nexport const { handlers, auth } = NextAuth({\n  providers: [Google],\n});\n';
const DOCKERFILE = 'FROM node:22-alpine\nWORKDIR /app\nENV NODE_ENV=production\nCOPY . .\nCMD ["node", "server.js"]\n';
const deployment = (env: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: admin
spec:
  template:
    spec:
      containers:
        - name: admin
          image: registry.example/acme/admin:1.0
          ports:
            - containerPort: 3000
          env:
            - name: LOG_LEVEL
              value: info
${env}${extra}`;
const INGRESS = `apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata:
  name: admin
spec:
  entryPoints: [websecure]
  routes:
    - kind: Rule
      match: Host(\`admin.example.org\`)
      services:
        - name: admin
          port: 3000
  tls:
    secretName: admin-tls
`;
const BROKEN = {
  'admin/package.json': pkg('5.0.0-beta.25'),
  'admin/src/auth.ts': AUTH,
  'admin/Dockerfile': DOCKERFILE,
  'k8s/deployment.yaml': deployment(''),
  'k8s/ingressroute.yaml': INGRESS,
};

caseTable(authjsUntrustedHost, [
  {
    name: 'next-auth 5 in a production image on Kubernetes behind Traefik, no AUTH_TRUST_HOST / AUTH_URL',
    files: BROKEN,
    expect: ['k8s/deployment.yaml@13'],
    check: ([f]) => {
      assert.equal(f?.severity, 'high');
      assert.match(f?.message ?? '', /UntrustedHost/);
      assert.deepEqual(f?.fix?.lines, ['            - name: AUTH_TRUST_HOST', '              value: "true"']);
      assert.ok(f?.evidence.some((e) => e.file === 'k8s/ingressroute.yaml'));
      assert.ok(f?.evidence.some((e) => e.file === 'admin/Dockerfile' && e.line === 3));
    },
  },
  {
    name: 'envFrom a ConfigMap not in view: medium (it could set AUTH_TRUST_HOST)',
    files: {
      ...BROKEN,
      'k8s/deployment.yaml': deployment(
        '',
        '          envFrom:\n            - configMapRef:\n                name: admin-config\n',
      ),
    },
    expect: ['k8s/deployment.yaml@13'],
    check: ([f]) => assert.equal(f?.severity, 'medium'),
  },
  {
    name: 'only a Dockerfile (docker run): the fix is an ENV line',
    files: { 'admin/package.json': pkg('^5.0.0'), 'admin/src/auth.ts': AUTH, 'admin/Dockerfile': DOCKERFILE },
    expect: ['admin/Dockerfile@5'],
    check: ([f]) => assert.deepEqual(f?.fix?.lines, ['ENV AUTH_TRUST_HOST=true']),
  },
  {
    name: 'trap: NEXTAUTH_URL alone does not set trustHost in v5',
    files: {
      ...BROKEN,
      'k8s/deployment.yaml': deployment('            - name: NEXTAUTH_URL\n              value: https://admin.example.org\n'),
    },
    expect: ['k8s/deployment.yaml@13'],
    check: ([f]) => assert.match(f?.message ?? '', /NEXTAUTH_URL alone/),
  },
  // valid
  {
    name: 'AUTH_TRUST_HOST in the container env (any value: @auth/core only tests that it is set)',
    files: { ...BROKEN, 'k8s/deployment.yaml': deployment('            - name: AUTH_TRUST_HOST\n              value: "true"\n') },
    expect: [],
  },
  {
    name: 'AUTH_URL with the public URL',
    files: {
      ...BROKEN,
      'k8s/deployment.yaml': deployment('            - name: AUTH_URL\n              value: https://admin.example.org\n'),
    },
    expect: [],
  },
  {
    name: 'trustHost: true in the config',
    files: { ...BROKEN, 'admin/src/auth.ts': AUTH.replace('providers:', 'trustHost: true,\n  providers:') },
    expect: [],
  },
  {
    name: 'next-auth 4 (no trustHost; NEXTAUTH_URL decides)',
    files: { ...BROKEN, 'admin/package.json': pkg('^4.24.7') },
    expect: [],
  },
  {
    name: 'trap: no deployment of our own in view (Vercel and Cloudflare Pages set VERCEL / CF_PAGES)',
    files: { 'admin/package.json': pkg('5.0.0-beta.25'), 'admin/src/auth.ts': AUTH },
    expect: [],
  },
  {
    name: 'NODE_ENV=development in the image',
    files: { ...BROKEN, 'admin/Dockerfile': DOCKERFILE.replace('production', 'development') },
    expect: [],
  },
]);

test('authjs/untrusted-host: fix --write adds AUTH_TRUST_HOST to the container env and the finding is gone', async () => {
  const r = await fixLoop(BROKEN, 'authjs/untrusted-host');
  assert.ok(r.ran);
});
