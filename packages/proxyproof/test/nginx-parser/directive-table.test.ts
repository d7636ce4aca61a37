/**
 * The directive table (contexts, argument counts) against real nginx: for each directive, in each analysed
 * context, `nginx -t` decides whether it is "not allowed here", and with 0..3 arguments whether it has an
 * "invalid number of arguments"; our analyzer must agree. Debian's nginx 1.22 is the reference; directives
 * of modules it lacks ("unknown directive") are skipped. By default a fixed subset runs (the directives the
 * checks rely on; about 330 nginx -t runs); PROXYPROOF_FULL_NGINX_TABLE=1 runs the whole table (~5,600
 * runs, about a minute). Differences we keep on purpose: `resolver` in upstream (nginx >= 1.27.3).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { allowedIn, analyzeDirective, isKnownDirective } from '../../src/collectors/nginx/index.js';
import { RUN_SAFETY_TIMEOUT_MS } from '../real-program.js';

const NGINX = '/usr/sbin/nginx';
const FULL = process.env.PROXYPROOF_FULL_NGINX_TABLE === '1';
const SUBSET = [
  'listen',
  'server_name',
  'location',
  'if',
  'return',
  'rewrite',
  'set',
  'root',
  'proxy_pass',
  'proxy_set_header',
  'uwsgi_pass',
  'uwsgi_param',
  'fastcgi_pass',
  'fastcgi_param',
  'scgi_pass',
  'scgi_param',
  'grpc_pass',
  'grpc_set_header',
  'ssl_certificate',
  'http2',
  'set_real_ip_from',
  'real_ip_header',
  'add_header',
  'map',
  'geo',
  'upstream',
];
const SKIP = new Set(['include', 'resolver', 'resolver_timeout']);

const CONTEXTS: [string, string[], (d: string) => string][] = [
  ['main', [], (d) => `${d}\nevents {}\n`],
  ['events', ['events'], (d) => `events {\n${d}\n}\n`],
  ['http', ['http'], (d) => `events {}\nhttp {\n${d}\n}\n`],
  ['server', ['http', 'server'], (d) => `events {}\nhttp {\nserver {\n${d}\n}\n}\n`],
  ['location', ['http', 'location'], (d) => `events {}\nhttp {\nserver {\nlocation / {\n${d}\n}\n}\n}\n`],
  ['upstream', ['http', 'upstream'], (d) => `events {}\nhttp {\nupstream u {\nserver 127.0.0.1;\n${d}\n}\n}\n`],
  ['if in server', ['http', 'server', 'if'], (d) => `events {}\nhttp {\nserver {\nif ($a) {\n${d}\n}\n}\n}\n`],
  [
    'if in location',
    ['http', 'location', 'if'],
    (d) => `events {}\nhttp {\nserver {\nlocation / {\nif ($a) {\n${d}\n}\n}\n}\n}\n`,
  ],
  [
    'limit_except',
    ['http', 'location', 'limit_except'],
    (d) => `events {}\nhttp {\nserver {\nlocation / {\nlimit_except GET {\n${d}\n}\n}\n}\n}\n`,
  ],
];

function tableNames(): string[] {
  const src = readFileSync(fileURLToPath(new URL('../../src/collectors/nginx/directives.ts', import.meta.url)), 'utf8');
  const table = src.slice(src.indexOf('const TABLE'), src.indexOf('const MASKS'));
  return [...table.matchAll(/^ {2}([a-z0-9_]+): \[/gm)].map((m) => m[1] as string);
}

const dir = existsSync(NGINX) ? mkdtempSync(join(tmpdir(), 'pp-table-')) : '';
after(() => dir && rmSync(dir, { recursive: true, force: true }));

function nginxT(body: string): string {
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, `error_log ${dir}/error.log;\npid ${dir}/nginx.pid;\n${body}`);
  const r = spawnSync(NGINX, ['-t', '-q', '-e', `${dir}/error.log`, '-p', dir, '-c', conf], {
    encoding: 'utf8',
    timeout: RUN_SAFETY_TIMEOUT_MS,
  });
  return r.stderr ?? '';
}

/** A statement that satisfies our own arity for the directive (so only the context is in question). */
function statement(name: string, ctx: string[]): string {
  for (const n of [1, 0, 2, 3, 4]) {
    const args = Array.from({ length: n }, (_, k) => (k === 0 ? 'on' : `x${k}`));
    for (const term of [';', '{']) {
      if (!analyzeDirective(name, args, term, ctx))
        return term === '{' ? `${name} ${args.join(' ')} { }` : `${name} ${args.join(' ')};`;
    }
  }
  return `${name} x;`;
}

describe('directive table agrees with real nginx -t', { skip: !existsSync(NGINX) && 'no nginx' }, () => {
  const names = (FULL ? tableNames() : SUBSET).filter((n) => !SKIP.has(n));

  it('the subset is in the table', () => {
    for (const n of SUBSET) assert.ok(isKnownDirective(n), n);
  });

  it(`contexts: ${FULL ? 'every directive' : `${names.length} directives`} x ${CONTEXTS.length} contexts`, () => {
    const wrong: string[] = [];
    for (const name of names) {
      const home = CONTEXTS.find(([, ctx]) => allowedIn(name, ctx))?.[1] ?? ['http'];
      const stmt = statement(name, home);
      for (const [label, ctx, wrap] of CONTEXTS) {
        const err = nginxT(wrap(stmt));
        if (/unknown directive/.test(err)) break;
        const nginxAllows = !/is not allowed here/.test(err);
        if (nginxAllows !== allowedIn(name, ctx))
          wrong.push(`${name} in ${label}: nginx ${nginxAllows ? 'allows' : 'rejects'} (${err.split('\n')[0]})`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('argument counts 0..3 in the directive’s first context', () => {
    const wrong: string[] = [];
    for (const name of names) {
      const found = CONTEXTS.find(([, ctx]) => allowedIn(name, ctx) && !(name === 'server' && ctx[1] === 'upstream'));
      if (!found) continue;
      const [, ctx, wrap] = found;
      const isBlock = analyzeDirective(name, [], ';', ctx)?.reason.includes('no opening') ?? false;
      for (let n = 0; n <= 3; n++) {
        const args = Array.from({ length: n }, (_, k) => (k === 0 ? 'on' : `x${k}`));
        const err = nginxT(wrap(isBlock ? `${name} ${args.join(' ')} { }` : `${name} ${args.join(' ')};`));
        if (/unknown directive/.test(err)) break;
        const nginxRejects = /invalid number of arguments/.test(err);
        const ours = analyzeDirective(name, args, isBlock ? '{' : ';', ctx);
        const weReject = Boolean(ours && /invalid number of arguments/.test(ours.reason));
        if (nginxRejects !== weReject) wrong.push(`${name} with ${n} args: nginx ${nginxRejects ? 'rejects' : 'accepts'}`);
      }
    }
    assert.deepEqual(wrong, []);
  });
});
