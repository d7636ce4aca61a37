/**
 * What `fix` (and the doctor's fix plan) writes when the user says a TLS load balancer fronts the proxy
 * (`--behind-tls-lb`, issue 13): the balancer ends TLS, so `$scheme` on the proxy's plain listener is always http and a
 * `proxy_set_header X-Forwarded-Proto $scheme;` patch there would overwrite the balancer's https. The flag is the
 * generic front `tls-lb` for every analysis of the command (the plan's second, checking analysis included); a named
 * front still wins over it. Run as a user runs the built CLI (`npm run build` first).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../helpers.js';

const SETTINGS = "SECURE_SSL_REDIRECT = True\nSECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')\n";
const UNIT = '[Service]\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:8000 app.wsgi\n';
const site = (headers: string) => `server {
    listen 80;
    server_name shop.example.com;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header Host $host;
${headers}    }
}
`;
/** No scheme header at all: nginx passes the client's (here: the balancer's) X-Forwarded-Proto through. */
const PASSES = site('');
/** `$scheme`: right on nginx's own edge, always http behind a TLS balancer. */
const SCHEME = site('        proxy_set_header X-Forwarded-Proto $scheme;\n');

const made: string[] = [];
function tree(nginx: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'proxyproof-tlslb-'));
  made.push(dir);
  const files = { 'nginx/site.conf': nginx, 'app/settings.py': SETTINGS, 'gunicorn.service': UNIT };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}
after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

interface FixJson {
  findings: Array<{ id: string }>;
  fix: { patches: Array<{ file: string; findings: string[]; diff: string }>; advice: Array<{ id: string; lines?: string[] }> };
}

function fixJson(dir: string, args: string[]): FixJson {
  const r = runCli(['fix', '.', ...args, '--format', 'json'], { cwd: dir });
  assert.equal(r.stderr, '', `no error expected: ${r.stderr}`);
  return JSON.parse(r.stdout) as FixJson;
}

/** The lines the nginx patch adds, or undefined when nginx's file is not patched. */
function nginxAdded(out: FixJson): string[] | undefined {
  const p = out.fix.patches.find((x) => x.file === 'nginx/site.conf');
  return p?.diff.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++'));
}

describe('fix --behind-tls-lb: the patch on the proxy behind the balancer', () => {
  const cases: Array<{
    name: string;
    nginx: string;
    args: string[];
    /** A line the nginx patch must add; null: nginx is not patched; undefined: not asked. */
    adds?: RegExp | null;
    /** A line it must not add. */
    never?: RegExp;
    /** The finding whose fix is advice, not a patch. */
    advice?: string;
  }> = [
    {
      name: 'trap: without the flag nginx is the edge, and `$scheme` replaces a client-sent X-Forwarded-Proto',
      nginx: PASSES,
      args: [],
      adds: /proxy_set_header X-Forwarded-Proto \$scheme;/,
    },
    {
      name: 'behind the declared balancer the passed-through header is its https: no `$scheme` patch, the guarded map as advice',
      nginx: PASSES,
      args: ['--behind-tls-lb'],
      adds: null,
      advice: 'nginx/forwarded-proto-passthrough',
    },
    {
      name: '`$scheme` behind the declared balancer: without its address the guarded map is advice',
      nginx: SCHEME,
      args: ['--behind-tls-lb'],
      adds: null,
      advice: 'nginx/scheme-behind-tls-terminator',
    },
    {
      name: '`$scheme` behind the declared balancer, its address given: the geo/map believe its header from it only',
      nginx: SCHEME,
      args: ['--behind-tls-lb', '--proxy-address', '10.0.0.5'],
      adds: /proxy_set_header X-Forwarded-Proto \$forwarded_proto;/,
      never: /X-Forwarded-Proto \$scheme/,
    },
    {
      name: 'trap: `$scheme` with no balancer is right (nginx is the edge on plain HTTP): nothing to patch in nginx',
      nginx: SCHEME,
      args: [],
      adds: null,
    },
    {
      name: 'a named front wins over the flag: an L4 NLB sends no header, so no map of its header is planned',
      nginx: SCHEME,
      args: ['--behind-tls-lb', '--front', 'aws-nlb'],
      never: /forwarded_proto/,
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const out = fixJson(tree(c.nginx), c.args);
      const added = nginxAdded(out);
      if (c.adds === undefined) {
        // Not asked: only `never` below.
      } else if (c.adds === null) assert.equal(added, undefined, `no nginx patch expected: ${JSON.stringify(added)}`);
      else {
        assert.ok(added, `an nginx patch expected; advice: ${JSON.stringify(out.fix.advice.map((a) => a.id))}`);
        assert.ok(
          added.some((l) => c.adds?.test(l)),
          `added lines: ${JSON.stringify(added)}`,
        );
      }
      if (c.never) {
        assert.ok(!(added ?? []).some((l) => c.never?.test(l)), `added lines: ${JSON.stringify(added)}`);
        assert.ok(!out.fix.advice.some((a) => a.lines?.some((l) => c.never?.test(l))), JSON.stringify(out.fix.advice));
      }
      if (c.advice)
        assert.ok(
          out.fix.advice.some((a) => a.id === c.advice && a.lines?.some((l) => /\$forwarded_proto/.test(l))),
          `advice: ${JSON.stringify(out.fix.advice)}`,
        );
    });
  }

  it('--write behind the balancer leaves a config that lints clean with the same flag', () => {
    const dir = tree(SCHEME);
    const w = runCli(['fix', '.', '--behind-tls-lb', '--proxy-address', '10.0.0.5', '--write'], { cwd: dir });
    assert.equal(w.stderr, '', w.stderr);
    const conf = readFileSync(join(dir, 'nginx/site.conf'), 'utf8');
    assert.match(conf, /10\.0\.0\.5 1;/);
    const lint = runCli(['lint', '.', '--behind-tls-lb', '--format', 'json'], { cwd: dir });
    const ids = (JSON.parse(lint.stdout) as FixJson).findings.map((f) => f.id);
    assert.deepEqual(ids, []);
  });

  it('doctor --behind-tls-lb plans the same as fix --behind-tls-lb (one front for both analyses)', () => {
    const dir = tree(PASSES);
    const d = runCli(['doctor', '.', '--behind-tls-lb', '--format', 'json'], { cwd: dir });
    assert.equal(d.stderr, '', d.stderr);
    const text = d.stdout;
    assert.ok(!/X-Forwarded-Proto \$scheme/.test(text), 'the doctor plans no $scheme line behind the balancer');
  });
});
