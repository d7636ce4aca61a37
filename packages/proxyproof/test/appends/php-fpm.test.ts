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
    name: 'trap: a pool without any PHP app in the tree is no app server (nothing runs on it that we know)',
    files: { 'pool.d/www.conf': POOL('127.0.0.1:9000'), 'nginx.conf': 'http { server { listen 80; root /srv; } }\n' },
    want: undefined,
  },
]) {
  test(`php-fpm / Symfony front controller: ${c.name}`, async () => {
    const { facts } = await lintFiles(c.files);
    const pools = facts.appServers.filter((s) => s.name === 'php-fpm');
    if (!c.want) {
      assert.equal(pools.length, 0);
      return;
    }
    assert.equal(pools.length, 1);
    const b = pools[0]?.binds[0];
    assert.equal(b?.kind === 'unix' ? 'unix' : `${b?.host}:${b?.port} ${b?.exposure}`, c.want.bind);
    const sf = facts.frameworks.find((f) => f.kind === 'symfony');
    assert.deepEqual(sf?.appEnd?.trustScheme.value, c.want.trust);
    assert.equal(sf?.appEnd?.ref.line, c.want.line);
  });
}
