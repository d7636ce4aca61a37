/**
 * Which launch runs a command: one reader for the app servers that are started by a plain command line (php-fpm,
 * PHP's built-in server, `php artisan serve`, Rails' Puma), wherever the tree writes that line — a compose service's
 * `command:`/`entrypoint:`, an image's CMD/ENTRYPOINT (in the compose service built from it when that service has no
 * command of its own), the script either of those runs (then in that container), a shell or s6 `run` script, a
 * systemd `ExecStart=`, a supervisord `command=`, a Procfile.
 * Each caller gives the words that start its server (`match`); this module says where the line is, which container
 * runs it and with which environment, and places a bind accordingly (`placeBind`), so every such server is placed
 * the same way. Why not the deploy collector's reader: that one parses Python servers' options table by table
 * through wrappers and scripts; these servers need one match per line.
 */
import { basename, dirname, resolve, sep } from 'node:path';
import type { CollectContext, DiscoveredFile } from '../../model/collector.js';
import type { ComposeService } from '../../model/deploy.js';
import type { AppServerFacts, BindAddress, Facts, SourceRef, Valued } from '../../model/facts.js';
import { MAX_APP_SOURCE_BYTES, refAt } from '../appends/lines.js';
import { launchVia } from '../claims.js';
import { inServiceContainer, reachOf } from './appserver.js';
import { dockerArgv, parseDockerfile } from './formats.js';
import { splitCommands } from './shell.js';

export type LaunchVia = AppServerFacts['launch']['via'];

// Which launch file a path is: collectors/claims.ts (the collector registry asks it at start-up, without this module).
export { launchVia };

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
  /** The image's CMD/ENTRYPOINT line that starts this launch (the line itself, or the script it runs). */
  image?: SourceRef;
  /** The line that runs the script holding `ref` (a compose command, an image's CMD/ENTRYPOINT). */
  startedBy?: SourceRef;
  /** The folder whose files the container holds (the compose build context, or the unbuilt Dockerfile's folder). */
  context?: string;
}

/**
 * The command words of one line, as a launch: `exec`, `sudo`, env assignments and JSON-array quoting dropped. A shell
 * line is split as the shell splits it (collectors/deploy/shell.ts, variables left as written): quotes removed
 * (`rails s -b '0.0.0.0'` binds 0.0.0.0, not `'0.0.0.0'`), a `#` comment dropped, operators inside quotes kept.
 */
export function commandWords(line: string): string[][] {
  const code = line.replace(/^\s*(CMD|ENTRYPOINT|command\s*=|ExecStart\s*=|\w+:)\s*/i, '');
  const segments = /^\s*\[/.test(code)
    ? code.split(/&&|\|\||;|\|/).map((seg) =>
        seg
          .replace(/[[\]",]/g, ' ')
          .trim()
          .split(/\s+/),
      )
    : shellCommands(code, 0);
  return segments.map((words) =>
    words
      .filter((w) => w !== '' && !/^[A-Z_][A-Z0-9_]*=/.test(w))
      .filter(
        (w, i, all) =>
          !(['exec', 'sudo', 'nohup', 'with-contenv', 's6-setuidgid', 'gosu', 'su-exec'].includes(w) && i < all.length - 1),
      ),
  );
}

/** A shell line's simple commands; `sh -c "a | b"` stands for the commands of its string (two levels at the most). */
function shellCommands(code: string, depth: number): string[][] {
  return splitCommands(code, undefined, { expand: false }).flatMap((c) => {
    const argv = c.argv.map((w) => w.text);
    return depth < 2 && argv.length === 3 && SHELL.test(argv[0] ?? '') && argv[1] === '-c'
      ? shellCommands(argv[2] ?? '', depth + 1)
      : [argv];
  });
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
  /** Also compose services' own commands and the images they build (default true). */
  compose?: boolean;
  /**
   * Also every line of the tree's launch files (scripts, Procfiles, units, process managers, any CMD line) read on
   * its own (default true); false keeps only what containers start: compose commands and images, and the scripts
   * those run.
   */
  lines?: boolean;
}

function readLines(ctx: CollectContext, facts: Facts, f: DiscoveredFile): string[] | undefined {
  if (f.size > MAX_APP_SOURCE_BYTES) return undefined;
  return facts.sources.get(f.display) ?? ctx.read(f).toString('utf8').split(/\r?\n/);
}

const SHELL = /^(?:\S*\/)?(?:ba|da|a|z)?sh$/;

/**
 * Line `i` with the lines a trailing backslash continues (a shell script's `waitress-serve \` / `  --port 80 \`, a
 * Dockerfile's or a unit's continued line: each joins them the same way), at most 64 lines; undefined for a line that
 * continues the one above (already read with it).
 */
export function logicalLine(lines: string[], i: number): string | undefined {
  if (i > 0 && /\\\s*$/.test(lines[i - 1] ?? '')) return undefined;
  let text = lines[i] ?? '';
  for (let k = i + 1; k < lines.length && k <= i + 64 && /\\\s*$/.test(text); k++)
    text = `${text.replace(/\\\s*$/, ' ')}${lines[k] ?? ''}`;
  return text;
}

/** The first launch a script's lines hold, by the caller's `match`. */
function scriptLine<M>(
  ctx: CollectContext,
  facts: Facts,
  q: LaunchQuery<M>,
  script: DiscoveredFile,
): { ref: SourceRef; words: string[]; match: M } | undefined {
  const lines = readLines(ctx, facts, script);
  if (!lines) return undefined;
  for (const i of lines.keys()) {
    const l = logicalLine(lines, i);
    if (l === undefined || /^\s*#/.test(l) || !q.mentions.test(l)) continue;
    for (const words of commandWords(l)) {
      const match = q.match(words);
      if (match !== undefined) return { ref: refAt(script.display, lines, i + 1), words, match };
    }
  }
  return undefined;
}

/**
 * A script of the tree an argv runs first (`/entrypoint.sh`, `bin/docker-entrypoint`, `sh ./start.sh`, `start.sh`), found by
 * its file name, the copy nearest `near` (the build context or the Dockerfile's folder) first.
 */
function scriptOf(ctx: CollectContext, argv: string[], near: string): DiscoveredFile | undefined {
  const path = argv[0] !== undefined && SHELL.test(argv[0]) && argv[1] !== '-c' ? argv[1] : argv[0];
  // A path, or a script's name on the PATH (`CMD start.sh` after `COPY start.sh /usr/local/bin/`); a bare word that is
  // no script name is a program.
  if (!path || !/\/|\.sh$/.test(path) || SHELL.test(path)) return undefined;
  const name = basename(path);
  const candidates = ctx.files.filter((f) => basename(f.display) === name);
  return candidates.find((f) => f.abs.startsWith(near + sep)) ?? candidates[0];
}

/**
 * The launch an argv makes: the script of the tree it runs first when that script starts the server itself (an
 * entrypoint that runs `php artisan serve` and never `exec "$@"` ignores the CMD after it), else its own words (each
 * command of an `sh -c` string).
 */
function argvLaunch<M>(
  ctx: CollectContext,
  facts: Facts,
  q: LaunchQuery<M>,
  argv: string[],
  near: string,
): { words: string[]; match: M; script?: { ref: SourceRef; via: LaunchVia } } | undefined {
  const shC = argv.length === 3 && SHELL.test(argv[0] ?? '') && argv[1] === '-c';
  // `sh -c "a && b"`, compose's `command: sh -c "..."`: each command of the string.
  const commands = shC ? commandWords(argv[2] ?? '') : [argv.flatMap((w) => w.split(/\s+/).filter(Boolean))];
  const script = scriptOf(ctx, shC ? (commands[0] ?? []) : argv, near);
  const found = script ? scriptLine(ctx, facts, q, script) : undefined;
  if (found && script)
    return { words: found.words, match: found.match, script: { ref: found.ref, via: launchVia(script.display) ?? 'shell' } };
  for (const words of commands) {
    const match = words.length > 0 ? q.match(words) : undefined;
    if (match !== undefined) return { words, match };
  }
  return undefined;
}

/** What an image built from Dockerfile `f` (stage `target`) starts: its CMD/ENTRYPOINT, or the script those run. */
function imageLaunch<M>(
  ctx: CollectContext,
  facts: Facts,
  q: LaunchQuery<M>,
  f: DiscoveredFile,
  target?: string,
): Omit<CommandLaunch<M>, 'env'> | undefined {
  const lines = readLines(ctx, facts, f);
  if (!lines) return undefined;
  const a = dockerArgv(parseDockerfile(lines.join('\n'), target ? { target } : {}));
  if (!a) return undefined;
  const image = refAt(f.display, lines, a.line);
  const l = argvLaunch(ctx, facts, q, a.argv, dirname(f.abs));
  if (!l) return undefined;
  if (!l.script) return { ref: image, via: 'dockerfile', words: l.words, match: l.match, image };
  return { ref: l.script.ref, via: l.script.via, words: l.words, match: l.match, image, startedBy: image };
}

/**
 * Every launch of the tree whose words `match` accepts: compose services first (their own command, else the image
 * they build — the stage they target — and, either way, the script it runs), then the images no service builds, then
 * launch files line by line (unless `lines` is false).
 */
export function commandLaunches<M>(ctx: CollectContext, facts: Facts, q: LaunchQuery<M>): Array<CommandLaunch<M>> {
  const out: Array<CommandLaunch<M>> = [];
  const seen = new Set<string>();
  const add = (l: CommandLaunch<M>) => {
    seen.add(`${l.ref.file}:${l.ref.line}`);
    out.push(l);
  };
  const builtByService = new Set<string>();
  for (const cf of facts.compose?.files ?? []) {
    const composeAbs = ctx.files.find((x) => x.display === cf.file)?.abs ?? resolve(cf.file);
    for (const s of cf.services) {
      if (s.role === 'proxy') continue;
      const context = s.build ? resolve(dirname(composeAbs), s.build.context) : dirname(composeAbs);
      const dfAbs = s.build ? resolve(context, s.build.dockerfile ?? 'Dockerfile') : undefined;
      if (dfAbs) builtByService.add(dfAbs);
      if (q.compose === false) continue;
      const argv = [...(s.entrypoint?.argv ?? []), ...(s.command?.argv ?? [])];
      const env = serviceEnv(s);
      if (argv.length > 0) {
        const l = argvLaunch(ctx, facts, q, argv, context);
        if (!l) continue;
        const ref = s.command?.ref ?? s.entrypoint?.ref ?? s.ref;
        if (!l.script) add({ ref, via: 'compose', words: l.words, match: l.match, service: s, env, context });
        else
          add({ ref: l.script.ref, via: l.script.via, words: l.words, match: l.match, service: s, env, context, startedBy: ref });
        continue;
      }
      const df = dfAbs ? ctx.files.find((x) => x.abs === dfAbs) : undefined;
      const image = df ? imageLaunch(ctx, facts, q, df, s.build?.target) : undefined;
      if (image) add({ ...image, service: s, env, context });
    }
  }
  for (const f of ctx.files) {
    const via = f.size <= MAX_APP_SOURCE_BYTES ? launchVia(f.display) : undefined;
    if (!via) continue;
    if (via === 'dockerfile' && !builtByService.has(f.abs)) {
      // An image only `docker run` starts.
      const image = imageLaunch(ctx, facts, q, f);
      if (image && !seen.has(`${image.ref.file}:${image.ref.line}`)) add({ ...image, env: {}, context: dirname(f.abs) });
    }
    if (q.lines === false) continue;
    const raw = readLines(ctx, facts, f) ?? [];
    raw.forEach((_, i) => {
      const l = logicalLine(raw, i);
      if (l === undefined || /^\s*[#;]/.test(l) || !q.mentions.test(l)) return;
      if (via === 'dockerfile' && !/^\s*(CMD|ENTRYPOINT)\b/i.test(l)) return;
      if (via === 'supervisord' && !/^\s*command\s*=/.test(l)) return;
      if (via === 'systemd' && !/^\s*ExecStart\s*=/.test(l)) return;
      const ref = refAt(f.display, raw, i + 1);
      if (seen.has(`${ref.file}:${ref.line}`)) return;
      for (const words of commandWords(l)) {
        const match = q.match(words);
        if (match === undefined) continue;
        const service = via === 'dockerfile' ? builtBy(ctx, facts, f.abs) : undefined;
        add({ ref, via, words, match, ...(service ? { service } : {}), env: service ? serviceEnv(service) : {} });
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
export function placeBind(b: BindAddress, l: Pick<CommandLaunch<unknown>, 'via' | 'service' | 'image'>): BindAddress {
  if (l.service) return inServiceContainer(b, l.service);
  if (l.via === 'dockerfile' || l.image) {
    b.container = true;
    b.reach = reachOf(b, { container: true, dockerOnly: true }).reach;
  } else b.reach = reachOf(b, { container: false }).reach;
  return b;
}
