import type { ComposeService } from '../../model/deploy.js';
import type { Facts, SourceRef } from '../../model/facts.js';
import { builtFrom } from '../deploy/built-from.js';

/** The images of nginx-proxy (Docker Hub, the older jwilder name, GitHub's registry), any tag; apart from the collector so
 * the registry can ask without loading it. */
export const NGINX_PROXY_IMAGE = /(?:^|\/)(?:nginxproxy|jwilder|nginx-proxy)\/nginx-proxy(?::|@|$)/i;

/**
 * The nginx-proxy image a compose service runs: its `image:`, or the last `FROM` of the Dockerfile its `build:` names
 * (`FROM nginxproxy/nginx-proxy` with the person's `vhost.d` files copied in: the same proxy). Undefined otherwise.
 */
export function nginxProxyImage(
  facts: Pick<Facts, 'sources'>,
  s: Pick<ComposeService, 'image' | 'build' | 'file' | 'ref'>,
): { image: string; ref: SourceRef } | undefined {
  if (s.image && NGINX_PROXY_IMAGE.test(s.image)) return { image: s.image, ref: s.ref };
  const from = builtFrom(facts, s);
  return from && NGINX_PROXY_IMAGE.test(from.image) ? from : undefined;
}
