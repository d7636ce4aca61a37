import { appProcess, BACKEND, ENTRY, nginxProcess, singleServerHost } from '../../src/topologies.js';
import { defineScenario } from '../../src/types.js';

export default defineScenario({
  number: 46,
  title: 'nginx (TLS, port 443) -> Next.js 15 (next start), no X-Forwarded-Proto',
  // One server (a network namespace) so that nginx has the real port 443; next start on its loopback.
  network: singleServerHost(),
  ports: { PROXY_PORT: 443, APP_PORT: 3000 },
  vars: { APP_ADDR: '127.0.0.1' },
  processes: [appProcess('node', 'next.service', 'server'), nginxProcess('server')],
  entry: ENTRY,
  backend: BACKEND,
  expected: {
    summary:
      'next start fills X-Forwarded-Proto with http: the Auth.js-style origin is http://app.test, the stylesheet is blocked as mixed content and the form action warns',
    appScheme: 'http',
    mixedContent: true,
  },
  variants: {
    fixed: {
      title: 'nginx adds X-Forwarded-Proto $scheme',
      expected: { summary: 'https://app.test links, no mixed content', appScheme: 'https', mixedContent: false },
    },
  },
});
