/**
 * nginx written by a shell or Dockerfile here-document (collectors/nginx/heredoc.ts): which documents are read as
 * nginx, the shell's escapes undone, the script's own lines kept; findings at the script's lines; a fix written
 * into an unquoted here-document with `$` escaped (fix/plan.ts `unquotedHeredocAt`), checked by running the fixed
 * script's here-document through real bash and the result through real `nginx -t`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { heredocNginx, mayWriteNginx } from '../../src/collectors/nginx/heredoc.js';
import { analyze } from '../../src/engine/analyze.js';
import { planFixes, unquotedHeredocAt } from '../../src/fix/plan.js';
import { NGINX, nginxConf } from '../real-nginx.js';
import { RUN_SAFETY_TIMEOUT_MS } from '../real-program.js';

const SITE = [
  'server {',
  '    listen 443 ssl;',
  '    server_name app.example.org;',
  '    ssl_certificate /etc/ssl/x.pem;',
  '    ssl_certificate_key /etc/ssl/x.key;',
  '    location / {',
  '        include proxy_params;',
  '        proxy_pass http://127.0.0.1:8000;',
  '        proxy_set_header X-Real-IP \\$remote_addr;',
  '    }',
  '}',
];

interface Row {
  name: string;
  text: string;
  /** Paths read as nginx (the document's target), and for the first one a line of the parser's text. */
  expect: string[];
  line?: { n: number; text: string };
}

const rows: Row[] = [
  {
    name: 'cat > /etc/nginx/sites-available/x <<EOF: unquoted, \\$ read as $, lines kept',
    text: ['#!/bin/bash', 'cat > /etc/nginx/sites-available/app << EOF', ...SITE, 'EOF', 'nginx -t', ''].join('\n'),
    expect: ['/etc/nginx/sites-available/app'],
    line: { n: 11, text: '        proxy_set_header X-Real-IP $remote_addr;' },
  },
  {
    name: "sudo tee ... > /dev/null <<'EOF': quoted, written as is",
    text: ["sudo tee /etc/nginx/conf.d/app.conf > /dev/null <<'EOF'", ...SITE.map((l) => l.replace('\\$', '$')), 'EOF', ''].join(
      '\n',
    ),
    expect: ['/etc/nginx/conf.d/app.conf'],
    line: { n: 10, text: '        proxy_set_header X-Real-IP $remote_addr;' },
  },
  {
    name: 'cat <<EOF | sudo tee /etc/nginx/sites-available/x (the pipe form)',
    text: ['cat <<EOF | sudo tee /etc/nginx/sites-available/atenea', ...SITE, 'EOF', ''].join('\n'),
    expect: ['/etc/nginx/sites-available/atenea'],
  },
  {
    name: 'Dockerfile RUN cat <<EOF > /etc/nginx/conf.d/default.conf and COPY <<EOF /etc/nginx/nginx.conf',
    text: [
      'FROM nginx:1.25',
      'RUN cat <<EOF > /etc/nginx/conf.d/default.conf',
      ...SITE,
      'EOF',
      "COPY <<'EOF' /etc/nginx/nginx.conf",
      'events {}',
      'http { include /etc/nginx/conf.d/*.conf; }',
      'EOF',
      '',
    ].join('\n'),
    expect: ['/etc/nginx/conf.d/default.conf', '/etc/nginx/nginx.conf'],
  },
  {
    name: '<<-EOF: the delimiter indented with tabs ends the document',
    text: ['if true; then', '\tcat > /etc/nginx/sites-enabled/x <<-EOF', ...SITE.map((l) => `\t${l}`), '\tEOF', 'fi', ''].join(
      '\n',
    ),
    expect: ['/etc/nginx/sites-enabled/x'],
  },
  {
    name: 'valid (trap): nginx-looking text written to a path that is no nginx file (a README snippet) is not read',
    text: ['cat > /srv/docs/example.txt <<EOF', ...SITE, 'EOF', ''].join('\n'),
    expect: [],
  },
  {
    name: 'valid (trap): a document to an nginx path with no block of its own (a one-line htpasswd) is not read',
    text: ['cat > /etc/nginx/.htpasswd <<EOF', 'admin:$apr1$x$y', 'EOF', ''].join('\n'),
    expect: [],
  },
  {
    name: 'valid (trap): an opener-looking line inside a body opens nothing (the first document ends at its delimiter)',
    text: ['cat > /opt/app/run.sh <<EOF', 'cat > /etc/nginx/conf.d/x.conf <<INNER', ...SITE, 'INNER', 'EOF', ''].join('\n'),
    expect: [],
  },
];

for (const r of rows)
  test(`heredocNginx: ${r.name}`, () => {
    const got = heredocNginx(r.text);
    assert.deepEqual(
      got.map((e) => e.key),
      r.expect,
    );
    for (const e of got) assert.equal(e.text.split('\n').length, r.text.split('\n').length, 'the script keeps its lines');
    if (r.line) assert.equal(got[0]?.text.split('\n')[r.line.n - 1], r.line.text);
  });

test('mayWriteNginx: shell scripts (by name or shebang) and Dockerfiles only', () => {
  assert.equal(mayWriteNginx('deploy.sh', ''), true);
  assert.equal(mayWriteNginx('setup', '#!/usr/bin/env bash'), true);
  assert.equal(mayWriteNginx('Dockerfile.prod', 'FROM x'), true);
  assert.equal(mayWriteNginx('README.md', '# setup'), false);
  assert.equal(mayWriteNginx('setup.py', '#!/usr/bin/env python3'), false);
});

test('unquotedHeredocAt: inside an unquoted body, not in a quoted one, not after the delimiter', () => {
  const lines = ['cat > /etc/nginx/a <<EOF', 'server {', '}', 'EOF', "cat > /etc/nginx/b <<'EOF'", 'server {', 'EOF', 'echo'];
  assert.equal(unquotedHeredocAt(lines, 2), true);
  assert.equal(unquotedHeredocAt(lines, 1, 'after'), true);
  assert.equal(unquotedHeredocAt(lines, 4, 'after'), false);
  assert.equal(unquotedHeredocAt(lines, 6), false);
  assert.equal(unquotedHeredocAt(lines, 8), false);
  // YAML merge keys and here-strings are no openers.
  assert.equal(unquotedHeredocAt(['base: &b', '  <<: *b', 'x: $y'], 3), false);
});

test("lint reads a script's here-document as nginx: findings at the script's lines; the fix keeps the shell escapes", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-heredoc-'));
  try {
    const script = join(dir, 'setup.sh');
    // The user's X-Real-IP after proxy_params (which sends it too: a mechanical fix) and two Host lines of their own
    // after proxy_params' Host (other values: advice).
    const body = [
      ...SITE.slice(0, 8),
      '        proxy_set_header Host \\$http_host;',
      '        proxy_set_header Host \\$host;',
      ...SITE.slice(8),
    ];
    writeFileSync(
      script,
      ['#!/bin/bash', 'set -e', 'cat > /etc/nginx/sites-available/app << EOF', ...body, 'EOF', 'nginx -t', ''].join('\n'),
    );
    const a = await analyze([dir], { cwd: dir });
    const repeated = a.findings.filter((f) => f.id === 'proxy/header-repeated');
    assert.deepEqual(
      repeated.map((f) => [f.evidence[0]?.file.endsWith('setup.sh'), f.evidence[0]?.line, f.severity]),
      [
        [true, 12, 'medium'],
        [true, 13, 'medium'],
        [true, 14, 'low'],
      ],
    );
    const plan = planFixes(a.facts, repeated, { cwd: dir });
    const patch = plan.patches.find((p) => p.file.endsWith('setup.sh'));
    assert.ok(patch, JSON.stringify(plan.advice));
    const fixed = patch.updated.split('\n');
    assert.equal(fixed[11], '        proxy_set_header Host \\$http_host;');
    assert.equal(fixed[13], '        # proxy_set_header X-Real-IP \\$remote_addr;');
    if (!NGINX) return;
    // Real bash writes the fixed document (to a file of ours instead of /etc/nginx), real nginx accepts it and gets
    // the variables, not the shell's empty expansion.
    const site = join(dir, 'site.conf');
    const run = join(dir, 'run.sh');
    writeFileSync(run, patch.updated.replace('/etc/nginx/sites-available/app', site).replace('nginx -t', 'true'));
    const bash = spawnSync('/bin/bash', [run], { encoding: 'utf8', timeout: RUN_SAFETY_TIMEOUT_MS });
    assert.equal(bash.status, 0, bash.stderr);
    const written = readFileSync(site, 'utf8');
    assert.match(written, /# proxy_set_header X-Real-IP \$remote_addr;/);
    assert.match(written, /proxy_set_header Host \$host;/);
    const ngx = join(dir, 'ngx');
    mkdirSync(join(ngx, 'logs'), { recursive: true });
    mkdirSync(join(ngx, 'tmp'), { recursive: true });
    // The checked site without TLS (no certificate here) and with Debian's proxy_params by its absolute path.
    const plain = written
      .replace('listen 443 ssl;', 'listen 127.0.0.1:1;')
      .replace(/^\s*ssl_certificate.*$/gm, '')
      .replace('include proxy_params;', 'include /etc/nginx/proxy_params;');
    writeFileSync(join(ngx, 'nginx.conf'), nginxConf(ngx, plain));
    const t = spawnSync(NGINX, ['-t', '-p', ngx, '-c', join(ngx, 'nginx.conf')], {
      encoding: 'utf8',
      timeout: RUN_SAFETY_TIMEOUT_MS,
    });
    assert.equal(t.status, 0, t.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
