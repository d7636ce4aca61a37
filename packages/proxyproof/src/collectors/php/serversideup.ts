/**
 * serversideup/php's web-server images as the app server of a compose service: `*-fpm-nginx` (nginx in front of
 * php-fpm on 127.0.0.1:9000) and `*-fpm-apache` (Apache with mod_proxy_fcgi to localhost:9000), by the service's
 * `image:` or the `FROM` of the Dockerfile it is built from, when the service runs the image's own start-up (no
 * `php artisan queue:work` of its own) and no other app server was found in it.
 *
 * What the image does (serversideup/docker-php `src/variations/fpm-nginx`, `src/variations/fpm-apache`):
 * - the web server listens on `NGINX_HTTP_PORT`/`APACHE_HTTP_PORT` (8080) in plain HTTP, and with `SSL_MODE=mixed`
 *   or `full` also on `NGINX_HTTPS_PORT`/`APACHE_HTTPS_PORT` (8443) with the image's self-signed certificate; with
 *   `full` the HTTP port only redirects to https (`sites-available/ssl-full.template`), so it runs no PHP;
 * - PHP gets `HTTPS` only from the web server's own TLS (nginx's stock `fastcgi_params`: `HTTPS $https
 *   if_not_empty`; mod_proxy_fcgi passes mod_ssl's `HTTPS`), and every request header unchanged as `HTTP_*`: the
 *   framework (Laravel's TrustProxies) decides about X-Forwarded-*, as behind mod_php;
 * - the client address: `server-opts.d/remoteip.conf` (nginx) / `conf-available/remoteip.conf` (Apache) take
 *   `CF-Connecting-IP` from Docker's private networks and Cloudflare's ranges. Behind a proxy that neither sets nor
 *   strips that header (Traefik, nginx), PHP's REMOTE_ADDR is the proxy's address unless a client sends one.
 *
 * Not modelled: the HTTPS port (8443) as a hop of its own, and the `CF-Connecting-IP` rewrite of REMOTE_ADDR (a
 * client behind a private-network proxy can set it); both are stated in the server's notes.
 */
import { passThroughServer } from '../../model/appserver.js';
import type { ComposeService } from '../../model/deploy.js';
import type { AppServerFacts, Facts } from '../../model/facts.js';
import { inServiceContainer } from '../deploy/appserver.js';
import { builtFrom } from '../deploy/built-from.js';

export const SERVERSIDEUP_SOURCE = 'https://github.com/serversideup/docker-php/tree/main/src/variations';
const DEFAULT_HTTP_PORT = 8080;

export type ServersideupVariation = 'fpm-nginx' | 'fpm-apache';

/**
 * `serversideup/php:8.4-fpm-nginx-alpine`, `ghcr.io/serversideup/php:8.3-fpm-apache-bookworm`: the variation whose web
 * server runs PHP. `*-fpm` (php-fpm alone), `*-cli`, `*-frankenphp` and other owners' `php` images are not.
 */
export function serversideupVariation(image: string): ServersideupVariation | undefined {
  const m = /^(?:(?:docker\.io|ghcr\.io)\/)?serversideup\/php:([\w.-]+)(?:@\S+)?$/i.exec(image.trim());
  if (!m) return undefined;
  const tag = (m[1] ?? '').toLowerCase();
  if (/(^|-)fpm-nginx(-|$)/.test(tag)) return 'fpm-nginx';
  if (/(^|-)fpm-apache(-|$)/.test(tag)) return 'fpm-apache';
  return undefined;
}

/** A variable of the container's environment (image ENV < env_file < environment), as compose resolves it. */
function envValue(s: ComposeService, name: string): string | undefined {
  return s.runEnv?.[name]?.value ?? s.environment[name]?.value;
}

/** The image's start-up runs the web server: no command of its own, or the image's `/init` (s6-overlay). */
function runsImageStartup(s: ComposeService): boolean {
  const prog = (s.entrypoint?.argv[0] ?? s.command?.argv[0] ?? '').split('/').pop() ?? '';
  return prog === '' || /^(init|docker-php-serversideup-entrypoint)$/.test(prog);
}

/** One app server per compose service running a serversideup/php web-server image. */
export function serversideupServers(facts: Facts): AppServerFacts[] {
  const out: AppServerFacts[] = [];
  for (const cf of facts.compose?.files ?? [])
    for (const s of cf.services) {
      if (s.role === 'proxy' || s.appServers.length > 0 || !runsImageStartup(s)) continue;
      const from = s.image && serversideupVariation(s.image) ? { image: s.image, ref: s.ref } : builtFrom(facts, s);
      const variation = from ? serversideupVariation(from.image) : undefined;
      if (!from || !variation) continue;
      const web = variation === 'fpm-nginx' ? 'NGINX' : 'APACHE';
      const sslMode = (envValue(s, 'SSL_MODE') ?? 'off').trim().toLowerCase();
      // `full`: the HTTP port answers every request with a redirect to https; PHP runs on the HTTPS port only.
      if (sslMode === 'full') continue;
      const portText = envValue(s, `${web}_HTTP_PORT`)?.trim();
      const port = portText && /^\d+$/.test(portText) ? Number(portText) : DEFAULT_HTTP_PORT;
      const server = variation === 'fpm-nginx' ? 'nginx' : 'Apache';
      const notes = [
        `${server} + php-fpm listens on ${port} in plain HTTP (${from.image}: ${SERVERSIDEUP_SOURCE}/${variation})`,
        `PHP's HTTPS is set only by ${server}'s own TLS; forwarded headers reach PHP unchanged and the framework decides`,
        `the image takes the client address from CF-Connecting-IP when the peer is on a private network or Cloudflare (remoteip.conf): not simulated`,
      ];
      if (sslMode === 'mixed')
        notes.push(`SSL_MODE=mixed: ${server} also serves TLS on ${envValue(s, `${web}_HTTPS_PORT`) ?? '8443'} (not simulated)`);
      const b = inServiceContainer(
        { kind: 'tcp', host: '0.0.0.0', port, exposure: 'all-interfaces', container: true, ref: from.ref },
        s,
      );
      out.push(
        passThroughServer({
          name: `${server}+php-fpm`,
          launch: { ...from.ref, via: 'compose' },
          service: s.name,
          binds: [b],
          configFiles: [],
          notes,
        }),
      );
    }
  return out;
}
