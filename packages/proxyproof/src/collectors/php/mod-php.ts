/**
 * Apache with mod_php as the chain's app server: a compose service that runs the official `php:*-apache` image (or
 * the official `wordpress` image in its Apache variants), by its `image:` or the `FROM` of the Dockerfile it is built
 * from, with no other app server started in it.
 *
 * PHP runs inside Apache there: `$_SERVER['HTTPS']` is set only by Apache's own TLS (mod_ssl), which the image does
 * not turn on, so behind a TLS proxy PHP sees http; request headers (X-Forwarded-Proto...) reach PHP unchanged as
 * `HTTP_*` and the framework decides (Laravel/Symfony trusted proxies, WordPress's wp-config snippet). The image's
 * Apache listens on port 80 of the container (docker-library/php `apache` variant: `000-default.conf`,
 * `EXPOSE 80`; docker-library/wordpress `latest`/`*-apache` tags are built on it).
 */
import { passThroughServer } from '../../model/appserver.js';
import type { AppServerFacts, BindAddress, Facts, FrameworkFacts, SourceRef } from '../../model/facts.js';
import { inServiceContainer } from '../deploy/appserver.js';
import { builtFrom } from '../deploy/built-from.js';

export const PHP_APACHE_IMAGE_SOURCE = 'https://github.com/docker-library/php/blob/master/8.3/bookworm/apache/Dockerfile';
const IMAGE_PORT = 80;
/** php-fpm's port in the official fpm images (docker-library/php zz-docker.conf `listen = 9000`). */
const FPM_IMAGE_PORT = 9000;

/**
 * `php:8.2-apache`, `php:apache`, `wordpress`, `wordpress:6.5-php8.2-apache`, `library/wordpress:latest`: the official
 * images that run PHP inside Apache. `php:*-fpm`, `php:*-cli`, `wordpress:*-fpm*`, `wordpress:cli` are not.
 */
export function modPhpImage(image: string): boolean {
  const m = /^(?:(?:docker\.io\/)?(?:library\/))?php(?::([\w.-]+))?(?:@\S+)?$/i.exec(image.trim());
  if (m) return /(^|-)apache(-|$)/.test((m[1] ?? 'latest').toLowerCase());
  return wordpressImage(image) === 'apache';
}

/** Apache+mod_php app servers: one per compose service running an official mod_php image and nothing else. */
export function modPhpServers(facts: Facts): AppServerFacts[] {
  const out: AppServerFacts[] = [];
  for (const cf of facts.compose?.files ?? [])
    for (const s of cf.services) {
      if (s.role === 'proxy' || s.appServers.length > 0) continue;
      // A command of its own (`php artisan queue:work`, `cron -f`) runs something else than the image's Apache.
      const prog = (s.entrypoint?.argv[0] ?? s.command?.argv[0] ?? '').split('/').pop() ?? '';
      if (prog && !/^(apache2-foreground|apache2ctl|httpd|docker-php-entrypoint)$/.test(prog)) continue;
      const from = s.image && modPhpImage(s.image) ? { image: s.image, ref: s.ref } : builtFrom(facts, s);
      if (!from || !modPhpImage(from.image)) continue;
      const b = inServiceContainer(
        { kind: 'tcp', host: '0.0.0.0', port: IMAGE_PORT, exposure: 'all-interfaces', container: true, ref: from.ref },
        s,
      );
      out.push(
        passThroughServer({
          name: 'mod_php',
          launch: { ...from.ref, via: 'compose' },
          service: s.name,
          binds: [b],
          configFiles: [],
          notes: [
            `Apache with mod_php listens on ${IMAGE_PORT} (${from.image}: ${PHP_APACHE_IMAGE_SOURCE})`,
            "PHP's $_SERVER['HTTPS'] is set only by Apache's own TLS; forwarded headers reach PHP unchanged and the framework decides",
          ],
        }),
      );
    }
  return out;
}

export const WORDPRESS_IMAGE_CONFIG_SOURCE = 'https://github.com/docker-library/wordpress/blob/master/wp-config-docker.php';

/**
 * Which variant of the official `wordpress` image this is: `apache` (mod_php on :80, the `latest`/`*-apache` tags) or
 * `fpm` (php-fpm on :9000, the `*-fpm*` tags). `wordpress:cli` (wp-cli, no server) and other images: undefined.
 */
export function wordpressImage(image: string): 'apache' | 'fpm' | undefined {
  const m = /^(?:(?:docker\.io\/)?(?:library\/))?wordpress(?::([\w.-]+))?(?:@\S+)?$/i.exec(image.trim());
  if (!m) return undefined;
  const tag = (m[1] ?? 'latest').toLowerCase();
  if (/(^|-)cli(-|$)/.test(tag)) return undefined;
  return /(^|-)fpm(-|$)/.test(tag) ? 'fpm' : 'apache';
}

/**
 * The official `wordpress` image writes its own wp-config.php (wp-config-docker.php) when the tree has none: it sets
 * `$_SERVER['HTTPS'] = 'on'` when X-Forwarded-Proto contains `https`, from any peer ("we include this by default
 * because reverse proxying is extremely common in container environments"). Its entrypoint does so before starting
 * Apache or php-fpm alike (docker-entrypoint.sh: `apache2*` or `php-fpm`), so the fpm variants carry the same app end.
 * One WordPress app end per service running the image, by its `image:` or the `FROM` of the Dockerfile it is built
 * from, with no command of its own.
 */
export function imageWordpressFrameworks(facts: Facts): FrameworkFacts[] {
  const out: FrameworkFacts[] = [];
  for (const cf of facts.compose?.files ?? [])
    for (const s of cf.services) {
      if (s.role === 'proxy') continue;
      const from = s.image && wordpressImage(s.image) ? { image: s.image, ref: s.ref } : builtFrom(facts, s);
      const variant = from && wordpressImage(from.image);
      if (!from || !variant) continue;
      // The entrypoint writes wp-config.php only for the image's own servers; another command runs something else.
      const prog = (s.entrypoint?.argv[0] ?? s.command?.argv[0] ?? '').split('/').pop() ?? '';
      if (prog && !/^(apache2.*|php-fpm[\d.]*|docker-entrypoint\.sh)$/.test(prog)) continue;
      const ref: SourceRef = {
        file: s.ref.file,
        line: s.ref.line,
        snippet: `${s.ref.snippet ?? s.name} (image ${from.image}: its wp-config.php trusts X-Forwarded-Proto from anyone)`,
      };
      // The image's server port (Apache's :80, php-fpm's FastCGI :9000): what app/trust-all asks compose about.
      const bind: BindAddress =
        variant === 'fpm'
          ? {
              kind: 'tcp',
              host: '0.0.0.0',
              port: FPM_IMAGE_PORT,
              exposure: 'all-interfaces',
              container: true,
              protocol: 'fastcgi',
              ref,
            }
          : { kind: 'tcp', host: '0.0.0.0', port: IMAGE_PORT, exposure: 'all-interfaces', container: true, ref };
      out.push({
        kind: 'wordpress',
        file: s.ref.file,
        module: '.',
        usesServerScheme: true,
        settings: { imageConfig: { value: from.image, origin: 'default', ref } },
        appEnd: {
          name: 'WordPress',
          ref,
          schemeHeaders: ['x-forwarded-proto'],
          clientHeaders: [],
          trustScheme: { value: ['*'], origin: 'default', ref, note: "the image's wp-config-docker.php" },
          trustClient: { value: [], origin: 'default', ref },
          serverHttps: { on: ['on', '1'], port443: true },
          defaultsFrom: [WORDPRESS_IMAGE_CONFIG_SOURCE],
          binds: [bind],
        },
      });
    }
  return out;
}

/**
 * What runs a vhost's `.php` files, by an Apache handler line (in the vhost, the server config, or a
 * `<FilesMatch "\.php$">`/`<Directory>` inside them):
 * - `SetHandler application/x-httpd-php`, `AddHandler application/x-httpd-php .php`, the older `AddType
 *   application/x-httpd-php .php`: mod_php inside this Apache (Debian's mods-available/php8.2.conf writes the first);
 * - `SetHandler "proxy:fcgi://127.0.0.1:9000"` / `"proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost"`: php-fpm
 *   through mod_proxy_fcgi (httpd docs, mod_proxy_fcgi "Examples").
 * `application/x-httpd-php-source` (highlighted source) runs nothing.
 */
export type PhpHandler = { kind: 'mod_php'; ref: SourceRef } | { kind: 'fcgi'; target: string; ref: SourceRef };

export function phpHandler(directive: string, args: string[], ref: SourceRef): PhpHandler | undefined {
  const a = (args[0] ?? '').replace(/^["']|["']$/g, '');
  if (/^application\/x-httpd-php$/i.test(a)) return { kind: 'mod_php', ref };
  if (directive.toLowerCase() === 'sethandler' && /^proxy:(fcgi:\/\/|unix:[^|]+\|fcgi:\/\/)/i.test(a))
    return { kind: 'fcgi', target: a.replace(/^proxy:/i, ''), ref };
  return undefined;
}

/** The chain's socket path of mod_php in an Apache vhost (what the vhost's PHP route points at). */
export function modPhpSocket(docRoot: string): string {
  return `mod_php:${docRoot.replace(/\/+$/, '') || '/'}`;
}

/**
 * mod_php inside an Apache vhost of the tree (checked on Debian's apache2 2.4 with libapache2-mod-php8.2,
 * test/php/apache-mod-php.test.ts): `$_SERVER['HTTPS']` is `on` only on the vhost's own TLS connection and unset on a
 * plain one (a client's `HTTPS:` header arrives as HTTP_HTTPS); request headers reach PHP unchanged as `HTTP_*`.
 */
export function apacheModPhpServer(docRoot: string, ref: SourceRef): AppServerFacts {
  const path = modPhpSocket(docRoot);
  return passThroughServer({
    name: 'mod_php',
    launch: { ...ref, via: 'config' },
    binds: [{ kind: 'unix', path, exposure: 'unix', ref }],
    configFiles: [ref.file],
    notes: [
      `mod_php inside Apache at ${docRoot}: $_SERVER['HTTPS'] is on only when Apache's own connection is TLS; forwarded headers reach PHP unchanged and the framework decides`,
    ],
  });
}
