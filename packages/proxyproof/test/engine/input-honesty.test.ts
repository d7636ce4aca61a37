/**
 * What the user hands us is read as what it is: a file named on the command line is read by the collector of
 * the format its content shows (an Apache vhost or haproxy.cfg named `site.conf` is never parsed as nginx),
 * documentation is never listed under "Not read", and a server name that is no host name (a placeholder such as
 * `<your-domain>` or `{$DOMAIN}`) is simulated under a stand-in instead of ending in "internal error: Invalid URL".
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type ConfigFormat, sniffConfigFormat } from '../../src/collectors/sniff.js';
import { utf16AsUtf8 } from '../../src/engine/collect.js';
import { lintPaths } from '../../src/engine/lint.js';
import { isDocumentation } from '../../src/engine/not-read.js';
import { siteUrl, tryUrl } from '../../src/model/url.js';
import { runCli } from '../helpers.js';

const APACHE = `<VirtualHost *:443>
    ServerName app.example.com
    SSLEngine on
    ProxyPass / http://127.0.0.1:8000/
    ProxyPassReverse / http://127.0.0.1:8000/
</VirtualHost>
`;
const HAPROXY = `global
    maxconn 100
defaults
    mode http
    timeout connect 5s
frontend fe
    bind :443 ssl crt /etc/ssl/site.pem
    default_backend app
backend app
    server s1 127.0.0.1:8000
`;
const CADDY = `app.example.com {
    reverse_proxy 127.0.0.1:8000
}
`;
const NGINX = `server {
    listen 443 ssl;
    server_name app.example.com;
    location / { proxy_pass http://127.0.0.1:8000; }
}
`;

const tmp = mkdtempSync(join(tmpdir(), 'pp-honesty-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function put(rel: string, text: string): string {
  const p = join(tmp, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
}

describe('sniffConfigFormat: a proxy config by its content', () => {
  const cases: Array<{ name: string; text: string; want: ConfigFormat | undefined }> = [
    { name: 'nginx server block', text: NGINX, want: 'nginx' },
    { name: 'Apache vhost', text: APACHE, want: 'apache' },
    { name: 'haproxy.cfg', text: HAPROXY, want: 'haproxy' },
    { name: 'Caddyfile', text: CADDY, want: 'caddy' },
    { name: 'Caddyfile with an env placeholder address', text: '{$DOMAIN}:443 {\n  reverse_proxy app:8000\n}\n', want: 'caddy' },
    {
      name: 'nginx snippet of proxy_set_header lines',
      text: 'proxy_set_header Host $host;\nproxy_set_header X-Forwarded-Proto $scheme;\n',
      want: 'nginx',
    },
    {
      name: 'Apache without a section (a conf-enabled file)',
      text: 'RemoteIPHeader X-Forwarded-For\nRemoteIPTrustedProxy 10.0.0.1\n',
      want: 'apache',
    },
    // traps: formats that are no proxy config, or say too little
    { name: 'supervisord program', text: '[program:web]\ncommand=gunicorn app:app\nautostart=true\n', want: undefined },
    { name: 'systemd unit', text: '[Service]\nExecStart=/usr/bin/gunicorn app:app\n', want: undefined },
    { name: 'php-fpm pool', text: '[www]\nlisten = 127.0.0.1:9000\npm = dynamic\n', want: undefined },
    { name: 'empty', text: '', want: undefined },
    { name: 'one nginx line only', text: 'listen 80;\n', want: undefined },
    { name: 'comments mentioning ProxyPass', text: '# ProxyPass / http://x/\n# ProxyPassReverse\n', want: undefined },
  ];
  for (const c of cases) it(c.name, () => assert.equal(sniffConfigFormat(c.text), c.want));
});

describe('a file named on the command line is read by its own format', () => {
  const expectFamily: Array<{ dir: string; text: string; family: RegExp }> = [
    { dir: 'apache', text: APACHE, family: /^proxy\/|^apache\// },
    { dir: 'haproxy', text: HAPROXY, family: /^proxy\/|^haproxy\// },
    { dir: 'nginx', text: NGINX, family: /^nginx\// },
  ];
  for (const c of expectFamily) {
    it(`${c.dir} config named site.conf`, async () => {
      const file = put(`${c.dir}/site.conf`, c.text);
      const { analysis } = await lintPaths([file]);
      const nginxErrors = analysis.facts.diagnostics.filter((d) => d.message.startsWith('nginx:'));
      assert.deepEqual(
        nginxErrors.map((d) => d.message),
        [],
      );
      const missing = analysis.findings.filter((f) => /forwarded-proto-missing$/.test(f.id));
      assert.equal(missing.length, 1, analysis.findings.map((f) => f.id).join(', '));
      assert.match(missing[0]?.id ?? '', c.family);
    });
  }
  it('a Caddyfile named site.conf is read by the Caddy collector', async () => {
    const file = put('caddy/site.conf', CADDY);
    const { analysis } = await lintPaths([file]);
    assert.equal(analysis.facts.proxies?.length, 1);
    assert.equal(analysis.facts.proxies?.[0]?.kind, 'caddy');
    assert.deepEqual(
      analysis.facts.diagnostics.filter((d) => d.message.startsWith('nginx:')),
      [],
    );
  });
  it('a Traefik static traefik.yml that never says "traefik" inside is read, and not listed under "Not read"', async () => {
    // Traefik's own documented static file: entryPoints and providers, no word "traefik" in it.
    const file = put(
      'traefik/traefik.yml',
      'entryPoints:\n  web:\n    address: ":80"\n  websecure:\n    address: ":443"\n    forwardedHeaders:\n      insecure: true\nproviders:\n  docker: {}\n',
    );
    const { analysis } = await lintPaths([file]);
    assert.equal(analysis.facts.proxies?.[0]?.kind, 'traefik');
    assert.deepEqual(
      analysis.notRead.map((n) => n.file),
      [],
    );
    assert.deepEqual(
      analysis.findings.map((f) => `${f.id}:${f.evidence[0]?.line}`),
      ['traefik/forwarded-headers-insecure:7'],
    );
  });
});

describe('documentation is not listed under "Not read"', () => {
  const cases: Array<{ name: string; doc: boolean }> = [
    { name: 'README.md', doc: true },
    { name: 'README', doc: true },
    { name: 'LICENSE', doc: true },
    { name: 'LICENSE-MIT', doc: true },
    { name: 'CHANGELOG.rst', doc: true },
    { name: 'deploy-notes.txt', doc: true },
    { name: 'index.html', doc: true },
    { name: 'messages.po', doc: true },
    { name: 'admin.pot', doc: true },
    // traps: configuration whose name starts like a documentation file
    { name: 'install.sh', doc: false },
    { name: 'security-headers.conf', doc: false },
    { name: 'nginx.conf', doc: false },
    { name: 'docker-compose.yml', doc: false },
    { name: 'nginx.conf.portal', doc: false },
    { name: 'policy.json', doc: false },
  ];
  for (const c of cases)
    it(`${c.name} is ${c.doc ? '' : 'not '}documentation`, () => assert.equal(isDocumentation(c.name), c.doc));

  it('a README about proxies beside a config is not listed; an unknown config is', async () => {
    const dir = join(tmp, 'docs-dir');
    put('docs-dir/nginx/site.conf', NGINX);
    put('docs-dir/README.md', '# Deploy\n\nPut `proxy_set_header X-Forwarded-Proto $scheme;` in nginx, see upstream.\n');
    put('docs-dir/docs/proxy.md', 'Use ProxyPass and X-Forwarded-Proto behind the proxy.\n');
    put('docs-dir/proxy.toml', '[proxy]\nupstream = "http://127.0.0.1:8000"\nforwarded = true\n');
    const { analysis } = await lintPaths([dir]);
    const listed = analysis.notRead.map((n) => n.file.replace(/.*docs-dir\//, ''));
    assert.ok(!listed.includes('README.md'), listed.join(', '));
    assert.ok(!listed.includes('docs/proxy.md'), listed.join(', '));
    assert.ok(listed.includes('proxy.toml'), listed.join(', '));
  });
});

describe('"Not read" by what a file says, in its place', () => {
  const cases: Array<{ name: string; file: string; text: string; listed: boolean; reason?: RegExp }> = [
    {
      name: 'a Ruby initializer whose comment says "Backend" (trap)',
      file: 'config/initializers/pagy.rb',
      text: '# Backend Extras\n# require "pagy/extras/array"\nPagy::DEFAULT[:items] = 20\n',
      listed: false,
    },
    {
      name: 'a config file whose keys are the frontend and the backend (words count in a config)',
      file: 'settings/services.yaml',
      text: 'frontend:\n  replicas: 2\nbackend:\n  replicas: 3\n',
      listed: true,
    },
    {
      name: 'a Kamal deploy file (read by collectors/kamal)',
      file: 'config/deploy.yml',
      text: 'service: blog\nimage: someone/blog\nservers:\n  web:\n    - 192.0.2.10\nproxy:\n  ssl: true\n  host: blog.example.org\n',
      listed: false,
    },
    {
      name: 'a Kamal-shaped file under a name Kamal does not load by default (passed with -c)',
      file: 'config/deploy-prod.yml',
      text: 'service: blog\nimage: someone/blog\nservers:\n  web:\n    - 192.0.2.10\nproxy:\n  ssl: true\n  host: blog.example.org\n',
      listed: true,
    },
    {
      name: "a vendored library's PHP source that talks about X-Forwarded-Proto (composer's vendor/)",
      file: 'web/vendor/acme/http/src/Request.php',
      text: "<?php\n// Trust X-Forwarded-Proto from the proxy\n$proto = $_SERVER['HTTP_X_FORWARDED_PROTO'] ?? 'http';\n",
      listed: false,
    },
    {
      name: 'a translation catalog that mentions the reverse proxy (gettext .po)',
      file: 'locales/de/LC_MESSAGES/messages.po',
      text: 'msgid "Behind a reverse proxy, set X-Forwarded-Proto"\nmsgstr "Hinter einem Reverse-Proxy X-Forwarded-Proto setzen"\n',
      listed: false,
    },
    {
      name: 'trap: a config file under vendor/ is still judged by its words (only source code is a library)',
      file: 'vendor/site/proxy.yaml',
      text: 'upstream: http://127.0.0.1:8000\nX-Forwarded-Proto: https\n',
      listed: true,
    },
    {
      name: 'nginx server blocks in conf.d/ under a name without .conf (the stock include does not load it)',
      file: 'nginx/conf.d/example.com',
      text: 'server {\n  listen 80;\n  server_name example.com;\n  location / {\n    proxy_pass http://app:3000;\n  }\n}\n',
      listed: true,
      reason: /includes only conf\.d\/\*\.conf, so nginx does not load this file; rename it to example\.com\.conf/,
    },
    {
      name: 'a YAML file with service: and image: but nothing Kamal serves (trap)',
      file: 'config/app.yml',
      text: 'service: blog\nimage: someone/blog\ncolour: blue\n',
      listed: false,
    },
  ];
  for (const c of cases)
    it(`${c.name}: ${c.listed ? 'listed' : 'not listed'}`, async () => {
      const dir = join(tmp, `words-${cases.indexOf(c)}`);
      put(`words-${cases.indexOf(c)}/nginx/site.conf`, NGINX);
      put(`words-${cases.indexOf(c)}/${c.file}`, c.text);
      const { analysis } = await lintPaths([dir]);
      const listed = analysis.notRead.map((n) => n.file.replace(/.*words-\d+\//, ''));
      assert.equal(listed.includes(c.file), c.listed, listed.join(', '));
      if (c.reason) {
        const why = analysis.notRead.find((n) => n.file.endsWith(c.file))?.reason ?? '';
        assert.match(why, c.reason);
      }
    });
});

describe('server names that are no host names never end in "Invalid URL"', () => {
  const cases: Array<{ name: string; tls: boolean; port: number; host: string; noted: boolean }> = [
    { name: 'app.example.com', tls: true, port: 443, host: 'app.example.com', noted: false },
    { name: 'app.example.com', tls: false, port: 8080, host: 'app.example.com', noted: false },
    { name: '*.example.com', tls: true, port: 443, host: '*.example.com', noted: false },
    { name: '<your-nc-domain>', tls: true, port: 443, host: 'your-nc-domain', noted: true },
    { name: '{$NC_DOMAIN}', tls: false, port: 11000, host: 'nc_domain', noted: true },
    { name: '~^(?<sub>.+)\\.example\\.com$', tls: true, port: 443, host: 'sub-.-.example-.com', noted: true },
    { name: '::1', tls: false, port: 80, host: '[::1]', noted: false },
    { name: 'app.example.com', tls: true, port: Number.NaN, host: 'app.example.com', noted: true },
    { name: '<>', tls: true, port: 443, host: 'localhost', noted: true },
  ];
  for (const c of cases) {
    it(`${c.name} :${c.port}`, () => {
      const s = siteUrl(c.tls, c.name, c.port);
      assert.ok(tryUrl(s.url), `${s.url} parses`);
      assert.equal(s.host, c.host);
      assert.equal(Boolean(s.note), c.noted, s.note);
    });
  }

  it('an Apache vhost with ServerName <your-domain> is analysed, chain included', () => {
    const dir = join(tmp, 'placeholder');
    put('placeholder/site.conf', APACHE.replace('ServerName app.example.com', 'ServerName <your-nc-domain>'));
    const r = runCli(['lint', dir, '--format', 'json']);
    assert.doesNotMatch(r.stderr, /internal error|Invalid URL/);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { findings: Array<{ id: string }> };
    assert.ok(report.findings.some((f) => f.id === 'proxy/forwarded-proto-missing'));
  });
});

describe('UTF-16 files and files read only to sniff them', () => {
  const utf16 = (text: string): Buffer => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);

  it('utf16AsUtf8: both byte orders become the same UTF-8 lines; UTF-8, UTF-32LE and bytes without a mark stay', () => {
    const text = 'gunicorn==20.1.0\r\nDjango==4.2\r\n';
    assert.equal(utf16AsUtf8(utf16(text)).toString('utf8'), text);
    const be = Buffer.from(text, 'utf16le').swap16();
    assert.equal(utf16AsUtf8(Buffer.concat([Buffer.from([0xfe, 0xff]), be])).toString('utf8'), text);
    const plain = Buffer.from(text);
    assert.equal(utf16AsUtf8(plain), plain);
    const utf32 = Buffer.from([0xff, 0xfe, 0, 0, 0x61, 0, 0, 0]);
    assert.equal(utf16AsUtf8(utf32), utf32);
    const empty = Buffer.alloc(0);
    assert.equal(utf16AsUtf8(empty), empty);
  });

  it('a UTF-16 requirements.txt gives its versions and no warning; a PNG beside a Dockerfile gives no warning', async () => {
    const dir = join(tmp, 'utf16-dir');
    put('utf16-dir/Dockerfile', 'FROM python:3.11\nCOPY . /app\nCMD ["gunicorn", "app.wsgi", "--bind", "0.0.0.0:8000"]\n');
    mkdirSync(join(dir, 'static'), { recursive: true });
    writeFileSync(join(dir, 'static', 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x00]));
    writeFileSync(join(dir, 'requirements.txt'), utf16('gunicorn==23.0.0\r\nDjango==4.2\r\n'));
    const { analysis } = await lintPaths([dir]);
    const diags = analysis.facts.diagnostics.map((d) => `${d.file}: ${d.message}`);
    assert.ok(!diags.some((d) => /logo\.png|requirements\.txt/.test(d)), diags.join('\n'));
    const gunicorn = analysis.facts.appServers.find((s) => s.kind === 'gunicorn');
    assert.equal(gunicorn?.assumedVersion, '23.0.0');
  });

  it('a UTF-16 nginx site is listed under "Not read" with the reason, not dropped as unknown bytes', async () => {
    const dir = join(tmp, 'utf16-nginx');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'site.conf'), utf16(NGINX));
    await assert.rejects(lintPaths([dir]), /site\.conf: UTF-16 text \(it starts with a byte-order mark\)/);
  });
});
