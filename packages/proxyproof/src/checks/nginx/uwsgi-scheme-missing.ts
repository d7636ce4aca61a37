/** nginx/uwsgi-scheme-missing: a TLS server passes to uWSGI without UWSGI_SCHEME or HTTPS. */
import { UWSGI_SCHEME_PARAMS } from '../../facts/nginx/index.js';
import type { Check, CheckMeta } from '../../model/check.js';
import { runCgiScheme } from './cgi-scheme.js';
import { NGINX_DOCS } from './common.js';

const meta: CheckMeta = {
  id: 'nginx/uwsgi-scheme-missing',
  severity: 'high',
  title: 'TLS ends at nginx but uWSGI is not told the scheme',
  summary: 'A TLS server passes to uwsgi without `uwsgi_param HTTPS $https` or `UWSGI_SCHEME $scheme`: wsgi.url_scheme is http.',
  references: [NGINX_DOCS.uwsgiParam, NGINX_DOCS.uwsgiVars, NGINX_DOCS.varHttps],
};

export const uwsgiSchemeMissing: Check = {
  meta,
  run: (facts) =>
    runCgiScheme(
      meta,
      {
        kind: 'uwsgi',
        schemeParams: UWSGI_SCHEME_PARAMS,
        stockFile: 'uwsgi_params',
        // HTTP_X_FORWARDED_PROTO too: uWSGI takes a passed X-Forwarded-Proto as the scheme after UWSGI_SCHEME
        // (core/protocol.c, the later variable wins; nginx sends the request's headers after its params), so with
        // the first two alone a client's own `X-Forwarded-Proto: http` still wins. nginx leaves out the client's
        // header when a param of its HTTP_ name is set (ngx_http_uwsgi_module.c).
        fixLines: [
          'uwsgi_param HTTPS $https if_not_empty;',
          'uwsgi_param UWSGI_SCHEME $scheme;',
          'uwsgi_param HTTP_X_FORWARDED_PROTO $scheme;',
        ],
        clientHeaderLines: ['uwsgi_param HTTP_X_FORWARDED_PROTO $scheme;'],
        why:
          'uWSGI sets wsgi.url_scheme from the UWSGI_SCHEME variable, else to https when HTTPS is "on"/"1"; with neither, Django and Flask ' +
          'see http: http:// URLs (mixed content), SECURE_SSL_REDIRECT loops, cookies without Secure, CSRF origin failures. ' +
          'A passed X-Forwarded-Proto outranks both (from any sender), so the fix also sets it.',
      },
      facts,
    ),
};
