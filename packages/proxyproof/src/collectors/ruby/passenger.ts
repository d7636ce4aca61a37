/**
 * Phusion Passenger: the app server that nginx (`passenger_enabled on`) or Apache (`PassengerAppRoot`, mod_passenger)
 * run inside the web server, and Passenger Standalone (`Passengerfile.json`).
 *
 * What Passenger does with the request (checked on Debian's passenger / libapache2-mod-passenger 6.0.17, lab 60):
 * - every client header reaches the app unchanged (as `HTTP_*`), so Rack's forwarded scheme headers arrive as the
 *   client or the proxy in front wrote them;
 * - the env var `HTTPS` is `on` only when the web server's own connection is TLS (mod_ssl / nginx `$https`);
 *   a client's `HTTPS:` header becomes `HTTP_HTTPS`, not `HTTPS`;
 * - `rack.url_scheme` is `https` when `HTTPS` is on|yes|1 (phusion_passenger/rack/thread_handler_extension.rb);
 * - Rack::Request#scheme believes `HTTPS=on` before any forwarded header, so a client cannot downgrade a request that
 *   arrived over TLS, but on a plain listener a client's `X-Forwarded-Proto: https` is believed.
 *
 * The route from the web server to Passenger is modelled as a unix socket `passenger:<app root>` (Passenger's core
 * really listens on one): the web server's hop links to the app server below by that path.
 */

import { passThroughServer } from '../../model/appserver.js';
import type { AppServerFacts, BindAddress, SourceRef, Valued } from '../../model/facts.js';
import { exposureOf } from '../deploy/appserver.js';

/** The chain's socket path of one Passenger app (what a web server's Passenger route points at). */
export function passengerSocket(appRoot: string): string {
  return `passenger:${appRoot.replace(/\/+$/, '') || '/'}`;
}

/** `/var/www/app/public` -> `/var/www/app` (Passenger's default app root: the document root's parent). */
export function appRootOfDocumentRoot(docRoot: string): string {
  const clean = docRoot.replace(/^["']|["']$/g, '').replace(/\/+$/, '');
  const i = clean.lastIndexOf('/');
  return i > 0 ? clean.slice(0, i) : clean;
}

function lastSegment(path: string): string {
  return path.replace(/\/+$/, '').split('/').pop() || path;
}

/** The Passenger app server a web server's directive starts (`PassengerAppRoot`, `passenger_enabled on`). */
export function passengerServer(appRoot: string, launch: SourceRef, web: 'apache' | 'nginx'): AppServerFacts {
  const bind: BindAddress = { kind: 'unix', path: passengerSocket(appRoot), exposure: 'unix', ref: launch };
  return passThroughServer({
    name: 'passenger',
    launch: { ...launch, via: 'config' },
    appTarget: lastSegment(appRoot),
    binds: [bind],
    configFiles: [launch.file],
    notes: [
      `Passenger inside ${web === 'apache' ? 'Apache (mod_passenger)' : 'nginx'} at ${appRoot}: client headers reach the app unchanged; HTTPS=on only when ${web}'s own connection is TLS`,
    ],
  });
}

/**
 * Passenger Standalone's `Passengerfile.json`: `address` (default 0.0.0.0), `port` (default 3000), `ssl`, `ssl_port`
 * (phusion_passenger/standalone/config_options_list.rb). Passenger Standalone is nginx with Passenger inside: the
 * client's headers reach the app unchanged. Returns null for a JSON file that is not an object.
 */
export function passengerfileServer(file: string, text: string, root: string): AppServerFacts | null {
  let cfg: unknown;
  try {
    cfg = JSON.parse(text);
  } catch {
    return null;
  }
  if (!cfg || typeof cfg !== 'object' || Array.isArray(cfg)) return null;
  const o = cfg as Record<string, unknown>;
  const lines = text.split(/\r?\n/);
  const lineOf = (key: string): number => {
    const i = lines.findIndex((l) => new RegExp(`"${key}"\\s*:`).test(l));
    return i >= 0 ? i + 1 : 1;
  };
  const refOf = (key: string): SourceRef => {
    const line = lineOf(key);
    return { file, line, snippet: (lines[line - 1] ?? '').trim() };
  };
  const address = typeof o.address === 'string' ? o.address : '0.0.0.0';
  const port = typeof o.port === 'number' ? o.port : typeof o.port === 'string' && /^\d+$/.test(o.port) ? Number(o.port) : 3000;
  const exposure = (host: string): BindAddress['exposure'] =>
    host === '0.0.0.0' || host === '::' ? 'all-interfaces' : /^(127\.|localhost$|::1$)/.test(host) ? 'loopback' : 'specific';
  const portRef = o.port !== undefined ? refOf('port') : o.address !== undefined ? refOf('address') : refOf('');
  const binds: BindAddress[] = [{ kind: 'tcp', host: address, port, exposure: exposure(address), ref: portRef }];
  const ssl = o.ssl === true;
  if (ssl && typeof o.ssl_port === 'number')
    binds.push({ kind: 'tcp', host: address, port: o.ssl_port, exposure: exposure(address), ref: refOf('ssl_port') });
  const notes = ['Passenger Standalone (Passengerfile.json): client headers reach the app unchanged; Rack decides the scheme'];
  if (o.address === undefined) notes.push('no "address": Passenger Standalone listens on 0.0.0.0 (its default)');
  return passThroughServer({
    name: 'passenger',
    launch: { ...refOf(o.port !== undefined ? 'port' : ''), via: 'config' },
    appTarget: lastSegment(root || '.'),
    binds,
    configFiles: [file],
    notes,
    ...(ssl && typeof o.ssl_port !== 'number' ? { tls: true } : {}),
  });
}

/** What a `passenger start` command line sets (undefined: not given there). */
export interface PassengerStartArgs {
  address?: string;
  port?: string;
  socket?: string;
}

/**
 * `passenger start` (also `bundle exec passenger start`) in these words: its `-a/--address`, `-p/--port`,
 * `-S/--socket` (phusion_passenger/standalone/config_options_list.rb: address default 0.0.0.0, port 3000, socket a unix
 * socket instead of TCP), `--name value` or `--name=value`. Undefined when the words start no Passenger Standalone.
 */
export function passengerStartArgs(words: string[]): PassengerStartArgs | undefined {
  const i = words.findIndex((w, k) => /(?:^|\/)passenger$/.test(w) && words[k + 1] === 'start');
  if (i < 0) return undefined;
  const out: PassengerStartArgs = {};
  const rest = words.slice(i + 2);
  for (let k = 0; k < rest.length; k++) {
    const m = /^(--address|--port|--socket|-a|-p|-S)(?:=(.*))?$/.exec(rest[k] as string);
    if (!m) continue;
    const value = m[2] ?? rest[++k];
    if (value === undefined) break;
    if (m[1] === '-a' || m[1] === '--address') out.address = value;
    else if (m[1] === '-p' || m[1] === '--port') out.port = value;
    else out.socket = value;
  }
  return out;
}

/**
 * The binds of a `passenger start` launch: the command line over the environment's `PASSENGER_ADDRESS`/`PASSENGER_PORT`
 * (standalone/config_utils.rb `load_env_config`) over `fallback` (a Passengerfile.json's bind) over the defaults.
 */
export function passengerStartBind(
  a: PassengerStartArgs,
  env: Record<string, Valued<string>>,
  ref: SourceRef,
  fallback?: BindAddress,
): BindAddress {
  if (a.socket) return { kind: 'unix', path: a.socket, exposure: 'unix', ref };
  const host = a.address ?? env.PASSENGER_ADDRESS?.value ?? fallback?.host ?? '0.0.0.0';
  const portText = a.port ?? env.PASSENGER_PORT?.value ?? String(fallback?.port ?? 3000);
  const b: BindAddress = { kind: 'tcp', host, exposure: exposureOf(host), ref };
  if (/^\d+$/.test(portText)) b.port = Number(portText);
  return b;
}

/** The Passenger Standalone server a `passenger start` line starts (no Passengerfile.json beside it). */
export function passengerStartServer(bind: BindAddress, launch: AppServerFacts['launch'], root: string): AppServerFacts {
  return passThroughServer({
    name: 'passenger',
    launch,
    appTarget: lastSegment(root || '.'),
    binds: [bind],
    configFiles: [launch.file],
    notes: [
      'Passenger Standalone (`passenger start`): client headers reach the app unchanged; Rack decides the scheme',
      'passenger start listens on -a/--address (default 0.0.0.0) and -p/--port (default 3000), or -S/--socket',
    ],
  });
}
