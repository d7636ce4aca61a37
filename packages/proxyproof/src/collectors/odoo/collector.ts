/**
 * Odoo as a chain hop: its own HTTP server (werkzeug's, or the h11 one of recent masters) and its app end, read from
 * an Odoo configuration file (`odoo.conf`, `openerp-server.conf`, `.odoorc`: INI `[options]`) and from the
 * `--proxy-mode` flag of a compose command running the official `odoo` image, or of a command line outside compose
 * that starts Odoo (`ExecStart=/opt/odoo/odoo-bin -c /etc/odoo/odoo.conf --proxy-mode`, a Dockerfile CMD, a supervisord
 * `command=`, a script: deploy/command-launches.ts), the one naming the config file (`-c`/`--config`) first.
 *
 * What decides the scheme and client address (odoo/odoo, every series since 8.0):
 * - `proxy_mode` (default False). With it on, Odoo applies werkzeug's ProxyFix — X-Forwarded-For (one hop) and
 *   X-Forwarded-Proto — from ANY peer: there is no trusted-proxy list (odoo/http.py `Application.__call__`,
 *   16.0-18.0; `odoo/service/wsgi_server.py` `application`, <= 14.0; the h11 server's `_make_environ` in master).
 * - Only on a request that carries a non-empty X-Forwarded-Host (`if config['proxy_mode'] and
 *   environ.get("HTTP_X_FORWARDED_HOST")`; `'HTTP_X_FORWARDED_HOST' in environ` before 15.0). A proxy that sends
 *   X-Forwarded-Proto without X-Forwarded-Host leaves Odoo on http even with proxy_mode on.
 * - Config values: `True`/`true` and `False`/`false` become booleans, anything else stays a string
 *   (odoo/tools/config.py `load()`), so `proxy_mode = 1` is on and an empty value is off.
 * - The listener: `http_interface` (default '': every interface) and `http_port` (default 8069; `xmlrpc_interface`
 *   / `xmlrpc_port` before 11.0); with `workers` > 0 also the gevent server on `gevent_port` (`longpolling_port`
 *   before 16.0; default 8072) for `/websocket` and `/longpolling`.
 *
 * Bitnami's image (`bitnami/odoo`, `bitnamilegacy/odoo`) runs no `odoo.conf` of the tree unless one is mounted: its
 * entrypoint renders `/opt/bitnami/odoo/conf/odoo.conf` at the first start (libodoo.sh `odoo_initialize`, template
 * `odoo.conf.tpl`): `http_port = $ODOO_PORT_NUMBER` (odoo-env.sh default 8069), no `http_interface` (every
 * interface), `workers` commented out (the threaded server: no gevent port), and `proxy_mode = True` ("Odoo will always
 * be running behind a proxy"); newer images write `proxy_mode` from `ODOO_ENABLE_PROXY_MODE` (bitnami's
 * `is_boolean_yes`: `1`, `yes`, `true` in any case).
 */
import { passThroughServer } from '../../model/appserver.js';
import type { CollectContext, Collector } from '../../model/collector.js';
import type { ComposeService } from '../../model/deploy.js';
import type { AppEndFacts, BindAddress, FrameworkFacts, SourceRef, Valued } from '../../model/facts.js';
import { lit, MAX_APP_SOURCE_BYTES, refAt } from '../appends/lines.js';
import { BITNAMI_ODOO_IMAGE, mayBeOdooConfig, ODOO_IMAGE, ODOO_OPTIONS } from '../claims.js';
import { exposureOf, inServiceContainer } from '../deploy/appserver.js';
import { builtFrom } from '../deploy/built-from.js';
import { type CommandLaunch, commandLaunches, placeBind } from '../deploy/command-launches.js';

export const ODOO_HTTP_SOURCE = 'https://github.com/odoo/odoo/blob/17.0/odoo/http.py';
export const ODOO_CONFIG_SOURCE = 'https://github.com/odoo/odoo/blob/17.0/odoo/tools/config.py';
export const BITNAMI_ODOO_SOURCE =
  'https://github.com/bitnami/containers/tree/main/bitnami/odoo (libodoo.sh, odoo-env.sh, odoo.conf.tpl)';
const ODOO_DEFAULT_PORT = 8069;
/** odoo/tools/config.py `--gevent-port` (`--longpolling-port` before 16.0): `my_default=8072`. */
const ODOO_GEVENT_PORT = 8072;

interface OdooConfig {
  file: string;
  raw: string[];
  options: SourceRef;
  keys: Map<string, { value: string; ref: SourceRef }>;
}

/** The `[options]` section's keys (the only section Odoo reads for server options), comments skipped. */
function readConfig(file: string, text: string): OdooConfig | undefined {
  const raw = text.split(/\r?\n/);
  let options: SourceRef | undefined;
  let inOptions = false;
  const keys = new Map<string, { value: string; ref: SourceRef }>();
  raw.forEach((line, i) => {
    const head = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (head) {
      inOptions = (head[1] as string).trim() === 'options';
      if (inOptions) options ??= refAt(file, raw, i + 1);
      return;
    }
    if (!inOptions || /^\s*[#;]/.test(line)) return;
    // configparser: `key = value` or `key: value`; the value runs to the end of the line.
    const kv = /^\s*([A-Za-z_][\w]*)\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (kv) keys.set((kv[1] as string).toLowerCase(), { value: kv[2] as string, ref: refAt(file, raw, i + 1) });
  });
  return options ? { file, raw, options, keys } : undefined;
}

/** odoo/tools/config.py load(): 'True'/'true' -> True, 'False'/'false' -> False, any other string as it is. */
function proxyModeOf(w: { value: string; ref: SourceRef }): Valued<boolean> {
  const v = w.value;
  if (v === 'True' || v === 'true') return lit(true, w.ref);
  if (v === 'False' || v === 'false' || v === '') return lit(false, w.ref);
  return lit(true, w.ref, 'literal', {
    note: `${JSON.stringify(v)} stays a string in Odoo's config loader: a non-empty string is true`,
  });
}

const isOdooImage = (image: string | undefined): boolean => !!image && (ODOO_IMAGE.test(image) || BITNAMI_ODOO_IMAGE.test(image));

/** The image a service runs: its `image:`, or the FROM of the Dockerfile it builds. */
function serviceImage(ctx: CollectContext, s: ComposeService): string | undefined {
  return isOdooImage(s.image) ? s.image : builtFrom(ctx.facts, s)?.image;
}

/** The compose services that run the official or Bitnami's Odoo image (by `image:` or the FROM of their Dockerfile). */
function odooServices(ctx: CollectContext): ComposeService[] {
  const out: ComposeService[] = [];
  for (const f of ctx.facts.compose?.files ?? [])
    for (const s of f.services) {
      if (s.role === 'proxy') continue;
      if (isOdooImage(serviceImage(ctx, s))) out.push(s);
    }
  return out;
}

/** A variable of the container's environment (image ENV < env_file < environment) with the line that sets it. */
function envOf(s: ComposeService, name: string): { value: string; ref: SourceRef } | undefined {
  const run = s.runEnv?.[name];
  if (run?.ref) return { value: run.value, ref: run.ref };
  const e = s.environment[name];
  return e ? { value: e.value, ref: e.ref } : undefined;
}

/** bitnami/scripts/libvalidations.sh `is_boolean_yes`: `1`, or `yes`/`true` compared without case. */
const bitnamiYes = (v: string): boolean => v === '1' || /^(?:yes|true)$/i.test(v);

/**
 * What Bitnami's entrypoint writes for `proxy_mode` (see the header): `ODOO_ENABLE_PROXY_MODE` when the service sets
 * it, else True (the template's fixed line).
 */
function bitnamiProxyMode(s: ComposeService, image: string): Valued<boolean> {
  const env = envOf(s, 'ODOO_ENABLE_PROXY_MODE');
  if (env)
    return lit(bitnamiYes(env.value), env.ref, 'literal', {
      note: `Bitnami's entrypoint writes proxy_mode = ${bitnamiYes(env.value) ? 'True' : 'False'} from ODOO_ENABLE_PROXY_MODE=${env.value} (${BITNAMI_ODOO_SOURCE})`,
    });
  // The fixed line is in the images up to 18; 19's libodoo.sh reads ODOO_ENABLE_PROXY_MODE, whose default was not in
  // the sources read: said as an assumption there (and for a tag without a major version).
  const major = Number(/:(\d+)/.exec(image)?.[1] ?? Number.NaN);
  const known = major < 19;
  return lit(true, s.ref, 'default', {
    note: known
      ? `Bitnami's image writes proxy_mode = True into the odoo.conf it generates (${BITNAMI_ODOO_SOURCE})`
      : `assumed proxy_mode = True: Bitnami's template line up to 18; from 19 the image writes ODOO_ENABLE_PROXY_MODE, unset here, whose default was not read (${BITNAMI_ODOO_SOURCE})`,
  });
}

/** What an Odoo command line says: `odoo`, `odoo-bin`, `openerp-server` (also after `python`), its flags. */
interface OdooArgs {
  proxyMode: boolean;
  /** `-c FILE`, `--config FILE`, `--config=FILE`. */
  config?: string;
}

const ODOO_PROGRAM = /^(?:odoo(?:-bin)?|openerp-server)(?:\.py)?$/;

export function odooArgs(words: string[]): OdooArgs | undefined {
  const at = words.findIndex(
    (w, i) => ODOO_PROGRAM.test(w.replace(/^.*\//, '')) && (i === 0 || /(?:^|\/)python[\d.]*$/.test(words[i - 1] ?? '')),
  );
  if (at < 0) return undefined;
  const rest = words.slice(at + 1);
  // `odoo shell`, `odoo scaffold`...: subcommands that serve nothing (`server` is the default one).
  const sub = rest[0];
  if (sub !== undefined && /^[a-z][\w-]*$/.test(sub) && sub !== 'server') return undefined;
  let config: string | undefined;
  for (const [i, w] of rest.entries()) {
    if (w === '-c' || w === '--config') config = rest[i + 1];
    else if (w.startsWith('--config=')) config = w.slice('--config='.length);
  }
  return { proxyMode: rest.includes('--proxy-mode'), ...(config ? { config } : {}) };
}

/**
 * The command line outside compose that starts this Odoo: the one whose `-c` names the config file, else the only one.
 * Compose services are read by `odooServices` (the official image's own entrypoint).
 */
function odooLaunch(ctx: CollectContext, config: OdooConfig | undefined): CommandLaunch<OdooArgs> | undefined {
  const launches = commandLaunches(ctx, ctx.facts, { mentions: /odoo|openerp/, match: odooArgs, compose: false });
  const name = config?.file.replace(/^.*\//, '');
  const named = name ? launches.filter((l) => l.match.config?.replace(/^.*\//, '') === name) : [];
  if (named.length > 0) return named[0];
  return launches.length === 1 ? launches[0] : undefined;
}

export const odooCollector: Collector = {
  name: 'odoo',
  collect(ctx: CollectContext) {
    const configs: OdooConfig[] = [];
    for (const f of ctx.files) {
      if (f.size > MAX_APP_SOURCE_BYTES || !mayBeOdooConfig(f)) continue;
      const text = ctx.read(f).toString('utf8');
      if (!ODOO_OPTIONS.test(text)) continue;
      const c = readConfig(f.display, text);
      if (!c) continue;
      configs.push(c);
      ctx.claimed.add(f.abs);
    }
    const services = odooServices(ctx);
    if (configs.length === 0 && services.length === 0) return;
    // One Odoo per config file; with none, one per compose service running the image (its built-in defaults).
    const config = configs[0];
    // The service that mounts the config file (`./odoo.conf:/etc/odoo/odoo.conf`), else the only one running the image.
    const mounted = config
      ? services.filter((s) =>
          (s.binds ?? []).some((b) => b.source.replace(/\\/g, '/').endsWith(`/${config.file.replace(/^.*\//, '')}`)),
        )
      : [];
    const svc = mounted.length === 1 ? mounted[0] : services.length === 1 ? services[0] : undefined;
    const launch = svc ? undefined : odooLaunch(ctx, config);
    const flag = svc?.command?.argv.includes('--proxy-mode') ? svc.command.ref : launch?.match.proxyMode ? launch.ref : undefined;
    // Bitnami's image with no configuration of the tree mounted into it runs the one its entrypoint generates.
    const bitnami = svc && mounted.length === 0 && BITNAMI_ODOO_IMAGE.test(serviceImage(ctx, svc) ?? '') ? svc : undefined;
    const fileConfig = bitnami ? undefined : config;
    const anchor = fileConfig?.keys.get('proxy_mode')?.ref ?? fileConfig?.options ?? svc?.command?.ref ?? (svc?.ref as SourceRef);
    const written = fileConfig?.keys.get('proxy_mode');
    // A command-line flag wins over the config file (odoo/tools/config.py: the file gives defaults, argv overrides).
    const proxyMode: Valued<boolean> = flag
      ? lit(true, flag, 'literal', { note: '--proxy-mode on the command line' })
      : bitnami
        ? bitnamiProxyMode(bitnami, serviceImage(ctx, bitnami) ?? '')
        : written
          ? proxyModeOf(written)
          : lit(false, anchor, 'default', { note: `proxy_mode unset: Odoo's default False (${ODOO_CONFIG_SOURCE})` });
    const trust: Valued<string[]> = proxyMode.value
      ? lit(['*'], proxyMode.ref as SourceRef, proxyMode.origin, {
          // Bitnami's unset case: say whose default it is (the image's, not Odoo's own False).
          note: `${bitnami && proxyMode.origin === 'default' ? `${proxyMode.note}; ` : ''}proxy_mode applies X-Forwarded-For/-Proto from every peer: Odoo has no trusted-proxy list`,
        })
      : lit([] as string[], proxyMode.ref as SourceRef, proxyMode.origin, {
          note: 'proxy_mode off: Odoo ignores every forwarded header',
        });
    const appEnd: AppEndFacts = {
      name: 'Odoo',
      ref: proxyMode.ref as SourceRef,
      schemeHeaders: ['x-forwarded-proto'],
      clientHeaders: ['x-forwarded-for'],
      // werkzeug ProxyFix(x_for=1): the right-most X-Forwarded-For entry; none leaves REMOTE_ADDR the peer.
      clientFromRight: 1,
      clientShortKeepsPeer: true,
      trustScheme: trust,
      trustClient: { ...trust },
      forwardedOnlyWith: 'x-forwarded-host',
      defaultsFrom: [ODOO_HTTP_SOURCE, ODOO_CONFIG_SOURCE, ...(bitnami ? [BITNAMI_ODOO_SOURCE] : [])],
      notes: ['proxy_mode takes effect only on a request with a non-empty X-Forwarded-Host (odoo/http.py)'],
    };
    // Bitnami's generated file: http_port from ODOO_PORT_NUMBER, no http_interface, no workers.
    const bitnamiPort = bitnami ? envOf(bitnami, 'ODOO_PORT_NUMBER') : undefined;
    const portKey = bitnamiPort ?? fileConfig?.keys.get('http_port') ?? fileConfig?.keys.get('xmlrpc_port');
    const hostKey = fileConfig?.keys.get('http_interface') ?? fileConfig?.keys.get('xmlrpc_interface');
    const port = portKey && /^\d+$/.test(portKey.value) ? Number(portKey.value) : ODOO_DEFAULT_PORT;
    const host = hostKey?.value ? hostKey.value : '0.0.0.0';
    const bindRef = portKey?.ref ?? hostKey?.ref ?? anchor;
    let bind: BindAddress = { kind: 'tcp', host, port, exposure: exposureOf(host), ref: bindRef };
    if (svc) bind = inServiceContainer(bind, svc);
    else if (launch) bind = placeBind(bind, launch);
    const binds = [bind];
    // With `workers` > 0 (the prefork server) Odoo also starts its gevent server for the websocket / longpolling
    // routes (`/websocket`, `/longpolling`) on `gevent_port` (`longpolling_port` before 16.0; default 8072) of the
    // same interface; it serves the same application, so proxy_mode applies there alike. With workers = 0 (the
    // default) the threaded server answers those routes on the HTTP port and nothing listens on 8072.
    const workers = fileConfig?.keys.get('workers');
    if (workers && /^\d+$/.test(workers.value) && Number(workers.value) > 0) {
      const geventKey = fileConfig?.keys.get('gevent_port') ?? fileConfig?.keys.get('longpolling_port');
      const geventPort = geventKey && /^\d+$/.test(geventKey.value) ? Number(geventKey.value) : ODOO_GEVENT_PORT;
      let gevent: BindAddress = {
        kind: 'tcp',
        host,
        port: geventPort,
        exposure: exposureOf(host),
        ref: geventKey?.ref ?? workers.ref,
      };
      if (svc) gevent = inServiceContainer(gevent, svc);
      else if (launch) gevent = placeBind(gevent, launch);
      binds.push(gevent);
    }
    appEnd.binds = binds;
    const module = fileConfig ? fileConfig.file.replace(/\/?[^/]*$/, '') || '.' : (svc?.name ?? '.');
    const framework: FrameworkFacts = {
      kind: 'odoo',
      file: anchor.file,
      module,
      usesServerScheme: false,
      trustProxy: trust,
      settings: { proxy_mode: proxyMode },
      appEnd,
    };
    const notes: string[] = [];
    if (!portKey)
      notes.push(
        bitnami
          ? `ODOO_PORT_NUMBER unset: Bitnami's default ${ODOO_DEFAULT_PORT}`
          : `http_port unset: Odoo's default ${ODOO_DEFAULT_PORT}`,
      );
    if (!hostKey?.value) notes.push("http_interface unset: Odoo's default '' (every interface)");
    const server = passThroughServer({
      name: 'odoo',
      launch: svc
        ? { ...(svc.command?.ref ?? svc.ref), via: 'compose' }
        : launch
          ? { ...launch.ref, via: launch.service ? 'compose' : launch.via }
          : { ...bindRef, via: 'config' },
      ...(launch?.service ? { service: launch.service.name } : {}),
      appTarget: module,
      binds,
      configFiles: configs.map((c) => c.file),
      notes,
      ...(svc ? { service: svc.name } : {}),
    });
    ctx.facts.frameworks.push(framework);
    ctx.facts.appServers.push(server);
  },
};
