/**
 * Proxy configs in Markdown/MDX code fences (collectors/fenced.ts): which fences are read as which format (a
 * table, with traps: a Caddyfile tagged `yml`, a `css` block that looks like a Caddy site, an nginx fragment), the
 * document's own lines kept, a fence that quotes a file of the tree skipped; then lint on small trees: a guide's
 * host Caddy in front of the compose Caddy (the compose Caddy's missing trusted_proxies, with the guide's line as
 * evidence, and a prose README that stays quiet), an nginx here-document in a shell fence. Every Caddy fence the
 * table reads is checked by real `caddy adapt`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fencedBlocks, fencedConfigs, fencedSystemdUnits, quotesText } from '../../src/collectors/fenced.js';
import { heredocNginx } from '../../src/collectors/nginx/heredoc.js';
import { analyze } from '../../src/engine/analyze.js';
import { scratchTrees } from '../scratch-trees.js';

const HOST_CADDY = ['app.example.org {', '\treverse_proxy localhost:24424', '}'];
const NGINX_SITE = [
  'server {',
  '    listen 80;',
  '    server_name app.example.org;',
  '    location / {',
  '        proxy_pass http://127.0.0.1:8000;',
  '    }',
  '}',
];

interface Row {
  name: string;
  md: string[];
  /** `format@line` of each fence read as a config (line: the opening fence's). */
  configs: string[];
  /** `format@line` of each format-tagged fence that is a fragment. */
  fragments?: string[];
}

const rows: Row[] = [
  {
    name: 'a ```caddyfile fence with a site block',
    md: ['# Deploy', '', '```caddyfile', ...HOST_CADDY, '```', ''],
    configs: ['caddy@3'],
  },
  {
    name: 'trap: a Caddyfile tagged ```yml (guides tag it for the highlighting) is Caddy by its content',
    md: ['Add this:', '```yml', 'your-domain.com {', '\ttls internal', '\treverse_proxy localhost:24424', '}', '```'],
    configs: ['caddy@2'],
  },
  {
    name: 'an untagged nginx server block, and ~~~ fences',
    md: ['```', ...NGINX_SITE, '```', '', '~~~nginx', ...NGINX_SITE, '~~~'],
    configs: ['nginx@1', 'nginx@11'],
  },
  {
    name: 'a fence indented in a list item',
    md: ['1. Configure nginx:', '', '   ```nginx', ...NGINX_SITE.map((l) => `   ${l}`), '   ```'],
    configs: ['nginx@3'],
  },
  {
    name: 'trap: an ```nginx fragment (one proxy_set_header line, a location alone) is not a config: listed, not read',
    md: [
      '```nginx',
      'proxy_set_header X-Forwarded-Proto $scheme;',
      '```',
      '```nginx',
      'location / {',
      '    proxy_pass http://127.0.0.1:8000;',
      '}',
      '```',
    ],
    configs: [],
    fragments: ['nginx@1', 'nginx@4'],
  },
  {
    name: 'trap: untagged header lines (nginx and HAProxy, as a README shows them) are neither config nor fragment',
    md: [
      '```',
      'proxy_set_header X-Forwarded-Proto $scheme;',
      '```',
      '```',
      'http-request set-header X-Forwarded-Proto https if { ssl_fc }',
      '```',
    ],
    configs: [],
  },
  {
    name: 'trap: code that opens blocks like a Caddy site (css, js, go, a compose file) is not read',
    md: [
      '```css',
      'body {',
      '  color: red;',
      '}',
      '```',
      '```js',
      'app.get("/", (req, res) => {',
      '  res.send("hi");',
      '});',
      '```',
      '```yaml',
      'services:',
      '  web:',
      '    image: caddy:2',
      '```',
    ],
    configs: [],
  },
  {
    name: 'an HAProxy and an Apache fence by their content',
    md: [
      '```haproxy',
      'frontend fe',
      '    bind :443 ssl crt /etc/ssl/x.pem',
      '    default_backend be',
      'backend be',
      '    server app 127.0.0.1:8000',
      '```',
      '```apache',
      '<VirtualHost *:80>',
      '    ProxyPass / http://127.0.0.1:8000/',
      '</VirtualHost>',
      '```',
    ],
    configs: ['haproxy@1', 'apache@8'],
  },
  {
    name: 'trap: an unclosed fence (to the end of the file) and inline ``` code are not read',
    md: ['Run ```nginx -t``` first.', '```nginx', ...NGINX_SITE],
    configs: [],
  },
];

function adapts(body: string): { ok: boolean; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pp-fenced-caddy-'));
  try {
    writeFileSync(join(dir, 'Caddyfile'), `${body}\n`);
    const r = spawnSync('caddy', ['adapt', '--config', 'Caddyfile', '--adapter', 'caddyfile'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
    });
    return { ok: r.status === 0, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const r of rows) {
  test(`fencedConfigs: ${r.name}`, () => {
    const md = r.md.join('\n');
    const { configs, fragments } = fencedConfigs(md);
    assert.deepEqual(
      configs.map((c) => `${c.format}@${c.line}`),
      r.configs,
    );
    assert.deepEqual(
      fragments.map((c) => `${c.format}@${c.line}`),
      r.fragments ?? [],
    );
    for (const c of configs) {
      // The document's lines: same count, the body where it was, everything else blank.
      const lines = c.text.split('\n');
      assert.equal(lines.length, r.md.length);
      const first = c.line; // 0-based index of the first body line
      assert.equal(lines[first], r.md[first]);
      assert.equal(lines[c.line - 1], '');
      if (c.format === 'caddy') {
        const a = adapts(c.body);
        assert.ok(a.ok, `caddy adapt refused the fence at line ${c.line}: ${a.stderr}`);
      }
    }
  });
}

test('quotesText: a fence quoting a file of the tree (indentation and comments aside), not a different one', () => {
  const file = ['# the host Caddy', '{', '\temail a@example.org', '}', '', ...HOST_CADDY, ''].join('\n');
  assert.equal(quotesText(['app.example.org {', '    reverse_proxy localhost:24424', '}'].join('\n'), file), true);
  assert.equal(quotesText(['app.example.org {', '    reverse_proxy localhost:8000', '}'].join('\n'), file), false);
  // A first line that is only the end of another line of the file is no quote of it.
  assert.equal(quotesText(['example.org {', '\treverse_proxy localhost:24424', '}'].join('\n'), file), false);
  assert.equal(quotesText('', file), false);
});

test('a shell fence holding a here-document: the nginx it writes is read at the document lines', () => {
  const md = [
    '## Install',
    '```bash',
    'sudo tee /etc/nginx/sites-available/app > /dev/null <<EOF',
    ...NGINX_SITE.map((l) => l.replace('$', '\\$')),
    'EOF',
    '```',
  ].join('\n');
  const [b] = fencedBlocks(md);
  assert.equal(b?.lang, 'bash');
  const docs = heredocNginx(b?.text ?? '');
  assert.deepEqual(
    docs.map((d) => `${d.key}@${d.line}`),
    ['/etc/nginx/sites-available/app@3'],
  );
  assert.equal(docs[0]?.text.split('\n')[3], 'server {');
});

const tree = scratchTrees('pp-fenced-');

const COMPOSE = [
  'services:',
  '  caddy:',
  '    image: caddy:2-alpine',
  '    volumes:',
  '      - ./Caddyfile:/etc/caddy/Caddyfile:ro',
  '    ports:',
  '      - 24424:80',
  '',
].join('\n');
const COMPOSE_CADDYFILE = [':80 {', '\treverse_proxy app:8000', '}', ''].join('\n');

test("lint: a guide's host Caddy in front of the compose Caddy is read on the host: the compose Caddy lacks trusted_proxies", async () => {
  const dir = tree('guide', {
    'docker-compose.yml': COMPOSE,
    Caddyfile: COMPOSE_CADDYFILE,
    'docs/deploy.mdx': ['# Reverse proxy', '', 'On your host:', '```yml', ...HOST_CADDY, '```', ''].join('\n'),
  });
  const a = await analyze([dir], { cwd: dir });
  const f = a.findings.find((x) => x.id === 'caddy/trusted-proxies-missing');
  assert.ok(f, JSON.stringify(a.findings.map((x) => x.id)));
  assert.equal(f.evidence[0]?.file, 'Caddyfile');
  assert.ok(
    f.evidence.some((e) => e.file === 'docs/deploy.mdx' && e.line === 6),
    JSON.stringify(f.evidence),
  );
  // The guide's Caddy is not put into the compose service that runs the tree's Caddyfile.
  const hop = a.chain?.topology.proxies.find((p) => p.ref.file === 'docs/deploy.mdx');
  assert.equal(hop?.placement.kind, 'host');
});

test('lint: without the guide the same tree has no proxy in front of the compose Caddy (the finding needs the fence)', async () => {
  const dir = tree('no-guide', { 'docker-compose.yml': COMPOSE, Caddyfile: COMPOSE_CADDYFILE });
  const a = await analyze([dir], { cwd: dir });
  assert.equal(
    a.findings.some((x) => x.id === 'caddy/trusted-proxies-missing'),
    false,
  );
});

test('lint: a README quoting the tree Caddyfile adds no second copy; a prose README with fragments stays quiet', async () => {
  const dir = tree('quote', {
    Caddyfile: [
      'app.example.org {',
      '\treverse_proxy 127.0.0.1:8000 {',
      '\t\theader_up X-Real-IP {http.request.header.X-Real-IP}',
      '\t}',
      '}',
      '',
    ].join('\n'),
    'README.md': [
      '# App',
      '```caddyfile',
      'app.example.org {',
      '    reverse_proxy 127.0.0.1:8000 {',
      '        header_up X-Real-IP {http.request.header.X-Real-IP}',
      '    }',
      '}',
      '```',
      'and for nginx users:',
      '```nginx',
      'proxy_set_header X-Forwarded-Proto $scheme;',
      '```',
    ].join('\n'),
  });
  const a = await analyze([dir], { cwd: dir });
  assert.ok(a.findings.length > 0);
  assert.deepEqual(
    a.findings.flatMap((x) => x.evidence.map((e) => e.file)).filter((x) => x === 'README.md'),
    [],
  );
  assert.ok(
    a.notRead.some((n) => n.file === 'README.md' && n.line === 10 && /fragment/.test(n.reason)),
    JSON.stringify(a.notRead),
  );
});

test('lint: an nginx here-document in a Markdown shell fence has findings at the document lines', async () => {
  const dir = tree('md-heredoc', {
    'docs/install.md': [
      '# Install',
      '```sh',
      "sudo tee /etc/nginx/sites-available/app > /dev/null <<'EOF'",
      'server {',
      '    listen 80;',
      '    server_name app.example.org;',
      '    location / {',
      '        proxy_pass http://127.0.0.1:8000;',
      '        proxy_set_header Host $host;',
      '        proxy_set_header Host $host;',
      '    }',
      '}',
      'EOF',
      '```',
    ].join('\n'),
  });
  const a = await analyze([dir], { cwd: dir });
  const f = a.findings.find((x) => x.id === 'proxy/header-repeated');
  assert.ok(f, JSON.stringify(a.findings.map((x) => `${x.id} ${x.evidence[0]?.file}:${x.evidence[0]?.line}`)));
  assert.equal(f.evidence[0]?.file, 'docs/install.md');
  assert.ok([9, 10].includes(f.evidence[0]?.line ?? 0));
});

test("lint: a guide's proxy whose upstream is the reader's own app is an info link-unresolved, not low (trap: a tree proxy's is low)", async () => {
  const guide = tree('doc-only', {
    'docs/caddy.md': ['## Caddyfile', '```conf', 'localhost {', '    reverse_proxy 127.0.0.1:9005', '}', '```', ''].join('\n'),
  });
  const a = await analyze([guide], { cwd: guide });
  const l = a.findings.filter((x) => x.id === 'chain/link-unresolved');
  assert.deepEqual(
    l.map((x) => `${x.severity} ${x.evidence[0]?.file}:${x.evidence[0]?.line}`),
    ['info docs/caddy.md:4'],
  );
  const own = tree('tree-caddy', { Caddyfile: ['localhost {', '    reverse_proxy 127.0.0.1:9005', '}', ''].join('\n') });
  const b = await analyze([own], { cwd: own });
  assert.deepEqual(
    b.findings.filter((x) => x.id === 'chain/link-unresolved').map((x) => x.severity),
    ['low'],
  );
});

test('lint: HAProxy and Apache fences of a guide are their proxies at the document lines (real haproxy -c accepts the block)', async () => {
  const haproxy = [
    'defaults',
    '    mode http',
    '    timeout connect 5s',
    '    timeout client 30s',
    '    timeout server 30s',
    'frontend fe',
    '    bind :8443',
    '    default_backend be',
    'backend be',
    '    server app 127.0.0.1:8000',
  ];
  const dir = tree('haproxy-apache', {
    'docs/lb.md': [
      '# Load balancer',
      '```haproxy',
      ...haproxy,
      '```',
      '',
      '# Or Apache',
      '```apache',
      '<VirtualHost *:80>',
      '    ServerName app.example.org',
      '    ProxyPass / http://127.0.0.1:8000/',
      '</VirtualHost>',
      '```',
    ].join('\n'),
  });
  const a = await analyze([dir], { cwd: dir });
  const hops = (a.chain?.topology.proxies ?? []).map((p) => `${p.kind} ${p.ref.file}:${p.ref.line}`).sort();
  assert.deepEqual(hops, ['apache docs/lb.md:17', 'haproxy docs/lb.md:8']);
  const check = mkdtempSync(join(tmpdir(), 'pp-fenced-haproxy-'));
  try {
    writeFileSync(join(check, 'haproxy.cfg'), `${haproxy.join('\n')}\n`);
    const r = spawnSync('haproxy', ['-c', '-f', join(check, 'haproxy.cfg')], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
  } finally {
    rmSync(check, { recursive: true, force: true });
  }
});

test("fencedSystemdUnits: a guide's unit fence, named by the prose above it (trap: a [Service] without ExecStart, a python fence)", () => {
  const md = [
    'Create the file `/etc/systemd/system/app-web.service`:',
    '',
    '```ini',
    '[Service]',
    'ExecStart=/srv/venv/bin/gunicorn --bind unix:/run/app.sock app.wsgi',
    '```',
    '```ini',
    '[Service]',
    'Restart=always',
    '```',
    '```python',
    'X = """',
    '[Service]',
    'ExecStart=/bin/true',
    '"""',
    '```',
  ].join('\n');
  assert.deepEqual(
    fencedSystemdUnits(md).map((u) => `${u.unitName}@${u.line}`),
    ['app-web@3'],
  );
});

test("lint: the guide's nginx fence links to the gunicorn its systemd-unit fence starts (without the unit: unresolved)", async () => {
  const unit = [
    'Create `/etc/systemd/system/gunicorn.service`:',
    '```ini',
    '[Unit]',
    'Description=gunicorn',
    '[Service]',
    'ExecStart=/srv/app/.venv/bin/gunicorn \\',
    '    --workers 3 \\',
    '    --bind unix:/run/gunicorn.sock \\',
    '    project.wsgi:application',
    '[Install]',
    'WantedBy=multi-user.target',
    '```',
  ];
  const site = [
    'Then `/etc/nginx/sites-available/app`:',
    '```nginx',
    'server {',
    '    listen 80;',
    '    server_name app.example.org;',
    '    location / {',
    '        proxy_pass http://unix:/run/gunicorn.sock;',
    '    }',
    '}',
    '```',
  ];
  const linked = tree('unit-fence', { 'docs/deploy.md': [...unit, '', ...site].join('\n') });
  const a = await analyze([linked], { cwd: linked });
  const app = a.chain?.topology.apps.find((x) => x.ref?.file === 'docs/deploy.md');
  assert.ok(app, JSON.stringify(a.chain?.topology.apps.map((x) => x.ref)));
  assert.ok(
    a.chain?.topology.links.some((l) => l.target.kind === 'app'),
    JSON.stringify(a.chain?.topology.links.map((l) => l.target.kind)),
  );
  const alone = tree('no-unit-fence', { 'docs/deploy.md': site.join('\n') });
  const b = await analyze([alone], { cwd: alone });
  assert.deepEqual(
    b.chain?.topology.links.map((l) => l.target.kind),
    ['unresolved'],
  );
});
