/**
 * "Never advise binding a containerised app to 127.0.0.1 when its proxy is another container" (issue 12): the
 * trust-all findings of gunicorn, uvicorn and daphne in a container or pod advise the deployment's own remedy (the
 * proxy's network, `expose:`, a ClusterIP Service, no `-p`), never a loopback bind or a unix socket, through the built
 * CLI (`npm run build` first). The host install keeps the loopback advice (there it is right).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../helpers.js';
import { scratchTrees } from '../scratch-trees.js';

const tree = scratchTrees('proxyproof-ctrfix-');
let trees = 0;

const FLASK = 'from flask import Flask\napp = Flask(__name__)\n';
const FASTAPI = 'from fastapi import FastAPI\napp = FastAPI()\n';
const compose = (cmd: string) => `services:\n  web:\n    build: .\n    command: ${cmd}\n    ports: ["8000:8000"]\n`;
const K8S = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1
          command: ["gunicorn", "-b", "0.0.0.0:8000", "--forwarded-allow-ips=*", "app:app"]
          ports:
            - containerPort: 8000
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: LoadBalancer
  selector: { app: web }
  ports:
    - port: 80
      targetPort: 8000
`;

interface Row {
  name: string;
  files: Record<string, string>;
  id: string;
  /** The fix must say this. */
  says: RegExp;
  /** Loopback advice expected (only outside containers). */
  loopback: boolean;
}

const LOOPBACK_ADVICE = /bind \w+ to (?:a unix socket|127\.0\.0\.1)|Bind \w+ to 127\.0\.0\.1|unix socket \(-u\)|daphne -u /;

const ROWS: Row[] = [
  {
    name: 'gunicorn in compose with ports: the network and expose:, not 127.0.0.1',
    files: { 'docker-compose.yml': compose('gunicorn -b 0.0.0.0:8000 --forwarded-allow-ips=* app:app'), 'app.py': FLASK },
    id: 'gunicorn/forwarded-allow-all',
    says: /proxy's network[\s\S]*`expose:` instead of `ports:`[\s\S]*127\.0\.0\.1 or a unix socket there would cut the proxy off/,
    loopback: false,
  },
  {
    name: 'gunicorn in a pod behind a LoadBalancer Service: a ClusterIP Service',
    files: { 'k8s.yaml': K8S, 'app.py': FLASK },
    id: 'gunicorn/forwarded-allow-all',
    says: /ClusterIP Service[\s\S]*LoadBalancer Service web publishes it now[\s\S]*inside the pod/,
    loopback: false,
  },
  {
    name: 'daphne in compose: no -u socket line, the network',
    files: {
      'docker-compose.yml': compose('daphne -b 0.0.0.0 -p 8000 --proxy-headers app.asgi:application'),
      'app/asgi.py': 'application = None\n',
    },
    id: 'daphne/forwarded-allow-all',
    says: /daphne has no trust list[\s\S]*`expose:` instead of `ports:`/,
    loopback: false,
  },
  {
    name: "uvicorn in a Dockerfile's CMD: no -p, not 127.0.0.1",
    files: {
      Dockerfile: 'FROM python:3.12\nCOPY . .\nCMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--forwarded-allow-ips", "*"]\n',
      'main.py': FASTAPI,
    },
    id: 'uvicorn/forwarded-allow-all',
    says: /without publishing port 8000 \(no `-p`\)/,
    loopback: false,
  },
  {
    name: 'trap: gunicorn on the host (systemd): the loopback advice is right there',
    files: {
      'app.service': '[Service]\nExecStart=/usr/bin/gunicorn -b 0.0.0.0:8000 --forwarded-allow-ips=* app:app\n',
      'app.py': FLASK,
    },
    id: 'gunicorn/forwarded-allow-all',
    says: /unix socket \/ 127\.0\.0\.1 that only the proxy reaches/,
    loopback: true,
  },
];

describe('the trust-all fix of a containerised app server', () => {
  for (const row of ROWS)
    it(row.name, () => {
      const dir = tree(`t${++trees}`, row.files);
      const r = runCli(['lint', '.', '--format', 'json', '--min-severity', 'info'], { cwd: dir });
      assert.equal(r.stderr, '');
      const findings = (
        JSON.parse(r.stdout) as {
          findings: Array<{ id: string; message: string; fix?: { description: string; lines?: string[] } }>;
        }
      ).findings;
      const f = findings.find((x) => x.id === row.id);
      assert.ok(f, JSON.stringify(findings.map((x) => x.id)));
      const text = `${f.fix?.description ?? ''}\n${(f.fix?.lines ?? []).join('\n')}`;
      assert.match(text, row.says);
      if (row.loopback) assert.match(text, /127\.0\.0\.1/);
      else assert.ok(!LOOPBACK_ADVICE.test(text), text);
    });
});
