import { BACKEND, ENTRY, singleServerHost } from '../../src/topologies.js';
import { defineScenario } from '../../src/types.js';

export default defineScenario({
  number: 45,
  title:
    "Caddy (TLS, 443) -> nginx :8080 -> php-fpm -> Laravel 8 (Debian's php-laravel-framework), TrustProxies with the skeleton's unset $proxies",
  // One server (a network namespace): Caddy on 443, nginx and php-fpm on its loopback.
  network: singleServerHost(),
  ports: { PROXY_PORT: 443, WEB_PORT: 8080, APP_PORT: 9000 },
  vars: { APP_ADDR: '127.0.0.1', WEB_ADDR: '127.0.0.1' },
  processes: [
    {
      name: 'app',
      kind: 'php-fpm',
      file: 'php-fpm/php-fpm.conf',
      host: 'server',
      listen: { addressVar: 'APP_ADDR', portVar: 'APP_PORT' },
      options: { writable: ['app/storage', 'app/bootstrap/cache'] },
    },
    {
      name: 'web',
      kind: 'nginx',
      file: 'nginx/nginx.conf',
      host: 'server',
      listen: { addressVar: 'WEB_ADDR', portVar: 'WEB_PORT' },
    },
    { name: 'proxy', kind: 'caddy', file: 'caddy/Caddyfile', host: 'server', listen: { addressVar: 'PROXY_ADDR', portVar: 'PROXY_PORT' } },
  ],
  entry: ENTRY,
  backend: BACKEND,
  expected: {
    summary:
      "Caddy sends X-Forwarded-Proto: https, nginx passes it on (HTTP_X_FORWARDED_PROTO) with an empty HTTPS, but TrustProxies' $proxies is unset: Laravel trusts nobody, asset()/url() build http:// URLs, stylesheet blocked, form warning, cookie not Secure",
    appScheme: 'http',
    mixedContent: true,
  },
  variants: {
    'trusted-proxies': {
      title: "TrustProxies: protected $proxies = ['127.0.0.1'] (Caddy reaches PHP through nginx on loopback)",
      expected: {
        summary: 'Laravel believes X-Forwarded-* from loopback: https URLs, no mixed content, the cookie is Secure',
        appScheme: 'https',
        mixedContent: false,
      },
    },
  },
});
