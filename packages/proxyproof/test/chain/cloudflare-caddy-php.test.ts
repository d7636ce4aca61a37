/**
 * Cloudflare -> Caddy -> php-fpm (`doctor --front cloudflare` through the CLI), and the two Caddy facts the chain
 * rests on, checked on Debian's caddy 2.6.2 in front of php-fpm 8.2 with real requests: behind a proxy it trusts
 * (`trusted_proxies`), Caddy passes the proxy's X-Forwarded-Proto on to PHP, but php_fastcgi's `HTTPS` param still
 * follows Caddy's own connection (plain: PHP's `$_SERVER['HTTPS']` is empty, the app believes http); `env HTTPS on`
 * in php_fastcgi replaces it (`caddy adapt` puts it in the fastcgi transport's env).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../helpers.js';
import {
  accepts,
  REQUEST_SAFETY_TIMEOUT_MS,
  type RealProgram,
  RUN_SAFETY_TIMEOUT_MS,
  startOnFreePorts,
} from '../real-program.js';
import { scratchTrees } from '../scratch-trees.js';

const POOL = '[www]\nuser = www-data\nlisten = /run/php/php8.2-fpm.sock\n';
const CF = '173.245.48.0/20 103.21.244.0/22';
const caddyfile = (site: string, inner: string) =>
  `${site} {\n\troot * /var/www/html\n\tphp_fastcgi unix//run/php/php8.2-fpm.sock${inner ? ` {\n${inner}\t}` : ''}\n\tfile_server\n}\n`;

const tree = scratchTrees('pp-cf-caddy-php-');
let trees = 0;
const inDir = <T>(files: Record<string, string>, run: (dir: string) => T): T => run(tree(`t${trees++}`, files));

interface Doctor {
  findings: { id: string; severity: string; message: string; evidence: { file?: string; line?: number }[] }[];
  doctor: {
    routes: {
      verdict: { scheme: { status: string; believed: string } };
      trace: { steps: { label: string; scheme?: string; sent?: Record<string, string> }[] };
    }[];
  };
}

const doctor = (caddy: string): Doctor =>
  inDir({ Caddyfile: caddy, 'pool.d/www.conf': POOL }, (dir) => {
    const r = runCli(['doctor', '.', '--front', 'cloudflare', '--format', 'json'], { cwd: dir });
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    return JSON.parse(r.stdout) as Doctor;
  });

describe('Cloudflare -> Caddy -> php-fpm (doctor --front cloudflare)', () => {
  test('invalid: Flexible SSL (Caddy on plain HTTP) trusting Cloudflare: X-Forwarded-Proto https reaches PHP, HTTPS does not', () => {
    const d = doctor(caddyfile('http://app.example.com', `\t\ttrusted_proxies ${CF}\n`));
    const route = d.doctor.routes[0];
    assert.equal(route?.verdict.scheme.believed, 'http');
    const labels = route?.trace.steps.map((s) => s.label) ?? [];
    assert.ok(labels[1]?.startsWith('Cloudflare'), labels.join(' -> '));
    const caddy = route?.trace.steps.find((s) => s.label.startsWith('caddy'));
    assert.equal(caddy?.sent?.['x-forwarded-proto'], 'https');
    assert.equal(caddy?.sent?.https, undefined);
    const lost = d.findings.find((f) => f.id === 'chain/scheme-lost');
    assert.equal(lost?.severity, 'high');
    assert.match(lost?.message ?? '', /no FastCGI param HTTPS/);
    assert.ok(!d.findings.some((f) => f.id === 'caddy/trusted-proxies-missing'));
  });

  test('invalid: Flexible SSL without trusted_proxies: Caddy replaces Cloudflare’s https with its own http', () => {
    const d = doctor(caddyfile('http://app.example.com', ''));
    const caddy = d.doctor.routes[0]?.trace.steps.find((s) => s.label.startsWith('caddy'));
    assert.equal(caddy?.sent?.['x-forwarded-proto'], 'http');
    assert.equal(d.findings.find((f) => f.id === 'caddy/trusted-proxies-missing')?.severity, 'high');
  });

  test('valid: Flexible SSL, trusted_proxies and `env HTTPS on` in php_fastcgi: PHP believes https', () => {
    const d = doctor(caddyfile('http://app.example.com', `\t\tenv HTTPS on\n\t\ttrusted_proxies ${CF}\n`));
    assert.equal(d.doctor.routes[0]?.verdict.scheme.status, 'correct');
    const caddy = d.doctor.routes[0]?.trace.steps.find((s) => s.label.startsWith('caddy'));
    assert.equal(caddy?.sent?.https, 'on');
    assert.ok(!d.findings.some((f) => f.id === 'chain/scheme-lost'));
  });

  test('trap: Full SSL (Caddy ends TLS itself) without trusted_proxies: HTTPS=on from its own TLS, nothing to fix', () => {
    const d = doctor(caddyfile('app.example.com', ''));
    assert.equal(d.doctor.routes[0]?.verdict.scheme.status, 'correct');
    assert.ok(!d.findings.some((f) => f.id === 'chain/scheme-lost' || f.id === 'caddy/trusted-proxies-missing'));
  });
});

test('caddy adapt (2.6.2): `env HTTPS on` in php_fastcgi is the fastcgi transport’s env', () => {
  inDir({ Caddyfile: caddyfile('http://app.example.com', '\t\tenv HTTPS on\n') }, (dir) => {
    const r = spawnSync('caddy', ['adapt', '--config', 'Caddyfile', '--adapter', 'caddyfile'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: RUN_SAFETY_TIMEOUT_MS,
      env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /"transport":\{"env":\{"HTTPS":"on"\},[^}]*"protocol":"fastcgi"/);
  });
});

describe('caddy + php-fpm (real): what PHP sees behind a trusted proxy on plain HTTP', () => {
  const php = "<?php echo 'HTTPS=' . ($_SERVER['HTTPS'] ?? '') . ' XFP=' . ($_SERVER['HTTP_X_FORWARDED_PROTO'] ?? '');\n";

  async function phpSees(inner: string): Promise<string | undefined> {
    const dir = mkdtempSync(join(tmpdir(), 'pp-caddy-php-real-'));
    const started: RealProgram[] = [];
    try {
      mkdirSync(join(dir, 'www'));
      writeFileSync(join(dir, 'www', 'index.php'), php);
      const sock = join(dir, 'fpm.sock');
      writeFileSync(
        join(dir, 'php-fpm.conf'),
        `[global]\nerror_log = ${dir}/fpm.log\npid = ${dir}/fpm.pid\ndaemonize = no\n[www]\nlisten = ${sock}\nlisten.mode = 0666\npm = static\npm.max_children = 1\n`,
      );
      const root = process.getuid?.() === 0;
      const fpm = await startOnFreePorts({
        name: 'php-fpm',
        ports: 0,
        command: () => ({
          cmd: '/usr/sbin/php-fpm8.2',
          args: ['-F', '-y', join(dir, 'php-fpm.conf'), ...(root ? ['-R'] : [])],
          cwd: dir,
        }),
        // Ready once its socket exists (php-fpm creates it when the pool listens).
        ready: async () => existsSync(sock),
      });
      started.push(fpm);
      const home = join(dir, 'home');
      mkdirSync(home);
      const caddy = await startOnFreePorts({
        name: 'caddy',
        ports: 1,
        command: ([port]) => {
          writeFileSync(
            join(dir, 'Caddyfile'),
            `{\n\tadmin off\n}\nhttp://:${port} {\n\tbind 127.0.0.1\n\troot * ${dir}/www\n\tphp_fastcgi unix/${sock} {\n${inner}\t}\n}\n`,
          );
          return {
            cmd: 'caddy',
            args: ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'],
            cwd: dir,
            env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, XDG_DATA_HOME: home, XDG_CONFIG_HOME: home },
          };
        },
        ready: async ([port]) => accepts(port as number),
      });
      started.push(caddy);
      // The request a proxy in front sends (from 127.0.0.1, which the Caddyfile trusts).
      const r = await fetch(`http://127.0.0.1:${caddy.ports[0]}/index.php`, {
        headers: { 'X-Forwarded-Proto': 'https' },
        signal: AbortSignal.timeout(REQUEST_SAFETY_TIMEOUT_MS),
      });
      return (await r.text()).trim();
    } finally {
      for (const p of started.reverse()) await p.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  test('trusted_proxies: X-Forwarded-Proto https is kept, HTTPS stays empty (the chain’s “no FastCGI param HTTPS”)', async () => {
    assert.equal(await phpSees('\t\ttrusted_proxies 127.0.0.1\n'), 'HTTPS= XFP=https');
  });

  test('not trusted: Caddy replaces the header with its own http', async () => {
    assert.equal(await phpSees('\t\ttrusted_proxies 10.0.0.0/8\n'), 'HTTPS= XFP=http');
  });

  test('env HTTPS on: PHP believes https', async () => {
    assert.equal(await phpSees('\t\tenv HTTPS on\n\t\ttrusted_proxies 127.0.0.1\n'), 'HTTPS=on XFP=https');
  });
});
