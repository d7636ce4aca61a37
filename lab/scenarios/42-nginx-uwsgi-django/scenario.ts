import { appProcess, BACKEND, ENTRY, nginxProcess, singleServerHost } from '../../src/topologies.js';
import { defineScenario } from '../../src/types.js';

export default defineScenario({
  number: 42,
  title: "nginx (TLS, port 443) -> uWSGI (uwsgi protocol) -> Django, the uWSGI distribution's uwsgi_params (no HTTPS)",
  app: 'django',
  // One server (a network namespace) so that nginx has the real port 443; uWSGI on its loopback.
  network: singleServerHost(),
  ports: { PROXY_PORT: 443, APP_PORT: 8001 },
  vars: { APP_ADDR: '127.0.0.1' },
  processes: [appProcess('uwsgi', 'uwsgi.service', 'server'), nginxProcess('server')],
  entry: ENTRY,
  backend: BACKEND,
  expected: {
    summary:
      "nginx passes no HTTPS param (the project's own copy of uWSGI's uwsgi_params has none): uWSGI sets wsgi.url_scheme = http, Django builds http:// URLs: stylesheet blocked, image auto-upgraded, form warning, csrftoken not Secure",
    appScheme: 'http',
    mixedContent: true,
  },
  variants: {
    fixed: {
      title:
        'uwsgi_param HTTPS $https if_not_empty; uwsgi_param UWSGI_SCHEME $scheme; uwsgi_param HTTP_X_FORWARDED_PROTO $scheme; and SESSION_COOKIE_SECURE / CSRF_COOKIE_SECURE (what `proxyproof fix --write` writes)',
      expected: { summary: 'uWSGI sets wsgi.url_scheme = https: every URL is https://, no mixed content, csrftoken Secure', appScheme: 'https', mixedContent: false },
    },
  },
});
