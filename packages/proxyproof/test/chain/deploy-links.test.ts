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

test('an upstream no app server is found for ends at a generic HTTP app: the finding says what arrives there', async () => {
  const site = (headers: string) =>
    `server {\n  listen 443 ssl;\n  server_name example.com;\n  location / {\n    proxy_pass http://10.0.0.5:3000;\n${headers}  }\n}\n`;
  const sent = await lintFiles({ 'site.conf': site('    proxy_set_header X-Forwarded-Proto $scheme;\n') });
  const a = sent.findings.find((f) => f.id === 'chain/link-unresolved');
  assert.match(
    a?.message ?? '',
    /The backend receives X-Forwarded-Proto: https from nginx :443 .* trusts X-Forwarded-Proto from that proxy's address/,
  );
  assert.equal(a?.data?.arrives, 'https');
  const missing = await lintFiles({ 'site.conf': site('    proxy_set_header Host $host;\n') });
  const b = missing.findings.find((f) => f.id === 'chain/link-unresolved');
  assert.match(b?.message ?? '', /receives no X-Forwarded-Proto .*already http there \(lost at this proxy\)/);
  assert.equal(b?.data?.arrives, 'absent');
});

// ------------------------------------------------------------------ the image's own CMD deployed elsewhere (r5i12)

const ecsFront = {
  'deploy/alb.tf':
    'resource "aws_lb_target_group" "app" {\n  port     = "80"\n  protocol = "HTTP"\n  target_type = "ip"\n}\n\nresource "aws_lb_listener" "app" {\n  port              = "443"\n  protocol          = "HTTPS"\n  default_action {\n    target_group_arn = "${aws_lb_target_group.app.id}"\n    type             = "forward"\n  }\n}\n\nresource "aws_ecs_service" "app" {\n  load_balancer {\n    target_group_arn = "${aws_lb_target_group.app.id}"\n    container_name   = "django"\n    container_port   = "8080"\n  }\n}\n',
  'src/django/Dockerfile':
    'FROM quay.io/example/django:2.0-python3.7-slim\nCOPY . /usr/local/src\nCMD ["-b :8080", "--workers=2", "--timeout=60", "oar.wsgi"]\n',
  'src/django/oar/__init__.py': '',
  'src/django/oar/wsgi.py':
    'import os\nfrom django.core.wsgi import get_wsgi_application\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "oar.settings")\napplication = get_wsgi_application()\n',
  'src/django/manage.py':
    'import os, sys\nif __name__ == "__main__":\n    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oar.settings")\n',
  'src/django/oar/settings.py': 'DEBUG = False\nALLOWED_HOSTS = [".example.org"]\nSECURE_SSL_REDIRECT = False\n',
};

test("a dev compose `command:` on another port leaves the image's own CMD a deployment of its own (ECS behind an ALB)", async () => {
  const files = {
    ...ecsFront,
    'docker-compose.yml':
      "services:\n  django:\n    build:\n      context: ./src/django\n      dockerfile: Dockerfile\n    command:\n      - '-b :8081'\n      - '--reload'\n      - '--access-logfile=-'\n      - 'oar.wsgi'\n    ports:\n      - '8081:8081'\n",
  };
  const { facts, findings } = await lintFiles(files);
  assert.deepEqual(
    facts.appServers.map((s) => `${s.kind} ${s.launch.via} ${s.launch.file}:${s.launch.line} :${s.binds[0]?.port}`),
    ['gunicorn compose docker-compose.yml:6 :8081', 'gunicorn dockerfile src/django/Dockerfile:3 :8080'],
    "the compose command of gunicorn's options only runs under the base image's ENTRYPOINT too",
  );
  // The ALB forwards to 8080: the image's CMD, which runs Django like the dev command does.
  assert.deepEqual(await schemeVerdicts(files), ['http:lost']);
  const lost = findings.find((f) => f.id === 'chain/scheme-lost');
  assert.equal(lost?.evidence[0]?.file, 'src/django/Dockerfile');
  assert.match(lost?.message ?? '', /reaches Django as http/);
  // The dev stack's published port is no way around a proxy: no proxy of the files reaches it.
  const published = findings.find((f) => f.id === 'deploy/backend-port-published');
  assert.equal(published?.severity, 'info');
  assert.equal(published?.data?.chain, 'stand-alone');
});

test("a compose `command:` on the image CMD's own port is the same server: the CMD is not a second deployment", async () => {
  const { facts, findings } = await lintFiles({
    'docker-compose.yml':
      'services:\n  web:\n    build: .\n    command: gunicorn app:app --bind 0.0.0.0:8000 --workers 3\n    ports:\n      - "8000:8000"\n',
    Dockerfile: 'FROM python:3.12\nCMD ["gunicorn", "app:app", "--bind", "0.0.0.0:8000"]\n',
  });
  assert.deepEqual(
    facts.appServers.map((s) => `${s.launch.via} ${s.launch.file}:${s.launch.line}`),
    ['compose docker-compose.yml:4'],
  );
  // No proxy anywhere in the files: the published port keeps its medium finding (the proxy may be outside).
  assert.equal(findings.find((f) => f.id === 'deploy/backend-port-published')?.severity, 'medium');
});

/** Every route's scheme verdict as JSON keeps it (`status`, `arrives`). */
async function schemeJson(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'pp-deploy-links-'));
  try {
    for (const [p, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), text);
    }
    const { analysis } = await lintPaths(['.'], { cwd: dir });
    return (analysis.chain?.verdict.routes ?? []).map((r) => r.scheme);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the generic app hop in the verdict status: X-Forwarded-Proto: http or nothing is lost at the proxy, https is delivered', async () => {
  const site = (listen: string, headers: string) =>
    `server {\n  listen ${listen};\n  server_name example.com;\n  set_real_ip_from 10.0.0.0/8;\n  location / {\n    proxy_pass http://10.0.0.5:3000;\n${headers}  }\n}\n`;
  // Plain nginx behind a TLS balancer (real_ip from it) sending $scheme: http reaches the unknown app.
  const [lost] = await schemeJson({ 'site.conf': site('80', '    proxy_set_header X-Forwarded-Proto $scheme;\n') });
  assert.equal(lost?.status, 'lost');
  assert.equal(lost?.believed, 'http');
  assert.deepEqual(lost?.arrives, { scheme: 'http', header: 'X-Forwarded-Proto', step: 2 });
  assert.match(lost?.lostAt?.reason ?? '', /sends X-Forwarded-Proto: http to the backend \(the app there is not linked\)/);
  // Behind the balancer nginx passes its X-Forwarded-Proto: https on (request headers pass through).
  const [passed] = await schemeJson({ 'site.conf': site('80', '    proxy_set_header Host $host;\n') });
  assert.equal(passed?.status, 'delivered');
  assert.equal(passed?.arrives?.scheme, 'https');
  // Nothing sent by nginx at TLS: an app behind it builds http:// URLs unless it reads another header: lost there.
  const [absent] = await schemeJson({
    'site.conf': site('443 ssl', '    proxy_set_header Host $host;\n').replace('  set_real_ip_from 10.0.0.0/8;\n', ''),
  });
  assert.equal(absent?.status, 'lost');
  assert.equal(absent?.lostAt?.step, 1);
  assert.equal(absent?.arrives?.scheme, 'absent');
  // TLS at nginx and https sent: the app decides whether it trusts the header: delivered.
  const [sent] = await schemeJson({ 'site.conf': site('443 ssl', '    proxy_set_header X-Forwarded-Proto $scheme;\n') });
  assert.equal(sent?.status, 'delivered');
  assert.equal(sent?.arrives?.scheme, 'https');
  // chain/scheme-lost stays with linked apps; link-unresolved says what arrives.
  const { findings } = await lintFiles({ 'site.conf': site('80', '    proxy_set_header X-Forwarded-Proto $scheme;\n') });
  assert.equal(findings.filter((f) => f.id === 'chain/scheme-lost').length, 0);
  assert.equal(findings.find((f) => f.id === 'chain/link-unresolved')?.data?.arrives, 'http');
});

test('TLS only in a template branch: the chain simulates the rendering without it, behind whatever ends TLS (as the nginx checks do)', async () => {
  const files = {
    'templates/site.conf.j2':
      "server {\n    listen {{ item.listen | default('80') }}{% if item.listen == '443' %} ssl{% endif %};\n    server_name {{ item.server_name }};\n{% if item.listen == '443' %}\n    ssl_certificate /etc/nginx/{{ item.cert }};\n{% endif %}\n    location / {\n        proxy_pass http://127.0.0.1:8000;\n        proxy_set_header Host $host;\n        proxy_set_header X-Forwarded-Proto $scheme;\n    }\n}\n",
    'gunicorn.service': '[Service]\nExecStart=/usr/bin/gunicorn --bind 127.0.0.1:8000 app:app\n',
  };
  const [v] = await schemeJson(files);
  assert.equal(v?.status, 'lost', 'nginx answers plain HTTP in that rendering: $scheme is http');
  assert.match(v?.lostAt?.label ?? '', /^nginx :80/);
  const dir = mkdtempSync(join(tmpdir(), 'pp-deploy-links-'));
  try {
    for (const [p, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), text);
    }
    const { analysis } = await lintPaths(['.'], { cwd: dir });
    const entry = analysis.chain?.topology.entries[0];
    assert.equal(entry?.tls, false);
    assert.match(entry?.lb?.label ?? '', /TLS load balancer \(inferred from templates\/site\.conf\.j2:2\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
