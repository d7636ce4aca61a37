/**
 * A Kubernetes container's environment fills the envsubst template the nginx image renders from a ConfigMap
 * (collectors/template/envsubst.ts `readKube`): a `*.template` key mounted in `/etc/nginx/templates` (the folder, or
 * the file through `subPath`) of a container running the nginx image, whose entrypoint
 * (`20-envsubst-on-templates.sh`) renders it with the container's `envFrom` ConfigMaps then its `env:` (which wins).
 * A `valueFrom.configMapKeyRef` takes the key of a ConfigMap of the tree. A name a Secret, a ConfigMap the tree does
 * not hold or another `valueFrom` may set, a container of another image, a mount outside the templates folder, or two
 * containers giving two values leave the value opaque, as before.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkTemplateValueCase, type TemplateValueCase } from './template-value-case.js';

const SITE =
  'server {\n  listen ${HTTPS_PORT} ssl;\n  server_name example.org;\n  ssl_certificate /etc/ssl/x.pem;\n' +
  '  ssl_certificate_key /etc/ssl/x.key;\n  location / {\n    proxy_pass http://${APP_HOST}:${APP_PORT};\n' +
  '    proxy_set_header Host $host;\n  }\n}\n';
const indent = (text: string, by: string): string =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => by + l)
    .join('\n');
/** A ConfigMap holding the site under `key` (lines 1-6 are the ConfigMap's head: the site starts on line 7). */
const CONFIG_MAP = (key = 'default.conf.template', name = 'proxy-templates'): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  ${key}: |\n${indent(SITE, '    ')}\n`;
/** A Deployment of one container; `env` and `mounts` are YAML lines under the container (10 spaces in). */
const DEPLOYMENT = (image: string, container: string, volumes = 'configMap:\n            name: proxy-templates'): string =>
  'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: proxy\nspec:\n  template:\n    spec:\n      containers:\n' +
  `        - name: nginx\n          image: ${image}\n${container}` +
  `      volumes:\n        - name: templates\n          ${volumes}\n`;
const ENV =
  '          env:\n            - name: HTTPS_PORT\n              value: "443"\n            - name: APP_HOST\n' +
  '              value: api\n            - name: APP_PORT\n              value: "8000"\n';
const MOUNT = (path = '/etc/nginx/templates', sub = ''): string =>
  `          volumeMounts:\n            - name: templates\n              mountPath: ${path}\n${sub}`;

/**
 * The ConfigMap (its upstream written bare, `$APP_HOST`, when `bare`) and a stock-image Deployment whose one-line
 * `sh -c` command renders it with `envsubst '<list>'` (`$$` is Kubernetes' escape of `$`).
 */
const LISTED = (list: string, bare: boolean): string => {
  const cm = CONFIG_MAP('nginx.conf.template');
  const site = bare ? cm.replace('http://${APP_HOST}:${APP_PORT}', 'http://$APP_HOST:$APP_PORT') : cm;
  const command = `envsubst '${list}' < /etc/nginx/templates/nginx.conf.template > /etc/nginx/conf.d/default.conf && exec nginx -g 'daemon off;'`;
  return `${site}---\n${DEPLOYMENT('nginx:stable', `          command: ["sh", "-c", "${command}"]\n${ENV}${MOUNT()}`)}`;
};

/** The ConfigMap and a stock-image Deployment whose env ends with APP_HOST taken `valueFrom` the named object. */
const APP_HOST_FROM = (kind: 'configMapKeyRef' | 'secretKeyRef', name: string): string =>
  `${CONFIG_MAP()}---\n${DEPLOYMENT(
    'nginx:1.27',
    `${ENV}            - name: APP_HOST\n              valueFrom:\n                ${kind}:\n` +
      `                  name: ${name}\n                  key: APP_HOST\n${MOUNT()}`,
  )}`;

/** The tree's own proxy image: FROM nginx, the site COPYed where the image's entrypoint renders it. */
const PROXY_DOCKERFILE = 'FROM nginx:1.27-alpine\nCOPY default.conf.template /etc/nginx/templates/\n';
/** A Deployment of the image `image` with `container` lines and no volumes. */
const OWN_IMAGE = (image: string, container: string): string =>
  'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: proxy\nspec:\n  template:\n    spec:\n      containers:\n' +
  `        - name: nginx\n          image: ${image}\n${container}`;
/** A CI workflow building `proxy/` under `tag`. */
const CI = (tag: string): string =>
  'on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n' +
  `      - run: docker build -t ${tag} -f proxy/Dockerfile proxy\n`;

// The placeholder is shown as the template wrote it (engine/template-display.ts), never the reader's token.
const OPAQUE = /a template value|\$\{APP_/;

const CASES: TemplateValueCase[] = [
  {
    name: "the stock image's container env fills a ConfigMap template mounted in /etc/nginx/templates",
    files: { 'k8s/proxy.yaml': `${CONFIG_MAP()}---\n${DEPLOYMENT('nginx:1.27-alpine', ENV + MOUNT())}` },
    ports: '443',
    upstream: /api:8000$/,
    // The Deployment starts after the ConfigMap's 17 lines and the `---`: APP_PORT's entry is its line 15.
    from: 'k8s/proxy.yaml:33',
  },
  {
    name: 'envFrom a ConfigMap of another file, then env wins; the template mounted alone through subPath',
    files: {
      'deploy/configmap.yaml': CONFIG_MAP(),
      'deploy/env.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: proxy-env\ndata:\n  HTTPS_PORT: "443"\n  APP_HOST: web\n  APP_PORT: "7000"\n',
      'deploy/deployment.yaml': DEPLOYMENT(
        'docker.io/nginxinc/nginx-unprivileged:1.27',
        '          envFrom:\n            - configMapRef:\n                name: proxy-env\n' +
          '          env:\n            - name: APP_PORT\n              value: "9000"\n' +
          MOUNT('/etc/nginx/templates/default.conf.template', '              subPath: default.conf.template\n'),
      ),
    },
    ports: '443',
    upstream: /web:9000$/,
    from: 'deploy/env.yaml:7',
  },
  {
    name: 'NGINX_ENVSUBST_TEMPLATE_DIR moves the folder the image renders; items: rename the key into it',
    files: {
      'proxy.yaml': `${CONFIG_MAP('site.template')}---\n${DEPLOYMENT(
        'nginx',
        `${ENV}            - name: NGINX_ENVSUBST_TEMPLATE_DIR\n              value: /templates\n${MOUNT('/templates/')}`,
        'configMap:\n            name: proxy-templates\n            items:\n              - key: site.template\n                path: site.conf.template',
      )}`,
    },
    ports: '443',
    upstream: /api:8000$/,
  },
  {
    name: "the container's own `sh -c` command renders the mounted key with envsubst and a list (`$$` is Kubernetes' `$`)",
    files: {
      'k8s/proxy.yaml': `${CONFIG_MAP('nginx.conf.template')}---\n${DEPLOYMENT(
        'nginx:stable',
        '          command: ["/bin/sh", "-c"]\n          args:\n            - >\n' +
          "              envsubst '$$HTTPS_PORT $$APP_HOST $$APP_PORT'\n" +
          '              < /etc/nginx/templates/nginx.conf.template\n' +
          "              > /etc/nginx/conf.d/default.conf && nginx -g 'daemon off;'\n" +
          ENV +
          MOUNT(),
      )}`,
    },
    ports: '443',
    upstream: /api:8000$/,
    from: 'k8s/proxy.yaml:39',
  },
  {
    name: 'a listed name written bare (`$APP_HOST`) is substituted too, as GNU envsubst does for its list',
    files: {
      'k8s/proxy.yaml': LISTED('$$HTTPS_PORT $$APP_HOST $$APP_PORT', true),
    },
    ports: '443',
    upstream: /api:8000$/,
    from: 'k8s/proxy.yaml:34',
  },
  {
    name: "trap: bare `$host` and `$APP_HOST` outside the list stay nginx's variables",
    files: {
      'k8s/proxy.yaml': LISTED('$$HTTPS_PORT', true),
    },
    ports: '443',
    upstream: /http:\/\/\$APP_HOST:\$APP_PORT/,
  },
  {
    name: 'trap: the command lists only HTTPS_PORT: the upstream stays `${APP_HOST}` as written',
    files: {
      'k8s/proxy.yaml': LISTED('$$HTTPS_PORT', false),
    },
    ports: '443',
    upstream: /http:\/\/\$\{APP_HOST\}:\$\{APP_PORT\}/,
  },
  {
    name: "trap: a `command` replaces the image's entrypoint, so the templates folder is not rendered",
    files: {
      'k8s/proxy.yaml': `${CONFIG_MAP()}---\n${DEPLOYMENT('nginx:1.27', `          command: ["nginx", "-g", "daemon off;"]\n${ENV}${MOUNT()}`)}`,
    },
    ports: '?',
    upstream: OPAQUE,
  },
  {
    name: 'trap: mounted in conf.d, not the templates folder: the image does not render it, values stay opaque',
    files: { 'k8s/proxy.yaml': `${CONFIG_MAP()}---\n${DEPLOYMENT('nginx:1.27', ENV + MOUNT('/etc/nginx/conf.d'))}` },
    ports: '?',
    upstream: OPAQUE,
  },
  {
    name: 'trap: another image (its entrypoint renders nothing we know of) mounting the templates folder',
    files: { 'k8s/proxy.yaml': `${CONFIG_MAP()}---\n${DEPLOYMENT('bitnami/nginx:1.27', ENV + MOUNT())}` },
    ports: '?',
    upstream: OPAQUE,
  },
  {
    name: 'trap: envFrom a Secret may set any name env does not: the port from env, the upstream unknown',
    files: {
      'k8s/proxy.yaml': `${CONFIG_MAP()}---\n${DEPLOYMENT(
        'nginx:1.27',
        '          envFrom:\n            - secretRef:\n                name: proxy-secrets\n' +
          '          env:\n            - name: HTTPS_PORT\n              value: "443"\n' +
          MOUNT(),
      )}`,
    },
    ports: '443',
    upstream: OPAQUE,
  },
  {
    name: 'valueFrom.configMapKeyRef takes the key of a ConfigMap of the tree (another file, another key name)',
    files: {
      'deploy/configmap.yaml': CONFIG_MAP(),
      'deploy/settings.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: proxy-settings\ndata:\n  backend_host: api-svc\n  backend_port: "8080"\n',
      'deploy/deployment.yaml': DEPLOYMENT(
        'nginx:1.27',
        '          env:\n            - name: HTTPS_PORT\n              value: "443"\n' +
          '            - name: APP_HOST\n              valueFrom:\n                configMapKeyRef:\n' +
          '                  name: proxy-settings\n                  key: backend_host\n' +
          '            - name: APP_PORT\n              valueFrom:\n                configMapKeyRef:\n' +
          '                  name: proxy-settings\n                  key: backend_port\n' +
          MOUNT(),
      ),
    },
    ports: '443',
    upstream: /api-svc:8080$/,
    from: 'deploy/settings.yaml:7',
  },
  {
    name: 'an optional configMapKeyRef to a key the ConfigMap lacks leaves the envFrom value (the kubelet skips it)',
    files: {
      'k8s/cm.yaml': CONFIG_MAP(),
      'k8s/env.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: proxy-env\ndata:\n  HTTPS_PORT: "443"\n  APP_HOST: web\n  APP_PORT: "7000"\n',
      'k8s/deployment.yaml': DEPLOYMENT(
        'nginx:1.27',
        '          envFrom:\n            - configMapRef:\n                name: proxy-env\n' +
          '          env:\n            - name: APP_PORT\n              valueFrom:\n                configMapKeyRef:\n' +
          '                  name: proxy-env\n                  key: port_override\n                  optional: true\n' +
          MOUNT(),
      ),
    },
    ports: '443',
    upstream: /web:7000$/,
    from: 'k8s/env.yaml:8',
  },
  {
    name: 'trap: the same name from a secretKeyRef: a Secret is not in the files, the upstream stays opaque',
    files: { 'k8s/proxy.yaml': APP_HOST_FROM('secretKeyRef', 'proxy-secrets') },
    ports: '443',
    upstream: OPAQUE,
  },
  {
    name: 'trap: a configMapKeyRef to a ConfigMap the tree does not hold (made by kubectl elsewhere) stays opaque',
    files: { 'k8s/proxy.yaml': APP_HOST_FROM('configMapKeyRef', 'made-by-kubectl') },
    ports: '443',
    upstream: OPAQUE,
  },
  {
    name: "a pod runs the tree's own nginx image (a CI `docker build -t` names it): its env fills the COPYed template",
    files: {
      'proxy/Dockerfile': PROXY_DOCKERFILE,
      'proxy/default.conf.template': SITE,
      '.github/workflows/build.yml': CI('ghcr.io/acme/shop-proxy:${{ github.sha }}'),
      'k8s/proxy.yaml': OWN_IMAGE('ghcr.io/acme/shop-proxy:1.4.2', ENV),
    },
    ports: '443',
    upstream: /api:8000$/,
    from: 'k8s/proxy.yaml:16',
  },
  {
    name: "the image's own CMD renders with its ENV default; the pod's configMapKeyRef value wins over it",
    files: {
      'proxy/Dockerfile':
        'FROM nginx:1.27\nENV HTTPS_PORT=443 APP_HOST=localhost APP_PORT=3000\nCOPY default.conf.template /etc/nginx/templates/site.tpl\n' +
        "CMD envsubst '$HTTPS_PORT $APP_HOST $APP_PORT' < /etc/nginx/templates/site.tpl > /etc/nginx/conf.d/default.conf && exec nginx -g 'daemon off;'\n",
      'proxy/default.conf.template': SITE,
      Makefile: 'IMAGE ?= acme/shop-proxy\nbuild:\n\tdocker build -t $(IMAGE):latest proxy\n',
      'k8s/proxy.yaml': OWN_IMAGE(
        'acme/shop-proxy:latest',
        '          env:\n            - name: APP_HOST\n              valueFrom:\n                configMapKeyRef:\n' +
          '                  name: proxy-settings\n                  key: api_host\n',
      ),
      'k8s/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: proxy-settings\ndata:\n  api_host: api-svc\n',
    },
    ports: '443',
    upstream: /api-svc:3000$/,
    from: 'k8s/settings.yaml:6',
  },
  {
    name: 'trap: compose builds the image under that name with another upstream host than the pod: which one is unknown',
    files: {
      'proxy/Dockerfile': PROXY_DOCKERFILE,
      'proxy/default.conf.template': SITE,
      'compose.yaml':
        'services:\n  proxy:\n    build: ./proxy\n    image: acme/shop-proxy\n    environment:\n' +
        '      HTTPS_PORT: "443"\n      APP_HOST: api\n      APP_PORT: "8000"\n',
      'k8s/proxy.yaml': OWN_IMAGE('acme/shop-proxy:2', ENV.replace('value: api', 'value: api.prod.svc')),
    },
    ports: '443',
    upstream: OPAQUE,
  },
  {
    name: "trap: the image's ENV sets the upstream but the pod's envFrom Secret may replace it: unknown",
    files: {
      'proxy/Dockerfile': `${PROXY_DOCKERFILE}ENV APP_HOST=localhost APP_PORT=3000\n`,
      'proxy/default.conf.template': SITE,
      '.github/workflows/build.yml': CI('acme/shop-proxy'),
      'k8s/proxy.yaml': OWN_IMAGE(
        'acme/shop-proxy:1',
        '          envFrom:\n            - secretRef:\n                name: proxy\n' +
          '          env:\n            - name: HTTPS_PORT\n              value: "443"\n',
      ),
    },
    ports: '443',
    upstream: OPAQUE,
  },
  {
    name: 'trap: nothing in the tree builds the image the pod names: no tie on a guess, values stay opaque',
    files: {
      'proxy/Dockerfile': PROXY_DOCKERFILE,
      'proxy/default.conf.template': SITE,
      '.github/workflows/build.yml': CI('acme/shop-web'),
      'k8s/proxy.yaml': OWN_IMAGE('acme/shop-proxy:1', ENV),
    },
    ports: '?',
    upstream: OPAQUE,
  },
  {
    name: "trap: the pod's `command` replaces the image's entrypoint: the templates folder is not rendered",
    files: {
      'proxy/Dockerfile': PROXY_DOCKERFILE,
      'proxy/default.conf.template': SITE,
      '.github/workflows/build.yml': CI('acme/shop-proxy'),
      'k8s/proxy.yaml': OWN_IMAGE('acme/shop-proxy:1', `          command: ["nginx", "-g", "daemon off;"]\n${ENV}`),
    },
    ports: '?',
    upstream: OPAQUE,
  },
  {
    name: 'trap: two Deployments mount the same ConfigMap with two upstream hosts: which one is unknown',
    files: {
      'k8s/cm.yaml': CONFIG_MAP(),
      'k8s/blue.yaml': DEPLOYMENT('nginx:1.27', ENV + MOUNT()),
      'k8s/green.yaml': DEPLOYMENT('nginx:1.27', ENV.replace('value: api', 'value: api-green') + MOUNT()),
    },
    ports: '443',
    upstream: OPAQUE,
  },
];

for (const c of CASES) {
  test(`kube envsubst vars: ${c.name}`, async () => {
    const { hit } = await checkTemplateValueCase(c, /the one value the environment of the container/);
    // The note names the placeholder as written: `$APP_PORT` bare, `${APP_PORT}` braced.
    if (hit) assert.match(hit.note ?? '', c.name.includes('bare') ? /^\$APP_PORT in / : /^\$\{[A-Z_]+\} in /);
  });
}
