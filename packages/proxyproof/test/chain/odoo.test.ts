/**
 * Odoo as an app end (collectors/odoo, issue 14): `proxy_mode` applies werkzeug's ProxyFix (X-Forwarded-For one hop
 * from the right, X-Forwarded-Proto) from every peer, and only on a request with a non-empty X-Forwarded-Host
 * (odoo/http.py, 16.0-18.0; wsgi_server.py before). Config values: 'True'/'true' and 'False'/'false' are booleans,
 * anything else a string (odoo/tools/config.py load()). Read from Odoo's source: Odoo is not installed here.
 * Each row is a minimal deployment; the verdict, the findings and the plan are asserted. Traps: `proxy_mode = True`
 * with X-Forwarded-Proto alone (looks right, is http); `proxy_mode = 1` (looks like a typo, is on); an `[options]`
 * section of another program (not Odoo); Bitnami's image with proxy_mode nowhere in the tree (its entrypoint writes
 * True, read from bitnami/containers' libodoo.sh and odoo.conf.tpl; the image is not run here).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runDoctor } from '../../src/chain/run.js';
import { scratchTrees } from '../scratch-trees.js';

const write = scratchTrees('pp-odoo-');

const odooConf = (proxyMode: string | undefined, iface = '127.0.0.1') =>
  [
    '[options]',
    'addons_path = /usr/lib/python3/dist-packages/odoo/addons',
    'admin_passwd = change-me',
    `http_interface = ${iface}`,
    'http_port = 8069',
    ...(proxyMode === undefined ? [] : [`proxy_mode = ${proxyMode}`]),
    '',
  ].join('\n');

const nginx = (forwardedHost: boolean) => `server {
    listen 443 ssl;
    server_name erp.example.com;
    ssl_certificate /etc/ssl/erp.pem;
    ssl_certificate_key /etc/ssl/erp.key;
    location / {
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
${forwardedHost ? '        proxy_set_header X-Forwarded-Host $host;\n' : ''}        proxy_pass http://127.0.0.1:8069;
    }
}
`;

/** Bitnami's Odoo in compose (environment lines as written), nginx in a container in front of it. */
const bitnamiTree = (env: string[], list = true, port = 8069, image = 'bitnami/odoo:17') => ({
  'docker-compose.yml': [
    'services:',
    '  odoo:',
    `    image: ${image}`,
    '    environment:',
    ...(list ? ['      - ODOO_DATABASE_HOST=postgresql'] : ['      ODOO_DATABASE_HOST: postgresql']),
    ...env,
    '  postgresql:',
    '    image: bitnami/postgresql:16',
    '  nginx:',
    '    image: nginx:latest',
    '    ports:',
    '      - "443:443"',
    '    volumes:',
    '      - ./nginx:/etc/nginx/conf.d:ro',
    '',
  ].join('\n'),
  'nginx/default.conf': nginx(true).replace('127.0.0.1:8069', `odoo:${port}`),
});

const UNIT = (exec: string) =>
  `[Unit]\nDescription=Odoo\n\n[Service]\nUser=odoo\nExecStart=${exec}\n\n[Install]\nWantedBy=multi-user.target\n`;

interface Row {
  name: string;
  files: Record<string, string>;
  /** The route's scheme verdict. */
  scheme?: 'correct' | 'lost';
  /** The client address Odoo believes on the route. */
  client?: string;
  /** Findings at medium or above, `id severity`. */
  findings: string[];
  /** Planned fixes: id prefix, lines and placement of each. */
  fix?: Array<{ id: string; lines: string[]; placement?: string }>;
  /** No Odoo app end is read. */
  noOdoo?: boolean;
}

const rows: Row[] = [
  {
    name: 'valid: proxy_mode = True, nginx sends X-Forwarded-Host/-Proto/-For, Odoo on loopback',
    files: { 'odoo.conf': odooConf('True'), 'nginx/odoo.conf': nginx(true) },
    scheme: 'correct',
    // ProxyFix(x_for=1): the right-most entry, the one nginx appended ($remote_addr), not the client's own.
    client: '203.0.113.7',
    findings: [],
  },
  {
    name: 'invalid (trap): proxy_mode = True with X-Forwarded-Proto but no X-Forwarded-Host stays http',
    files: { 'odoo.conf': odooConf('True'), 'nginx/odoo.conf': nginx(false) },
    scheme: 'lost',
    findings: ['chain/scheme-lost high'],
    fix: [{ id: 'nginx-gate:', lines: ['proxy_set_header X-Forwarded-Host $host;'], placement: 'after' }],
  },
  {
    name: 'invalid: proxy_mode unset (default False): the plan adds it under [options]',
    files: { 'odoo.conf': odooConf(undefined), 'nginx/odoo.conf': nginx(true) },
    scheme: 'lost',
    findings: ['app/proxy-not-trusted high'],
    fix: [{ id: 'odoo-proxy-mode:', lines: ['proxy_mode = True'], placement: 'after' }],
  },
  {
    name: 'invalid: proxy_mode = False: the plan replaces the line',
    files: { 'odoo.conf': odooConf('False'), 'nginx/odoo.conf': nginx(true) },
    scheme: 'lost',
    findings: ['app/proxy-not-trusted high'],
    fix: [{ id: 'odoo-proxy-mode:', lines: ['proxy_mode = True'], placement: 'replace' }],
  },
  {
    name: "valid (trap): proxy_mode = 1 is on (Odoo keeps a non-boolean value as a string, and '1' is true)",
    files: { 'odoo.conf': odooConf('1'), 'nginx/odoo.conf': nginx(true) },
    scheme: 'correct',
    findings: [],
  },
  {
    name: 'invalid: proxy_mode on every interface: the port reaches Odoo without the proxy, forged headers believed',
    files: { 'odoo.conf': odooConf('True', '0.0.0.0'), 'nginx/odoo.conf': nginx(true) },
    scheme: 'correct',
    findings: ['app/trust-all high', 'chain/spoofable-backend high'],
  },
  {
    name: 'invalid: the official image with --proxy-mode and a published port',
    files: {
      'docker-compose.yml':
        'services:\n  web:\n    image: odoo:17.0\n    ports:\n      - "8069:8069"\n    command: -- --proxy-mode\n  db:\n    image: postgres:15\n',
    },
    // The chain's spoofable-backend is merged into the published port's finding (one root cause).
    findings: ['app/trust-all high', 'deploy/backend-port-published high'],
  },
  {
    name: 'invalid: compose, the official image mounting a config without proxy_mode, nginx in a container sending no X-Forwarded-Host: both changes planned',
    files: {
      'docker-compose.yml':
        'services:\n  odoo:\n    image: odoo:15.0\n    volumes:\n      - ./etc/odoo:/etc/odoo\n    expose:\n      - "8069"\n  nginx:\n    image: nginx:latest\n    ports:\n      - "443:443"\n    volumes:\n      - ./nginx:/etc/nginx/conf.d:ro\n',
      'etc/odoo/odoo.conf': '[options]\ndb_host = postgres\naddons_path = /mnt/extra-addons\n',
      'nginx/default.conf': nginx(false).replace('127.0.0.1:8069', 'odoo:8069'),
    },
    scheme: 'lost',
    // One root cause: the chain's scheme-lost is merged into the trust finding that heads it.
    findings: ['app/proxy-not-trusted high'],
    fix: [
      { id: 'odoo-proxy-mode:', lines: ['proxy_mode = True'], placement: 'after' },
      { id: 'nginx-gate:', lines: ['proxy_set_header X-Forwarded-Host $host;'], placement: 'after' },
    ],
  },
  {
    name: 'valid: --proxy-mode on the systemd ExecStart line (the config file leaves proxy_mode unset)',
    files: {
      'odoo.conf': odooConf(undefined),
      'deploy/odoo.service': UNIT('/opt/odoo/venv/bin/python3 /opt/odoo/odoo-bin -c /etc/odoo/odoo.conf --proxy-mode'),
      'nginx/odoo.conf': nginx(true),
    },
    scheme: 'correct',
    client: '203.0.113.7',
    findings: [],
  },
  {
    name: 'valid: --proxy-mode in the CMD of an image a compose service builds (--config=) wins over proxy_mode = False',
    files: {
      'odoo.conf': odooConf('False', '0.0.0.0'),
      Dockerfile:
        'FROM python:3.11\nCOPY . /opt/odoo\nCMD ["/opt/odoo/odoo-bin", "--config=/etc/odoo/odoo.conf", "--proxy-mode"]\n',
      'docker-compose.yml':
        'services:\n  odoo:\n    build: .\n    expose:\n      - "8069"\n  nginx:\n    image: nginx:latest\n    ports:\n      - "443:443"\n    volumes:\n      - ./nginx:/etc/nginx/conf.d:ro\n',
      'nginx/odoo.conf': nginx(true).replace('127.0.0.1:8069', 'odoo:8069'),
    },
    scheme: 'correct',
    findings: [],
  },
  {
    name: 'valid (trap): a unit running a one-off update without --proxy-mode leaves the file proxy_mode = True on',
    files: {
      'odoo.conf': odooConf('True'),
      'deploy/odoo-update.service': UNIT('/opt/odoo/odoo-bin -c /etc/odoo/odoo.conf -u all --stop-after-init'),
      'nginx/odoo.conf': nginx(true),
    },
    scheme: 'correct',
    findings: [],
  },
  {
    name: 'invalid (trap): --proxy-mode on `odoo shell` (no server) does not turn proxy_mode on',
    files: {
      'odoo.conf': odooConf(undefined),
      'deploy/shell.sh': '#!/bin/sh\nexec odoo shell -c /etc/odoo/odoo.conf --proxy-mode\n',
      'nginx/odoo.conf': nginx(true),
    },
    scheme: 'lost',
    findings: ['app/proxy-not-trusted high'],
  },
  // Bitnami's image (collectors/odoo): no odoo.conf of the tree; its entrypoint writes proxy_mode = True, http_port
  // from ODOO_PORT_NUMBER (8069), and newer images proxy_mode from ODOO_ENABLE_PROXY_MODE (is_boolean_yes).
  {
    name: 'valid (trap): bitnami/odoo with no proxy_mode anywhere in the tree: its generated odoo.conf has proxy_mode = True',
    files: bitnamiTree([]),
    scheme: 'correct',
    findings: [],
  },
  {
    name: 'invalid: bitnami/odoo with ODOO_ENABLE_PROXY_MODE=no: the plan turns the compose line to yes',
    files: bitnamiTree(['      - ODOO_ENABLE_PROXY_MODE=no']),
    scheme: 'lost',
    findings: ['app/proxy-not-trusted high'],
    fix: [{ id: 'odoo-proxy-mode:', lines: ['- ODOO_ENABLE_PROXY_MODE=yes'], placement: 'replace' }],
  },
  {
    name: "valid (trap): ODOO_ENABLE_PROXY_MODE: 'TRUE' is on (Bitnami compares yes/true without case)",
    files: bitnamiTree(["      ODOO_ENABLE_PROXY_MODE: 'TRUE'"], false),
    scheme: 'correct',
    findings: [],
  },
  {
    name: 'valid: bitnamilegacy/odoo with ODOO_PORT_NUMBER=8080 and nginx proxying to odoo:8080',
    files: bitnamiTree(['      - ODOO_PORT_NUMBER=8080'], true, 8080, 'bitnamilegacy/odoo:16'),
    scheme: 'correct',
    findings: [],
  },
  {
    name: 'invalid: bitnami/odoo publishing 8069: proxy_mode on from every peer, reachable without the proxy',
    files: {
      'docker-compose.yml':
        'services:\n  odoo:\n    image: bitnami/odoo:17\n    ports:\n      - "8069:8069"\n  postgresql:\n    image: bitnami/postgresql:16\n',
    },
    findings: ['app/trust-all high', 'deploy/backend-port-published high'],
  },
  {
    name: 'valid (trap): an [options] section of another program is no Odoo configuration',
    files: { 'tool.cfg': '[options]\nverbose = true\nhttp_port = 8069\n', 'nginx/odoo.conf': nginx(true) },
    noOdoo: true,
    findings: [],
  },
];

for (const row of rows)
  test(row.name, async () => {
    const dir = write(row.name.replace(/\W+/g, '-').slice(0, 60), row.files);
    const { facts, analysis, all } = await runDoctor([dir]);
    const odoo = facts.frameworks.filter((f) => f.kind === 'odoo');
    if (row.noOdoo) {
      assert.equal(odoo.length, 0);
      return;
    }
    assert.equal(odoo.length, 1);
    const route = analysis.verdict.routes[0];
    if (row.scheme) assert.equal(route?.scheme.status, row.scheme, JSON.stringify(route?.scheme));
    if (row.client) assert.equal(route?.trace.steps.at(-1)?.client, row.client);
    const got = all.findings
      .filter((f) => f.severity === 'medium' || f.severity === 'high' || f.severity === 'critical')
      .map((f) => `${f.id} ${f.severity}`)
      .sort();
    assert.deepEqual(got, [...row.findings].sort());
    for (const want of row.fix ?? []) {
      const ids = analysis.plan.fixes.map((f) => `${f.id} ${JSON.stringify(f.lines)} ${f.placement ?? ''}`).join('\n');
      const f = analysis.plan.fixes.find((x) => x.id.startsWith(want.id));
      assert.ok(f, ids);
      assert.deepEqual(
        f.lines?.map((l) => l.trim()),
        want.lines,
      );
      assert.equal(f.placement, want.placement, ids);
      assert.equal(analysis.plan.complete, true, analysis.plan.notes.join('\n'));
    }
  });

// The prefork server (`workers` > 0) also runs Odoo's gevent server for `/websocket` (`/longpolling` before 16.0) on
// `gevent_port` (`longpolling_port` before 16.0), default 8072, on the same interface; with workers = 0 (the default)
// the threaded server answers those routes on the HTTP port and nothing listens on 8072.
const nginxWebsocket = `server {
    listen 443 ssl;
    server_name erp.example.com;
    ssl_certificate /etc/ssl/erp.pem;
    ssl_certificate_key /etc/ssl/erp.key;
    location /websocket {
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Forwarded-Host $host;
        proxy_pass http://127.0.0.1:PORT;
    }
    location / {
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Forwarded-Host $host;
        proxy_pass http://127.0.0.1:8069;
    }
}
`;

test('table: the gevent port (websocket/longpolling) is Odoo only with workers > 0, on gevent_port/longpolling_port', async () => {
  const rows: Array<{ name: string; extra: string[]; port: number; linked: boolean }> = [
    { name: 'workers = 4, default gevent port', extra: ['workers = 4'], port: 8072, linked: true },
    { name: 'workers = 2, gevent_port = 8073', extra: ['workers = 2', 'gevent_port = 8073'], port: 8073, linked: true },
    {
      name: 'workers = 2, longpolling_port = 8074 (before 16.0)',
      extra: ['workers = 2', 'longpolling_port = 8074'],
      port: 8074,
      linked: true,
    },
    // Traps: the threaded server (workers = 0, or unset) listens on the HTTP port only.
    { name: 'workers = 0', extra: ['workers = 0'], port: 8072, linked: false },
    { name: 'workers unset', extra: [], port: 8072, linked: false },
  ];
  for (const row of rows) {
    const dir = write(`gevent-${row.name.replace(/\W+/g, '-')}`, {
      'odoo.conf': odooConf('True').replace('http_port = 8069\n', `http_port = 8069\n${row.extra.map((l) => `${l}\n`).join('')}`),
      'nginx/odoo.conf': nginxWebsocket.replace('PORT', String(row.port)),
    });
    const { analysis } = await runDoctor([dir]);
    const ws = analysis.verdict.routes.find((r) => r.route.includes('/websocket'));
    assert.ok(ws, `${row.name}: ${analysis.verdict.routes.map((r) => r.route).join(', ')}`);
    assert.equal(ws.complete, row.linked, `${row.name}: ${JSON.stringify(ws.scheme)}`);
    if (row.linked) assert.equal(ws.scheme.status, 'correct', `${row.name}: ${JSON.stringify(ws.scheme)}`);
  }
});
