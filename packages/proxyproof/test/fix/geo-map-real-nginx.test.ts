/**
 * nginx/scheme-behind-tls-terminator's mechanical fix, on the real nginx: a plain server behind a balancer it trusts
 * with realip (set_real_ip_from 127.0.0.2) forwards `X-Forwarded-Proto $scheme`. `fix --write` writes the geo and map
 * above the server block and `$forwarded_proto` in the location (nginx -t checks it); the patched nginx then passes
 * the balancer's `X-Forwarded-Proto: https` from 127.0.0.2 and replaces a client's forged one from 127.0.0.1 with
 * `http`. A second `fix` writes nothing and lint no longer reports the check. Without set_real_ip_from the address
 * is `--proxy-address`'s, and plain `fix` gives advice.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runFix } from '../../src/commands/fix.js';
import { lintPaths } from '../../src/engine/lint.js';
import { freePort, nginxPidIs } from '../real-nginx.js';
import { REQUEST_SAFETY_TIMEOUT_MS, startOnFreePorts } from '../real-program.js';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => spawnSync(p, ['-v']).status === 0);

function listen(s: Server): Promise<number> {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
}

/** GET / through nginx from `from` (a loopback source address), with the given headers: the proto the app saw. */
function seenProto(port: number, from: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        localAddress: from,
        headers: { Host: 'shop.test', ...headers },
        agent: false,
        timeout: REQUEST_SAFETY_TIMEOUT_MS,
      },
      (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve(body));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const site = (port: number, upstream: number, realIp: string) => `server {
  listen 127.0.0.1:${port};
  server_name shop.test;
${realIp}  real_ip_header X-Forwarded-For;

  location / {
    proxy_pass http://127.0.0.1:${upstream};
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-Proto $scheme;
  }
}
`;

describe('the geo/map fix of scheme-behind-tls-terminator on the real nginx', {
  skip: NGINX ? false : 'nginx is not installed',
}, () => {
  const dirs: string[] = [];
  const procs: ChildProcess[] = [];
  const servers: Server[] = [];
  after(() => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
    for (const s of servers) s.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function tree(realIp: string): Promise<{ dir: string; port: number }> {
    const dir = mkdtempSync(join(tmpdir(), 'pp-geo-map-'));
    dirs.push(dir);
    for (const d of ['logs', 'tmp', 'conf.d']) mkdirSync(join(dir, d));
    const app = createServer((req, res) => res.end(String(req.headers['x-forwarded-proto'] ?? '(none)')));
    servers.push(app);
    const upstream = await listen(app);
    const port = await freePort();
    writeFileSync(
      join(dir, 'nginx.conf'),
      `daemon off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/logs/error.log;\nevents {}\nhttp {\n  access_log off;\n` +
        `  client_body_temp_path ${dir}/tmp/cb;\n  proxy_temp_path ${dir}/tmp/p;\n  fastcgi_temp_path ${dir}/tmp/f;\n` +
        `  uwsgi_temp_path ${dir}/tmp/u;\n  scgi_temp_path ${dir}/tmp/s;\n  include ${dir}/conf.d/*.conf;\n}\n`,
    );
    writeFileSync(join(dir, 'conf.d', 'shop.conf'), site(port, upstream, realIp));
    return { dir, port };
  }

  /**
   * nginx -t, start the patched nginx, and check whom it believes (the balancer is 127.0.0.2). The port written in
   * the tree was free when the tree was made; lint and fix ran since, so another test may hold it now: the start
   * moves the site's listen line to a fresh free port (the patch under test is elsewhere) and retries only that.
   */
  async function believesOnlyTheBalancer(dir: string, written: number): Promise<void> {
    const shop = join(dir, 'conf.d', 'shop.conf');
    let current = written;
    let attempt = 0;
    const nginx = await startOnFreePorts({
      name: 'nginx',
      ports: 1,
      command: ([fresh]) => {
        const port = attempt++ === 0 ? written : (fresh as number);
        const text = readFileSync(shop, 'utf8');
        writeFileSync(shop, text.replace(`listen 127.0.0.1:${current};`, `listen 127.0.0.1:${port};`));
        current = port;
        rmSync(join(dir, 'nginx.pid'), { force: true });
        const t = spawnSync(NGINX as string, ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
        assert.equal(t.status, 0, t.stderr);
        return { cmd: NGINX as string, args: ['-p', dir, '-c', join(dir, 'nginx.conf')] };
      },
      ready: async (_ports, child) => nginxPidIs(dir, child.pid) && (await seenProto(current, '127.0.0.1', {})) !== undefined,
      polls: 600,
    });
    procs.push(nginx.child);
    const port = current;
    // The balancer (127.0.0.2) ended TLS and says so: believed.
    assert.equal(await seenProto(port, '127.0.0.2', { 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '203.0.113.7' }), 'https');
    // Anyone else: nginx's own scheme, whatever they claim.
    assert.equal(await seenProto(port, '127.0.0.1', { 'X-Forwarded-Proto': 'https' }), 'http');
    assert.equal(await seenProto(port, '127.0.0.1', {}), 'http');
  }

  test('fix --write, nginx -t, restart: the balancer is believed, a forged header from anyone else is not', async () => {
    const { dir, port } = await tree('  set_real_ip_from 127.0.0.2;\n');
    const run = await runFix([dir], { write: true, cwd: dir });
    const patch = run.plan.patches.map((p) => p.diff).join('');
    assert.match(
      patch,
      /^\+geo \$realip_remote_addr \$from_trusted_proxy \{\n\+ {4}default 0;\n\+ {4}127\.0\.0\.2 1;\n\+\}$/m,
      patch,
    );
    assert.match(patch, /^\+ {4}proxy_set_header X-Forwarded-Proto \$forwarded_proto;$/m, patch);
    for (const w of run.written) assert.equal(w.status, 'written', `${w.file}: ${w.reason ?? ''} ${w.validation?.output ?? ''}`);
    const conf = readFileSync(join(dir, 'conf.d', 'shop.conf'), 'utf8');
    assert.match(conf, /^map "\$from_trusted_proxy:\$http_x_forwarded_proto" \$forwarded_proto \{$/m);
    await believesOnlyTheBalancer(dir, port);
    // Converged: nothing more to write, and the finding is gone.
    assert.deepEqual((await runFix([dir], { cwd: dir })).plan.patches, []);
    const left = (await lintPaths([dir], { cwd: dir })).report.findings.map((f) => f.id);
    assert.ok(!left.includes('nginx/scheme-behind-tls-terminator'), left.join(', '));
  });

  test('no set_real_ip_from (a balancer known by its redirect on X-Forwarded-Proto): advice naming --proxy-address; with it, the same fix', async () => {
    const { dir, port } = await tree('');
    // Elastic Beanstalk's layout: the server redirects on the balancer's header, so a balancer is in front.
    const file = join(dir, 'conf.d', 'shop.conf');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        '  real_ip_header X-Forwarded-For;\n',
        "  if ($http_x_forwarded_proto = 'http') {\n    return 301 https://$host$request_uri;\n  }\n",
      ),
    );
    const dry = await runFix([dir], { cwd: dir });
    const advice = dry.plan.advice.find((a) => a.id === 'nginx/scheme-behind-tls-terminator');
    assert.match(advice?.reason ?? '', /--proxy-address/, JSON.stringify(dry.plan.advice));
    assert.ok(!dry.plan.patches.some((p) => p.findings.includes('nginx/scheme-behind-tls-terminator')));
    const run = await runFix([dir], { write: true, cwd: dir, proxyAddress: '127.0.0.2' });
    const patch = run.plan.patches.map((p) => p.diff).join('');
    assert.match(patch, /^\+ {4}127\.0\.0\.2 1;$/m, patch);
    for (const w of run.written) assert.equal(w.status, 'written', `${w.file}: ${w.reason ?? ''} ${w.validation?.output ?? ''}`);
    await believesOnlyTheBalancer(dir, port);
    assert.deepEqual((await runFix([dir], { cwd: dir, proxyAddress: '127.0.0.2' })).plan.patches, []);
  });

  // nginx/forwarded-proto-missing on a server whose TLS a template branch switches on (Mailu's front): `$scheme` is
  // right only in the TLS rendering; rendered without the branch a proxy in front ends TLS. The fix takes the same
  // shape as above (geo and map at the http level, `$forwarded_proto` in the location), mechanical once the front's
  // address is given, and the plain rendering of the patched template then believes only that front.
  test('TLS only in a template branch: forwarded-proto-missing writes the geo/map shape with --proxy-address; the plain rendering believes only the front', async () => {
    const { dir, port } = await tree('');
    const upstream = /proxy_pass http:\/\/127\.0\.0\.1:(\d+);/.exec(readFileSync(join(dir, 'conf.d', 'shop.conf'), 'utf8'))?.[1];
    rmSync(join(dir, 'conf.d', 'shop.conf'));
    const template = join(dir, 'conf.d', 'shop.conf.j2');
    writeFileSync(
      template,
      `server {\n  listen 127.0.0.1:${port};\n  {% if TLS %}\n  listen 127.0.0.1:${port + 1} ssl;\n  {% endif %}\n` +
        `  server_name shop.test;\n\n  location / {\n    proxy_pass http://127.0.0.1:${upstream};\n    proxy_set_header Host $host;\n  }\n}\n`,
    );
    const before = (await lintPaths([dir], { cwd: dir })).report.findings.map((f) => f.id);
    assert.ok(before.includes('nginx/forwarded-proto-missing'), before.join(', '));
    const dry = await runFix([dir], { cwd: dir });
    const advice = dry.plan.advice.find((a) => a.id === 'nginx/forwarded-proto-missing');
    assert.match(advice?.reason ?? '', /<proxy address>.*--proxy-address/, JSON.stringify(dry.plan.advice));
    const run = await runFix([dir], { write: true, cwd: dir, proxyAddress: '127.0.0.2' });
    for (const w of run.written) assert.equal(w.status, 'written', `${w.file}: ${w.reason ?? ''} ${w.validation?.output ?? ''}`);
    const patched = readFileSync(template, 'utf8');
    assert.match(
      patched,
      /^geo \$realip_remote_addr \$from_trusted_proxy \{\n {4}default 0;\n {4}127\.0\.0\.2 1;\n\}$/m,
      patched,
    );
    assert.match(
      patched,
      /^ {4}proxy_set_header Host \$host;\n {4}proxy_set_header X-Forwarded-Proto \$forwarded_proto;$/m,
      patched,
    );
    assert.equal(patched.match(/^geo /gm)?.length, 1, patched);
    // The plain rendering (the branch off), the one where `$scheme` would have been wrong.
    writeFileSync(join(dir, 'conf.d', 'shop.conf'), patched.replace(/ *\{% if TLS %\}\n[\s\S]*?\{% endif %\}\n/, ''));
    rmSync(template);
    await believesOnlyTheBalancer(dir, port);
    writeFileSync(template, patched);
    rmSync(join(dir, 'conf.d', 'shop.conf'));
    assert.deepEqual((await runFix([dir], { cwd: dir, proxyAddress: '127.0.0.2' })).plan.patches, []);
    const left = (await lintPaths([dir], { cwd: dir })).report.findings.map((f) => f.id);
    assert.ok(!left.includes('nginx/forwarded-proto-missing'), left.join(', '));
  });
});
