/**
 * The proxy readers cross-checked against the real Debian programs: `haproxy -c` (2.6) confirms that
 * http-request rules without `mode http` are ignored, and `caddy adapt` (2.6.2) reads a Caddyfile without
 * braces as one site with the same upstream our reader finds, and `apache2 -t -D DUMP_VHOSTS -D DUMP_INCLUDES`
 * lists the same vhosts (port, name, file:line) and included files as our Apache reader.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { proxySchemeHttpsOnPlainListener } from '../../src/checks/proxy/scheme-https-on-plain-listener.js';
import { readCaddyfile } from '../../src/collectors/caddy/collector.js';
import { readHaproxy } from '../../src/collectors/haproxy/collector.js';
import { lintFiles } from '../python/lint-files.js';
import {
  accepts,
  apacheConf,
  listenOnFreePort,
  REQUEST_SAFETY_TIMEOUT_MS,
  type RealProgram,
  RUN_SAFETY_TIMEOUT_MS,
  selfSignedCert,
  startApache,
  startOnFreePorts,
} from '../real-program.js';

function run(cmd: string, args: string[], cwd: string) {
  return spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: RUN_SAFETY_TIMEOUT_MS,
    env: { ...process.env, HOME: cwd, XDG_DATA_HOME: cwd, XDG_CONFIG_HOME: cwd },
  });
}

test('haproxy -c: http-request rules without mode http are ignored, as our reader reports', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-haproxy-'));
  try {
    const cfg =
      'frontend https\n  bind 127.0.0.1:18443\n  http-request set-header X-Forwarded-For %[src]\n  default_backend m\nbackend m\n  server m 127.0.0.1:8008\n';
    writeFileSync(join(dir, 'haproxy.cfg'), cfg);
    const r = run('haproxy', ['-c', '-f', 'haproxy.cfg'], dir);
    assert.match(`${r.stdout}${r.stderr}`, /'http-request' rules ignored for frontend 'https' as they require HTTP mode/);
    const facts = readHaproxy('haproxy.cfg', cfg);
    assert.equal(facts.sites[0]?.mode, 'tcp');
    assert.equal(facts.haproxy?.rulesWithoutHttpMode[0]?.section, 'frontend https');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('caddy adapt: a Caddyfile without braces is one site; upstream and header_up as we read them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-caddy-'));
  try {
    const src = 'example.com\n\nreverse_proxy 127.0.0.1:8096 {\n\theader_up X-Real-IP {http.request.header.X-Real-IP}\n}\n';
    writeFileSync(join(dir, 'Caddyfile'), src);
    const r = run('caddy', ['adapt', '--config', 'Caddyfile', '--adapter', 'caddyfile'], dir);
    assert.equal(r.status, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    const route = json.apps.http.servers.srv0.routes[0];
    assert.deepEqual(route.match[0].host, ['example.com']);
    const text = JSON.stringify(route);
    assert.match(text, /"dial":"127\.0\.0\.1:8096"/);
    assert.match(text, /"X-Real-Ip":\["\{http\.request\.header\.X-Real-IP\}"\]/);
    const ours = readCaddyfile('Caddyfile', src).config;
    assert.equal(ours.sites.length, 1);
    assert.deepEqual(ours.sites[0]?.names, ['example.com']);
    assert.equal(ours.sites[0]?.routes[0]?.upstreams[0]?.text, '127.0.0.1:8096');
    assert.equal(ours.sites[0]?.routes[0]?.headers.find((h) => h.name === 'X-Real-IP')?.value, '{in:x-real-ip}');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('caddy adapt (2.6.2): the global servers trusted_proxies is rejected, the per-directive form the fix writes is read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-caddy-'));
  try {
    writeFileSync(
      join(dir, 'Global'),
      '{\n\tservers {\n\t\ttrusted_proxies static 127.0.0.1\n\t}\n}\n:8080 {\n\treverse_proxy 127.0.0.1:3000\n}\n',
    );
    const g = run('caddy', ['adapt', '--config', 'Global', '--adapter', 'caddyfile'], dir);
    assert.notEqual(g.status, 0);
    assert.match(g.stderr, /unrecognized servers option 'trusted_proxies'/);
    const fixed =
      ':8080 {\n\tbind 127.0.0.1\n\tphp_fastcgi unix//run/php/php8.2-fpm.sock {\n\t\ttrusted_proxies 127.0.0.1 ::1\n\t}\n}\n';
    writeFileSync(join(dir, 'Caddyfile'), fixed);
    const r = run('caddy', ['adapt', '--config', 'Caddyfile', '--adapter', 'caddyfile'], dir);
    assert.equal(r.status, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    const server = json.apps.http.servers.srv0;
    assert.deepEqual(server.listen, ['127.0.0.1:8080']);
    assert.match(JSON.stringify(server.routes), /"trusted_proxies":\["127\.0\.0\.1","::1"\]/);
    assert.match(
      JSON.stringify(server.routes),
      /"dial":"\/run\/php\/php8\.2-fpm\.sock","network":"unix"|"dial":"unix\/\/run\/php\/php8\.2-fpm\.sock"/,
    );
    const ours = readCaddyfile('Caddyfile', fixed).config;
    assert.equal(ours.sites[0]?.listeners[0]?.address, '127.0.0.1');
    assert.equal(ours.sites[0]?.trust.mode, 'list');
    assert.deepEqual(ours.sites[0]?.routes[0]?.upstreams[0]?.address, { kind: 'unix', path: '/run/php/php8.2-fpm.sock' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function getText(url: string, headers: Record<string, string>): Promise<string | undefined> {
  try {
    const r = await fetch(url, { headers, signal: AbortSignal.timeout(REQUEST_SAFETY_TIMEOUT_MS) });
    return await r.text();
  } catch {
    return undefined;
  }
}

test('apache2 (real): mod_proxy_http appends to the client X-Forwarded-For; RequestHeader unset X-Forwarded-For (the fix of proxy/client-ip-leftmost-spoofable) leaves only the peer', async () => {
  const { createServer } = await import('node:http');
  const dir = mkdtempSync(join(tmpdir(), 'pp-apache-'));
  const backend = createServer((req, res) => res.end(`XFF=${req.headers['x-forwarded-for'] ?? ''}`));
  const backendPort = await listenOnFreePort(backend);
  const started: RealProgram[] = [];
  try {
    const ask = (port: number) => getText(`http://127.0.0.1:${port}/`, { 'X-Forwarded-For': '1.2.3.4' });
    const serve = async (name: string, extra: string) => {
      const mods = ['mpm_event', 'authz_core', 'headers', 'proxy', 'proxy_http'];
      const vhost = `<VirtualHost *:*>\n${extra}    ProxyPass / http://127.0.0.1:${backendPort}/\n</VirtualHost>\n`;
      // Ready once apache (its pid file) answers through the backend.
      const apache = await startApache(
        dir,
        name,
        (port) => apacheConf(dir, name, mods, port, vhost),
        async (port) => (await ask(port))?.startsWith('XFF=') === true,
      );
      started.push(apache);
      return apache.port;
    };
    assert.equal(await ask(await serve('plain', '')), 'XFF=1.2.3.4, 127.0.0.1');
    assert.equal(await ask(await serve('fixed', '    RequestHeader unset X-Forwarded-For\n')), 'XFF=127.0.0.1');
  } finally {
    for (const apache of started) await apache.stop();
    backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('apache2 -t -D DUMP_VHOSTS -D DUMP_INCLUDES (real): our vhosts (port, name, file:line) and the files Include pulls in are the ones Apache reports', async () => {
  const { lintFiles } = await import('../python/lint-files.js');
  const dir = mkdtempSync(join(tmpdir(), 'pp-apache-dump-'));
  try {
    const mods = ['mpm_event', 'authz_core', 'headers', 'proxy', 'proxy_http']
      .map((m) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`)
      .join('\n');
    const files: Record<string, string> = {
      'apache2.conf': `ServerRoot ${dir}\nServerName localhost\n${mods}\nPidFile ${dir}/httpd.pid\nErrorLog ${dir}/httpd.err\nListen 127.0.0.1:18080\nListen 127.0.0.1:18081\nIncludeOptional sites-enabled/*.conf\n`,
      'sites-enabled/app.conf':
        '<VirtualHost 127.0.0.1:18080>\n    ServerName app.example.org\n    Include conf.d/app.partial\n</VirtualHost>\n\n<VirtualHost 127.0.0.1:18081>\n    ServerName admin.example.org\n    RequestHeader set X-Forwarded-Proto "http"\n    Include conf.d/app.partial\n</VirtualHost>\n',
      'conf.d/app.partial': 'ProxyPass / http://127.0.0.1:3000/\nProxyPassReverse / http://127.0.0.1:3000/\n',
    };
    for (const [name, text] of Object.entries(files)) {
      const { mkdirSync } = await import('node:fs');
      const { dirname } = await import('node:path');
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const r = spawnSync('apache2', ['-f', join(dir, 'apache2.conf'), '-t', '-D', 'DUMP_VHOSTS', '-D', 'DUMP_INCLUDES'], {
      encoding: 'utf8',
      timeout: RUN_SAFETY_TIMEOUT_MS,
    });
    assert.equal(r.status, 0, r.stderr);
    const out = `${r.stdout}\n${r.stderr}`;
    // "127.0.0.1:18080        app.example.org (/tmp/.../sites-enabled/app.conf:1)"
    const theirs = [...out.matchAll(/^\s*([\d.]+):(\d+)\s+(\S+)\s+\((\S+):(\d+)\)/gm)]
      .map((m) => `${m[2]} ${m[3]} ${(m[4] as string).slice(dir.length + 1)}:${m[5]}`)
      .sort();
    // "  (8) /tmp/.../conf.d/app.partial" under "Included configuration files:"
    const includes = [
      ...new Set([...out.matchAll(/^\s*\(\d+\)\s+(\S+)$/gm)].map((m) => (m[1] as string).slice(dir.length + 1))),
    ].sort();
    assert.ok(theirs.length === 2, out);
    assert.ok(includes.includes('conf.d/app.partial'), out);

    const { facts } = await lintFiles(files, []);
    const sites = (facts.proxies ?? []).filter((p) => p.kind === 'apache').flatMap((p) => p.sites);
    const ours = sites
      .filter((s) => s.listeners.length > 0)
      .map((s) => `${s.listeners[0]?.port} ${s.names[0]} ${s.ref.file}:${s.ref.line}`)
      .sort();
    assert.deepEqual(ours, theirs);
    // Both vhosts proxy through the included partial, each with its own rules; the partial is no site of its own.
    const routeFiles = [...new Set(sites.flatMap((s) => s.routes.map((x) => `${x.ref.file}:${x.ref.line}`)))];
    assert.deepEqual(routeFiles, ['conf.d/app.partial:1']);
    assert.equal(sites.filter((s) => s.routes.length > 0).length, 2);
    const admin = sites.find((s) => s.names[0] === 'admin.example.org');
    assert.ok(admin?.routes[0]?.headers.some((h) => h.name === 'X-Forwarded-Proto'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('haproxy (real): an unconditional set-header X-Forwarded-Proto https reaches the backend on the plain bind too; the fix of haproxy/scheme-https-on-plain-bind sends http there and https on the ssl bind', async () => {
  const { createServer } = await import('node:http');
  const { request } = await import('node:https');
  const { haproxySchemeHttpsOnPlainBind } = await import('../../src/checks/haproxy/scheme-https-on-plain-bind.js');
  const dir = mkdtempSync(join(tmpdir(), 'pp-haproxy-xfp-'));
  const backend = createServer((req, res) => res.end(`XFP=${req.headers['x-forwarded-proto'] ?? ''}`));
  const backendPort = await listenOnFreePort(backend);
  const started: RealProgram[] = [];
  try {
    const { combined } = selfSignedCert(dir, 'app.test');
    const config = (plainPort: number, tlsPort: number) => [
      'defaults',
      '  mode http',
      '  timeout client 5s',
      '  timeout server 5s',
      '  timeout connect 5s',
      'frontend www',
      `  bind 127.0.0.1:${plainPort}`,
      `  bind 127.0.0.1:${tlsPort} ssl crt ${combined}`,
      '  http-request set-header X-Forwarded-Proto https',
      '  default_backend app',
      'backend app',
      `  server a 127.0.0.1:${backendPort}`,
    ];
    // Our check on the config (its ports do not matter to it); the real ones are picked when haproxy starts.
    const facts = { proxies: [readHaproxy('haproxy.cfg', `${config(8080, 8443).join('\n')}\n`)] } as Parameters<
      typeof haproxySchemeHttpsOnPlainBind.run
    >[0];
    const [f] = haproxySchemeHttpsOnPlainBind.run(facts);
    assert.ok(f?.fix?.lines && f.fix.line === 9 && f.fix.placement === 'replace', JSON.stringify(f));
    const fixLines = f.fix.lines;
    const fixed = (lines: string[]) => [...lines.slice(0, 8), ...fixLines.map((l) => `  ${l}`), ...lines.slice(9)];
    const plainGet = (port: number) => getText(`http://127.0.0.1:${port}/`, { 'X-Forwarded-Proto': 'http' });
    const tlsGet = (port: number) =>
      new Promise<string | undefined>((res) => {
        const r = request(
          { host: '127.0.0.1', port, path: '/', rejectUnauthorized: false, timeout: REQUEST_SAFETY_TIMEOUT_MS },
          (rs) => {
            let b = '';
            rs.on('data', (c) => {
              b += c;
            });
            rs.on('end', () => res(b));
          },
        );
        r.on('error', () => res(undefined));
        r.on('timeout', () => r.destroy());
        r.end();
      });
    const serve = async (name: string, cfg: (lines: string[]) => string[]) => {
      const haproxy = await startOnFreePorts({
        name: `haproxy (${name})`,
        ports: 2,
        command: ([plain, tls]) => {
          writeFileSync(join(dir, name), `${cfg(config(plain as number, tls as number)).join('\n')}\n`);
          const c = run('haproxy', ['-c', '-f', name], dir);
          assert.equal(c.status, 0, `${c.stdout}${c.stderr}`);
          return { cmd: 'haproxy', args: ['-db', '-f', join(dir, name)] };
        },
        // Ready once both binds answer through our backend (nothing else answers 'XFP=').
        ready: async ([plain, tls]) =>
          (await plainGet(plain as number))?.startsWith('XFP=') === true &&
          (await tlsGet(tls as number))?.startsWith('XFP=') === true,
      });
      started.push(haproxy);
      const [plain, tls] = haproxy.ports as [number, number];
      const answers = [await plainGet(plain), await tlsGet(tls)];
      await haproxy.stop();
      return answers;
    };
    assert.deepEqual(await serve('bad.cfg', (l) => l), ['XFP=https', 'XFP=https']);
    assert.deepEqual(await serve('fixed.cfg', fixed), ['XFP=http', 'XFP=https']);
  } finally {
    for (const haproxy of started) await haproxy.stop();
    backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

function get(port: number, host: string, headers: Record<string, string> = {}): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/x', headers: { Host: host, ...headers } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, location: res.headers.location });
    });
    req.on('error', reject);
    req.setTimeout(REQUEST_SAFETY_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

test("caddy run (2.6.2): a host-name site's automatic :80 redirect answers 308 even to X-Forwarded-Proto: https, as our reader models it", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-caddy-run-'));
  const site = 'app.example.com {\n\treverse_proxy 127.0.0.1:9\n}\n';
  const global = (httpPort: number, httpsPort: number, extra: string) =>
    `{\n\thttp_port ${httpPort}\n\thttps_port ${httpsPort}\n\tlocal_certs\n\tskip_install_trust\n\tadmin off\n\tstorage file_system ${dir}/data\n${extra}}\n`;
  // Caddy on free ports (HTTP, HTTPS; or HTTPS only, with the HTTP port given), ready once its HTTPS port accepts.
  const caddy = (caddyfile: (http: number, https: number) => string, heldHttp?: number) =>
    startOnFreePorts({
      name: 'caddy',
      ports: heldHttp === undefined ? 2 : 1,
      command: (ports) => {
        const [http, https] = heldHttp === undefined ? ports : [heldHttp, ports[0]];
        writeFileSync(join(dir, 'Caddyfile'), caddyfile(http as number, https as number));
        return {
          cmd: 'caddy',
          args: ['run', '--config', 'Caddyfile', '--adapter', 'caddyfile'],
          cwd: dir,
          env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
        };
      },
      ready: async (ports) => accepts(ports.at(-1) as number),
    });
  try {
    const on = await caddy((http, https) => global(http, https, '') + site);
    try {
      const [httpPort, httpsPort] = on.ports as [number, number];
      const answer = await get(httpPort, 'app.example.com', { 'X-Forwarded-Proto': 'https' });
      assert.equal(answer.status, 308);
      assert.equal(answer.location, 'https://app.example.com/x');
      const ours = readCaddyfile('Caddyfile', global(httpPort, httpsPort, '') + site).config.sites[0];
      assert.equal(ours?.redirectDecidedBy, 'connection');
      assert.ok(ours?.listeners.some((l) => l.port === httpPort && !l.tls));
    } finally {
      await on.stop();
    }
    // disable_redirects: no HTTP server at all for this site. Proved by holding the HTTP port ourselves: caddy
    // starts and serves HTTPS while we hold it (it would exit "address already in use" if it bound the port).
    // Asking a closed port instead could meet another test's server that took it meanwhile.
    const held = createNetServer();
    const heldPort = await listenOnFreePort(held);
    try {
      const off = await caddy((http, https) => global(http, https, '\tauto_https disable_redirects\n') + site, heldPort);
      try {
        const httpsPort = off.ports[0] as number;
        assert.ok(await accepts(httpsPort));
        assert.equal(
          readCaddyfile('Caddyfile', global(heldPort, httpsPort, '\tauto_https disable_redirects\n') + site).config.sites[0]
            ?.redirectsToHttps,
          undefined,
        );
      } finally {
        await off.stop();
      }
    } finally {
      held.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('caddy adapt (2.6.2): every directive we read as Caddy 1 syntax is refused, and such a file is Not read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-caddy1-'));
  try {
    // Each Caddy 1 directive alone in an otherwise valid Caddy 2 site: Caddy 2 refuses the file at it.
    for (const [directive, line] of [
      ['proxy / app:5000 {\n    header_upstream X-Forwarded-Proto {scheme}\n}', 'proxy'],
      ['gzip', 'gzip'],
      ['errors stdout', 'errors'],
      ['fastcgi / 127.0.0.1:9000 php', 'fastcgi'],
      ['ext .html', 'ext'],
      ['internal /secret', 'internal'],
      ['websocket /ws cat', 'websocket'],
      ['status 404 /hidden', 'status'],
    ] as const) {
      const src = `example.com {\n    ${directive}\n    reverse_proxy app:5000\n}\n`;
      writeFileSync(join(dir, 'Caddyfile'), src);
      const r = run('caddy', ['adapt', '--config', 'Caddyfile', '--adapter', 'caddyfile'], dir);
      assert.notEqual(r.status, 0, `caddy adapt accepted ${line}`);
      assert.match(r.stderr, new RegExp(`unrecognized directive: ${line}`));
      assert.deepEqual(readCaddyfile('Caddyfile', src).caddy1, { name: line, line: 2 });
    }
    // The same site without it is Caddy 2's, and nothing is flagged.
    const v2 =
      'example.com {\n    encode gzip\n    handle_errors {\n        respond "oops"\n    }\n    reverse_proxy app:5000\n}\n';
    writeFileSync(join(dir, 'Caddyfile'), v2);
    assert.equal(run('caddy', ['adapt', '--config', 'Caddyfile', '--adapter', 'caddyfile'], dir).status, 0);
    assert.equal(readCaddyfile('Caddyfile', v2).caddy1, undefined);
    // In a folder with nothing else, the Caddy 1 file is the only input and it is unusable: exit 2, saying why.
    writeFileSync(join(dir, 'Caddyfile'), 'example.com {\n    proxy / app:5000 {\n        transparent\n    }\n}\n');
    const { lintPaths } = await import('../../src/engine/lint.js');
    await assert.rejects(lintPaths([dir]), /Caddy 1 syntax \(`proxy` at line 2\)/);
    // Beside a file we do read, it is listed under "Not read" with its line.
    writeFileSync(join(dir, 'gunicorn.conf.py'), 'bind = "0.0.0.0:8000"\n');
    const { analysis } = await lintPaths([dir]);
    const nr = analysis.notRead.find((n) => n.file.endsWith('Caddyfile'));
    assert.equal(nr?.line, 2);
    assert.match(nr?.reason ?? '', /Caddy 2 stops at it \("unrecognized directive: proxy"\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('caddy run (2.6.2) and apache2 (real): a literal X-Forwarded-Proto https on a plain-HTTP site reaches the backend for a plain request, whatever the client sent; proxy/scheme-https-on-plain-listener reads both', async () => {
  const { createServer } = await import('node:http');
  const dir = mkdtempSync(join(tmpdir(), 'pp-literal-https-'));
  const backend = createServer((req, res) => res.end(`XFP=${req.headers['x-forwarded-proto'] ?? ''}`));
  const backendPort = await listenOnFreePort(backend);
  const started: RealProgram[] = [];
  // A plain request carrying the client's own `X-Forwarded-Proto: http`: the proxy's literal replaces it.
  const ask = (port: number) => getText(`http://127.0.0.1:${port}/`, { 'X-Forwarded-Proto': 'http' });
  try {
    const caddySite = (port: number) =>
      `{\n\tadmin off\n}\nhttp://127.0.0.1:${port} {\n\treverse_proxy 127.0.0.1:${backendPort} {\n\t\theader_up X-Forwarded-Proto https\n\t}\n}\n`;
    const caddy = await startOnFreePorts({
      name: 'caddy',
      ports: 1,
      command: (ports) => {
        writeFileSync(join(dir, 'Caddyfile'), caddySite(ports[0] as number));
        return {
          cmd: 'caddy',
          args: ['run', '--config', 'Caddyfile', '--adapter', 'caddyfile'],
          cwd: dir,
          env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
        };
      },
      // Ready once caddy answers through the backend.
      ready: async (ports) => (await ask(ports[0] as number))?.startsWith('XFP=') === true,
    });
    started.push(caddy);
    assert.equal(await ask(caddy.ports[0] as number), 'XFP=https');
    const vhost = `<VirtualHost *:*>\n    RequestHeader set X-Forwarded-Proto "https"\n    ProxyPass / http://127.0.0.1:${backendPort}/\n</VirtualHost>\n`;
    const apache = await startApache(
      dir,
      'literal',
      (port) => apacheConf(dir, 'literal', ['mpm_event', 'authz_core', 'headers', 'proxy', 'proxy_http'], port, vhost),
      async (port) => (await ask(port))?.startsWith('XFP=') === true,
    );
    started.push(apache);
    assert.equal(await ask(apache.port), 'XFP=https');
    // Our reading of the same two sites: the check names the literal line of each.
    const { findings } = await lintFiles(
      {
        Caddyfile: caddySite(8080),
        'site.conf': `<VirtualHost *:80>\n    RequestHeader set X-Forwarded-Proto "https"\n    ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n`,
      },
      [proxySchemeHttpsOnPlainListener],
    );
    assert.deepEqual(findings.map((f) => `${f.evidence[0]?.file}:${f.evidence[0]?.line}`).sort(), ['Caddyfile:6', 'site.conf:2']);
  } finally {
    for (const p of started) await p.stop();
    backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
