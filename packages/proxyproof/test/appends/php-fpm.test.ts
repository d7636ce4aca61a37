// collectors/php: a php-fpm pool as the app server of a PHP framework, and a Symfony HttpFoundation front
// controller (Request::createFromGlobals) as the app end even without framework.yaml (lab scenario 44).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lintFiles } from '../python/lint-files.js';

const POOL = (listen: string) =>
  `[www]\nuser = www-data\ngroup = www-data\nlisten = ${listen}\npm = dynamic\npm.max_children = 5\n`;
const INDEX = (trust = '') =>
  `<?php\nuse Symfony\\Component\\HttpFoundation\\Request;\nrequire 'vendor/autoload.php';\n${trust}$request = Request::createFromGlobals();\necho $request->getSchemeAndHttpHost();\n`;

for (const c of [
  {
    name: 'a TCP pool on loopback and a front controller that trusts nobody',
    files: { 'pool.d/www.conf': POOL('127.0.0.1:9000'), 'public/index.php': INDEX() },
    want: { bind: '127.0.0.1:9000 loopback', trust: [] as string[], line: 4 },
  },
  {
    name: 'a bare port listens on every interface; setTrustedProxies is read',
    files: {
      'pool.d/www.conf': POOL('9000'),
      'public/index.php': INDEX("Request::setTrustedProxies(['10.0.0.2'], Request::HEADER_X_FORWARDED_PROTO);\n"),
    },
    want: { bind: '0.0.0.0:9000 all-interfaces', trust: ['10.0.0.2'], line: 4 },
  },
  {
    name: 'a unix socket pool',
    files: { 'pool.d/www.conf': POOL('/run/php/php8.2-fpm.sock'), 'public/index.php': INDEX() },
    want: { bind: 'unix', trust: [] as string[], line: 4 },
  },
  {
    // PHP code reads the FastCGI param HTTPS ($_SERVER['HTTPS']) with or without a framework, so the pool is
    // the chain's app server even when the PHP app is not in the tree.
    name: 'a pool without any PHP app in the tree is still the app server (no framework end)',
    files: { 'pool.d/www.conf': POOL('127.0.0.1:9000'), 'nginx.conf': 'http { server { listen 80; root /srv; } }\n' },
    want: { bind: '127.0.0.1:9000 loopback', trust: undefined, line: undefined },
  },
]) {
  test(`php-fpm / Symfony front controller: ${c.name}`, async () => {
    const { facts } = await lintFiles(c.files);
    const pools = facts.appServers.filter((s) => s.name === 'php-fpm');
    assert.equal(pools.length, 1);
    const b = pools[0]?.binds[0];
    assert.equal(b?.kind === 'unix' ? 'unix' : `${b?.host}:${b?.port} ${b?.exposure}`, c.want.bind);
    const sf = facts.frameworks.find((f) => f.kind === 'symfony');
    assert.deepEqual(sf?.appEnd?.trustScheme.value, c.want.trust);
    assert.equal(sf?.appEnd?.ref.line, c.want.line);
  });
}

// php-fpm started by a script, an image or a process manager with no pool file in the tree (ngx-007: an s6 `run`
// script `php-fpm7 -F` behind `fastcgi_pass 127.0.0.1:9000`): the app server, on its packaged pool's address.
const NGINX_FCGI = (pass: string) =>
  `http {\n  server {\n    listen 80;\n    root /app;\n    location ~ \\.php$ {\n      include fastcgi_params;\n      fastcgi_pass ${pass};\n    }\n  }\n}\n`;
for (const c of [
  {
    name: 'an s6 run script `php-fpm7 -F`: php-src default 127.0.0.1:9000',
    files: {
      'rootfs/etc/services.d/phpfpm/run': '#!/usr/bin/with-contenv sh\n\nphp-fpm7 -F\n',
      'nginx.conf': NGINX_FCGI('127.0.0.1:9000'),
    },
    want: { launches: 1, bind: '127.0.0.1:9000 loopback', via: 'shell', line: 3 },
  },
  {
    name: "an entrypoint's `exec php-fpm8.2 -F` behind Debian's socket: that socket",
    files: {
      'docker/entrypoint.sh': '#!/bin/sh\nset -e\nchown -R www-data storage\nexec php-fpm8.2 -F\n',
      'nginx.conf': NGINX_FCGI('unix:/run/php/php8.2-fpm.sock'),
    },
    want: { launches: 1, bind: 'unix', via: 'shell', line: 4 },
  },
  {
    name: 'a Dockerfile CMD ["php-fpm", "-F"] and supervisord command=php-fpm: one server per address',
    files: {
      Dockerfile: 'FROM alpine:3.19\nRUN apk add --no-cache php82-fpm nginx\nCMD ["php-fpm82", "-F"]\n',
      'supervisord.conf': '[program:fpm]\ncommand=/usr/sbin/php-fpm -F -R\n',
      'nginx.conf': NGINX_FCGI('127.0.0.1:9000'),
    },
    want: { launches: 1, bind: '127.0.0.1:9000 loopback', via: 'dockerfile', line: 3 },
  },
  {
    name: '(trap) package installs, a config test and a pkill are no launch',
    files: {
      Dockerfile: 'FROM debian:12\nRUN apt-get install -y php-fpm && php-fpm8.2 -t\nCMD ["nginx", "-g", "daemon off;"]\n',
      'stop.sh': '#!/bin/sh\npkill php-fpm\n# php-fpm -F\n',
      'nginx.conf': NGINX_FCGI('127.0.0.1:9000'),
    },
    want: { launches: 0, bind: '', via: '', line: 0 },
  },
  {
    name: '(trap) a pool file in the tree wins over the launch default',
    files: {
      'run.sh': '#!/bin/sh\nexec php-fpm -F\n',
      'php-fpm.d/www.conf': POOL('127.0.0.1:9001'),
      'nginx.conf': NGINX_FCGI('127.0.0.1:9001'),
    },
    want: { launches: 1, bind: '127.0.0.1:9001 loopback', via: 'config', line: 4 },
  },
]) {
  test(`php-fpm started from scripts: ${c.name}`, async () => {
    const { facts } = await lintFiles(c.files);
    const fpm = facts.appServers.filter((s) => s.name === 'php-fpm');
    assert.equal(fpm.length, c.want.launches, JSON.stringify(fpm.map((s) => s.launch)));
    if (c.want.launches === 0) return;
    const s = fpm[0];
    const b = s?.binds[0];
    assert.equal(b?.kind === 'unix' ? 'unix' : `${b?.host}:${b?.port} ${b?.exposure}`, c.want.bind);
    assert.equal(s?.launch.via, c.want.via);
    assert.equal(s?.launch.line, c.want.line);
    assert.equal(b?.protocol, 'fastcgi');
  });
}

test('php-fpm started from an s6 script is the app server nginx reaches (no "could not find the app server")', async () => {
  const { runDoctor } = await import('../../src/chain/run.js');
  const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
  const { join, dirname } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'pp-fpm-launch-'));
  try {
    const files: Record<string, string> = {
      'rootfs/etc/services.d/phpfpm/run': '#!/usr/bin/with-contenv sh\n\nphp-fpm7 -F\n',
      'rootfs/etc/nginx/nginx.conf': NGINX_FCGI('127.0.0.1:9000'),
    };
    for (const [f, t] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      writeFileSync(join(dir, f), t);
    }
    const { inventory } = await runDoctor([dir]);
    assert.ok(
      inventory.found.some((l) => /php-fpm 127\.0\.0\.1:9000/.test(l)),
      inventory.found.join('\n'),
    );
    assert.ok(!inventory.missing.some((l) => /could not find the app server/.test(l)), inventory.missing.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
