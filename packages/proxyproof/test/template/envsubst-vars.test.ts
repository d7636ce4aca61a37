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
/** A name the render leaves as written: nginx reads `${APP_HOST}` as its own variable. */
const LITERAL = /http:\/\/\$\{APP_HOST\}:\$\{APP_PORT\}/;
const RUN = (body: string): string => `#!/bin/sh\n${body}\nexec nginx -g 'daemon off;'\n`;

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
    name: 'trap: NGINX_ENVSUBST_FILTER leaves APP_* out: only HTTPS_PORT is substituted, APP_* stay as written',
    files: {
      [TEMPLATE]: SITE,
      'nginx/Dockerfile': NGINX_DOCKERFILE('ENV NGINX_ENVSUBST_FILTER=^HTTPS_ HTTPS_PORT=443 APP_HOST=app APP_PORT=8000\n'),
    },
    ports: '443',
    upstream: LITERAL,
  },
  {
    name: "a script's explicit envsubst list holding every name: the image's ENV fills them",
    files: {
      'conf/site.conf.tpl': SITE,
      Dockerfile:
        'FROM nginx:1.27\nCOPY conf/site.conf.tpl /etc/nginx/\nCOPY run.sh /run.sh\nENV HTTPS_PORT=443 APP_HOST=app APP_PORT=5000\nCMD ["sh", "/run.sh"]\n',
      'run.sh': RUN("envsubst '$HTTPS_PORT ${APP_HOST},$APP_PORT' < /etc/nginx/site.conf.tpl > /etc/nginx/conf.d/default.conf"),
    },
    ports: '443',
    upstream: /app:5000$/,
    from: 'Dockerfile:4',
  },
  {
    name: "trap: an explicit list without APP_*: the image's APP_PORT=5000 is not substituted, `${APP_*}` stay as written",
    files: {
      'conf/site.conf.tpl': SITE,
      Dockerfile:
        'FROM nginx:1.27\nCOPY conf/site.conf.tpl /etc/nginx/\nCOPY run.sh /run.sh\nENV HTTPS_PORT=443 APP_HOST=app APP_PORT=5000\nCMD ["sh", "/run.sh"]\n',
      'run.sh': RUN("envsubst '${HTTPS_PORT}' < /etc/nginx/site.conf.tpl > /etc/nginx/conf.d/default.conf"),
    },
    ports: '443',
    upstream: LITERAL,
  },
  {
    name: 'trap: a list read from a variable (`envsubst "$VARS"`) is unknown: every name stays a template value',
    files: {
      'conf/site.conf.tpl': SITE,
      Dockerfile:
        'FROM nginx:1.27\nCOPY conf/site.conf.tpl /etc/nginx/\nCOPY run.sh /run.sh\nENV HTTPS_PORT=443 APP_HOST=app APP_PORT=5000\nCMD ["sh", "/run.sh"]\n',
      'run.sh': RUN('envsubst "$VARS" < /etc/nginx/site.conf.tpl > /etc/nginx/conf.d/default.conf'),
    },
    ports: '?',
    upstream: OPAQUE,
  },
  {
    name: 'a host deploy script exports the values before rendering a template of the tree (no container holds it)',
    files: {
      'nginx/site.conf.tpl': SITE,
      'deploy/install.sh': RUN(
        'export HTTPS_PORT=443\nexport APP_HOST=127.0.0.1 APP_PORT="${APP_PORT:-8000}"\nenvsubst < ../nginx/site.conf.tpl > /etc/nginx/sites-enabled/site',
      ),
    },
    ports: '443',
    upstream: /127\.0\.0\.1:8000$/,
    from: 'deploy/install.sh:3',
  },
  {
    name: '`: ${APP_PORT:=8000}` then `export APP_PORT`: the default is what envsubst sees when nothing sets it',
    files: {
      'conf/site.conf.tpl': SITE,
      Dockerfile:
        'FROM nginx:1.27\nCOPY conf/site.conf.tpl /etc/nginx/\nCOPY run.sh /run.sh\nENV HTTPS_PORT=443 APP_HOST=app\nCMD ["sh", "/run.sh"]\n',
      'run.sh': RUN(
        ': "${APP_PORT:=8000}"\nexport APP_PORT\ncat /etc/nginx/site.conf.tpl | envsubst > /etc/nginx/conf.d/default.conf',
      ),
    },
    ports: '443',
    upstream: /app:8000$/,
    from: 'run.sh:2',
  },
  {
    name: 'trap: `: ${APP_PORT:=8000}` with APP_PORT=9000 in the image: the environment wins over the default',
    files: {
      'conf/site.conf.tpl': SITE,
      Dockerfile:
        'FROM nginx:1.27\nCOPY conf/site.conf.tpl /etc/nginx/\nCOPY run.sh /run.sh\nENV HTTPS_PORT=443 APP_HOST=app APP_PORT=9000\nCMD ["sh", "/run.sh"]\n',
      'run.sh': RUN(
        ': "${APP_PORT:=8000}"\nexport APP_PORT\nenvsubst < /etc/nginx/site.conf.tpl > /etc/nginx/conf.d/default.conf',
      ),
    },
    ports: '443',
    upstream: /app:9000$/,
    from: 'Dockerfile:4',
  },
  {
    name: 'trap: `: ${APP_PORT:=8000}` not exported: envsubst does not see it (real dash), the port stays unknown',
    files: {
      'conf/site.conf.tpl': SITE,
      Dockerfile:
        'FROM nginx:1.27\nCOPY conf/site.conf.tpl /etc/nginx/\nCOPY run.sh /run.sh\nENV HTTPS_PORT=443 APP_HOST=app\nCMD ["sh", "/run.sh"]\n',
      'run.sh': RUN(': "${APP_PORT:=8000}"\nenvsubst < /etc/nginx/site.conf.tpl > /etc/nginx/conf.d/default.conf'),
    },
    ports: '443',
    upstream: OPAQUE,
  },
  {
    name: 'trap: an export inside an `if` may not run: the port stays unknown',
    files: {
      'conf/site.conf.tpl': SITE,
      Dockerfile:
        'FROM nginx:1.27\nCOPY conf/site.conf.tpl /etc/nginx/\nCOPY run.sh /run.sh\nENV HTTPS_PORT=443 APP_HOST=app\nCMD ["sh", "/run.sh"]\n',
      'run.sh': RUN(
        'if [ -n "$DEV" ]; then\n  export APP_PORT=8000\nfi\nenvsubst < /etc/nginx/site.conf.tpl > /etc/nginx/conf.d/default.conf',
      ),
    },
    ports: '443',
    upstream: OPAQUE,
  },
  {
    name: '`[ -z "$APP_PORT" ] && APP_PORT=8000` then `export APP_PORT`: a default like `:=`',
    files: {
      'conf/site.conf.tpl': SITE,
      Dockerfile:
        'FROM nginx:1.27\nCOPY conf/site.conf.tpl /etc/nginx/\nCOPY run.sh /run.sh\nENV HTTPS_PORT=443 APP_HOST=app\nCMD ["sh", "/run.sh"]\n',
      'run.sh': RUN(
        '[ -z "$APP_PORT" ] && APP_PORT=8000\nexport APP_PORT\nenvsubst \'$HTTPS_PORT,$APP_HOST,$APP_PORT\' < /etc/nginx/site.conf.tpl > /etc/nginx/conf.d/default.conf',
      ),
    },
    ports: '443',
    upstream: /app:8000$/,
    from: 'run.sh:2',
  },
  {
    name: 'trap: `test -f /x && export APP_PORT=8000` runs only when the test succeeds: the port stays unknown',
    files: {
      'conf/site.conf.tpl': SITE,
      Dockerfile:
        'FROM nginx:1.27\nCOPY conf/site.conf.tpl /etc/nginx/\nCOPY run.sh /run.sh\nENV HTTPS_PORT=443 APP_HOST=app\nCMD ["sh", "/run.sh"]\n',
      'run.sh': RUN(
        'test -f /run/dev && export APP_PORT=8000\nenvsubst < /etc/nginx/site.conf.tpl > /etc/nginx/conf.d/default.conf',
      ),
    },
    ports: '443',
    upstream: OPAQUE,
  },
  {
    name: "a Dockerfile `RUN envsubst` renders at build time with the ENV above it (compose's environment comes later)",
    files: {
      'docker/nginx.conf': SITE,
      'docker/Dockerfile':
        'FROM nginx:stable-alpine\nENV HTTPS_PORT 443\nENV APP_HOST=vor_app APP_PORT=8080\n' +
        "COPY ./nginx.conf /etc/nginx/nginx.template\nRUN envsubst '\\$HTTPS_PORT \\$APP_HOST \\$APP_PORT' < /etc/nginx/nginx.template > /etc/nginx/conf.d/default.conf\n",
      'docker-compose.yml': 'services:\n  proxy:\n    build: ./docker\n    environment:\n      APP_PORT: 9000\n',
    },
    ports: '443',
    upstream: /vor_app:8080$/,
    from: 'docker/Dockerfile:3',
  },
  {
    name: 'trap: a `RUN envsubst` above the ENV line renders before it is set: the port stays unknown',
    files: {
      'docker/nginx.conf': SITE,
      'docker/Dockerfile':
        'FROM nginx:stable-alpine\nENV HTTPS_PORT 443\nENV APP_HOST=vor_app\n' +
        'COPY ./nginx.conf /etc/nginx/nginx.template\nRUN envsubst < /etc/nginx/nginx.template > /etc/nginx/conf.d/default.conf\nENV APP_PORT=8080\n',
    },
    ports: '443',
    upstream: OPAQUE,
  },
  {
    name: 'a Dockerfile `CMD ["sh", "-c", "envsubst ..."]` renders at start: compose\'s environment applies',
    files: {
      'docker/nginx.conf': SITE,
      'docker/Dockerfile':
        'FROM nginx:stable-alpine\nENV HTTPS_PORT=443 APP_HOST=web APP_PORT=8080\nCOPY nginx.conf /etc/nginx/templates/\n' +
        'CMD ["/bin/sh", "-c", "envsubst \'$HTTPS_PORT $APP_HOST $APP_PORT\' < /etc/nginx/templates/nginx.conf > /etc/nginx/conf.d/default.conf && exec nginx -g \'daemon off;\'"]\n',
      'docker-compose.yml': 'services:\n  proxy:\n    build: ./docker\n    environment:\n      APP_PORT: 9000\n',
    },
    ports: '443',
    upstream: /web:9000$/,
    from: 'docker-compose.yml:5',
  },
  {
    name: 'a `NAME=v envsubst` prefix beats the image ENV for that command',
    files: {
      'conf/site.conf.tpl': SITE,
      Dockerfile:
        'FROM nginx:1.27\nCOPY conf/site.conf.tpl /etc/nginx/\nCOPY run.sh /run.sh\nENV HTTPS_PORT=443 APP_HOST=app APP_PORT=9000\nCMD ["sh", "/run.sh"]\n',
      'run.sh': RUN('APP_PORT=7000 envsubst < /etc/nginx/site.conf.tpl > /etc/nginx/conf.d/default.conf'),
    },
    ports: '443',
    // run.sh:2 is the render's own evidence already (facts/nginx/renders.ts), so no second value line.
    upstream: /app:7000$/,
  },
  {
    name: '`docker run -e` / `--env-file` of the stock image mounting the templates folder',
    files: {
      [TEMPLATE]: SITE,
      'nginx/proxy.env': 'APP_HOST=api\nAPP_PORT=8080\n',
      'nginx/up.sh': RUN(
        'docker run -d --name proxy -p 443:443 \\\n  --env-file ./proxy.env -e HTTPS_PORT=443 \\\n  -v "$PWD/templates:/etc/nginx/templates:ro" nginx:1.27',
      ),
    },
    ports: '443',
    upstream: /api:8080$/,
    from: 'nginx/proxy.env:2',
  },
  {
    name: 'trap: `docker run --env-file` the tree does not hold may set any name -e does not: the port stays unknown',
    files: {
      [TEMPLATE]: SITE,
      'nginx/up.sh': RUN(
        'docker run -d --env-file /srv/secret.env -e HTTPS_PORT=443 -v ./templates:/etc/nginx/templates nginx\n' +
          '# -e after or before it: docker reads env files first, so -e wins either way\n' +
          'docker run -d -e HTTPS_PORT=443 -e APP_HOST=api --env-file /srv/other.env -v ./templates:/etc/nginx/templates nginx',
      ),
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
    if (c.upstream === OPAQUE || c.upstream === LITERAL)
      assert.ok(
        froms.every((e) => !/\$\{APP_PORT\}/.test(e.note ?? '')),
        'no value evidence for the opaque placeholder',
      );
  });
}
