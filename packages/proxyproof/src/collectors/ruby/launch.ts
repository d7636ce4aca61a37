/**
 * Where the tree starts a Rails app's Puma: a compose service's command, the CMD/ENTRYPOINT of an image built from a
 * Dockerfile in the tree (Rails 7.1+ generates `CMD ["./bin/rails", "server"]`), or an entrypoint script such an
 * image runs (`exec puma -C config/puma.rb`, `bundle exec rails s`). A Puma started there runs in a container: its
 * `0.0.0.0` is the container's network, reached only through what compose publishes, not "every host that can reach
 * this machine" — and a proxy's `proxy_pass http://web:3000` names that compose service.
 *
 * Why here and not in collectors/deploy: the deploy collector parses Python servers' command lines option by option
 * (argparse/click tables); Puma's own options that matter are two (`-b`/`-p`), and the Ruby collector owns Puma's
 * config file, so it places its own server. Thruster (`thrust`) in front of Puma is the Kamal collector's.
 */
import { sep } from 'node:path';
import type { CollectContext } from '../../model/collector.js';
import type { ComposeService } from '../../model/deploy.js';
import type { AppServerFacts, BindAddress, SourceRef } from '../../model/facts.js';
import { exposureOf, inServiceContainer, reachOf } from '../deploy/appserver.js';
import { commandLaunches } from '../deploy/command-launches.js';

/** One place the tree starts Puma (directly, through `rails server`/`rackup`, or through a script). */
export interface RailsLaunch {
  ref: SourceRef;
  /** The words that start the server (`bundle exec puma -C config/puma.rb`). */
  words: string[];
  /** The compose service whose container runs it; absent for an image only `docker run` starts. */
  service?: ComposeService;
  /** The folder whose files the container holds (the compose build context, or the Dockerfile's folder). */
  context: string;
  how: string;
}

const base = (w: string) => w.split('/').pop() ?? w;

/** The words from the server on (`puma ...`, `rails server ...`), or undefined when these words start no Puma. */
export function railsServerWords(words: string[]): string[] | undefined {
  for (let i = 0; i < words.length; i++) {
    const w = base(words[i] as string);
    if (w === 'thrust') return undefined;
    if (w === 'puma') return words.slice(i);
    if ((w === 'rails' || w === 'rackup') && /^(?:server|s)$/.test(words[i + 1] ?? '')) return words.slice(i);
    if (w === 'rackup' && i === words.length - 1) return words.slice(i);
  }
  return undefined;
}

/**
 * The bind a server command line sets itself, which Puma takes over its config file (`-b`/`--bind` a URI for Puma, a
 * host for `rails server`; `-p`/`--port`).
 */
export function commandLineBind(words: string[], ref: SourceRef): BindAddress | undefined {
  const rails = base(words[0] ?? '') !== 'puma';
  let host: string | undefined;
  let port: number | undefined;
  let unix: string | undefined;
  for (let i = 1; i < words.length; i++) {
    const w = words[i] as string;
    const eq = /^(--[a-z-]+)=(.*)$/.exec(w);
    const name = eq ? (eq[1] as string) : w;
    const value = eq ? eq[2] : words[i + 1];
    if (['-b', '--bind', '--binding'].includes(name) && value !== undefined) {
      const uri = /^(tcp|ssl|unix):\/\/(.*)$/.exec(value);
      if (uri?.[1] === 'unix') unix = uri[2];
      else if (uri) {
        const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?/.exec(uri[2] ?? '');
        host = m?.[1]?.replace(/^\[|\]$/g, '');
        if (m?.[2]) port = Number(m[2]);
      } else if (rails) host = value;
    } else if (['-p', '--port'].includes(name) && value !== undefined && /^\d+$/.test(value)) port = Number(value);
  }
  if (unix !== undefined) return { kind: 'unix', path: unix, exposure: 'unix', ref };
  if (host === undefined && port === undefined) return undefined;
  // Unset halves: `rails server` binds 0.0.0.0 outside development and port 3000; Puma alone tcp://0.0.0.0:9292.
  const h = host ?? '0.0.0.0';
  return { kind: 'tcp', host: h, port: port ?? (rails ? 3000 : 9292), exposure: exposureOf(h), ref };
}

/**
 * Every place the tree starts a Rails server in a container: the one launch reader's compose → image → script path
 * (collectors/deploy/command-launches.ts), without its line-by-line reading of Procfiles and units, which place no
 * container.
 */
export function railsLaunches(ctx: CollectContext): RailsLaunch[] {
  return commandLaunches(ctx, ctx.facts, {
    mentions: /puma|rails|rackup/,
    match: railsServerWords,
    lines: false,
  }).map((l) => {
    const through = l.startedBy ? ` through ${l.ref.file}:${l.ref.line}` : '';
    const start = l.startedBy ?? l.ref;
    const how = !l.service
      ? `the image of ${start.file}:${start.line}${through}`
      : l.image
        ? `compose service ${l.service.name}, its image's ${start.file}:${start.line}${through}`
        : `compose service ${l.service.name} (${start.file}:${start.line})${through}`;
    return { ref: l.ref, words: l.match, ...(l.service ? { service: l.service } : {}), context: l.context ?? '', how };
  });
}

/**
 * The launch that starts the Rails app in folder `root` (absolute): one whose container holds it (the build context
 * contains it, or the Dockerfile sits in it), else, when `onlyApp` (the tree has one Rails app), the tree's only launch.
 */
export function launchFor(root: string, launches: RailsLaunch[], onlyApp: boolean): RailsLaunch | undefined {
  const mine = launches.find((l) => root === l.context || root.startsWith(l.context + sep) || l.context.startsWith(root + sep));
  return mine ?? (onlyApp && launches.length === 1 ? launches[0] : undefined);
}

/** Puts the Puma servers of a Rails app into the container `launch` starts them in. */
export function placeRailsServers(servers: AppServerFacts[], launch: RailsLaunch): void {
  const own = commandLineBind(launch.words, launch.ref);
  for (const server of servers) {
    // A copy per server: the container placement below writes into each bind.
    if (own) server.binds = [{ ...own }];
    for (const b of server.binds) {
      if (launch.service) inServiceContainer(b, launch.service);
      else {
        // Published only by whoever runs the image (`docker run -p`), as the deploy collector says of a CMD.
        b.container = true;
        b.reach = reachOf(b, { container: true, dockerOnly: true }).reach;
      }
    }
    if (launch.service) server.service = launch.service.name;
    if (!server.configFiles.includes(launch.ref.file)) server.configFiles.push(launch.ref.file);
    server.notes = [
      ...(server.notes ?? []),
      `started in a container by ${launch.how}: \`${launch.words.join(' ')}\`${own ? ' (its command-line bind wins over the config file)' : ''}`,
    ];
  }
}
