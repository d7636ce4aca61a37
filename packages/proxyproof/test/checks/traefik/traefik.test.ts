/** Case tables of the Traefik checks (static config in TOML, a ConfigMap, compose flags, env). */
import { describe, test } from 'node:test';
import { traefikApiInsecure } from '../../../src/checks/traefik/api-insecure.js';
import { traefikCustomHeaderHardcodesScheme } from '../../../src/checks/traefik/custom-header-hardcodes-scheme.js';
import { traefikEntrypointUntrustedBehindProxy } from '../../../src/checks/traefik/entrypoint-untrusted-behind-proxy.js';
import { traefikForwardedHeadersInsecure } from '../../../src/checks/traefik/forwarded-headers-insecure.js';
import { traefikForwardedHeadersUnknownEntrypoint } from '../../../src/checks/traefik/forwarded-headers-unknown-entrypoint.js';
import type { Check } from '../../../src/model/check.js';
import { traefikV1Static } from '../../proxy/traefik-v1-files.js';
import { type Case, runCase } from '../../python/lint-files.js';

const toml = (fh: string) => `[entryPoints]
  [entryPoints.websecure]
    address = ":8443"
    [entryPoints.${fh}.forwardedHeaders]
      trustedIPs = ["10.243.4.16/28"]
    [entryPoints.websecure.http.tls]
      options = "default"
[http.middlewares]
  [http.middlewares.appgw.ipWhiteList]
    sourceRange = ["10.243.4.16/28"]
`;
const configMap = (fh: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: traefik\ndata:\n  traefik.toml: |\n${toml(fh)
    .split('\n')
    .map((l) => (l ? `    ${l}` : l))
    .join('\n')}`;
const compose = (flags: string[]) =>
  `services:\n  traefik:\n    image: "traefik:v3.7"\n    command:\n${flags.map((f) => `      - "${f}"`).join('\n')}\n    ports:\n      - "443:443"\n`;

const labelled = (flags: string[], ep: string, proto: string, tls = false) =>
  `services:\n  traefik:\n    image: "traefik:v3.7"\n    command:\n${flags.map((f) => `      - "${f}"`).join('\n')}\n  app:\n    image: python:3.12\n    command: gunicorn --bind 0.0.0.0:8000 site.wsgi\n    labels:\n      - "traefik.http.routers.app.rule=Host(\`a.example.org\`)"\n      - "traefik.http.routers.app.entrypoints=${ep}"\n      - "traefik.http.routers.app.middlewares=proto"\n      - "traefik.http.middlewares.proto.headers.customrequestheaders.X-Forwarded-Proto=${proto}"\n      - "traefik.http.services.app.loadbalancer.server.port=8000"\n${tls ? '      - "traefik.http.routers.app.tls=true"\n' : ''}`;

const helmChartConfig = (web: string, websecure: string) =>
  `apiVersion: helm.cattle.io/v1\nkind: HelmChartConfig\nmetadata:\n  name: traefik\n  namespace: kube-system\nspec:\n  valuesContent: |\n    service:\n      type: NodePort\n    ports:\n      web:\n        nodePort: 30080\n${web}      websecure:\n${websecure}`;

const tables: Array<[Check, Case[]]> = [
  [
    traefikForwardedHeadersUnknownEntrypoint,
    [
      {
        name: 'invalid: [entryPoints.web.forwardedHeaders] next to websecure only',
        files: { 'traefik.toml': toml('web') },
        expect: { count: 1, severity: 'high', line: 4 },
      },
      {
        name: 'invalid: the same inside a ConfigMap (lines of the embedded TOML)',
        files: { 'traefik.yaml': configMap('web') },
        expect: { count: 1, line: 10 },
      },
      { name: 'valid: under websecure', files: { 'traefik.toml': toml('websecure') }, expect: { count: 0 } },
      {
        name: 'valid (trap): CLI flags defining web with an address',
        files: {
          'compose.yml': compose(['--entrypoints.web.address=:80', '--entrypoints.web.forwardedHeaders.trustedIPs=10.0.0.0/8']),
        },
        expect: { count: 0 },
      },
    ],
  ],
  [
    traefikEntrypointUntrustedBehindProxy,
    [
      {
        name: 'invalid: websecure behind an App Gateway subnet, trust under the wrong name',
        files: { 'traefik.toml': toml('web') },
        expect: { count: 1, line: 3 },
      },
      { name: 'valid: trusted on websecure', files: { 'traefik.toml': toml('websecure') }, expect: { count: 0 } },
      {
        name: 'invalid: a Procfile whose web process is Traefik: the Heroku router ends TLS in front of its entrypoint',
        files: {
          Procfile: 'web: traefik --configfile=traefik.toml\n',
          'traefik.toml': '[entryPoints]\n  [entryPoints.web]\n    address = ":8080"\n',
        },
        expect: { count: 1, line: 3 },
      },
      {
        name: 'valid (trap): a Procfile for Heroku running gunicorn beside a compose Traefik of another deployment',
        files: {
          Procfile: 'web: gunicorn site.wsgi\n',
          'traefik.toml': '[entryPoints]\n  [entryPoints.web]\n    address = ":8080"\n',
        },
        expect: { count: 0 },
      },
      {
        name: 'invalid (medium): k3s HelmChartConfig publishes only the plain web entrypoint (websecure expose: false), no forwardedHeaders',
        files: { 'traefik-config.yaml': helmChartConfig('', '        expose: false\n') },
        expect: { count: 1, severity: 'medium', line: 11, fixLine: 'forwardedHeaders: { trustedIPs: ["<the proxy subnet>"] }' },
      },
      {
        name: 'invalid (medium): chart v25+ expose: {default: false} on websecure, values of a chart depending on traefik',
        files: {
          'values.yaml':
            'traefik:\n  ports:\n    web:\n      exposedPort: 80\n    websecure:\n      expose:\n        default: false\n',
        },
        expect: { count: 1, severity: 'medium', line: 3 },
      },
      {
        name: 'valid: the same HelmChartConfig with forwardedHeaders.trustedIPs on web (the fix)',
        files: {
          'traefik-config.yaml': helmChartConfig(
            '        forwardedHeaders:\n          trustedIPs:\n            - 10.0.0.0/16\n',
            '        expose: false\n',
          ),
        },
        expect: { count: 0 },
      },
      {
        name: 'valid (trap): chart defaults, websecure exposed with TLS: Traefik is the edge',
        files: { 'traefik-config.yaml': helmChartConfig('', '        tls:\n          enabled: true\n') },
        expect: { count: 0 },
      },
      {
        name: 'valid (trap): Traefik at the edge (published 443, ACME), no proxy evidence',
        files: {
          'compose.yml': compose(['--entryPoints.websecure.address=:443', '--certificatesresolvers.r.acme.tlschallenge=true']),
        },
        expect: { count: 0 },
      },
    ],
  ],
  [
    traefikForwardedHeadersInsecure,
    [
      {
        name: 'invalid: Traefik 1.x TLS entrypoint without forwardedHeaders (1.x default: insecure); the redirecting http one is left out',
        files: { 'traefik.toml': traefikV1Static('') },
        expect: {
          count: 1,
          severity: 'high',
          line: 9,
          message: /Traefik 1\.x entrypoint https has no forwardedHeaders/,
          mechanical: false,
        },
      },
      {
        name: 'invalid: Traefik 1.x trustedIPs (also matched against a client-sent X-Forwarded-For)',
        files: {
          'traefik.toml': traefikV1Static('    [entryPoints.https.forwardedHeaders]\n      trustedIPs = ["10.0.0.0/8"]\n'),
        },
        expect: { count: 1, severity: 'medium', line: 10, message: /X-Forwarded-For naming a listed address/ },
      },
      {
        name: 'invalid: Traefik 1.x CLI form (--entryPoints=Name:https Address::443 TLS) on a traefik:1.7 image',
        files: {
          'compose.yml':
            'services:\n  traefik:\n    image: traefik:1.7\n    command:\n      - "--entryPoints=Name:https Address::443 TLS"\n      - "--defaultEntryPoints=https"\n    ports:\n      - "443:443"\n',
        },
        expect: { count: 1, severity: 'high', line: 5 },
      },
      {
        name: 'valid (trap): a 2.x TOML entrypoint without forwardedHeaders (2.x trusts no peer by default)',
        files: {
          'traefik.toml':
            '[entryPoints]\n  [entryPoints.websecure]\n    address = ":443"\n    [entryPoints.websecure.http.tls]\n',
        },
        expect: { count: 0 },
      },
      {
        name: 'invalid: insecure flag on a published entrypoint',
        files: { 'compose.yml': compose(['--entrypoints.web.address=:80', '--entrypoints.web.forwardedheaders.insecure']) },
        expect: {
          count: 1,
          severity: 'high',
          line: 6,
          fixLine: '- "--entrypoints.web.forwardedheaders.trustedIPs=<the proxy subnet>"',
          fixAt: { line: 6, placement: 'replace' },
        },
      },
      {
        name: 'invalid: insecure under a [entryPoints.X.forwardedHeaders] table: the insecure line is rewritten, not the table line',
        files: {
          'traefik.toml':
            '[entryPoints]\n  [entryPoints.websecure]\n    address = ":443"\n    [entryPoints.websecure.forwardedHeaders]\n      insecure="true"\n',
        },
        expect: {
          count: 1,
          severity: 'high',
          line: 5,
          fixLine: 'trustedIPs = ["<the proxy subnet>"]',
          fixAt: { line: 5, placement: 'replace' },
        },
      },
      {
        name: 'invalid: YAML static config, a dotted TOML key and a flow mapping keep their own syntax',
        files: {
          'traefik.yml': 'entryPoints:\n  websecure:\n    address: ":443"\n    forwardedHeaders:\n      insecure: true\n',
        },
        expect: { count: 1, line: 5, fixLine: 'trustedIPs: ["<the proxy subnet>"]', fixAt: { line: 5, placement: 'replace' } },
      },
      {
        name: 'invalid: insecure from the environment',
        files: {
          'compose.yml':
            'services:\n  t:\n    image: traefik:v2.11\n    environment:\n      TRAEFIK_ENTRYPOINTS_WEB_ADDRESS: ":80"\n      TRAEFIK_ENTRYPOINTS_WEB_FORWARDEDHEADERS_INSECURE: "true"\n',
        },
        expect: { count: 1, fixLine: 'TRAEFIK_ENTRYPOINTS_WEB_FORWARDEDHEADERS_TRUSTEDIPS: "<the proxy subnet>"' },
      },
      { name: 'valid: trustedIPs', files: { 'traefik.toml': toml('websecure') }, expect: { count: 0 } },
      {
        name: 'valid (trap): insecure=false',
        files: { 'compose.yml': compose(['--entrypoints.web.address=:80', '--entrypoints.web.forwardedheaders.insecure=false']) },
        expect: { count: 0 },
      },
    ],
  ],
  [
    traefikApiInsecure,
    [
      {
        name: 'invalid (low): --api.insecure=true',
        files: { 'compose.yml': compose(['--api.insecure=true', '--entryPoints.websecure.address=:443']) },
        expect: { count: 1, severity: 'low', line: 5 },
      },
      {
        name: 'valid: dashboard without insecure',
        files: { 'compose.yml': compose(['--api.dashboard=true', '--entryPoints.websecure.address=:443']) },
        expect: { count: 0 },
      },
      {
        name: 'valid (trap): a non-traefik image with the same flag is not Traefik',
        files: {
          'compose.yml':
            'services:\n  x:\n    image: "other:1"\n    command:\n      - "--api.insecure=true"\n  traefik:\n    image: traefik:v3\n    command: ["--entrypoints.web.address=:80"]\n',
        },
        expect: { count: 0 },
      },
    ],
  ],
  [
    traefikCustomHeaderHardcodesScheme,
    [
      {
        name: 'invalid: X-Forwarded-Proto=https on a router of the plain web entrypoint',
        files: { 'compose.yml': labelled(['--entrypoints.web.address=:80'], 'web', 'https') },
        expect: { count: 1, severity: 'medium', line: 13 },
      },
      {
        name: 'invalid: one middleware line on a router of two plain entrypoints is one finding naming both (audit-13 tree tr3)',
        files: {
          'compose.yml': labelled(['--entrypoints.web.address=:80', '--entrypoints.alt.address=:8080'], 'web,alt', 'https'),
        },
        expect: { count: 1, line: 14, message: /entrypoint web :80 .* and traefik entrypoint alt :8080/ },
      },
      {
        name: 'invalid: X-Forwarded-Proto=http on a TLS router',
        files: { 'compose.yml': labelled(['--entrypoints.websecure.address=:443'], 'websecure', 'http', true) },
        expect: { count: 1, line: 13 },
      },
      {
        name: 'valid: https on a TLS router (the literal is right for every request)',
        files: { 'compose.yml': labelled(['--entrypoints.websecure.address=:443'], 'websecure', 'https', true) },
        expect: { count: 0 },
      },
      {
        name: 'valid (trap): an empty value removes the header',
        files: { 'compose.yml': labelled(['--entrypoints.web.address=:80'], 'web', '') },
        expect: { count: 0 },
      },
      {
        name: 'valid (trap): web redirects every request to websecure before any router',
        files: {
          'compose.yml': labelled(
            ['--entrypoints.web.address=:80', '--entrypoints.web.http.redirections.entrypoint.to=websecure'],
            'web',
            'https',
          ),
        },
        expect: { count: 0 },
      },
      {
        name: 'valid (trap): a middleware no router uses',
        files: {
          'compose.yml': labelled(['--entrypoints.web.address=:80'], 'web', 'https').replace(
            /.*routers\.app\.middlewares.*\n/,
            '',
          ),
        },
        expect: { count: 0 },
      },
    ],
  ],
];

for (const [check, cases] of tables)
  describe(check.meta.id, () => {
    for (const c of cases) test(c.name, async () => void (await runCase(check, c)));
  });
