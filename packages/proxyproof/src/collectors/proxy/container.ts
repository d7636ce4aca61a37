/**
 * The compose service that runs a proxy: by its image (`caddy:2-alpine`), the base image of the Dockerfile it is
 * built from, or the program its command/entrypoint starts (`caddy run --config ...` in an app image that installs
 * Caddy). Override files (`compose.yml` + `compose.prod.yml`) name the same service: one service by name, the
 * later file's environment and ports win. Used by the proxy collectors (Caddy's `{$VAR}` placeholders are filled
 * from that service's environment) and by the chain (the proxy hop runs in that container, reached through its
 * published ports).
 */

import type { Ref } from '../../chain/model.js';
import type { ComposeService } from '../../model/deploy.js';
import type { Facts } from '../../model/facts.js';
import { builtCopies, builtFrom } from '../deploy/built-from.js';
import { handedOver } from '../deploy/shell.js';
import { fedByDockerGen, nginxProxyImage } from '../nginx-proxy/image.js';

export type ContainerProxyKind = 'nginx' | 'caddy' | 'haproxy' | 'apache' | 'traefik';

const IMAGE: Record<ContainerProxyKind, RegExp> = {
  nginx: /nginx|openresty/i,
  caddy: /caddy/i,
  haproxy: /haproxy/i,
  apache: /httpd|apache/i,
  traefik: /traefik/i,
};
const PROGRAM: Record<ContainerProxyKind, RegExp> = {
  nginx: /^(nginx|openresty)$/,
  caddy: /^caddy$/,
  haproxy: /^haproxy$/,
  apache: /^(httpd|apache2|apache2ctl|apachectl|httpd-foreground)$/,
  traefik: /^traefik$/,
};

export interface ProxyContainer {
  service: string;
  ref: Ref;
  /** The service's environment (literal values as compose passes them; `${X}` interpolated by the deploy collector). */
  env: Record<string, string>;
  published: Array<{ hostIp: string; hostPort: number; containerPort: number; ref: Ref }>;
  /** Where the service runs the proxy (image, command). */
  why: string;
  /** Every variable of the container is in `env` (no env_file, whose values are not read here). */
  envComplete: boolean;
  /** `network_mode: host`: the proxy binds the host's interfaces and its 127.0.0.1 is the host's (no container). */
  hostNetwork?: boolean;
  /** Variables set from a compose interpolation the files do not resolve (`DOMAIN=${DOMAIN}`): value not known. */
  unknownEnv?: string[];
  /**
   * The proxy's version as the image tag says (`caddy:2.8.4-builder-alpine` -> `2.8.4`, `caddy:2-alpine` -> `2`, a
   * floating tag: the newest 2.x); from the service's image or a `FROM` of the Dockerfile it is built from.
   */
  version?: { value: string; ref: Ref };
  /**
   * Files and folders of the tree (display paths) the service bind-mounts or its image copies from the build context:
   * the proxy configs of the tree it can run are among them (chain/topology/proxy.ts places a config there only then).
   */
  mounts: string[];
}

/** `caddy:2.8.4-builder-alpine` -> `2.8.4`; `caddy` / `caddy:latest` -> `latest`; undefined for another image. */
export function imageVersion(kind: ContainerProxyKind, image: string): string | undefined {
  const m = /^(?:[\w.-]+(?::\d+)?\/)*([\w.-]+)(?::([\w.-]+))?(?:@\S+)?$/.exec(image.trim());
  if (!m || !IMAGE[kind].test(m[1] as string)) return undefined;
  const tag = m[2] ?? 'latest';
  const v = /^v?(\d+(?:\.\d+){0,2})(?:[-_.]|$)/.exec(tag);
  return v ? v[1] : tag === 'latest' || /^(alpine|builder)/.test(tag) ? 'latest' : undefined;
}

/** The Dockerfile a compose service is built from, as read (its display path and lines), when it is in the tree. */
function serviceDockerfile(facts: Facts, s: ComposeService): { file: string; lines: string[] } | undefined {
  if (!s.build) return undefined;
  const dir = s.file.replace(/[^/]*$/, '');
  const file = normalise(`${dir}${s.build.context}/${s.build.dockerfile ?? 'Dockerfile'}`);
  const lines = facts.sources.get(file);
  return lines ? { file, lines } : undefined;
}

/** The version of `kind` a Dockerfile's `FROM` lines name (the last one that names the proxy's image). */
function dockerfileVersion(facts: Facts, s: ComposeService, kind: ContainerProxyKind): { value: string; ref: Ref } | undefined {
  const df = serviceDockerfile(facts, s);
  if (!df) return undefined;
  const { file: want, lines } = df;
  let found: { value: string; ref: Ref } | undefined;
  let built: { value: string; ref: Ref } | undefined;
  lines.forEach((l, i) => {
    const m = /^\s*FROM\s+(?:--\S+\s+)*(\S+)/i.exec(l);
    const v = m ? imageVersion(kind, m[1] as string) : undefined;
    if (v) found = { value: v, ref: { file: want, line: i + 1, snippet: l.trim() } };
    // A Caddy built with xcaddy is the version it builds (`xcaddy build v2.4.6`, else the builder's CADDY_VERSION
    // variable, which xcaddy reads when no version is given: caddyserver/xcaddy README), whatever image it is
    // copied into.
    const pin =
      kind === 'caddy'
        ? (/\bxcaddy\s+build\s+v?(\d+\.\d+(?:\.\d+)?)\b/.exec(l) ??
          /^\s*(?:ENV|ARG)\s+CADDY_VERSION[=\s]+v?(\d+\.\d+(?:\.\d+)?)\b/i.exec(l))
        : null;
    if (pin) built = { value: pin[1] as string, ref: { file: want, line: i + 1, snippet: l.trim() } };
  });
  return built ?? found;
}

/** `a/b/../c/./d` -> `a/c/d` (display paths are joined as written). */
function normalise(p: string): string {
  const out: string[] = [];
  p.split('/').forEach((part, i) => {
    // Only a leading '' (an absolute path) is kept.
    if (part === '.' || (part === '' && i > 0)) return;
    if (part === '..' && out.length > 0 && out[out.length - 1] !== '..' && out[out.length - 1] !== '') out.pop();
    else out.push(part);
  });
  return out.join('/');
}

/**
 * Where each proxy reads its configuration in the images and packages that run it (Debian/Alpine packages, the
 * official images): a file copied there is that proxy's config.
 */
const CONFIG_DIR: Record<ContainerProxyKind, RegExp> = {
  nginx: /^\/etc\/nginx\/|^\/usr\/local\/openresty\/nginx\/conf\//,
  // FrankenPHP (Caddy with PHP built in): its official image's CMD reads /etc/frankenphp/Caddyfile since 1.6, a hard link
  // of /etc/caddy/Caddyfile, the path before (php/frankenphp Dockerfile, 5a9785d0); serversideup's reads the former.
  caddy: /^\/etc\/(?:caddy|frankenphp)\//,
  haproxy: /^\/usr\/local\/etc\/haproxy\/|^\/etc\/haproxy\//,
  apache: /^\/etc\/apache2\/|^\/usr\/local\/apache2\/conf\/|^\/etc\/httpd\//,
  traefik: /^\/etc\/traefik\//,
};

/**
 * The `COPY`/`ADD` line of the service's Dockerfile that puts a file into `kind`'s config folder (`COPY nginx.conf
 * /etc/nginx/http.d/default.conf` in a php-fpm image that also installs nginx and starts both with supervisord): the
 * image runs that proxy although neither its base image nor the service's command names it. Undefined when none.
 */
function copiedConfig(facts: Facts, s: ComposeService, kind: ContainerProxyKind): Ref | undefined {
  const df = serviceDockerfile(facts, s);
  if (!df) return undefined;
  for (let i = 0; i < df.lines.length; i++) {
    const m = /^\s*(?:COPY|ADD)\s+(?:--\S+\s+)*(.+?)\s*$/i.exec(df.lines[i] ?? '');
    if (!m) continue;
    const args = m[1] as string;
    let words: string[];
    try {
      // The exec form, `COPY ["a b", "/etc/nginx/"]`.
      words = args.startsWith('[') ? (JSON.parse(args) as unknown[]).map(String) : args.split(/\s+/);
    } catch {
      continue;
    }
    const dest = words.length >= 2 ? words[words.length - 1] : undefined;
    if (dest && CONFIG_DIR[kind].test(dest.endsWith('/') ? dest : `${dest}/`))
      return { file: df.file, line: i + 1, snippet: (df.lines[i] as string).trim() };
  }
  return undefined;
}

/** Programs that start others (supervisord's `[program:nginx]`, s6, runit): the proxy they run is not in the argv. */
const PROCESS_MANAGER = /^(?:supervisord|s6-svscan|runsvdir|init|tini|dumb-init)$/;

/** The program a service starts (its entrypoint's, else its command's first word), without its folder. */
function program(s: ComposeService): string | undefined {
  const argv = s.entrypoint?.argv.length ? s.entrypoint.argv : s.command?.argv;
  return argv?.[0]?.split('/').pop();
}

/** `dunglas/frankenphp`, `dunglas/frankenphp:1-php8.3-alpine`: FrankenPHP's official image (CMD `frankenphp run`). */
const FRANKENPHP_IMAGE = /^(?:(?:docker\.io|ghcr\.io)\/)?dunglas\/frankenphp(?::[\w.-]+)?(?:@\S+)?$/i;

/**
 * Does this argv start `kind`? `frankenphp run` is Caddy (FrankenPHP is Caddy with PHP built in) reading a Caddyfile;
 * its other subcommands (`php-server`, `php-cli`) read none.
 */
function startsProxy(kind: ContainerProxyKind, argv: string[]): boolean {
  const prog = argv[0]?.split('/').pop() ?? '';
  if (kind === 'caddy' && prog === 'frankenphp') return argv[1] === 'run';
  return PROGRAM[kind].test(prog);
}

/**
 * What the service's container starts as the deploy collector resolved it over its image (`runs`: compose's
 * entrypoint/command, else the Dockerfile's ENTRYPOINT + CMD), looking past an entrypoint script of the tree that
 * hands its arguments over (`exec "$@"`, Docker's convention): `ENTRYPOINT ["/usr/local/bin/app-entrypoint"]` with
 * `CMD ["frankenphp", "run", ...]` starts FrankenPHP after the script's own steps. The script is found where the
 * image copies it from the build context (a script only mounted is not followed). Undefined when nothing is known.
 */
function startedProgram(facts: Facts, s: ComposeService): { argv: string[]; why: string } | undefined {
  const argv = s.runs?.argv;
  const first = argv?.[0];
  if (!argv || !first) return undefined;
  const prog = first.split('/').pop() ?? '';
  if (Object.values(PROGRAM).some((re) => re.test(prog)) || prog === 'frankenphp')
    return { argv, why: `it runs ${prog} (${s.runs?.ref.file}:${s.runs?.ref.line})` };
  const script = scriptSource(facts, s, first);
  const lines = script ? facts.sources.get(script) : undefined;
  const passed = lines ? handedOver(lines.join('\n'), argv.slice(1)) : undefined;
  if (!passed?.[0]) return undefined;
  return { argv: passed, why: `its entrypoint ${script} hands over to ${passed[0]} (${s.runs?.ref.file}:${s.runs?.ref.line})` };
}

/** The tree's file (display path) an image path is when the service's Dockerfile copies it there. */
function scriptSource(facts: Facts, s: ComposeService, path: string): string | undefined {
  if (!path.startsWith('/')) return undefined;
  for (const c of builtCopies(facts, s)) {
    if (c.dest === path) return c.source;
    if (c.dest.endsWith('/') && `${c.dest}${c.source.split('/').pop()}` === path) return c.source;
  }
  return undefined;
}

/**
 * A FrankenPHP image (dunglas/frankenphp, serversideup/php `*-frankenphp`, by the service's image or the `FROM` it is
 * built from) with a Caddyfile bind-mounted at /etc/frankenphp/Caddyfile, the path its CMD `frankenphp run` reads.
 */
function mountedFrankenphpConfig(facts: Facts, s: ComposeService): string | undefined {
  const from = s.image ?? builtFrom(facts, s)?.image;
  if (!from || !(FRANKENPHP_IMAGE.test(from) || /(^|\/)serversideup\/php:[\w.-]*frankenphp/i.test(from))) return undefined;
  const bind = (s.binds ?? []).find((b) => b.target === '/etc/frankenphp/Caddyfile');
  return bind
    ? `image ${from} runs frankenphp run with the mounted /etc/frankenphp/Caddyfile (${bind.ref.file}:${bind.ref.line})`
    : undefined;
}

function runs(facts: Facts, kind: ContainerProxyKind, s: ComposeService): string | undefined {
  // nginx-proxy writes its own nginx config from the containers' environment (collectors/nginx-proxy): it never runs
  // an nginx file of the tree (by its image, or the FROM of the Dockerfile it is built from).
  if (kind === 'nginx' && (nginxProxyImage(facts, s) || fedByDockerGen(facts, s))) return undefined;
  const prog = program(s);
  if (prog && PROGRAM[kind].test(prog)) return `its ${s.entrypoint?.argv.length ? 'entrypoint' : 'command'} runs ${prog}`;
  if (prog && Object.values(PROGRAM).some((re) => re.test(prog))) return undefined;
  if (s.role === 'proxy' && IMAGE[kind].test(`${s.image ?? ''} ${s.build?.context ?? ''} ${s.name}`))
    return `image ${s.image ?? s.build?.context ?? s.name}`;
  // What the container starts, over its image and past an entrypoint script that hands over.
  const started = startedProgram(facts, s);
  if (started && startsProxy(kind, started.argv)) return started.why;
  // FrankenPHP's official image runs `frankenphp run --config /etc/frankenphp/Caddyfile` (its CMD through
  // docker-php-entrypoint): a service of it whose command the files do not change runs the Caddyfile put there.
  const from = s.image ?? builtFrom(facts, s)?.image;
  if (kind === 'caddy' && !s.runs && from && FRANKENPHP_IMAGE.test(from)) return `image ${from} runs frankenphp run`;
  // The image's config decides only where the image's own command runs (or a process manager the service starts):
  // a service of the same image whose command is `php-fpm` runs php-fpm alone, whatever the image copies.
  const copied = !prog || PROCESS_MANAGER.test(prog) ? copiedConfig(facts, s, kind) : undefined;
  if (copied) return `its image copies ${kind}'s config (${copied.file}:${copied.line}: ${copied.snippet})`;
  // A config mounted where the image's own `frankenphp run` reads it (serversideup's *-frankenphp reads
  // /etc/frankenphp/Caddyfile as dunglas/frankenphp does): that Caddyfile replaces the image's.
  const mounted = kind === 'caddy' && !prog ? mountedFrankenphpConfig(facts, s) : undefined;
  if (mounted) return mounted;
  return undefined;
}

/** The one compose service that runs `kind`, or undefined when none or several (by name) do. */
export function proxyContainer(facts: Facts, kind: ContainerProxyKind): ProxyContainer | undefined {
  const found = proxyContainers(facts, kind);
  return found.length === 1 ? found[0] : undefined;
}

/** Every compose service (by name) that runs `kind`. */
export function proxyContainers(facts: Facts, kind: ContainerProxyKind): ProxyContainer[] {
  const byName = new Map<string, ProxyContainer>();
  for (const f of facts.compose?.files ?? [])
    for (const s of f.services) {
      const why = runs(facts, kind, s);
      const prev = byName.get(s.name);
      if (!why && !prev) continue;
      const c: ProxyContainer = prev ?? {
        service: s.name,
        ref: { file: s.ref.file, line: s.ref.line },
        env: {},
        published: [],
        why: why ?? '',
        envComplete: true,
        mounts: [],
      };
      for (const b of s.binds ?? []) if (b.display && !c.mounts.includes(b.display)) c.mounts.push(b.display);
      for (const cp of builtCopies(facts, s)) if (!c.mounts.includes(cp.source)) c.mounts.push(cp.source);
      if (s.envFiles.length > 0) c.envComplete = false;
      if (s.networkMode === 'host') c.hostNetwork = true;
      const tagged = s.image ? imageVersion(kind, s.image) : undefined;
      if (why && !c.version)
        c.version = tagged
          ? { value: tagged, ref: { file: s.ref.file, line: s.ref.line, snippet: `image: ${s.image}` } }
          : dockerfileVersion(facts, s, kind);
      if (why && !c.why) c.why = why;
      // A value from a variable the files do not set is not known (the shell or a .env outside the tree may set it).
      // The env_file values the tree holds sit below `environment:` (compose: `environment` wins over env_file).
      for (const [k, v] of Object.entries(s.envFileValues ?? {}))
        if (!Object.hasOwn(s.environment, k) && !c.unknownEnv?.includes(k)) c.env[k] = v.value;
      for (const [k, v] of Object.entries(s.environment))
        if (v.unresolved) {
          c.unknownEnv = [...(c.unknownEnv ?? []), k];
          delete c.env[k];
        } else c.env[k] = v.value;
      for (const p of s.ports)
        if (p.hostPort !== undefined && p.protocol === 'tcp' && !c.published.some((x) => x.hostPort === p.hostPort))
          c.published.push({
            hostIp: p.hostIp,
            hostPort: p.hostPort,
            containerPort: p.containerPort,
            ref: { file: p.ref.file, line: p.ref.line },
          });
      byName.set(s.name, c);
    }
  // An override file alone (no image, no command) names a service without running anything: only services that
  // run the proxy in some file count.
  return [...byName.values()].filter((c) => c.why);
}

/**
 * Caddy's parse-time environment placeholders, `{$NAME}` and `{$NAME:default}` (caddyconfig/caddyfile/parse.go
 * `replaceEnvVars`, applied to the whole file before it is lexed): filled from `env` where the name is set there,
 * else from the written default. A name in `unknown` (set by the deployment from a value the files do not hold) is
 * left as written. A name nobody sets is empty when `complete` (the whole environment of the
 * container is known: Caddy substitutes an unset variable with nothing), else left as written. Values that span
 * lines are left out so every line keeps its number.
 */
export function fillCaddyEnv(
  src: string,
  env: Record<string, string>,
  complete = false,
  unknown: string[] = [],
): { text: string; filled: string[] } {
  const filled: string[] = [];
  const text = src.replace(/\{\$([A-Za-z_][A-Za-z0-9_]*)(?::([^{}\n]*))?\}/g, (m, name: string, def?: string) => {
    if (unknown.includes(name)) return m;
    const v = Object.hasOwn(env, name) ? env[name] : (def ?? (complete ? '' : undefined));
    if (v === undefined || /[\r\n]/.test(v)) return m;
    filled.push(name);
    return v;
  });
  return { text, filled };
}

/**
 * The version of `kind` the deployment runs, by image tag: the one compose service that runs it
 * (`haproxy:2.8-alpine`, or the Dockerfile it is built from), else the Kubernetes containers whose image is that
 * proxy when they all name one version; with no image, the program's own version output saved in the tree
 * (`haproxy -v`, `printed`). Undefined when nothing names a version, or the sources disagree.
 */
export function deployedProxyVersion(
  facts: Facts,
  kind: ContainerProxyKind,
): { value: string; ref: Ref; printed?: boolean } | undefined {
  const c = proxyContainers(facts, kind);
  if (c.length === 1 && c[0]?.version) return c[0].version;
  if (c.length > 1) {
    const vs = new Set(c.map((x) => x.version?.value));
    return vs.size === 1 && c[0]?.version ? c[0].version : undefined;
  }
  const found: Array<{ value: string; ref: Ref }> = [];
  for (const w of facts.workloads?.workloads ?? [])
    for (const k of w.containers) {
      const v = k.image ? imageVersion(kind, k.image) : undefined;
      if (v) found.push({ value: v, ref: { file: k.ref.file, line: k.ref.line, snippet: `image: ${k.image}` } });
    }
  if (found.length > 0) return new Set(found.map((f) => f.value)).size === 1 ? found[0] : undefined;
  // No image names it: the program's own `-v` output saved in the tree, when every such output agrees.
  const printed = (facts.proxyVersions ?? []).filter((v) => v.kind === kind);
  return printed.length > 0 && new Set(printed.map((v) => v.value)).size === 1 && printed[0]
    ? { value: printed[0].value, ref: printed[0].ref, printed: true }
    : undefined;
}

/** Is an image-tag version (`2.8`, `2`, `latest`, `1.8.19`) at least major.minor? `latest` and a bare major above. */
export function versionAtLeast(v: string, major: number, minor: number): boolean {
  if (v === 'latest') return true;
  const [a, b] = v.split('.').map(Number);
  if (a === undefined || Number.isNaN(a)) return false;
  if (a !== major) return a > major;
  // A floating major tag (`2`) is the newest of that major.
  return b === undefined || Number.isNaN(b) ? true : b >= minor;
}
