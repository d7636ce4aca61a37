/**
 * chain/plan.ts: the fix for a client's X-Forwarded-* passed through an ingress-nginx Ingress (`use-forwarded-headers:
 * "true"` on the edge) is the controller's setting, never an nginx `proxy_set_header` line written into the Ingress
 * YAML (audit-13 r18 gap 3, tree k8). The ConfigMap and the Helm values form; a plain nginx keeps its directive (trap).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers.js';

const CM =
  'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ingress-nginx-controller\n  namespace: ingress-nginx\ndata:\n  use-forwarded-headers: "true"\n---\n';
const APP =
  'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  ingressClassName: nginx\n  rules:\n    - host: example.com\n      http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend:\n              service:\n                name: web\n                port:\n                  number: 8000\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n    - port: 8000\n      targetPort: 8000\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n        - name: web\n          image: example/web:1\n          command: [gunicorn, -b, "0.0.0.0:8000", "--forwarded-allow-ips=*", app:app]\n';

const ROWS: Array<{
  name: string;
  id?: string;
  files: Record<string, string>;
  file: string;
  line: number;
  lines: RegExp;
  not?: RegExp;
}> = [
  {
    name: 'invalid: ConfigMap use-forwarded-headers "true" on the edge: the fix is "false" at that line, no nginx directive in YAML',
    files: { 'k8s.yaml': CM + APP },
    file: 'k8s.yaml',
    line: 7,
    lines: /^use-forwarded-headers: "false"$/,
    not: /proxy_set_header/,
  },
  {
    name: 'invalid: Helm values controller.config use-forwarded-headers "true", the Ingress in another file: the fix is at the values line',
    files: { 'values.yaml': 'controller:\n  config:\n    use-forwarded-headers: "true"\n', 'k8s.yaml': APP },
    file: 'values.yaml',
    line: 3,
    lines: /^use-forwarded-headers: "false"$/,
    not: /proxy_set_header/,
  },
  {
    name: 'valid (trap): a plain nginx passing the client’s X-Forwarded-Proto keeps its proxy_set_header fix',
    files: {
      'nginx.conf':
        'events {}\nhttp {\n  server {\n    listen 80;\n    location / {\n      proxy_pass http://127.0.0.1:8000;\n      proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;\n    }\n  }\n}\n',
      'app.service': '[Service]\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:8000 --forwarded-allow-ips=* app:app\n',
    },
    // The chain's spoof folds into nginx's own headline check there.
    id: 'nginx/forwarded-proto-client-controlled',
    file: 'nginx.conf',
    line: 7,
    lines: /^proxy_set_header X-Forwarded-Proto \$/,
  },
];

for (const row of ROWS)
  test(row.name, () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-ingress-spoof-'));
    try {
      for (const [f, text] of Object.entries(row.files)) {
        mkdirSync(dirname(join(dir, f)), { recursive: true });
        writeFileSync(join(dir, f), text);
      }
      const r = runCli(['lint', '.', '--format', 'json'], { cwd: dir });
      assert.ok(r.code === 0 || r.code === 1, r.stderr);
      const j = JSON.parse(r.stdout) as {
        findings: Array<{ id: string; fix?: { file?: string; line?: number; lines?: string[]; description?: string } }>;
      };
      const f = j.findings.find((x) => x.id === (row.id ?? 'chain/spoofable-backend'));
      assert.ok(f?.fix, JSON.stringify(j.findings.map((x) => x.id)));
      assert.equal(f.fix.file, row.file);
      assert.equal(f.fix.line, row.line);
      assert.ok(
        f.fix.lines?.some((l) => row.lines.test(l.trim())),
        JSON.stringify(f.fix),
      );
      if (row.not) assert.doesNotMatch(JSON.stringify(j.findings.map((x) => x.fix)), row.not);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
