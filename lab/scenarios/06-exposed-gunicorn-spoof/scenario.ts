import { appProcess, BACKEND, ENTRY, nginxProcess, proxyAndAppHosts } from '../../src/topologies.js';
import { defineScenario } from '../../src/types.js';

export default defineScenario({
  number: 6,
  title: "gunicorn bound to 0.0.0.0 with forwarded_allow_ips='*', reachable from an outside host",
  app: 'django',
  ports: { PROXY_PORT: 443, APP_PORT: 8000 },
  network: proxyAndAppHosts({ outside: true }),
  processes: [appProcess('gunicorn', 'gunicorn.service', 'app'), nginxProcess('proxy')],
  entry: ENTRY,
  backend: BACKEND,
  outside: 'outside',
  expected: {
    summary:
      'the browser through the proxy is clean, but a plain-HTTP request from the outside host with X-Forwarded-Proto: https is treated as secure (spoof accepted)',
    appScheme: 'https',
    mixedContent: false,
    outsideSpoof: 'accepted',
  },
  variants: {
    'allow-list': {
      title: 'still 0.0.0.0, but --forwarded-allow-ips=<proxy address>',
      expected: { summary: 'clean for the browser; the outside request reaches gunicorn but its header is ignored (http)', appScheme: 'https', mixedContent: false, outsideSpoof: 'ignored' },
    },
    'private-bind': {
      title: "still forwarded_allow_ips='*', but bound to the proxy-facing address only",
      expected: { summary: 'clean for the browser; the outside host cannot connect at all', appScheme: 'https', mixedContent: false, outsideSpoof: 'unreachable' },
    },
  },
});
