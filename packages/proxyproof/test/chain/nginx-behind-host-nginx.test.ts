/**
 * An outer nginx on the host (TLS) proxying to a port compose publishes for an inner nginx container: the one
 * compose service running nginx runs only the nginx configs it mounts or copies from the tree, so a config it does
 * not take is a host process and links to the inner nginx through the published port (issue 13: "an outer nginx …
 * to an inner nginx in a container"). Rows: valid (linked), a trap (a mounted folder holding both configs: both
 * run in the container), and the old rule kept where the service takes no config of the tree.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeChain } from '../../src/chain/analyze.js';
import { lintFiles } from '../python/lint-files.js';

const EDGE =
  'server {\n  listen 443 ssl;\n  server_name example.com;\n  ssl_certificate /x.pem; ssl_certificate_key /x.key;\n  location / {\n    proxy_pass http://127.0.0.1:8080;\n    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-Proto $scheme;\n  }\n}\n';
const INNER =
  'server {\n  listen 80;\n  location / {\n    proxy_pass http://web:8000;\n    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;\n  }\n}\n';
const WEB = '  web:\n    build: .\n    command: gunicorn -b 0.0.0.0:8000 --forwarded-allow-ips=* app:app\n';
const DOCKERFILE = 'FROM python:3.12\nCOPY . /app\n';
const APP = 'from flask import Flask\napp = Flask(__name__)\n';

function compose(nginx: string): string {
  return `services:\n  nginx:\n${nginx}${WEB}`;
}

async function analyse(files: Record<string, string>) {
  const { facts } = await lintFiles({ 'app/Dockerfile': DOCKERFILE, 'app/app.py': APP, ...files }, []);
  const a = analyzeChain(facts);
  const hop = (file: string) => a.topology.proxies.find((p) => p.ref.file === file);
  return { a, hop };
}

const rows: Array<{
  name: string;
  files: Record<string, string>;
  /** Where each config's hop runs. */
  placed: Record<string, 'host' | 'container'>;
  /** The edge links to the inner nginx hop. */
  linked: boolean;
}> = [
  {
    name: 'valid: the service mounts only inner.conf; host/edge.conf is a host nginx linked through 127.0.0.1:8080',
    files: {
      'host/edge.conf': EDGE,
      'app/inner.conf': INNER,
      'app/docker-compose.yml': compose(
        '    image: nginx:1.25\n    ports: ["127.0.0.1:8080:80"]\n    volumes: ["./inner.conf:/etc/nginx/conf.d/default.conf"]\n',
      ),
    },
    placed: { 'host/edge.conf': 'host', 'app/inner.conf': 'container' },
    linked: true,
  },
  {
    name: 'valid: the image copies inner.conf (COPY in the nginx Dockerfile), not edge.conf',
    files: {
      'host/edge.conf': EDGE,
      'app/nginx/inner.conf': INNER,
      'app/nginx/Dockerfile': 'FROM nginx:1.25\nCOPY inner.conf /etc/nginx/conf.d/default.conf\n',
      'app/docker-compose.yml': compose('    build: ./nginx\n    ports: ["127.0.0.1:8080:80"]\n'),
    },
    placed: { 'host/edge.conf': 'host', 'app/nginx/inner.conf': 'container' },
    linked: true,
  },
  {
    name: 'valid: a mounted folder above the compose file (../nginx) holds the inner config',
    files: {
      'host/edge.conf': EDGE,
      'nginx/inner.conf': INNER,
      'app/docker-compose.yml': compose(
        '    image: nginx:1.25\n    ports: ["127.0.0.1:8080:80"]\n    volumes: ["../nginx:/etc/nginx/conf.d:ro"]\n',
      ),
    },
    placed: { 'host/edge.conf': 'host', 'nginx/inner.conf': 'container' },
    linked: true,
  },
  {
    name: 'trap: a mounted folder holds both configs: both run in the container (the edge proxies to the container itself)',
    files: {
      'app/nginx/edge.conf': EDGE,
      'app/nginx/inner.conf': INNER,
      'app/docker-compose.yml': compose(
        '    image: nginx:1.25\n    ports: ["127.0.0.1:8080:80"]\n    volumes: ["./nginx:/etc/nginx/conf.d"]\n',
      ),
    },
    placed: { 'app/nginx/edge.conf': 'container', 'app/nginx/inner.conf': 'container' },
    linked: false,
  },
  {
    name: 'kept: the service takes no config of the tree (certificates only): every nginx config is placed there as before',
    files: {
      'host/edge.conf': EDGE,
      'app/inner.conf': INNER,
      'app/docker-compose.yml': compose(
        '    image: nginx:1.25\n    ports: ["127.0.0.1:8080:80"]\n    volumes: ["./certs:/etc/nginx/certs:ro"]\n',
      ),
    },
    placed: { 'host/edge.conf': 'container', 'app/inner.conf': 'container' },
    linked: false,
  },
];

for (const r of rows)
  test(r.name, async () => {
    const { a, hop } = await analyse(r.files);
    for (const [file, where] of Object.entries(r.placed)) {
      const h = hop(file);
      assert.ok(h, `${file} is a hop`);
      assert.equal(h.placement.kind, where, `${file} runs on the ${where}`);
    }
    const [edgeFile, innerFile] = Object.keys(r.placed) as [string, string];
    const edge = hop(edgeFile);
    const inner = hop(innerFile);
    const link = a.topology.links.find((l) => l.fromHop === edge?.id && l.target.kind === 'proxy');
    assert.equal(link?.target.kind === 'proxy' && link.target.hopId === inner?.id, r.linked, 'the edge links to the inner nginx');
    if (r.linked) {
      assert.ok(
        edge?.notes.some((n) => n.includes(`mounts or copies ${innerFile} and not ${edgeFile}: on the host`)),
        'the edge says why it is on the host',
      );
      // The scheme survives both hops: the edge sends https, the inner passes the header it got on.
      const step = a.verdict.routes.flatMap((x) => x.trace.steps).find((s) => s.label === inner?.label);
      assert.equal(step?.sent?.['x-forwarded-proto'], 'https');
    }
  });
