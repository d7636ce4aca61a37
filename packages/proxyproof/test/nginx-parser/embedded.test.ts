/** nginx configs embedded in YAML (a ConfigMap key, a Helm template of one): read as nginx at the YAML's own lines. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it, test } from 'node:test';
import { gunicornProxyNotTrusted } from '../../src/checks/appserver/gunicorn-proxy-not-trusted.js';
import { forwardedProtoClientControlled } from '../../src/checks/nginx/forwarded-proto-client-controlled.js';
import { embeddedNginx } from '../../src/collectors/nginx/embedded.js';
import { collectFacts } from '../../src/engine/collect.js';
import { discover } from '../../src/engine/discover.js';

const CONFIGMAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-nginx
data:
  site.conf: |-
    server {
        listen 8080;
        location / {
            proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;
            proxy_pass http://web:8000;
        }
    }
  other: "x"
`;

const HELM = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "app.fullname" . }}-nginx
  labels:
    {{- include "app.labels" . | nindent 4 }}
data:
  nginx.conf: |
    events {}
    http {
        server {
            listen {{ .Values.nginx.port }};
{{- if .Values.extra }}
            location /extra/ { return 404; }
{{- end }}
            location / {
                proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;
                proxy_pass http://{{ include "app.fullname" . }}-web:8000;
            }
        }
    }
`;

describe('embeddedNginx (line-preserving extraction)', () => {
  const cases: { name: string; yaml: string; keys: string[]; bodyLines?: [number, number] }[] = [
    { name: 'a ConfigMap key named like a file, |- scalar', yaml: CONFIGMAP, keys: ['site.conf'], bodyLines: [7, 13] },
    {
      name: 'a Helm template: tag-only lines at column 0 stay inside the scalar',
      yaml: HELM,
      keys: ['nginx.conf'],
      bodyLines: [9, 21],
    },
    {
      name: 'trap: a folded scalar (>) joins lines: not an nginx file',
      yaml: 'data:\n  site.conf: >\n    server {\n      listen 80;\n    }\n',
      keys: [],
    },
    {
      name: 'trap: an Apache vhost under a .conf key',
      yaml: 'data:\n  httpd.conf: |\n    <VirtualHost *:80>\n      ProxyPass / http://app/\n    </VirtualHost>\n',
      keys: [],
    },
    {
      name: 'trap: a key that names no file and no nginx (a script that mentions server {)',
      yaml: 'data:\n  run: |\n    server {\n      listen 80;\n    }\n',
      keys: [],
    },
    {
      name: 'a Helm values key mentioning nginx',
      yaml: 'nginx:\n  nginxConfig: |\n    server {\n      listen 80;\n    }\nreplicas: 2\n',
      keys: ['nginxConfig'],
      bodyLines: [3, 5],
    },
    {
      name: 'two keys in one ConfigMap: each its own config',
      yaml: 'data:\n  a.conf: |\n    server { listen 80; }\n  b.conf: |\n    server { listen 81; }\n',
      keys: ['a.conf', 'b.conf'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const got = embeddedNginx(c.yaml);
      assert.deepEqual(
        got.map((e) => e.key),
        c.keys,
      );
      for (const e of got) assert.equal(e.text.split('\n').length, c.yaml.split('\n').length, 'same line count');
      if (c.bodyLines && got[0]) {
        const lines = got[0].text.split('\n');
        const yamlLines = c.yaml.split('\n');
        lines.forEach((l, k) => {
          const inBody = k + 1 >= (c.bodyLines as [number, number])[0] && k + 1 <= (c.bodyLines as [number, number])[1];
          assert.equal(l, inBody ? yamlLines[k] : '', `line ${k + 1}`);
        });
      }
    });
  }
});

const roots: string[] = [];
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'pp-embed-'));
  roots.push(root);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

async function collect(root: string) {
  return collectFacts(discover(['.'], root), {}, (abs) => readFileSync(abs));
}

const INGRESS = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  tls:
    - hosts: [shop.example.com]
      secretName: shop-tls
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web-nginx
                port:
                  number: 8080
`;

describe('nginx collector: configs embedded in YAML', () => {
  it('reads a ConfigMap key as nginx, at the YAML file and lines, and leaves the manifest to the Kubernetes readers', async () => {
    const deployment =
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: shop:1\n          command: ["gunicorn", "-b", "0.0.0.0:8000", "shop.wsgi"]\n';
    const root = tree({ 'k8s/nginx.yaml': `${CONFIGMAP}---\n${deployment}` });
    const facts = await collect(root);
    assert.equal(facts.nginx.configs.length, 1);
    const t = facts.nginx.configs[0];
    assert.deepEqual(t?.embedded, { key: 'site.conf', line: 6, kubernetes: true });
    assert.equal(t?.config[0]?.file, 'k8s/nginx.yaml');
    const server = t?.config[0]?.parsed.find((d) => d.directive === 'server');
    assert.equal(server?.line, 7);
    assert.equal(server?.block?.find((d) => d.directive === 'location')?.block?.[0]?.line, 10);
    // The same file's Deployment is still read by the deploy collector (the nginx collector did not claim it).
    assert.ok(
      facts.appServers.some((a) => a.kind === 'gunicorn'),
      JSON.stringify(facts.appServers.map((a) => a.kind)),
    );
    assert.deepEqual(
      facts.diagnostics.filter((d) => d.level === 'error'),
      [],
    );
    // The ConfigMap's nginx runs in a pod: the gunicorn pod it proxies to sees another pod's address.
    const f = gunicornProxyNotTrusted.run(facts);
    assert.equal(f.length, 1);
    assert.match(f[0]?.message ?? '', /the nginx configured by k8s\/nginx\.yaml, in another pod/);
    assert.deepEqual(f[0]?.data?.peers, ['other-container']);
    assert.ok(f[0]?.evidence.some((e) => e.file === 'k8s/nginx.yaml' && e.line === 11));
  });

  it('reads a Helm template of a ConfigMap (placeholders opaque, the conditional location kept)', async () => {
    const root = tree({ 'chart/templates/configmap-nginx.yaml': HELM });
    const facts = await collect(root);
    assert.equal(facts.nginx.configs.length, 1);
    const http = facts.nginx.configs[0]?.config[0]?.parsed.find((d) => d.directive === 'http');
    const server = http?.block?.find((d) => d.directive === 'server');
    assert.deepEqual(
      server?.block?.filter((d) => d.directive === 'location').map((d) => d.line),
      [14, 16],
    );
  });

  it("a pod nginx behind an Ingress relays the controller's X-Forwarded-Proto: info, not a client-controlled header", async () => {
    const behind = await collect(tree({ 'k8s/nginx.yaml': CONFIGMAP, 'k8s/ingress.yaml': INGRESS }));
    const f1 = forwardedProtoClientControlled.run(behind);
    assert.deepEqual(
      f1.map((f) => [f.severity, f.evidence[0]?.file, f.evidence[0]?.line]),
      [['info', 'k8s/nginx.yaml', 10]],
    );
    assert.ok(
      f1[0]?.evidence.some((e) => e.file === 'k8s/ingress.yaml'),
      'the Ingress is the evidence',
    );
    // A LoadBalancer Service can publish the pod directly: the client's header reaches nginx, so it stays high.
    const lb =
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: web-public\nspec:\n  type: LoadBalancer\n  selector: {app: web}\n  ports:\n    - port: 80\n      targetPort: 8080\n';
    const open = await collect(tree({ 'k8s/nginx.yaml': CONFIGMAP, 'k8s/ingress.yaml': INGRESS, 'k8s/lb.yaml': lb }));
    assert.deepEqual(
      forwardedProtoClientControlled.run(open).map((f) => f.severity),
      ['high'],
    );
    // The same config as a plain file (not in a pod): high, whatever Ingress the tree has.
    const plain = await collect(
      tree({ 'nginx/conf.d/site.conf': CONFIGMAP.split('\n').slice(6, 13).join('\n'), 'k8s/ingress.yaml': INGRESS }),
    );
    assert.deepEqual(
      forwardedProtoClientControlled.run(plain).map((f) => f.severity),
      ['high'],
    );
  });
});
