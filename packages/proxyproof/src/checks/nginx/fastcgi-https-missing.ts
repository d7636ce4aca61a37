/** nginx/fastcgi-https-missing: a TLS server passes to FastCGI (PHP-FPM) without the HTTPS param. */
import { FASTCGI_SCHEME_PARAMS } from '../../facts/nginx/index.js';
import type { Check, CheckMeta } from '../../model/check.js';
import { runCgiScheme } from './cgi-scheme.js';
import { NGINX_DOCS } from './common.js';

const meta: CheckMeta = {
  id: 'nginx/fastcgi-https-missing',
  severity: 'high',
  title: 'TLS ends at nginx but the FastCGI app is not told it is HTTPS',
  summary: 'A TLS server passes to fastcgi without `fastcgi_param HTTPS $https if_not_empty`: $_SERVER["HTTPS"] is unset.',
  references: [NGINX_DOCS.fastcgiParam, NGINX_DOCS.varHttps, 'https://www.php.net/manual/en/reserved.variables.server.php'],
};

export const fastcgiHttpsMissing: Check = {
  meta,
  run: (facts) =>
    runCgiScheme(
      meta,
      {
        kind: 'fastcgi',
        schemeParams: FASTCGI_SCHEME_PARAMS,
        stockFile: 'fastcgi_params',
        fixLines: ['fastcgi_param HTTPS $https if_not_empty;'],
        why:
          'PHP applications decide HTTPS from $_SERVER["HTTPS"] (WordPress is_ssl(), Laravel, Symfony): without it they build http:// URLs ' +
          '(mixed content), redirect to https in a loop and drop Secure from cookies.',
      },
      facts,
    ),
};
