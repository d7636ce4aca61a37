/**
 * A Helm chart's own file put into a ConfigMap key (`{{ .Files.Get "files/x" | indent 4 }}`) and rendered by the
 * pod with envsubst (collectors/template/helm-render.ts, read by collectors/template/envsubst.ts `readKube`): the
 * chart file is the template the container renders, with the environment the chart's templates give it — the
 * ConfigMap's `{{ .Values.x }}` taking the chart's `values.yaml` default, as `helm template` renders them. A value
 * that is another template expression (`include`, `.Release`) or that values.yaml lacks stays opaque.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkTemplateValueCase, type TemplateValueCase } from './template-value-case.js';

const SITE =
  'server {\n  listen ${HTTPS_PORT} ssl;\n  server_name example.org;\n  ssl_certificate /etc/ssl/x.pem;\n' +
  '  ssl_certificate_key /etc/ssl/x.key;\n  location / {\n    proxy_pass http://${APP_HOST}:${APP_PORT};\n' +
  '    proxy_set_header Host $host;\n  }\n}\n';
const CHART = 'apiVersion: v2\nname: shop\nversion: 0.1.0\n';
const VALUES = 'proxy:\n  name: shop-proxy\n  image: nginx\n  tag: "1.27"\napi:\n  name: shop-api\n  port: 8000\n';
/** The ConfigMap template: env values on lines 6-8, the chart file as `key` from line 9. */
const CONFIG_MAP = (host: string, get: string): string =>
  'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "{{ .Values.proxy.name }}-cm"\ndata:\n' +
  `  HTTPS_PORT: "443"\n  APP_HOST: ${host}\n  APP_PORT: "{{ .Values.api.port }}"\n${get}`;
const GET_INDENT = '  site.conf.template: |-\n{{ .Files.Get "files/site.conf.template" | indent 4 }}\n';
const GET_NINDENT = '  default.conf.template: {{- .Files.Get "files/site.conf.template" | nindent 4 }}\n';
/** The Deployment template: `container` lines after the image, the ConfigMap mounted in /etc/nginx/templates. */
const DEPLOYMENT = (container: string): string =>
  'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include "shop.fullname" . }}\nspec:\n  template:\n' +
  '    spec:\n      containers:\n        - name: nginx\n' +
  '          image: "{{ .Values.proxy.image }}:{{ .Values.proxy.tag }}"\n' +
  '          envFrom:\n            - configMapRef:\n                name: "{{ .Values.proxy.name }}-cm"\n' +
  container +
  '          volumeMounts:\n            - name: templates\n              mountPath: /etc/nginx/templates\n' +
  '      volumes:\n        - name: templates\n          configMap:\n            name: "{{ .Values.proxy.name }}-cm"\n';
const SH_ENVSUBST =
  '          command: ["/bin/sh", "-c"]\n          args:\n            - >\n' +
  "              envsubst '$$HTTPS_PORT $$APP_HOST $$APP_PORT'\n" +
  '              < /etc/nginx/templates/site.conf.template\n' +
  "              > /etc/nginx/conf.d/default.conf && nginx -g 'daemon off;'\n";
const chart = (configMap: string, deployment: string, values = VALUES): Record<string, string> => ({
  'chart/Chart.yaml': CHART,
  'chart/values.yaml': values,
  'chart/files/site.conf.template': SITE,
  'chart/templates/configmap.yaml': configMap,
  'chart/templates/deployment.yaml': deployment,
});
const OPAQUE = /a template value|__tpl_APP_|\$\{APP_HOST\}/;

const CASES: TemplateValueCase[] = [
  {
    name: "the pod's `sh -c envsubst` renders the chart file; the ConfigMap's .Values take values.yaml's defaults",
    files: chart(CONFIG_MAP('"{{ .Values.api.name }}-svc"', GET_INDENT), DEPLOYMENT(SH_ENVSUBST)),
    ports: '443',
    upstream: /shop-api-svc:8000$/,
    from: 'chart/templates/configmap.yaml:7',
  },
  {
    name: "the stock image's entrypoint renders the chart file a key holds through `nindent` (no command)",
    files: chart(CONFIG_MAP('"{{ .Values.api.name }}"', GET_NINDENT), DEPLOYMENT('')),
    ports: '443',
    upstream: /shop-api:8000$/,
    from: 'chart/templates/configmap.yaml:8',
  },
  {
    name: 'the chart file writes the listed names bare (`$APP_HOST`): substituted, and the finding says from where',
    files: {
      ...chart(CONFIG_MAP('"{{ .Values.api.name }}-svc"', GET_INDENT), DEPLOYMENT(SH_ENVSUBST)),
      'chart/files/site.conf.template': SITE.replace(/\$\{([A-Z_]+)\}/g, '$$$1'),
    },
    ports: '443',
    upstream: /shop-api-svc:8000$/,
    from: 'chart/templates/configmap.yaml:7',
  },
  {
    name: 'trap: the host is an `include` of a named template: not rendered here, the upstream stays opaque',
    files: chart(CONFIG_MAP('"{{ include "shop.fullname" . }}-api"', GET_INDENT), DEPLOYMENT(SH_ENVSUBST)),
    ports: '443',
    upstream: OPAQUE,
  },
  {
    name: 'trap: values.yaml has no api.name: the ConfigMap value is unknown, never the placeholder as a host',
    files: chart(
      CONFIG_MAP('"{{ .Values.api.name }}-svc"', GET_INDENT),
      DEPLOYMENT(SH_ENVSUBST),
      VALUES.replace('  name: shop-api\n', ''),
    ),
    ports: '443',
    upstream: OPAQUE,
  },
  {
    name: 'trap: `.Files.Get` of a file the chart does not hold: nothing is rendered from it',
    files: chart(
      CONFIG_MAP('"{{ .Values.api.name }}-svc"', GET_INDENT.replace('files/site', 'files/other')),
      DEPLOYMENT(SH_ENVSUBST),
    ),
    ports: '?',
    upstream: OPAQUE,
  },
];

for (const c of CASES)
  test(`helm .Files.Get template: ${c.name}`, async () => {
    const { froms } = await checkTemplateValueCase(c, /the one value the environment of the container/);
    // A trap fills no host: neither the placeholder's own name nor an unrendered expression stands for one.
    if (c.name.startsWith('trap:'))
      assert.deepEqual(
        froms.filter((e) => /^\$\{APP_HOST\}/.test(e.note ?? '')),
        [],
      );
  });
