// Deployment shapes the chain must follow to reach the app: regex locations as routes, systemd units kept as
// templates (Ansible `*.service.j2`), placeholders shared by the proxy and the unit.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { regexLocationSample } from '../../src/chain/topology/regex-sample.js';
import { lintPaths } from '../../src/engine/lint.js';
import { findingsFor } from '../checks/chain/cases.js';
import { lintFiles } from '../python/lint-files.js';

test('regex location samples: a path the regex matches, or none when the regex is not a plain literal', () => {
  const table: Array<[string, string | null]> = [
    ['~ ^\\/(api(\\-auth)?|docs)\\/', '/api/'],
    ['~* ^/(static|media)/', '/static/'],
    ['~ ^/(?:foo|bar)/.*$', '/foo/'],
    ['~ "^/x{2}/"', '/xx/'],
    ['~ /\\.ht', '/.ht'],
    // classes, backreferences and look-arounds: not guessed
    ['~ ^/api/v[0-9]+/', null],
    ['~ ^/(a)\\1', null],
    ['~ ^/(?!admin)', null],
    // an unbalanced pattern is no sample (nginx -t would reject it)
    ['~ ^/(api', null],
    // prefix locations are not regexes
    ['/api/', null],
  ];
  for (const [match, want] of table) assert.equal(regexLocationSample(match), want, match);
});

const DAPHNE_UNIT = (flags: string) =>
  `[Unit]\nDescription=Daphne\n\n[Service]\nUser={{ user }}\nWorkingDirectory=/var/www/{{ name }}/www\nExecStart=/var/www/{{ name }}/www/env/bin/daphne \\\n\t-u /tmp/{{ name }}.sock ${flags}\\\n\tconfig.asgi:application\nRestart=always\n`;
const NGINX_TEMPLATE = `server {\n    server_name {{ domain }};\n    listen 443 ssl;\n    ssl_certificate /etc/ssl/{{ name }}.pem;\n    ssl_certificate_key /etc/ssl/{{ name }}.key;\n    location / {\n        try_files $uri /index.html;\n    }\n    location ~ ^\\/(api|docs)\\/ {\n        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n        proxy_set_header X-Forwarded-Proto $scheme;\n        proxy_set_header Host $host;\n        proxy_pass http://unix:/tmp/{{ name }}.sock;\n    }\n}\n`;

test('a systemd unit kept as a Jinja template (daphne.service.j2) is read as the unit it renders to', async () => {
  const { facts } = await lintFiles({ 'templates/daphne.service.j2': DAPHNE_UNIT('') });
  assert.equal(facts.appServers.length, 1);
  const s = facts.appServers[0];
  assert.equal(s?.kind, 'daphne');
  assert.equal(s?.launch.via, 'systemd');
  assert.equal(s?.launch.line, 7);
  assert.equal(s?.service, 'daphne');
  assert.equal(s?.binds[0]?.kind, 'unix');
});

test('nginx regex location -> unix socket named by a placeholder -> daphne without --proxy-headers: lost at daphne', async () => {
  const files = { 'templates/nginx.conf.j2': NGINX_TEMPLATE, 'templates/daphne.service.j2': DAPHNE_UNIT('') };
  const f = await findingsFor('chain/scheme-lost', { name: 'daphne', files, expect: 1 });
  assert.equal(f.length, 1);
  const at = f.flatMap((x) => x.evidence).map((e) => `${e.file.replace(/^.*templates\//, '')}:${e.line}`);
  assert.ok(at.includes('daphne.service.j2:7'), at.join(' '));
  assert.deepEqual(await schemeVerdicts(files), ['http:lost']);
  const layer = await lintFiles(files);
  assert.ok(layer.findings.some((x) => x.id === 'daphne/proxy-not-trusted'));
});

test('the same chain with daphne --proxy-headers reaches the app as https (no finding)', async () => {
  const files = { 'templates/nginx.conf.j2': NGINX_TEMPLATE, 'templates/daphne.service.j2': DAPHNE_UNIT('--proxy-headers ') };
  const f = await findingsFor('chain/scheme-lost', { name: 'daphne ok', files, expect: 0 });
  assert.equal(f.length, 0);
  assert.deepEqual(await schemeVerdicts(files), ['https:correct']);
});

/** The scheme verdict of every route the chain simulated (`believed:status`). */
async function schemeVerdicts(files: Record<string, string>): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pp-deploy-links-'));
  try {
    for (const [p, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), text);
    }
    const { analysis } = await lintPaths(['.'], { cwd: dir });
    return (analysis.chain?.verdict.routes ?? []).map((r) => `${r.scheme.believed}:${r.scheme.status}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a compose service name reaches that service, not a systemd unit of the same name (a bare-metal install)', async () => {
  const files = {
    'docker-compose.yml':
      'services:\n  certmate:\n    build: .\n    expose: ["8000"]\n  nginx:\n    image: nginx:alpine\n    ports: ["443:443"]\n    volumes: ["./nginx.conf:/etc/nginx/nginx.conf:ro"]\n',
    Dockerfile: 'FROM python:3.12\nENTRYPOINT ["tini", "--"]\nCMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]\n',
    'certmate.service': '[Service]\nExecStart=/opt/venv/bin/gunicorn --bind 0.0.0.0:8000 app:app\n',
    'nginx.conf':
      'events {}\nhttp {\n  upstream certmate { server certmate:8000; }\n  server {\n    listen 443 ssl;\n    server_name example.com;\n    location / {\n      proxy_pass http://certmate;\n      proxy_set_header X-Forwarded-Proto $scheme;\n    }\n  }\n}\n',
  };
  assert.deepEqual(await schemeVerdicts(files), ['http:lost']);
  const { findings } = await lintFiles(files);
  const notTrusted = findings.filter((f) => f.id === 'gunicorn/proxy-not-trusted').map((f) => f.evidence[0]?.file);
  assert.deepEqual(notTrusted, ['Dockerfile'], 'the systemd unit is not reached by the compose nginx');
});
