/**
 * WordPress as an app end behind a TLS front (Caddy -> nginx -> php-fpm -> WordPress), as WordPress 6.1's own source
 * decides (Debian's wordpress 6.1.9: wp-includes/load.php is_ssl(), pluggable.php auth_redirect(), wp-login.php):
 * - is_ssl(): $_SERVER['HTTPS'] 'on' in any case or '1'; only when HTTPS is not set at all, SERVER_PORT '443';
 * - FORCE_SSL_ADMIN redirects /wp-admin/ and wp-login.php only, so the chain's loop message names that setting and
 *   those paths (not Django's SECURE_SSL_REDIRECT, not "every page");
 * - the fix is the documented wp-config.php snippet before wp-settings.php is required, guarded by REMOTE_ADDR.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { runDoctor } from '../../src/chain/run.js';
import { lintFiles } from '../python/lint-files.js';

const base = mkdtempSync(join(tmpdir(), 'pp-wordpress-'));
after(() => rmSync(base, { recursive: true, force: true }));

const WP_CONFIG = (extra: string) =>
  [
    '<?php',
    "define( 'DB_NAME', 'wordpress' );",
    extra,
    "$table_prefix = 'wp_';",
    '',
    "/* That's all, stop editing! Happy publishing. */",
    "if ( ! defined( 'ABSPATH' ) ) {",
    "\tdefine( 'ABSPATH', __DIR__ . '/' );",
    '}',
    '',
    "require_once ABSPATH . 'wp-settings.php';",
    '',
  ].join('\n');

/** Caddy (TLS) -> nginx 127.0.0.1:8080 -> php-fpm (unix socket) -> WordPress; `fastcgi` lines go in the PHP location. */
function tree(name: string, wpExtra: string, fastcgi = ''): string {
  const dir = join(base, name);
  const files: Record<string, string> = {
    Caddyfile: 'https://blog.example.org {\n\treverse_proxy 127.0.0.1:8080\n}\n',
    'nginx/blog.conf': [
      'server {',
      '    listen 127.0.0.1:8080;',
      '    server_name blog.example.org;',
      '    root /var/www/wp;',
      '    location ~ \\.php$ {',
      '        include fastcgi_params;',
      '        fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;',
      ...(fastcgi ? [`        ${fastcgi}`] : []),
      '        fastcgi_pass unix:/run/php/php8.2-fpm.sock;',
      '    }',
      '}',
      '',
    ].join('\n'),
    'php/pool.d/www.conf': '[www]\nlisten = /run/php/php8.2-fpm.sock\n',
    'wp/wp-config.php': WP_CONFIG(wpExtra),
  };
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  return dir;
}

test('FORCE_SSL_ADMIN behind a TLS front: a loop on /wp-admin/ named by its setting, not "SECURE_SSL_REDIRECT"', async () => {
  const dir = tree('force-admin', "define( 'FORCE_SSL_ADMIN', true );");
  const { analysis, all } = await runDoctor([dir]);
  const findings = all.findings;
  const r = analysis.verdict.routes[0];
  assert.equal(r?.scheme.status, 'lost');
  assert.equal(r?.scheme.lostAt?.label, 'WordPress');
  assert.equal(r?.redirect?.setting, 'FORCE_SSL_ADMIN');
  assert.deepEqual(r?.redirect?.paths, ['/wp-admin/', '/wp-login.php']);
  assert.equal(r?.redirect?.location, 'https://blog.example.org/wp-admin/');
  assert.equal(r?.redirect?.loop, true);
  const lost = findings.find((f) => f.id === 'chain/scheme-lost');
  assert.ok(lost, findings.map((f) => f.id).join(', '));
  assert.equal(lost.severity, 'critical');
  assert.match(lost.message, /With FORCE_SSL_ADMIN WordPress redirects https:\/\/blog\.example\.org\/wp-admin\/ to itself/);
  assert.match(lost.message, /only \/wp-admin\/ and \/wp-login\.php redirect; other pages load/);
  assert.doesNotMatch(lost.message, /SECURE_SSL_REDIRECT/);
  assert.doesNotMatch(lost.why ?? '', /^Every page answers/);
});

test('the fix: the wp-config.php snippet goes before wp-settings.php, tab-indented, guarded by REMOTE_ADDR', async () => {
  const dir = tree('fix', "define( 'FORCE_SSL_ADMIN', true );");
  const { analysis, all } = await runDoctor([dir]);
  const findings = all.findings;
  assert.equal(analysis.plan.complete, true, analysis.plan.notes.join('\n'));
  const fix = analysis.plan.fixes.find((f) => f.id.startsWith('wp-https:'));
  assert.ok(fix, JSON.stringify(analysis.plan.fixes.map((f) => f.id)));
  assert.equal(fix.file.endsWith('wp/wp-config.php'), true);
  assert.equal(fix.line, 11);
  assert.equal(fix.placement, 'replace');
  assert.deepEqual(fix.lines, [
    "if ( isset( $_SERVER['HTTP_X_FORWARDED_PROTO'] ) && 'https' === $_SERVER['HTTP_X_FORWARDED_PROTO']",
    "\t&& false === filter_var( $_SERVER['REMOTE_ADDR'], FILTER_VALIDATE_IP, FILTER_FLAG_NO_PRIV_RANGE | FILTER_FLAG_NO_RES_RANGE ) ) {",
    "\t$_SERVER['HTTPS'] = 'on';",
    '}',
    '',
    "require_once ABSPATH . 'wp-settings.php';",
  ]);
  const lost = findings.find((f) => f.id === 'chain/scheme-lost');
  assert.equal(lost?.fix?.line, 11);
  assert.equal(lost?.fix?.placement, 'replace');
});

test('after the snippet (the documented one, or any that sets HTTPS from X-Forwarded-Proto) WordPress believes https', async () => {
  const dir = tree(
    'snippet',
    "define( 'FORCE_SSL_ADMIN', true );\nif ( isset( $_SERVER['HTTP_X_FORWARDED_PROTO'] ) && strpos( $_SERVER['HTTP_X_FORWARDED_PROTO'], 'https' ) !== false ) {\n\t$_SERVER['HTTPS'] = 'on';\n}",
  );
  const { analysis } = await runDoctor([dir]);
  const r = analysis.verdict.routes[0];
  assert.equal(r?.scheme.status, 'correct', JSON.stringify(r?.scheme));
  assert.equal(r?.redirect, undefined);
  assert.equal(
    analysis.plan.fixes.find((f) => f.id.startsWith('wp-https:')),
    undefined,
  );
});

test("is_ssl(): HTTPS 'on'/'1' is https; a value PHP's usual test takes ('true') is not; SERVER_PORT 443 only when HTTPS is unset", async () => {
  const cases: Array<[string, string, string]> = [
    ['https-on', 'fastcgi_param HTTPS on;', 'correct'],
    ['https-ON', 'fastcgi_param HTTPS ON;', 'correct'],
    ['https-1', 'fastcgi_param HTTPS 1;', 'correct'],
    // Symfony's isSecure() would take 'true' (non-empty, not 'off'); WordPress's is_ssl() does not.
    ['trap-https-true', 'fastcgi_param HTTPS true;', 'lost'],
    ['port-443', 'fastcgi_param SERVER_PORT 443;', 'correct'],
  ];
  for (const [name, line, status] of cases) {
    const dir = tree(name, "define( 'DB_USER', 'wp' );", line);
    const { analysis } = await runDoctor([dir]);
    const r = analysis.verdict.routes[0];
    assert.equal(r?.scheme.status, status, `${name}: ${JSON.stringify(r?.scheme)}`);
  }
});

test("wp-config.php: the values is_ssl() accepts are read as assume-https; FORCE_SSL_ADMIN's scope and setting", async () => {
  const { facts } = await lintFiles({
    'a/wp-config.php': "<?php\n$_SERVER['HTTPS'] = '1';\nrequire_once ABSPATH . 'wp-settings.php';\n",
    'b/wp-config.php': "<?php\n$_SERVER['SERVER_PORT'] = 443;\n",
    // trap: 'yes' is not 'on' or '1': is_ssl() says false.
    'c/wp-config.php': "<?php\n$_SERVER['HTTPS'] = 'yes';\ndefine('FORCE_SSL_ADMIN', true);\n",
    // trap: a comparison is not an assignment.
    'd/wp-config.php': "<?php\nif ($_SERVER['HTTPS'] == 'on') { $x = 1; }\n",
  });
  const wp = (dir: string) => facts.frameworks.find((f) => f.kind === 'wordpress' && f.module === dir)?.appEnd;
  assert.equal(wp('a')?.assumeHttps?.value, true);
  assert.equal(wp('a')?.assumeHttps?.ref?.line, 2);
  assert.equal(wp('a')?.insertBefore?.line, 3);
  assert.equal(wp('b')?.assumeHttps?.ref?.line, 2);
  assert.equal(wp('c')?.assumeHttps, undefined);
  assert.equal(wp('c')?.sslRedirectSetting, 'FORCE_SSL_ADMIN');
  assert.deepEqual(wp('c')?.sslRedirectPaths, ['/wp-admin/', '/wp-login.php']);
  assert.equal(wp('d')?.assumeHttps, undefined);
});
