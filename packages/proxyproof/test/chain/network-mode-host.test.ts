/**
 * A compose service with `network_mode: host` has no network of its own: its ports are the host's (published without
 * `ports:`) and its 127.0.0.1 is the host's, so the chain places its app server as a host process
 * (chain/topology/app.ts). Through the CLI (`doctor --format json`): who reaches the backend, and a host nginx
 * proxying to 127.0.0.1 linked to it; the same services without `network_mode: host` as the traps.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCli } from '../helpers.js';
import { scratchTrees } from '../scratch-trees.js';

const APP = { 'app.py': 'from flask import Flask\napp = Flask(__name__)\n', Dockerfile: 'FROM python:3.12\nCOPY . /app\n' };
const compose = (command: string, hostNetwork: boolean) =>
  `services:\n  web:\n    build: .\n${hostNetwork ? '    network_mode: host\n' : ''}    command: ${command}\n`;
const NGINX =
  'events {}\nhttp {\n  server {\n    listen 443 ssl;\n    server_name app.example.com;\n    ssl_certificate /etc/ssl/a.pem;\n    ssl_certificate_key /etc/ssl/a.key;\n    location / {\n      proxy_pass http://127.0.0.1:8000;\n      proxy_set_header Host $host;\n      proxy_set_header X-Forwarded-Proto $scheme;\n      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n    }\n  }\n}\n';

interface Doctor {
  findings: { id: string; message: string }[];
  doctor: {
    backends: { label: string; reach: string; reachableFrom?: string }[];
    routes: { verdict: { scheme: { status: string } } }[];
  };
}

const tree = scratchTrees('pp-network-mode-host-');
let trees = 0;
function doctor(files: Record<string, string>): Doctor {
  const r = runCli(['doctor', '.', '--format', 'json'], { cwd: tree(`t${trees++}`, { ...APP, ...files }) });
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  return JSON.parse(r.stdout) as Doctor;
}

describe('network_mode: host — the app’s port is the host’s', () => {
  const TRUST_ALL = 'gunicorn app:app --bind 0.0.0.0:8000 --forwarded-allow-ips="*"';

  test('invalid: gunicorn on 0.0.0.0:8000 trusting everyone, no ports: — reachable from any host', () => {
    const d = doctor({ 'docker-compose.yml': compose(TRUST_ALL, true) });
    const b = d.doctor.backends.find((x) => x.label.startsWith('gunicorn'));
    assert.equal(b?.reach, 'network');
    assert.match(b?.reachableFrom ?? '', /any host that can reach this machine's port 8000/);
    assert.ok(d.findings.some((f) => f.id === 'gunicorn/forwarded-allow-all'));
  });

  test('trap: the same service without network_mode: host is reached only over its compose network', () => {
    const d = doctor({ 'docker-compose.yml': compose(TRUST_ALL, false) });
    const b = d.doctor.backends.find((x) => x.label.startsWith('gunicorn'));
    assert.match(b?.reachableFrom ?? '', /other containers on web's compose network \(not published\)/);
  });

  test('valid: a host nginx proxying to 127.0.0.1:8000 reaches gunicorn bound to 127.0.0.1 in a host-network service', () => {
    const d = doctor({
      'docker-compose.yml': compose('gunicorn app:app --bind 127.0.0.1:8000', true),
      'nginx.conf': NGINX,
    });
    assert.equal(d.doctor.routes[0]?.verdict.scheme.status, 'correct');
    assert.ok(!d.findings.some((f) => f.id === 'chain/link-unresolved'), d.findings.map((f) => f.message).join('\n'));
  });

  test('trap: without network_mode: host the container’s 127.0.0.1 is not the host’s: the link is unresolved', () => {
    const d = doctor({
      'docker-compose.yml': compose('gunicorn app:app --bind 127.0.0.1:8000', false),
      'nginx.conf': NGINX,
    });
    assert.ok(d.findings.some((f) => f.id === 'chain/link-unresolved' && /not on 127\.0\.0\.1 of this host/.test(f.message)));
  });
});
