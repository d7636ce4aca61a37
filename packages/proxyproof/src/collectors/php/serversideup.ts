/**
 * serversideup/php's web-server images as the app server of a compose service: `*-fpm-nginx` (nginx in front of
 * php-fpm on 127.0.0.1:9000), `*-fpm-apache` (Apache with mod_proxy_fcgi to localhost:9000) and `*-frankenphp`
 * (FrankenPHP: Caddy with PHP built in, the image's own Caddyfile), by the service's
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
 * - `*-frankenphp` (`src/variations/frankenphp/etc/frankenphp/Caddyfile`, `ssl-mode/*.caddyfile`): Caddy's
 *   `http_port` is `CADDY_HTTP_PORT` (8080), `https_port` `CADDY_HTTPS_PORT` (8443), the same three SSL_MODEs (`full`:
 *   the HTTP site only redirects); every site runs `php_server`, so PHP's HTTPS is on only on Caddy's own TLS and
 *   REMOTE_ADDR is Caddy's TCP peer (php/frankenphp `cgi.go`: `request.RemoteAddr`). The image's `trusted_proxies`
 *   (private ranges, Cloudflare) with `client_ip_headers CF-Connecting-IP X-Forwarded-For` moves Caddy's client IP
 *   (logs, `{client_ip}`), not PHP's REMOTE_ADDR.
 * A service that runs a Caddyfile of the tree in that image is FrankenPHP in Caddy (collectors/caddy), not this.
 *
 * Not modelled: the HTTPS port (8443) as a hop of its own, and the fpm images' `CF-Connecting-IP` rewrite of
 * REMOTE_ADDR (a client behind a private-network proxy can set it); both are stated in the server's notes.
 */
import { passThroughServer } from '../../model/appserver.js';
import type { ComposeService } from '../../model/deploy.js';
import type { AppServerFacts, Facts } from '../../model/facts.js';
import { inServiceContainer } from '../deploy/appserver.js';
import { builtFrom } from '../deploy/built-from.js';

export const SERVERSIDEUP_SOURCE = 'https://github.com/serversideup/docker-php/tree/main/src/variations';
const DEFAULT_HTTP_PORT = 8080;

export type ServersideupVariation = 'fpm-nginx' | 'fpm-apache' | 'frankenphp';

/**
 * `serversideup/php:8.4-fpm-nginx-alpine`, `ghcr.io/serversideup/php:8.3-fpm-apache-bookworm`: the variation whose web
 * server runs PHP (`serversideup/php:8.4-frankenphp-alpine`: FrankenPHP). `*-fpm` (php-fpm alone), `*-cli` and other
 * owners' `php` images are not.
 */
export function serversideupVariation(image: string): ServersideupVariation | undefined {
  const m = /^(?:(?:docker\.io|ghcr\.io)\/)?serversideup\/php:([\w.-]+)(?:@\S+)?$/i.exec(image.trim());
  if (!m) return undefined;
  const tag = (m[1] ?? '').toLowerCase();
  if (/(^|-)fpm-nginx(-|$)/.test(tag)) return 'fpm-nginx';
  if (/(^|-)fpm-apache(-|$)/.test(tag)) return 'fpm-apache';
  if (/(^|-)frankenphp(-|$)/.test(tag)) return 'frankenphp';
  return undefined;
}

/** A variable of the container's environment (image ENV < env_file < environment), as compose resolves it. */
function envValue(s: ComposeService, name: string): string | undefined {
  return s.runEnv?.[name]?.value ?? s.environment[name]?.value;
}

/**
 * The image's start-up runs the web server: no command of its own, the image's `/init` (s6-overlay) or entrypoint,
 * or (FrankenPHP) the image's own CMD written out, `frankenphp run`.
 */
function runsImageStartup(s: ComposeService): boolean {
  const argv = s.entrypoint?.argv ?? s.command?.argv ?? [];
  const prog = (argv[0] ?? '').split('/').pop() ?? '';
  return prog === '' || /^(init|docker-php-serversideup-entrypoint)$/.test(prog) || (prog === 'frankenphp' && argv[1] === 'run');
}

/** What each variation's web server is called and the prefix of its port variables (`NGINX_HTTP_PORT`). */
const WEB: Record<ServersideupVariation, { server: string; env: string; https: string }> = {
  'fpm-nginx': { server: 'nginx', env: 'NGINX', https: "nginx's own TLS" },
  'fpm-apache': { server: 'Apache', env: 'APACHE', https: "Apache's own TLS" },
  frankenphp: { server: 'FrankenPHP', env: 'CADDY', https: "Caddy's own TLS (FrankenPHP)" },
};

/** One app server per compose service running a serversideup/php web-server image. */
export function serversideupServers(facts: Facts): AppServerFacts[] {
  const out: AppServerFacts[] = [];
  for (const cf of facts.compose?.files ?? [])
    for (const s of cf.services) {
      if (s.role === 'proxy' || s.appServers.length > 0 || !runsImageStartup(s)) continue;
      const from = s.image && serversideupVariation(s.image) ? { image: s.image, ref: s.ref } : builtFrom(facts, s);
      const variation = from ? serversideupVariation(from.image) : undefined;
      if (!from || !variation) continue;
      // The tree's own Caddyfile run in the FrankenPHP image: that Caddy and its php_server are read as such.
      if (variation === 'frankenphp' && (facts.proxies ?? []).some((p) => p.kind === 'caddy' && p.container?.service === s.name))
        continue;
      const { server: webName, env: web, https } = WEB[variation];
      const sslMode = (envValue(s, 'SSL_MODE') ?? 'off').trim().toLowerCase();
      // `full`: the HTTP port answers every request with a redirect to https; PHP runs on the HTTPS port only.
      if (sslMode === 'full') continue;
      const portText = envValue(s, `${web}_HTTP_PORT`)?.trim();
      const port = portText && /^\d+$/.test(portText) ? Number(portText) : DEFAULT_HTTP_PORT;
      const franken = variation === 'frankenphp';
      const server = franken ? webName : `${webName} + php-fpm`;
      const notes = [
        `${server} listens on ${port} in plain HTTP (${from.image}: ${SERVERSIDEUP_SOURCE}/${variation})`,
        `PHP's HTTPS is set only by ${https}; forwarded headers reach PHP unchanged and the framework decides`,
        franken
          ? `the image's Caddy takes its client IP from CF-Connecting-IP/X-Forwarded-For of private-network and Cloudflare peers (trusted_proxies, client_ip_headers): Caddy's logs only, PHP's REMOTE_ADDR stays the TCP peer (php/frankenphp cgi.go)`
          : `the image takes the client address from CF-Connecting-IP when the peer is on a private network or Cloudflare (remoteip.conf): not simulated`,
      ];
      if (sslMode === 'mixed')
        notes.push(`SSL_MODE=mixed: ${webName} also serves TLS on ${envValue(s, `${web}_HTTPS_PORT`) ?? '8443'} (not simulated)`);
      const b = inServiceContainer(
        { kind: 'tcp', host: '0.0.0.0', port, exposure: 'all-interfaces', container: true, ref: from.ref },
        s,
      );
      out.push(
        passThroughServer({
          name: franken ? webName : `${webName}+php-fpm`,
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
