/**
 * `--front <name>` (and `.proxyproof.json` "front") on lint and doctor, run as a user runs the built CLI
 * (`npm run build` first) on small temporary trees: the named front becomes the chain's load balancer, `none`
 * removes it (and the front inferred from the tree), an unknown name is a one-line usage error.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../helpers.js';

const NGINX_SCHEME = `server {
    listen 80;
    server_name example.com;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-Proto $scheme;
    }
}
`;
const GUNICORN = 'bind = "127.0.0.1:8000"\n';
const ALB_TF = `resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.main.arn
  port              = 443
  protocol          = "HTTPS"
}
`;
const NAMES = 'aws-alb, aws-nlb, gcp-lb, azure-appgw, cloudflare, fly, heroku, render, railway, cloud-run, none';

const made: string[] = [];
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'proxyproof-front-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

interface Json {
  findings: Array<{
    id: string;
    severity: string;
    evidence: Array<{ file: string; line: number }>;
    data?: { chainFinding?: { id?: string } };
  }>;
  doctor?: { topology: { entries: Array<{ lb?: { mode: string; why: string; origin: string; label: string } }> } };
}

function json(args: string[], cwd: string): { code: number | null; out: Json } {
  const r = runCli([...args, '--format', 'json'], { cwd });
  assert.equal(r.stderr, '', `no error expected: ${r.stderr}`);
  return { code: r.code, out: JSON.parse(r.stdout) as Json };
}

/**
 * The finding that says the plain-HTTP nginx forwards $scheme (always http) behind the TLS terminator: the chain's
 * own finding, or the nginx layer finding it explains (one root cause, one headline: `data.chainFinding`).
 */
function schemeLost(out: Json) {
  return out.findings.find(
    (f) =>
      (f.id === 'chain/scheme-lost' || f.data?.chainFinding?.id === 'chain/scheme-lost') &&
      f.evidence.some((e) => e.file === 'site.conf' && e.line === 7),
  );
}

function lbOf(dir: string, args: string[]) {
  const { out } = json(['doctor', '.', ...args], dir);
  return out.doctor?.topology.entries[0]?.lb;
}

describe('--front', () => {
  const cases: Array<{
    name: string;
    files: Record<string, string>;
    args: string[];
    lost: boolean;
    lb?: { mode: string; origin: string; why: RegExp };
  }> = [
    {
      name: 'no front, no hint: nginx is the edge',
      files: { 'site.conf': NGINX_SCHEME, 'gunicorn.conf.py': GUNICORN },
      args: [],
      lost: false,
    },
    {
      name: 'aws-alb: an http balancer sets X-Forwarded-Proto, nginx overwrites it with $scheme',
      files: { 'site.conf': NGINX_SCHEME, 'gunicorn.conf.py': GUNICORN },
      args: ['--front', 'aws-alb'],
      lost: true,
      lb: { mode: 'http', origin: 'declared', why: /declared with --front aws-alb/ },
    },
    {
      name: 'cloudflare: same shape',
      files: { 'site.conf': NGINX_SCHEME, 'gunicorn.conf.py': GUNICORN },
      args: ['--front', 'cloudflare'],
      lost: true,
      lb: { mode: 'http', origin: 'declared', why: /declared with --front cloudflare/ },
    },
    {
      name: 'aws-nlb: TLS at L4, no headers: a tcp balancer',
      files: { 'site.conf': NGINX_SCHEME, 'gunicorn.conf.py': GUNICORN },
      args: ['--front', 'aws-nlb'],
      lost: true,
      lb: { mode: 'tcp', origin: 'declared', why: /declared with --front aws-nlb/ },
    },
    {
      name: 'none: no front',
      files: { 'site.conf': NGINX_SCHEME, 'gunicorn.conf.py': GUNICORN },
      args: ['--front', 'none'],
      lost: false,
    },
    {
      name: '.proxyproof.json "front" works like --front',
      files: { 'site.conf': NGINX_SCHEME, 'gunicorn.conf.py': GUNICORN, '.proxyproof.json': '{\n  "front": "gcp-lb"\n}\n' },
      args: [],
      lost: true,
      lb: { mode: 'http', origin: 'declared', why: /declared with --front gcp-lb \(the "front" of \.proxyproof\.json\)/ },
    },
    {
      name: '--front overrides .proxyproof.json "front"',
      files: { 'site.conf': NGINX_SCHEME, 'gunicorn.conf.py': GUNICORN, '.proxyproof.json': '{ "front": "gcp-lb" }\n' },
      args: ['--front', 'none'],
      lost: false,
    },
    {
      name: 'a front inferred from the tree (a Terraform HTTPS aws_lb_listener) is the balancer, with its evidence',
      files: { 'site.conf': NGINX_SCHEME, 'gunicorn.conf.py': GUNICORN, 'lb.tf': ALB_TF },
      args: [],
      lost: true,
      lb: { mode: 'http', origin: 'inferred', why: /inferred from lb\.tf:1/ },
    },
    {
      name: '--behind-tls-lb still works, and a named front wins over it',
      files: { 'site.conf': NGINX_SCHEME, 'gunicorn.conf.py': GUNICORN },
      args: ['--behind-tls-lb', '--front', 'aws-nlb'],
      lost: true,
      lb: { mode: 'tcp', origin: 'declared', why: /declared with --front aws-nlb/ },
    },
    {
      name: '--front none suppresses the inferred front',
      files: { 'site.conf': NGINX_SCHEME, 'gunicorn.conf.py': GUNICORN, 'lb.tf': ALB_TF },
      args: ['--front', 'none'],
      lost: false,
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const dir = tree(c.files);
      const lint = json(['lint', '.', ...c.args], dir);
      const doctor = json(['doctor', '.', ...c.args], dir);
      assert.equal(Boolean(schemeLost(lint.out)), c.lost, `lint: ${JSON.stringify(lint.out.findings.map((f) => f.id))}`);
      // lint and doctor are one analysis: the same findings and exit code for the same --front.
      const key = (o: Json) => o.findings.map((f) => `${f.id} ${f.severity} ${f.evidence.map((e) => `${e.file}:${e.line}`)}`);
      assert.deepEqual(key(doctor.out), key(lint.out));
      assert.equal(doctor.code, lint.code);
      const lb = lbOf(dir, c.args);
      if (!c.lb) assert.equal(lb, undefined, `no balancer expected: ${JSON.stringify(lb)}`);
      else {
        assert.ok(lb, 'a balancer in front');
        assert.equal(lb.mode, c.lb.mode);
        assert.equal(lb.origin, c.lb.origin);
        assert.match(lb.why, c.lb.why);
      }
    });
  }

  for (const cmd of ['lint', 'doctor']) {
    it(`${cmd}: an unknown --front is a one-line usage error listing the names (exit 2)`, () => {
      const dir = tree({ 'site.conf': NGINX_SCHEME });
      const r = runCli([cmd, '.', '--front', 'aws-elb'], { cwd: dir });
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, `proxyproof: --front: unknown front 'aws-elb' (one of ${NAMES})\n`);
    });

    it(`${cmd}: an unknown "front" in .proxyproof.json names the file and line (exit 2)`, () => {
      const dir = tree({ 'site.conf': NGINX_SCHEME, '.proxyproof.json': '{\n  "front": "gcp"\n}\n' });
      const r = runCli([cmd, '.'], { cwd: dir });
      assert.equal(r.code, 2);
      assert.equal(r.stderr, `proxyproof: .proxyproof.json:2: "front": unknown front 'gcp' (one of ${NAMES})\n`);
    });
  }
});

describe('.proxyproof.json of the analysed tree', () => {
  const lostIn = (args: string[], cwd: string) => {
    const { out } = json(args, cwd);
    return out.findings.some(
      (f) =>
        (f.id === 'chain/scheme-lost' || f.data?.chainFinding?.id === 'chain/scheme-lost') &&
        f.evidence.some((e) => e.file.endsWith('site.conf') && e.line === 7),
    );
  };
  const app = () =>
    tree({ 'site.conf': NGINX_SCHEME, 'gunicorn.conf.py': GUNICORN, '.proxyproof.json': '{ "front": "gcp-lb" }\n' });

  for (const cmd of ['lint', 'doctor'])
    it(`${cmd} DIR from another folder reads DIR/.proxyproof.json (its "front" applies)`, () => {
      const dir = app();
      assert.equal(lostIn([cmd, dir], tree({})), true);
    });

  it('a file of the tree named on the command line: its folder’s .proxyproof.json', () => {
    const dir = app();
    assert.equal(lostIn(['lint', join(dir, 'site.conf'), join(dir, 'gunicorn.conf.py')], tree({})), true);
  });

  it('trap: --no-config-file still reads none', () => {
    assert.equal(lostIn(['lint', app(), '--no-config-file'], tree({})), false);
  });

  it("trap: an analysed folder with none leaves the current folder's (unchanged)", () => {
    const dir = tree({ 'site.conf': NGINX_SCHEME, 'gunicorn.conf.py': GUNICORN });
    assert.equal(lostIn(['lint', dir], tree({ '.proxyproof.json': '{ "front": "gcp-lb" }\n' })), true);
    assert.equal(lostIn(['lint', dir], tree({})), false);
  });
});
