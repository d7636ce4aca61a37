import { appProcess, BACKEND, ENTRY, nginxProcess } from '../../src/topologies.js';
import { defineScenario } from '../../src/types.js';

export default defineScenario({
  number: 1,
  title: 'nginx (TLS) -> gunicorn 127.0.0.1 -> Django, no X-Forwarded-Proto',
  app: 'django',
  ports: { PROXY_PORT: 443, APP_PORT: 8000 },
  processes: [appProcess('gunicorn', 'gunicorn.service'), nginxProcess()],
  entry: ENTRY,
  backend: BACKEND,
  expected: {
    summary:
      'Django sees http: the absolute stylesheet URL is http:// and blocked as mixed content, the image is auto-upgraded, the form action is http:// (warning), build_absolute_uri() gives http://',
    appScheme: 'http',
    mixedContent: true,
  },
});
