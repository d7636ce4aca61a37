/**
 * PHP's built-in web server (`php -S HOST:PORT [-t DOCROOT] [router.php]`) as the chain's app server: started by a
 * compose service's command, an image's CMD/ENTRYPOINT, a script, a unit, supervisord or a Procfile.
 *
 * What it does (php-src sapi/cli/php_cli_server.c): it speaks plain HTTP only, so `$_SERVER['HTTPS']` is never set;
 * every request header reaches PHP as `HTTP_*` unchanged (X-Forwarded-Proto included): a pass-through server whose
 * framework end (Laravel, Symfony, WordPress...) decides the scheme. It listens on exactly the address given
 * (`localhost:8000` is loopback only, `0.0.0.0:8080` every interface). The PHP manual says it "should not be used on
 * a public network" (https://www.php.net/manual/en/features.commandline.webserver.php).
 */
import { dirname, resolve } from 'node:path';
import { passThroughServer } from '../../model/appserver.js';
import type { CollectContext } from '../../model/collector.js';
import type { ComposeService } from '../../model/deploy.js';
import type { AppServerFacts, BindAddress, Facts, SourceRef } from '../../model/facts.js';
import { MAX_APP_SOURCE_BYTES, refAt } from '../appends/lines.js';
import { exposureOf, inServiceContainer, reachOf } from '../deploy/appserver.js';
import { commandWords, launchVia } from './fpm.js';

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

/** The compose service built from this Dockerfile that runs its CMD (no `command:`/`entrypoint:` of its own). */
function builtBy(ctx: CollectContext, facts: Facts, dockerfileAbs: string): ComposeService | undefined {
  for (const cf of facts.compose?.files ?? []) {
    const composeAbs = ctx.files.find((x) => x.display === cf.file)?.abs ?? resolve(cf.file);
    for (const svc of cf.services) {
      if (!svc.build || svc.command || svc.entrypoint) continue;
      if (resolve(dirname(composeAbs), svc.build.context, svc.build.dockerfile ?? 'Dockerfile') === dockerfileAbs) return svc;
    }
  }
  return undefined;
}

const NOTE =
  "PHP's built-in server speaks plain HTTP ($_SERVER['HTTPS'] is never set) and hands every request header to PHP unchanged; the framework decides (the PHP manual: not for a public network)";

/** `php -S` app servers: compose services first (their container and published ports), then launch files. */
export function builtinServers(ctx: CollectContext, facts: Facts): AppServerFacts[] {
  const out: AppServerFacts[] = [];
  const seen = new Set<string>();
  for (const cf of facts.compose?.files ?? [])
    for (const s of cf.services) {
      if (s.role === 'proxy') continue;
      const argv = [...(s.entrypoint?.argv ?? []), ...(s.command?.argv ?? [])];
      // `sh -c "php -S ..."`: the script's words.
      const words = argv.flatMap((w) => w.split(/\s+/).filter(Boolean));
      const a = builtinServerAddress(words);
      if (!a) continue;
      const ref = s.command?.ref ?? s.entrypoint?.ref ?? s.ref;
      const b = inServiceContainer(bindOf(a, ref), s);
      seen.add(`${ref.file}:${ref.line}`);
      out.push(
        passThroughServer({
          name: 'php -S',
          launch: { ...ref, via: 'compose' },
          service: s.name,
          binds: [b],
          configFiles: [],
          notes: [`php -S ${a.text} in compose service ${s.name}`, NOTE],
        }),
      );
    }
  for (const f of ctx.files) {
    const via = f.size <= MAX_APP_SOURCE_BYTES ? launchVia(f.display) : undefined;
    if (!via) continue;
    const raw = facts.sources.get(f.display) ?? ctx.read(f).toString('utf8').split(/\r?\n/);
    raw.forEach((l, i) => {
      if (/^\s*[#;]/.test(l) || !/\bphp[\d.]*\b[^\n]*-S/.test(l)) return;
      if (via === 'dockerfile' && !/^\s*(CMD|ENTRYPOINT)\b/i.test(l)) return;
      if (via === 'supervisord' && !/^\s*command\s*=/.test(l)) return;
      if (via === 'systemd' && !/^\s*ExecStart\s*=/.test(l)) return;
      const ref = refAt(f.display, raw, i + 1);
      if (seen.has(`${ref.file}:${ref.line}`)) return;
      for (const words of commandWords(l)) {
        const a = builtinServerAddress(words);
        if (!a) continue;
        const svc = via === 'dockerfile' ? builtBy(ctx, facts, f.abs) : undefined;
        // The image of a compose service with no command of its own: that service's container and ports.
        const b = svc ? inServiceContainer(bindOf(a, ref), svc) : bindOf(a, ref);
        if (!svc && via === 'dockerfile') {
          // Published only by whoever runs the image (`docker run -p`), as the deploy collector says of a CMD.
          b.container = true;
          b.reach = reachOf(b, { container: true, dockerOnly: true }).reach;
        } else if (!svc) b.reach = reachOf(b, { container: false }).reach;
        seen.add(`${ref.file}:${ref.line}`);
        out.push(
          passThroughServer({
            name: 'php -S',
            launch: { ...ref, via: svc ? 'compose' : via },
            ...(svc ? { service: svc.name } : {}),
            binds: [b],
            configFiles: [],
            notes: [`php -S ${a.text} started here`, NOTE],
          }),
        );
        break;
      }
    });
  }
  return out;
}
