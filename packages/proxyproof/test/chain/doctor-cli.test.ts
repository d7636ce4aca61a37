/**
 * `proxyproof doctor` as a user runs it (the built dist/bin.js): the seed's diagnosis, JSON
 * schema shape, --root on a system-like tree, unrelated folders, bad input (exit 2, one line).
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO_ROOT, runCli } from '../helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'pp-doctor-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('proxyproof doctor (CLI)', () => {
  it('examples/seed: the fix plan is the patches of the findings (nginx header, SECURE_PROXY_SSL_HEADER for robustness), backend not public', () => {
    const r = runCli(['doctor', 'examples/seed']);
    assert.equal(r.code, 1, r.stderr);
    const out = r.stdout;
    assert.match(
      out,
      /browser --https--> nginx :443 \(mysite:20\) --http, X-Forwarded-Proto missing--> gunicorn 127\.0\.0\.1:8000 --> Django: request\.is_secure\(\) = False/,
    );
    assert.match(
      out,
      /verdict: the app believes http — lost at hop 1 \(nginx :443 \(mysite:20\)\) because X-Forwarded-Proto missing \(examples\/seed\/nginx\/sites-enabled\/mysite:50\); redirect loop/,
    );
    const plan = out.slice(out.indexOf('\nFix plan\n'));
    assert.match(
      plan,
      /\n {2}examples\/seed\/nginx\/sites-enabled\/mysite: nginx\/forwarded-proto-missing\n {4}@@ -51,6 \+51,7 @@\n(?: {5}.*\n){3} {4}\+ {8}proxy_set_header X-Forwarded-Proto \$scheme;\n/,
    );
    assert.match(
      plan,
      /\n {2}examples\/seed\/mysite\/mysite\/settings\.py: chain\/fragile-trust\n {4}@@ -83,6 \+83,7 @@\n(?: {4} .*\n){3} {4}\+SECURE_PROXY_SSL_HEADER = \('HTTP_X_FORWARDED_PROTO', 'https'\)\n/,
    );
    // The plan is what `fix` prints for the same inputs, line for line.
    const fix = runCli(['fix', 'examples/seed']);
    for (const l of fix.stdout.split('\n').filter((x) => /^[-+@ ]/.test(x) && !/^(---|\+\+\+) /.test(x)))
      assert.ok(plan.includes(`    ${l}\n`), `fix line not in the doctor's plan: ${l}`);
    assert.match(out, /gunicorn binds 127\.0\.0\.1:8000: the backend port is not public/);
    // One root cause, one headline: the nginx finding at the place the scheme is lost, the chain as its explanation.
    assert.match(out, /CRITICAL nginx\/forwarded-proto-missing {2}examples\/seed\/nginx\/sites-enabled\/mysite:50\n/);
    assert.match(out, /\n {2}chain: https:\/\/shop\.example\.com\/ \(location \/\) reaches Django as http: lost at hop 1/);
    assert.doesNotMatch(out, /chain\/scheme-lost {2}/);
  });

  it('--format json: the documented doctor payload', () => {
    const r = runCli(['doctor', 'examples/seed', '--format', 'json']);
    assert.equal(r.code, 1);
    const j = JSON.parse(r.stdout);
    assert.equal(j.command, 'doctor');
    assert.equal(j.doctor.schemaVersion, 2);
    const route = j.doctor.routes[0];
    assert.equal(route.verdict.scheme.status, 'lost');
    assert.equal(route.verdict.scheme.lostAt.step, 1);
    assert.deepEqual(
      route.trace.steps.map((s: { kind: string }) => s.kind),
      ['client', 'proxy', 'app-server', 'framework'],
    );
    assert.deepEqual(
      j.doctor.plan.fixes.map((f: { kind: string }) => f.kind),
      ['required', 'robustness'],
    );
    assert.ok(Array.isArray(j.doctor.topology.proxies) && Array.isArray(j.doctor.topology.links));
  });

  it('--url picks the entry; --quiet prints only findings', () => {
    const r = runCli(['doctor', 'examples/seed', '--url', 'https://www.shop.example.com/', '--quiet']);
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.stdout, /^Found/m);
    assert.match(r.stdout, /https:\/\/www\.shop\.example\.com\//);
  });

  it('--root on a system-like tree: finds nginx, the unit (once, despite its .wants symlink) and the project it names', () => {
    const root = join(tmp, 'root');
    mkdirSync(join(root, 'etc/nginx/sites-enabled'), { recursive: true });
    mkdirSync(join(root, 'etc/systemd/system/multi-user.target.wants'), { recursive: true });
    cpSync(join(REPO_ROOT, 'examples/seed/nginx/sites-enabled/mysite'), join(root, 'etc/nginx/sites-enabled/mysite'));
    cpSync(join(REPO_ROOT, 'examples/seed/systemd/gunicorn.service'), join(root, 'etc/systemd/system/gunicorn.service'));
    symlinkSync('../gunicorn.service', join(root, 'etc/systemd/system/multi-user.target.wants/gunicorn.service'));
    writeFileSync(join(root, 'etc/systemd/system/ssh.service'), '[Service]\nExecStart=/usr/sbin/sshd -D\n');
    cpSync(join(REPO_ROOT, 'examples/seed/mysite'), join(root, 'srv/mysite'), { recursive: true });
    const r = runCli(['doctor', '--root', root]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stdout,
      /app server {5}gunicorn 127\.0\.0\.1:8000 \(.*gunicorn\.service:15\) runs Django \(.*srv\/mysite\/mysite\/settings\.py\)/,
    );
    assert.equal((r.stdout.match(/^ {2}app server/gm) ?? []).length, 1);
    assert.match(r.stdout, /lost at hop 1 \(nginx :443/);
  });

  it('a folder of unrelated files (an npm package): unusable input, exit 2 with one line (as lint)', () => {
    for (const cmd of ['doctor', 'lint']) {
      const r = runCli([cmd, 'node_modules/commander']);
      assert.equal(r.code, 2, `${cmd}: ${r.stdout}${r.stderr}`);
      assert.match(
        r.stderr,
        /^proxyproof: node_modules\/commander: found no proxy configuration, app-server, framework or deployment file to analyse/,
      );
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.equal(r.stdout, '');
    }
  });

  it('a /-ish temp tree with binary, empty and odd files: no crash', () => {
    const root = join(tmp, 'slash');
    for (const d of ['etc/nginx', 'usr/bin', 'var/log', 'srv/app']) mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, 'usr/bin/tool'), Buffer.from([0, 1, 2, 255, 0, 10]));
    writeFileSync(
      join(root, 'etc/nginx/nginx.conf'),
      'http { server { listen 443 ssl; location / { proxy_pass http://app:9000; ',
    );
    writeFileSync(join(root, 'var/log/syslog'), 'x'.repeat(10000));
    writeFileSync(join(root, 'srv/app/Caddyfile'), '{\n\tservers {\n');
    writeFileSync(join(root, 'srv/app/haproxy.cfg'), 'frontend x\n  bind :443 ssl crt /x\n');
    for (const args of [
      ['doctor', root],
      ['doctor', '--root', root],
    ]) {
      const r = runCli(args);
      assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /internal error|at .*\.js:\d+/);
      assert.match(r.stdout, /Not found \/ could not see/);
    }
  });

  it('bad input: a missing folder and a bad --url exit 2 with one line', () => {
    const r = runCli(['doctor', join(tmp, 'nope')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^proxyproof: .*nope: no such file or directory\n$/);
    const u = runCli(['doctor', 'examples/seed', '--url', 'not a url']);
    assert.equal(u.code, 2);
    assert.match(u.stderr, /--url: not a URL/);
  });
});
