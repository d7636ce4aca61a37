/**
 * "with the fix that names the proxy's network (`--forwarded-allow-ips` with the compose network's range ...)"
 * (issue 12): a compose network with an `ipam` subnet gives the trust fix that range instead of Docker's address pools
 * or '*', in lint and in doctor's plan alike, through the built CLI (`npm run build` first).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../helpers.js';
import { scratchTrees } from '../scratch-trees.js';

const tree = scratchTrees('proxyproof-subnet-');
let trees = 0;

const SITE = `server {
    listen 443 ssl;
    server_name shop.acme-widgets.com;
    location / {
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_pass http://web:8000;
    }
}
`;
const compose = (ipam: boolean) => `services:
  nginx:
    image: nginx:1.25
    ports: ["443:443"]
    volumes:
      - ./nginx/site.conf:/etc/nginx/conf.d/default.conf
    networks: [backend]
  web:
    build: .
    command: gunicorn -b 0.0.0.0:8000 app:app
    expose: ["8000"]
    networks: [backend]
networks:
  backend:${ipam ? '\n    ipam:\n      config:\n        - subnet: 172.28.0.0/16' : ' {}'}
`;

interface Row {
  name: string;
  ipam: boolean;
  pin?: string;
  /** The gunicorn/proxy-not-trusted fix (description and lines) says this. */
  fix: RegExp;
  /** doctor's fix plan says this. */
  plan?: RegExp;
}

const ROWS: Row[] = [
  {
    name: 'gunicorn 24.1.1 (takes networks): the subnet itself',
    ipam: true,
    pin: 'gunicorn==24.1.1',
    fix: /--forwarded-allow-ips=172\.28\.0\.0\/16/,
    plan: /--forwarded-allow-ips=172\.28\.0\.0\/16/,
  },
  {
    // gunicorn before 24.1 compares entries as exact addresses: a range trusts nobody, so no range is offered.
    name: "trap: gunicorn 20.1 (exact addresses only): '*' while the port is unpublished, not a range it cannot match",
    ipam: true,
    fix: /--forwarded-allow-ips='\*'[\s\S]*|any container on the internal network/,
  },
  {
    name: "trap: no ipam subnet: Docker's pools, never a made-up range",
    ipam: false,
    pin: 'gunicorn==24.1.1',
    fix: /172\.16\.0\.0\/12,192\.168\.0\.0\/16|'\*'/,
  },
];

describe("the trust fix names the compose network's range", () => {
  for (const row of ROWS)
    it(row.name, () => {
      const dir = tree(`t${++trees}`, {
        'docker-compose.yml': compose(row.ipam),
        'nginx/site.conf': SITE,
        Dockerfile: 'FROM python:3.12\nCOPY . .\n',
        'app.py': 'from flask import Flask\napp = Flask(__name__)\n',
        ...(row.pin ? { 'requirements.txt': `flask==3.0\n${row.pin}\n` } : {}),
      });
      const r = runCli(['lint', '.', '--format', 'json', '--min-severity', 'info'], { cwd: dir });
      assert.equal(r.stderr, '');
      const findings = (
        JSON.parse(r.stdout) as { findings: Array<{ id: string; fix?: { description: string; lines?: string[] } }> }
      ).findings;
      const f = findings.find((x) => x.id === 'gunicorn/proxy-not-trusted');
      assert.ok(f, JSON.stringify(findings.map((x) => x.id)));
      const text = `${f.fix?.description ?? ''}\n${(f.fix?.lines ?? []).join('\n')}`;
      assert.match(text, row.fix);
      if (!row.ipam || !row.pin) assert.ok(!text.includes('172.28'), text);
      if (row.plan) assert.match(runCli(['doctor', '.'], { cwd: dir }).stdout, row.plan);
    });
});
