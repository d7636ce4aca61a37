/**
 * Conformance with the real gunicorn (Debian's 20.1, /usr/bin/gunicorn): for each deployment, what
 * `gunicorn --print-config` resolves for bind and forwarded_allow_ips must equal what the deploy
 * collector derives statically from the same command line, environment and config file.
 * `--print-config` loads the settings and exits; no server is started and no app is imported.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseBindSpec } from '../../src/collectors/deploy/appserver.js';
import { lintPaths } from '../../src/engine/lint.js';
import { RUN_SAFETY_TIMEOUT_MS } from '../real-program.js';

const GUNICORN = '/usr/bin/gunicorn';
const have = existsSync(GUNICORN);

interface Case {
  name: string;
  args: string[];
  env?: Record<string, string>;
  config?: Record<string, string>;
}

const cases: Case[] = [
  { name: 'no options: defaults', args: [] },
  { name: 'PORT set and no bind: 0.0.0.0:$PORT', args: [], env: { PORT: '9999' } },
  { name: 'PORT set but -b given', args: ['-b', '127.0.0.1:7000'], env: { PORT: '9999' } },
  { name: 'FORWARDED_ALLOW_IPS=* in the environment', args: [], env: { FORWARDED_ALLOW_IPS: '*' } },
  {
    name: 'repeated -b and an abbreviated --forwarded-allow',
    args: ['-b', '127.0.0.1:8001', '--bind=unix:/tmp/pp.sock', '--forwarded-allow', '10.0.0.1,10.0.0.2'],
  },
  {
    name: 'default ./gunicorn.conf.py',
    args: [],
    config: { 'gunicorn.conf.py': "bind = ['0.0.0.0:7001']\nforwarded_allow_ips = '172.18.0.2'\n" },
  },
  {
    name: 'config file then the command line',
    args: ['--forwarded-allow-ips=1.2.3.4'],
    config: { 'gunicorn.conf.py': "bind = '0.0.0.0:7002'\nforwarded_allow_ips = '*'\n" },
  },
  {
    name: 'GUNICORN_CMD_ARGS over the config file',
    args: [],
    env: { GUNICORN_CMD_ARGS: '--bind=0.0.0.0:7003 --forwarded-allow-ips=10.9.9.9' },
    config: { 'gunicorn.conf.py': "bind = '127.0.0.1:1'\nforwarded_allow_ips = '5.5.5.5'\n" },
  },
  {
    name: '-c other file reading the environment',
    args: ['-c', 'conf/prod.py'],
    env: { APP_BIND: '0.0.0.0:7004' },
    config: {
      'conf/prod.py':
        "import os\nbind = os.environ.get('APP_BIND', '127.0.0.1:8000')\nforwarded_allow_ips = os.environ.get('TRUST', '127.0.0.1')\n",
    },
  },
  {
    name: 'FORWARDED_ALLOW_IPS env loses to the config file',
    args: [],
    env: { FORWARDED_ALLOW_IPS: '*' },
    config: { 'gunicorn.conf.py': "forwarded_allow_ips = '10.1.1.1'\n" },
  },
];

function printConfig(dir: string, c: Case): { bind: string[]; fai: string[] } {
  const env: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', ...c.env };
  const r = spawnSync(GUNICORN, ['--print-config', ...c.args, 'app:app'], {
    cwd: dir,
    env,
    encoding: 'utf8',
    timeout: RUN_SAFETY_TIMEOUT_MS,
  });
  // A run the safety net killed says so (its output is cut short).
  const out = `${r.stdout}${r.stderr}${r.error ? `\n[${r.error.message}]` : ''}`;
  const list = (name: string) => {
    const m = new RegExp(`^${name}\\s+=\\s+\\[(.*)\\]$`, 'm').exec(out);
    assert.ok(m, `gunicorn printed ${name}:\n${out}`);
    return [...(m[1] as string).matchAll(/'([^']*)'/g)].map((x) => x[1] as string);
  };
  return { bind: list('bind'), fai: list('forwarded_allow_ips') };
}

for (const c of cases) {
  test(`gunicorn --print-config agrees: ${c.name}`, {
    skip: have ? false : 'Debian gunicorn (/usr/bin/gunicorn) is not installed',
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-gunicorn-'));
    try {
      for (const [name, text] of Object.entries(c.config ?? {})) {
        const p = join(dir, name);
        (await import('node:fs')).mkdirSync(join(p, '..'), { recursive: true });
        writeFileSync(p, text);
      }
      const quote = (a: string) => (/[\s"'\\*]/.test(a) ? `"${a.replace(/(["\\])/g, '\\$1')}"` : a);
      const envLines = Object.entries(c.env ?? {}).map(([k, v]) => `Environment="${k}=${v}"`);
      writeFileSync(
        join(dir, 'app.service'),
        ['[Service]', ...envLines, `ExecStart=/usr/bin/gunicorn ${c.args.map(quote).join(' ')} app:app`, ''].join('\n'),
      );
      const real = printConfig(dir, c);
      const { facts } = await lintPaths(['.'], { cwd: dir, checks: [] });
      const s = facts.appServers.find((x) => x.launch.via === 'systemd');
      assert.ok(s, 'the collector found the gunicorn launch');
      const norm = (spec: string) => {
        const b = parseBindSpec(spec);
        return b.kind === 'unix' ? `unix:${b.path}` : `${b.host === '' ? '0.0.0.0' : b.host}:${b.port}`;
      };
      const ours = s.binds.map((b) => (b.kind === 'unix' ? `unix:${b.path}` : `${b.host === '' ? '0.0.0.0' : b.host}:${b.port}`));
      assert.deepEqual(ours, real.bind.map(norm), `bind: gunicorn says ${JSON.stringify(real.bind)}`);
      assert.deepEqual(s.trustedProxies.value, real.fai, `forwarded_allow_ips: gunicorn says ${JSON.stringify(real.fai)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
