/**
 * Laravel Octane as the chain's app server: `php artisan octane:start [--server=swoole|roadrunner|frankenphp]` or the
 * server's own command (`octane:swoole`, `octane:roadrunner`, `octane:frankenphp`), wherever the tree starts it (a
 * compose service's command, an image's CMD, a script, supervisord, a unit, a Procfile: collectors/deploy/
 * command-launches.ts), placed in the container that runs it.
 *
 * What it does (laravel/octane@a3911243 `src/Commands/StartCommand.php`, `Start*Command.php`, `InteractsWithServers`):
 * - the server: `--server`, else `config('octane.server')`, whose published default is `env('OCTANE_SERVER',
 *   'roadrunner')` (config/octane.php; a project's own config file may name another: not read here);
 * - the address: `--host`, else `$_ENV['OCTANE_HOST']`, else 127.0.0.1 (`octane:frankenphp` alone: its `--host`
 *   defaults to 127.0.0.1); `--port`, else `$_ENV['OCTANE_PORT']`, else 8000;
 * - what reaches Laravel: every server hands the request's headers on as `HTTP_*` and sets no scheme from them —
 *   Swoole's `$_SERVER` is its own connection's (`ConvertSwooleRequestToIlluminateRequest`), RoadRunner's PSR-7 request
 *   is its own connection's, FrankenPHP's PHP sees HTTPS only on Caddy's own TLS (`--https`, FrankenPHP only) with
 *   REMOTE_ADDR the TCP peer (php/frankenphp cgi.go) in Octane's own Caddyfile (`stubs/Caddyfile`, no
 *   trusted_proxies). So Laravel's TrustProxies decides the scheme and client, as behind php-fpm; OCTANE_HTTPS=true
 *   (collectors/php/collector.ts) makes every URL https whatever arrived.
 */
import { passThroughServer } from '../../model/appserver.js';
import type { CollectContext } from '../../model/collector.js';
import type { AppServerFacts, BindAddress, Facts, Valued } from '../../model/facts.js';
import { exposureOf } from '../deploy/appserver.js';
import { commandLaunches, placeBind } from '../deploy/command-launches.js';
import { artisanCall } from './builtin-server.js';

export const OCTANE_SOURCE = 'https://github.com/laravel/octane/blob/2.x/src/Commands/StartCommand.php';

export type OctaneServer = 'swoole' | 'roadrunner' | 'frankenphp';

export interface OctaneLaunch {
  server: OctaneServer | string;
  host: string;
  port?: number;
  /** FrankenPHP's `--https`: Caddy ends TLS on this port itself. */
  https: boolean;
  /** Environment variables that decided the server, host or port. */
  fromEnv: string[];
}

/** An Octane start in these words, with OCTANE_SERVER/OCTANE_HOST/OCTANE_PORT from the process environment. */
export function octaneLaunch(words: string[], env: Record<string, Valued<string> | undefined> = {}): OctaneLaunch | undefined {
  const call = artisanCall(words);
  const m = call ? /^octane:(start|swoole|roadrunner|frankenphp)$/.exec(call.command) : null;
  if (!call || !m) return undefined;
  const fromEnv: string[] = [];
  const fromEnvOr = (name: string, fallback: string): string => {
    const v = env[name]?.value;
    if (v === undefined || v === '') return fallback;
    fromEnv.push(name);
    return v;
  };
  const own = m[1] as string;
  const server = own !== 'start' ? own : (call.option('server') ?? fromEnvOr('OCTANE_SERVER', 'roadrunner')).toLowerCase();
  // `octane:frankenphp` run directly has `--host=127.0.0.1` in its signature; octane:start passes its own host on.
  const host = call.option('host') ?? (own === 'frankenphp' ? '127.0.0.1' : fromEnvOr('OCTANE_HOST', '127.0.0.1'));
  const portText = call.option('port') ?? fromEnvOr('OCTANE_PORT', '8000');
  const port = /^\d+$/.test(portText) ? Number(portText) : undefined;
  return { server, host, ...(port !== undefined ? { port } : {}), https: server === 'frankenphp' && call.flag('https'), fromEnv };
}

const PASSES: Record<OctaneServer, string> = {
  swoole: "Swoole's $_SERVER is its own connection's (no HTTPS)",
  roadrunner: "RoadRunner's request is its own connection's (http unless RoadRunner ends TLS)",
  frankenphp:
    "FrankenPHP (Octane's own Caddyfile, no trusted_proxies) sets HTTPS only on its own TLS; REMOTE_ADDR is the TCP peer",
};

/** Octane servers started anywhere in the tree: compose services first (their container and ports), then launch files. */
export function octaneServers(ctx: CollectContext, facts: Facts): AppServerFacts[] {
  const launches = commandLaunches(ctx, facts, {
    mentions: /\bartisan\b.*\boctane:(?:start|swoole|roadrunner|frankenphp)\b/,
    match: (words): true | undefined => (octaneLaunch(words) ? true : undefined),
  });
  return launches.map((l) => {
    const o = octaneLaunch(l.words, l.env) as OctaneLaunch;
    const bind: BindAddress =
      o.port === undefined
        ? { kind: 'tcp', exposure: 'unknown', ref: l.ref }
        : { kind: 'tcp', host: o.host, port: o.port, exposure: exposureOf(o.host), ref: l.ref };
    const b = placeBind(bind, l);
    const passes = PASSES[o.server as OctaneServer] ?? `Octane server "${o.server}" is not one Octane ships`;
    const notes = [
      `Laravel Octane (${o.server}) on ${o.host}:${o.port ?? '?'} ${l.via === 'compose' ? `in compose service ${l.service?.name}` : 'started here'} (${OCTANE_SOURCE})`,
      `${passes}; forwarded headers reach Laravel unchanged and its TrustProxies decides`,
    ];
    if (o.fromEnv.length > 0) notes.push(`${o.fromEnv.join(' and ')} from the process environment`);
    if (o.https) notes.push('--https: FrankenPHP ends TLS on this port with its own certificate');
    return passThroughServer({
      name: `octane ${o.server}`,
      launch: { ...l.ref, via: l.service ? 'compose' : l.via },
      ...(l.service ? { service: l.service.name } : {}),
      binds: [b],
      configFiles: [],
      notes,
      ...(o.https ? { tls: true } : {}),
    });
  });
}
