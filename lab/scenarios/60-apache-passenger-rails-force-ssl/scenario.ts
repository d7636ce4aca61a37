import { BACKEND, ENTRY, singleServerHost } from '../../src/topologies.js';
import { defineScenario } from '../../src/types.js';

export default defineScenario({
  number: 60,
  title:
    'Apache (TLS, port 443, mod_proxy) -> Apache vhost with mod_passenger -> Rails 6.1 config.force_ssl, no X-Forwarded-Proto',
  app: 'rails',
  // One server (a network namespace) so that Apache has the real port 443; the Passenger vhost on its loopback.
  network: singleServerHost(),
  ports: { PROXY_PORT: 443, APP_PORT: 8080 },
  vars: { APP_ADDR: '127.0.0.1' },
  processes: [
    { name: 'proxy', kind: 'apache', file: 'apache2/apache2.conf', host: 'server', listen: { addressVar: 'PROXY_ADDR', portVar: 'PROXY_PORT' } },
  ],
  entry: ENTRY,
  backend: BACKEND,
  expected: {
    summary:
      'mod_proxy sends no X-Forwarded-Proto and the Passenger vhost is plain http (HTTPS unset): Rails force_ssl redirects every https request to itself: net::ERR_TOO_MANY_REDIRECTS',
    redirectLoop: true,
    appScheme: 'http',
  },
  variants: {
    fixed: {
      title: 'RequestHeader set X-Forwarded-Proto "https" in the TLS vhost (what `proxyproof fix --write` writes)',
      expected: {
        summary: 'Rack reads X-Forwarded-Proto https: no redirect, the page loads over https (200), the cookie is Secure',
        redirectLoop: false,
        appScheme: 'https',
        mixedContent: false,
      },
    },
  },
});
