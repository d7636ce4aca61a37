/** The nginx collector: which files are entries, prefixes, claimed files, sources and diagnostics. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { collectFacts } from '../../src/engine/collect.js';
import { discover } from '../../src/engine/discover.js';

const roots: string[] = [];
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'pp-col-'));
  roots.push(root);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

async function collect(paths: string[], cwd: string) {
  const files = discover(paths, cwd);
  return collectFacts(files, {}, (abs) => readFileSync(abs));
}

const SERVER =
  'server {\n  listen 80;\n  location / {\n    include proxy_params;\n    proxy_pass http://127.0.0.1:8000;\n  }\n}\n';

describe('nginx collector', () => {
  it('lints nginx.conf with its includes once; included sites are not entries of their own', async () => {
    const root = tree({
      'etc/nginx/nginx.conf':
        'events {}\nhttp {\n  include /etc/nginx/conf.d/*.conf;\n  include /etc/nginx/sites-enabled/*;\n}\n',
      'etc/nginx/sites-enabled/shop': SERVER,
      'etc/nginx/conf.d/extra.conf': 'server_tokens off;\n',
      'etc/nginx/sites-available/old': 'this is not used;\n',
    });
    const facts = await collect(['.'], root);
    assert.deepEqual(facts.diagnostics, []);
    assert.equal(facts.nginx.configs.length, 1);
    const t = facts.nginx.configs[0];
    assert.deepEqual(
      t?.config.map((c) => [c.file, c.source]),
      [
        ['etc/nginx/nginx.conf', 'file'],
        ['etc/nginx/conf.d/extra.conf', 'file'],
        ['etc/nginx/sites-enabled/shop', 'file'],
        ['/etc/nginx/proxy_params', existsOnHost('/etc/nginx/proxy_params') ? 'file' : 'builtin'],
      ],
    );
    // Every file of the tree has its lines for snippets.
    for (const c of t?.config ?? []) assert.ok(facts.sources.has(c.file), c.file);
  });

  it('takes sites-enabled and conf.d files as entries (prefix: the folder above) when there is no nginx.conf', async () => {
    const root = tree({
      'nginx/sites-enabled/a': 'server {\n listen 80;\n include snippets/h.conf;\n}\n',
      'nginx/snippets/h.conf': 'add_header X-A 1;\n',
      'nginx/conf.d/b.conf': 'server { listen 81; }\n',
      'nginx/sites-available/c': 'server { listen 82; }\n',
    });
    const facts = await collect(['nginx'], root);
    assert.deepEqual(facts.diagnostics, []);
    assert.deepEqual(
      facts.nginx.configs.map((t) => t.config.map((c) => c.file)),
      [['nginx/conf.d/b.conf'], ['nginx/sites-enabled/a', 'nginx/snippets/h.conf']],
    );
  });

  it('uses sites-available only when there is no sites-enabled', async () => {
    const root = tree({ 'sites-available/c': SERVER });
    const facts = await collect(['.'], root);
    assert.deepEqual(
      facts.nginx.configs.map((t) => t.config[0]?.file),
      ['sites-available/c'],
    );
  });

  it('finds *.conf files that parse as nginx, and leaves other .conf files alone', async () => {
    const root = tree({
      'deploy/shop.conf': SERVER,
      'deploy/supervisord.conf': '[program:web]\ncommand=gunicorn app:app\n',
      'deploy/params.conf': 'proxy_set_header X-A 1;\n',
      'nginx/site': SERVER,
      'other/site': SERVER,
    });
    const facts = await collect(['.'], root);
    assert.deepEqual(facts.diagnostics, []);
    // A file of bare proxy_set_header lines that nothing includes is a headers snippet, read as a server include
    // (issue 12); supervisord's .conf is not nginx.
    assert.deepEqual(facts.nginx.configs.map((t) => t.config[0]?.file).sort(), [
      'deploy/params.conf',
      'deploy/shop.conf',
      'nginx/site',
    ]);
  });

  it('a headers snippet that a server of the tree includes is read there, not as an entry of its own', async () => {
    const root = tree({
      'deploy/shop.conf': SERVER.replace('location / {', 'location / {\n    include params.conf;'),
      'deploy/params.conf': 'proxy_set_header X-A 1;\n',
      'deploy/other.conf': 'proxy_set_header X-B 1;\nclient_max_body_size 1m;\n',
      'deploy/limits.conf': 'client_max_body_size 1m;\n',
    });
    const facts = await collect(['.'], root);
    assert.deepEqual(facts.diagnostics, []);
    // other.conf: nothing includes it; limits.conf sets no proxy header, so it is no headers snippet.
    assert.deepEqual(facts.nginx.configs.map((t) => t.config[0]?.file).sort(), ['deploy/other.conf', 'deploy/shop.conf']);
    const shop = facts.nginx.configs.find((t) => t.config[0]?.file === 'deploy/shop.conf');
    assert.ok(shop?.config.some((c) => c.file === 'deploy/params.conf'));
  });

  it('finds a site file named after its host anywhere, by its content; other dotted names are left alone', async () => {
    const root = tree({
      'deploy/quote.example.com': SERVER,
      'deploy/www.example.org': '# not nginx\nsome text\n',
      'app/settings.py': SERVER,
      'config/site.yml': SERVER,
      'release.v2': SERVER,
    });
    const facts = await collect(['.'], root);
    assert.deepEqual(facts.diagnostics, []);
    assert.deepEqual(
      facts.nginx.configs.map((t) => t.config[0]?.file),
      ['deploy/quote.example.com'],
    );
  });

  it('reports a broken file under an nginx folder with file:line', async () => {
    const root = tree({ 'nginx/site.conf': 'server {\n  listen 80;\n  location / {\n    proxy_pass http://a;\n' });
    const facts = await collect(['.'], root);
    assert.equal(facts.diagnostics.length, 1);
    assert.equal(facts.diagnostics[0]?.file, 'nginx/site.conf');
    assert.equal(facts.diagnostics[0]?.level, 'error');
    assert.equal(facts.diagnostics[0]?.line, 4);
    assert.match(facts.diagnostics[0]?.message ?? '', /^nginx: unexpected end of file, expecting "}"/);
  });

  it('leaves an explicitly named non-nginx file to the other collectors', async () => {
    const root = tree({ 'gunicorn.service': '[Service]\nExecStart=/usr/bin/gunicorn app:app\n' });
    const facts = await collect(['gunicorn.service'], root);
    assert.equal(facts.nginx.configs.length, 0);
    assert.deepEqual(
      facts.diagnostics.filter((d) => d.message.startsWith('nginx')),
      [],
    );
  });

  it('follows a sites-enabled symlink and shows the link path', async () => {
    const root = tree({ 'sites-available/a': SERVER });
    mkdirSync(join(root, 'sites-enabled'));
    symlinkSync('../sites-available/a', join(root, 'sites-enabled/a'));
    const facts = await collect(['.'], root);
    assert.deepEqual(
      facts.nginx.configs.map((t) => relative(root, join(root, t.config[0]?.file ?? ''))),
      ['sites-enabled/a'],
    );
  });
});

function existsOnHost(p: string): boolean {
  try {
    readFileSync(p);
    return true;
  } catch {
    return false;
  }
}

describe('nginx collector: missing includes', () => {
  it('a missing absolute include (a path on the server) is a warning; a missing relative one, an error', async () => {
    const root = tree({
      'site.conf':
        'server {\n  listen 443 ssl;\n  include /nonexistent-pp/letsencrypt/options-ssl-nginx.conf;\n  include snippets/missing.conf;\n}\n',
    });
    const facts = await collect(['site.conf'], root);
    assert.deepEqual(
      facts.diagnostics.map((d) => [d.level, d.line]),
      [
        ['warning', 3],
        ['error', 4],
      ],
    );
    assert.match(
      facts.diagnostics[0]?.message ?? '',
      /options-ssl-nginx\.conf.*not found on this machine, so the config was linted without it/,
    );
    assert.equal(facts.nginx.configs.length, 1);
  });

  it("a copy of /etc/nginx never reads this machine's /etc/nginx for its absolute includes (stock params aside)", async () => {
    const root = tree({
      'etc-nginx/nginx.conf': 'events {}\nhttp {\n  include /etc/nginx/sites-enabled/*;\n  include /etc/nginx/mime.types;\n}\n',
      'etc-nginx/sites-available/app': SERVER,
    });
    const facts = await collect(['etc-nginx'], root);
    // sites-enabled is not in the copy: nothing from the host's sites-enabled; sites-available is linted instead.
    const files = facts.nginx.configs.map((t) => t.config.map((c) => c.file));
    assert.deepEqual(files[0], ['etc-nginx/nginx.conf', '/etc/nginx/mime.types']);
    assert.equal(files[1]?.[0], 'etc-nginx/sites-available/app');
    assert.ok(!files.flat().some((f) => f.startsWith('/etc/nginx/sites-enabled')));
    assert.deepEqual(facts.diagnostics, []);
  });
});

describe('nginx collector: folders other programs share', () => {
  it('leaves Apache sites-enabled and supervisord conf.d files alone, takes nginx ones by content', async () => {
    const root = tree({
      'apache2/sites-enabled/000-default.conf': '<VirtualHost *:80>\n  ServerName a.example\n</VirtualHost>\n',
      'supervisor/conf.d/web.conf': '[program:web]\ncommand=gunicorn app:app\n',
      'deploy/conf.d/app.conf': SERVER,
      'deploy/sites-enabled/broken': 'server {\n  listen 80;\n',
    });
    const facts = await collect(['.'], root);
    assert.deepEqual(facts.nginx.configs.map((t) => t.config[0]?.file).sort(), [
      'deploy/conf.d/app.conf',
      'deploy/sites-enabled/broken',
    ]);
    assert.deepEqual(
      facts.diagnostics.filter((d) => d.message.startsWith('nginx')).map((d) => [d.file, d.line]),
      [['deploy/sites-enabled/broken', 2]],
    );
  });
});

describe('nginx collector: misspelled directives', () => {
  it('warns about an unknown directive one edit from a known one, with its line and column', async () => {
    const root = tree({
      'nginx/site.conf':
        'server {\n  listen 80;\n  location / {\n    proxy_passs http://a;\n    proxy_set_headers Host $host;\n    more_set_headers "X: y";\n  }\n}\n',
    });
    const facts = await collect(['.'], root);
    assert.deepEqual(
      facts.diagnostics.map((d) => [d.level, d.line, d.column, d.message]),
      [
        ['warning', 4, 5, 'nginx: unknown directive "proxy_passs" (did you mean "proxy_pass"?); nginx -t rejects it'],
        ['warning', 5, 5, 'nginx: unknown directive "proxy_set_headers" (did you mean "proxy_set_header"?); nginx -t rejects it'],
      ],
    );
  });
  it('has no false alarm on the corpora and inside map/types bodies', async () => {
    const root = tree({
      'nginx/nginx.conf':
        'events {}\nhttp {\n  map $a $b {\n    default_typ 1;\n  }\n  types { text/html html; }\n  server { listen 80; }\n}\n',
    });
    const facts = await collect(['.'], root);
    assert.deepEqual(facts.diagnostics, []);
  });
});

describe('nginx collector: templates', () => {
  it('reads a template rendered (collectors/template): placeholders opaque, the if branch kept, lines kept', async () => {
    const root = tree({
      'nginx/nginx.conf': 'worker_processes 1;\npid {{ run_dir }}/nginx.pid;\nevents {}\nhttp { include sites/*; }\n',
      'nginx/sites/app': 'server {\n  listen {% if tls %}443 ssl{% endif %};\n}\n',
      'deploy/site.conf': 'server {\n  listen 80;\n  server_name <%= @name %>;\n}\n',
    });
    const facts = await collect(['.'], root);
    assert.deepEqual(
      facts.nginx.configs.map((t) => t.config[0]?.file),
      ['nginx/nginx.conf', 'deploy/site.conf'],
    );
    assert.deepEqual(facts.diagnostics, []);
    const site = facts.nginx.configs[0]?.config.find((c) => c.file === 'nginx/sites/app');
    const listen = site?.parsed[0]?.block?.[0];
    assert.deepEqual([listen?.line, listen?.args], [2, ['443', 'ssl']]);
    // Snippets show the template as written.
    assert.equal(facts.sources.get('nginx/sites/app')?.[1], '  listen {% if tls %}443 ssl{% endif %};');
  });
  it('says "not read" once for a template too heavy to read (warning when discovered, error when named)', async () => {
    const root = tree({
      'nginx/nginx.conf':
        '{% for s in servers %}\n{{ s.block }}\n{% if s.tls %}\n{{ s.tls_block }}\n{% endif %}\n{{ s.extra }}\n{% endfor %}\n',
    });
    const facts = await collect(['.'], root);
    assert.deepEqual(
      facts.diagnostics.map((d) => [d.file, d.line]),
      [['nginx/nginx.conf', 1]],
    );
    assert.match(facts.diagnostics[0]?.message ?? '', /too template-heavy to read .*not read/);
  });
});

describe('discovery of build-output folders', () => {
  it('reads a config under dist/ (Mastodon ships dist/nginx.conf) but not the bundled code beside it', async () => {
    const root = tree({
      'dist/nginx.conf': 'server {\n  listen 80;\n  location / { proxy_pass http://127.0.0.1:3000; }\n}\n',
      'dist/assets/app.js': 'const app = require("express")(); app.listen(3000);\n',
      'dist/sub/site.conf': 'server {\n  listen 81;\n  location / { proxy_pass http://127.0.0.1:3001; }\n}\n',
    });
    const files = discover(['.'], root).map((f) => f.display);
    assert.deepEqual(files.sort(), ['dist/nginx.conf', 'dist/sub/site.conf']);
    const facts = await collect(['.'], root);
    assert.deepEqual(facts.nginx.configs.map((t) => t.config[0]?.file).sort(), ['dist/nginx.conf', 'dist/sub/site.conf']);
  });
});

describe('nginx collector: what repositories ship beside their configs', () => {
  it("uses the repository's own proxy_params (Ansible files/) before Debian's stock copy", async () => {
    const root = tree({
      'templates/nginx.conf':
        'events {}\nhttp {\n  server {\n    listen 80;\n    include proxy_params;\n    location / { proxy_pass http://127.0.0.1:8000; }\n  }\n}\n',
      'files/proxy_params': 'proxy_set_header Host $http_host;\nproxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n',
    });
    const facts = await collect(['.'], root);
    const files = facts.nginx.configs[0]?.config.map((c) => c.file);
    assert.deepEqual(files, ['templates/nginx.conf', 'files/proxy_params']);
  });
  it('trap: without a shipped copy the stock proxy_params is used', async () => {
    const root = tree({
      'nginx.conf':
        'events {}\nhttp {\n  server {\n    listen 80;\n    include proxy_params;\n    location / { proxy_pass http://127.0.0.1:8000; }\n  }\n}\n',
    });
    const facts = await collect(['.'], root);
    // This machine's /etc/nginx/proxy_params when nginx is installed, else the built-in copy of it.
    assert.equal(facts.nginx.configs[0]?.config[1]?.file, '/etc/nginx/proxy_params');
  });
  it('an include whose path is a template placeholder resolves to the template of that stem, else a warning', async () => {
    const root = tree({
      'roles/nginx/templates/site.conf.j2':
        'server {\n  listen {{ port | default(80) }};\n  include {{ vhost_path }}/app_proxy.include;\n}\nserver {\n  listen 81;\n  include {{ vhost_path }}/missing.include;\n}\n',
      'roles/nginx/templates/app_proxy.j2': 'location / {\n  proxy_pass http://{{ app_host }}:8080;\n}\n',
    });
    const facts = await collect(['.'], root);
    const cfg = facts.nginx.configs.find((t) => t.config[0]?.file === 'roles/nginx/templates/site.conf.j2');
    assert.deepEqual(
      cfg?.config.map((c) => c.file),
      ['roles/nginx/templates/site.conf.j2', 'roles/nginx/templates/app_proxy.j2'],
    );
    assert.deepEqual(
      facts.diagnostics.map((d) => [d.level, d.file, d.line]),
      [['warning', 'roles/nginx/templates/site.conf.j2', 7]],
    );
    assert.match(facts.diagnostics[0]?.message ?? '', /template placeholder/);
  });

  it('an Ansible template named after its purpose (sf4_https.tpl) is read when its content is nginx, even with a templated include that is not here', async () => {
    const root = tree({
      'roles/app/templates/sf4_https.tpl':
        'server {\n    server_name {{ app.name }};\n    listen 443 ssl;\n    location ~ ^/index\\.php(/|$) {\n        fastcgi_pass unix:/run/php/php-fpm.sock;\n        include fastcgi_params;\n    {% if app.custom %}\n        include {{ app.key }}_params;\n    {% endif %}\n    }\n}\n',
      'roles/app/templates/env_vars.tpl': 'APP_ENV={{ app.env }}\nDATABASE_URL={{ app.db }}\n',
      'roles/app/templates/motd.tpl': 'Welcome to {{ inventory_hostname }}.\n',
    });
    const facts = await collect([root], root);
    assert.deepEqual(
      facts.nginx.configs.map((t) => t.config[0]?.file),
      ['roles/app/templates/sf4_https.tpl'],
    );
  });
});
