// The caddy / haproxy / apache / node process kinds: their failure paths (a broken rendered config fails fast
// with the program's own file:line message, never a hang), and the Caddy fact the scenarios build on — which
// form of trusted_proxies the installed Caddy accepts.
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { systemBinaries } from '../src/bins.js';
import { apacheArgv } from '../src/kinds/apache.js';
import { caddyEnv } from '../src/kinds/caddy.js';
import { linkNodeModules, WORKSPACE_NODE_MODULES } from '../src/kinds/node.js';
import { run } from '../src/proc.js';
import { LabSkip, startScenario } from '../src/runner.js';

/** Starting must fail, because the program exits, with a message matching `pattern`. */
async function assertStartFails(
  t: import('node:test').TestContext,
  id: string,
  vars: Record<string, string>,
  pattern: RegExp,
): Promise<void> {
  try {
    const sc = await startScenario(id, { vars });
    await sc.stop();
  } catch (e) {
    if (e instanceof LabSkip) {
      t.skip(e.message);
      return;
    }
    assert.match((e as Error).message, pattern);
    // Quick by construction, not by a clock: the start failed because the program exited (its own error),
    // not because the readiness wait ran out (haproxy and apache are checked with `-c`/`-t` before they start:
    // "rejected FILE (exit N)"; the others exit on their own: "exited before listening").
    assert.match((e as Error).message, /exited before listening|rejected \S+ \(exit \d+\)/);
    assert.doesNotMatch((e as Error).message, /not listening on .* after \d+ ms/);
    return;
  }
  assert.fail(`${id} started although its config is broken`);
}

function caddyVersion(): [number, number, number] | undefined {
  const bin = systemBinaries().caddy;
  if (!existsSync(bin)) return undefined;
  const m = /v?(\d+)\.(\d+)\.(\d+)/.exec(run([bin, 'version'], { allowFail: true }).stdout);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

test('caddy: which trusted_proxies form the installed Caddy accepts (global servers option needs 2.6.3+)', (t) => {
  const version = caddyVersion();
  if (!version) return t.skip('caddy is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'pplab-caddy-adapt-'));
  try {
    const env = caddyEnv(join(dir, 'run'));
    const adapt = (text: string) => {
      const file = join(dir, 'Caddyfile');
      writeFileSync(file, text);
      const r = run(
        ['env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), systemBinaries().caddy, 'adapt', '--config', file],
        { allowFail: true },
      );
      return { ok: r.code === 0, out: r.stdout + r.stderr };
    };
    const perHandler = adapt(
      '{\n\tadmin off\n}\nhttp://:8080 {\n\treverse_proxy 127.0.0.1:9 {\n\t\ttrusted_proxies 10.0.0.1/32\n\t}\n}\n',
    );
    assert.ok(perHandler.ok, perHandler.out);
    assert.match(perHandler.out, /"trusted_proxies":\["10\.0\.0\.1\/32"\]/);
    const global = adapt(
      '{\n\tadmin off\n\tservers {\n\t\ttrusted_proxies static 10.0.0.1/32\n\t}\n}\nhttp://:8080 {\n\treverse_proxy 127.0.0.1:9\n}\n',
    );
    const [maj, min, patch] = version;
    const atLeast263 = maj > 2 || (maj === 2 && (min > 6 || (min === 6 && patch >= 3)));
    if (atLeast263) assert.ok(global.ok, `Caddy ${version.join('.')} should accept the global form: ${global.out}`);
    else {
      assert.equal(global.ok, false);
      assert.match(global.out, /unrecognized servers option 'trusted_proxies'/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("caddy kind: a missing certificate ends the start with Caddy's message", async (t) => {
  await assertStartFails(
    t,
    '08-caddy-uvicorn-django',
    { CERT: '/nonexistent/proxyproof-cert.pem' },
    /exited before listening[\s\S]*nonexistent\/proxyproof-cert\.pem/,
  );
});

test('haproxy kind: a broken config fails the `haproxy -c` check with file:line', async (t) => {
  await assertStartFails(
    t,
    '10-haproxy-gunicorn-no-xfp',
    { CERT_COMBINED: '/nonexistent/proxyproof.pem' },
    /haproxy rejected [\s\S]*haproxy\.cfg:\d+\][\s\S]*nonexistent\/proxyproof\.pem/,
  );
});

test('apache kind: a broken config fails the `apache2 -t` check with file and line', async (t) => {
  await assertStartFails(
    t,
    '11-apache-gunicorn-no-xfp',
    { KEY: '/nonexistent/proxyproof.key' },
    /apache2 rejected [\s\S]*Syntax error on line \d+ of \S+app\.test\.conf/,
  );
});

test('apache kind: runtime directives on the command line, User/Group only as root', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pplab-apache-argv-'));
  try {
    const asRoot = apacheArgv('/usr/sbin/apache2', '/x/apache2.conf', dir, true);
    assert.deepEqual(asRoot.slice(asRoot.indexOf('-f'), asRoot.indexOf('-f') + 2), ['-f', '/x/apache2.conf']);
    assert.ok(asRoot.includes('User nobody') && asRoot.includes('Group nogroup'));
    assert.ok(asRoot.some((a) => a.startsWith('PidFile ')) && asRoot.some((a) => a.startsWith('ServerRoot ')));
    const after = asRoot.slice(asRoot.indexOf('/x/apache2.conf') + 1);
    assert.deepEqual(after, ['-c', `ErrorLog ${join(dir, 'httpd', 'error.log')}`]);
    const notRoot = apacheArgv('/usr/sbin/apache2', '/x/apache2.conf', dir, false);
    assert.ok(!notRoot.includes('User nobody'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('node kind: links the workspace node_modules into a rendered app dir only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pplab-node-link-'));
  try {
    const app = join(dir, 'app');
    mkdirSync(app);
    linkNodeModules(app, dir); // no package.json: nothing to do
    assert.equal(existsSync(join(app, 'node_modules')), false);
    writeFileSync(join(app, 'package.json'), '{}');
    linkNodeModules(app, dir);
    assert.ok(lstatSync(join(app, 'node_modules')).isSymbolicLink());
    assert.equal(readlinkSync(join(app, 'node_modules')), WORKSPACE_NODE_MODULES);
    linkNodeModules(app, dir); // idempotent
    const outside = mkdtempSync(join(tmpdir(), 'pplab-node-outside-'));
    writeFileSync(join(outside, 'package.json'), '{}');
    linkNodeModules(outside, dir); // not inside the deployment: never touched
    assert.equal(existsSync(join(outside, 'node_modules')), false);
    rmSync(outside, { recursive: true, force: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('node kind: an app that cannot listen ends the start with its own message', async (t) => {
  await assertStartFails(
    t,
    '12-nginx-express-trust-proxy',
    { APP_BIND: 'not-an-address' },
    /exited before listening[\s\S]*cannot listen on not-an-address:3000/,
  );
});
