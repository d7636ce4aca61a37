/** The images of nginx-proxy (Docker Hub, the older jwilder name, GitHub's registry), any tag; apart from the collector so
 * the registry can ask without loading it. */
export const NGINX_PROXY_IMAGE = /(?:^|\/)(?:nginxproxy|jwilder|nginx-proxy)\/nginx-proxy(?::|@|$)/i;
