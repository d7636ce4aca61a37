/**
 * Fuzz: the proxy readers (Caddyfile, haproxy.cfg, Apache, Traefik flags/TOML, Kubernetes YAML) never throw
 * and stay bounded on mutated real-looking configs and random bytes; bad input becomes errors with lines.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goReplaceAll, readRe2 } from '../../src/chain/re2.js';
import { readApache } from '../../src/collectors/apache/collector.js';
import { readCaddyfile } from '../../src/collectors/caddy/collector.js';
import { readCaddyJson } from '../../src/collectors/caddy/json.js';
import { tunnelCommandFront, tunnelConfigFronts } from '../../src/collectors/front/cloudflared.js';
import { templatefileBindings } from '../../src/collectors/front/terraform.js';
import { readHaproxy } from '../../src/collectors/haproxy/collector.js';
import { yamlDocs } from '../../src/collectors/proxy/yaml.js';
import { detemplate } from '../../src/collectors/template/index.js';
import { flatFromFlags, traefikFromFlat } from '../../src/collectors/traefik/collector.js';
import { isTraefikV1, v1FromFlags, v1Rule, v1ToV2 } from '../../src/collectors/traefik/v1.js';
import { lintFiles } from '../python/lint-files.js';
import { seededRandom } from '../seeded-random.js';

const SEEDS = {
  caddy:
    '{\n\tservers {\n\t\ttrusted_proxies static 10.0.0.0/8\n\t}\n}\n(snip) {\n\theader_up X-Real-IP {remote_host}\n}\nexample.com, :8080 {\n\thandle /api/* {\n\t\treverse_proxy app:8000 {\n\t\t\timport snip\n\t\t}\n\t}\n\tphp_fastcgi unix//run/php.sock\n}\n',
  haproxy:
    'defaults\n  mode http\nfrontend fe\n  bind :80\n  bind :443 ssl crt /x.pem\n  acl tls ssl_fc\n  http-request set-header X-Forwarded-Proto https if tls\n  reqadd X-Forwarded-Proto:\\ http\n  use_backend b if { path_beg /x }\n  default_backend b\nbackend b\n  server s 127.0.0.1:8000 ssl\n',
  apache:
    '<IfModule mod_ssl.c>\n<VirtualHost *:443>\n  SSLEngine on\n  <Location /app>\n    ProxyPass balancer://c/\n  </Location>\n  RequestHeader set X-Forwarded-Proto expr=%{REQUEST_SCHEME}s\n  RemoteIPHeader X-Forwarded-For\n</VirtualHost>\n<Proxy balancer://c>\n  BalancerMember http://10.0.0.1:80\n</Proxy>\n</IfModule>\n',
  yaml: 'kind: Service\nmetadata:\n  name: ingress-nginx\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-type: nlb\nspec:\n  type: LoadBalancer\n  ports:\n    - port: 443\n      targetPort: http\n',
};
const ALPHABET = [
  '{',
  '}',
  '\n',
  ' ',
  '"',
  '\\',
  '<',
  '>',
  '/',
  '#',
  ':',
  '*',
  '`',
  "'",
  'x',
  '%{',
  '</VirtualHost>',
  '<VirtualHost *:*>',
  'import snip',
  '\t',
];

function mutate(src: string, rnd: () => number): string {
  let s = src;
  const n = 1 + Math.floor(rnd() * 8);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(rnd() * (s.length + 1));
    const op = rnd();
    if (op < 0.4) s = s.slice(0, at) + (ALPHABET[Math.floor(rnd() * ALPHABET.length)] as string) + s.slice(at);
    else if (op < 0.7) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 10));
    else s = s.slice(0, at) + s.slice(Math.floor(rnd() * s.length));
  }
  return s.slice(0, 20_000);
}

test('proxy readers survive 400 mutated inputs each without throwing', () => {
  const rnd = seededRandom(1313);
  for (let i = 0; i < 400; i++) {
    const c = readCaddyfile('Caddyfile', mutate(SEEDS.caddy, rnd));
    assert.ok(Array.isArray(c.config.sites));
    for (const e of c.errors) assert.ok(Number.isInteger(e.line) && e.message.length > 0);
    assert.ok(Array.isArray(readHaproxy('haproxy.cfg', mutate(SEEDS.haproxy, rnd)).sites));
    const a = readApache('site.conf', mutate(SEEDS.apache, rnd));
    for (const e of a.errors) assert.ok(Number.isInteger(e.line) && e.message.length > 0);
    yamlDocs(mutate(SEEDS.yaml, rnd));
    traefikFromFlat(
      'f',
      flatFromFlags(
        mutate('--entrypoints.web.address=:80 --entrypoints.web.forwardedheaders.insecure', rnd)
          .split(' ')
          .map((text) => ({ text, line: 1 })),
      ),
    );
  }
});

// r17edge (audit 1314 item 8): the Traefik 1.x translation and the cloudflared readers, alone on mutated inputs.
const CLOUDFLARED_SEED =
  'tunnel: 6ff42ae2\ncredentials-file: /etc/cloudflared/c.json\ningress:\n  - hostname: a.test\n    service: http://localhost:8000\n  - hostname: ssh.a.test\n    service: ssh://localhost:22\n  - service: http_status:404\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cf\ndata:\n  config.yaml: |\n    ingress:\n      - service: https://web:8443\n---\napiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - image: cloudflare/cloudflared:2024.1.0\n          args: [tunnel, --no-autoupdate, run, --url, "http://web:80"]\n';
const TRAEFIK_V1_FLAGS =
  "--entryPoints='Name:http Address::80 Redirect.EntryPoint:https' --entryPoints='Name:https Address::443 TLS ForwardedHeaders.TrustedIPs:10.0.0.0/8,172.16.0.0/12' --defaultentrypoints=http,https --docker.exposedbydefault=false";

test('Traefik 1.x and cloudflared readers survive 400 mutated inputs each (results, never a throw)', () => {
  const rnd = seededRandom(1317);
  for (let i = 0; i < 400; i++) {
    for (const f of tunnelConfigFronts('config.yml', mutate(CLOUDFLARED_SEED, rnd))) {
      assert.equal(f.name, 'cloudflare');
      for (const r of f.evidence) assert.ok(Number.isInteger(r.line) && r.line >= 0, JSON.stringify(r));
    }
    const words = mutate('cloudflared tunnel --no-autoupdate run --url http://127.0.0.1:8080', rnd).split(' ');
    const t = tunnelCommandFront(words, { file: 'run.sh', line: 1 });
    if (t) assert.equal(t.name, 'cloudflare');
    const flat = v1FromFlags(
      mutate(TRAEFIK_V1_FLAGS, rnd)
        .split(' ')
        .map((text) => ({ text, line: 1 })),
    );
    if (isTraefikV1(flat)) assert.ok(Array.isArray(v1ToV2(flat).defaults));
    assert.equal(typeof v1Rule(mutate('Host:a.org,b.org;PathPrefixStrip:/x', rnd)), 'string');
  }
});

test('deep nesting and huge snippet recursion are bounded', () => {
  const deep = `${'a {\n'.repeat(5000)}${'}\n'.repeat(5000)}`;
  const c = readCaddyfile('Caddyfile', deep);
  assert.ok(c.errors.some((e) => /nested deeper/.test(e.message)));
  const loop = '(a) {\n\timport a\n}\nx.test {\n\timport a\n}\n';
  assert.ok(Array.isArray(readCaddyfile('Caddyfile', loop).config.sites));
  const ap = readApache('a.conf', '<If x>\n'.repeat(3000));
  assert.ok(ap.errors.length > 0);
});

const KUBE_SEED =
  'apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\nmetadata:\n  name: a\nspec:\n  entryPoints: [websecure]\n  routes:\n    - match: Host(`a.b`)\n      services:\n        - name: a\n          port: 3000\n  tls: {}\n---\napiVersion: helm.cattle.io/v1\nkind: HelmChartConfig\nmetadata:\n  name: traefik\nspec:\n  valuesContent: |\n    additionalArguments:\n      - --entryPoints.web.forwardedHeaders.trustedIPs=10.0.0.0/8\n    service:\n      annotations:\n        service.beta.kubernetes.io/aws-load-balancer-ssl-cert: arn\n    ports:\n      web:\n        nodePort: 30080\n      websecure:\n        expose: false\n        targetPort: web\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: envoy\n  namespace: projectcontour\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-ssl-cert: arn\nspec:\n  type: LoadBalancer\n  ports:\n    - port: 443\n      targetPort: 8080\n---\napiVersion: projectcontour.io/v1\nkind: HTTPProxy\nmetadata:\n  name: p\nspec:\n  virtualhost:\n    fqdn: a.b\n  routes:\n    - services:\n        - name: a\n          port: 80\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: w\n  annotations:\n    kubernetes.io/ingress.class: gce\nspec:\n  tls: [{}]\n---\napp:\n  trusted_proxy_ip: ${LB}\ningress:\n  enabled: true\n  className: gce\n';
const TF_SEED =
  'locals {\n  v = templatefile(\n    "${path.module}/values.yaml",\n    {\n      LB : google_compute_global_address.a.address\n    }\n  )\n}\n';
const TPL_SEED =
  'controller:\n  %{~ if a ~}\n  x: ${b}\n  %{~ else ~}\n  %{ for k, v in m }\n  ${k}: "${v}"\n  %{ endfor }\n  %{~ endif ~}\n';

test('kube/Traefik CRD/Helm readers, templatefile() and Terraform templates survive mutated inputs (clear results, no throw)', async () => {
  const rnd = seededRandom(1314);
  for (let i = 0; i < 300; i++) {
    for (const b of templatefileBindings(mutate(TF_SEED, rnd), 'main.tf')) assert.equal(typeof b.template, 'string');
    const tpl = mutate(TPL_SEED, rnd);
    const d = detemplate(tpl, { name: 'values.yaml.tpl' });
    // Lines are always preserved, whatever the directives look like.
    if (d) assert.equal(d.text.split('\n').length, tpl.split('\n').length);
  }
  for (let i = 0; i < 40; i++) {
    try {
      await lintFiles({ 'k.yaml': mutate(KUBE_SEED, rnd), 'main.tf': mutate(TF_SEED, rnd), 'app.py': 'import flask\n' });
    } catch (e) {
      // Only the engine's "nothing to analyse" input error is allowed, never a crash.
      assert.equal((e as Error).name, 'InputError', (e as Error).stack);
    }
  }
});

const CADDY_JSON_SEED =
  '{"apps": {"http": {"http_port": 80, "servers": {"srv0": {"listen": [":443", "tcp/127.0.0.1:8080-8090"], "trusted_proxies": {"source": "static", "ranges": ["10.0.0.0/8"]},\n"listener_wrappers": [{"wrapper": "proxy_protocol"}], "automatic_https": {"skip": ["a.test"], "disable": false},\n"routes": [{"match": [{"host": ["a.test"], "path": ["/api/*"]}], "handle": [{"handler": "headers", "request": {"set": {"X-Forwarded-Proto": ["https"]}}},\n{"handler": "subroute", "routes": [{"handle": [{"handler": "reverse_proxy", "trusted_proxies": ["private_ranges"], "headers": {"request": {"add": {"X-A": ["{http.request.header.X-B}"]}, "delete": ["X-C"], "replace": {"X-D": [{"search": "a", "replace": "b"}]}}},\n"transport": {"protocol": "fastcgi", "tls": {}}, "upstreams": [{"dial": "unix//run/php.sock"}, {"dial": "app:8000"}]}]}]}]}]}}}}}\n';

test('Caddy JSON reader survives 400 mutated configs (warnings with lines, never a throw) and deep nesting', () => {
  const rnd = seededRandom(1315);
  for (let i = 0; i < 400; i++) {
    const r = readCaddyJson('caddy.json', mutate(CADDY_JSON_SEED, rnd));
    for (const e of r.errors) assert.ok(Number.isInteger(e.line) && e.line >= 1 && e.message.length > 0);
    if (r.config) assert.ok(Array.isArray(r.config.sites));
  }
  const deep = `{"apps": {"http": {"servers": {"s": {"listen": [":80"], "routes": ${'[{"handle": [{"handler": "subroute", "routes": '.repeat(2000)}[]${'}]}]'.repeat(2000)}}}}}}`;
  const r = readCaddyJson('caddy.json', deep);
  assert.ok(r.config ? Array.isArray(r.config.sites) : r.errors.length > 0);
});

// r13i13b, the parser fuzz audit (issue 13: "every parser passes the fuzz test, clear errors only"): the front-door
// readers the tests above did not reach, each through the whole analysis (collect, chain, checks) on mutated trees.
// Clear errors only: no throw but the engine's InputError, and every diagnostic names its file with a message and, when
// it has one, a line of that file.
const FRONT_DOOR_TREES: Record<string, Record<string, string>> = {
  'Traefik static YAML/TOML, dynamic file, compose labels and flags': {
    'docker-compose.yml':
      'services:\n  traefik:\n    image: traefik:v3.1\n    command:\n      - --entrypoints.websecure.address=:443\n      - --entrypoints.websecure.forwardedHeaders.trustedIPs=10.0.0.0/8\n      - --providers.docker=true\n      - --providers.file.filename=/etc/traefik/dynamic.toml\n    ports: ["443:443"]\n    volumes:\n      - ./dynamic.toml:/etc/traefik/dynamic.toml:ro\n  web:\n    image: app\n    command: gunicorn -b 0.0.0.0:8000 app:app\n    labels:\n      - traefik.http.routers.web.rule=Host(`a.test`)\n      - traefik.http.routers.web.entrypoints=websecure\n      - traefik.http.routers.web.tls=true\n      - traefik.http.routers.web.middlewares=h@file\n      - traefik.http.services.web.loadbalancer.server.port=8000\n',
    'traefik.yml':
      'entryPoints:\n  web:\n    address: ":80"\n    forwardedHeaders:\n      insecure: true\n    http:\n      redirections:\n        entryPoint:\n          to: websecure\n          scheme: https\n  websecure:\n    address: ":443"\n',
    'dynamic.toml':
      '[http.middlewares.h.headers.customRequestHeaders]\n  X-Forwarded-Proto = "https"\n[http.routers.r]\n  rule = "Host(`b.test`)"\n  service = "s"\n[[http.services.s.loadBalancer.servers]]\n  url = "http://web:8000"\n',
  },
  'ingress-nginx ConfigMap, Helm values and Ingress snippets': {
    'cm.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ingress-nginx-controller\n  namespace: ingress-nginx\ndata:\n  use-forwarded-headers: "true"\n  compute-full-forwarded-for: "true"\n  proxy-real-ip-cidr: 10.0.0.0/8\n',
    'ing.yaml':
      'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: w\n  annotations:\n    nginx.ingress.kubernetes.io/backend-protocol: HTTP\n    nginx.ingress.kubernetes.io/configuration-snippet: |\n      more_set_input_headers "X-Forwarded-Proto: https";\n      if ($http_x_forwarded_proto = "http") { return 301 https://$host$request_uri; }\nspec:\n  ingressClassName: nginx\n  tls: [{hosts: [a.test], secretName: t}]\n  rules:\n    - host: a.test\n      http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend:\n              service:\n                name: web\n                port:\n                  number: 80\n',
    'values.yaml':
      'controller:\n  config:\n    use-forwarded-headers: "false"\n  service:\n    annotations:\n      service.beta.kubernetes.io/aws-load-balancer-ssl-cert: arn\n      service.beta.kubernetes.io/aws-load-balancer-backend-protocol: http\n    targetPorts:\n      https: http\n',
  },
  'nginx-proxy with docker-gen, its template and vhost.d': {
    'docker-compose.yml':
      'services:\n  nginx:\n    image: nginx:alpine\n    container_name: front\n    ports: ["80:80", "443:443"]\n  gen:\n    image: nginxproxy/docker-gen\n    command: -notify-sighup front -watch /etc/docker-gen/templates/nginx.tmpl /etc/nginx/conf.d/default.conf\n    environment:\n      - TRUST_DOWNSTREAM_PROXY=false\n    volumes:\n      - ./nginx.tmpl:/etc/docker-gen/templates/nginx.tmpl:ro\n  web:\n    image: app\n    expose: ["8000"]\n    environment:\n      - VIRTUAL_HOST=a.test\n      - VIRTUAL_PORT=8000\n',
    'nginx.tmpl':
      '{{ $trust := parseBool (coalesce $.Env.TRUST_DOWNSTREAM_PROXY "true") }}\nmap $http_x_forwarded_proto $proxy_x_forwarded_proto {\n  {{ if $trust }}default $http_x_forwarded_proto;{{ end }}\n  \'\' $scheme;\n}\n{{ range $host, $containers := groupByMulti $ "Env.VIRTUAL_HOST" "," }}\nserver {\n  server_name {{ $host }};\n  location / { proxy_pass http://{{ $host }}; }\n}\n{{ end }}\n',
    'vhost.d/default': 'location /static/ {\n  alias /srv/static/;\n}\n',
  },
  'Traefik 1.x TOML, file-provider frontends and v1 compose labels (r17edge)': {
    'traefik.toml':
      'defaultEntryPoints = ["http", "https"]\n[entryPoints]\n  [entryPoints.http]\n  address = ":80"\n    [entryPoints.http.redirect]\n    entryPoint = "https"\n  [entryPoints.https]\n  address = ":443"\n    [entryPoints.https.tls]\n    [entryPoints.https.forwardedHeaders]\n    trustedIPs = ["10.0.0.0/8"]\n[docker]\nexposedByDefault = false\n[file]\n[frontends.f]\n  backend = "b"\n  [frontends.f.routes.r]\n  rule = "Host:a.test;PathPrefix:/api"\n  [frontends.f.headers.customRequestHeaders]\n  X-Forwarded-Proto = "https"\n[backends.b.servers.s]\n  url = "http://web:8000"\n',
    'docker-compose.yml':
      'services:\n  traefik:\n    image: traefik:1.7\n    command: --api --docker\n    ports: ["80:80", "443:443"]\n    volumes:\n      - ./traefik.toml:/traefik.toml\n  web:\n    image: app\n    command: gunicorn -b 0.0.0.0:8000 --forwarded-allow-ips=* app:app\n    labels:\n      - traefik.enable=true\n      - traefik.frontend.rule=Host:b.test\n      - traefik.port=8000\n      - "traefik.frontend.headers.customRequestHeaders=X-Forwarded-Proto:https||X-A:"\n',
  },
  'cloudflared config, ConfigMap and compose command (r17edge)': {
    'cloudflared/config.yml':
      'tunnel: 6ff42ae2\ncredentials-file: /etc/cloudflared/c.json\ningress:\n  - hostname: a.test\n    service: http://caddy:80\n  - service: http_status:404\n',
    'docker-compose.yml':
      'services:\n  tunnel:\n    image: cloudflare/cloudflared:latest\n    command: tunnel --no-autoupdate run --url http://caddy:80\n  caddy:\n    image: caddy:2.8\n    volumes:\n      - ./Caddyfile:/etc/caddy/Caddyfile\n  web:\n    image: app\n    command: gunicorn -b 0.0.0.0:8000 app:app\n',
    Caddyfile: ':80 {\n\treverse_proxy web:8000\n}\n',
  },
  // Audit 13 r18 gap 4: the readers added in round 18.
  'Elastic Beanstalk .ebextensions/.platform beside a Procfile': {
    '.ebextensions/01-env.config':
      'option_settings:\n  aws:elasticbeanstalk:environment:\n    LoadBalancerType: application\n  aws:elbv2:listener:443:\n    Protocol: HTTPS\n    SSLCertificateArns: arn:aws:acm:x\n  aws:elasticbeanstalk:application:environment:\n    FORWARDED_ALLOW_IPS: "*"\n',
    '.ebextensions/02-nginx.config':
      'files:\n  "/etc/nginx/conf.d/proxy.conf":\n    content: |\n      client_max_body_size 20M;\n      proxy_set_header X-Forwarded-Proto $scheme;\n',
    '.platform/nginx/conf.d/elasticbeanstalk/00_app.conf':
      'location / {\n  proxy_pass http://127.0.0.1:8000;\n  proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;\n}\n',
    Procfile: 'web: gunicorn -b 127.0.0.1:8000 app:app\n',
    'app.py': 'from flask import Flask\napp = Flask(__name__)\n',
  },
  'umbrella chart: Chart.yaml dependencies (alias) and nested ingress-nginx values': {
    'Chart.yaml':
      'apiVersion: v2\nname: edge\nversion: 0.1.0\ndependencies:\n  - name: ingress-nginx\n    alias: lb\n    version: 4.8.3\n    repository: https://kubernetes.github.io/ingress-nginx\n  - name: redis\n    version: ~17\n',
    'requirements.yaml': 'dependencies:\n  - name: ingress-nginx\n    version: 3.0.0\n',
    'values.yaml':
      'lb:\n  controller:\n    image:\n      tag: v1.9.4\n    config:\n      use-forwarded-headers: "true"\n    service:\n      type: LoadBalancer\n      annotations:\n        service.beta.kubernetes.io/aws-load-balancer-ssl-cert: arn\n        service.beta.kubernetes.io/aws-load-balancer-backend-protocol: http\n      targetPorts:\n        https: http\n',
    'templates/app.yaml':
      'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: {{ .Release.Name }}-web\nspec:\n  ingressClassName: nginx\n  rules:\n    - host: a.test\n      http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend:\n              service:\n                name: web\n                port:\n                  number: 8000\n',
  },
  'platform fronts and Kamal': {
    'fly.toml': 'app = "a"\n[http_service]\n  internal_port = 8000\n  force_https = true\n',
    Procfile: 'web: gunicorn app:app\n',
    'app.json': '{"name": "a", "stack": "heroku-22", "env": {"FORWARDED_ALLOW_IPS": {"value": "*"}}}\n',
    'config/deploy.yml':
      'service: a\nimage: u/a\nservers:\n  web:\n    - 10.0.0.1\nproxy:\n  ssl: true\n  host: a.test\n  app_port: 3000\n',
    '.proxyproof.json': '{"front": "cloudflare"}\n',
  },
};

test('front-door readers through the whole analysis: mutated trees give clear errors only (r13i13b audit)', async () => {
  const rnd = seededRandom(1316);
  for (const [name, tree] of Object.entries(FRONT_DOOR_TREES)) {
    for (let i = 0; i < 20; i++) {
      const files = Object.fromEntries(Object.entries(tree).map(([f, src]) => [f, rnd() < 0.7 ? mutate(src, rnd) : src]));
      try {
        const { facts } = await lintFiles(files);
        for (const d of facts.diagnostics) {
          assert.ok(typeof d.file === 'string' && d.file.length > 0 && d.message.length > 0, `${name}: ${JSON.stringify(d)}`);
          if (d.line !== undefined) assert.ok(Number.isInteger(d.line) && d.line >= 0, `${name}: ${JSON.stringify(d)}`);
          assert.doesNotMatch(
            d.message,
            /\n\s+at |TypeError|ReferenceError|undefined is not|Cannot read prop/,
            `${name}: ${d.message}`,
          );
        }
      } catch (e) {
        assert.equal((e as Error).name, 'InputError', `${name}: ${(e as Error).stack}`);
      }
    }
  }
});

// Audit 13 r18 gap 4: the readers added in round 18 (chain/re2.ts, Beanstalk's `.ebextensions`/`.platform`, an
// umbrella chart's Chart.yaml `dependencies:`) on mutated inputs.
const RE2_SEEDS = [
  '^http://',
  '(?i)^HTTP://(?P<h>[^/]+)(/.*)?$',
  '(?s)^http:/.',
  '^(http)://\\1',
  '[[:alpha:]]+://',
  '(?i:http)://',
  '\\Qa.b\\E\\pL\\z\\A',
  'x{2,5}[^a-z\\]]*?(?:a|b)+',
];
const RE2_ALPHABET = [
  '(',
  ')',
  '(?',
  '(?P<',
  '<',
  '>',
  '[',
  ']',
  '[:',
  ':]',
  '{',
  '}',
  ',',
  '*',
  '+',
  '?',
  '|',
  '\\',
  '^',
  '$',
  '.',
  'i',
  '1',
  '0',
  'P',
  'Q',
  'E',
];

function mutateRe(src: string, rnd: () => number): string {
  let s = src;
  const n = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(rnd() * (s.length + 1));
    if (rnd() < 0.6) s = s.slice(0, at) + (RE2_ALPHABET[Math.floor(rnd() * RE2_ALPHABET.length)] as string) + s.slice(at);
    else s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 3));
  }
  return s;
}

test('RE2 reader: 3,000 mutated Go regexps read as ok (a JavaScript pattern that compiles and runs), refused or opaque, never a throw', () => {
  const rnd = seededRandom(1318);
  for (let i = 0; i < 3000; i++) {
    const re = mutateRe(RE2_SEEDS[i % RE2_SEEDS.length] as string, rnd);
    const r = readRe2(re);
    assert.ok(['ok', 'refused', 'opaque'].includes(r.kind), re);
    if (r.kind === 'ok') {
      // "ok" is a promise that the chain can run it: the translation compiles, and a replace stays a string.
      assert.doesNotThrow(() => new RegExp(r.source, r.flags), `${re} -> /${r.source}/${r.flags}`);
      assert.equal(typeof goReplaceAll('http://a.test/x?y', r.source, r.flags, '$1${h}$$x'), 'string');
    } else assert.ok(r.why.length > 0, re);
  }
});

test('Caddyfile header_down/header_up regexps: mutated lines give warnings with lines, never a throw', () => {
  const rnd = seededRandom(1319);
  for (let i = 0; i < 400; i++) {
    const re = mutateRe(RE2_SEEDS[i % RE2_SEEDS.length] as string, rnd).replace(/["\s]/g, '');
    const src = `example.com {\n\treverse_proxy 127.0.0.1:8000 {\n\t\theader_down Location "${re}" "https://$1\${h}"\n\t\theader_up Host ${re} x\n\t}\n}\n`;
    const c = readCaddyfile('Caddyfile', rnd() < 0.5 ? mutate(src, rnd) : src);
    assert.ok(Array.isArray(c.config.sites));
    for (const e of c.errors) assert.ok(Number.isInteger(e.line) && e.line >= 1 && e.message.length > 0, JSON.stringify(e));
  }
});
