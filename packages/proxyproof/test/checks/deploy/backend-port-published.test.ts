import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backendPortPublished as check } from '../../../src/checks/deploy/backend-port-published.js';
import { compose, nginxTls, systemdUnit } from '../../python/fixtures.js';
import { type Case, runCase } from '../../python/lint-files.js';

const cases: Case[] = [
  {
    name: 'valid (trap): expose: without ports:',
    files: { 'compose.yaml': compose(['command: gunicorn -b 0.0.0.0:8000 app:app', 'expose: ["8000"]']) },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): published on 127.0.0.1 only',
    files: { 'compose.yaml': compose(['command: gunicorn -b 0.0.0.0:8000 app:app', 'ports: ["127.0.0.1:8000:8000"]']) },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): long syntax with host_ip 127.0.0.1',
    files: {
      'compose.yaml': compose([
        'command: gunicorn -b 0.0.0.0:8000 app:app',
        'ports:',
        '  - target: 8000',
        '    published: "8000"',
        '    host_ip: 127.0.0.1',
      ]),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): unix socket',
    files: { 'app.service': systemdUnit('gunicorn --bind unix:/run/app.sock app:app') },
    expect: { count: 0 },
  },
  {
    name: 'valid: systemd bind on 127.0.0.1',
    files: { 'app.service': systemdUnit('gunicorn --bind 127.0.0.1:8000 app:app') },
    expect: { count: 0 },
  },
  {
    name: 'valid: gunicorn default bind (127.0.0.1:8000)',
    files: { 'app.service': systemdUnit('gunicorn app:app') },
    expect: { count: 0 },
  },
  {
    name: 'invalid: compose "8000:8000"',
    files: { 'compose.yaml': compose(['command: gunicorn -b 0.0.0.0:8000 app:app', 'ports:', '  - "8000:8000"']) },
    expect: { count: 1, severity: 'medium', file: 'compose.yaml', line: 11, message: /every interface/ },
  },
  {
    name: 'invalid: uvicorn on 0.0.0.0 gets a fix in uvicorn syntax',
    files: { 'app.service': systemdUnit('uvicorn --host 0.0.0.0 --port 8001 main:app') },
    expect: { count: 1, fixLine: '--host 127.0.0.1 --port 8001' },
  },
  {
    name: 'invalid: Laravel Octane on 0.0.0.0 gets a fix in artisan syntax',
    files: {
      'octane.service': systemdUnit('/usr/bin/php /srv/app/artisan octane:start --server=swoole --host=0.0.0.0 --port=8080'),
    },
    expect: { count: 1, message: /octane swoole listens on 0\.0\.0\.0:8080/, fixLine: '--host=127.0.0.1 --port=8080' },
  },
  {
    name: "invalid: PHP's built-in server on 0.0.0.0 gets a fix in php -S syntax",
    files: { 'php.service': systemdUnit('php -S 0.0.0.0:8081 -t /srv/app/public') },
    expect: { count: 1, fixLine: '-S 127.0.0.1:8081' },
  },
  {
    name: "valid (trap): Octane's default host is 127.0.0.1",
    files: { 'octane.service': systemdUnit('php /srv/app/artisan octane:start --server=roadrunner --port=8080') },
    expect: { count: 0 },
  },
  {
    name: 'invalid: compose long syntax without host_ip',
    files: {
      'compose.yaml': compose(['command: gunicorn -b 0.0.0.0:8000 app:app', 'ports:', '  - target: 8000', '    published: 8000']),
    },
    expect: { count: 1 },
  },
  {
    name: 'invalid: systemd binds 0.0.0.0:8000',
    files: { 'app.service': systemdUnit('gunicorn --bind 0.0.0.0:8000 app:app') },
    expect: { count: 1, severity: 'medium', line: 6, fixLine: '--bind 127.0.0.1:8000' },
  },
  {
    name: 'info: systemd 0.0.0.0 with a firewall note',
    files: {
      'app.service': `# port 8000 is closed by the ufw firewall; only nginx connects\n${systemdUnit('gunicorn --bind 0.0.0.0:8000 app:app')}`,
    },
    expect: { count: 1, severity: 'info' },
  },
  {
    name: 'invalid: PORT set and no bind (gunicorn binds 0.0.0.0:$PORT)',
    files: { 'app.service': systemdUnit('gunicorn app:app', ['Environment=PORT=5000']) },
    expect: { count: 1, message: /0\.0\.0\.0:5000/ },
  },
  {
    name: 'low: Dockerfile alone binding 0.0.0.0',
    files: { Dockerfile: 'FROM python:3.12-slim\nEXPOSE 8000\nCMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]\n' },
    expect: { count: 1, severity: 'low', message: /docker run -p/ },
  },
  {
    name: 'low (advice, never 127.0.0.1): a Dockerfile-only gunicorn started by a script, behind an nginx container',
    files: {
      'admin/Dockerfile': 'FROM python:3.12-slim\nCOPY start.sh /\nCMD ["/start.sh"]\n',
      'admin/start.sh': '#!/bin/sh\nflask db upgrade\ngunicorn -w 4 -b 0.0.0.0:80 portal:app\n',
      'front/Dockerfile': 'FROM nginx:1.27\nCOPY site.conf /etc/nginx/conf.d/default.conf\n',
      'front/site.conf':
        'server {\n    listen 443 ssl;\n    ssl_certificate /c.pem;\n    ssl_certificate_key /k.pem;\n    location /admin {\n        proxy_pass http://admin:80;\n    }\n}\n',
    },
    expect: { count: 1, severity: 'low', mechanical: false, message: /docker run -p/ },
  },
  {
    name: 'valid (trap): Dockerfile used by a compose service without ports',
    files: {
      Dockerfile: 'FROM python:3.12-slim\nCMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]\n',
      'compose.yaml': compose(['expose: ["8000"]']),
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid: uvicorn --host 0.0.0.0 in a Procfile-less shell script',
    files: { 'start.sh': '#!/bin/sh\nset -e\nexec uvicorn main:app --host 0.0.0.0 --port 8000\n' },
    expect: { count: 1, file: 'start.sh', line: 3 },
  },
  {
    name: 'invalid: the proxy on another host connects to 0.0.0.0:8000: advice to bind the private address or firewall, never 127.0.0.1',
    files: {
      'app.service': systemdUnit('/usr/bin/gunicorn --bind 0.0.0.0:8000 app:app'),
      'site.conf': nginxTls('http://10.0.2.6:8000'),
    },
    expect: {
      count: 1,
      mechanical: false,
      fixLine: '--bind <private address of this host>:8000',
      message: /every interface/,
    },
  },
  {
    name: 'invalid: the proxy on the same host: rewritten to 127.0.0.1 on the line itself',
    files: {
      'app.service': systemdUnit('/usr/bin/gunicorn --bind 0.0.0.0:8000 app:app'),
      'site.conf': nginxTls('http://127.0.0.1:8000'),
    },
    expect: {
      count: 1,
      fixLine: 'ExecStart=/usr/bin/gunicorn --bind 127.0.0.1:8000 app:app',
      fixAt: { line: 6, placement: 'replace' },
    },
  },
  {
    name: 'low (advice): a systemd install beside the compose one whose nginx reaches the container, not this unit',
    files: {
      'app.service': systemdUnit('/opt/app/venv/bin/gunicorn --bind 0.0.0.0:8000 app:app'),
      Dockerfile: 'FROM python:3.12-slim\nCMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]\n',
      'compose.yaml': compose(['expose: ["8000"]']),
      'nginx.conf': nginxTls('http://web:8000'),
    },
    expect: {
      count: 1,
      severity: 'low',
      mechanical: false,
      file: 'app.service',
      message: /no proxy in these files connects to it/,
    },
  },
  {
    name: 'invalid (trap): the same systemd unit reached by a host nginx on 127.0.0.1 stays medium',
    files: {
      'app.service': systemdUnit('/opt/app/venv/bin/gunicorn --bind 0.0.0.0:8000 app:app'),
      Dockerfile: 'FROM python:3.12-slim\nCMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]\n',
      'compose.yaml': compose(['expose: ["8000"]']),
      'nginx.conf': nginxTls('http://web:8000'),
      'host/site.conf': nginxTls('http://127.0.0.1:8000'),
    },
    expect: { count: 1, severity: 'medium', file: 'app.service' },
  },
  {
    name: 'invalid (trap): a systemd unit with no containerised twin stays medium',
    files: {
      'app.service': systemdUnit('/opt/app/venv/bin/gunicorn --bind 0.0.0.0:8000 app:app'),
      'nginx.conf': nginxTls('http://web:8000'),
    },
    expect: { count: 1, severity: 'medium', file: 'app.service' },
  },
  {
    name: 'invalid: a LoadBalancer Service selects the gunicorn pods and targets their port',
    files: { 'k8s/web.yaml': podApp('LoadBalancer', 'app: web') },
    expect: {
      count: 1,
      severity: 'medium',
      mechanical: false,
      message: /^LoadBalancer Service web selects web's pods and forwards its port 80 to gunicorn's 8000/,
    },
  },
  {
    name: 'invalid: a NodePort Service targets the pods by port name',
    files: { 'k8s/web.yaml': podApp('NodePort', 'app: web', 'http') },
    expect: { count: 1, message: /^NodePort Service web selects/ },
  },
  {
    name: 'valid (trap): a ClusterIP Service: the 0.0.0.0 pod port is reached from the cluster network only',
    files: { 'k8s/web.yaml': podApp('ClusterIP', 'app: web') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): the LoadBalancer Service selects other pods (the proxy), not the app',
    files: { 'k8s/web.yaml': podApp('LoadBalancer', 'app: edge') },
    expect: { count: 0 },
  },
  {
    name: 'invalid: a Podman .kube quadlet publishes the played pod on every interface: rewritten to loopback on its line',
    files: {
      'quadlet/shop.kube': '[Kube]\nYaml=shop.yaml\nPublishPort=8000:8000\n',
      'quadlet/shop.yaml':
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: shop\nspec:\n  containers:\n  - name: api\n    image: shop/api:1\n    command: ["gunicorn", "--bind", "0.0.0.0:8000", "shop.wsgi"]\n',
    },
    expect: {
      count: 1,
      message: /^the Podman quadlet shop\.kube publishes shop's port 8000 on 0\.0\.0\.0:8000/,
      fixLine: 'PublishPort=127.0.0.1:8000:8000',
      fixAt: { line: 3, placement: 'replace' },
    },
  },
  {
    name: 'invalid: php-fpm (the official image) publishes FastCGI on every interface: the message names php-fpm, not its kind',
    files: {
      'docker-compose.yml': 'services:\n  php:\n    image: php:8.2-fpm\n    ports:\n      - "9000:9000"\n',
    },
    expect: {
      count: 1,
      severity: 'medium',
      message:
        /^compose publishes php's port 9000 on 0\.0\.0\.0:9000: every interface of the host, so clients reach php-fpm without the proxy/,
    },
  },
  {
    name: 'valid (trap): the .kube quadlet publishes on 127.0.0.1 only',
    files: {
      'quadlet/shop.kube': '[Kube]\nYaml=shop.yaml\nPublishPort=127.0.0.1:8000:8000\n',
      'quadlet/shop.yaml':
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: shop\nspec:\n  containers:\n  - name: api\n    image: shop/api:1\n    command: ["gunicorn", "--bind", "0.0.0.0:8000", "shop.wsgi"]\n',
    },
    expect: { count: 0 },
  },
];

/** A Deployment running gunicorn on 0.0.0.0:8000 (container port named http) and a Service of that type. */
function podApp(type: string, selector: string, targetPort = '8000'): string {
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: web',
    'spec:',
    '  selector:',
    '    matchLabels:',
    '      app: web',
    '  template:',
    '    metadata:',
    '      labels:',
    '        app: web',
    '    spec:',
    '      containers:',
    '      - name: web',
    '        image: shop/web:1',
    '        command: ["gunicorn", "--bind", "0.0.0.0:8000", "shop.wsgi"]',
    '        ports:',
    '        - name: http',
    '          containerPort: 8000',
    '---',
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  name: web',
    'spec:',
    `  type: ${type}`,
    '  selector:',
    `    ${selector}`,
    '  ports:',
    '  - port: 80',
    `    targetPort: ${targetPort}`,
    '',
  ].join('\n');
}

for (const c of cases) test(`deploy/backend-port-published: ${c.name}`, () => runCase(check, c).then(() => undefined));

test('deploy/backend-port-published: a Dockerfile-only bind is never advised onto 127.0.0.1 (it would cut off the proxy container)', async () => {
  for (const c of cases.filter((x) => /Dockerfile(-only)? alone|Dockerfile-only/.test(x.name))) {
    const [f] = await runCase(check, c);
    assert.ok(f?.fix, c.name);
    assert.equal(f.fix.placement, undefined, c.name);
    assert.ok(!(f.fix.lines ?? []).some((l) => l.includes('127.0.0.1')), `${c.name}: ${JSON.stringify(f.fix.lines)}`);
    assert.match(f.fix.description, /^No mechanical fix: .*127\.0\.0\.1 there would cut off the proxy's container/, c.name);
  }
});
