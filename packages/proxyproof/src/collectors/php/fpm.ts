/**
 * php-fpm as the chain's app server: pool configurations (`[www]` ... `listen = ...`, Debian's
 * `/etc/php/X/fpm/pool.d/www.conf`, the official image's `zz-docker.conf`) and compose services that run the
 * official `php:*-fpm` image (or `command: php-fpm`) with no pool file in the tree.
 *
 * php-fpm passes the FastCGI params nginx sends (`HTTPS`, `HTTP_X_FORWARDED_PROTO`...) to PHP as `$_SERVER`
 * unchanged; the framework decides (Symfony/Laravel Request::isSecure(): a trusted proxy's X-Forwarded-Proto,
 * else the `HTTPS` param — symfony/symfony src/Symfony/Component/HttpFoundation/Request.php isSecure(), 7.1). Defaults: the official image writes `listen = 9000` (every interface of the
 * container) in `zz-docker.conf` (docker-library/php, `fpm` variant Dockerfile); Debian's `www.conf` listens
 * on `/run/php/php<ver>-fpm.sock`.
 */
import { passThroughServer } from '../../model/appserver.js';
import type { ComposeService } from '../../model/deploy.js';
import type { AppServerFacts, BindAddress, Facts, SourceRef } from '../../model/facts.js';
import { refAt } from '../appends/lines.js';
import { exposureOf } from '../deploy/appserver.js';

export const PHP_FPM_IMAGE_SOURCE = 'https://github.com/docker-library/php/blob/master/8.3/bookworm/fpm/Dockerfile';
const OFFICIAL_IMAGE_PORT = 9000;

/** A php-fpm pool file: an ini section and a `listen =` line (with a `pm` setting or a name that says fpm). */
export function isFpmPool(display: string, text: string): boolean {
  if (!/^\s*\[[\w.-]+\]\s*$/m.test(text) || !/^\s*listen\s*=/m.test(text)) return false;
  return /^\s*pm(?:\.[\w_]+)?\s*=/m.test(text) || /fpm|pool\.d|zz-docker/i.test(display);
}

function bindOf(value: string, ref: SourceRef): BindAddress | undefined {
  const v = value.trim().replace(/^["']|["']$/g, '');
  if (v.startsWith('/')) return { kind: 'unix', path: v, exposure: 'unix', ref };
  const m = /^(?:(\[[^\]]+\]|[^:]+):)?(\d+)$/.exec(v);
  if (!m) return undefined;
  const host = (m[1] ?? '0.0.0.0').replace(/^\[|\]$/g, '');
  return { kind: 'tcp', host: host === '*' ? '0.0.0.0' : host, port: Number(m[2]), exposure: exposureOf(host), ref };
}

/** One app server per pool (`[www]`) with its listen lines. */
export function poolServers(file: string, raw: string[]): AppServerFacts[] {
  const out: AppServerFacts[] = [];
  let pool: { name: string; ref: SourceRef; binds: BindAddress[]; allowed?: string[] } | undefined;
  const flush = () => {
    if (!pool || pool.binds.length === 0) return;
    const first = pool.binds[0]?.ref ?? pool.ref;
    const s = passThroughServer({
      name: 'php-fpm',
      launch: { ...first, via: 'config' },
      service: pool.name,
      binds: pool.binds,
      configFiles: [file],
      notes: [
        'php-fpm passes the FastCGI params (HTTPS, HTTP_X_FORWARDED_PROTO) to PHP unchanged; the framework decides',
        ...(pool.allowed ? [`listen.allowed_clients = ${pool.allowed.join(',')}`] : []),
      ],
    });
    out.push(s);
  };
  raw.forEach((l, i) => {
    const line = l.replace(/^\s*;.*$/, '');
    const sec = /^\s*\[([\w.-]+)\]\s*$/.exec(line);
    if (sec) {
      flush();
      pool = sec[1] === 'global' ? undefined : { name: sec[1] as string, ref: refAt(file, raw, i + 1), binds: [] };
      return;
    }
    if (!pool) return;
    const m = /^\s*listen\s*=\s*(\S+)\s*$/.exec(line);
    if (m) {
      const b = bindOf(m[1] as string, refAt(file, raw, i + 1));
      if (b) pool.binds = [{ ...b, protocol: 'fastcgi' }];
    }
    const a = /^\s*listen\.allowed_clients\s*=\s*(.+)$/.exec(line);
    if (a) pool.allowed = (a[1] as string).split(',').map((x) => x.trim());
  });
  flush();
  return out;
}

/** The compose services that run php-fpm (official image or `command: php-fpm`) when the tree holds no pool file. */
function fpmServices(facts: Facts): ComposeService[] {
  const out: ComposeService[] = [];
  for (const cf of facts.compose?.files ?? [])
    for (const s of cf.services) {
      const image = /(^|\/)php:[^\s]*fpm/i.test(s.image ?? '');
      const cmd = /(^|\/)php-fpm[\d.]*$/.test(s.command?.argv[0] ?? '');
      if ((image || cmd) && s.role !== 'proxy') out.push(s);
    }
  return out;
}

/** php-fpm app servers: the pools read, else the compose services running the official fpm image. */
export function fpmServers(facts: Facts, pools: AppServerFacts[]): AppServerFacts[] {
  const services = fpmServices(facts);
  if (pools.length > 0) {
    // A pool file in a tree with one fpm service is that service's pool: the proxy reaches it by the service name.
    if (services.length === 1)
      for (const p of pools) {
        p.service = services[0]?.name;
        for (const b of p.binds) b.container = true;
      }
    return pools;
  }
  return services.map((s) => {
    const ref = s.command?.ref ?? s.ref;
    return passThroughServer({
      name: 'php-fpm',
      launch: { ...ref, via: 'compose' as const },
      service: s.name,
      binds: [
        {
          kind: 'tcp' as const,
          host: '0.0.0.0',
          port: OFFICIAL_IMAGE_PORT,
          exposure: 'all-interfaces' as const,
          container: true,
          protocol: 'fastcgi' as const,
          ref,
        },
      ],
      configFiles: [],
      notes: [
        `php-fpm listens on ${OFFICIAL_IMAGE_PORT} (the official image's zz-docker.conf, ${PHP_FPM_IMAGE_SOURCE})`,
        'php-fpm passes the FastCGI params to PHP unchanged; the framework decides',
      ],
    });
  });
}
