import { appProcess, BACKEND, ENTRY, nginxProcess } from '../../src/topologies.js';
import { defineScenario } from '../../src/types.js';

export default defineScenario({
  number: 4,
  title: 'nginx inheritance trap: X-Forwarded-Proto at server level, a location with its own proxy_set_header',
  app: 'django',
  ports: { PROXY_PORT: 443, APP_PORT: 8000 },
  processes: [appProcess('gunicorn', 'gunicorn.service'), nginxProcess()],
  entry: { ...ENTRY, path: '/reports/' },
  backend: BACKEND,
  expected: {
    summary: '/ is clean; /reports/ (its location sets X-Request-ID, so it inherits no proxy_set_header) is served as http: mixed content only there',
    appScheme: 'http',
    mixedContent: true,
    cleanPath: '/',
  },
  variants: {
    fixed: {
      title: 'the location repeats the forwarding headers',
      expected: { summary: 'clean under / and /reports/', appScheme: 'https', mixedContent: false, cleanPath: '/' },
    },
  },
});
