import { defineScenario } from '../../src/types.js';

export default defineScenario({
  number: 10,
  title: 'HAProxy (TLS) -> gunicorn 127.0.0.1 -> Django, no X-Forwarded-Proto',
  app: 'django',
  ports: { PROXY_PORT: 443, APP_PORT: 8000 },
  processes: [
    { name: 'app', kind: 'gunicorn', file: 'gunicorn.service', listen: { addressVar: 'APP_ADDR', portVar: 'APP_PORT' } },
    { name: 'proxy', kind: 'haproxy', file: 'haproxy/haproxy.cfg', listen: { addressVar: 'PROXY_ADDR', portVar: 'PROXY_PORT' } },
  ],
  entry: { addressVar: 'PROXY_ADDR', portVar: 'PROXY_PORT' },
  backend: { addressVar: 'APP_ADDR', portVar: 'APP_PORT' },
  expected: {
    summary:
      'HAProxy sends X-Forwarded-For (option forwardfor) but no X-Forwarded-Proto: Django sees http, the absolute stylesheet URL is blocked as mixed content, the form action is http://, build_absolute_uri() gives http://',
    appScheme: 'http',
    mixedContent: true,
  },
  variants: {
    'set-header': {
      title: 'with http-request set-header X-Forwarded-Proto https if { ssl_fc }',
      expected: {
        summary: 'HAProxy replaces X-Forwarded-Proto with https on TLS connections; gunicorn trusts it from 127.0.0.1: clean, and a client-sent X-Forwarded-Proto is overwritten',
        appScheme: 'https',
        mixedContent: false,
        clientHeader: 'replaced',
      },
    },
    'add-header': {
      title: 'with http-request add-header X-Forwarded-Proto https if { ssl_fc } (appends)',
      expected: {
        summary:
          'A browser (which sends no X-Forwarded-Proto) gets a clean page, but a client-sent X-Forwarded-Proto survives next to HAProxy\'s: gunicorn receives both values and rejects the request (400 "Contradictory scheme headers")',
        appScheme: 'https',
        mixedContent: false,
        clientHeader: 'kept',
      },
    },
  },
});
