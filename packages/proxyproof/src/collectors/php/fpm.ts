/**
 * php-fpm as the chain's app server: pool configurations (`[www]` ... `listen = ...`, Debian's
 * `/etc/php/X/fpm/pool.d/www.conf`, the official image's `zz-docker.conf`) and compose services that run the
 * official `php:*-fpm` or `wordpress:*-fpm*` image (or `command: php-fpm`) with no pool file in the tree.
 *
 * php-fpm passes the FastCGI params nginx sends (`HTTPS`, `HTTP_X_FORWARDED_PROTO`...) to PHP as `$_SERVER`
 * unchanged; the framework decides (Symfony/Laravel Request::isSecure(): a trusted proxy's X-Forwarded-Proto,
 * else the `HTTPS` param — symfony/symfony src/Symfony/Component/HttpFoundation/Request.php isSecure(), 7.1). Defaults: the official image writes `listen = 9000` (every interface of the
 * container) in `zz-docker.conf` (docker-library/php, `fpm` variant Dockerfile); Debian's `www.conf` listens
 * on `/run/php/php<ver>-fpm.sock`.
 */
import { passThroughServer } from '../../model/appserver.js';
import type { CollectContext } from '../../model/collector.js';
import type { ComposeService } from '../../model/deploy.js';
import type { AppServerFacts, BindAddress, Facts, SourceRef } from '../../model/facts.js';
import { refAt } from '../appends/lines.js';
import { exposureOf, inServiceContainer } from '../deploy/appserver.js';
import { builtFrom } from '../deploy/built-from.js';
import { commandLaunches, type LaunchVia } from '../deploy/command-launches.js';

export const PHP_FPM_IMAGE_SOURCE = 'https://github.com/docker-library/php/blob/master/8.3/bookworm/fpm/Dockerfile';
/** php-src's pool template, which Alpine's and most builds install: `listen = 127.0.0.1:9000`. */
export const PHP_FPM_POOL_SOURCE = 'https://github.com/php/php-src/blob/PHP-8.3/sapi/fpm/www.conf.in';
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
      const cmd = /(^|\/)php-fpm[\d.]*$/.test(s.command?.argv[0] ?? '');
      if ((officialFpm(facts, s) || cmd) && s.role !== 'proxy') out.push(s);
    }
  return out;
}

/**
 * The official images that run php-fpm on :9000: `php:*-fpm*`, and WordPress's fpm variants (`wordpress:fpm`,
 * `wordpress:6.4-php8.2-fpm-alpine`), which are built `FROM php:X-fpm` with `CMD ["php-fpm"]`
 * (docker-library/wordpress latest/php8.2/fpm/Dockerfile, bf223d1c).
 */
const FPM_IMAGE = /^(?:(?:docker\.io\/)?library\/)?(?:php|wordpress):[^\s]*fpm/i;

/**
 * The service runs the official `php:*-fpm` image: by its `image:`, or the `FROM` of the Dockerfile it is built from
 * (its `build:`, or the tree's Dockerfile that builds its image, collectors/deploy/image-source.ts). Returns that
 * Dockerfile's folder ('' for an `image:`), where the pool files it copies or mounts usually sit.
 */
function officialFpm(facts: Facts, s: ComposeService): { dir: string } | undefined {
  if (FPM_IMAGE.test(s.image ?? '')) return { dir: '' };
  // An image tied to the tree's only Dockerfile by assumption alone (image-source.ts) says nothing about php-fpm.
  if (s.imageBuild && /^assumed/i.test(s.imageBuild.why)) return undefined;
  const from = builtFrom(facts, s);
  return from && FPM_IMAGE.test(from.image) ? { dir: from.ref.file.replace(/[^/]*$/, '') } : undefined;
}

/** php-fpm app servers: the pools read, else the compose services running the official fpm image. */
export function fpmServers(facts: Facts, pools: AppServerFacts[], launches: FpmLaunch[] = []): AppServerFacts[] {
  const services = fpmServices(facts);
  if (pools.length > 0) {
    // A pool file in a tree with one fpm service is that service's pool: the proxy reaches it by the service name.
    // With several, a pool file in the folder of the Dockerfile a service's official fpm image is built from is that
    // service's (`php7.3/www.conf` beside `php7.3/Dockerfile`); the services left run the image's own pool.
    const placed = new Set<string>();
    for (const p of pools) {
      const file = p.configFiles[0] ?? '';
      const inBuildDir = services.filter((s) => {
        const dir = officialFpm(facts, s)?.dir;
        return dir !== undefined && dir !== '' && file.startsWith(dir);
      });
      // One service: its pool, unless the service is built in a folder of its own and the file sits elsewhere.
      const ownDir = services.length === 1 ? officialFpm(facts, services[0] as ComposeService)?.dir : undefined;
      const own = services.length === 1 && (!ownDir || inBuildDir.length === 1) ? services : inBuildDir;
      const svc = own.length === 1 ? own[0] : undefined;
      if (!svc) continue;
      placed.add(svc.name);
      const poolName = p.service;
      p.service = svc.name;
      for (const b of p.binds) b.container = true;
      // The official image's zz-docker.conf (`[www]` `listen = 9000`) is read after the pool files of php-fpm.d: the
      // tree's `[www]` pool listens on 9000 on every interface there, whatever its own listen says.
      if (officialFpm(facts, svc) && poolName === 'www' && !/zz-docker\.conf$/.test(file)) {
        const ref = p.binds[0]?.ref ?? p.launch;
        p.binds = [
          {
            kind: 'tcp',
            host: '0.0.0.0',
            port: OFFICIAL_IMAGE_PORT,
            exposure: 'all-interfaces',
            container: true,
            protocol: 'fastcgi',
            ref,
          },
        ];
        p.notes = [
          ...(p.notes ?? []),
          `the image's zz-docker.conf (listen = ${OFFICIAL_IMAGE_PORT}) is read after ${file} and wins (${PHP_FPM_IMAGE_SOURCE})`,
        ];
      }
      // Placed by its build folder: the service's compose `ports:` publish it.
      if (services.length > 1 || ownDir) p.binds = p.binds.map((b) => inServiceContainer(b, svc));
    }
    return services.length > 1 ? [...pools, ...services.filter((s) => !placed.has(s.name)).map(imageServer)] : pools;
  }
  if (services.length === 0) return launchedServers(facts, launches);
  return services.map(imageServer);
}

/** php-fpm as the official image runs it in a compose service: its zz-docker.conf's `listen = 9000`. */
function imageServer(s: ComposeService): AppServerFacts {
  {
    const ref = s.command?.ref ?? s.ref;
    return passThroughServer({
      name: 'php-fpm',
      launch: { ...ref, via: 'compose' as const },
      service: s.name,
      // Its compose `ports:` publish it (FastCGI on a published port runs any PHP file a client names).
      binds: [
        inServiceContainer(
          {
            kind: 'tcp' as const,
            host: '0.0.0.0',
            port: OFFICIAL_IMAGE_PORT,
            exposure: 'all-interfaces' as const,
            container: true,
            protocol: 'fastcgi' as const,
            ref,
          },
          s,
        ),
      ],
      configFiles: [],
      notes: [
        `php-fpm listens on ${OFFICIAL_IMAGE_PORT} (the official image's zz-docker.conf, ${PHP_FPM_IMAGE_SOURCE})`,
        'php-fpm passes the FastCGI params to PHP unchanged; the framework decides',
      ],
    });
  }
}

/** The php-fpm program (`php-fpm`, `php-fpm7`, `php-fpm8.2`, `/usr/sbin/php-fpm81`): a word of a command. */
const FPM_PROGRAM = /^(?:\S*\/)?php-fpm[\d.]*$/;
/** A service manager starting the packaged php-fpm (`service php8.2-fpm start`, `rc-service php-fpm81 start`). */
const FPM_SERVICE = /^(?:service|rc-service|systemctl)$/;

export interface FpmLaunch {
  ref: SourceRef;
  via: LaunchVia;
  /** `-y FILE`/`--fpm-config FILE` as written. */
  config?: string;
}

/**
 * php-fpm started by a script, an image's CMD/ENTRYPOINT/RUN-less start line, a process manager or a unit
 * (`php-fpm7 -F` in an s6 `run` file, `exec php-fpm -F` in an entrypoint, `command=php-fpm8.2 -F` in supervisord):
 * the app server behind `fastcgi_pass` even when its pool file is not in the tree. Package installs and
 * commands that only mention php-fpm (`apk add php7-fpm`, `php-fpm -t`, `pkill php-fpm`) are not launches.
 * Compose services running php-fpm are fpmServices'.
 */
export function fpmLaunches(ctx: CollectContext): FpmLaunch[] {
  return commandLaunches(ctx, ctx.facts, {
    mentions: /php[\d.]*-fpm|php-fpm/,
    compose: false,
    match: ([cmd, ...args]) => {
      if (!cmd) return undefined;
      const started =
        (FPM_PROGRAM.test(cmd) && !args.some((a) => /^(-t|--test|-v|--version|-i|-m|-h|--help)$/.test(a))) ||
        (FPM_SERVICE.test(cmd) && args.some((a) => /php[\d.-]*fpm/.test(a)) && args.some((a) => /^(start|restart)$/.test(a)));
      if (!started) return undefined;
      const y = args.findIndex((a) => a === '-y' || a === '--fpm-config');
      return { config: y >= 0 ? args[y + 1] : args.find((a) => /^--fpm-config=/.test(a))?.slice(13) };
    },
  }).map((l) => ({ ref: l.ref, via: l.via, ...(l.match.config ? { config: l.match.config } : {}) }));
}

/** Where a php-fpm with no pool file in the tree listens: the socket nginx passes to when it names one, else php-src's default. */
function defaultBind(facts: Facts, ref: SourceRef): { bind: BindAddress; why: string } {
  for (const lines of facts.sources.values())
    for (const line of lines) {
      const m = /^\s*fastcgi_pass\s+unix:([^;\s]*php[^;\s]*fpm[^;\s]*\.sock)\s*;/.exec(line);
      if (m)
        return {
          bind: { kind: 'unix', path: m[1] as string, exposure: 'unix', ref },
          why: `its pool is not in these files: taken to listen on ${m[1]}, the packaged pool's socket nginx passes to (Debian's www.conf)`,
        };
    }
  return {
    bind: { kind: 'tcp', host: '127.0.0.1', port: OFFICIAL_IMAGE_PORT, exposure: 'loopback', ref },
    why: `its pool is not in these files: taken to listen on 127.0.0.1:9000, php-src's www.conf default (${PHP_FPM_POOL_SOURCE}); Debian's package uses /run/php/php<ver>-fpm.sock, the official image 9000 on every interface`,
  };
}

/** php-fpm app servers for launches whose pool the tree does not hold (compose services are fpmServices'). */
export function launchedServers(facts: Facts, launches: FpmLaunch[]): AppServerFacts[] {
  const seen = new Set<string>();
  const out: AppServerFacts[] = [];
  for (const l of launches) {
    const { bind, why } = defaultBind(facts, l.ref);
    const key = bind.kind === 'unix' ? `unix:${bind.path}` : `${bind.host}:${bind.port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(
      passThroughServer({
        name: 'php-fpm',
        launch: { ...l.ref, via: l.via },
        binds: [{ ...bind, protocol: 'fastcgi' }],
        configFiles: l.config ? [l.config] : [],
        notes: [
          `php-fpm started here; ${why}`,
          'php-fpm passes the FastCGI params (HTTPS, HTTP_X_FORWARDED_PROTO) to PHP unchanged; the framework decides',
        ],
      }),
    );
  }
  return out;
}
