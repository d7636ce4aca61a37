/**
 * One proxy config mounted by alternative compose stacks (`docker-compose.yml` and `docker-compose.prod.yml` both
 * mount `nginx/default.conf`, both build the same app image): whichever stack runs, the route reaches the same app
 * server, so the route links (not "matches several listeners") and one root cause gives one headline, not one per
 * stack at the same line. Servers that differ between the stacks (another trust setting) stay apart.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeChain } from '../../src/chain/analyze.js';
import { lintFiles } from '../python/lint-files.js';

const NGINX =
  'server {\n  listen 443 ssl;\n  server_name app.example.org;\n  ssl_certificate /etc/ssl/x.pem;\n' +
  '  ssl_certificate_key /etc/ssl/x.key;\n  location / {\n    proxy_pass http://web:8000;\n' +
  '    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-Proto $scheme;\n  }\n}\n';
const stack = (web: string) =>
  `services:\n  web:\n    build: ./app\n${web}  nginx:\n    image: nginx:1.25\n    ports: ["443:443"]\n` +
  '    volumes:\n      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf\n';
const DOCKERFILE = 'FROM python:3.12\nCMD ["gunicorn", "app.wsgi", "--bind", "0.0.0.0:8000"]\n';

test('a shared nginx config and the same image in two stacks: one link, one headline', async () => {
  const { facts, findings } = await lintFiles({
    'nginx/default.conf': NGINX,
    'app/Dockerfile': DOCKERFILE,
    'docker-compose.yml': stack(''),
    'docker-compose.prod.yml': stack('    restart: always\n'),
  });
  const a = analyzeChain(facts);
  assert.equal(a.topology.apps.length, 2, 'one app server per stack');
  const link = a.topology.links[0];
  assert.equal(link?.target.kind, 'app', JSON.stringify(link?.target));
  assert.match(link?.how ?? '', /the same server in docker-compose(\.prod)?\.yml: alternative compose stacks/);
  assert.equal(link?.stackTwins?.length, 1);
  const notTrusted = findings.filter((f) => f.id === 'gunicorn/proxy-not-trusted');
  assert.equal(notTrusted.length, 1, findings.map((f) => `${f.id} ${f.evidence[0]?.file}:${f.evidence[0]?.line}`).join('\n'));
  const files = new Set(notTrusted[0]?.evidence.map((e) => e.file));
  assert.ok(files.has('docker-compose.yml') && files.has('docker-compose.prod.yml'), [...files].join(', '));
  assert.ok(!findings.some((f) => f.id === 'chain/link-unresolved'), 'the route is linked');
});

test('trap: the stacks run the image with different trust: still two servers, not linked to either', async () => {
  const { facts, findings } = await lintFiles({
    'nginx/default.conf': NGINX,
    'app/Dockerfile': DOCKERFILE,
    'docker-compose.yml': stack(''),
    'docker-compose.prod.yml': stack('    environment:\n      FORWARDED_ALLOW_IPS: "*"\n'),
  });
  const a = analyzeChain(facts);
  assert.equal(a.topology.links[0]?.target.kind, 'unresolved');
  assert.match(findings.find((f) => f.id === 'chain/link-unresolved')?.message ?? '', /matches several listeners/);
});

test('trap: one stack: unchanged (no twins named)', async () => {
  const { facts } = await lintFiles({
    'nginx/default.conf': NGINX,
    'app/Dockerfile': DOCKERFILE,
    'docker-compose.yml': stack(''),
  });
  const link = analyzeChain(facts).topology.links[0];
  assert.equal(link?.target.kind, 'app');
  assert.equal(link?.stackTwins, undefined);
  assert.doesNotMatch(link?.how ?? '', /alternative compose stacks/);
});
