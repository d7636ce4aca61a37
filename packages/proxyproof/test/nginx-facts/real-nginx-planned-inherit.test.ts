/**
 * A planned nginx edit never cuts header inheritance (chain/plan.ts routeInsert). nginx inherits a level's
 * proxy_set_header lines only into a level that writes none: the chain's fix "send X-Forwarded-Proto in location /b"
 * written alone into a location that inherited the server's `proxy_set_header Host $host;` made that location send
 * Host $proxy_host instead. The table (through the CLI) says which lines the fix writes; the real nginx, with a backend
 * that echoes what it receives, shows that the location keeps every header it got before once the fix is applied (the
 * planner's own patch for /b from the doctor's plan, and `fix --write`'s whole plan), and the re-lint of the patched tree is clean.
 *
 * The lint tree ends TLS (`listen 443 ssl`); the real nginx serves the same server on a plain loopback port (the
 * inheritance of proxy_set_header does not depend on the listener), so $scheme arrives as `http` there.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../helpers.js';
import { startEchoNginx } from './echo-nginx.js';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => spawnSync(p, ['-v']).status === 0);
const CONF = 'etc/nginx/conf.d/app.conf';
const APP = {
  'app.py': 'from flask import Flask\napp = Flask(__name__)\n',
  'app.service': '[Service]\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:8000 app:app\n',
};

const site = (serverLevel: string, b: string) => `server {
    listen 443 ssl;
    server_name shop.example.com;
${serverLevel}
    location /a {
        proxy_pass http://127.0.0.1:8000;
    }

    location /b {
${b}        proxy_pass http://127.0.0.1:8000;
    }
}
`;
const INHERITS = '    proxy_set_header Host $host;\n    proxy_set_header X-From-Server yes;\n';

interface Fix {
  id: string;
  title: string;
  file: string;
  line?: number;
  lines: string[];
  placement?: string;
}
interface Finding {
  id: string;
  message: string;
  fix?: Fix;
}

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pp-planned-inherit-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

function lint(dir: string): Finding[] {
  const r = runCli(['lint', '--format', 'json', dir]);
  assert.ok(r.stdout.startsWith('{'), r.stderr);
  return (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
}

/** The chain planner's fix for location /b's lost scheme, from the doctor's plan. */
function fixForB(dir: string): Fix | undefined {
  const r = runCli(['doctor', '--format', 'json', dir]);
  assert.ok(r.stdout.startsWith('{'), r.stderr);
  const fixes = (JSON.parse(r.stdout) as { doctor: { plan: { fixes: Fix[] } } }).doctor.plan.fixes;
  return fixes.find((f) => f.id.startsWith('nginx-xfp:') && f.title.includes('location /b'));
}

const rows: Array<{ name: string; serverLevel: string; b: string; want: string[] }> = [
  {
    name: 'the server level sets Host and X-From-Server, /b none: the fix re-declares both beside X-Forwarded-Proto',
    serverLevel: INHERITS,
    b: '',
    want: ['proxy_set_header Host $host;', 'proxy_set_header X-From-Server yes;', 'proxy_set_header X-Forwarded-Proto $scheme;'],
  },
  {
    name: 'trap: /b writes the same two lines itself (it inherits none already): only the new line',
    serverLevel: INHERITS,
    b: '        proxy_set_header Host $host;\n        proxy_set_header X-From-Server yes;\n',
    want: ['proxy_set_header X-Forwarded-Proto $scheme;'],
  },
  {
    name: 'trap: /b writes Host only (it already dropped X-From-Server): the new line, and the dropped one restored',
    serverLevel: INHERITS,
    b: '        proxy_set_header Host $host;\n',
    want: ['proxy_set_header X-From-Server yes;', 'proxy_set_header X-Forwarded-Proto $scheme;'],
  },
  {
    name: 'the server level sends X-Forwarded-Proto http, /b none: the new value beside the other inherited lines',
    serverLevel: `${INHERITS}    proxy_set_header X-Forwarded-Proto http;\n`,
    b: '',
    want: ['proxy_set_header Host $host;', 'proxy_set_header X-From-Server yes;', 'proxy_set_header X-Forwarded-Proto $scheme;'],
  },
  {
    name: "trap: nothing at the server level (only nginx's defaults): only the new line",
    serverLevel: '',
    b: '',
    want: ['proxy_set_header X-Forwarded-Proto $scheme;'],
  },
];

for (const row of rows) {
  test(`planned nginx edit, inheritance: ${row.name}`, () => {
    const dir = tree({ ...APP, [CONF]: site(row.serverLevel, row.b) });
    try {
      const fix = fixForB(dir);
      assert.ok(fix, site(row.serverLevel, row.b));
      assert.deepEqual(fix.lines, row.want);
      // Written by `fix` (not advice only): the lines are complete.
      assert.equal(fix.placement, 'after');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('planned nginx edit, inheritance: a pass to an `upstream` block gets its lines inside the location, not the upstream', () => {
  const text = `upstream app_up {\n    server 127.0.0.1:8000;\n}\n${site(INHERITS, '').replaceAll('http://127.0.0.1:8000', 'http://app_up')}`;
  const dir = tree({ ...APP, [CONF]: text });
  try {
    const fix = fixForB(dir);
    assert.ok(fix?.line, text);
    const lines = text.split('\n');
    const open = lines.findIndex((l) => l.includes('location /b {')) + 1;
    const close = lines.findIndex((l, i) => i >= open && /^\s{4}\}/.test(l)) + 1;
    assert.ok(fix.line >= open && fix.line < close, `fix after line ${fix.line}, not inside location /b (${open}-${close})`);
    assert.equal(fix.placement, 'after');
    assert.deepEqual(fix.lines.slice(0, 2), ['proxy_set_header Host $host;', 'proxy_set_header X-From-Server yes;']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The headers nginx sends to the backend for `path`, the server text served on the echo nginx. */
async function sent(conf: string, paths: string[]): Promise<Record<string, Record<string, string>>> {
  const nginx = await startEchoNginx(
    'pp-planned-inherit-nginx-',
    (echoPort, port) =>
      conf.replace('listen 443 ssl;', `listen 127.0.0.1:${port};`).replaceAll('127.0.0.1:8000', `127.0.0.1:${echoPort}`),
    { path: '/a', headers: { Host: 'shop.example.com' } },
  );
  try {
    const out: Record<string, Record<string, string>> = {};
    for (const p of paths) {
      const res = await nginx.get(p, { Host: 'shop.example.com' });
      assert.equal(res.status, 200, res.body);
      out[p] = (JSON.parse(res.body) as { headers: Record<string, string> }).headers;
    }
    return out;
  } finally {
    nginx.close();
  }
}

/** Every header `before` got arrives `after` with the same value. */
function keepsAll(before: Record<string, string>, after: Record<string, string>, what: string): void {
  for (const [name, value] of Object.entries(before)) assert.equal(after[name], value, `${what}: ${name}`);
}

describe('planned nginx edits keep inherited headers on the real nginx', {
  skip: NGINX ? false : 'nginx is not installed',
}, () => {
  const original = site(INHERITS, '');

  test("the planner's patch for /b: /b keeps Host and X-From-Server, and gets X-Forwarded-Proto", async () => {
    const dir = tree({ ...APP, [CONF]: original });
    try {
      const fix = fixForB(dir);
      assert.ok(fix?.line);
      const lines = original.split('\n');
      lines.splice(fix.line, 0, ...fix.lines.map((l) => `        ${l}`));
      const before = await sent(original, ['/b']);
      const after = await sent(lines.join('\n'), ['/b']);
      assert.equal(before['/b']?.host, 'shop.example.com');
      assert.equal(before['/b']?.['x-from-server'], 'yes');
      keepsAll(before['/b'] as Record<string, string>, after['/b'] as Record<string, string>, '/b');
      assert.equal(after['/b']?.['x-forwarded-proto'], 'http');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('fix --write: every route keeps every header, and the re-lint finds nothing in nginx', async () => {
    const dir = tree({ ...APP, [CONF]: original });
    try {
      const r = runCli(['fix', '--write', dir]);
      assert.ok(r.code === 0 || r.code === 1, r.stderr);
      const patched = readFileSync(join(dir, CONF), 'utf8');
      assert.notEqual(patched, original);
      const before = await sent(original, ['/a', '/b']);
      const after = await sent(patched, ['/a', '/b']);
      for (const p of ['/a', '/b']) {
        keepsAll(before[p] as Record<string, string>, after[p] as Record<string, string>, p);
        assert.equal(after[p]?.['x-forwarded-proto'], 'http', `${p}: ${patched}`);
      }
      const again = lint(dir).filter(
        (f) => f.id.startsWith('nginx/') || f.id === 'chain/scheme-lost' || f.id === 'chain/host-lost',
      );
      assert.deepEqual(
        again.map((f) => `${f.id} ${f.message}`),
        [],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
