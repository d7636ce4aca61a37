import { defineScenario } from '../../src/types.js';

export default defineScenario({
  number: 11,
  title: 'Apache mod_proxy (TLS) -> gunicorn 127.0.0.1 -> Flask, no X-Forwarded-Proto',
  app: 'flask',
  ports: { PROXY_PORT: 443, APP_PORT: 8000 },
  processes: [
    { name: 'app', kind: 'gunicorn', file: 'gunicorn.service', listen: { addressVar: 'APP_ADDR', portVar: 'APP_PORT' } },
    { name: 'proxy', kind: 'apache', file: 'apache2/apache2.conf', listen: { addressVar: 'PROXY_ADDR', portVar: 'PROXY_PORT' } },
  ],
  entry: { addressVar: 'PROXY_ADDR', portVar: 'PROXY_PORT' },
  backend: { addressVar: 'APP_ADDR', portVar: 'APP_PORT' },
  expected: {
    summary:
      'mod_proxy sends X-Forwarded-For/Host/Server but no X-Forwarded-Proto: Flask builds http:// URLs, the stylesheet and script are blocked as mixed content, the form action is http://, the login redirect goes to http://',
    appScheme: 'http',
    mixedContent: true,
  },
  variants: {
    'request-header': {
      title: 'with RequestHeader set X-Forwarded-Proto https',
      expected: {
        summary: 'Apache sets X-Forwarded-Proto: https, gunicorn trusts it from 127.0.0.1: every URL is https://, no mixed content',
        appScheme: 'https',
        mixedContent: false,
      },
    },
  },
});
