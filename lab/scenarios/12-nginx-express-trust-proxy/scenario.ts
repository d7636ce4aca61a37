import { appProcess, BACKEND, ENTRY, nginxProcess, proxyAndAppHosts } from '../../src/topologies.js';
import { defineScenario } from '../../src/types.js';

// Three hosts besides the browser's: nginx on the proxy host, Express on the app host (bound to every
// interface, so its port is also reachable from the outside host), and the outside host itself.
export default defineScenario({
  number: 12,
  title: 'nginx (TLS, proxy host) -> Express on the app host, trust proxy unset',
  app: 'express',
  ports: { PROXY_PORT: 443, APP_PORT: 3000 },
  vars: { APP_BIND: '0.0.0.0' },
  // client -> proxy host -> app host <- outside host; the app binds every interface (APP_BIND).
  network: proxyAndAppHosts({ outside: true }),
  processes: [appProcess('node', 'express.service', 'app'), nginxProcess('proxy')],
  entry: ENTRY,
  backend: BACKEND,
  outside: 'outside',
  expected: {
    summary:
      "nginx sends X-Forwarded-Proto: https but Express trusts no proxy: req.protocol is http, the stylesheet and script are blocked as mixed content, the form action and the login redirect are http://; a spoofed header from the outside host is ignored",
    appScheme: 'http',
    mixedContent: true,
    outsideSpoof: 'ignored',
  },
  variants: {
    'trust-proxy-address': {
      title: "app.set('trust proxy', <proxy host address>)",
      expected: {
        summary: 'Express trusts X-Forwarded-Proto from the proxy host only: https links, no mixed content; X-Forwarded-Proto: https sent straight to the exposed port from the outside host is ignored',
        appScheme: 'https',
        mixedContent: false,
        outsideSpoof: 'ignored',
      },
    },
    'trust-proxy-true': {
      title: "app.set('trust proxy', true) with the app port exposed",
      expected: {
        summary: 'Clean through nginx, but the outside host reaches port 3000 directly and X-Forwarded-Proto: https makes Express believe the plain-HTTP request was secure (spoof accepted)',
        appScheme: 'https',
        mixedContent: false,
        outsideSpoof: 'accepted',
      },
    },
    forwarded: {
      title: '@proxyproof/forwarded trusting the proxy host address',
      expected: {
        summary: "expressForwarded({ trust: [proxy address] }) + absoluteUrl(): https links behind nginx, no mixed content; the outside host's spoofed header is ignored",
        appScheme: 'https',
        mixedContent: false,
        outsideSpoof: 'ignored',
      },
    },
  },
});
