import type { Check } from '../../model/check.js';
import { forwardedHostTrusted } from './forwarded-host-trusted.js';
import { originCheckFails } from './origin-check-fails.js';
import { proxyNotTrusted } from './proxy-not-trusted.js';
import { secureCookieNeverSet } from './secure-cookie-never-set.js';
import { sslRedirectLoop } from './ssl-redirect-loop.js';
import { trustAll } from './trust-all.js';

/** App ends of every ecosystem, over the neutral AppEndFacts (issue 14). */
export const APP_CHECKS: Check[] = [
  sslRedirectLoop,
  originCheckFails,
  proxyNotTrusted,
  trustAll,
  forwardedHostTrusted,
  secureCookieNeverSet,
];
