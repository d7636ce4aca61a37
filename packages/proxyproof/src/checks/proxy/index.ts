import type { Check } from '../../model/check.js';
import { apacheRemoteIpTrustsEveryone } from '../apache/remoteip-trusts-everyone.js';
import { apacheVhostNeverUsed } from '../apache/vhost-never-used.js';
import { caddyForwardAuthCopyHeaders } from '../caddy/forward-auth-copy-headers.js';
import { caddyTrustedProxiesMissing } from '../caddy/trusted-proxies-missing.js';
import { frontTlsEndsAtFront } from '../front/tls-ends-at-front.js';
import { frontTrustListOmitsFront } from '../front/trust-list-omits-front.js';
import { haproxyForwardforMissing } from '../haproxy/forwardfor-missing.js';
import { haproxyHttpRulesWithoutHttpMode } from '../haproxy/http-rules-without-http-mode.js';
import { haproxyLegacyHeaderDirective } from '../haproxy/legacy-header-directive.js';
import { haproxySchemeHttpsOnPlainBind } from '../haproxy/scheme-https-on-plain-bind.js';
import { ingressForwardedHeadersAtEdge } from '../ingress-nginx/forwarded-headers-at-edge.js';
import { ingressForwardedHeadersOffBehindL7 } from '../ingress-nginx/forwarded-headers-off-behind-l7.js';
import { ingressTlsAtL4Lb } from '../ingress-nginx/tls-at-l4-lb.js';
import { k8sLoadBalancerClientIpSnat } from '../k8s/loadbalancer-client-ip-snat.js';
import { nginxProxyTrustDownstreamProxy } from '../nginx-proxy/trust-downstream-proxy.js';
import { traefikApiInsecure } from '../traefik/api-insecure.js';
import { traefikCustomHeaderHardcodesScheme } from '../traefik/custom-header-hardcodes-scheme.js';
import { traefikEntrypointUntrustedBehindProxy } from '../traefik/entrypoint-untrusted-behind-proxy.js';
import { traefikForwardedHeadersInsecure } from '../traefik/forwarded-headers-insecure.js';
import { traefikForwardedHeadersUnknownEntrypoint } from '../traefik/forwarded-headers-unknown-entrypoint.js';
import { proxyClientHeaderCopied } from './client-header-copied.js';
import { proxyClientIpLeftmostSpoofable } from './client-ip-leftmost-spoofable.js';
import { proxyForwardedProtoAppended } from './forwarded-proto-appended.js';
import { proxyForwardedProtoInvalid } from './forwarded-proto-invalid.js';
import { proxyForwardedProtoMissing } from './forwarded-proto-missing.js';
import { proxyHeaderRepeated } from './header-repeated.js';
import { proxySchemeHttpsOnPlainListener } from './scheme-https-on-plain-listener.js';

/** Generic checks on neutral proxy facts, then the per-proxy ones (apache/, haproxy/, caddy/, traefik/, nginx-proxy/, ingress/). */
export const PROXY_CHECKS: Check[] = [
  proxyForwardedProtoMissing,
  proxyForwardedProtoInvalid,
  proxyForwardedProtoAppended,
  proxyHeaderRepeated,
  proxyClientHeaderCopied,
  proxyClientIpLeftmostSpoofable,
  proxySchemeHttpsOnPlainListener,
  apacheRemoteIpTrustsEveryone,
  apacheVhostNeverUsed,
  caddyTrustedProxiesMissing,
  caddyForwardAuthCopyHeaders,
  haproxyForwardforMissing,
  haproxyHttpRulesWithoutHttpMode,
  haproxyLegacyHeaderDirective,
  haproxySchemeHttpsOnPlainBind,
  traefikForwardedHeadersUnknownEntrypoint,
  traefikEntrypointUntrustedBehindProxy,
  traefikForwardedHeadersInsecure,
  traefikApiInsecure,
  traefikCustomHeaderHardcodesScheme,
  nginxProxyTrustDownstreamProxy,
  ingressForwardedHeadersAtEdge,
  ingressForwardedHeadersOffBehindL7,
  ingressTlsAtL4Lb,
  k8sLoadBalancerClientIpSnat,
  frontTlsEndsAtFront,
  frontTrustListOmitsFront,
];
