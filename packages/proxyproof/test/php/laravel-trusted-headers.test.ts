/**
 * Laravel's TrustProxies `$headers` (and Laravel 11's `trustProxies(headers:)`, `TrustProxies::withHeaders()`,
 * fideloper's config/trustedproxy.php `'headers'`), and the bits of Symfony's `Request::setTrustedProxies($p, $bits)`:
 * Request::isSecure() reads X-Forwarded-Proto only when the HEADER_X_FORWARDED_PROTO bit is in the set
 * (symfony/http-foundation Request.php getTrustedValues). A set without it leaves the scheme the connection's.
 *
 * The bit table (collectors/php trustedHeaderSet) is checked against Debian's php-symfony-http-foundation: each
 * expression is evaluated by PHP, setTrustedProxies(['127.0.0.1'], bits), and a request from 127.0.0.1 carrying
 * X-Forwarded-Proto: https / X-Forwarded-For (or Forwarded: for=...;proto=https) is asked isSecure()/getClientIp().
 * The tree: HAProxy ends TLS -> nginx :8080 -> php-fpm :9000 -> Laravel, which trusts nginx on loopback.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { schemeHeaderAdded } from '../../src/chain/plan.js';
import { trustedHeaderSet } from '../../src/collectors/php/collector.js';
import { LARAVEL11_BOOTSTRAP } from '../checks/app/fixtures.js';
import { doctorFiles } from '../python/lint-files.js';

const HTTP_FOUNDATION = '/usr/share/php/Symfony/Component/HttpFoundation/autoload.php';

const BIT_EXPRESSIONS = [
  'Request::HEADER_X_FORWARDED_FOR | Request::HEADER_X_FORWARDED_HOST',
  'Request::HEADER_X_FORWARDED_FOR | Request::HEADER_X_FORWARDED_HOST | Request::HEADER_X_FORWARDED_PORT | Request::HEADER_X_FORWARDED_PROTO',
  // Traps: unions that hold PROTO without naming it.
  'Request::HEADER_X_FORWARDED_AWS_ELB',
  'Request::HEADER_X_FORWARDED_ALL',
  'Request::HEADER_X_FORWARDED_TRAEFIK',
  '\\Symfony\\Component\\HttpFoundation\\Request::HEADER_X_FORWARDED_FOR|\\Symfony\\Component\\HttpFoundation\\Request::HEADER_X_FORWARDED_PORT',
  'Request::HEADER_FORWARDED',
  '0b001010',
  '26',
  '4',
];

test('trusted-header bits: the table agrees with Debian HttpFoundation on every expression', {
  skip: !existsSync(HTTP_FOUNDATION),
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'proxyproof-bits-'));
  try {
    const script = join(dir, 'bits.php');
    writeFileSync(
      script,
      [
        '<?php',
        `require '${HTTP_FOUNDATION}';`,
        'use Symfony\\Component\\HttpFoundation\\Request;',
        'foreach (array_slice($argv, 1) as $expr) {',
        '  $bits = eval("use Symfony\\\\Component\\\\HttpFoundation\\\\Request; return $expr;");',
        "  Request::setTrustedProxies(['127.0.0.1'], $bits);",
        "  $x = Request::create('http://example.com/', 'GET', [], [], [], ['REMOTE_ADDR' => '127.0.0.1', 'HTTP_X_FORWARDED_PROTO' => 'https', 'HTTP_X_FORWARDED_FOR' => '203.0.113.7']);",
        "  $f = Request::create('http://example.com/', 'GET', [], [], [], ['REMOTE_ADDR' => '127.0.0.1', 'HTTP_FORWARDED' => 'for=203.0.113.8;proto=https']);",
        '  echo json_encode([$x->isSecure(), $x->getClientIp(), $f->isSecure(), $f->getClientIp()]), "\\n";',
        '}',
        '',
      ].join('\n'),
    );
    const r = spawnSync('php', ['-d', 'error_reporting=E_ALL & ~E_DEPRECATED', script, ...BIT_EXPRESSIONS], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.trim().split('\n');
    assert.equal(rows.length, BIT_EXPRESSIONS.length, r.stdout);
    BIT_EXPRESSIONS.forEach((expr, i) => {
      const [xfpSecure, xffClient, fwdSecure, fwdClient] = JSON.parse(rows[i] as string) as [boolean, string, boolean, string];
      const set = trustedHeaderSet(expr);
      assert.ok(set, expr);
      assert.equal(set.schemeHeaders.includes('x-forwarded-proto'), xfpSecure, `${expr}: X-Forwarded-Proto`);
      assert.equal(set.schemeHeaders.includes('forwarded'), fwdSecure, `${expr}: Forwarded proto=`);
      assert.equal(set.clientHeaders.includes('x-forwarded-for'), xffClient === '203.0.113.7', `${expr}: X-Forwarded-For`);
      assert.equal(set.clientHeaders.includes('forwarded'), fwdClient === '203.0.113.8', `${expr}: Forwarded for=`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('trusted-header bits: shapes that cannot be told are not guessed; Laravel string names map as its match() does', () => {
  assert.equal(trustedHeaderSet('$this->headers'), undefined);
  assert.equal(trustedHeaderSet('~Request::HEADER_X_FORWARDED_HOST'), undefined);
  assert.deepEqual(trustedHeaderSet("'HEADER_X_FORWARDED_AWS_ELB'")?.schemeHeaders, ['x-forwarded-proto']);
  assert.deepEqual(trustedHeaderSet("'HEADER_X_FORWARDED_FOR'")?.schemeHeaders, []);
  // getTrustedHeaderNames()'s default arm: any other string is the full set.
  assert.deepEqual(trustedHeaderSet("'anything'")?.schemeHeaders, ['x-forwarded-proto']);
});

test('the fix line: X-Forwarded-Proto added in the line’s own syntax', () => {
  assert.equal(
    schemeHeaderAdded('    protected $headers = Request::HEADER_X_FORWARDED_FOR | Request::HEADER_X_FORWARDED_HOST;'),
    '    protected $headers = Request::HEADER_X_FORWARDED_FOR | Request::HEADER_X_FORWARDED_HOST | Request::HEADER_X_FORWARDED_PROTO;',
  );
  assert.equal(
    schemeHeaderAdded("        $middleware->trustProxies(at: '*', headers: Request::HEADER_X_FORWARDED_FOR);"),
    "        $middleware->trustProxies(at: '*', headers: Request::HEADER_X_FORWARDED_FOR | Request::HEADER_X_FORWARDED_PROTO);",
  );
  assert.equal(
    schemeHeaderAdded("    trusted_headers: ['x-forwarded-for', 'x-forwarded-host']"),
    "    trusted_headers: ['x-forwarded-proto', 'x-forwarded-for', 'x-forwarded-host']",
  );
  assert.equal(schemeHeaderAdded('    protected $headers = $this->bits();'), undefined);
});

const middleware = (headers?: string) =>
  [
    '<?php',
    '',
    'namespace App\\Http\\Middleware;',
    '',
    'use Illuminate\\Http\\Middleware\\TrustProxies as Middleware;',
    'use Illuminate\\Http\\Request;',
    '',
    'class TrustProxies extends Middleware',
    '{',
    "    protected $proxies = ['127.0.0.1'];",
    ...(headers ? ['', `    protected $headers = ${headers};`] : []),
    '}',
    '',
  ].join('\n');

const FRONT = {
  'nginx/site.conf':
    'server {\n    listen 127.0.0.1:8080;\n    root /srv/app/public;\n    location ~ \\.php$ {\n        include fastcgi_params;\n        fastcgi_pass 127.0.0.1:9000;\n    }\n}\n',
  'haproxy.cfg':
    'defaults\n    mode http\n\nfrontend https_in\n    bind :443 ssl crt /etc/haproxy/site.pem\n    http-request set-header X-Forwarded-Proto https\n    default_backend web\n\nbackend web\n    server nginx 127.0.0.1:8080\n',
  'php-fpm.d/www.conf': '[www]\nuser = www-data\nlisten = 127.0.0.1:9000\npm = dynamic\npm.max_children = 5\n',
};

const rows: Array<{
  name: string;
  files: Record<string, string>;
  status: 'lost' | 'correct';
  lost?: { file: string; line: number };
  fixLine?: string;
}> = [
  {
    name: 'invalid: $headers = FOR | HOST (no PROTO): lost at Laravel, at the $headers line, fixed there',
    files: {
      ...FRONT,
      'app/Http/Middleware/TrustProxies.php': middleware('Request::HEADER_X_FORWARDED_FOR | Request::HEADER_X_FORWARDED_HOST'),
    },
    status: 'lost',
    lost: { file: 'app/Http/Middleware/TrustProxies.php', line: 12 },
    // The plan's line is the trimmed source line; the patch keeps the file's indentation.
    fixLine:
      'protected $headers = Request::HEADER_X_FORWARDED_FOR | Request::HEADER_X_FORWARDED_HOST | Request::HEADER_X_FORWARDED_PROTO;',
  },
  {
    name: 'valid: $headers with HEADER_X_FORWARDED_PROTO',
    files: {
      ...FRONT,
      'app/Http/Middleware/TrustProxies.php': middleware('Request::HEADER_X_FORWARDED_FOR | Request::HEADER_X_FORWARDED_PROTO'),
    },
    status: 'correct',
  },
  {
    name: "valid: $headers unset (the middleware's default set holds PROTO)",
    files: { ...FRONT, 'app/Http/Middleware/TrustProxies.php': middleware() },
    status: 'correct',
  },
  {
    name: 'valid (trap): $headers = HEADER_X_FORWARDED_AWS_ELB names no PROTO but holds it (FOR|PORT|PROTO)',
    files: { ...FRONT, 'app/Http/Middleware/TrustProxies.php': middleware('Request::HEADER_X_FORWARDED_AWS_ELB') },
    status: 'correct',
  },
  {
    name: 'invalid (trap): $headers = HEADER_FORWARDED reads RFC 7239 only, HAProxy sends X-Forwarded-Proto',
    files: { ...FRONT, 'app/Http/Middleware/TrustProxies.php': middleware('Request::HEADER_FORWARDED') },
    status: 'lost',
  },
  {
    name: 'invalid: Laravel 11 trustProxies(at:, headers:) without PROTO in bootstrap/app.php',
    files: {
      ...FRONT,
      'bootstrap/app.php': LARAVEL11_BOOTSTRAP.replace(
        '        //',
        "        $middleware->trustProxies(at: '127.0.0.1', headers: Request::HEADER_X_FORWARDED_FOR | Request::HEADER_X_FORWARDED_HOST);",
      ),
    },
    status: 'lost',
    lost: { file: 'bootstrap/app.php', line: 9 },
  },
  {
    name: 'valid: Laravel 11 trustProxies(headers:) with PROTO wins over a $headers without it',
    files: {
      ...FRONT,
      'app/Http/Middleware/TrustProxies.php': middleware('Request::HEADER_X_FORWARDED_FOR'),
      'bootstrap/app.php': LARAVEL11_BOOTSTRAP.replace(
        '        //',
        "        $middleware->trustProxies(at: '127.0.0.1', headers: Request::HEADER_X_FORWARDED_FOR | Request::HEADER_X_FORWARDED_PROTO);",
      ),
    },
    status: 'correct',
  },
  {
    name: "invalid: Symfony front controller setTrustedProxies(['127.0.0.1'], HEADER_X_FORWARDED_FOR)",
    files: {
      ...FRONT,
      'public/index.php':
        "<?php\nuse Symfony\\Component\\HttpFoundation\\Request;\n\nrequire __DIR__.'/../vendor/autoload.php';\n\nRequest::setTrustedProxies(['127.0.0.1'], Request::HEADER_X_FORWARDED_FOR);\n$request = Request::createFromGlobals();\necho $request->getUri();\n",
    },
    status: 'lost',
    lost: { file: 'public/index.php', line: 6 },
  },
];

for (const r of rows)
  test(`Laravel/Symfony trusted-header bits: ${r.name}`, async () => {
    const { analysis } = await doctorFiles(r.files);
    const route = analysis.verdict.routes[0];
    assert.equal(route?.scheme.status, r.status, JSON.stringify(route?.scheme));
    if (r.lost) {
      assert.equal(route?.scheme.lostAt?.ref?.file, r.lost.file, JSON.stringify(route?.scheme.lostAt));
      assert.equal(route?.scheme.lostAt?.ref?.line, r.lost.line);
      assert.match(route?.scheme.lostAt?.reason ?? '', /header list leaves it out/);
    }
    if (r.fixLine) {
      const fix = analysis.plan.fixes.find((f) => f.id.startsWith('scheme-header:'));
      assert.ok(fix, JSON.stringify(analysis.plan.fixes.map((f) => f.id)));
      assert.deepEqual(fix.lines, [r.fixLine]);
      assert.equal(fix.placement, 'replace');
    }
  });
