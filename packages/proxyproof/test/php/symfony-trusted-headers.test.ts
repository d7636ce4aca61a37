/**
 * Symfony `framework.trusted_headers`: Request::isSecure() reads only the trusted headers (symfony/http-foundation
 * Request.php getTrustedValues). A list without `x-forwarded-proto` leaves the scheme the connection's (the chain
 * loses it at Symfony, at that line); `forwarded` alone reads RFC 7239's proto= and ignores X-Forwarded-Proto.
 * Checked on Debian's php-symfony-http-foundation 5.4.53 (Request::setTrustedProxies(['127.0.0.1'], flags), a request
 * from 127.0.0.1): X_FORWARDED_FOR|X_FORWARDED_HOST with X-Forwarded-Proto https -> isSecure() false; FOR|PROTO -> true;
 * HEADER_FORWARDED with X-Forwarded-Proto https -> false; HEADER_FORWARDED with `Forwarded: proto=https` -> true.
 * The tree: HAProxy ends TLS -> nginx :8080 -> php-fpm :9000 -> Symfony, which trusts nginx on loopback.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { doctorFiles } from '../python/lint-files.js';

const FRAMEWORK = (headers?: string) =>
  [
    'framework:',
    "    secret: '%env(APP_SECRET)%'",
    "    trusted_proxies: '127.0.0.1'",
    ...(headers ? [`    trusted_headers: ${headers}`] : []),
    '',
  ].join('\n');
const tree = (headers: string | undefined, haproxySets = 'http-request set-header X-Forwarded-Proto https') => ({
  'config/packages/framework.yaml': FRAMEWORK(headers),
  'nginx/site.conf':
    'server {\n    listen 127.0.0.1:8080;\n    root /srv/app/public;\n    location ~ \\.php$ {\n        include fastcgi_params;\n        fastcgi_pass 127.0.0.1:9000;\n    }\n}\n',
  'haproxy.cfg': `defaults\n    mode http\n\nfrontend https_in\n    bind :443 ssl crt /etc/haproxy/site.pem\n    ${haproxySets}\n    default_backend web\n\nbackend web\n    server nginx 127.0.0.1:8080\n`,
  'php-fpm.d/www.conf': '[www]\nuser = www-data\nlisten = 127.0.0.1:9000\npm = dynamic\npm.max_children = 5\n',
});

const rows: Array<{ name: string; files: Record<string, string>; status: 'lost' | 'correct'; lostLine?: number; why?: RegExp }> =
  [
    {
      name: 'invalid: trusted_headers without x-forwarded-proto: lost at Symfony, at the trusted_headers line',
      files: tree("['x-forwarded-for', 'x-forwarded-host']"),
      status: 'lost',
      lostLine: 4,
      why: /header list leaves it out/,
    },
    {
      name: 'valid: trusted_headers with x-forwarded-proto',
      files: tree("['x-forwarded-for', 'x-forwarded-proto']"),
      status: 'correct',
    },
    {
      name: "valid: trusted_headers unset (Symfony's default list reads X-Forwarded-Proto)",
      files: tree(undefined),
      status: 'correct',
    },
    {
      name: 'invalid (trap): only `forwarded` trusted while the proxies send X-Forwarded-Proto',
      files: tree("['forwarded']"),
      status: 'lost',
      why: /reads forwarded but the proxy sent none/,
    },
    {
      name: "valid: only `forwarded` trusted and HAProxy sends Forwarded: proto=https (RFC 7239's proto=)",
      files: tree("['forwarded']", 'http-request set-header Forwarded proto=https'),
      status: 'correct',
    },
  ];

for (const r of rows)
  test(`Symfony trusted_headers: ${r.name}`, async () => {
    const { analysis } = await doctorFiles(r.files);
    const route = analysis.verdict.routes[0];
    assert.equal(route?.scheme.status, r.status, JSON.stringify(route?.scheme));
    if (r.lostLine !== undefined) {
      assert.equal(route?.scheme.lostAt?.label, 'Symfony');
      assert.equal(route?.scheme.lostAt?.ref?.line, r.lostLine);
      assert.equal(route?.scheme.lostAt?.ref?.file, 'config/packages/framework.yaml');
    }
    if (r.why) assert.match(route?.scheme.lostAt?.reason ?? '', r.why);
  });
