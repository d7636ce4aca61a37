/**
 * The server of a Go app (Gin, Echo, chi) as a chain hop, when a compose service runs it: a service built from a
 * Dockerfile of the tree that compiles Go (`go build`, `FROM golang`), whose build context holds the app's files,
 * runs that app's binary (`CMD ["./main"]` of a multi-stage build). Its binds are the app's listen calls (addr.ts),
 * placed in that service's container, with a port read from the environment (`os.Getenv("PORT")`, Gin's `r.Run()`)
 * taken from the service's environment (Dockerfile ENV < env_file < environment), else the file's fallback — unless
 * an env_file the tree does not hold may set it: then unknown, said. A value the files do not fix (viper, a config
 * struct) stays unknown with a note. Without such a service nothing is placed: where the binary runs is not known.
 *
 * net/http hands forwarded headers to the handlers unchanged: the framework end (collector.ts) decides what is
 * believed, so the server is a pass-through one (model/appserver.ts).
 */
import { dirname, resolve, sep } from 'node:path';
import { passThroughServer } from '../../model/appserver.js';
import type { CollectContext } from '../../model/collector.js';
import type { ComposeService } from '../../model/deploy.js';
import type { BindAddress, SourceRef, Valued } from '../../model/facts.js';
import { inServiceContainer } from '../deploy/appserver.js';
import { builtDockerfile } from '../deploy/built-from.js';
import { type GoAddr, goExposure } from './addr.js';

export const GIN_RUN_SOURCE = 'https://github.com/gin-gonic/gin/blob/v1.10.0/utils.go';

/** One listen call of an app: its address when the file fixes it (or its port's variable), else the call's text. */
export interface GoListen {
  ref: SourceRef;
  addr?: GoAddr;
  /** The address expression as written, when addr.ts could not read it. */
  expr?: string;
}

/** Gin's `r.Run()` with no address (utils.go resolveAddress): `:$PORT`, `:8080` when PORT is unset or empty. */
export function ginRunDefault(): GoAddr {
  return {
    host: '',
    envVar: 'PORT',
    fallback: 8080,
    note: `Run() without an address: Gin listens on :$PORT, :8080 when PORT is unset (${GIN_RUN_SOURCE})`,
  };
}

/** A Dockerfile that compiles Go: its image runs the module's binary. */
const GO_BUILD = /\bgo\s+(?:build|install|run)\b|^\s*FROM\s+(?:--\S+\s+)*(?:\S*\/)?golang\b/im;

/** The stage a service's image is (`build.target`, else the last), as line ranges of the Dockerfile. */
function stageLines(lines: string[], target: string | undefined): [number, number] {
  const starts: Array<{ line: number; name?: string }> = [];
  lines.forEach((l, i) => {
    const m = /^\s*FROM\s+(?:--\S+\s+)*\S+(?:\s+AS\s+(\S+))?/i.exec(l);
    if (m) starts.push({ line: i, ...(m[1] ? { name: m[1].toLowerCase() } : {}) });
  });
  const k = target ? starts.findIndex((s) => s.name === target.toLowerCase()) : starts.length - 1;
  const at = k < 0 ? starts.length - 1 : k;
  return [starts[at]?.line ?? 0, starts[at + 1]?.line ?? lines.length];
}

/** The service's environment: its resolved run environment (collectors/deploy), else its `environment:`. */
function envOf(s: ComposeService): Record<string, Valued<string>> {
  if (s.runEnv) return s.runEnv;
  const out: Record<string, Valued<string>> = {};
  for (const [k, v] of Object.entries(s.environment)) out[k] = { value: v.value, origin: v.origin, ref: v.ref };
  return out;
}

/** The bind of one listen call in service `s`, with a note saying where a non-literal port came from. */
function bindIn(l: GoListen, s: ComposeService, notes: string[]): BindAddress {
  const at = `${l.ref.file}:${l.ref.line}`;
  const a = l.addr;
  if (!a) {
    notes.push(
      `listens on ${l.expr ?? 'an address'} at ${at}: a value these files do not fix (a config library or struct is not read)`,
    );
    return { kind: 'tcp', exposure: 'unknown', ref: l.ref };
  }
  const host = a.host || '0.0.0.0';
  let port = a.port;
  if (port === undefined && a.envVar) {
    const v = envOf(s)[a.envVar];
    const missing = s.envFiles.length > (s.envFileRefs?.length ?? 0);
    if (v && /^\d+$/.test(v.value.trim())) {
      port = Number(v.value.trim());
      notes.push(
        `${a.envVar}=${port} in service ${s.name}${v.ref ? ` (${v.ref.file}:${v.ref.line})` : ''}: listens on :${port} (${at})`,
      );
    } else if (v)
      notes.push(
        `${a.envVar} in service ${s.name} is "${v.value}"${v.ref ? ` (${v.ref.file}:${v.ref.line})` : ''}: the port at ${at} is not fixed`,
      );
    else if (missing)
      notes.push(
        `${a.envVar} unset in service ${s.name}'s files, but its env_file ${s.envFiles.join(', ')} is not in the tree and may set it: the port at ${at} is unknown${a.fallback !== undefined ? ` (${a.fallback} when unset)` : ''}`,
      );
    else if (a.fallback !== undefined) {
      port = a.fallback;
      notes.push(`${a.envVar} unset in service ${s.name}: the fallback ${port} at ${at}`);
    }
  }
  if (a.note && !notes.includes(a.note)) notes.push(a.note);
  return {
    kind: 'tcp',
    host,
    ...(port === undefined ? {} : { port }),
    exposure: port === undefined ? 'unknown' : goExposure(host),
    ref: l.ref,
  };
}

/**
 * Adds the servers of one Go app to the facts: one per compose service that builds it (the deepest build context
 * holding `anchorAbs`, in each compose file), none when no service does. Returns how many.
 */
export function goServers(
  ctx: CollectContext,
  app: { anchor: SourceRef; anchorAbs: string; listens: GoListen[]; framework: string },
): number {
  let n = 0;
  for (const cf of ctx.facts.compose?.files ?? []) {
    const composeAbs = ctx.files.find((x) => x.display === cf.file)?.abs ?? resolve(cf.file);
    const found: Array<{ s: ComposeService; depth: number; launch: SourceRef; dockerfile: string }> = [];
    for (const s of cf.services) {
      if (!s.build) continue;
      const context = resolve(dirname(composeAbs), s.build.context);
      if (!app.anchorAbs.startsWith(context + sep)) continue;
      const built = builtDockerfile(ctx.facts, s);
      if (!built || !GO_BUILD.test(built.lines.join('\n'))) continue;
      const [from, to] = stageLines(built.lines, s.build.target);
      let launch: SourceRef = s.ref;
      for (let i = from; i < to; i++) {
        const l = built.lines[i] ?? '';
        if (/^\s*(?:CMD|ENTRYPOINT)\b/i.test(l)) launch = { file: built.file, line: i + 1, snippet: l.trim() };
      }
      found.push({ s, depth: context.length, launch, dockerfile: built.file });
    }
    const deepest = Math.max(...found.map((f) => f.depth));
    for (const { s, depth, launch, dockerfile } of found) {
      if (depth !== deepest) continue;
      const notes = [
        `${app.framework} runs in compose service ${s.name} (built from ${s.build?.context}: ${dockerfile}); net/http hands forwarded headers to ${app.framework} unchanged`,
      ];
      const listens = app.listens.length > 0 ? app.listens : [{ ref: app.anchor, expr: 'an address' }];
      if (app.listens.length === 0) notes.push(`no listen call of ${app.framework} read in its files`);
      const binds = listens.map((l) => inServiceContainer(bindIn(l, s, notes), s));
      const server = passThroughServer({
        name: 'go',
        launch: { ...launch, via: 'compose' },
        appTarget: dirname(app.anchor.file),
        service: s.name,
        binds,
        configFiles: [],
        notes,
      });
      server.env = envOf(s);
      // The service names its server (by index), so the chain places it in that compose file's stack: the same
      // service of an alternative stack (dev and prod files) is its twin, not a second candidate.
      s.appServers.push(ctx.facts.appServers.length);
      ctx.facts.appServers.push(server);
      n++;
    }
  }
  return n;
}
