/**
 * Which launch runs a command: one reader for the app servers that are started by a plain command line (php-fpm,
 * PHP's built-in server, `php artisan serve`), wherever the tree writes that line — a compose service's
 * `command:`/`entrypoint:`, an image's CMD/ENTRYPOINT (in the compose service built from it when that service has no
 * command of its own), a shell or s6 `run` script, a systemd `ExecStart=`, a supervisord `command=`, a Procfile.
 * Each caller gives the words that start its server (`match`); this module says where the line is, which container
 * runs it and with which environment, and places a bind accordingly (`placeBind`), so every such server is placed
 * the same way. Why not the deploy collector's reader: that one parses Python servers' options table by table
 * through wrappers and scripts; these servers need one match per line.
 */
import { dirname, resolve } from 'node:path';
import type { CollectContext } from '../../model/collector.js';
import type { ComposeService } from '../../model/deploy.js';
import type { AppServerFacts, BindAddress, Facts, SourceRef, Valued } from '../../model/facts.js';
import { MAX_APP_SOURCE_BYTES, refAt } from '../appends/lines.js';
import { isDockerfileName } from '../sniff.js';
import { inServiceContainer, reachOf } from './appserver.js';

export type LaunchVia = AppServerFacts['launch']['via'];

/** One line of the tree that starts a server. */
export interface CommandLaunch<M> {
  ref: SourceRef;
  via: LaunchVia;
  /** The command's words (`exec`, `sudo`, `NAME=value` prefixes and exec-form quoting dropped). */
  words: string[];
  /** What the caller's `match` made of the words. */
  match: M;
  /** The compose service whose container runs the line (its own command, or the image it is built from). */
  service?: ComposeService;
  /** The process environment the files show: the compose service's (image ENV < env_file < environment). */
  env: Record<string, Valued<string>>;
}

/** Files that start programs: s6/runit `run` scripts, shell scripts, images, process managers, units. */
export function launchVia(display: string): LaunchVia | undefined {
  const d = display.replace(/\\/g, '/');
  const base = d.split('/').pop() ?? '';
  if (isDockerfileName(base)) return 'dockerfile';
  if (/^Procfile/.test(base)) return 'procfile';
  if (/\.service$/.test(base)) return 'systemd';
  if (/supervisor/i.test(d) && /\.(conf|ini)$/.test(base)) return 'supervisord';
  if (/\.sh$/.test(base) || /(^|\/)(services\.d|s6-rc\.d|service|sv)\/[^/]+\/run$/.test(d) || /^(docker-)?entrypoint/.test(base))
    return 'shell';
  return undefined;
}

/** The command words of one line, as a launch: `exec`, `sudo`, env assignments and JSON-array quoting dropped. */
export function commandWords(line: string): string[][] {
  const code = line.replace(/^\s*(CMD|ENTRYPOINT|command\s*=|ExecStart\s*=|\w+:)\s*/i, '');
  return code.split(/&&|\|\||;|\|/).map((seg) =>
    seg
      .replace(/[[\]",]/g, ' ')
      .trim()
      .split(/\s+/)
      .filter((w) => w !== '' && !/^[A-Z_][A-Z0-9_]*=/.test(w))
      .filter(
        (w, i, all) =>
          !(['exec', 'sudo', 'nohup', 'with-contenv', 's6-setuidgid', 'gosu', 'su-exec'].includes(w) && i < all.length - 1),
      ),
  );
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

/** A compose service's environment as Valued entries (its resolved run environment when the deploy collector made one). */
function serviceEnv(s: ComposeService): Record<string, Valued<string>> {
  if (s.runEnv) return s.runEnv;
  const out: Record<string, Valued<string>> = {};
  for (const [k, v] of Object.entries(s.environment))
    out[k] = { value: v.value, origin: v.origin, ref: v.ref, ...(v.envVar ? { envVar: v.envVar } : {}) };
  return out;
}

export interface LaunchQuery<M> {
  /** A cheap test of a line's text before it is split into commands. */
  mentions: RegExp;
  match: (words: string[]) => M | undefined;
  /** Also compose services' own commands (default true). */
  compose?: boolean;
}

/** Every launch of the tree whose words `match` accepts: compose services first, then launch files line by line. */
export function commandLaunches<M>(ctx: CollectContext, facts: Facts, q: LaunchQuery<M>): Array<CommandLaunch<M>> {
  const out: Array<CommandLaunch<M>> = [];
  const seen = new Set<string>();
  if (q.compose !== false)
    for (const cf of facts.compose?.files ?? [])
      for (const s of cf.services) {
        if (s.role === 'proxy') continue;
        const argv = [...(s.entrypoint?.argv ?? []), ...(s.command?.argv ?? [])];
        // `sh -c "php -S ..."`: the script's words.
        const words = argv.flatMap((w) => w.split(/\s+/).filter(Boolean));
        const match = words.length > 0 ? q.match(words) : undefined;
        if (match === undefined) continue;
        const ref = s.command?.ref ?? s.entrypoint?.ref ?? s.ref;
        seen.add(`${ref.file}:${ref.line}`);
        out.push({ ref, via: 'compose', words, match, service: s, env: serviceEnv(s) });
      }
  for (const f of ctx.files) {
    const via = f.size <= MAX_APP_SOURCE_BYTES ? launchVia(f.display) : undefined;
    if (!via) continue;
    const raw = facts.sources.get(f.display) ?? ctx.read(f).toString('utf8').split(/\r?\n/);
    raw.forEach((l, i) => {
      if (/^\s*[#;]/.test(l) || !q.mentions.test(l)) return;
      if (via === 'dockerfile' && !/^\s*(CMD|ENTRYPOINT)\b/i.test(l)) return;
      if (via === 'supervisord' && !/^\s*command\s*=/.test(l)) return;
      if (via === 'systemd' && !/^\s*ExecStart\s*=/.test(l)) return;
      const ref = refAt(f.display, raw, i + 1);
      if (seen.has(`${ref.file}:${ref.line}`)) return;
      for (const words of commandWords(l)) {
        const match = q.match(words);
        if (match === undefined) continue;
        const service = via === 'dockerfile' ? builtBy(ctx, facts, f.abs) : undefined;
        seen.add(`${ref.file}:${ref.line}`);
        out.push({ ref, via, words, match, ...(service ? { service } : {}), env: service ? serviceEnv(service) : {} });
        break;
      }
    });
  }
  return out;
}

/**
 * Places a bind where the launch runs it: in the compose service's container (its published ports), in an image only
 * `docker run` starts (published only by whoever runs it, as the deploy collector says of a CMD), or on the host.
 */
export function placeBind(b: BindAddress, l: Pick<CommandLaunch<unknown>, 'via' | 'service'>): BindAddress {
  if (l.service) return inServiceContainer(b, l.service);
  if (l.via === 'dockerfile') {
    b.container = true;
    b.reach = reachOf(b, { container: true, dockerOnly: true }).reach;
  } else b.reach = reachOf(b, { container: false }).reach;
  return b;
}
