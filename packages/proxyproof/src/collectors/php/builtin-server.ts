/**
 * PHP's built-in web server (`php -S HOST:PORT [-t DOCROOT] [router.php]`) as the chain's app server: started by a
 * compose service's command, an image's CMD/ENTRYPOINT, a script, a unit, supervisord or a Procfile.
 *
 * What it does (php-src sapi/cli/php_cli_server.c): it speaks plain HTTP only, so `$_SERVER['HTTPS']` is never set;
 * every request header reaches PHP as `HTTP_*` unchanged (X-Forwarded-Proto included): a pass-through server whose
 * framework end (Laravel, Symfony, WordPress...) decides the scheme. It listens on exactly the address given
 * (`localhost:8000` is loopback only, `0.0.0.0:8080` every interface). The PHP manual says it "should not be used on
 * a public network" (https://www.php.net/manual/en/features.commandline.webserver.php).
 *
 * Laravel's `php artisan serve` is that server: it runs `php -S HOST:PORT server.php` (laravel/framework
 * src/Illuminate/Foundation/Console/ServeCommand.php): HOST is `--host` (which may carry `:PORT`), else SERVER_HOST,
 * else 127.0.0.1; PORT is `--port`, else the port in `--host`, else SERVER_PORT, else 8000 — plus one per port
 * already taken when `--port` is not given (`--tries`, 10), which the files cannot show.
 */
import { passThroughServer } from '../../model/appserver.js';
import type { CollectContext } from '../../model/collector.js';
import type { AppServerFacts, BindAddress, Facts, SourceRef, Valued } from '../../model/facts.js';
import { exposureOf } from '../deploy/appserver.js';
import { commandLaunches, placeBind } from '../deploy/command-launches.js';

/** The php CLI (`php`, `php8.2`, `/usr/local/bin/php`). */
const PHP_PROGRAM = /^(?:\S*\/)?php[\d.]*$/;

/** The `-S` address of a `php` command in these words: `php -S 0.0.0.0:8080`, `php -S0.0.0.0:8080`, `php -S [::]:80`. */
export function builtinServerAddress(words: string[]): { host: string; port?: number; text: string } | undefined {
  const i = words.findIndex((w) => PHP_PROGRAM.test(w));
  if (i < 0) return undefined;
  for (let k = i + 1; k < words.length; k++) {
    const w = words[k] as string;
    const text = w === '-S' ? words[k + 1] : w.startsWith('-S') ? w.slice(2) : undefined;
    if (text === undefined) continue;
    const m = /^(\[[^\]]+\]|[^:\s]+):(\S+)$/.exec(text);
    if (!m) return { host: '', text };
    const port = /^\d+$/.test(m[2] as string) ? Number(m[2]) : undefined;
    return { host: (m[1] as string).replace(/^\[|\]$/g, ''), ...(port !== undefined ? { port } : {}), text };
  }
  return undefined;
}

function bindOf(a: { host: string; port?: number }, ref: SourceRef): BindAddress {
  if (!a.host || a.port === undefined) return { kind: 'tcp', exposure: 'unknown', ref };
  return { kind: 'tcp', host: a.host, port: a.port, exposure: exposureOf(a.host), ref };
}

/** A launch's PHP server address and how it was given (`php -S 0.0.0.0:8080`, `artisan serve --host=0.0.0.0`). */
interface PhpServe {
  host: string;
  port?: number;
  text: string;
  artisan: boolean;
  /** The environment variable that gave the host or port, when one did. */
  fromEnv?: string[];
}

const PHP_OR_ARTISAN = /^(?:\S*\/)?(?:php[\d.]*|artisan)$/;

/**
 * An artisan command in these words (`php artisan octane:start --port=8000`, `./artisan serve`): its name, the value of
 * a `--name VALUE`/`--name=VALUE` option, and whether a `--name` flag is given.
 */
export function artisanCall(
  words: string[],
): { command: string; option: (name: string) => string | undefined; flag: (name: string) => boolean } | undefined {
  const i = words.findIndex((w, k) => /(?:^|\/)artisan$/.test(w) && (k === 0 || PHP_OR_ARTISAN.test(words[k - 1] ?? '')));
  const command = i < 0 ? undefined : words[i + 1];
  if (command === undefined) return undefined;
  const rest = words.slice(i + 2);
  const option = (name: string): string | undefined => {
    for (const [k, w] of rest.entries()) {
      if (w === `--${name}`) return rest[k + 1];
      if (w.startsWith(`--${name}=`)) return w.slice(name.length + 3);
    }
    return undefined;
  };
  const flag = (name: string): boolean =>
    rest.some((w) => w === `--${name}` || /^(?:true|1)$/i.test(w.startsWith(`--${name}=`) ? w.slice(name.length + 3) : ''));
  return { command, option, flag };
}

/**
 * The address of `php artisan serve` in these words (`php artisan serve --host=0.0.0.0 --port=8000`, `./artisan serve`),
 * with SERVER_HOST/SERVER_PORT from the process environment the files show; undefined for another command.
 */
export function artisanServeAddress(
  words: string[],
  env: Record<string, Valued<string> | undefined> = {},
): Omit<PhpServe, 'artisan'> | undefined {
  const call = artisanCall(words);
  if (call?.command !== 'serve') return undefined;
  const { option } = call;
  const fromEnv: string[] = [];
  let hostText = option('host');
  if (hostText === undefined && env.SERVER_HOST?.value) {
    hostText = env.SERVER_HOST.value;
    fromEnv.push('SERVER_HOST');
  }
  hostText ??= '127.0.0.1';
  // ServeCommand::getHostAndPort: `[v6]:port`, else `host:port`.
  const m = /^(\[.*\]):?([0-9]+)?/.exec(hostText) ?? /^([^:]*)(?::([0-9]+))?/.exec(hostText);
  const host = (m?.[1] ?? hostText).replace(/^\[|\]$/g, '');
  let portText = option('port') ?? m?.[2];
  if (portText === undefined && env.SERVER_PORT?.value) {
    portText = env.SERVER_PORT.value;
    fromEnv.push('SERVER_PORT');
  }
  portText ??= '8000';
  const port = /^\d+$/.test(portText) ? Number(portText) : undefined;
  const text = `${host.includes(':') ? `[${host}]` : host}:${portText}`;
  return { host, ...(port !== undefined ? { port } : {}), text, ...(fromEnv.length > 0 ? { fromEnv } : {}) };
}

/**
 * Whether `artisan serve` may move to the next port when its port is taken: Laravel's ServeCommand::canTryAnotherPort
 * (5.8 .. 11.x) is `is_null(port option) && tries > portOffset`, and the port option's default is SERVER_PORT from the
 * environment (Env::get) — so `--port`, a SERVER_PORT the files show, or `--tries=0` (also `--tries 0`) pins the port;
 * a port given inside `--host=0.0.0.0:8080` does not.
 */
export function artisanMayMovePort(words: string[], env: Record<string, Valued<string> | undefined> = {}): boolean {
  const call = artisanCall(words);
  if (call?.command !== 'serve') return false;
  if (call.option('port') !== undefined || env.SERVER_PORT?.value) return false;
  const tries = call.option('tries');
  return !(tries !== undefined && /^\d+$/.test(tries) && Number(tries) === 0);
}

const NOTE =
  "PHP's built-in server speaks plain HTTP ($_SERVER['HTTPS'] is never set) and hands every request header to PHP unchanged; the framework decides (the PHP manual: not for a public network)";

/** `php -S` and `php artisan serve` app servers: compose services first (their container and published ports), then launch files. */
export function builtinServers(ctx: CollectContext, facts: Facts): AppServerFacts[] {
  // The environment is known per launch, after the words matched: artisan's address is read again with it below.
  const launches = commandLaunches(ctx, facts, {
    mentions: /\bphp[\d.]*\b[^\n]*-S|\bartisan\s+serve\b/,
    match: (words): true | undefined => (builtinServerAddress(words) || artisanServeAddress(words) ? true : undefined),
  });
  return launches.map((l) => {
    const direct = builtinServerAddress(l.words);
    const a: PhpServe = direct
      ? { ...direct, artisan: false }
      : { ...(artisanServeAddress(l.words, l.env) as Omit<PhpServe, 'artisan'>), artisan: true };
    const b = placeBind(bindOf(a, l.ref), l);
    const what = a.artisan ? `php artisan serve (php -S ${a.text})` : `php -S ${a.text}`;
    const where = l.via === 'compose' ? `in compose service ${l.service?.name}` : 'started here';
    const notes = [`${what} ${where}`, NOTE];
    if (a.fromEnv) notes.push(`its address comes from ${a.fromEnv.join(' and ')} in the service's environment`);
    if (a.artisan && artisanMayMovePort(l.words, l.env))
      notes.push('artisan serve moves to the next port when this one is taken (--tries): the files cannot show that');
    return passThroughServer({
      name: a.artisan ? 'artisan serve' : 'php -S',
      launch: { ...l.ref, via: l.service ? 'compose' : l.via },
      ...(l.service ? { service: l.service.name } : {}),
      binds: [b],
      configFiles: [],
      notes,
    });
  });
}
