// @proxyproof/forwarded: a strict trusted-proxy resolver for RFC 7239 Forwarded and X-Forwarded-* headers.

export type { ForwardedRequestFields, HonoOptions, MiddlewareOptions } from './adapters.js';
export { expressForwarded, fastifyForwarded, honoForwarded, koaForwarded } from './adapters.js';
export type { AbsoluteUrlOptions, ResolvedCarrier } from './helpers.js';
export { absoluteUrl, authorityOf, httpsLocation, isSecure, redirectToHttps, resolvedOf } from './helpers.js';
export type { FetchRequestLike, NodeRequestLike, PeerInfo } from './input.js';
export { fromFetchRequest, fromNodeRequest } from './input.js';
export type { Network, ParsedIP } from './ip.js';
export { formatIP, isIP, parseIP, parseNetwork } from './ip.js';
export type { ForwardedHeaderName, Policy, PolicyOptions } from './policy.js';
export { ALL_HEADERS, createPolicy, DEFAULT_HEADERS, PolicyError, PRESETS } from './policy.js';
export type { HeadersInput, Hop, Resolved, ResolvedSource, ResolveInput } from './resolve.js';
export { parseHostHeader, resolve, splitList } from './resolve.js';
export type { ForwardedElement, ForwardedNode, ForwardedParseResult } from './rfc7239.js';
export { parseForwarded, parseNode } from './rfc7239.js';
