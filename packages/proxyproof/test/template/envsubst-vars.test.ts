/**
 * The container's environment fills an envsubst template's `${NAME}` (collectors/template/envsubst.ts): the nginx
 * image renders `/etc/nginx/templates/*.template` with it, a start script's `envsubst < a > b` too, and the tree
 * writes it in the image's Dockerfile `ENV`, the compose service's `env_file:` and `environment:` (later wins). A
 * name no container gives, gives two ways, passes through from the shell or that `NGINX_ENVSUBST_FILTER` leaves out
 * stays opaque (the link unknown, as before); an app image that copies the whole project does not count when the
 * proxy's image names the template.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkTemplateValueCase, type TemplateValueCase } from './template-value-case.js';

const SITE =
  'server {\n  listen ${HTTPS_PORT} ssl;\n  server_name example.org;\n  ssl_certificate /etc/ssl/x.pem;\n' +
  '  ssl_certificate_key /etc/ssl/x.key;\n  location / {\n    proxy_pass http://${APP_HOST}:${APP_PORT};\n' +
  '    proxy_set_header Host $host;\n  }\n}\n';
const TEMPLATE = 'nginx/templates/default.conf.template';
const NGINX_DOCKERFILE = (env: string): string => `FROM nginx:1.27-alpine\nCOPY templates /etc/nginx/templates\n${env}`;

type Case = TemplateValueCase;

const OPAQUE = /a template value|__tpl_APP_/;

const CASES: Case[] = [
  {
    name: "the nginx image's Dockerfile ENV (docker build in its folder)",
    files: {
      [TEMPLATE]: SITE,
      'nginx/Dockerfile': NGINX_DOCKERFILE('ENV HTTPS_PORT=443\nENV APP_HOST=app APP_PORT=8000\n'),
    },
    ports: '443',
    upstream: /app:8000$/,
    from: 'nginx/Dockerfile:4',
  },
  {
    name: 'compose environment (map) beats the image ENV; the build context is the compose one',
    files: {
      [TEMPLATE]: SITE,
      'deploy/nginx.Dockerfile': 'FROM nginx:1.27\nCOPY nginx/templates/ /etc/nginx/templates/\nENV APP_PORT=8000\n',
      'docker-compose.yml':
        'services:\n  proxy:\n    build:\n      context: .\n      dockerfile: deploy/nginx.Dockerfile\n' +
        '    environment:\n      HTTPS_PORT: 443\n      APP_HOST: api\n      APP_PORT: 9000\n',
    },
    ports: '443',
    upstream: /api:9000$/,
    from: 'docker-compose.yml:9',
  },
  {
    name: 'env_file gives the values, environment (list) beats it',
    files: {
      [TEMPLATE]: SITE,
      'nginx/Dockerfile': NGINX_DOCKERFILE(''),
      'nginx.env': '# proxy\nHTTPS_PORT=443\nAPP_HOST=web\nAPP_PORT=7000\n',
      'compose.yaml':
        'services:\n  nginx:\n    build: ./nginx\n    env_file: nginx.env\n    environment:\n      - APP_PORT=8000\n',
    },
    ports: '443',
    upstream: /web:8000$/,
    from: 'nginx.env:3',
  },
  {
    name: "a compose volume mounts the templates into the stock image; `${X}` interpolated from the project's .env",
    files: {
      [TEMPLATE]: SITE,
      '.env': 'BACKEND_PORT=8080\n',
      'docker-compose.yml':
        'services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - ./nginx/templates:/etc/nginx/templates:ro\n' +
        '    environment:\n      - HTTPS_PORT=443\n      - APP_HOST=backend\n      - APP_PORT=${BACKEND_PORT}\n',
    },
    ports: '443',
    upstream: /backend:8080$/,
    from: 'docker-compose.yml:9',
  },
  {
    name: 'a start script renders a copied .tpl with envsubst (COPY by glob)',
    files: {
      'conf/site.conf.tpl': SITE,
      Dockerfile:
        'FROM nginx:1.27\nCOPY conf/*.tpl /etc/nginx/\nCOPY run.sh /run.sh\nENV HTTPS_PORT=443 APP_HOST=app APP_PORT=5000\nCMD ["sh", "/run.sh"]\n',
      'run.sh': "#!/bin/sh\nenvsubst < /etc/nginx/site.conf.tpl > /etc/nginx/conf.d/default.conf\nexec nginx -g 'daemon off;'\n",
    },
    ports: '443',
    upstream: /app:5000$/,
    from: 'Dockerfile:4',
  },
  {
    name: "trap: the app's image copies the whole project (COPY . /app) with another APP_PORT: the proxy's image wins",
    files: {
      [TEMPLATE]: SITE,
      Dockerfile: 'FROM python:3.12\nCOPY . /app\nENV APP_PORT=9999 HTTPS_PORT=1\nCMD ["gunicorn", "app:app"]\n',
      'nginx/Dockerfile': NGINX_DOCKERFILE('ENV HTTPS_PORT=443 APP_HOST=app APP_PORT=8000\n'),
      'docker-compose.yml': 'services:\n  app:\n    build: .\n  nginx:\n    build:\n      context: ./nginx\n',
    },
    ports: '443',
    upstream: /app:8000$/,
    from: 'nginx/Dockerfile:3',
  },
  {
    name: 'trap: two services render the template with different ports: the port stays a template value',
    files: {
      [TEMPLATE]: SITE,
      'nginx/Dockerfile': NGINX_DOCKERFILE('ENV HTTPS_PORT=443 APP_HOST=app\n'),
      'docker-compose.yml':
        'services:\n  a:\n    build: ./nginx\n    environment:\n      APP_PORT: 8000\n' +
        '  b:\n    build: ./nginx\n    environment:\n      APP_PORT: 8001\n',
    },
    ports: '443',
    upstream: OPAQUE,
  },
  {
    name: "trap: a name passed through from the shell (`- APP_PORT`) hides the image's value",
    files: {
      [TEMPLATE]: SITE,
      'nginx/Dockerfile': NGINX_DOCKERFILE('ENV HTTPS_PORT=443 APP_HOST=app APP_PORT=8000\n'),
      'docker-compose.yml': 'services:\n  nginx:\n    build: ./nginx\n    environment:\n      - APP_PORT\n',
    },
    ports: '443',
    upstream: OPAQUE,
  },
  {
    name: 'trap: NGINX_ENVSUBST_FILTER leaves APP_* out: only HTTPS_PORT is substituted',
    files: {
      [TEMPLATE]: SITE,
      'nginx/Dockerfile': NGINX_DOCKERFILE('ENV NGINX_ENVSUBST_FILTER=^HTTPS_ HTTPS_PORT=443 APP_HOST=app APP_PORT=8000\n'),
    },
    ports: '443',
    upstream: OPAQUE,
  },
  {
    name: 'trap: compose interpolation with no value anywhere stays a template value',
    files: {
      [TEMPLATE]: SITE,
      'nginx/Dockerfile': NGINX_DOCKERFILE('ENV HTTPS_PORT=443 APP_HOST=app\n'),
      'docker-compose.yml': 'services:\n  nginx:\n    build: ./nginx\n    environment:\n      APP_PORT: ${PORT}\n',
    },
    ports: '443',
    upstream: OPAQUE,
  },
  {
    name: 'trap: a template no image or service holds is unchanged',
    files: {
      [TEMPLATE]: SITE,
      'other/Dockerfile': 'FROM nginx:1.27\nCOPY other.conf /etc/nginx/conf.d/\nENV HTTPS_PORT=443 APP_HOST=app APP_PORT=8000\n',
    },
    ports: '?',
    upstream: OPAQUE,
  },
];

for (const c of CASES) {
  test(`envsubst vars: ${c.name}`, async () => {
    const { froms, hit } = await checkTemplateValueCase(c, /the one value the environment of the container/);
    if (hit) {
      assert.match(hit.note ?? '', /^\$\{[A-Z_]+\} in /);
      assert.ok(hit.snippet && /APP_|HTTPS_/.test(hit.snippet), 'the value line as snippet');
    }
    if (c.upstream === OPAQUE)
      assert.ok(
        froms.every((e) => !/\$\{APP_PORT\}/.test(e.note ?? '')),
        'no value evidence for the opaque placeholder',
      );
  });
}
