/**
 * HAProxy `listen` sections, `use_backend` under ACLs and `option forwardfor except NET`, through the CLI (`lint` and
 * `doctor --format json`) and against Debian's haproxy 2.6 (`haproxy -c` on every row, and real requests): a `listen`
 * section is a frontend and its own backend; each `use_backend` target is a route of its own, with the frontend's
 * rules and its backend's; `option forwardfor except 127.0.0.0/8` adds no X-Forwarded-For for a peer in that network
 * (a proxy in front on loopback: its X-Forwarded-For reaches the backend as it came) and still adds it for everyone
 * else (no `haproxy/forwardfor-missing`).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readHaproxy } from '../../src/collectors/haproxy/collector.js';
import { runCli } from '../helpers.js';
import {
  listenOnFreePort,
  REQUEST_SAFETY_TIMEOUT_MS,
  type RealProgram,
  RUN_SAFETY_TIMEOUT_MS,
  selfSignedCert,
  startOnFreePorts,
} from '../real-program.js';
import { scratchTrees } from '../scratch-trees.js';
import { assertFindings, type Expected, type JsonFinding } from './finding-rows.js';

const DEFAULTS = 'defaults\n  mode http\n  timeout connect 2s\n  timeout client 5s\n  timeout server 5s\n';
const CRT = '/etc/haproxy/site.pem';
const gunicorn = 'bind = "127.0.0.1:8000"\nforwarded_allow_ips = "127.0.0.1"\n';

const tree = scratchTrees('pp-haproxy-sections-');
let trees = 0;
const inDir = <T>(files: Record<string, string>, run: (dir: string) => T): T => run(tree(`t${trees++}`, files));

function cli(dir: string, command: 'lint' | 'doctor') {
  const r = runCli([command, '.', '--format', 'json'], { cwd: dir });
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  return JSON.parse(r.stdout);
}

const rows: {
  name: string;
  cfg: string;
  present: Expected[];
  absent: string[];
}[] = [
  {
    name: 'invalid: a listen section that ends TLS without X-Forwarded-Proto',
    cfg: `${DEFAULTS}listen www\n  bind :443 ssl crt ${CRT}\n  option forwardfor\n  server app1 127.0.0.1:8000\n`,
    present: [{ id: 'proxy/forwarded-proto-missing', severity: 'high', message: /forwards listen www to 127\.0\.0\.1:8000/ }],
    absent: ['haproxy/forwardfor-missing'],
  },
  {
    name: 'valid: the listen section sets X-Forwarded-Proto https',
    cfg: `${DEFAULTS}listen www\n  bind :443 ssl crt ${CRT}\n  option forwardfor\n  http-request set-header X-Forwarded-Proto https\n  server app1 127.0.0.1:8000\n`,
    present: [],
    absent: ['proxy/forwarded-proto-missing', 'chain/scheme-lost', 'haproxy/scheme-https-on-plain-bind'],
  },
  {
    name: 'invalid: a listen section on :80 and :443 that says https unconditionally',
    cfg: `${DEFAULTS}listen www\n  bind :80\n  bind :443 ssl crt ${CRT}\n  option forwardfor\n  http-request set-header X-Forwarded-Proto https\n  server app1 127.0.0.1:8000\n`,
    present: [{ id: 'haproxy/scheme-https-on-plain-bind', severity: 'medium', line: 10 }],
    absent: [],
  },
  {
    name: 'trap: the same listen section with `if { ssl_fc }` / `if !{ ssl_fc }` (both binds told the truth)',
    cfg: `${DEFAULTS}listen www\n  bind :80\n  bind :443 ssl crt ${CRT}\n  option forwardfor\n  http-request set-header X-Forwarded-Proto https if { ssl_fc }\n  http-request set-header X-Forwarded-Proto http if !{ ssl_fc }\n  server app1 127.0.0.1:8000\n`,
    present: [],
    absent: ['haproxy/scheme-https-on-plain-bind', 'proxy/forwarded-proto-missing', 'chain/scheme-lost'],
  },
  {
    name: 'invalid: use_backend under an ACL; only the api backend sets X-Forwarded-Proto, the default one does not',
    cfg: `${DEFAULTS}  option forwardfor\nfrontend www\n  bind :443 ssl crt ${CRT}\n  acl is_api path_beg /api\n  use_backend api if is_api\n  default_backend web\nbackend api\n  http-request set-header X-Forwarded-Proto https\n  server a1 127.0.0.1:8000\nbackend web\n  server w1 127.0.0.1:8000\n`,
    present: [
      { id: 'proxy/forwarded-proto-missing', severity: 'high', message: /frontend www -> backend web to 127\.0\.0\.1:8000/ },
    ],
    absent: [],
  },
  {
    name: 'valid: the frontend sets X-Forwarded-Proto before choosing the backend (both routes get it)',
    cfg: `${DEFAULTS}  option forwardfor\nfrontend www\n  bind :443 ssl crt ${CRT}\n  http-request set-header X-Forwarded-Proto https\n  acl is_api path_beg /api\n  use_backend api if is_api\n  default_backend web\nbackend api\n  server a1 127.0.0.1:8000\nbackend web\n  server w1 127.0.0.1:8000\n`,
    present: [],
    absent: ['proxy/forwarded-proto-missing', 'chain/scheme-lost'],
  },
  {
    name: 'trap: no frontend rule, but every backend sets X-Forwarded-Proto itself',
    cfg: `${DEFAULTS}  option forwardfor\nfrontend www\n  bind :443 ssl crt ${CRT}\n  acl is_api path_beg /api\n  use_backend api if is_api\n  default_backend web\nbackend api\n  http-request set-header X-Forwarded-Proto https\n  server a1 127.0.0.1:8000\nbackend web\n  http-request set-header X-Forwarded-Proto https\n  server w1 127.0.0.1:8000\n`,
    present: [],
    absent: ['proxy/forwarded-proto-missing', 'chain/scheme-lost'],
  },
  {
    name: 'invalid: no option forwardfor anywhere',
    cfg: `${DEFAULTS}listen www\n  bind :443 ssl crt ${CRT}\n  http-request set-header X-Forwarded-Proto https\n  server app1 127.0.0.1:8000\n`,
    present: [{ id: 'haproxy/forwardfor-missing', severity: 'medium' }],
    absent: [],
  },
  {
    name: 'trap: `option forwardfor except 127.0.0.0/8` in defaults still adds X-Forwarded-For for internet clients',
    cfg: `${DEFAULTS}  option forwardfor except 127.0.0.0/8\nlisten www\n  bind :443 ssl crt ${CRT}\n  http-request set-header X-Forwarded-Proto https\n  server app1 127.0.0.1:8000\n`,
    present: [],
    absent: ['haproxy/forwardfor-missing', 'proxy/forwarded-proto-missing'],
  },
];

describe('HAProxy listen / use_backend / forwardfor except through the CLI', () => {
  for (const r of rows)
    test(r.name, () => {
      const findings = inDir({ 'haproxy.cfg': r.cfg, 'gunicorn.conf.py': gunicorn }, (dir) => cli(dir, 'lint'))
        .findings as JsonFinding[];
      assertFindings(findings, r.present, r.absent);
    });

  test('haproxy -c accepts every row (the table is HAProxy configuration, not our guess at it)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-haproxy-check-'));
    try {
      const { combined } = selfSignedCert(dir, 'app.example.com');
      for (const r of rows) {
        writeFileSync(join(dir, 'haproxy.cfg'), r.cfg.replaceAll(CRT, combined));
        const c = spawnSync('haproxy', ['-c', '-f', 'haproxy.cfg'], {
          cwd: dir,
          encoding: 'utf8',
          timeout: RUN_SAFETY_TIMEOUT_MS,
        });
        assert.equal(c.status, 0, `${r.name}: ${c.stdout}${c.stderr}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('forwardfor except behind a proxy on loopback (doctor --format json)', () => {
  const files = (except: string) => ({
    'haproxy.cfg': `${DEFAULTS}  option forwardfor except ${except}\nlisten www\n  bind 127.0.0.1:8080\n  server app1 127.0.0.1:8000\n`,
    'nginx.conf':
      'events {}\nhttp {\n  server {\n    listen 443 ssl;\n    server_name app.example.com;\n    ssl_certificate /etc/ssl/a.pem;\n    ssl_certificate_key /etc/ssl/a.key;\n    location / {\n      proxy_pass http://127.0.0.1:8080;\n      proxy_set_header Host $host;\n      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n      proxy_set_header X-Forwarded-Proto $scheme;\n    }\n  }\n}\n',
    'gunicorn.conf.py': gunicorn,
    'app.py':
      'from flask import Flask, request\nfrom werkzeug.middleware.proxy_fix import ProxyFix\napp = Flask(__name__)\napp.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)\n\n@app.route("/")\ndef index():\n    return request.remote_addr\n',
  });
  type Step = { label: string; sent?: Record<string, string>; notes: string[] };
  const route = (except: string) =>
    inDir(files(except), (dir) => cli(dir, 'doctor')).doctor.routes[0] as {
      verdict: { client: { believed: string; correct: boolean } };
      trace: { steps: Step[] };
    };

  test('valid: the peer (nginx on 127.0.0.1) is in the except network: nginx’s X-Forwarded-For arrives alone', () => {
    const r = route('127.0.0.0/8');
    const haproxy = r.trace.steps.find((s) => s.label.startsWith('haproxy'));
    assert.equal(haproxy?.sent?.['x-forwarded-for'], '203.0.113.7');
    assert.ok(haproxy?.notes.some((n) => /adds no X-Forwarded-For: its peer 127\.0\.0\.1 is in 127\.0\.0\.0\/8/.test(n)));
    // ProxyFix(x_for=1) takes the last address: the browser's.
    assert.equal(r.verdict.client.believed, '203.0.113.7');
  });

  test('invalid: an except network that does not hold the peer: HAProxy appends 127.0.0.1, ProxyFix(x_for=1) takes it', () => {
    const r = route('10.0.0.0/8');
    const haproxy = r.trace.steps.find((s) => s.label.startsWith('haproxy'));
    assert.equal(haproxy?.sent?.['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
    assert.equal(r.verdict.client.believed, '127.0.0.1');
    assert.equal(r.verdict.client.correct, false);
  });
});

async function get(port: number, path: string, headers: Record<string, string>): Promise<string | undefined> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}${path}`, {
      headers,
      signal: AbortSignal.timeout(REQUEST_SAFETY_TIMEOUT_MS),
    });
    return await r.text();
  } catch {
    return undefined;
  }
}

test('haproxy (real): listen, use_backend under an ACL and forwardfor except answer as the model reads them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-haproxy-sections-real-'));
  const echo = (name: string) =>
    createServer((req, res) =>
      res.end(`${name} XFP=${req.headers['x-forwarded-proto'] ?? ''} XFF=${req.headers['x-forwarded-for'] ?? ''}`),
    );
  const backends: Server[] = [echo('api'), echo('web')];
  let haproxy: RealProgram | undefined;
  try {
    const [api, web] = await Promise.all(backends.map((b) => listenOnFreePort(b)));
    const cfg = (fe: number, ls: number) =>
      `${DEFAULTS}frontend www\n  bind 127.0.0.1:${fe}\n  option forwardfor except 127.0.0.0/8\n  acl is_api path_beg /api\n  use_backend api if is_api\n  default_backend web\n` +
      `backend api\n  http-request set-header X-Forwarded-Proto https\n  server a1 127.0.0.1:${api}\n` +
      `backend web\n  server w1 127.0.0.1:${web}\n` +
      `listen direct\n  bind 127.0.0.1:${ls}\n  option forwardfor except 10.0.0.0/8\n  server d1 127.0.0.1:${web}\n`;
    haproxy = await startOnFreePorts({
      name: 'haproxy',
      ports: 2,
      command: ([fe, ls]) => {
        writeFileSync(join(dir, 'haproxy.cfg'), cfg(fe as number, ls as number));
        return { cmd: 'haproxy', args: ['-db', '-f', join(dir, 'haproxy.cfg')], cwd: dir };
      },
      ready: async ([fe, ls]) =>
        (await get(fe as number, '/', {}))?.startsWith('web') === true &&
        (await get(ls as number, '/', {}))?.startsWith('web') === true,
    });
    const [fe, ls] = haproxy.ports as [number, number];
    const client = { 'X-Forwarded-For': '198.51.100.9' };
    // use_backend under the ACL: /api goes to the backend that sets the scheme, / to the default one.
    assert.equal(await get(fe, '/api/x', client), 'api XFP=https XFF=198.51.100.9');
    assert.equal(await get(fe, '/', client), 'web XFP= XFF=198.51.100.9');
    // The listen section's except network does not hold 127.0.0.1: the peer is appended.
    assert.equal(await get(ls, '/', client), 'web XFP= XFF=198.51.100.9, 127.0.0.1');

    // The model of the same file: one route per backend, the scheme rule only on api's, X-Forwarded-For skipped for
    // peers in the except network.
    const facts = readHaproxy('haproxy.cfg', cfg(fe, ls));
    const www = facts.sites.find((s) => s.ref.snippet === 'frontend www');
    const routeOf = (be: string) => www?.routes.find((r) => r.match.includes(`backend ${be}`));
    assert.ok(routeOf('api')?.headers.some((h) => h.name === 'X-Forwarded-Proto' && h.value === 'https'));
    assert.ok(!routeOf('web')?.headers.some((h) => h.name === 'X-Forwarded-Proto'));
    assert.deepEqual(routeOf('web')?.headers.find((h) => h.name === 'X-Forwarded-For')?.unlessPeerIn, ['127.0.0.0/8']);
    const direct = facts.sites.find((s) => s.ref.snippet === 'listen direct');
    assert.equal(direct?.routes[0]?.match, 'listen direct');
    assert.deepEqual(direct?.routes[0]?.headers.find((h) => h.name === 'X-Forwarded-For')?.unlessPeerIn, ['10.0.0.0/8']);
  } finally {
    await haproxy?.stop();
    for (const b of backends) b.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
