import { appProcess, BACKEND, ENTRY, nginxProcess, singleServerHost } from '../../src/topologies.js';
import { defineScenario } from '../../src/types.js';

export default defineScenario({
  number: 40,
  title: 'nginx (TLS, port 443) -> Puma -> Rails 6.1 with config.force_ssl = true, no X-Forwarded-Proto',
  app: 'rails',
  // One server (a network namespace) so that nginx has the real port 443; Puma on its loopback.
  network: singleServerHost(),
  ports: { PROXY_PORT: 443, APP_PORT: 3000 },
  vars: { APP_ADDR: '127.0.0.1' },
  processes: [appProcess('puma', 'puma.service', 'server'), nginxProcess('server')],
  entry: ENTRY,
  backend: BACKEND,
  expected: {
    summary: 'Rails (force_ssl) redirects every https request to https://app.test/ again: net::ERR_TOO_MANY_REDIRECTS',
    redirectLoop: true,
    appScheme: 'http',
  },
  variants: {
    fixed: {
      title: 'nginx adds X-Forwarded-Proto $scheme and overwrites X-Forwarded-Host',
      expected: { summary: 'no redirect: the page loads over https (200), the cookie is Secure', redirectLoop: false, appScheme: 'https', mixedContent: false },
    },
  },
});
