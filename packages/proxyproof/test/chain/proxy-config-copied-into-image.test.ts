/**
 * A proxy placed in the compose service whose image copies its config: a php-fpm image that also installs nginx,
 * `COPY`s the tree's nginx config into `/etc/nginx/` and starts both with supervisord (the "one container" Laravel
 * shape). Neither the base image (`php:8.3-fpm-alpine`) nor the service's command names nginx, so before this the
 * nginx config ran "on the host" and its `fastcgi_pass 127.0.0.1:9000` could not reach the php-fpm of the container.
 * The Dockerfile may be named in the project's own style (`DockerfileApp`): collectors/sniff.ts isDockerfileName.
 * Traps: a config copied somewhere nginx does not read, and a Dockerfile-like name that is documentation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDockerfileName } from '../../src/collectors/sniff.js';
import { lintFiles } from '../python/lint-files.js';

const NGINX =
  'server {\n    listen 80 default_server;\n    root /srv/app/public;\n    location ~ \\.php$ {\n        fastcgi_pass 127.0.0.1:9000;\n        include fastcgi_params;\n    }\n}\n';
const SUPERVISORD =
  "[supervisord]\nnodaemon=true\n\n[program:php-fpm]\ncommand=php-fpm -F\n\n[program:nginx]\ncommand=nginx -g 'daemon off;'\n";
const dockerfile = (copyTo: string) =>
  'FROM php:8.3-fpm-alpine3.19\nRUN apk add --no-cache \\\n    nginx \\\n    supervisor\n' +
  `COPY docker/config/nginx.conf ${copyTo}\nCOPY docker/config/supervisord.conf /etc/supervisor/conf.d/supervisord.conf\n` +
  'EXPOSE 80\nCMD ["/usr/bin/supervisord", "-c", "/etc/supervisor/conf.d/supervisord.conf"]\n';
const compose = (name: string) =>
  `services:\n  laravel:\n    build:\n      context: ./\n      dockerfile: docker/${name}\n    ports:\n      - "8080:80"\n`;

function stack(copyTo: string, name = 'Dockerfile') {
  return {
    'compose.yaml': compose(name),
    [`docker/${name}`]: dockerfile(copyTo),
    'docker/config/nginx.conf': NGINX,
    'docker/config/supervisord.conf': SUPERVISORD,
  };
}

async function topologyOf(files: Record<string, string>) {
  const { analysis, findings } = await lintFiles(files);
  return { topo: analysis.chain.topology, findings };
}

for (const [what, copyTo, name] of [
  ['COPY into /etc/nginx/http.d/ (Alpine)', '/etc/nginx/http.d/default.conf', 'Dockerfile'],
  ['the exec form, into /etc/nginx/conf.d/', '["docker/config/nginx.conf", "/etc/nginx/conf.d/"]', 'Dockerfile'],
  ['a Dockerfile named DockerfileApp', '/etc/nginx/http.d/default.conf', 'DockerfileApp'],
] as const)
  test(`invalid before: ${what}: nginx runs in the laravel container and reaches its php-fpm on 127.0.0.1:9000`, async () => {
    const files = stack(copyTo, name);
    if (copyTo.startsWith('['))
      files[`docker/${name}`] = (files[`docker/${name}`] as string).replace('COPY docker/config/nginx.conf [', 'COPY [');
    const { topo, findings } = await topologyOf(files);
    const nginx = topo.proxies.find((p) => p.kind === 'nginx');
    assert.ok(nginx, 'the nginx config is a hop');
    assert.equal(nginx.placement.kind, 'container');
    assert.equal(nginx.placement.kind === 'container' ? nginx.placement.service : '', 'laravel');
    assert.ok(
      nginx.notes.some((n) => /copies nginx's config \(docker\/Docker\w*:5/.test(n)),
      nginx.notes.join(' | '),
    );
    const fpm = topo.apps.find((a) => a.label.startsWith('php-fpm'));
    assert.ok(fpm, `php-fpm found (${topo.apps.map((a) => a.label).join(', ')})`);
    const link = topo.links.find((l) => l.fromHop === nginx.id);
    assert.ok(link?.target.kind === 'app' && link.target.appId === fpm.id, JSON.stringify(link));
    assert.equal(nginx.listeners[0]?.published?.hostPort, 8080, 'the service publishes nginx :80 as 8080');
    assert.ok(!findings.some((f) => f.id === 'chain/link-unresolved'), findings.map((f) => f.id).join());
  });

test('valid (trap): the image copies the nginx config somewhere nginx does not read (/srv/app/docs/): nginx is not placed in it', async () => {
  const { topo } = await topologyOf(stack('/srv/app/docs/nginx.conf'));
  const nginx = topo.proxies.find((p) => p.kind === 'nginx');
  assert.ok(nginx);
  assert.equal(nginx.placement.kind, 'host');
});

test('isDockerfileName: CamelCase and separated variants are Dockerfiles; notes, ignore files and look-alike words are not', () => {
  for (const n of [
    'Dockerfile',
    'Containerfile',
    'Dockerfile.prod',
    'Dockerfile-dev',
    'dockerfile_flyio',
    'DockerfileNginx',
    'DockerfileServer',
    'DockerFile',
    'Dockerfile.HAProxy',
    'Dockerfile2',
    'app.Dockerfile',
    'web.dockerfile',
    'dockerfile.j2',
  ])
    assert.ok(isDockerfileName(n), n);
  for (const n of [
    'Dockerfile.dockerignore',
    'Dockerfile.md',
    'dockerfile-lint.json',
    'dockerfiles',
    'Dockerfileish',
    'MyDockerfile',
    'DockerFiles',
  ])
    assert.ok(!isDockerfileName(n), n);
});

test('a DockerfileNginx (FROM nginx, the project names one Dockerfile per program) builds the service nginx runs in; the app beside it is reached by service name', async () => {
  const { topo } = await topologyOf({
    'docker-compose.yml':
      'services:\n  web:\n    build:\n      context: .\n      dockerfile: DockerfileNginx\n    ports:\n      - "443:443"\n' +
      '  app:\n    build:\n      context: .\n      dockerfile: DockerfileServer\n    expose:\n      - "8000"\n',
    DockerfileNginx: 'FROM nginx:1.27-alpine\nCOPY site.conf /etc/nginx/conf.d/default.conf\n',
    DockerfileServer:
      'FROM python:3.12-slim\nRUN pip install gunicorn django\nCMD ["gunicorn", "--bind", "0.0.0.0:8000", "mysite.wsgi"]\n',
    'site.conf':
      'server {\n  listen 443 ssl;\n  server_name example.org;\n  ssl_certificate /c.pem;\n  ssl_certificate_key /k.pem;\n  location / {\n    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app:8000;\n  }\n}\n',
    'mysite/settings.py': "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')\nALLOWED_HOSTS = ['example.org']\n",
  });
  const nginx = topo.proxies.find((p) => p.kind === 'nginx');
  assert.equal(nginx?.placement.kind === 'container' ? nginx.placement.service : nginx?.placement.kind, 'web');
  const gunicorn = topo.apps.find((a) => a.label.startsWith('gunicorn'));
  assert.ok(gunicorn, `gunicorn started by DockerfileServer's CMD (${topo.apps.map((a) => a.label).join(', ')})`);
  assert.equal(gunicorn.placement.kind === 'container' ? gunicorn.placement.service : gunicorn.placement.kind, 'app');
  const link = topo.links.find((l) => l.fromHop === nginx?.id);
  assert.ok(link?.target.kind === 'app' && link.target.appId === gunicorn.id, JSON.stringify(link));
});

test('valid (trap): two services of one image that copies the config, one started as `php-fpm`: nginx runs only in the one whose image command runs (supervisord)', async () => {
  const files = stack('/etc/nginx/http.d/default.conf');
  files['compose.yaml'] += '  php:\n    build:\n      context: ./\n      dockerfile: docker/Dockerfile\n    command: php-fpm\n';
  const { topo } = await topologyOf(files);
  const nginx = topo.proxies.find((p) => p.kind === 'nginx');
  assert.equal(nginx?.placement.kind === 'container' ? nginx.placement.service : nginx?.placement.kind, 'laravel');
});

/**
 * HAProxy's config copied into the official image's config path under a name that says nothing
 * (`COPY proxy-server-config.conf /usr/local/etc/haproxy/haproxy.cfg`, the Dockerfile spelled `DockerFile` and named by
 * the compose `build.dockerfile`): read as HAProxy because of where it goes (held out: sandialabs/slycat@41f653e4cf4d).
 */
const HAPROXY_CFG =
  'global\n  maxconn 2000\ndefaults\n  mode http\n  timeout connect 5s\n  timeout client 50s\n  timeout server 50s\n' +
  'frontend http-in\n  bind *:80\n  redirect scheme https if !{ ssl_fc }\n  bind *:443 ssl crt /etc/site.pem\n  default_backend web\n' +
  'backend web\n  option forwardfor\n  server s1 web:8092\n';
const haproxyStack = (copyLine: string, config = HAPROXY_CFG) => ({
  'docker-compose.yml':
    'services:\n  web:\n    image: example/web\n  haproxy:\n    build:\n      context: .\n      dockerfile: ./haproxy/DockerFile\n    ports:\n      - 80:80\n      - 443:443\n',
  'haproxy/DockerFile': `FROM haproxy:alpine\n${copyLine}\n`,
  'proxy-server-config.conf': config,
});

test('invalid before: a config COPYed to /usr/local/etc/haproxy/haproxy.cfg under another name is read as HAProxy, in its container', async () => {
  const { topo } = await topologyOf(haproxyStack('COPY proxy-server-config.conf /usr/local/etc/haproxy/haproxy.cfg'));
  const haproxy = topo.proxies.find((p) => p.kind === 'haproxy');
  assert.ok(haproxy, 'the copied config is a hop');
  assert.equal(haproxy.placement.kind === 'container' ? haproxy.placement.service : haproxy.placement.kind, 'haproxy');
  assert.deepEqual(haproxy.listeners.map((l) => [l.port, l.tls]).sort(), [
    [443, true],
    [80, false],
  ]);
});

test('valid (trap): the same file copied somewhere HAProxy does not read its config from is not read as HAProxy', async () => {
  const { topo } = await topologyOf(haproxyStack('COPY proxy-server-config.conf /usr/local/etc/haproxy/errors/x.conf'));
  assert.equal(topo.proxies.filter((p) => p.kind === 'haproxy').length, 0);
});

test("valid (trap): an nginx config copied to HAProxy's path is not read as HAProxy (its content decides)", async () => {
  const nginx = 'server {\n  listen 80;\n  location / {\n    proxy_pass http://web:8092;\n  }\n}\n';
  const { topo } = await topologyOf(haproxyStack('COPY proxy-server-config.conf /usr/local/etc/haproxy/haproxy.cfg', nginx));
  assert.equal(topo.proxies.filter((p) => p.kind === 'haproxy').length, 0);
});
