/** Every scan check (pure functions of ScanFacts); not part of lint's ALL_CHECKS. */
import { cookieNotSecure } from './cookie-not-secure.js';
import { cookieSameSiteNoneInsecure } from './cookie-samesite-none-insecure.js';
import { forwardedProtoSpoofable } from './forwarded-proto-spoofable.js';
import { hstsMissing } from './hsts-missing.js';
import { hstsOverHttp } from './hsts-over-http.js';
import { httpNotRedirected } from './http-not-redirected.js';
import { insecureBaseHref } from './insecure-base-href.js';
import { insecureFormAction } from './insecure-form-action.js';
import { insecureNavigation } from './insecure-navigation.js';
import { insecureWebsocket } from './insecure-websocket.js';
import { maskedByUpgradeInsecureRequests } from './masked-by-upgrade-insecure-requests.js';
import { mixedContentBlocked } from './mixed-content-blocked.js';
import { mixedContentUpgraded } from './mixed-content-upgraded.js';
import { redirectLoop } from './redirect-loop.js';
import { redirectToHttp } from './redirect-to-http.js';
import { securePrefixCookieInsecure } from './secure-prefix-cookie-insecure.js';
import type { ScanCheck } from './types.js';

export type { ScanCheck } from './types.js';

export const SCAN_CHECKS: ScanCheck[] = [
  mixedContentBlocked,
  mixedContentUpgraded,
  insecureFormAction,
  insecureWebsocket,
  insecureBaseHref,
  insecureNavigation,
  redirectToHttp,
  redirectLoop,
  httpNotRedirected,
  cookieNotSecure,
  cookieSameSiteNoneInsecure,
  securePrefixCookieInsecure,
  hstsMissing,
  hstsOverHttp,
  maskedByUpgradeInsecureRequests,
  forwardedProtoSpoofable,
];
