import { appProcess, BACKEND, ENTRY, nginxProcess, proxyAndAppHosts } from '../../src/topologies.js';
import { defineScenario } from '../../src/types.js';

export default defineScenario({
  number: 13,
  title: 'nginx on the proxy host -> uvicorn (ASGI Django) on the app host',
  app: 'django',
  ports: { PROXY_PORT: 443, APP_PORT: 8000 },
  network: proxyAndAppHosts(),
  processes: [appProcess('uvicorn', 'uvicorn.service', 'app'), nginxProcess('proxy')],
  entry: ENTRY,
  backend: BACKEND,
  expected: {
    summary:
      'uvicorn applies proxy headers by default (--proxy-headers) but only from --forwarded-allow-ips (default 127.0.0.1): the proxy is not trusted, Django sees http (mixed content)',
    appScheme: 'http',
    mixedContent: true,
  },
  variants: {
    'allow-ips': {
      title: 'uvicorn --forwarded-allow-ips=<proxy address>',
      expected: { summary: 'uvicorn trusts the proxy: https, no mixed content', appScheme: 'https', mixedContent: false },
    },
    'env-allow-ips': {
      title: 'FORWARDED_ALLOW_IPS=<proxy address> in the unit environment',
      expected: { summary: "uvicorn reads FORWARDED_ALLOW_IPS as the option's default: https, no mixed content", appScheme: 'https', mixedContent: false },
    },
    daphne: {
      title: 'daphne instead of uvicorn, without --proxy-headers',
      processes: [appProcess('daphne', 'daphne.service', 'app'), nginxProcess('proxy')],
      expected: { summary: 'daphne ignores X-Forwarded-* unless --proxy-headers: http, mixed content', appScheme: 'http', mixedContent: true },
    },
    'daphne-proxy-headers': {
      title: 'daphne --proxy-headers',
      processes: [appProcess('daphne', 'daphne.service', 'app'), nginxProcess('proxy')],
      expected: {
        summary: 'daphne believes X-Forwarded-Proto (from any peer: it has no allow-list): https, no mixed content',
        appScheme: 'https',
        mixedContent: false,
      },
    },
    'same-host': {
      title: 'nginx and uvicorn on one host (loopback)',
      network: null,
      expected: { summary: 'uvicorn trusts 127.0.0.1 by default: https, no mixed content', appScheme: 'https', mixedContent: false },
    },
  },
});
