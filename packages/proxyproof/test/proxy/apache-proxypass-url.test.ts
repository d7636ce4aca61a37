// mod_proxy's ProxyPass outside <Location> takes the path first and the URL second; a URL that is not absolute makes
// Apache refuse the whole configuration (2.4: AH00526 "ProxyPass URL must be absolute!"). The reader says so at the
// line and reads no route from it, rather than an upstream named `keepalive=On`. Each row is checked against the real
// `apache2 -t` (Debian's Apache 2.4) with the same vhost.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readApache } from '../../src/collectors/apache/collector.js';

const vhost = (body: string) =>
  `Define BACKEND http://127.0.0.1:5000\n<VirtualHost *:18999>\n    ServerName app.example.org\n${body}\n</VirtualHost>\n`;

const rows: Array<{ name: string; body: string; apacheAccepts: boolean; upstreams: string[] }> = [
  {
    name: 'invalid: the one-word form outside <Location> (URL in the path position, an option as the URL)',
    body: '    ProxyPass /.well-known !\n    ProxyPass http://localhost:5000/ keepalive=On\n    ProxyPassReverse http://localhost:5000/',
    apacheAccepts: false,
    upstreams: [],
  },
  {
    name: 'invalid: a relative URL',
    body: '    ProxyPass /app app:5000/',
    apacheAccepts: false,
    upstreams: [],
  },
  {
    name: 'valid (trap): the same one-word form inside <Location>',
    body: '    <Location "/">\n        ProxyPass http://localhost:5000/ keepalive=On\n    </Location>',
    apacheAccepts: true,
    upstreams: ['http://localhost:5000/'],
  },
  {
    name: 'valid: path and URL with an option',
    body: '    ProxyPass / http://localhost:5000/ keepalive=On',
    apacheAccepts: true,
    upstreams: ['http://localhost:5000/'],
  },
  {
    name: 'valid (trap): a unix socket URL',
    body: '    ProxyPass / unix:/run/gunicorn.sock|http://app.example.org/',
    apacheAccepts: true,
    upstreams: ['unix:/run/gunicorn.sock|http://app.example.org/'],
  },
  {
    name: 'valid (trap): a URL from a Define variable is not judged here',
    body: '    ProxyPass / ${BACKEND}/',
    apacheAccepts: true,
    upstreams: ['${BACKEND}/'],
  },
];

function apacheAccepts(conf: string): { ok: boolean; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pp-apache-pp-'));
  try {
    const mods = ['mpm_event', 'authz_core', 'proxy', 'proxy_http']
      .map((m) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`)
      .join('\n');
    const file = join(dir, 'apache2.conf');
    writeFileSync(
      file,
      `ServerRoot ${dir}\nServerName localhost\n${mods}\nPidFile ${dir}/httpd.pid\nErrorLog ${dir}/httpd.err\nListen 127.0.0.1:18999\n${conf}`,
    );
    const r = spawnSync('apache2', ['-f', file, '-t'], { encoding: 'utf8', timeout: 30_000 });
    return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('Apache ProxyPass URL (read, and checked with the real apache2 -t)', () => {
  for (const row of rows)
    test(row.name, () => {
      const conf = vhost(row.body);
      const real = apacheAccepts(conf);
      assert.equal(real.ok, row.apacheAccepts, real.out);
      if (!real.ok) assert.match(real.out, /ProxyPass URL must be absolute/);
      const { config, errors } = readApache('site.conf', conf);
      const upstreams = config.sites.flatMap((s) => s.routes.flatMap((r) => r.upstreams.map((u) => u.text)));
      assert.deepEqual(upstreams, row.upstreams);
      const refused = errors.filter((e) => /not absolute; Apache refuses to start/.test(e.message));
      assert.equal(refused.length, row.apacheAccepts ? 0 : 1, JSON.stringify(errors));
      if (!row.apacheAccepts)
        assert.equal(refused[0]?.line, conf.split('\n').findIndex((l) => /ProxyPass (?!\/\.well)/.test(l)) + 1);
    });
});
