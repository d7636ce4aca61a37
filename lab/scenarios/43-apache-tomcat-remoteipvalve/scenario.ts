import { BACKEND, ENTRY, singleServerHost } from '../../src/topologies.js';
import { defineScenario } from '../../src/types.js';

export default defineScenario({
  number: 43,
  title: 'Apache mod_proxy (TLS, port 443, X-Forwarded-Proto https) -> Tomcat 10 HTTP connector, no RemoteIpValve',
  // One server (a network namespace) so that Apache has the real port 443; Tomcat on its loopback.
  network: singleServerHost(),
  ports: { PROXY_PORT: 443, APP_PORT: 8080 },
  vars: { APP_ADDR: '127.0.0.1' },
  processes: [
    { name: 'app', kind: 'tomcat', file: 'tomcat10/server.xml', host: 'server', listen: { addressVar: 'APP_ADDR', portVar: 'APP_PORT' } },
    { name: 'proxy', kind: 'apache', file: 'apache2/apache2.conf', host: 'server', listen: { addressVar: 'PROXY_ADDR', portVar: 'PROXY_PORT' } },
  ],
  entry: ENTRY,
  backend: BACKEND,
  expected: {
    summary:
      'Apache sends X-Forwarded-Proto: https but Tomcat has no RemoteIpValve: request.getScheme() = http, the page builds http:// URLs: stylesheet blocked, form warning, JSESSIONID not Secure',
    appScheme: 'http',
    mixedContent: true,
  },
  variants: {
    fixed: {
      title: '<Valve className="org.apache.catalina.valves.RemoteIpValve" protocolHeader="X-Forwarded-Proto" /> in the Engine (what `proxyproof fix --write` writes)',
      expected: {
        summary: 'RemoteIpValve believes X-Forwarded-Proto from Apache (127.0.0.1): request.getScheme() = https, no mixed content, JSESSIONID Secure',
        appScheme: 'https',
        mixedContent: false,
      },
    },
  },
});
