/** The deploy collector on real-looking deployments (through the real engine). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeChain } from '../../src/chain/analyze.js';
import { reachOf } from '../../src/chain/verdict.js';
import { serverFromArgsOnly } from '../../src/collectors/deploy/servers.js';
import { lintFiles } from '../python/lint-files.js';

test('compose without command: the Dockerfile CMD runs, with Dockerfile ENV below compose environment', async () => {
  const { facts } = await lintFiles({
    'docker-compose.yml':
      'services:\n  proxy:\n    image: caddy:2\n    ports: ["443:443"]\n  app:\n    build:\n      context: ./app\n    environment:\n      - FORWARDED_ALLOW_IPS=10.0.0.0/8\n    expose:\n      - "8000"\n    networks: [front]\nnetworks:\n  front: {}\n',
    'app/Dockerfile':
      'FROM python:3.12\nENV FORWARDED_ALLOW_IPS="*" WEB_CONCURRENCY=3\nCMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]\n',
  });
  assert.equal(facts.appServers.length, 1, 'the Dockerfile is not reported a second time on its own');
  const s = facts.appServers[0];
  assert.equal(s?.service, 'app');
  assert.equal(s?.launch.via, 'compose');
  assert.equal(s?.launch.file, 'app/Dockerfile');
  assert.equal(s?.launch.line, 3);
  assert.deepEqual(s?.trustedProxies.value, ['10.0.0.0/8']);
  assert.equal(s?.env.WEB_CONCURRENCY?.value, '3');
  assert.equal(s?.binds[0]?.reach, 'container-network');
  const cf = facts.compose?.files[0];
  assert.deepEqual(
    cf?.services.map((x) => `${x.name}:${x.role}`),
    ['proxy:proxy', 'app:app'],
  );
  assert.deepEqual(
    cf?.services[1]?.expose.map((e) => e.port),
    [8000],
  );
  assert.deepEqual(cf?.services[1]?.networks, ['front']);
  assert.deepEqual(cf?.services[1]?.appServers, [0]);
});

test('compose entrypoint script: the script line starts gunicorn, with the service environment', async () => {
  const { facts } = await lintFiles({
    'compose.yaml':
      'services:\n  web:\n    build: .\n    entrypoint: ["/app/docker-entrypoint.sh"]\n    environment:\n      BIND: 0.0.0.0:9000\n    ports:\n      - "9000:9000"\n',
    Dockerfile: 'FROM python:3.12\nCOPY docker-entrypoint.sh /app/\n',
    'docker-entrypoint.sh':
      '#!/bin/sh\nset -e\npython manage.py migrate --noinput\nexport FORWARDED_ALLOW_IPS="*"\nexec gunicorn --bind "$BIND" \\\n    mysite.wsgi:application\n',
  });
  assert.equal(facts.appServers.length, 1);
  const s = facts.appServers[0];
  assert.equal(s?.launch.file, 'docker-entrypoint.sh');
  assert.equal(s?.launch.line, 5);
  assert.equal(s?.service, 'web');
  assert.equal(s?.binds[0]?.port, 9000);
  assert.equal(s?.binds[0]?.reach, 'network');
  assert.equal(s?.binds[0]?.published?.hostPort, 9000);
});

test('an entrypoint script that ends in exec "$@" runs the compose command: gunicorn behind it is found', async () => {
  const files = {
    'docker-compose.yml':
      'services:\n  api:\n    build:\n      context: ./svc\n      dockerfile: Dockerfile.live\n    command: gunicorn shop.wsgi:application --bind 0.0.0.0:8000\n    expose:\n      - 8000\n  front:\n    image: nginx:1.27\n    ports:\n      - 8080:80\n',
    'svc/Dockerfile.live': 'FROM python:3.12-slim\nCOPY wait.sh /srv/\nENTRYPOINT ["/srv/wait.sh"]\n',
    'svc/wait.sh': '#!/bin/sh\nuntil nc -z db 5432; do sleep 1; done\npython manage.py migrate\nexec "$@"\n',
  };
  const { facts } = await lintFiles(files);
  assert.equal(facts.appServers.length, 1, JSON.stringify(facts.appServers.map((x) => x.launch)));
  const s = facts.appServers[0];
  assert.equal(s?.kind, 'gunicorn');
  assert.equal(s?.service, 'api');
  assert.equal(s?.launch.file, 'docker-compose.yml');
  assert.equal(s?.launch.line, 6);
  assert.equal(s?.binds[0]?.port, 8000);
  assert.equal(s?.binds[0]?.reach, 'container-network');
  // Trap: a script that does not hand over to its arguments does not run them.
  const { facts: other } = await lintFiles({ ...files, 'svc/wait.sh': '#!/bin/sh\npython manage.py migrate\necho "$@"\n' });
  assert.equal(other.appServers.length, 0);
});

test('a broken compose file is a diagnostic with its line; other files are still linted', async () => {
  const { facts, findings } = await lintFiles({
    'docker-compose.yml': 'services:\n  web:\n    command: [gunicorn\n    ports:\n',
    'app.service': '[Service]\nExecStart=/usr/bin/gunicorn -b 0.0.0.0:8000 app:app\n',
  });
  // Under a folder a file that does not parse is a warning (and listed under "Not read" with its line); the rest
  // is analysed. Named on the command line it is an error (exit 2): test/cli/unusable-input.test.ts.
  const d = facts.diagnostics.find((x) => x.file === 'docker-compose.yml');
  assert.ok(d && d.level === 'warning' && (d.line ?? 0) >= 3, JSON.stringify(facts.diagnostics));
  assert.ok(findings.some((f) => f.id === 'deploy/backend-port-published' && f.evidence[0]?.file === 'app.service'));
});

test('Procfile, supervisord and shell scripts', async () => {
  const { facts } = await lintFiles({
    Procfile: 'web: gunicorn app:app --log-file -\nworker: celery -A app worker\n',
    'supervisor/conf.d/web.conf':
      '[program:web]\ncommand=/srv/venv/bin/uvicorn main:app --uds /run/web.sock\nenvironment=FORWARDED_ALLOW_IPS="*"\n',
    'bin/run': '#!/bin/bash\nHOST=0.0.0.0\ndaphne -b $HOST -p 8001 --proxy-headers mysite.asgi:application\n',
  });
  const by = (via: string) => facts.appServers.find((s) => s.launch.via === via);
  assert.equal(by('procfile')?.binds[0]?.host, '0.0.0.0');
  assert.equal(by('procfile')?.binds[0]?.reach, 'container-network');
  assert.ok(by('procfile')?.notes?.some((n) => /PORT/.test(n)));
  assert.equal(by('supervisord')?.binds[0]?.kind, 'unix');
  assert.deepEqual(by('supervisord')?.trustedProxies.value, ['*']);
  assert.equal(by('shell')?.kind, 'daphne');
  assert.equal(by('shell')?.binds[0]?.host, '0.0.0.0');
  assert.equal(by('shell')?.launch.line, 3);
});

test('systemd EnvironmentFile= outside the tree is noted; one in the tree is read', async () => {
  const missing = await lintFiles({ 'app.service': '[Service]\nEnvironmentFile=/etc/default/app\nExecStart=gunicorn app:app\n' });
  assert.ok(missing.facts.appServers[0]?.notes?.some((n) => /EnvironmentFile=\/etc\/default\/app/.test(n)));
  const present = await lintFiles({
    'app.service': '[Service]\nEnvironmentFile=-/etc/default/app\nExecStart=gunicorn app:app\n',
    'default/app': 'FORWARDED_ALLOW_IPS=*\n',
  });
  assert.deepEqual(present.facts.appServers[0]?.trustedProxies.value, ['*']);
  assert.equal(present.facts.appServers[0]?.trustedProxies.ref?.file, 'default/app');
});

test('hypercorn -c config.toml: bind comes from the TOML file with its line', async () => {
  const { facts } = await lintFiles({
    'h.service': '[Service]\nExecStart=hypercorn -c hypercorn.toml main:app\n',
    'hypercorn.toml': '# hypercorn settings\nworkers = 2\nbind = ["0.0.0.0:8080"]\n',
  });
  const s = facts.appServers[0];
  assert.deepEqual(s?.configFiles, ['hypercorn.toml']);
  assert.equal(s?.binds[0]?.host, '0.0.0.0');
  assert.equal(s?.binds[0]?.port, 8080);
  assert.equal(s?.binds[0]?.ref?.line, 3);
});

test('gunicorn -e DJANGO_SETTINGS_MODULE=... picks the settings module', async () => {
  const { facts } = await lintFiles({
    'app.service': '[Service]\nExecStart=gunicorn -e DJANGO_SETTINGS_MODULE=mysite.settings.prod mysite.wsgi\n',
    'mysite/settings/base.py': 'INSTALLED_APPS = []\nSECURE_SSL_REDIRECT = False\n',
    'mysite/settings/prod.py': 'from .base import *\nSECURE_SSL_REDIRECT = True\n',
    'mysite/settings/staging.py': 'from .base import *\nDEBUG = True\n',
  });
  assert.equal(facts.appServers[0]?.env.DJANGO_SETTINGS_MODULE?.value, 'mysite.settings.prod');
  assert.deepEqual(
    facts.frameworks.map((f) => f.module),
    ['mysite.settings.prod'],
  );
});

test('Kubernetes: a Deployment container command/args start gunicorn; env, envFrom ConfigMaps and entries are read', async () => {
  const { facts } = await lintFiles({
    'k8s/web.yaml':
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      initContainers:\n        - name: migrate\n          command: [gunicorn, --check-config, app:app]\n      containers:\n        - name: web\n          image: example/web:1\n          command: ["sh", "-c"]\n          args:\n            - >-\n              python manage.py migrate &&\n              exec gunicorn -b 0.0.0.0:8000 --workers 3 app:app\n          envFrom:\n            - configMapRef:\n                name: web-env\n          env:\n            - name: DJANGO_SETTINGS_MODULE\n              value: mysite.settings\n',
    'k8s/config.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-env\ndata:\n  FORWARDED_ALLOW_IPS: "10.42.0.0/16"\n',
    'k8s/ingress.yaml':
      'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  tls:\n    - hosts: [a.example]\n',
  });
  assert.equal(facts.appServers.length, 1, 'init containers serve nothing');
  const s = facts.appServers[0];
  assert.equal(s?.launch.via, 'k8s');
  assert.equal(s?.launch.file, 'k8s/web.yaml');
  assert.equal(s?.launch.line, 18, 'the line that runs gunicorn inside the folded args');
  assert.deepEqual(s?.trustedProxies.value, ['10.42.0.0/16']);
  assert.equal(s?.trustedProxies.ref?.file, 'k8s/config.yaml');
  assert.equal(s?.env.DJANGO_SETTINGS_MODULE?.value, 'mysite.settings');
  assert.equal(s?.binds[0]?.reach, 'container-network');
  const w = facts.workloads;
  assert.deepEqual(
    w?.workloads.map((x) => `${x.kind} ${x.name} ${x.containers.map((c) => `${c.name}:${c.appServers.join()}`).join(' ')}`),
    ['Deployment web web:0'],
  );
  assert.deepEqual(
    w?.entries.map((e) => `${e.kind} ${e.name} ${e.ref.line} tls:${e.tls?.line}`),
    ['Ingress web 5 tls:6'],
  );
});

test('Helm chart: .Values in the command take values.yaml defaults; an image from values makes a proxy pod', async () => {
  const { facts } = await lintFiles({
    'chart/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 1.0.0\n',
    'chart/values.yaml': 'web:\n  port: 9000\n  extraArgs: "--forwarded-allow-ips=10.1.2.3"\nproxy:\n  repository: caddy\n',
    'chart/templates/web.yaml':
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"app.fullname\" . }}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: \"{{ .Values.image }}\"\n          args: ['sh', '-c', 'exec gunicorn -b 0.0.0.0:{{ .Values.web.port }} app:app {{ .Values.web.extraArgs }}']\n",
    'chart/templates/proxy.yaml':
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: proxy\nspec:\n  template:\n    spec:\n      containers:\n        - name: proxy\n          image: "{{ .Values.proxy.repository }}:2"\n',
  });
  const s = facts.appServers[0];
  assert.equal(s?.binds[0]?.port, 9000);
  assert.deepEqual(s?.trustedProxies.value, ['10.1.2.3']);
  assert.deepEqual(
    s?.valuesFeeds?.map((f) => `${f.path} ${f.ref.file}:${f.ref.line} ${f.appends}`),
    ['web.port chart/values.yaml:2 false', 'web.extraArgs chart/values.yaml:3 true'],
  );
  assert.deepEqual(
    facts.workloads?.workloads.map((w) => w.containers.map((c) => `${c.name} ${c.image} proxy:${c.proxy}`).join()).sort(),
    ['proxy caddy:2 proxy:true', 'web __tpl_Values_image__ proxy:false'],
  );
});

test('systemd socket activation: gunicorn listens on the .socket unit ListenStream, not on its bind', async () => {
  const { facts } = await lintFiles({
    'units/app.service': '[Unit]\nRequires=app.socket\n[Service]\nExecStart=/usr/bin/gunicorn --bind 0.0.0.0:8000 app:app\n',
    'units/app.socket': '[Socket]\nListenStream=/run/app.sock\n',
    'units/api.service': '[Service]\nExecStart=/usr/bin/gunicorn api:app\n',
    'units/api.socket': '[Socket]\nListenStream=127.0.0.1:9000\n',
    'units/other.service': '[Service]\nExecStart=/usr/bin/gunicorn --bind 0.0.0.0:7000 other:app\n',
  });
  const by = (t: string) => facts.appServers.find((s) => s.appTarget === t);
  assert.deepEqual(
    by('app:app')?.binds.map((b) => `${b.kind} ${b.path ?? `${b.host}:${b.port}`} ${b.ref?.file}:${b.ref?.line}`),
    ['unix /run/app.sock units/app.socket:2'],
  );
  assert.deepEqual(
    by('api:app')?.binds.map((b) => `${b.host}:${b.port} ${b.reach}`),
    ['127.0.0.1:9000 loopback'],
  );
  assert.equal(by('other:app')?.binds[0]?.port, 7000, 'no socket unit of its own: its bind stays');
});

test('uvicorn.run under __main__ is a development entry point when a launcher serves the module', async () => {
  const { facts } = await lintFiles({
    Dockerfile:
      'FROM python:3.12\nCMD ["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "-b", "0.0.0.0:8080", "svc.app:app"]\n',
    'svc/__init__.py': '',
    'svc/app.py':
      'import uvicorn\nfrom starlette.applications import Starlette\napp = Starlette()\n\nif __name__ == "__main__":\n    uvicorn.run("app:app", host="0.0.0.0", port=8000)\n',
    'tool/serve.py': 'import uvicorn\n\nif __name__ == "__main__":\n    uvicorn.run("x:app", host="0.0.0.0", port=8001)\n',
  });
  assert.deepEqual(facts.appServers.map((s) => `${s.kind} ${s.launch.file}`).sort(), [
    'gunicorn Dockerfile',
    'uvicorn tool/serve.py',
  ]);
});

test('compose env_file missing from the tree: its committed template (env_template, .env.example) is read', async () => {
  const { facts } = await lintFiles({
    'docker/compose.yaml':
      'services:\n  web:\n    image: web\n    command: gunicorn -b 0.0.0.0:8000 app:app\n    env_file: .env\n',
    'docker/env_template': '# copy to .env\nFORWARDED_ALLOW_IPS=10.0.0.0/8\n',
  });
  assert.deepEqual(facts.appServers[0]?.trustedProxies.value, ['10.0.0.0/8']);
  assert.equal(facts.appServers[0]?.trustedProxies.ref?.file, 'docker/env_template');
  assert.deepEqual(
    facts.compose?.files[0]?.services[0]?.envFileRefs?.map((r) => r.file),
    ['docker/env_template'],
  );
});

test('app code that shows a lost scheme or client address is recorded (the first three per kind and file; tests skipped)', async () => {
  const { facts } = await lintFiles({
    'app/auth.py': 'def cb(request):\n    # request.url_for in a comment\n    return str(request.url_for("cb"))\n',
    'app/limits.py': 'def key(request):\n    return request.client.host\n',
    'app/oauth.py': [
      'def login():',
      '    back = f"{request.host_url}"',
      '    uri = urljoin(request.host_url, "/cb")',
      '    root = request.url_root',
      '    again = request.host_url',
      '',
    ].join('\n'),
    'tests/test_auth.py': 'def test(request):\n    request.url_for("x")\n',
    'app.service': '[Service]\nExecStart=/usr/bin/uvicorn app.main:app\n',
  });
  assert.deepEqual(facts.codeUses?.map((u) => `${u.kind} ${u.ref.file}:${u.ref.line}`).sort(), [
    'client app/limits.py:2',
    'url app/auth.py:3',
    'url app/oauth.py:2',
    'url app/oauth.py:3',
    'url app/oauth.py:4',
  ]);
});

test('gunicorn -c python:pkg.module reads the module pkg/module.py as its config', async () => {
  const { facts } = await lintFiles({
    'app.service': '[Service]\nExecStart=/usr/bin/gunicorn -c python:mysite.gunicorn_conf mysite.wsgi\n',
    'mysite/gunicorn_conf.py': 'bind = "0.0.0.0:8001"\nforwarded_allow_ips = "10.0.0.2"\n',
    'other/gunicorn_conf.py': 'bind = "0.0.0.0:9999"\n',
  });
  const s = facts.appServers[0];
  assert.deepEqual(s?.configFiles, ['mysite/gunicorn_conf.py']);
  assert.equal(s?.binds[0]?.port, 8001);
  assert.deepEqual(s?.trustedProxies.value, ['10.0.0.2']);
});

test('compose file format v1 (no services:, no version:): the top-level keys are the services', async () => {
  const { facts } = await lintFiles({
    'docker-compose.yml':
      'web:\n  build: .\n  command: gunicorn -b 0.0.0.0:8000 app:app\n  expose:\n    - "8000"\nnginx:\n  image: nginx:1.25\n  ports:\n    - "443:443"\n  links:\n    - web\n',
  });
  assert.deepEqual(
    facts.compose?.files[0]?.services.map((s) => `${s.name}:${s.role}`),
    ['web:app', 'nginx:proxy'],
  );
  assert.equal(facts.appServers[0]?.launch.line, 3);
  assert.equal(facts.appServers[0]?.binds[0]?.reach, 'container-network');
});

test('ENTRYPOINT ["tini", "--"] runs the CMD: gunicorn is started on the CMD line', async () => {
  const { facts } = await lintFiles({
    Dockerfile:
      'FROM python:3.12\nENTRYPOINT ["tini", "--"]\n\n# run it\nCMD ["sh", "-c", "gunicorn --bind 0.0.0.0:8000 app:app"]\n',
  });
  assert.equal(facts.appServers.length, 1);
  assert.equal(facts.appServers[0]?.launch.line, 5);
});

test("a CMD of a server's arguments only runs under the base image's ENTRYPOINT: the server whose options they are", async () => {
  const { facts } = await lintFiles({
    Dockerfile:
      'FROM quay.io/example/django:2.0\nCMD ["-b :8080", \\\n"--workers=2", \\\n"--access-logfile=-", \\\n"--capture-output", \\\n"oar.wsgi"]\n',
  });
  assert.equal(facts.appServers.length, 1);
  const s = facts.appServers[0];
  assert.equal(s?.kind, 'gunicorn');
  assert.equal(s?.launch.line, 2);
  assert.equal(s?.binds[0]?.port, 8080);
  assert.ok(
    s?.notes?.some((n) => /base image quay\.io\/example\/django:2\.0/.test(n)),
    JSON.stringify(s?.notes),
  );
  // Not one server's options (a tool's arguments, a file, options several servers share): nothing is inferred.
  for (const argv of [
    ['-v', 'report.txt'],
    ['--config', 'app.yml'],
    ['--workers', '2', 'main:app'],
    ['-x', 'app:app'],
  ])
    assert.equal(serverFromArgsOnly(argv), undefined, argv.join(' '));
  assert.equal(serverFromArgsOnly(['--host', '0.0.0.0', '--port', '80', 'main:app']), 'uvicorn');
});

test('render.yaml envVars and Heroku app.json env are the environment of the server each platform runs', async () => {
  const { facts } = await lintFiles({
    'back/Dockerfile': 'FROM python:3.12\nCMD ["gunicorn", "-b", "0.0.0.0:8000", "site.wsgi"]\n',
    'render.yaml':
      'services:\n  - type: web\n    name: site\n    env: docker\n    dockerfilePath: ./back/Dockerfile\n    envVars:\n      - key: MODE\n        value: "prod"\n      - key: SECRET\n        generateValue: true\n',
    Procfile: 'web: gunicorn site.wsgi\n',
    'app.json':
      '{\n  "env": {\n    "SSL_REDIRECT": {\n      "value": "True"\n    },\n    "HOSTS": {\n      "required": true\n    }\n  }\n}\n',
  });
  const render = facts.appServers.find((s) => s.platform);
  assert.equal(render?.env.MODE?.value, 'prod');
  assert.equal(render?.env.MODE?.ref?.line, 7);
  assert.equal(render?.env.SECRET?.origin, 'unknown');
  const heroku = facts.appServers.find((s) => s.launch.via === 'procfile');
  assert.equal(heroku?.env.SSL_REDIRECT?.value, 'True');
  assert.equal(heroku?.env.SSL_REDIRECT?.ref?.line, 4, 'the line of its "value"');
  assert.equal(heroku?.env.HOSTS?.origin, 'unknown');
});

// ------------------------------------------------------------------ Podman quadlets (podman-systemd.unit(5)) (r5i12)

test('a Podman quadlet .container: Exec= runs after the image, PublishPort= publishes, Environment= is the app env', async () => {
  const { facts } = await lintFiles({
    'quadlet/app.container':
      '[Unit]\nDescription=app\n\n[Container]\nImage=docker.io/library/python:3.12\nEnvironment=FORWARDED_ALLOW_IPS=10.88.0.1 WEB_CONCURRENCY=3\nPublishPort=127.0.0.1:8000:8000\nExec=gunicorn --bind 0.0.0.0:8000 mysite.wsgi\n\n[Install]\nWantedBy=default.target\n',
  });
  assert.equal(facts.appServers.length, 1);
  const s = facts.appServers[0];
  assert.equal(s?.kind, 'gunicorn');
  assert.equal(s?.launch.file, 'quadlet/app.container');
  assert.equal(s?.launch.line, 8);
  assert.equal(s?.service, 'app');
  assert.deepEqual(s?.trustedProxies.value, ['10.88.0.1']);
  assert.equal(s?.binds[0]?.reach, 'host-loopback', 'published on 127.0.0.1 only');
  assert.equal(s?.binds[0]?.published?.ref?.line, 7);
});

test("a quadlet in a pod takes the pod's PublishPort=; Network=host shares the host network; Exec= of only options runs under the image ENTRYPOINT", async () => {
  const { facts } = await lintFiles({
    'web.pod': '[Pod]\nPublishPort=8000:8000\n',
    'web.container':
      '[Container]\nImage=quay.io/example/django:2.0\nPod=web.pod\nExec=-b :8000 --workers=2 --timeout=60 mysite.wsgi\n',
    'api.container': '[Container]\nImage=python:3.12\nNetwork=host\nExec=uvicorn main:app --host 0.0.0.0 --port 9000\n',
  });
  const web = facts.appServers.find((x) => x.service === 'web');
  assert.equal(web?.kind, 'gunicorn');
  assert.equal(web?.binds[0]?.reach, 'network');
  assert.equal(web?.binds[0]?.published?.ref?.file, 'web.pod');
  assert.ok(web?.notes?.some((n) => /ENTRYPOINT of the base image quay\.io\/example\/django:2\.0/.test(n)));
  const api = facts.appServers.find((x) => x.service === 'api');
  assert.equal(api?.kind, 'uvicorn');
  assert.equal(api?.binds[0]?.reach, 'network', 'host network: 0.0.0.0 is every host interface');
  assert.equal(api?.binds[0]?.published, undefined);
});

test('trap: a quadlet without Exec= runs the image CMD the files do not show: no server is guessed', async () => {
  const { facts } = await lintFiles({
    'db.container': '[Container]\nImage=postgres:16\nPublishPort=5432:5432\n',
    'api.container': '[Container]\nImage=python:3.12\nExec=uvicorn main:app --host 0.0.0.0 --port 9000\n',
  });
  assert.deepEqual(
    facts.appServers.map((s) => s.service),
    ['api'],
  );
});

test("the chain says a quadlet's unpublished port is reached on its Podman network (not a compose network), a pod's on the cluster network", async () => {
  const { facts } = await lintFiles({
    'app.container': '[Container]\nImage=python:3.12\nExec=gunicorn --bind 0.0.0.0:8000 mysite.wsgi\n',
    'k8s/web.yaml':
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: python:3.12\n          command: ["gunicorn", "--bind", "0.0.0.0:9000", "mysite.wsgi"]\n',
  });
  const { topology } = analyzeChain(facts);
  const quadlet = topology.apps.find((a) => a.service === 'app');
  assert.ok(
    quadlet?.placement.kind === 'container' && quadlet.placement.runtime === 'podman',
    JSON.stringify(quadlet?.placement),
  );
  assert.match(reachOf(quadlet, 0)?.from ?? '', /Podman network/);
  const pod = topology.apps.find((a) => a.placement.kind === 'container' && a.placement.runtime === 'kubernetes');
  assert.ok(pod, JSON.stringify(topology.apps.map((a) => a.placement)));
  assert.match(reachOf(pod, 0)?.from ?? '', /other pods on the cluster network/);
});

test('nginx in a pod -> a Service whose Deployment runs an image without a command: the link names the Service, workload and image', async () => {
  const { facts } = await lintFiles({
    'k8s/gateway.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gw-conf\ndata:\n  default.conf: |\n    server {\n        listen 80;\n        location /api/ {\n            proxy_pass http://api:8000/api/;\n            proxy_set_header Host $host;\n        }\n    }\n',
    'k8s/api.yaml':
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels:\n      app: api\n  template:\n    metadata:\n      labels:\n        app: api\n    spec:\n      containers:\n      - name: api\n        image: example/api:3\n        ports:\n        - containerPort: 8000\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  selector:\n    app: api\n  ports:\n  - port: 8000\n    targetPort: 8000\n',
  });
  const { topology } = analyzeChain(facts);
  const link = topology.links.find((l) => l.target.kind === 'unresolved');
  assert.ok(link && link.target.kind === 'unresolved', JSON.stringify(topology.links));
  assert.match(
    link.target.reason,
    /^Kubernetes Service api \(k8s\/api\.yaml:\d+\) selects the pods of Deployment api \(k8s\/api\.yaml:2\), whose container example\/api:3 starts no app server these files show/,
  );
  assert.match(link.target.need, /command:\/args: or the image's Dockerfile for api/);
});

test('a LoadBalancer Service that selects a pod makes its 0.0.0.0 bind reachable from outside the cluster (chain reach)', async () => {
  const deployment =
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    metadata:\n      labels:\n        tier: api\n    spec:\n      containers:\n      - name: api\n        image: shop/api:1\n        command: ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8080"]\n';
  const service = (type: string) =>
    `apiVersion: v1\nkind: Service\nmetadata:\n  name: api-public\nspec:\n  type: ${type}\n  selector:\n    tier: api\n  ports:\n  - port: 443\n    targetPort: 8080\n`;
  const lb = await lintFiles({ 'k8s/api.yaml': deployment, 'k8s/svc.yaml': service('LoadBalancer') });
  const bind = lb.facts.appServers[0]?.binds[0];
  assert.equal(bind?.reach, 'network');
  assert.deepEqual(bind?.published, {
    hostIp: '0.0.0.0',
    hostPort: 443,
    ref: { file: 'k8s/svc.yaml', line: 11 },
    by: 'LoadBalancer Service api-public',
  });
  const { topology } = analyzeChain(lb.facts);
  const app = topology.apps[0];
  assert.ok(app);
  assert.match(
    reachOf(app, 0)?.from ?? '',
    /^any client outside the cluster through LoadBalancer Service api-public's port 443 \(k8s\/svc\.yaml:11\)/,
  );
  // ClusterIP: the pod stays on the cluster network.
  const cluster = await lintFiles({ 'k8s/api.yaml': deployment, 'k8s/svc.yaml': service('ClusterIP') });
  assert.equal(cluster.facts.appServers[0]?.binds[0]?.published, undefined);
  assert.notEqual(cluster.facts.appServers[0]?.binds[0]?.reach, 'network');
});
