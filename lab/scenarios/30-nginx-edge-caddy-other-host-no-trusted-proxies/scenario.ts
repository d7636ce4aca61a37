import { defineScenario } from '../../src/types.js';

// Two proxies on two hosts (network namespaces): client -> edge host (nginx, TLS) -> app host (Caddy :80 ->
// gunicorn on the app host's loopback -> Flask). gunicorn trusts Caddy (loopback, its default), so only Caddy's
// trust of the edge decides what the app sees.
export default defineScenario({
  number: 30,
  title: 'nginx (TLS edge, own host) -> Caddy on the app host without trusted_proxies -> gunicorn 127.0.0.1 -> Flask',
  app: 'flask',
  ports: { PROXY_PORT: 443, PROXY_INNER_PORT: 80, APP_PORT: 8000 },
  vars: { APP_ADDR: '127.0.0.1' },
  network: {
    hosts: ['edge', 'apphost'],
    links: [
      { a: 'client', b: 'edge', net: '192.0.2.0/24', aVar: 'CLIENT_ADDR', bVar: 'PROXY_ADDR' },
      { a: 'edge', b: 'apphost', net: '198.51.100.0/24', aVar: 'EDGE_INNER_ADDR', bVar: 'PROXY_INNER_ADDR' },
    ],
  },
  processes: [
    { name: 'app', kind: 'gunicorn', file: 'gunicorn.service', host: 'apphost', listen: { addressVar: 'APP_ADDR', portVar: 'APP_PORT' } },
    {
      name: 'caddy',
      kind: 'caddy',
      file: 'Caddyfile',
      host: 'apphost',
      listen: { addressVar: 'PROXY_INNER_ADDR', portVar: 'PROXY_INNER_PORT' },
    },
    { name: 'edge', kind: 'nginx', file: 'nginx/nginx.conf', host: 'edge', listen: { addressVar: 'PROXY_ADDR', portVar: 'PROXY_PORT' } },
  ],
  entry: { addressVar: 'PROXY_ADDR', portVar: 'PROXY_PORT' },
  backend: { addressVar: 'APP_ADDR', portVar: 'APP_PORT' },
  expected: {
    summary:
      'The edge nginx sends X-Forwarded-Proto: https, but Caddy on the app host (no trusted_proxies) replaces it with http: Flask builds http:// URLs, the stylesheet and script are blocked as mixed content, the form action is http://',
    appScheme: 'http',
    mixedContent: true,
  },
  variants: {
    'trusted-proxies': {
      title: "with reverse_proxy { trusted_proxies <the edge's address> }",
      expected: {
        summary: "Caddy trusts the edge and passes its X-Forwarded-Proto: https on: Flask sees https, no mixed content",
        appScheme: 'https',
        mixedContent: false,
      },
    },
  },
});
