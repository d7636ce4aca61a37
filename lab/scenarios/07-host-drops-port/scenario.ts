import { appProcess, BACKEND, ENTRY, nginxProcess } from '../../src/topologies.js';
import { defineScenario } from '../../src/types.js';

export default defineScenario({
  number: 7,
  title: 'nginx `proxy_set_header Host $host` behind a non-443 port',
  app: 'django',
  ports: { PROXY_PORT: 443, APP_PORT: 8000 },
  processes: [appProcess('gunicorn', 'gunicorn.service'), nginxProcess()],
  entry: ENTRY,
  backend: BACKEND,
  expected: {
    summary:
      'the scheme is right (https) but absolute URLs lose the port: stylesheet, image and form action point at https://app.test/ (port 443) and fail; HTTPS POSTs fail Django\'s CSRF Referer check (the Referer carries the port, Host does not)',
    appScheme: 'https',
    mixedContent: false,
    portLost: true,
  },
  variants: {
    fixed: {
      title: 'proxy_set_header Host $http_host',
      expected: {
        summary: 'absolute URLs keep the port; the stylesheet loads; the login POST passes CSRF and redirects to https://app.test:<port>/private/',
        appScheme: 'https',
        mixedContent: false,
        portLost: false,
      },
    },
  },
});
