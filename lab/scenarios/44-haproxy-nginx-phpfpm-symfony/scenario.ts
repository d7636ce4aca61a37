import { BACKEND, ENTRY, nginxProcess, singleServerHost } from '../../src/topologies.js';
import { defineScenario } from '../../src/types.js';

export default defineScenario({
  number: 44,
  title:
    'HAProxy (TLS, 443, X-Forwarded-Proto https) -> nginx :8080 -> php-fpm -> Symfony HttpFoundation, no trusted proxies',
  // One server (a network namespace): HAProxy on 443, nginx and php-fpm on its loopback.
  network: singleServerHost(),
  ports: { PROXY_PORT: 443, WEB_PORT: 8080, APP_PORT: 9000 },
  vars: { APP_ADDR: '127.0.0.1', WEB_ADDR: '127.0.0.1' },
  processes: [
    { name: 'app', kind: 'php-fpm', file: 'php-fpm/php-fpm.conf', host: 'server', listen: { addressVar: 'APP_ADDR', portVar: 'APP_PORT' } },
    { ...nginxProcess('server'), name: 'web', listen: { addressVar: 'WEB_ADDR', portVar: 'WEB_PORT' } },
    { name: 'proxy', kind: 'haproxy', file: 'haproxy/haproxy.cfg', host: 'server', listen: { addressVar: 'PROXY_ADDR', portVar: 'PROXY_PORT' } },
  ],
  entry: ENTRY,
  backend: BACKEND,
  expected: {
    summary:
      "HAProxy sends X-Forwarded-Proto: https, nginx passes it on (HTTP_X_FORWARDED_PROTO) with an empty HTTPS, but Symfony trusts no proxy: Request::isSecure() false, http:// URLs, stylesheet blocked, form warning, cookie not Secure",
    appScheme: 'http',
    mixedContent: true,
  },
  variants: {
    'trusted-proxies': {
      title: "Request::setTrustedProxies(['127.0.0.1'], HEADER_X_FORWARDED_FOR | HEADER_X_FORWARDED_PROTO) before createFromGlobals()",
      expected: {
        summary: 'Symfony believes X-Forwarded-Proto from nginx/HAProxy on loopback: https URLs, no mixed content, the cookie is Secure',
        appScheme: 'https',
        mixedContent: false,
      },
    },
  },
});
