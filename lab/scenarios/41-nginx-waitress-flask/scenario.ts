import { appProcess, BACKEND, ENTRY, nginxProcess } from '../../src/topologies.js';
import { defineScenario } from '../../src/types.js';

export default defineScenario({
  number: 41,
  title: 'nginx (TLS, X-Forwarded-Proto $scheme) -> waitress 127.0.0.1 -> Flask, waitress without trusted_proxy',
  app: 'flask',
  ports: { PROXY_PORT: 443, APP_PORT: 8080 },
  processes: [appProcess('waitress', 'waitress.service'), nginxProcess()],
  entry: ENTRY,
  backend: BACKEND,
  expected: {
    summary:
      'nginx sends X-Forwarded-Proto: https but waitress (no trusted_proxy) ignores it and Flask has no ProxyFix: url_for(_external=True) builds http:// URLs, the stylesheet and script are blocked as mixed content, the form action is http://, the cookie is not Secure',
    appScheme: 'http',
    mixedContent: true,
  },
  variants: {
    proxyfix: {
      title: 'app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1) (what `proxyproof fix --write` writes)',
      expected: {
        summary: 'ProxyFix applies X-Forwarded-Proto from the one proxy in front: every URL is https://, no mixed content, the cookie is Secure',
        appScheme: 'https',
        mixedContent: false,
      },
    },
    'trusted-proxy': {
      title: "serve(..., trusted_proxy='127.0.0.1', trusted_proxy_headers='x-forwarded-proto x-forwarded-for')",
      expected: {
        summary: 'waitress applies X-Forwarded-Proto from nginx (127.0.0.1): every URL is https://, no mixed content, the cookie is Secure',
        appScheme: 'https',
        mixedContent: false,
      },
    },
  },
});
