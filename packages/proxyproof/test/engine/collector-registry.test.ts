/**
 * Collectors are loaded only when a file they could read is present (collectors/registry.ts). That must never
 * change what is collected: on every example and every real-world case, the facts (and claims and skips) from
 * the registry's collectors equal those from every collector of COLLECTORS, and the registry lists the same
 * collectors in the same order.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { discoverProject } from '../../src/chain/discover.js';
import { COLLECTORS } from '../../src/collectors/index.js';
import { COLLECTOR_ENTRIES, collectorsFor, type OnDemandCollector } from '../../src/collectors/registry.js';
import { type Collected, collectAll } from '../../src/engine/collect.js';
import { REPO_ROOT, SHARED } from '../helpers.js';

const REALWORLD = join(SHARED, 'realworld');
const dirs = [
  ...readdirSync(join(REPO_ROOT, 'examples')).map((n) => join(REPO_ROOT, 'examples', n)),
  ...(existsSync(REALWORLD)
    ? readdirSync(REALWORLD)
        .filter((n) => /^[a-z]+-\d+/.test(n))
        .map((n) => join(REALWORLD, n))
    : []),
];

function comparable(c: Collected): string {
  return JSON.stringify(
    {
      facts: {
        ...c.facts,
        sources: [...c.facts.sources.keys()].sort(),
        templates: [...(c.facts.templates?.keys() ?? [])].sort(),
      },
      claimed: [...c.claimed].sort(),
      skipped: [...c.skipped.entries()].sort(),
    },
    (_k, v) => (v instanceof Map ? [...v.entries()] : v instanceof Set ? [...v] : v),
  );
}

describe('collector registry', () => {
  it('lists COLLECTORS in order', async () => {
    const all = await Promise.all(COLLECTOR_ENTRIES.map((e) => e.load()));
    assert.deepEqual(
      all.map((c) => c.name),
      COLLECTORS.map((c) => c.name),
    );
  });

  it('collects the same facts as every collector, on every example and real-world case', async () => {
    let lighter = 0;
    for (const dir of dirs) {
      const files = discoverProject([dir], REPO_ROOT).files;
      const lazy = await collectorsFor(files);
      if (lazy.length < COLLECTORS.length) lighter++;
      const a = comparable(await collectAll(files, {}, undefined, COLLECTORS));
      const b = comparable(await collectAll(files, {}, undefined, lazy));
      assert.equal(b, a, dir);
    }
    assert.ok(lighter > 0, 'some input needed fewer collectors');
  });

  it('a one-file nginx lint loads no app-end collector', async () => {
    const files = discoverProject([join(REPO_ROOT, 'examples/seed/nginx/sites-enabled/mysite')], REPO_ROOT).files;
    assert.deepEqual(
      (await collectorsFor(files)).map((c) => c.name),
      ['nginx', 'haproxy', 'apache', 'deploy', 'caddy', 'front', 'traefik', 'synapse', 'minio', 'nginx-proxy', 'airflow', 'odoo'],
    );
  });

  it('a one-file nginx lint loads and runs no collector but nginx', async () => {
    const files = discoverProject([join(REPO_ROOT, 'examples/seed/nginx/sites-enabled/mysite')], REPO_ROOT).files;
    const lazy = await collectorsFor(files);
    const c = await collectAll(files, {}, undefined, lazy);
    assert.ok(c.facts.nginx.configs.length > 0);
    assert.deepEqual(loadedOf(lazy), []);
  });

  // Named cases of each collector's `runs` (registry.ts): which on-demand collectors load, and the facts stay
  // those of every collector. `explicit`: the files are named on the command line, else their folder is.
  const NGINX = 'server {\n    listen 80;\n    location / { proxy_pass http://127.0.0.1:8000; }\n}\n';
  const VHOST = '<VirtualHost *:80>\n    ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n';
  const cases: Array<{ name: string; files: Record<string, string>; explicit?: boolean; loads: string[]; not?: string[] }> = [
    {
      name: 'trap: an nginx .conf (an Apache-like name) with <VirtualHost> in a comment, named alone',
      files: { 'site.conf': `# was <VirtualHost *:80>\n${NGINX}` },
      explicit: true,
      loads: [],
      not: ['apache', 'deploy', 'haproxy', 'caddy'],
    },
    {
      name: 'an Apache vhost named site.conf on the command line',
      files: { 'site.conf': VHOST },
      explicit: true,
      loads: ['apache'],
    },
    { name: 'an Apache vhost in a folder under a name that says nothing', files: { 'vhost.inc': VHOST }, loads: ['apache'] },
    // Documentation is not read as Apache config (a README's or notes' <VirtualHost> example is prose).
    {
      name: 'trap: a <VirtualHost> example in README.md and notes.txt',
      files: { 'README.md': VHOST, 'notes.txt': VHOST },
      loads: [],
      not: ['apache'],
    },
    {
      name: 'haproxy.cfg in a folder',
      files: { 'haproxy.cfg': 'frontend web\n    bind :80\n    default_backend app\nbackend app\n    server a 127.0.0.1:8000\n' },
      loads: ['haproxy'],
    },
    {
      name: 'haproxy -vv output saved in the tree (version evidence, no config)',
      files: { 'haproxy-version.txt': 'HAProxy version 2.6.12-1+deb12u1 2023/12/16 - https://haproxy.org/\n' },
      loads: ['haproxy'],
    },
    {
      name: 'Passengerfile.json alone (Passenger Standalone)',
      files: { 'Passengerfile.json': '{ "port": 3000, "environment": "production" }\n' },
      loads: [],
    },
    { name: 'a Caddyfile', files: { Caddyfile: 'example.com {\n    reverse_proxy 127.0.0.1:8000\n}\n' }, loads: ['caddy'] },
    {
      name: 'a supervisord program beside nginx',
      files: {
        'nginx.conf': `events {}\nhttp {\n${NGINX}}\n`,
        'conf.d/app.conf': '[program:app]\ncommand=gunicorn -b 127.0.0.1:8000 app:app\n',
      },
      loads: ['deploy'],
    },
    {
      name: 'fly.toml',
      files: { 'fly.toml': 'app = "x"\n[http_service]\n  internal_port = 8080\n  force_https = true\n' },
      loads: ['deploy', 'front', 'traefik'],
    },
    {
      name: 'a Traefik dynamic TOML',
      files: { 'dyn.toml': '[http.routers.app]\n  rule = "Host(`a`)"\n  service = "app"\n' },
      loads: ['traefik'],
    },
    {
      name: 'a compose file running nginx-proxy (its sites come from the compose facts)',
      files: {
        'docker-compose.yml':
          'services:\n  proxy:\n    image: nginxproxy/nginx-proxy\n    ports: ["443:443"]\n  web:\n    image: app\n    environment:\n      - VIRTUAL_HOST=a.example.org\n',
      },
      loads: ['deploy', 'nginx-proxy'],
    },
    {
      name: 'trap: a compose file with a plain nginx image',
      files: { 'docker-compose.yml': 'services:\n  proxy:\n    image: nginx:1.27\n    ports: ["443:443"]\n' },
      loads: ['deploy'],
      not: ['nginx-proxy'],
    },
    {
      name: 'homeserver.yaml (Synapse)',
      files: { 'homeserver.yaml': 'listeners:\n  - port: 8008\n    type: http\n    x_forwarded: true\n' },
      loads: ['synapse'],
    },
    {
      name: 'a compose service running MinIO (its image starts `minio server`)',
      files: { 'docker-compose.yml': 'services:\n  s3:\n    image: minio/minio\n    command: server /data\n' },
      loads: ['deploy', 'minio'],
    },
    {
      name: 'a systemd unit starting `minio server`',
      files: { 'minio.service': '[Service]\nExecStart=/usr/local/bin/minio server /data\n' },
      loads: ['deploy', 'minio'],
    },
    {
      name: 'trap: a unit starting gunicorn (no MinIO in any launch file)',
      files: { 'app.service': '[Service]\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:8000 app:app\n' },
      loads: ['deploy'],
      not: ['minio'],
    },
    {
      name: 'an Odoo configuration ([options] with addons_path)',
      files: { 'odoo.conf': '[options]\naddons_path = /mnt/extra-addons\nproxy_mode = True\n' },
      loads: ['odoo'],
    },
    {
      name: 'trap: an [options] section without an Odoo key',
      files: { 'site.conf': NGINX, 'tool.cfg': '[options]\nverbose = true\n' },
      loads: [],
      not: ['odoo'],
    },
    {
      name: 'airflow.cfg with a [webserver] section',
      files: { 'airflow.cfg': '[webserver]\nweb_server_port = 8080\nenable_proxy_fix = False\n' },
      loads: ['airflow'],
    },
    {
      name: 'trap: an nginx file beside an airflow-like .ini without [webserver]',
      files: { 'site.conf': NGINX, 'x.ini': '[core]\ndags_folder = /d\n' },
      loads: [],
      not: ['airflow', 'synapse', 'front', 'traefik'],
    },
  ];
  for (const c of cases)
    it(`on demand: ${c.name}`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pp-registry-'));
      try {
        for (const [rel, text] of Object.entries(c.files)) {
          mkdirSync(dirname(join(dir, rel)), { recursive: true });
          writeFileSync(join(dir, rel), text);
        }
        const roots = c.explicit ? Object.keys(c.files).map((rel) => join(dir, rel)) : [dir];
        const files = discoverProject(roots, dir).files;
        const lazy = await collectorsFor(files);
        const b = comparable(await collectAll(files, {}, undefined, lazy));
        const a = comparable(await collectAll(files, {}, undefined, COLLECTORS));
        assert.equal(b, a);
        const loaded = loadedOf(lazy);
        for (const n of c.loads) assert.ok(loaded.includes(n), `${n} not loaded: ${loaded.join(', ')}`);
        for (const n of c.not ?? []) assert.ok(!loaded.includes(n), `${n} loaded`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
});

function loadedOf(collectors: Awaited<ReturnType<typeof collectorsFor>>): string[] {
  return collectors.filter((c): c is OnDemandCollector => 'loaded' in c && (c as OnDemandCollector).loaded()).map((c) => c.name);
}
