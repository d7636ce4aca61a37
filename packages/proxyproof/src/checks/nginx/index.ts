/** The nginx checks. A new one: a file here exporting a Check, listed below, plus docs and a case table. */
import type { Check } from '../../model/check.js';
import { fastcgiHttpsMissing } from './fastcgi-https-missing.js';
import { forwardedForOverwritten } from './forwarded-for-overwritten.js';
import { forwardedHostClientControlled } from './forwarded-host-client-controlled.js';
import { forwardedProtoClientControlled } from './forwarded-proto-client-controlled.js';
import { forwardedProtoHardcoded } from './forwarded-proto-hardcoded.js';
import { forwardedProtoMissing } from './forwarded-proto-missing.js';
import { forwardedProtoPassthrough } from './forwarded-proto-passthrough.js';
import { hostDefaultProxyHost } from './host-default-proxy-host.js';
import { hostPortBehindFront } from './host-port-behind-front.js';
import { hostPortLost } from './host-port-lost.js';
import { httpNotRedirected } from './http-not-redirected.js';
import { proxyHeaderInheritance } from './proxy-header-inheritance.js';
import { proxyRedirectHttp } from './proxy-redirect-http.js';
import { redirectServerNamePattern } from './redirect-server-name-pattern.js';
import { schemeBehindTlsTerminator } from './scheme-behind-tls-terminator.js';
import { schemeHeaderValue } from './scheme-header-value.js';
import { sslDirectiveRemoved } from './ssl-directive-removed.js';
import { uwsgiSchemeMissing } from './uwsgi-scheme-missing.js';
import { variableAlwaysEmpty } from './variable-always-empty.js';

export const NGINX_CHECKS: Check[] = [
  forwardedProtoMissing,
  proxyHeaderInheritance,
  forwardedProtoHardcoded,
  forwardedProtoClientControlled,
  forwardedProtoPassthrough,
  schemeBehindTlsTerminator,
  schemeHeaderValue,
  sslDirectiveRemoved,
  hostPortLost,
  hostPortBehindFront,
  hostDefaultProxyHost,
  uwsgiSchemeMissing,
  fastcgiHttpsMissing,
  forwardedForOverwritten,
  forwardedHostClientControlled,
  httpNotRedirected,
  proxyRedirectHttp,
  redirectServerNamePattern,
  variableAlwaysEmpty,
];
