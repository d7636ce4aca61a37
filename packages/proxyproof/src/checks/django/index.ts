import type { Check } from '../../model/check.js';
import { csrfTrustedOriginsScheme } from './csrf-trusted-origins-scheme.js';
import { forwardedHostTrusted } from './forwarded-host-trusted.js';
import { insecureCookies } from './insecure-cookies.js';
import { proxySslHeaderMalformed } from './proxy-ssl-header-malformed.js';
import { sslRedirectWithoutSchemeSource } from './ssl-redirect-without-scheme-source.js';

export const DJANGO_CHECKS: Check[] = [
  proxySslHeaderMalformed,
  sslRedirectWithoutSchemeSource,
  csrfTrustedOriginsScheme,
  insecureCookies,
  forwardedHostTrusted,
];
