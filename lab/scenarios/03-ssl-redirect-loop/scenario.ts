import { appProcess, BACKEND, ENTRY, nginxProcess, singleServerHost } from '../../src/topologies.js';
import { defineScenario } from '../../src/types.js';

export default defineScenario({
  number: 3,
  title: 'nginx (TLS, port 443) -> gunicorn -> Django with SECURE_SSL_REDIRECT = True, no X-Forwarded-Proto',
  app: 'django',
  // One server (a network namespace) so that nginx has the real port 443; gunicorn on its loopback.
  network: singleServerHost(),
  ports: { PROXY_PORT: 443, APP_PORT: 8000 },
  vars: { APP_ADDR: '127.0.0.1' },
  processes: [appProcess('gunicorn', 'gunicorn.service', 'server'), nginxProcess('server')],
  entry: ENTRY,
  backend: BACKEND,
  expected: {
    summary: 'Django redirects every https request to https://app.test/ again: net::ERR_TOO_MANY_REDIRECTS',
    redirectLoop: true,
    appScheme: 'http',
  },
  variants: {
    fixed: {
      title: 'nginx adds X-Forwarded-Proto $scheme',
      expected: { summary: 'no redirect: the page loads over https (200), cookies Secure', redirectLoop: false, appScheme: 'https', mixedContent: false },
    },
    'non-default-port': {
      title: 'the same files on a non-default port (loopback)',
      network: null,
      vars: {},
      expected: {
        summary:
          'Django redirects https://app.test:<port>/ to https://app.test/ (Host $host carries no port): the browser leaves the site (connection refused on 443) instead of looping',
        redirectLoop: false,
        appScheme: 'http',
      },
    },
  },
});
