/**
 * Apache's own redirect to https read as a redirect (collectors/apache httpsRedirect): mod_alias `Redirect`/
 * `RedirectMatch` and mod_rewrite rules to https decided by the connection or by X-Forwarded-Proto, the chain's loop
 * behind a TLS load balancer, and the real apache2 (Debian 2.4) answering as the model says.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readApache } from '../../src/collectors/apache/collector.js';
import { lintPaths } from '../../src/engine/lint.js';
import { apacheConf, listenOnFreePort, type RealProgram, startApache } from '../real-program.js';

/** Lints a small tree behind a declared AWS ALB (`--front aws-alb`), as the CLI does. */
async function behindAlb(files: Record<string, string>) {
  const { mkdirSync } = await import('node:fs');
  const { dirname } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'pp-apache-alb-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    return (await lintPaths(['.'], { cwd: dir, front: { name: 'aws-alb', origin: 'declared' } })).report;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const vhost = (body: string, port = 80) =>
  `<VirtualHost *:${port}>\n    ServerName app.example.com\n${body}    ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n`;

const table: Array<{ name: string; body: string; port?: number; expect?: { line: number; by: string } }> = [
  {
    name: 'Redirect / https://',
    body: '    Redirect permanent / https://app.example.com/\n',
    expect: { line: 3, by: 'connection' },
  },
  {
    name: 'Redirect 301 / https://',
    body: '    Redirect 301 / https://app.example.com/\n',
    expect: { line: 3, by: 'connection' },
  },
  {
    name: 'RedirectMatch ^/(.*)$',
    body: '    RedirectMatch 301 ^/(.*)$ https://app.example.com/$1\n',
    expect: { line: 3, by: 'connection' },
  },
  {
    name: 'RewriteCond %{HTTPS} off',
    body: '    RewriteEngine On\n    RewriteCond %{HTTPS} off\n    RewriteRule ^ https://%{HTTP_HOST}%{REQUEST_URI} [R=301,L]\n',
    expect: { line: 5, by: 'connection' },
  },
  {
    name: 'RewriteCond %{HTTPS} !=on, rule (.*)',
    body: '    RewriteEngine on\n    RewriteCond %{HTTPS} !=on\n    RewriteRule (.*) https://%{HTTP_HOST}%{REQUEST_URI} [L,R=permanent]\n',
    expect: { line: 5, by: 'connection' },
  },
  {
    name: 'RewriteCond %{HTTP:X-Forwarded-Proto} !https (behind a load balancer)',
    body: '    RewriteEngine On\n    RewriteCond %{HTTP:X-Forwarded-Proto} !https\n    RewriteRule ^/?(.*) https://%{SERVER_NAME}/$1 [R,L]\n',
    expect: { line: 5, by: 'forwarded-proto-any' },
  },
  {
    name: 'RewriteCond %{HTTP:X-Forwarded-Proto} =http: only a request whose header says http',
    body: '    RewriteEngine On\n    RewriteCond %{HTTP:X-Forwarded-Proto} =http\n    RewriteRule ^ https://%{HTTP_HOST}%{REQUEST_URI} [R=301,L]\n',
    expect: { line: 5, by: 'forwarded-proto-http' },
  },
  {
    name: 'RewriteCond %{HTTP:X-Forwarded-Proto} ^http$ [NC]',
    body: '    RewriteEngine On\n    RewriteCond %{HTTP:X-Forwarded-Proto} ^http$ [NC]\n    RewriteRule ^ https://%{HTTP_HOST}%{REQUEST_URI} [R=301,L]\n',
    expect: { line: 5, by: 'forwarded-proto-http' },
  },
  {
    name: 'trap: RewriteCond %{HTTP:X-Forwarded-Proto} http is an unanchored regex "https" matches too: not modelled',
    body: '    RewriteEngine On\n    RewriteCond %{HTTP:X-Forwarded-Proto} http\n    RewriteRule ^ https://%{HTTP_HOST}%{REQUEST_URI} [R=301,L]\n',
  },
  {
    name: 'trap: Redirect of one path only',
    body: '    Redirect / http://other.example.com/\n    Redirect /admin https://app.example.com/admin\n',
  },
  {
    name: 'trap: RewriteEngine off',
    body: '    RewriteCond %{HTTPS} off\n    RewriteRule ^ https://%{HTTP_HOST}%{REQUEST_URI} [R=301,L]\n',
  },
  {
    name: 'trap: a host condition makes it partial',
    body: '    RewriteEngine On\n    RewriteCond %{HTTP_HOST} ^www\\. [NC]\n    RewriteRule ^ https://app.example.com%{REQUEST_URI} [R=301,L]\n',
  },
  {
    name: 'trap: a rewrite to https without [R] is an internal rewrite/proxy',
    body: '    RewriteEngine On\n    RewriteRule ^ https://backend/ [P]\n',
  },
  {
    name: 'trap: the TLS vhost is not redirected',
    body: '    SSLEngine on\n    Redirect / https://app.example.com/\n',
    port: 443,
  },
];

for (const c of table)
  test(`apache redirect reader: ${c.name}`, () => {
    const site = readApache('site.conf', vhost(c.body, c.port)).config.sites[0];
    assert.ok(site);
    if (!c.expect) {
      assert.equal(site.redirectsToHttps, undefined, JSON.stringify(site.redirectsToHttps));
      return;
    }
    assert.equal(site.redirectsToHttps?.line, c.expect.line);
    assert.equal(site.redirectDecidedBy, c.expect.by);
  });

const UNIT =
  '[Service]\nExecStart=/srv/venv/bin/gunicorn --bind 127.0.0.1:8000 app.wsgi\nWorkingDirectory=/srv/app\n[Install]\nWantedBy=multi-user.target\n';

test('chain: a TLS load balancer in front of Apache :80 that redirects by %{HTTPS} loops (chain/scheme-lost, critical)', async () => {
  const { findings } = await behindAlb({
    'apache/site.conf': vhost(
      '    RewriteEngine On\n    RewriteCond %{HTTPS} off\n    RewriteRule ^ https://%{HTTP_HOST}%{REQUEST_URI} [R=301,L]\n',
    ),
    'gunicorn.service': UNIT,
  });
  const loop = findings.find((f) => f.id === 'chain/scheme-lost' && /ERR_TOO_MANY_REDIRECTS/.test(f.message));
  assert.ok(loop, findings.map((f) => `${f.id} ${f.message}`).join('\n'));
  assert.equal(loop.severity, 'critical');
});

test('chain: the X-Forwarded-Proto form does not loop behind the load balancer (it sends https)', async () => {
  const { findings } = await behindAlb({
    'apache/site.conf': vhost(
      '    RewriteEngine On\n    RewriteCond %{HTTP:X-Forwarded-Proto} !https\n    RewriteRule ^ https://%{HTTP_HOST}%{REQUEST_URI} [R=301,L]\n',
    ),
    'gunicorn.service': UNIT,
  });
  const loop = findings.find((f) => /ERR_TOO_MANY_REDIRECTS/.test(f.message));
  assert.equal(loop, undefined, loop?.message);
});

test('apache2 (real): %{HTTPS} off redirects even with X-Forwarded-Proto: https; the %{HTTP:X-Forwarded-Proto} forms believe the header from anyone, =http only when it says http', async () => {
  const { createServer } = await import('node:http');
  const dir = mkdtempSync(join(tmpdir(), 'pp-apache-redir-'));
  const backend = createServer((_req, res) => res.end('BACKEND'));
  const backendPort = await listenOnFreePort(backend);
  const started: RealProgram[] = [];
  try {
    const ask = async (port: number, headers: Record<string, string>) => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/x`, { headers, redirect: 'manual', signal: AbortSignal.timeout(3000) });
        return `${res.status} ${res.status === 200 ? await res.text() : (res.headers.get('location') ?? '')}`;
      } catch {
        return undefined;
      }
    };
    const serve = async (name: string, cond: string) => {
      const mods = ['mpm_event', 'authz_core', 'rewrite', 'proxy', 'proxy_http'];
      let conf = '';
      const apache = await startApache(
        dir,
        name,
        (port) => {
          const rules = `    RewriteEngine On\n    RewriteCond ${cond}\n    RewriteRule ^ https://%{HTTP_HOST}%{REQUEST_URI} [R=301,L]\n`;
          conf = apacheConf(
            dir,
            name,
            mods,
            port,
            vhost(rules, port).replace('http://127.0.0.1:8000/', `http://127.0.0.1:${backendPort}/`),
          );
          return conf;
        },
        // Ready once apache (its pid file) answers this request: a redirect or the backend.
        async (port) => /^(301 https|200 BACKEND)/.test((await ask(port, {})) ?? ''),
      );
      started.push(apache);
      // Our reader on the very file apache2 runs.
      return { port: apache.port, site: readApache(`${name}.conf`, conf).config.sites[0] };
    };
    const https = await serve('https', '%{HTTPS} off');
    assert.equal(https.site?.redirectDecidedBy, 'connection');
    assert.match((await ask(https.port, { 'X-Forwarded-Proto': 'https' })) ?? '', /^301 https:\/\/127\.0\.0\.1:\d+\/x$/);
    const xfp = await serve('xfp', '%{HTTP:X-Forwarded-Proto} !https');
    assert.equal(xfp.site?.redirectDecidedBy, 'forwarded-proto-any');
    assert.equal(await ask(xfp.port, { 'X-Forwarded-Proto': 'https' }), '200 BACKEND');
    assert.match((await ask(xfp.port, {})) ?? '', /^301 https:/);
    // `=http`: a request without the header goes to the backend; only the header's own http is redirected.
    const onlyHttp = await serve('xfphttp', '%{HTTP:X-Forwarded-Proto} =http');
    assert.equal(onlyHttp.site?.redirectDecidedBy, 'forwarded-proto-http');
    assert.equal(await ask(onlyHttp.port, {}), '200 BACKEND');
    assert.equal(await ask(onlyHttp.port, { 'X-Forwarded-Proto': 'https' }), '200 BACKEND');
    assert.match((await ask(onlyHttp.port, { 'X-Forwarded-Proto': 'http' })) ?? '', /^301 https:/);
  } finally {
    for (const apache of started) await apache.stop();
    backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
