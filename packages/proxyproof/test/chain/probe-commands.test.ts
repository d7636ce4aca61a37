// The doctor's "Probe the live backends" lines: `proxyproof probe` sends HTTP, so a backend that speaks FastCGI
// (php-fpm) or the uwsgi protocol gets a note, never `probe --backend http://...` (which would only get garbage).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { probeCommands } from '../../src/chain/render.js';
import { runDoctor } from '../../src/chain/run.js';

async function probes(files: Record<string, string>): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pp-probe-cmds-'));
  try {
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      writeFileSync(join(dir, f), text);
    }
    const { analysis } = await runDoctor([dir]);
    return probeCommands(analysis);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const POOL = '[www]\nuser = www-data\nlisten = 127.0.0.1:9000\npm = dynamic\n';
const nginx = (pass: string) =>
  `server {\n    listen 443 ssl;\n    server_name app.example;\n    ssl_certificate /etc/ssl/a.pem;\n    ssl_certificate_key /etc/ssl/a.key;\n    root /srv/app/public;\n    location / {\n        ${pass}\n    }\n}\n`;

test('probe lines: php-fpm (FastCGI) gets a note naming FastCGI and listen.allowed_clients, no HTTP probe', async () => {
  const lines = await probes({
    'php-fpm/pool.d/www.conf': POOL,
    'nginx/site.conf': nginx('include fastcgi_params;\n        fastcgi_pass 127.0.0.1:9000;'),
  });
  assert.ok(lines.length > 0, 'the backend is listed');
  assert.ok(!lines.some((l) => /probe --backend/.test(l)), lines.join('\n'));
  assert.match(lines.join('\n'), /php-fpm 127\.0\.0\.1:9000: no probe \(it speaks FastCGI, not HTTP\).*listen\.allowed_clients/);
});

test('probe lines: an HTTP app server keeps its probe command (gunicorn behind proxy_pass)', async () => {
  const lines = await probes({
    'gunicorn.service': '[Service]\nExecStart=/usr/bin/gunicorn --bind 127.0.0.1:8000 mysite.wsgi:application\n',
    'nginx/site.conf': nginx('proxy_pass http://127.0.0.1:8000;\n        proxy_set_header X-Forwarded-Proto $scheme;'),
  });
  assert.ok(
    lines.some((l) => l.includes('proxyproof probe --backend http://127.0.0.1:8000')),
    lines.join('\n'),
  );
  assert.ok(!lines.some((l) => /no probe/.test(l)));
});

test('probe lines: an app reached only through uwsgi_pass gets the note too (the protocol of the routes that reach it)', async () => {
  const lines = await probes({
    'uwsgi.ini': '[uwsgi]\nsocket = 127.0.0.1:3031\nmodule = mysite.wsgi:application\nmaster = true\n',
    'nginx/site.conf': nginx('include uwsgi_params;\n        uwsgi_pass 127.0.0.1:3031;'),
  });
  assert.ok(!lines.some((l) => /probe --backend http:\/\/127\.0\.0\.1:3031/.test(l)), lines.join('\n'));
  assert.match(lines.join('\n'), /127\.0\.0\.1:3031: no probe \(it speaks the uwsgi protocol, not HTTP\)/);
});
