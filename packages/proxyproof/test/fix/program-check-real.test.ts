/**
 * `fix --write` checked by the real program that reads each patched file (fix/programs.ts): Apache
 * (`apache2ctl -t`, a site file from sites-available checked inside a main config that loads the proxy modules,
 * or the tree's own main config), HAProxy (`haproxy -c`) and Caddy (`caddy validate`). A mechanical fix passes
 * the program's check and is kept, with its backup and the reload command; a change the program rejects is undone
 * from the backup and reported as such. Each test starts the real Debian program; it is skipped where the program
 * is not installed.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runFix } from '../../src/commands/fix.js';
import { lintPaths } from '../../src/engine/lint.js';
import { planFixes } from '../../src/fix/plan.js';
import { findProgram } from '../../src/fix/programs.js';
import { writePlan } from '../../src/fix/write.js';
import type { Finding } from '../../src/model/finding.js';
import { selfSignedCert } from '../real-program.js';
import { tree } from './tree.js';

/** A finding whose fix is a line the program does not know: what a wrong fix would look like. */
function bogus(file: string, line: number, text: string): Finding {
  return {
    id: 'test/bogus',
    severity: 'low',
    title: 't',
    message: 'm',
    why: 'w',
    references: [],
    docs: '',
    evidence: [{ file, line }],
    fix: { description: 'd', file, line, placement: 'after', lines: [text] },
  };
}

const APACHE_SITE = (cert: string, key: string) => `<VirtualHost *:8443>
    ServerName app.test
    SSLEngine on
    SSLCertificateFile ${cert}
    SSLCertificateKeyFile ${key}

    ProxyPreserveHost On
    ProxyPass / http://127.0.0.1:8000/
    ProxyPassReverse / http://127.0.0.1:8000/
</VirtualHost>
`;

test('fix --write, Apache: a site in sites-available (linked from sites-enabled) gets RequestHeader, apache2ctl -t accepts it in a main config with the proxy modules', async (t) => {
  if (!findProgram('apache2ctl') || !findProgram('openssl')) return t.skip('apache2 or openssl is not installed');
  const dir = tree({});
  try {
    const { cert, key } = selfSignedCert(dir, 'app.test');
    const site = join(dir, 'apache2/sites-available/app.conf');
    mkdirSync(join(dir, 'apache2/sites-available'), { recursive: true });
    mkdirSync(join(dir, 'apache2/sites-enabled'), { recursive: true });
    writeFileSync(site, APACHE_SITE(cert, key));
    symlinkSync('../sites-available/app.conf', join(dir, 'apache2/sites-enabled/app.conf'));
    const run = await runFix(['apache2/sites-enabled'], { cwd: dir, write: true });
    const diff = run.plan.patches.map((p) => p.diff).join('');
    assert.match(diff, /^\+ {4}RequestHeader set X-Forwarded-Proto "?https"?/m, diff);
    assert.equal(run.plan.patches[0]?.file, 'apache2/sites-available/app.conf', 'patched at the link target');
    const w = run.written[0];
    assert.equal(w?.status, 'written', JSON.stringify(run.written));
    assert.equal(w?.validation?.status, 'ok', JSON.stringify(w?.validation));
    assert.match(w?.validation?.command ?? '', /^apache2ctl -t \(.*app\.conf included by a main config/);
    assert.equal(w?.reload, 'apache2ctl configtest && systemctl reload apache2');
    assert.ok(existsSync(`${site}.orig`), 'backup next to the target');
    assert.equal(readFileSync(`${site}.orig`, 'utf8'), APACHE_SITE(cert, key));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fix --write, Apache: a change apache2ctl -t rejects is undone from the backup', async (t) => {
  if (!findProgram('apache2ctl') || !findProgram('openssl')) return t.skip('apache2 or openssl is not installed');
  const dir = tree({});
  try {
    const { cert, key } = selfSignedCert(dir, 'app.test');
    writeFileSync(join(dir, 'site.conf'), APACHE_SITE(cert, key));
    const { facts } = await lintPaths(['site.conf'], { cwd: dir });
    const plan = planFixes(facts, [bogus('site.conf', 8, '    RequestHeaderTypo set X-Forwarded-Proto "https"')], { cwd: dir });
    assert.equal(plan.patches[0]?.program, 'apache', 'the Apache config is known as Apache by its facts, not its name');
    const r = writePlan(plan, facts, { cwd: dir });
    assert.equal(r[0]?.status, 'restored', JSON.stringify(r));
    assert.match(r[0]?.validation?.output ?? '', /Invalid command 'RequestHeaderTypo'/);
    assert.equal(readFileSync(join(dir, 'site.conf'), 'utf8'), APACHE_SITE(cert, key));
    assert.ok(!existsSync(join(dir, 'site.conf.orig')), 'no backup left behind');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const HAPROXY = (combined: string) => `global
    maxconn 64

defaults
    mode http
    option forwardfor
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend https_in
    bind 127.0.0.1:8443 ssl crt ${combined}
    default_backend app

backend app
    server gunicorn 127.0.0.1:8000
`;

test('fix --write, HAProxy: set-header X-Forwarded-Proto from ssl_fc passes haproxy -c; a line haproxy rejects is undone', async (t) => {
  if (!findProgram('haproxy') || !findProgram('openssl')) return t.skip('haproxy or openssl is not installed');
  const dir = tree({});
  try {
    const { combined } = selfSignedCert(dir, 'app.test');
    mkdirSync(join(dir, 'haproxy'));
    writeFileSync(join(dir, 'haproxy/haproxy.cfg'), HAPROXY(combined));
    const run = await runFix(['haproxy'], { cwd: dir, write: true });
    const diff = run.plan.patches.map((p) => p.diff).join('');
    // The scheme of the connection HAProxy received (https where TLS ends here, http elsewhere).
    assert.match(diff, /^\+\s+http-request set-header X-Forwarded-Proto %\[ssl_fc,iif\(https,http\)\]$/m, diff);
    const w = run.written[0];
    assert.equal(w?.status, 'written', JSON.stringify(run.written));
    assert.equal(w?.validation?.status, 'ok', JSON.stringify(w?.validation));
    assert.match(w?.reload ?? '', /^haproxy -c -f .*haproxy\.cfg && systemctl reload haproxy$/);
    const fixed = readFileSync(join(dir, 'haproxy/haproxy.cfg'), 'utf8');
    const { facts } = await lintPaths(['haproxy'], { cwd: dir });
    const plan = planFixes(facts, [bogus('haproxy/haproxy.cfg', 13, '    http-request set-heder X-Oops 1')], { cwd: dir });
    const r = writePlan(plan, facts, { cwd: dir });
    assert.equal(r[0]?.status, 'restored', JSON.stringify(r));
    assert.match(r[0]?.validation?.output ?? '', /set-heder/);
    assert.equal(readFileSync(join(dir, 'haproxy/haproxy.cfg'), 'utf8'), fixed);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const CADDYFILE = (cert: string, key: string) => `{
\tadmin off
\tskip_install_trust
}

https://app.test:8443 {
\ttls ${cert} ${key}
\treverse_proxy 127.0.0.1:8000 {
\t\theader_up X-Forwarded-Proto {http.request.header.X-Forwarded-Proto}
\t}
}
`;

test('fix --write, Caddy: the copied header_up becomes {scheme}, caddy validate accepts it; a directive Caddy rejects is undone', async (t) => {
  if (!findProgram('caddy') || !findProgram('openssl')) return t.skip('caddy or openssl is not installed');
  const dir = tree({});
  try {
    const { cert, key } = selfSignedCert(dir, 'app.test');
    writeFileSync(join(dir, 'Caddyfile'), CADDYFILE(cert, key));
    const run = await runFix(['Caddyfile'], { cwd: dir, write: true });
    const diff = run.plan.patches.map((p) => p.diff).join('');
    assert.match(diff, /^\+\t\theader_up X-Forwarded-Proto \{scheme\}$/m, diff);
    const w = run.written[0];
    assert.equal(w?.status, 'written', JSON.stringify(run.written));
    assert.equal(w?.validation?.status, 'ok', JSON.stringify(w?.validation));
    const fixed = readFileSync(join(dir, 'Caddyfile'), 'utf8');
    const { facts } = await lintPaths(['Caddyfile'], { cwd: dir });
    const plan = planFixes(facts, [bogus('Caddyfile', 8, '\t\theader_upp X-Oops 1')], { cwd: dir });
    const r = writePlan(plan, facts, { cwd: dir });
    assert.equal(r[0]?.status, 'restored', JSON.stringify(r));
    assert.match(r[0]?.validation?.output ?? '', /header_upp/);
    assert.equal(readFileSync(join(dir, 'Caddyfile'), 'utf8'), fixed);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fix --write, templates: a Jinja nginx site and an ERB HAProxy config are patched in the template and checked on their rendering (nginx -t, haproxy -c); a change the rendering fails is undone', async (t) => {
  if (!findProgram('nginx') || !findProgram('haproxy') || !findProgram('openssl'))
    return t.skip('nginx, haproxy or openssl is not installed');
  const dir = tree({});
  try {
    const { cert, key, combined } = selfSignedCert(dir, 'app.test');
    const site = `server {
    listen 443 ssl;
    server_name {{ domain }};
    ssl_certificate ${cert};
    ssl_certificate_key ${key};

    location / {
        proxy_pass http://127.0.0.1:{{ app_port | default(8000) }};
        proxy_set_header Host $host;
    }
}
`;
    mkdirSync(join(dir, 'templates'), { recursive: true });
    writeFileSync(join(dir, 'templates/site.conf.j2'), site);
    writeFileSync(
      join(dir, 'templates/haproxy.cfg.erb'),
      HAPROXY(combined).replace('server gunicorn', 'server <%= @server_name %>'),
    );
    const run = await runFix(['templates'], { cwd: dir, write: true });
    const byFile = new Map(run.written.map((w) => [w.file, w]));
    const nginx = byFile.get('templates/site.conf.j2');
    assert.equal(nginx?.status, 'written', JSON.stringify(run.written));
    assert.equal(nginx?.validation?.status, 'ok', JSON.stringify(nginx?.validation));
    assert.match(nginx?.validation?.command ?? '', /on its rendering$/);
    assert.match(
      readFileSync(join(dir, 'templates/site.conf.j2'), 'utf8'),
      /server_name \{\{ domain \}\};[\s\S]*X-Forwarded-Proto/,
    );
    const haproxy = byFile.get('templates/haproxy.cfg.erb');
    assert.equal(haproxy?.status, 'written', JSON.stringify(run.written));
    assert.equal(haproxy?.validation?.status, 'ok', JSON.stringify(haproxy?.validation));
    assert.match(
      readFileSync(join(dir, 'templates/haproxy.cfg.erb'), 'utf8'),
      /server <%= @server_name %> 127\.0\.0\.1:8000/,
      'the template stays a template',
    );
    // A wrong line in the template: its rendering fails nginx -t, the template is restored.
    const fixed = readFileSync(join(dir, 'templates/site.conf.j2'), 'utf8');
    const { facts } = await lintPaths(['templates'], { cwd: dir });
    const plan = planFixes(facts, [bogus('templates/site.conf.j2', 9, '        proxy_set_header_typo X {{ x }};')], { cwd: dir });
    const r = writePlan(plan, facts, { cwd: dir });
    assert.equal(r[0]?.status, 'restored', JSON.stringify(r));
    assert.match(r[0]?.validation?.output ?? '', /unknown directive "proxy_set_header_typo"/);
    assert.equal(readFileSync(join(dir, 'templates/site.conf.j2'), 'utf8'), fixed);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
