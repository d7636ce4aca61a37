/**
 * Next.js (`next start`) as an app server and app end (issue 14). Next.js serves HTTP itself, so no app code calls
 * `listen()`: the server is the `next start` a systemd unit runs (WorkingDirectory: the package's folder), on `-H/--hostname`
 * (default every interface) and `-p/--port` (else PORT, else 3000); or the one a compose service starts (its `command:`,
 * the CMD/ENTRYPOINT of the image it builds, or the script those run (collectors/deploy/command-launches.ts: `next start`, `npx next start`,
 * `npm start` whose package script is `next start`), placed in that container (an image no compose service runs says
 * what starts, not where: no server, as for a package's own start script); or a standalone build's `node server.js`
 * (`output: 'standalone'`: an image that copies `.next/standalone`), which listens on HOSTNAME (default every
 * interface) and PORT (default 3000): the server.js next build writes (vercel/next.js packages/next/src/build/utils.ts,
 * `writeStandaloneDirectory`'s template).
 *
 * Trust model, read in next 15.5's source (dist/server/base-server.js `handleRequestImpl`, "Update the
 * `x-forwarded-*` headers", and dist/server/lib/router-utils/resolve-routes.js `initProtocol`): the request's
 * X-Forwarded-Proto/-Host/-For are kept as they arrive, from any peer, and only filled in when absent (proto `http`
 * on a plain connection); `headers()` in a page and Auth.js's action URLs (`x-forwarded-proto ?? protocol`) read
 * them. So the scheme the app believes is the proxy's X-Forwarded-Proto, or `http` without it.
 */
import { basename, dirname } from 'node:path';
import type { AppServerFacts, BindAddress, FrameworkFacts, SourceRef, Valued } from '../../model/facts.js';
import { exposureOf, reachOf } from '../deploy/appserver.js';
import { parseSystemdUnit, systemdEnvironment } from '../deploy/formats.js';

/** A source of a Next.js package that matters for Server Actions: a `'use server'` directive, or next.config's list. */
export type NextSource =
  | { abs: string; kind: 'action'; ref: SourceRef }
  | { abs: string; kind: 'config'; ref: SourceRef; allowedOrigins: Valued<string[]> };

const USE_SERVER = /^[ \t]*(['"])use server\1[ \t]*;?[ \t]*(?:\/\/.*)?$/m;
const NEXT_CONFIG = /^next\.config\.[mc]?[jt]s$/;

/**
 * What one JS/TS source says about Server Actions: the first `'use server'` directive line (a file's or a function's),
 * or, in next.config.*, `serverActions.allowedOrigins` (string literals only; anything else is a value not read).
 */
export function nextSource(abs: string, display: string, text: string): NextSource | undefined {
  const lineAt = (offset: number) => text.slice(0, offset).split('\n').length;
  const snippet = (line: number) => text.split('\n')[line - 1]?.trim();
  if (NEXT_CONFIG.test(basename(abs))) {
    const m = /\ballowedOrigins\s*:\s*/.exec(text);
    if (!m) return undefined;
    const line = lineAt(m.index);
    const ref: SourceRef = { file: display, line, snippet: snippet(line) };
    const rest = text.slice(m.index + m[0].length, m.index + m[0].length + 4000);
    const list = /^\[([^\]]*)\]/.exec(rest);
    // Comments blanked; what remains must be string literals and commas, else the list is computed (an env var).
    const body = list?.[1]?.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, '');
    const items = body === undefined ? undefined : [...body.matchAll(/(['"`])([^'"`\n$]*)\1/g)].map((x) => x[2] as string);
    const plain = body !== undefined && body.replace(/(['"`])([^'"`\n$]*)\1/g, '').replace(/[\s,]/g, '') === '';
    const allowedOrigins: Valued<string[]> =
      items && plain
        ? { value: items, origin: 'literal', ref }
        : { value: [], origin: 'unknown', ref, note: 'serverActions.allowedOrigins is computed, not a list of literals' };
    return { abs, kind: 'config', ref, allowedOrigins };
  }
  if (!text.includes('use server')) return undefined;
  const m = USE_SERVER.exec(text);
  if (!m) return undefined;
  const line = lineAt(m.index + (m[0].length - m[0].trimStart().length));
  return { abs, kind: 'action', ref: { file: display, line, snippet: snippet(line) } };
}

export const NEXT_SOURCE =
  'https://github.com/vercel/next.js/blob/v15.5.7/packages/next/src/server/base-server.ts (x-forwarded-* kept from any peer, filled when absent)';

interface PackageLike {
  dir: string;
  file: string;
  deps: Record<string, string>;
  scripts: Array<{ name: string; command: string; ref: SourceRef }>;
}

/** One place the tree starts a package's Next.js server. */
export interface NextLaunch {
  argv: string[];
  ref: SourceRef;
  via: AppServerFacts['launch']['via'];
  env: Record<string, Valued<string>>;
  /** A standalone build's `node server.js`: HOSTNAME/PORT, no options. */
  standalone?: boolean;
  /** The compose service whose container runs it. */
  service?: string;
  /** Places a bind where the launch runs it (a container's network and published ports); the host by default. */
  place?: (b: BindAddress) => BindAddress;
}

export const STANDALONE_SOURCE =
  'https://github.com/vercel/next.js/blob/492156b4c5e2559b2a280f7d483cd85a8e8742a9/packages/next/src/build/utils.ts#L2108-L2113 (standalone server.js: PORT else 3000, HOSTNAME else 0.0.0.0)';

/**
 * `node server.js` / `node .next/standalone/server.js` of a standalone build: true when the words run the file and
 * the image copies a `.next/standalone` output (`imageText`, the Dockerfile's text) or the path names it.
 */
export function standaloneServer(words: string[], imageText: string | undefined): boolean {
  const i = words.findIndex((w) => /(?:^|\/)node$/.test(w));
  const file = i < 0 ? undefined : words.slice(i + 1).find((w) => !w.startsWith('-'));
  if (!file || !/(?:^|\/)server\.js$/.test(file)) return false;
  return file.includes('.next/standalone/') || /\.next\/standalone\b/.test(imageText ?? '');
}

/** `next start -p 3000 -H 127.0.0.1` (or node_modules/next/dist/bin/next start ...): the options, or null. */
export function nextStartOptions(argv: string[]): { port?: string; host?: string } | null {
  const i = argv.findIndex((a, k) => /(?:^|\/)next$/.test(a) && argv[k + 1] === 'start');
  if (i < 0) return null;
  const out: { port?: string; host?: string } = {};
  const rest = argv.slice(i + 2);
  for (let k = 0; k < rest.length; k++) {
    const a = rest[k] as string;
    const eq = /^(--port|--hostname|-p|-H)=(.*)$/.exec(a);
    const [flag, value] = eq ? [eq[1], eq[2]] : [a, rest[k + 1]];
    if (flag === '-p' || flag === '--port') out.port = value;
    else if (flag === '-H' || flag === '--hostname') out.host = value;
    else continue;
    if (!eq) k++;
  }
  return out;
}

/**
 * `npm start` / `npm run start` / `yarn start` / `pnpm start` (also by path, with `-- -p 4000` passed on) in a unit
 * whose package's `start` script is `next start ...`: the argv that script runs, with the passed-on arguments after it
 * (npm appends them to the script's command). Undefined for anything else.
 */
export function viaStartScript(argv: string[], pkg: PackageLike): string[] | undefined {
  const i = argv.findIndex((a) => /(?:^|\/)(?:npm|yarn|pnpm)$/.test(a));
  if (i < 0) return undefined;
  let k = i + 1;
  if (argv[k] === 'run' || argv[k] === 'run-script') k++;
  // `bash -c '... && npm start'`: the quote closing the shell string is not part of the name.
  const name = argv[k]?.replace(/['"]+$/, '');
  if (!name || name.startsWith('-')) return undefined;
  const script = pkg.scripts.find((s) => s.name === name);
  if (!script) return undefined;
  const own = script.command.trim().split(/\s+/);
  if (!nextStartOptions(own)) return undefined;
  const rest = argv.slice(k + 1);
  return [...own, ...(rest[0] === '--' ? rest.slice(1) : rest)];
}

/** The Next.js servers of one package (a package.json that depends on `next`), with their app end. */
export function nextServers(
  pkg: PackageLike,
  units: Array<{ display: string; dir: string; text: string }>,
  sources: Map<string, string[]>,
  nextSources: NextSource[] = [],
  started: NextLaunch[] = [],
): { servers: AppServerFacts[]; fw?: FrameworkFacts } {
  if (!pkg.deps.next) return { servers: [] };
  const launches: NextLaunch[] = [];
  for (const u of units) {
    const service = parseSystemdUnit(u.text).sections.get('Service');
    const exec = service?.get('ExecStart')?.[0];
    if (!exec) continue;
    const argv = exec.value.replace(/^[-@:+!]+/, '').split(/\s+/);
    const wd = service?.get('WorkingDirectory')?.[0]?.value;
    // The unit runs this package: its WorkingDirectory's last folder is the package's, or the unit sits beside it.
    if (!(u.dir === pkg.dir || (wd && basename(wd.replace(/\/+$/, '')) === basename(pkg.dir)))) continue;
    const started = nextStartOptions(argv) ? argv : viaStartScript(argv, pkg);
    if (!started) continue;
    const env: Record<string, Valued<string>> = {};
    for (const [k, v] of Object.entries(systemdEnvironment(service?.get('Environment') ?? [])))
      env[k] = {
        value: v.value,
        origin: 'literal',
        ref: { file: u.display, line: v.line, snippet: sources.get(u.display)?.[v.line - 1]?.trim() },
      };
    launches.push({
      argv: started,
      via: 'systemd',
      env,
      ref: { file: u.display, line: exec.line, snippet: sources.get(u.display)?.[exec.line - 1]?.trim() },
    });
  }
  // Compose, image and script launches (read by the caller with the common launch reader): `npm start` only when this
  // package's script it names is `next start`.
  for (const l of started) {
    if (l.standalone || nextStartOptions(l.argv)) launches.push(l);
    else {
      const argv = viaStartScript(l.argv, pkg);
      if (argv) launches.push({ ...l, argv });
    }
  }
  // A package's own `"start": "next start"` script says how `npm start` runs it, not how it is deployed (an image may
  // run the standalone server.js behind a NetworkPolicy): it makes no server here.
  const servers: AppServerFacts[] = [];
  for (const l of launches) {
    const o = l.standalone ? {} : (nextStartOptions(l.argv) ?? {});
    const host = o.host ?? (l.standalone ? l.env.HOSTNAME?.value : undefined) ?? '0.0.0.0';
    const portText = o.port ?? l.env.PORT?.value ?? '3000';
    const bind: BindAddress = { kind: 'tcp', host, exposure: exposureOf(host), ref: l.ref };
    if (/^\d+$/.test(portText)) bind.port = Number(portText);
    if (l.place) l.place(bind);
    else bind.reach = reachOf(bind, { container: false }).reach;
    servers.push({
      kind: 'node',
      name: 'next',
      launch: { ...l.ref, via: l.via },
      ...(l.service ? { service: l.service } : {}),
      appTarget: `Next.js (${pkg.file})`,
      binds: [bind],
      proxyHeaders: { value: true, origin: 'default', ref: l.ref, note: 'next start keeps X-Forwarded-* from any peer' },
      trustedProxies: { value: ['*'], origin: 'default', ref: l.ref, note: 'Next.js believes X-Forwarded-Proto from every peer' },
      schemeHeaders: { value: { 'X-Forwarded-Proto': 'https' }, origin: 'default', ref: l.ref },
      clientAddressHeaders: [],
      configFiles: [],
      env: l.env,
      notes: [
        l.standalone
          ? `the standalone server.js listens on HOSTNAME (default every interface) and PORT (else 3000); ${STANDALONE_SOURCE}`
          : `next start listens on -H (default every interface) and -p (else PORT, else 3000); ${NEXT_SOURCE}`,
      ],
    });
  }
  if (servers.length === 0) return { servers };
  const ref = servers[0]?.launch as SourceRef;
  const fw: FrameworkFacts = {
    kind: 'nextjs',
    file: pkg.file,
    module: dirname(pkg.file),
    usesServerScheme: false,
    assumedVersion: `next ${pkg.deps.next}`,
    settings: serverActionSettings(nextSources),
    appEnd: {
      name: 'Next.js',
      ref,
      schemeHeaders: ['x-forwarded-proto'],
      clientHeaders: [],
      trustScheme: { value: ['*'], origin: 'default', ref, note: 'x-forwarded-proto is kept from any peer' },
      trustClient: { value: [], origin: 'default', ref },
      defaultsFrom: [NEXT_SOURCE],
    },
  };
  return { servers, fw };
}

/**
 * `serverActions`: the first Server Action of the package (`'use server'`); `allowedOrigins`: next.config's list (the
 * first config file that has one). Read by checks/node/next-server-action-origin.ts.
 */
function serverActionSettings(nextSources: NextSource[]): Record<string, Valued<unknown>> {
  const out: Record<string, Valued<unknown>> = {};
  const action = nextSources.find((x) => x.kind === 'action');
  if (action) out.serverActions = { value: true, origin: 'literal', ref: action.ref };
  const config = nextSources.find((x) => x.kind === 'config');
  if (config?.kind === 'config') out.allowedOrigins = config.allowedOrigins;
  return out;
}
