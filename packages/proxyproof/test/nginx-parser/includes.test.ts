/** `include`: prefix-relative resolution, globs, cycles, dangling includes, stock params, /etc/nginx copies. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { type NginxConfigTree, parseNginxFile, STOCK_FILES } from '../../src/collectors/nginx/index.js';

const roots: string[] = [];
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'pp-inc-'));
  roots.push(root);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

const names = (t: NginxConfigTree, root: string) => t.config.map((c) => relative(root, c.file));

describe('include resolution', () => {
  it('resolves relative includes against the prefix (the entry folder), not the including file', () => {
    const root = tree({
      'nginx.conf': 'events {}\nhttp {\n  include conf.d/site.conf;\n}\n',
      'conf.d/site.conf': 'server {\n  listen 80;\n  include snippets/h.conf;\n}\n',
      'snippets/h.conf': 'proxy_set_header X-Forwarded-Proto $scheme;\n',
      'conf.d/snippets/h.conf': 'this would be wrong;\n',
    });
    const t = parseNginxFile(join(root, 'nginx.conf'));
    assert.equal(t.status, 'ok', JSON.stringify(t.errors));
    assert.deepEqual(names(t, root), ['nginx.conf', 'conf.d/site.conf', 'snippets/h.conf']);
    const server = t.config[1]?.parsed[0];
    assert.deepEqual(server?.block?.[1], { directive: 'include', line: 3, column: 3, args: ['snippets/h.conf'], includes: [2] });
  });

  it('uses an explicit prefix when given (nginx -p)', () => {
    const root = tree({ 'etc/sites-enabled/a': 'server { include snip.conf; }\n', 'etc/snip.conf': 'listen 80;\n' });
    const t = parseNginxFile(join(root, 'etc/sites-enabled/a'), { prefix: join(root, 'etc') });
    assert.equal(t.status, 'ok', JSON.stringify(t.errors));
    assert.deepEqual(names(t, root), ['etc/sites-enabled/a', 'etc/snip.conf']);
  });

  it('expands globs in sorted order, skips dotfiles and folders, and accepts no match', () => {
    const root = tree({
      'nginx.conf': 'http {\n  include sites/*;\n  include none/*.conf;\n}\n',
      'sites/b': 'server { listen 81; }\n',
      'sites/a': 'server { listen 80; }\n',
      'sites/.hidden': 'garbage\n',
      'sites/dir/c': 'server { listen 82; }\n',
    });
    const t = parseNginxFile(join(root, 'nginx.conf'));
    assert.equal(t.status, 'ok', JSON.stringify(t.errors));
    assert.deepEqual(names(t, root), ['nginx.conf', 'sites/a', 'sites/b']);
    const http = t.config[0]?.parsed[0]?.block ?? [];
    assert.deepEqual(http[0]?.includes, [1, 2]);
    assert.deepEqual(http[1]?.includes, []);
  });

  it('parses a file included twice once, and both includes point to it', () => {
    const root = tree({
      'nginx.conf': 'http {\n  server { include common.conf; }\n  server { include common.conf; }\n}\n',
      'common.conf': 'listen 80;\n',
    });
    const t = parseNginxFile(join(root, 'nginx.conf'));
    assert.equal(t.config.length, 2);
    const servers = t.config[0]?.parsed[0]?.block ?? [];
    assert.deepEqual(
      servers.map((s) => s.block?.[0]?.includes),
      [[1], [1]],
    );
  });

  it('reports a dangling include at its file:line and keeps parsing', () => {
    const root = tree({ 'nginx.conf': 'http {\n  include missing.conf;\n  server { listen 80; }\n}\n' });
    const t = parseNginxFile(join(root, 'nginx.conf'));
    assert.equal(t.status, 'failed');
    assert.equal(t.errors.length, 1);
    assert.equal(t.errors[0]?.line, 2);
    assert.equal(t.errors[0]?.file, join(root, 'nginx.conf'));
    assert.match(t.errors[0]?.error ?? '', /^include "missing.conf": no such file or directory .* in .*nginx\.conf:2$/);
    assert.equal(t.config[0]?.parsed[0]?.block?.[1]?.directive, 'server');
  });

  it('detects include cycles (two files, self include, glob matching itself) without looping', () => {
    const two = tree({
      'nginx.conf': 'http { include a.conf; }\n',
      'a.conf': 'server {\n include b.conf;\n}\n',
      'b.conf': '\n\ninclude a.conf;\n',
    });
    const t = parseNginxFile(join(two, 'nginx.conf'));
    assert.equal(t.status, 'failed');
    assert.equal(t.errors.length, 1);
    assert.equal(relative(two, t.errors[0]?.file ?? ''), 'b.conf');
    assert.equal(t.errors[0]?.line, 3);
    assert.match(t.errors[0]?.error ?? '', /include cycle: .*a\.conf -> .*b\.conf -> .*a\.conf/);

    const self = tree({ 'nginx.conf': 'events {}\ninclude nginx.conf;\n' });
    const s = parseNginxFile(join(self, 'nginx.conf'));
    assert.equal(s.errors.length, 1);
    assert.equal(s.errors[0]?.line, 2);
    assert.match(s.errors[0]?.error ?? '', /include cycle/);

    const glob = tree({ 'conf/x.conf': 'include conf/*.conf;\n' });
    const g = parseNginxFile(join(glob, 'conf/x.conf'), { prefix: glob });
    assert.match(g.errors[0]?.error ?? '', /include cycle/);
  });

  it('an include diamond (two paths to one file) is not a cycle', () => {
    const root = tree({
      'nginx.conf': 'include a.conf;\ninclude b.conf;\n',
      'a.conf': 'include c.conf;\n',
      'b.conf': 'include c.conf;\n',
      'c.conf': 'worker_processes 1;\n',
    });
    const t = parseNginxFile(join(root, 'nginx.conf'));
    assert.equal(t.status, 'ok', JSON.stringify(t.errors));
  });

  it('parses an included file in the context of its include', () => {
    const root = tree({
      'nginx.conf': 'http {\n server {\n  include loc.conf;\n }\n}\n',
      'loc.conf': 'location / {\n  proxy_pass http://app;\n}\nlisten 80;\n',
    });
    assert.equal(parseNginxFile(join(root, 'nginx.conf')).status, 'ok');
    // The same file included at http level is wrong for nginx (listen is server-only).
    const bad = tree({ 'nginx.conf': 'http {\n include loc.conf;\n}\n', 'loc.conf': 'listen 80;\n' });
    const t = parseNginxFile(join(bad, 'nginx.conf'));
    assert.match(t.errors[0]?.error ?? '', /"listen" directive is not allowed here in .*loc\.conf:1/);
  });

  it('does not follow includes in single-file mode', () => {
    const root = tree({ 'nginx.conf': 'include missing.conf;\n' });
    const t = parseNginxFile(join(root, 'nginx.conf'), { single: true });
    assert.equal(t.status, 'ok');
    assert.deepEqual(t.config[0]?.parsed[0]?.includes, []);
  });

  it('reads absolute /etc/nginx includes from a copy of /etc/nginx when the copy has them', () => {
    const root = tree({
      'nginx.conf': 'http {\n  include /etc/nginx/sites-enabled/*;\n  include /etc/nginx/conf.d/*.conf;\n}\n',
      'sites-enabled/mysite': 'server { listen 80; }\n',
    });
    const t = parseNginxFile(join(root, 'nginx.conf'), { rebase: [{ from: '/etc/nginx', to: root }] });
    assert.equal(t.status, 'ok', JSON.stringify(t.errors));
    assert.deepEqual(names(t, root), ['nginx.conf', 'sites-enabled/mysite']);
  });

  it('follows a symlinked include (sites-enabled -> sites-available)', () => {
    const root = tree({ 'nginx.conf': 'http { include sites-enabled/*; }\n', 'sites-available/a': 'server { listen 80; }\n' });
    mkdirSync(join(root, 'sites-enabled'));
    symlinkSync(join(root, 'sites-available/a'), join(root, 'sites-enabled/a'));
    const t = parseNginxFile(join(root, 'nginx.conf'));
    assert.equal(t.status, 'ok');
    assert.deepEqual(names(t, root), ['nginx.conf', 'sites-enabled/a']);
  });
});

describe('stock params includes', () => {
  const site =
    'server {\n  listen 443 ssl;\n  location / {\n    include proxy_params;\n    proxy_pass http://127.0.0.1:8000;\n  }\n  location /u {\n    include uwsgi_params;\n    uwsgi_pass 127.0.0.1:9000;\n  }\n}\n';

  it('uses the built-in copy when the file exists nowhere, and marks it builtin', () => {
    const root = tree({ 'site.conf': site });
    const t = parseNginxFile(join(root, 'site.conf'), { stockDirs: [] });
    assert.equal(t.status, 'ok', JSON.stringify(t.errors));
    assert.deepEqual(
      t.config.map((c) => [c.file, c.source]),
      [
        [join(root, 'site.conf'), 'file'],
        ['/etc/nginx/proxy_params', 'builtin'],
        ['/etc/nginx/uwsgi_params', 'builtin'],
      ],
    );
    const headers = (t.config[1]?.parsed ?? []).filter((d) => d.directive === 'proxy_set_header').map((d) => d.args.join(' '));
    assert.ok(headers.includes('X-Forwarded-Proto $scheme'), headers.join('; '));
    const https = (t.config[2]?.parsed ?? []).find((d) => d.directive === 'uwsgi_param' && d.args[0] === 'HTTPS');
    assert.deepEqual(https?.args, ['HTTPS', '$https', 'if_not_empty']);
  });

  it('prefers the real file in a stock folder over the built-in copy', () => {
    const stock = tree({ proxy_params: 'proxy_set_header Host $http_host;\n' });
    const root = tree({ 'site.conf': site });
    const t = parseNginxFile(join(root, 'site.conf'), { stockDirs: [stock] });
    assert.equal(t.config[1]?.file, join(stock, 'proxy_params'));
    assert.equal(t.config[1]?.source, 'file');
    assert.deepEqual(
      t.config[1]?.parsed.map((d) => d.args),
      [['Host', '$http_host']],
    );
    // uwsgi_params is not in that folder: built in.
    assert.equal(t.config[2]?.source, 'builtin');
  });

  it('prefers a params file under the prefix over any stock folder', () => {
    const root = tree({ 'site.conf': site, proxy_params: 'proxy_set_header X-Mine 1;\n', uwsgi_params: 'uwsgi_param A b;\n' });
    const t = parseNginxFile(join(root, 'site.conf'), { stockDirs: ['/nonexistent'] });
    assert.deepEqual(names(t, root), ['site.conf', 'proxy_params', 'uwsgi_params']);
    assert.deepEqual(
      t.config.map((c) => c.source),
      ['file', 'file', 'file'],
    );
  });

  it('reports a missing stock file as dangling when built-ins are off', () => {
    const root = tree({ 'site.conf': site });
    const t = parseNginxFile(join(root, 'site.conf'), { stockDirs: [], builtinStock: false });
    assert.equal(t.errors.length, 2);
    assert.deepEqual(
      t.errors.map((e) => e.line),
      [4, 8],
    );
  });

  it('knows every stock file by its /etc/nginx path too (the real file when this machine has it)', () => {
    for (const f of STOCK_FILES) {
      const at = /^ssl_/m.test(f.content) ? `server { include ${f.path}; }` : `server { location / { include ${f.path}; } }`;
      const root = tree({ 'x.conf': `http { ${at} }\n` });
      const t = parseNginxFile(join(root, 'x.conf'), { stockDirs: [] });
      assert.equal(t.status, 'ok', JSON.stringify(t.errors));
      assert.equal(t.config[1]?.file, f.path);
      assert.equal(t.config[1]?.source, existsSync(f.path) ? 'file' : 'builtin', f.path);
    }
  });
});

describe('includes of things that are not files', () => {
  it('a FIFO or a device is refused without blocking', () => {
    const root = tree({ 'nginx.conf': 'events {}\ninclude /dev/zero;\ninclude fifo;\n' });
    spawnSync('mkfifo', [join(root, 'fifo')]);
    const t = parseNginxFile(join(root, 'nginx.conf'));
    assert.deepEqual(
      t.errors.map((e) => [e.line, e.error.replace(/( \(.*\))? in .*$/, '')]),
      [
        [2, 'include "/dev/zero": not a regular file'],
        [3, 'include "fifo": not a regular file'],
      ],
    );
  });
  it('an include naming a directory is an error at its line', () => {
    const root = tree({ 'nginx.conf': 'events {}\ninclude conf.d;\n', 'conf.d/a.conf': 'user x;\n' });
    const t = parseNginxFile(join(root, 'nginx.conf'));
    assert.equal(t.errors[0]?.line, 2);
    assert.match(t.errors[0]?.error ?? '', /include "conf\.d": is a directory, not a file/);
  });
});

describe('glob patterns under a prefix whose name looks like a glob', () => {
  it('takes the prefix literally: only the include argument is a pattern', () => {
    const root = tree({
      'site[1]/nginx.conf': 'http { include conf.d/*.conf; }\n',
      'site[1]/conf.d/a.conf': 'server { listen 80; }\n',
    });
    const t = parseNginxFile(join(root, 'site[1]/nginx.conf'));
    assert.equal(t.status, 'ok', JSON.stringify(t.errors));
    assert.deepEqual(names(t, root), ['site[1]/nginx.conf', 'site[1]/conf.d/a.conf']);
  });
});
