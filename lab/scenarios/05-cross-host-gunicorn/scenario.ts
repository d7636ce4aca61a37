import { appProcess, BACKEND, ENTRY, nginxProcess, proxyAndAppHosts } from '../../src/topologies.js';
import { defineScenario } from '../../src/types.js';

export default defineScenario({
  number: 5,
  title: 'nginx on the proxy host -> gunicorn on the app host: X-Forwarded-Proto sent but ignored',
  app: 'django',
  ports: { PROXY_PORT: 443, APP_PORT: 8000 },
  network: proxyAndAppHosts(),
  processes: [appProcess('gunicorn', 'gunicorn.service', 'app'), nginxProcess('proxy')],
  entry: ENTRY,
  backend: BACKEND,
  expected: {
    summary:
      "gunicorn's forwarded_allow_ips defaults to 127.0.0.1 and the proxy is another host: X-Forwarded-Proto arrives but is dropped, Django sees http (mixed content)",
    appScheme: 'http',
    mixedContent: true,
  },
  variants: {
    'allow-ips': {
      title: 'gunicorn --forwarded-allow-ips=<proxy address>',
      expected: { summary: 'gunicorn trusts the proxy: Django sees https, no mixed content', appScheme: 'https', mixedContent: false },
    },
    'proxy-ssl-header': {
      title: "Django SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')",
      expected: {
        summary: 'Django reads the header itself (gunicorn left at its defaults passes it through as HTTP_X_FORWARDED_PROTO): https, no mixed content',
        appScheme: 'https',
        mixedContent: false,
      },
    },
  },
});
