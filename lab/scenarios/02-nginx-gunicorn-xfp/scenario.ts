import { appProcess, BACKEND, ENTRY, nginxProcess } from '../../src/topologies.js';
import { defineScenario } from '../../src/types.js';

export default defineScenario({
  number: 2,
  title: 'nginx sends X-Forwarded-Proto $scheme -> gunicorn 127.0.0.1 -> Django without SECURE_PROXY_SSL_HEADER',
  app: 'django',
  ports: { PROXY_PORT: 443, APP_PORT: 8000 },
  processes: [appProcess('gunicorn', 'gunicorn.service'), nginxProcess()],
  entry: ENTRY,
  backend: BACKEND,
  expected: {
    summary:
      'clean: gunicorn trusts X-Forwarded-Proto from 127.0.0.1 by default (forwarded_allow_ips), so Django sees https without SECURE_PROXY_SSL_HEADER',
    appScheme: 'https',
    mixedContent: false,
  },
  variants: {
    'gunicorn-distrusts-loopback': {
      title: 'same, but gunicorn --forwarded-allow-ips lists another address',
      expected: {
        summary: "broken again: the clean result came from gunicorn's default trust of 127.0.0.1, not from Django",
        appScheme: 'http',
        mixedContent: true,
      },
    },
  },
});
