/**
 * Where the tree starts a Spring Boot jar: `java -jar app.jar` (also `java [options] -jar`, through `sh -c` or an
 * entrypoint script) in a compose service's command, an image's CMD/ENTRYPOINT, a unit or a Procfile
 * (collectors/deploy/command-launches.ts). The Spring server read from application.properties/yml listens where that
 * launch runs it: in a container, its 0.0.0.0 is the container's network, reached through what compose publishes, and
 * `proxy_pass http://app:8080` names that compose service. The command line's `--server.port=N` / `-Dserver.port=N`
 * (and `--server.address`) win over the file (Spring Boot's externalized configuration: command-line arguments and Java
 * system properties come before application.properties; docs "Externalized Configuration", the ordered list).
 */
import { dirname, resolve, sep } from 'node:path';
import type { CollectContext } from '../../model/collector.js';
import type { AppServerFacts } from '../../model/facts.js';
import { exposureOf } from '../deploy/appserver.js';
import { type CommandLaunch, commandLaunches, placeBind } from '../deploy/command-launches.js';

export const SPRING_EXTERNAL_CONFIG =
  'https://docs.spring.io/spring-boot/reference/features/external-config.html (command-line arguments and Java system properties before application.properties)';

/** `java ... -jar X.jar [args]`: the jar and the `server.port`/`server.address` the line sets; undefined otherwise. */
export function javaJarArgs(words: string[]): { jar: string; port?: string; address?: string } | undefined {
  const i = words.findIndex((w) => /(?:^|\/)java$/.test(w));
  if (i < 0) return undefined;
  const j = words.indexOf('-jar', i + 1);
  const jar = j < 0 ? undefined : words[j + 1];
  if (!jar) return undefined;
  const out: { jar: string; port?: string; address?: string } = { jar };
  for (const w of words.slice(i + 1)) {
    const m = /^(?:--|-D)server\.(port|address)=(.+)$/.exec(w);
    if (m?.[1] === 'port') out.port = m[2];
    else if (m?.[1] === 'address') out.address = m[2];
  }
  return out;
}

/**
 * Places each Spring Boot server (collected from its config file) where a `java -jar` launch runs it: the launch whose
 * container holds the config file (the build context contains it), else the tree's only launch when it has one Spring
 * server. A server with no launch stays as read (a host process).
 */
export function placeSpringServers(ctx: CollectContext, servers: AppServerFacts[]): void {
  if (servers.length === 0) return;
  const launches = commandLaunches(ctx, ctx.facts, { mentions: /\bjava\b[^\n]*-jar/, match: javaJarArgs });
  if (launches.length === 0) return;
  const absOf = (display: string) => ctx.files.find((f) => f.display === display)?.abs ?? resolve(display);
  for (const server of servers) {
    const file = absOf(server.configFiles[0] ?? server.launch.file);
    const holds = (l: CommandLaunch<unknown>) => l.context !== undefined && file.startsWith(l.context + sep);
    const own = launches.filter(holds);
    const l =
      own.length === 1 ? own[0] : own.length === 0 && launches.length === 1 && servers.length === 1 ? launches[0] : undefined;
    if (!l) continue;
    for (const b of server.binds) {
      if (l.match.address) {
        b.host = l.match.address;
        b.exposure = exposureOf(l.match.address);
      }
      if (l.match.port && /^\d+$/.test(l.match.port)) b.port = Number(l.match.port);
      if (l.match.port || l.match.address) b.ref = l.ref;
      placeBind(b, l);
    }
    if (l.service) server.service = l.service.name;
    server.notes = [
      ...(server.notes ?? []),
      `started by \`${l.words.join(' ')}\` (${l.ref.file}:${l.ref.line})${l.service ? ` in compose service ${l.service.name}` : ''}${l.match.port || l.match.address ? `: the command line's server.* wins over ${dirname(server.configFiles[0] ?? '.')}; ${SPRING_EXTERNAL_CONFIG}` : ''}`,
    ];
  }
}
