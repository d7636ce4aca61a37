// A Cloudflare Tunnel (cloudflared) is a front door the tree shows: its ingress rules or `--url` name the origin it
// forwards plain HTTP to, with the edge's X-Forwarded-Proto. Only a server on a named port is behind it, and a daemon on
// the origin's own host connects from loopback (gunicorn's default trust covers it).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { joinTunnels, tunnelCommandFront, tunnelConfigFronts } from '../../src/collectors/front/cloudflared.js';
import { findingsFor, gunicornUnit, settings } from '../checks/chain/cases.js';
import { lintFiles } from '../python/lint-files.js';

const CONFIG = (service: string) =>
  `tunnel: 6ff42ae2-765d-4adf-8112-31c55c1551ef\ncredentials-file: /root/.cloudflared/6ff42ae2.json\n\ningress:\n  - hostname: app.example.com\n    service: ${service}\n  - hostname: ssh.example.com\n    service: ssh://localhost:22\n  - service: http_status:404\n`;
const UNIT = (args: string) =>
  `[Unit]\nDescription=cloudflared\n[Service]\nExecStart=/usr/local/bin/cloudflared ${args}\n[Install]\nWantedBy=multi-user.target\n`;
const NGINX = (scheme: string) =>
  `server {\n    listen 80;\n    server_name app.example.com;\n    location / {\n        proxy_pass http://127.0.0.1:8000;\n        proxy_set_header Host $host;\n        proxy_set_header X-Forwarded-Proto ${scheme};\n    }\n}\n`;
const METRICS =
  'server {\n    listen 9100;\n    server_name metrics.example.com;\n    location / {\n        proxy_pass http://127.0.0.1:9101;\n        proxy_set_header X-Forwarded-Proto $scheme;\n    }\n}\n';
const DJANGO = settings(["SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')", 'SECURE_SSL_REDIRECT = True']);
// Without SECURE_PROXY_SSL_HEADER Django takes gunicorn's wsgi.url_scheme: https only when gunicorn trusts the peer.
const DJANGO_SERVER_SCHEME = settings(['SECURE_SSL_REDIRECT = True']);

describe('cloudflared readers', () => {
  const ref = { file: 'x', line: 3 };
  const commands: Array<{ name: string; words: string; image?: boolean; targets: string[] | undefined }> = [
    { name: 'quick tunnel --url', words: 'cloudflared tunnel --url http://localhost:8000', targets: ['localhost:8000'] },
    { name: '--url=', words: '/bin/cloudflared tunnel --url=https://127.0.0.1 run x', targets: ['127.0.0.1:443'] },
    { name: 'named tunnel (rules elsewhere)', words: 'cloudflared --no-autoupdate tunnel run app', targets: [] },
    { name: 'image arguments', words: 'tunnel --no-autoupdate run --token abc', image: true, targets: [] },
    { name: 'trap: login is not a tunnel', words: 'cloudflared tunnel login', targets: undefined },
    { name: 'trap: route dns is not a tunnel', words: 'cloudflared tunnel route dns app a.example.com', targets: undefined },
    { name: 'trap: another program named in the line', words: 'echo cloudflared', targets: undefined },
    { name: 'trap: a tcp origin is no HTTP target', words: 'cloudflared tunnel --url tcp://localhost:5432', targets: [] },
  ];
  for (const c of commands)
    test(`command: ${c.name}`, () => {
      const f = tunnelCommandFront(c.words.split(' '), ref, c.image);
      if (c.targets === undefined) return assert.equal(f, undefined);
      assert.equal(f?.name, 'cloudflare');
      assert.equal(f?.terminatesTls, true);
      assert.deepEqual(
        (f?.targets ?? []).map((t) => `${t.host}:${t.port}`),
        c.targets,
      );
    });

  test('config: the HTTP rules are the targets (ssh and the catch-all are not), at their lines', () => {
    const [f] = tunnelConfigFronts('config.yml', CONFIG('http://localhost:80'));
    assert.deepEqual(
      f?.targets?.map((t) => [t.host, t.port, t.ref.line]),
      [['localhost', 80, 6]],
    );
    assert.equal(f?.evidence[0]?.line, 4);
    assert.equal(f?.targetPort?.port, 80);
    assert.equal(f?.loopback, true);
  });

  test('config: a Kubernetes ConfigMap holding config.yaml and a Deployment running the image', () => {
    const cm = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cloudflared\ndata:\n  config.yaml: |\n    tunnel: t\n    ingress:\n      - hostname: a.example.com\n        service: http://web.default.svc:8080\n      - service: http_status:404\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cloudflared\nspec:\n  template:\n    spec:\n      containers:\n        - name: cloudflared\n          image: cloudflare/cloudflared:2024.6.1\n          args: [tunnel, --config, /etc/cloudflared/config.yaml, run]\n`;
    const fronts = tunnelConfigFronts('k8s.yaml', cm);
    assert.equal(fronts.length, 2);
    const joined = joinTunnels(fronts);
    assert.deepEqual(
      joined?.targets?.map((t) => [t.host, t.port, t.ref.line]),
      [['web.default.svc', 8080, 10]],
    );
    assert.equal(joined?.loopback, false);
    assert.deepEqual(
      joined?.evidence.map((e) => e.line),
      [8, 22],
    );
  });

  test('trap: other `ingress:` lists (Helm values, a NetworkPolicy rule list) are no tunnel', () => {
    assert.deepEqual(tunnelConfigFronts('values.yaml', 'ingress:\n  enabled: true\n  hosts:\n    - a.example.com\n'), []);
    assert.deepEqual(tunnelConfigFronts('np.yaml', 'ingress:\n  - from:\n      - podSelector: {}\n'), []);
  });
});

describe('cloudflared in the tree', () => {
  test('a compose service running the image with a --url is the front; a Procfile beside fly.toml is not Heroku', async () => {
    const { facts } = await lintFiles({
      'docker-compose.yml':
        'services:\n  tunnel:\n    image: cloudflare/cloudflared:latest\n    command: tunnel --no-autoupdate --url http://web:8000\n  web:\n    image: app\n    command: gunicorn -b 0.0.0.0:8000 site.wsgi\n',
      Procfile: 'web: gunicorn -b 0.0.0.0:8000 site.wsgi\n',
      'fly.toml': 'app = "x"\n[[services]]\n  internal_port = 8000\n  protocol = "tcp"\n',
    });
    assert.deepEqual(
      facts.fronts?.map((f) => f.name),
      ['cloudflare'],
    );
    assert.deepEqual(
      facts.fronts?.[0]?.targets?.map((t) => `${t.host}:${t.port}`),
      ['web:8000'],
    );
    assert.equal(facts.fronts?.[0]?.evidence[0]?.line, 4);
  });

  test('trap: a Procfile alone is still a Heroku-style router', async () => {
    const { facts } = await lintFiles({ Procfile: 'web: gunicorn -b 0.0.0.0:$PORT site.wsgi\n' });
    assert.deepEqual(
      facts.fronts?.map((f) => f.name),
      ['heroku'],
    );
  });
});

describe('chain behind a tunnel', () => {
  test('tunnel -> nginx :80 sending $scheme -> gunicorn -> Django: lost at nginx, the tunnel as evidence', async () => {
    const f = await findingsFor('chain/scheme-lost', {
      name: 'tunnel nginx scheme',
      files: {
        'cloudflared/config.yml': CONFIG('http://localhost:80'),
        'nginx/app.conf': NGINX('$scheme'),
        'gunicorn.service': gunicornUnit(),
        'mysite/settings.py': DJANGO,
      },
      expect: 1,
    });
    assert.equal(f.length, 1);
    assert.match(f[0]?.data?.chainFinding ? JSON.stringify(f[0].data.chainFinding) : (f[0]?.message ?? ''), /lost at hop 2/);
    assert.ok(
      f[0]?.evidence.some((e) => e.file.endsWith('cloudflared/config.yml') && e.line === 4),
      JSON.stringify(f[0]?.evidence),
    );
  });

  test('trap: the same nginx passing $http_x_forwarded_proto believes https', async () => {
    const f = await findingsFor('chain/scheme-lost', {
      name: 'tunnel nginx pass',
      files: {
        'cloudflared/config.yml': CONFIG('http://localhost:80'),
        'nginx/app.conf': NGINX('$http_x_forwarded_proto'),
        'gunicorn.service': gunicornUnit(),
        'mysite/settings.py': DJANGO,
      },
      expect: 0,
    });
    assert.equal(f.length, 0);
  });

  test('trap: a server on a port the tunnel does not name gets no front (its $scheme is no loss)', async () => {
    const f = await findingsFor('nginx/scheme-behind-tls-terminator', {
      name: 'tunnel metrics',
      files: { 'cloudflared/config.yml': CONFIG('http://localhost:80'), 'nginx/metrics.conf': METRICS },
      expect: 0,
    });
    assert.equal(f.length, 0);
  });

  test('trap: a tunnel on the host to gunicorn on loopback: gunicorn trusts 127.0.0.1 by default, https believed', async () => {
    const f = await findingsFor('chain/scheme-lost', {
      name: 'tunnel gunicorn loopback',
      files: {
        'cloudflared.service': UNIT('tunnel --no-autoupdate --url http://localhost:8000'),
        'gunicorn.service': gunicornUnit(),
        'mysite/settings.py': DJANGO_SERVER_SCHEME,
      },
      expect: 0,
    });
    assert.equal(f.length, 0);
  });

  test('the same tunnel to gunicorn in a container: Docker’s gateway is not trusted, https lost at gunicorn', async () => {
    const f = await findingsFor('chain/scheme-lost', {
      name: 'tunnel gunicorn container',
      files: {
        'cloudflared.service': UNIT('tunnel --no-autoupdate --url http://localhost:8000'),
        'docker-compose.yml':
          'services:\n  web:\n    build: .\n    command: gunicorn -b 0.0.0.0:8000 mysite.wsgi\n    ports:\n      - "127.0.0.1:8000:8000"\n',
        Dockerfile: 'FROM python:3.12\nCOPY . /app\n',
        'mysite/settings.py': DJANGO_SERVER_SCHEME,
      },
      expect: 1,
    });
    assert.equal(f.length, 1);
    assert.match(f[0]?.message ?? '', /gunicorn/);
  });
});

describe('caddy/trusted-proxies-missing behind a tunnel', () => {
  const caddy = (headers: string[]) =>
    `{\n  auto_https off\n}\n\nhttp://app.example.com {\n  reverse_proxy 127.0.0.1:8000 {\n${headers.map((h) => `    header_up ${h}\n`).join('')}  }\n}\n`;
  const files = (headers: string[]) => ({
    'cloudflared/config.yml': CONFIG('http://localhost:80'),
    Caddyfile: caddy(headers),
  });
  test('invalid: Caddy :80 behind the tunnel, no trusted_proxies: the tunnel is the evidence', async () => {
    const f = await findingsFor('caddy/trusted-proxies-missing', { name: 'caddy tunnel', files: files([]), expect: 1 });
    assert.equal(f.length, 1);
    assert.ok(f[0]?.evidence.some((e) => e.file === 'cloudflared/config.yml' && e.line === 4));
  });
  test('invalid: the route sets X-Forwarded-Proto only: the client address is still replaced', async () => {
    const f = await findingsFor('caddy/trusted-proxies-missing', {
      name: 'caddy tunnel proto only',
      files: files(['X-Forwarded-Proto https']),
      expect: 1,
    });
    assert.equal(f.length, 1);
  });
  test("valid (trap): a guide's fenced excerpt (imports the tree's snippet) beside the tree's Caddyfile is an example, not behind the tunnel", async () => {
    const f = await findingsFor('caddy/trusted-proxies-missing', {
      name: 'caddy tunnel guide',
      files: {
        ...files(['X-Forwarded-Proto https', 'X-Forwarded-For {http.request.header.CF-Connecting-IP}']),
        'docs/apps.md':
          '# Add an app\n\n```caddyfile\nhttp://new.example.com {\n  reverse_proxy new:80 {\n    import proxy_headers\n  }\n}\n```\n',
      },
      expect: 0,
    });
    assert.equal(f.length, 0);
  });
  test('valid (trap): every route writes X-Forwarded-Proto and X-Forwarded-For itself (header_up runs last)', async () => {
    const f = await findingsFor('caddy/trusted-proxies-missing', {
      name: 'caddy tunnel own headers',
      files: files(['X-Forwarded-Proto https', 'X-Forwarded-For {http.request.header.CF-Connecting-IP}']),
      expect: 0,
    });
    assert.equal(f.length, 0);
  });
});
