import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withTrustedAddress } from '../../../src/checks/appserver/common.js';
import { gunicornProxyNotTrusted as check } from '../../../src/checks/appserver/gunicorn-proxy-not-trusted.js';
import { compose, nginxTls, settings, systemdUnit } from '../../python/fixtures.js';
import { type Case, runCase } from '../../python/lint-files.js';

/** A Kubernetes Deployment whose container runs `args` (a YAML flow list) with `env` items. */
function deployment(args: string, env = '', image = 'example/app:1', extra = ''): string {
  return `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: ${image}\n          env:\n            - name: LOG_LEVEL\n              value: info\n${env}          args: ${args}\n${extra}`;
}
const INGRESS =
  'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  tls:\n    - hosts: [example.org]\n      secretName: web-tls\n  rules:\n    - host: example.org\n';

const cases: Case[] = [
  {
    name: 'invalid: its own --forwarded-allow-ips leaves out nginx on this host: 127.0.0.1 added to that list',
    files: {
      'app.service': systemdUnit('gunicorn -b 127.0.0.1:8000 --forwarded-allow-ips=192.0.2.10 app:app'),
      'site.conf': nginxTls('http://127.0.0.1:8000'),
    },
    expect: {
      count: 1,
      fixAt: { line: 6, placement: 'replace' },
      fixLine: 'ExecStart=gunicorn -b 127.0.0.1:8000 --forwarded-allow-ips=192.0.2.10,127.0.0.1 app:app',
    },
  },
  {
    name: 'invalid: a quoted list, the address added inside the quotes',
    files: {
      'app.service': systemdUnit('gunicorn -b 127.0.0.1:8000 --forwarded-allow-ips "192.0.2.10,192.0.2.11" app:app'),
      'site.conf': nginxTls('http://127.0.0.1:8000'),
    },
    expect: {
      count: 1,
      fixLine: 'ExecStart=gunicorn -b 127.0.0.1:8000 --forwarded-allow-ips "192.0.2.10,192.0.2.11,127.0.0.1" app:app',
    },
  },
  {
    name: 'valid: nginx on the same host over loopback',
    files: { 'app.service': systemdUnit('gunicorn -b 127.0.0.1:8000 app:app'), 'site.conf': nginxTls('http://127.0.0.1:8000') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): unix socket, gunicorn trusts unix peers',
    files: {
      'app.service': systemdUnit('gunicorn -b unix:/run/app.sock app:app'),
      'site.conf': nginxTls('http://unix:/run/app.sock'),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: proxy network trusted',
    files: {
      'compose.yaml': compose(['command: gunicorn -b 0.0.0.0:8000 --forwarded-allow-ips=172.16.0.0/12 app:app']),
      'site.conf': nginxTls('http://web:8000'),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: no proxy seen at all',
    files: { 'app.service': systemdUnit('gunicorn -b 0.0.0.0:8000 app:app') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): nginx does not send the header (an nginx finding, not this one)',
    files: {
      'app.service': systemdUnit('gunicorn -b 127.0.0.1:8000 app:app'),
      'site.conf': nginxTls('http://127.0.0.1:8000', ['proxy_set_header Host $host;']),
    },
    expect: { count: 0 },
  },
  {
    name: 'medium: nginx container proxies to the web service, default 127.0.0.1',
    files: { 'compose.yaml': compose(['command: gunicorn -b 0.0.0.0:8000 app:app']), 'site.conf': nginxTls('http://web:8000') },
    expect: { count: 1, severity: 'medium', message: /another container/, file: 'compose.yaml' },
  },
  {
    name: 'medium: compose proxy service without an nginx config in the tree',
    files: { 'compose.yaml': compose(['command: gunicorn -b 0.0.0.0:8000 app:app']) },
    expect: { count: 1, severity: 'medium' },
  },
  {
    name: 'high: with a Django SSL redirect that then loops',
    files: {
      'compose.yaml': compose(['command: gunicorn -b 0.0.0.0:8000 mysite.wsgi']),
      'mysite/settings.py': settings(['SECURE_SSL_REDIRECT = True']),
    },
    expect: { count: 1, severity: 'high', message: /loops/ },
  },
  {
    name: "valid (trap): Django reads the header itself (SECURE_PROXY_SSL_HEADER), gunicorn's trust does not decide the scheme",
    files: {
      'compose.yaml': compose(['command: gunicorn -b 0.0.0.0:8000 mysite.wsgi']),
      'site.conf': nginxTls('http://web:8000'),
      'mysite/settings.py': settings([
        'SECURE_SSL_REDIRECT = True',
        "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')",
      ]),
    },
    expect: { count: 0 },
  },
  {
    // Checked with the real gunicorn 20.1 (--forwarded-allow-ips not naming the peer): ProxyFix still reads the
    // header gunicorn leaves in the environ, and request.scheme is https.
    name: "valid (trap): Flask behind ProxyFix(x_proto=1) reads the header itself, gunicorn's trust does not decide the scheme",
    files: {
      'compose.yaml': compose(['command: gunicorn -b 0.0.0.0:8000 app:app']),
      'site.conf': nginxTls('http://web:8000'),
      'app.py':
        'from flask import Flask\nfrom werkzeug.middleware.proxy_fix import ProxyFix\napp = Flask(__name__)\napp.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'medium: Flask behind ProxyFix(x_proto=0) does not read the scheme: still reported',
    files: {
      'compose.yaml': compose(['command: gunicorn -b 0.0.0.0:8000 app:app']),
      'site.conf': nginxTls('http://web:8000'),
      'app.py':
        'from flask import Flask\nfrom werkzeug.middleware.proxy_fix import ProxyFix\napp = Flask(__name__)\napp.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=0)\n',
    },
    expect: { count: 1, severity: 'medium' },
  },
  {
    name: 'invalid: SECURE_PROXY_SSL_HEADER = None does not read the header: still reported',
    files: {
      'compose.yaml': compose(['command: gunicorn -b 0.0.0.0:8000 mysite.wsgi']),
      'site.conf': nginxTls('http://web:8000'),
      'mysite/settings.py': settings(['SECURE_PROXY_SSL_HEADER = None']),
    },
    expect: { count: 1, severity: 'medium' },
  },
  {
    name: 'medium: nginx on another host',
    files: { 'app.service': systemdUnit('gunicorn -b 10.0.0.5:8000 app:app'), 'site.conf': nginxTls('http://10.0.0.5:8000') },
    expect: { count: 1, message: /another host/ },
  },
  {
    name: 'medium: uvicorn workers on a unix socket (uvicorn, not gunicorn, reads the headers)',
    files: {
      'app.service': systemdUnit('gunicorn -k uvicorn.workers.UvicornWorker -b unix:/run/app.sock main:app'),
      'site.conf': nginxTls('http://unix:/run/app.sock'),
    },
    expect: { count: 1, message: /uvicorn workers/ },
  },
  {
    name: 'medium: Kubernetes Deployment behind an Ingress that ends TLS, default trust (advice: gunicorn 20.1 takes no network)',
    files: {
      'k8s/deployment.yaml': deployment('["gunicorn", "-b", "0.0.0.0:8000", "app:app"]'),
      'k8s/ingress.yaml': INGRESS,
    },
    expect: { count: 1, severity: 'medium', message: /another container/, file: 'k8s/deployment.yaml', line: 14 },
  },
  {
    name: 'medium: Kubernetes, gunicorn 24.1 pinned: FORWARDED_ALLOW_IPS with the pod networks goes into the container env',
    files: {
      'requirements.txt': 'gunicorn==24.1.1\n',
      'k8s/deployment.yaml': deployment('["gunicorn", "-b", "0.0.0.0:8000", "app:app"]'),
      'k8s/ingress.yaml': INGRESS,
    },
    expect: { count: 1, severity: 'medium', fixLine: '              value: "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"' },
  },
  {
    name: 'medium: Helm chart, `sh -c` command with an extraArgs value: the fix sets the chart value (gunicorn 24.1)',
    files: {
      'requirements.txt': 'gunicorn==24.1.1\n',
      'chart/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
      'chart/values.yaml': 'web:\n  gunicorn:\n    workers: 2\n    extraArgs: ""\nproxy:\n  image: nginx\n',
      'chart/templates/web.yaml': deployment(
        `['sh', '-c', 'exec gunicorn -b 0.0.0.0:8080 --workers={{ .Values.web.gunicorn.workers }} app:app {{ .Values.web.gunicorn.extraArgs | default "" }}']`,
      ),
      'chart/templates/proxy.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: proxy\nspec:\n  template:\n    spec:\n      containers:\n        - name: nginx\n          image: "{{ .Values.proxy.image }}:1.25"\n',
    },
    expect: {
      count: 1,
      message: /Deployment proxy \(nginx/,
      fixLine: '    extraArgs: "--forwarded-allow-ips=10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"',
    },
  },
  {
    name: 'valid (trap): Kubernetes, a proxy sidecar in the same pod connects over loopback',
    files: {
      'k8s/deployment.yaml': deployment(
        '["gunicorn", "-b", "127.0.0.1:8000", "app:app"]',
        '',
        'example/app:1',
        '        - name: proxy\n          image: nginx:1.25\n',
      ),
      'k8s/ingress.yaml': INGRESS,
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: Kubernetes, FORWARDED_ALLOW_IPS set in the container env',
    files: {
      'k8s/deployment.yaml': deployment(
        '["gunicorn", "-b", "0.0.0.0:8000", "app:app"]',
        '            - name: FORWARDED_ALLOW_IPS\n              value: "10.42.0.0/16"\n',
      ),
      'k8s/ingress.yaml': INGRESS,
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): Kubernetes, FORWARDED_ALLOW_IPS from a Secret (valueFrom): not known, not reported',
    files: {
      'k8s/deployment.yaml': deployment(
        '["gunicorn", "-b", "0.0.0.0:8000", "app:app"]',
        '            - name: FORWARDED_ALLOW_IPS\n              valueFrom:\n                secretKeyRef: {name: web, key: trust}\n',
      ),
      'k8s/ingress.yaml': INGRESS,
    },
    expect: { count: 0 },
  },
  {
    name: 'medium: Render builds the image (render.yaml dockerfilePath) whose supervisord runs gunicorn on 0.0.0.0',
    files: {
      'render.yaml': 'services:\n  - type: web\n    name: app\n    env: docker\n    dockerfilePath: ./back/Dockerfile\n',
      'back/Dockerfile':
        'FROM python:3.11\nCOPY ./back/supervisord.conf /etc/supervisor/conf.d/supervisord.conf\nCMD ["/usr/bin/supervisord", "-c", "/etc/supervisor/conf.d/supervisord.conf"]\n',
      'back/supervisord.conf':
        '[supervisord]\nnodaemon=true\n\n[program:app]\ncommand=bash -c "python manage.py migrate && gunicorn back.wsgi -b 0.0.0.0:8000"\n',
    },
    expect: { count: 1, file: 'back/supervisord.conf', line: 5, message: /Render's proxy/ },
  },
  {
    name: 'valid (trap): a Procfile process named web is not the compose service web behind Caddy',
    files: {
      Procfile: 'web: gunicorn app.wsgi --log-file -\n',
      'deploy/docker-compose.yml':
        'services:\n  web:\n    image: example/app:latest\n    expose: ["8000"]\n  caddy:\n    image: caddy:2\n    ports: ["443:443"]\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'medium: nginx proxies to the container_name / network alias of the gunicorn service',
    files: {
      'compose.yaml':
        'services:\n  nginx:\n    image: nginx:1.25\n    ports: ["443:443"]\n  web:\n    build: .\n    container_name: myapp\n    command: gunicorn -b 0.0.0.0:8000 app:app\n    networks:\n      back:\n        aliases: [django]\nnetworks:\n  back: {}\n',
      'site.conf': nginxTls('http://django:8000'),
    },
    expect: { count: 1, message: /nginx proxy_pass to the compose service django/ },
  },
  {
    name: 'medium: nginx proxies to the container_name of the gunicorn service (not its service name)',
    files: {
      'compose.yaml':
        'services:\n  nginx:\n    image: nginx:1.25\n    ports: ["443:443"]\n  web:\n    build: .\n    container_name: myapp\n    command: gunicorn -b 0.0.0.0:8000 app:app\n',
      'site.conf': nginxTls('http://myapp:8000'),
    },
    expect: { count: 1, message: /nginx proxy_pass to the compose service myapp/ },
  },
  {
    name: 'trap: a host that is neither a service, a container_name nor an alias is not linked to gunicorn (only the compose nginx beside it is named)',
    files: {
      'compose.yaml':
        'services:\n  nginx:\n    image: nginx:1.25\n    ports: ["443:443"]\n  web:\n    build: .\n    container_name: myapp\n    command: gunicorn -b 0.0.0.0:8000 app:app\n',
      'site.conf': nginxTls('http://otherapp:8000'),
    },
    expect: {
      count: 1,
      message:
        /^gunicorn trusts only 127\.0\.0\.1, and the proxy connects from another container: X-Forwarded-Proto from the reverse proxy in the compose service nginx/,
    },
  },
];

for (const c of cases) test(`gunicorn/proxy-not-trusted: ${c.name}`, () => runCase(check, c).then(() => undefined));

const lists: Array<[string, string, string | undefined]> = [
  ['gunicorn --forwarded-allow-ips=10.0.0.5 app:app', '127.0.0.1', 'gunicorn --forwarded-allow-ips=10.0.0.5,127.0.0.1 app:app'],
  [
    "gunicorn --forwarded-allow-ips '10.0.0.5' app:app",
    '127.0.0.1',
    "gunicorn --forwarded-allow-ips '10.0.0.5,127.0.0.1' app:app",
  ],
  ["forwarded_allow_ips = '10.0.0.5'  # the LB", '127.0.0.1', "forwarded_allow_ips = '10.0.0.5,127.0.0.1'  # the LB"],
  [
    'gunicorn --forwarded-allow-ips=10.0.0.5 app:app',
    '<proxy address>',
    'gunicorn --forwarded-allow-ips=10.0.0.5,<proxy address> app:app',
  ],
  // traps: already listed, a variable, the flag twice, '*', a list built in code
  ['gunicorn --forwarded-allow-ips=10.0.0.5,127.0.0.1 app:app', '127.0.0.1', undefined],
  ['gunicorn --forwarded-allow-ips=$TRUSTED app:app', '127.0.0.1', undefined],
  ['gunicorn --forwarded-allow-ips=10.0.0.5 --forwarded-allow-ips=10.0.0.6 app:app', '127.0.0.1', undefined],
  ['gunicorn --forwarded-allow-ips=10.0.0.5 app:app', '*', undefined],
  ["forwarded_allow_ips = ','.join(PROXIES)", '127.0.0.1', undefined],
];
for (const [line, addr, want] of lists)
  test(`withTrustedAddress(${line}, ${addr})`, () => assert.equal(withTrustedAddress(line, addr), want));
