import { defineScenario } from '../../src/types.js';

export default defineScenario({
  number: 9,
  title: 'TLS load balancer (nginx) -> Caddy without trusted_proxies -> gunicorn 127.0.0.1 -> Flask',
  app: 'flask',
  ports: { PROXY_PORT: 443, PROXY_INNER_PORT: 80, APP_PORT: 8000 },
  processes: [
    { name: 'app', kind: 'gunicorn', file: 'gunicorn.service', listen: { addressVar: 'APP_ADDR', portVar: 'APP_PORT' } },
    { name: 'caddy', kind: 'caddy', file: 'Caddyfile', listen: { addressVar: 'PROXY_INNER_ADDR', portVar: 'PROXY_INNER_PORT' } },
    { name: 'edge', kind: 'nginx', file: 'nginx/nginx.conf', listen: { addressVar: 'PROXY_ADDR', portVar: 'PROXY_PORT' } },
  ],
  entry: { addressVar: 'PROXY_ADDR', portVar: 'PROXY_PORT' },
  backend: { addressVar: 'APP_ADDR', portVar: 'APP_PORT' },
  expected: {
    summary:
      'The balancer sends X-Forwarded-Proto: https, but Caddy (no trusted_proxies) replaces it with http: Flask builds http:// URLs, the stylesheet and script are blocked as mixed content, the form action is http://',
    appScheme: 'http',
    mixedContent: true,
  },
  variants: {
    'trusted-proxies': {
      title: 'with reverse_proxy { trusted_proxies <balancer address> }',
      expected: {
        summary: "Caddy trusts the balancer and passes its X-Forwarded-Proto: https on: Flask sees https, no mixed content",
        appScheme: 'https',
        mixedContent: false,
      },
    },
  },
});
