import type { Check } from '../../model/check.js';
import { daphneForwardedAllowAll } from './daphne-forwarded-allow-all.js';
import { daphneProxyNotTrusted } from './daphne-proxy-not-trusted.js';
import { gunicornForwardedAllowAll } from './gunicorn-forwarded-allow-all.js';
import { gunicornProxyNotTrusted } from './gunicorn-proxy-not-trusted.js';
import { hypercornForwardedAllowAll } from './hypercorn-forwarded-allow-all.js';
import { hypercornProxyNotTrusted } from './hypercorn-proxy-not-trusted.js';
import { trustEntryUnmatchable } from './trust-entry-unmatchable.js';
import { uvicornForwardedAllowAll } from './uvicorn-forwarded-allow-all.js';
import { uvicornProxyNotTrusted } from './uvicorn-proxy-not-trusted.js';
import { uwsgiSchemeDowngrade } from './uwsgi-scheme-downgrade.js';

/** App-server checks; ids are per server family (gunicorn/..., uvicorn/..., daphne/..., hypercorn/...), appserver/... for all. */
export const APP_SERVER_CHECKS: Check[] = [
  gunicornForwardedAllowAll,
  gunicornProxyNotTrusted,
  uvicornForwardedAllowAll,
  uvicornProxyNotTrusted,
  daphneForwardedAllowAll,
  daphneProxyNotTrusted,
  hypercornForwardedAllowAll,
  hypercornProxyNotTrusted,
  trustEntryUnmatchable,
  uwsgiSchemeDowngrade,
];
