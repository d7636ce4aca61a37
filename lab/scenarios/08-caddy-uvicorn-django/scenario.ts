import { defineScenario } from '../../src/types.js';

export default defineScenario({
  number: 8,
  title: 'Caddy reverse_proxy (TLS) -> uvicorn 127.0.0.1 -> Django (ASGI): clean by default',
  app: 'django',
  ports: { PROXY_PORT: 443, APP_PORT: 8000 },
  processes: [
    { name: 'app', kind: 'uvicorn', file: 'uvicorn.service', listen: { addressVar: 'APP_ADDR', portVar: 'APP_PORT' } },
    { name: 'proxy', kind: 'caddy', file: 'Caddyfile', listen: { addressVar: 'PROXY_ADDR', portVar: 'PROXY_PORT' } },
  ],
  entry: { addressVar: 'PROXY_ADDR', portVar: 'PROXY_PORT' },
  backend: { addressVar: 'APP_ADDR', portVar: 'APP_PORT' },
  expected: {
    summary:
      'Caddy sends X-Forwarded-Proto: https on its own and uvicorn (--proxy-headers is the default) trusts it from 127.0.0.1: Django sees https, no mixed content, Secure-capable cookies; a client-sent X-Forwarded-Proto is replaced',
    appScheme: 'https',
    mixedContent: false,
    clientHeader: 'replaced',
  },
  variants: {
    'header-up-copied': {
      title: 'with header_up X-Forwarded-Proto {http.request.header.X-Forwarded-Proto} (copied from a load-balancer setup)',
      expected: {
        summary:
          "header_up overrides Caddy's own X-Forwarded-Proto: a browser sends none, so uvicorn gets an empty one and Django sees http (stylesheet blocked, form warning); whatever X-Forwarded-Proto a client sends is what Django believes",
        appScheme: 'http',
        mixedContent: true,
        clientHeader: 'kept',
      },
    },
  },
});
