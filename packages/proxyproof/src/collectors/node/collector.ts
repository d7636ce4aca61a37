/**
 * The Node app collector: JavaScript/TypeScript sources (Express, Fastify, Koa, NestJS, Hono), package.json
 * (versions, start scripts) and SvelteKit adapter-node projects with the environment their start commands get.
 * Produces FrameworkFacts (trustProxy with its exact meaning) and AppServerFacts of kind 'node' (listen binds).
 *
 * JS/TS is parsed with acorn (+ @sveltejs/acorn-typescript), never run. Only modules that mention a framework
 * (cheap text pre-filter) are parsed; a syntax error in one is a Diagnostic with file:line and the lint goes on.
 * Environment from compose files comes from facts.compose (collectors/deploy runs first); systemd units,
 * Dockerfiles and .env files of a SvelteKit project are read with collectors/deploy's parsers.
 */
import { isIP } from 'node:net';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { CollectContext, Collector, DiscoveredFile } from '../../model/collector.js';
import type { ComposePort, ComposeService } from '../../model/deploy.js';
import type { AppEndFacts, AppServerFacts, BindAddress, FrameworkFacts, SourceRef, Valued } from '../../model/facts.js';
import { MAX_SOURCE_BYTES, tooLarge } from '../../model/limits.js';
import { PLATFORM_FRONTS } from '../../model/proxy.js';
import { exposureOf, publishedBind, reachOf } from '../deploy/appserver.js';
import { commandLaunches, placeBind } from '../deploy/command-launches.js';
import { dockerArgv, parseDockerfile, parseEnvFile, parseSystemdUnit, systemdEnvironment } from '../deploy/formats.js';
import { splitCommands } from '../deploy/shell.js';
import { isDockerfileName } from '../sniff.js';
import {
  type AppHandoff,
  analyzeModule,
  type DetachedListen,
  type DetachedServe,
  type DetachedSetting,
  type ForwardedUse,
  type ModuleFacts,
  type NamedCall,
  type NodeApp,
  type SessionUse,
  type Setting,
} from './analyze.js';
import { ConfigIndex, type ConfigValue } from './config-files.js';
import { type Eval, parseSource } from './js.js';
import { containerFor, type NodeKubeFacts, readKube } from './kube.js';
import { Lockfiles } from './lockfile.js';
import { expressLikeMeaning, koaMeaning, type TrustMeaning } from './meaning.js';
import { type NextLaunch, type NextSource, nextServers, nextSource, nextStartOptions, standaloneServer } from './next.js';
import { type RequestRead, requestReads } from './request-reads.js';
import { packageScriptRun, scriptTargets } from './start-script.js';

/** Fronts that run the app themselves (the app's port is behind their router). */

/** JS/TS sources above this size are skipped with a note (bundles, vendored code; never an app's entry point). */
const JS_FILE = /\.(js|mjs|cjs|ts|mts|cts|jsx|tsx)$/;
const SKIP_FILE = /\.d\.[mc]?ts$|\.min\.js$/;
const KEYWORDS = [
  'express',
  'fastify',
  'koa',
  'Koa',
  '@nestjs/',
  'hono',
  'trust proxy',
  'trustProxy',
  'adapter-node',
  'adapter-auto',
  'next-auth',
  '@auth/',
  'convict',
  'x-forwarded-for',
  'X-Forwarded-For',
  'IP_HEADER',
  'rate-limit',
  'rate-limiter',
  'ratelimit',
];
/** adapter-node's variables (https://svelte.dev/docs/kit/adapter-node#Environment-variables). */
export const SVELTEKIT_VARS = [
  'ORIGIN',
  'PROTOCOL_HEADER',
  'HOST_HEADER',
  'PORT_HEADER',
  'ADDRESS_HEADER',
  'XFF_DEPTH',
  'HOST',
  'PORT',
  'SOCKET_PATH',
] as const;

interface PackageJson {
  dir: string;
  name?: string;
  file: string;
  deps: Record<string, string>;
  scripts: Array<{ name: string; command: string; ref: SourceRef }>;
}

function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function majorOf(range: string | undefined): string | undefined {
  const m = range ? /(\d+)(?:\.(\d+))?/.exec(range) : null;
  return m ? m[1] : undefined;
}

const valued = <T>(value: T, origin: Valued<T>['origin'], ref?: SourceRef, extra: Partial<Valued<T>> = {}): Valued<T> => {
  const v: Valued<T> = { value, origin, ...extra };
  if (ref) v.ref = ref;
  return v;
};

function evalToValued(
  ev: Eval | undefined,
  ref: SourceRef | undefined,
  dflt: unknown,
  env: Record<string, Valued<string>>,
): Valued<unknown> {
  if (ev === undefined) return valued(dflt, 'default', ref);
  if (ev.kind === 'literal') return valued(ev.value, 'literal', ref);
  if (ev.kind === 'env') {
    const known = env[ev.envVar];
    if (known !== undefined) {
      const raw = known.value;
      const value = envValue(ev, raw);
      const from = known.ref ? `${known.ref.file}:${known.ref.line}` : 'the environment';
      return valued(value, 'env', ref, {
        envVar: ev.envVar,
        note: `process.env.${ev.envVar} = ${JSON.stringify(raw)} (${from})`,
      });
    }
    return valued(ev.hasFallback ? ev.fallback : undefined, 'env', ref, {
      envVar: ev.envVar,
      note: ev.hasFallback
        ? `depends on ${ev.envVar}, default ${JSON.stringify(ev.fallback)}`
        : `depends on ${ev.envVar} (no default)`,
    });
  }
  return valued(undefined, 'unknown', ref, { note: ev.text });
}

/** Absolute path of a file by its display path (display paths are relative to the lint's cwd, not ours). */
function absOf(ctx: CollectContext, display: string): string {
  return ctx.files.find((f) => f.display === display)?.abs ?? resolve(display);
}

/** The compose service whose build context contains `absFile`, if any. */
function serviceFor(ctx: CollectContext, absFile: string): ComposeService | undefined {
  for (const cf of ctx.facts.compose?.files ?? []) {
    for (const s of cf.services) {
      if (!s.build) continue;
      const dir = resolve(dirname(absOf(ctx, cf.file)), s.build.context);
      if (absFile === dir || absFile.startsWith(dir + sep)) return s;
    }
  }
  return undefined;
}

/**
 * What a service's container runs, as far as the files say: its image (the build, else the image name), its bind
 * mounts, and its command (a package script by name: `npm start` and `sh -c "npm install && npm start"` run the same).
 */
function launchKey(s: ComposeService): string {
  const image = s.build
    ? `build ${s.build.context} ${s.build.dockerfile ?? ''} ${s.build.target ?? ''}`
    : `image ${s.image ?? ''}`;
  const binds = (s.binds ?? []).map((b) => `${b.source}:${b.target}`).sort();
  const script = s.runs ? packageScriptRun(s.runs.argv) : undefined;
  const runs = script !== undefined ? `script ${script}` : (s.runs?.argv.join('\0') ?? '');
  return JSON.stringify([image, binds, runs]);
}

/**
 * The other services of `placed`'s compose file that launch the same container (`web` and `api` built from one
 * context with one command, each running the same `server.js`): each runs a server of its own, with its own
 * environment and published ports. A service of the same build with another command (a worker) or other mounts
 * (another package over the workdir) runs something else; services of other compose files are alternative stacks
 * or overlays of the same one, not more servers (chain/topology `stackTwins`).
 */
function sameLaunch(ctx: CollectContext, placed: ComposeService): ComposeService[] {
  const cf = (ctx.facts.compose?.files ?? []).find((f) => f.services.includes(placed));
  if (!cf) return [];
  const key = launchKey(placed);
  return cf.services.filter((s) => s !== placed && s.name !== placed.name && s.role !== 'proxy' && launchKey(s) === key);
}

/**
 * The Dockerfile of the tree whose CMD/ENTRYPOINT runs a package script (`CMD ["npm", "run", "start"]`, also inside
 * `sh -c`) that starts one of `files` (`"start": "node ./bin/www"`), for a package in the Dockerfile's folder: the
 * app then runs in a container of that image (published only by whoever runs it), with the image's ENV.
 */
/** The script of the package holding `file`, in one of `folders`, named `script`, that runs `file` with node. */
function scriptRunning(col: NodeCollection, files: string[], folders: string[], script: string) {
  for (const file of files) {
    const pkg = col.packageFor(file);
    if (!pkg || !folders.some((dir) => pkg.dir === dir || pkg.dir.startsWith(dir + sep))) continue;
    const sc = pkg.scripts.find((x) => x.name === script);
    if (sc && scriptTargets(sc.command, pkg.dir).includes(file)) return sc;
  }
  return undefined;
}

/**
 * The compose service whose command runs a package script (`sh -c "npm install && npm start"`) of a package it
 * bind-mounts (`volumes: - ./server:/home/node/app`) that starts one of `files`: the app runs in that container.
 */
function serviceRunning(col: NodeCollection, files: string[]): { svc: ComposeService; how: string } | undefined {
  for (const cf of col.ctx.facts.compose?.files ?? [])
    for (const svc of cf.services) {
      const script = svc.runs && svc.role !== 'proxy' ? packageScriptRun(svc.runs.argv) : undefined;
      if (!svc.runs || script === undefined || !svc.binds?.length) continue;
      const sc = scriptRunning(
        col,
        files,
        svc.binds.map((b) => b.source),
        script,
      );
      if (sc)
        return {
          svc,
          how: `compose service ${svc.name} (${svc.runs.ref.file}:${svc.runs.ref.line}) runs the "${script}" script (${sc.ref.file}:${sc.ref.line}) of a folder it mounts`,
        };
    }
  return undefined;
}

function imageRunning(
  col: NodeCollection,
  files: string[],
): { ref: SourceRef; how: string; env: Record<string, Valued<string>> } | undefined {
  for (const f of col.dockerfiles) {
    const df = parseDockerfile(col.ctx.read(f).toString('utf8'));
    const run = dockerArgv(df);
    const script = run ? packageScriptRun(run.argv) : undefined;
    const sc = run && script !== undefined ? scriptRunning(col, files, [dirname(f.abs)], script) : undefined;
    if (!run || !sc) continue;
    const ref = { file: f.display, line: run.line, snippet: col.ctx.facts.sources.get(f.display)?.[run.line - 1]?.trim() };
    const env: Record<string, Valued<string>> = {};
    for (const [k, v] of Object.entries(df.env))
      env[k] = valued(v.value, 'env', { file: f.display, line: v.line }, { envVar: k, note: 'Dockerfile ENV' });
    return { ref, how: `${f.display}:${run.line} runs the "${script}" script (${sc.ref.file}:${sc.ref.line})`, env };
  }
  return undefined;
}

function composeEnv(s: ComposeService | undefined): Record<string, Valued<string>> {
  const env: Record<string, Valued<string>> = {};
  if (!s) return env;
  // The image's ENV and env_file values too (`ENV PORT=80` in the Dockerfile the service is built from).
  for (const [k, v] of Object.entries(s.runEnv ?? {})) if (s.environment[k] === undefined) env[k] = v;
  for (const [k, v] of Object.entries(s.environment))
    env[k] = valued(v.value, v.origin === 'env' ? 'env' : 'literal', v.ref, v.envVar ? { envVar: v.envVar } : {});
  return env;
}

function bindFrom(
  host: Valued<unknown>,
  port: Valued<unknown>,
  ref: SourceRef,
  where: { container: boolean; ports?: ComposePort[]; networkMode?: string; platform?: boolean },
): BindAddress {
  const h = typeof host.value === 'string' ? host.value : undefined;
  const p =
    typeof port.value === 'number' && Number.isInteger(port.value)
      ? port.value
      : typeof port.value === 'string' && /^\d+$/.test(port.value)
        ? Number(port.value)
        : undefined;
  // A host NAME (`api.example.internal`) binds whatever it resolves to on the server: not knowable here.
  const named = h !== undefined && isIP(h) === 0 && !/^(localhost|\*|)$/i.test(h);
  const exposure =
    host.origin === 'unknown' || (host.origin === 'env' && h === undefined) || named ? 'unknown' : exposureOf(h ?? '0.0.0.0');
  const b: BindAddress = { kind: 'tcp', exposure, ref };
  if (h !== undefined) b.host = h;
  if (p !== undefined) b.port = p;
  if (where.container) b.container = true;
  const r = reachOf(b, { container: where.container, ports: where.ports, networkMode: where.networkMode });
  b.reach = r.reach;
  // A platform (Fly.io, Heroku, Render...) runs the app in its own VM/dyno: the internet reaches the port only
  // through the platform's router; other machines of the same private network still can.
  if (b.reach === 'network' && !where.container && where.platform) {
    b.reach = 'container-network';
    b.container = true;
  }
  if (r.published) b.published = publishedBind(r.published);
  return b;
}

class NodeCollection {
  readonly modules: Array<{ file: DiscoveredFile; facts: ModuleFacts }> = [];
  /** Host/scheme reads of every JS/TS source read (framework or not: route files seldom name the framework). */
  readonly reads: Array<{ abs: string; reads: RequestRead[] }> = [];
  /** Next.js Server Action directives (`'use server'`) and next.config files, for collectors/node/next.ts. */
  readonly nextSources: NextSource[] = [];
  config?: ConfigIndex;
  private kubeFacts?: NodeKubeFacts;

  kube(): NodeKubeFacts {
    this.kubeFacts ??= readKube(this.ctx);
    return this.kubeFacts;
  }
  private lockfileIndex?: Lockfiles;

  /** The tree's lockfiles, indexed on first use (only an app whose trust depends on an installed version asks). */
  lockfiles(): Lockfiles {
    this.lockfileIndex ??= new Lockfiles(this.ctx);
    return this.lockfileIndex;
  }
  readonly packages: PackageJson[] = [];
  readonly envFiles: DiscoveredFile[] = [];
  readonly units: DiscoveredFile[] = [];
  readonly dockerfiles: DiscoveredFile[] = [];

  constructor(readonly ctx: CollectContext) {}

  scan(): void {
    for (const f of this.ctx.files) if (basename(f.abs) === 'package.json') this.packageJson(f);
    // Files a package's scripts run with node (`"start": "node ./bin/www"`): read whatever their name, and read
    // even without a framework's name in them (express-generator's bin/www serves `require('../app')`).
    const entries = new Set(this.packages.flatMap((p) => p.scripts.flatMap((sc) => scriptTargets(sc.command, p.dir))));
    for (const f of this.ctx.files) {
      const name = basename(f.abs);
      if (name === 'package.json') continue;
      if (/^\.env(\.|$)/.test(name)) this.envFiles.push(f);
      else if (/\.service$/.test(name)) this.units.push(f);
      else if (isDockerfileName(name)) this.dockerfiles.push(f);
      else if (((JS_FILE.test(name) && !SKIP_FILE.test(name)) || entries.has(f.abs)) && !this.ctx.claimed.has(f.abs))
        this.source(f, entries.has(f.abs));
    }
  }

  private source(f: DiscoveredFile, entry = false): void {
    if (f.size > MAX_SOURCE_BYTES) {
      this.ctx.facts.diagnostics.push({
        level: 'note',
        message: `${tooLarge(f.size, MAX_SOURCE_BYTES, 'app source')} (a bundle or vendored code, not an app's setup)`,
        file: f.display,
      });
      return;
    }
    const text = this.ctx.read(f).toString('utf8');
    this.reads.push({ abs: f.abs, reads: requestReads(text, f.display) });
    const next = nextSource(f.abs, f.display, text);
    if (next) this.nextSources.push(next);
    // A module serving a Koa app's handler (`http.createServer(app.callback())`) with the app from another module
    // (a factory's callback) names no framework itself.
    const serves = /createServer\s*\(/.test(text) && (entry || /\.callback\(\)/.test(text));
    if (!KEYWORDS.some((k) => text.includes(k)) && !serves) return;
    this.ctx.claimed.add(f.abs);
    const parsed = parseSource(f.abs, text);
    if ('message' in parsed) {
      this.ctx.facts.diagnostics.push({
        level: 'error',
        message: `JavaScript/TypeScript syntax error: ${parsed.message}; file skipped`,
        file: f.display,
        line: parsed.line,
        column: parsed.column,
      });
      return;
    }
    const lines = this.ctx.facts.sources.get(f.display) ?? text.split(/\r?\n/);
    try {
      this.modules.push({ file: f, facts: analyzeModule(parsed.ast, parsed.text, f.display, lines) });
    } catch (e) {
      this.ctx.facts.diagnostics.push({
        level: 'warning',
        message: `could not analyse: ${(e as Error).message}`,
        file: f.display,
      });
    }
  }

  private packageJson(f: DiscoveredFile): void {
    if (f.size > MAX_SOURCE_BYTES) return;
    const text = this.ctx.read(f).toString('utf8');
    let data: {
      name?: string;
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
      scripts?: Record<string, string>;
    };
    try {
      data = JSON.parse(text);
    } catch (e) {
      const m = /position (\d+)/.exec((e as Error).message);
      this.ctx.facts.diagnostics.push({
        level: 'error',
        message: `package.json is not valid JSON: ${(e as Error).message}`,
        file: f.display,
        line: m ? lineOfOffset(text, Number(m[1])) : 1,
      });
      return;
    }
    if (!data || typeof data !== 'object') return;
    const deps = { ...(data.devDependencies ?? {}), ...(data.dependencies ?? {}) };
    const lines = text.split(/\r?\n/);
    const scripts: PackageJson['scripts'] = [];
    for (const [name, command] of Object.entries(data.scripts ?? {})) {
      if (typeof command !== 'string') continue;
      const idx = lines.findIndex((l) => l.includes(`"${name}"`));
      scripts.push({ name, command, ref: { file: f.display, line: idx + 1 || 1, snippet: (lines[idx] ?? '').trim() } });
    }
    this.packages.push({
      dir: dirname(f.abs),
      file: f.display,
      deps,
      scripts,
      ...(typeof data.name === 'string' ? { name: data.name } : {}),
    });
  }

  /** The nearest package.json at or above `abs`. */
  packageFor(abs: string): PackageJson | undefined {
    let best: PackageJson | undefined;
    for (const p of this.packages)
      if ((abs.startsWith(p.dir + sep) || abs === p.dir) && (!best || p.dir.length > best.dir.length)) best = p;
    return best;
  }
}

/**
 * NestJS on Fastify with the adapter imported from another module of the app: that module's `new FastifyAdapter`
 * options decide trustProxy (written there: its value and line; not written: unset). A module the lint did not
 * parse leaves the setting "not read".
 */
function attachAdapters(
  apps: Array<{ app: NodeApp; abs: string }>,
  modules: Array<{ file: DiscoveredFile; facts: ModuleFacts }>,
): void {
  for (const { app, abs } of apps) {
    const from = app.adapterImport;
    if (!from) continue;
    const base = resolve(dirname(abs), from.module);
    const names = [base, ...['.ts', '.mts', '.js', '.mjs', '.cjs'].flatMap((e) => [`${base}${e}`, join(base, `index${e}`)])];
    // `./adapter.js` written for a TypeScript source (NodeNext): the .ts file.
    if (/\.[mc]?js$/.test(base)) names.push(base.replace(/\.([mc]?)js$/, '.$1ts'));
    const m = modules.find((x) => names.includes(x.file.abs));
    const setting = m?.facts.fastifyAdapters.get(from.name);
    if (setting === undefined) continue;
    if (setting === null) delete app.trustProxy;
    else app.trustProxy = setting;
  }
}

/** Merges `app.set('trust proxy', ...)` written on an object another module created (`configure(app)`). */
function attachDetached(apps: NodeApp[], detached: DetachedSetting[]): NodeApp[] {
  const extra: NodeApp[] = [];
  for (const d of detached) {
    const candidates = apps.filter(
      (a) => (a.kind === 'express' || (a.kind === 'nestjs' && a.platform === 'express')) && !a.trustProxy,
    );
    const sameFile = candidates.find((a) => a.file === d.file);
    const target = sameFile ?? (candidates.length === 1 ? candidates[0] : undefined);
    if (target) {
      target.trustProxy = d;
      continue;
    }
    if (apps.some((a) => a.trustProxy === d)) continue;
    extra.push({
      kind: d.nest ? 'nestjs' : 'express',
      platform: 'express',
      file: d.file,
      ref: d.ref,
      variable: '(app)',
      trustProxy: d,
      listens: [],
    });
  }
  return extra;
}

const FORWARDED_KINDS: Record<string, NodeApp['kind'][]> = {
  expressForwarded: ['express', 'nestjs'],
  fastifyForwarded: ['fastify', 'nestjs'],
  koaForwarded: ['koa'],
  honoForwarded: ['hono'],
};

/** `a.use(expressForwarded(...))` on an app object passed around (a setup callback, another module). */
function attachForwarded(apps: NodeApp[], uses: ForwardedUse[]): void {
  for (const u of uses) {
    const kinds = FORWARDED_KINDS[u.name] ?? [];
    const candidates = apps.filter((a) => kinds.includes(a.kind) && !a.forwardedLib);
    const target = candidates.find((a) => a.file === u.ref.file) ?? (candidates.length === 1 ? candidates[0] : undefined);
    if (target) target.forwardedLib = u;
  }
}

/**
 * `serve({ fetch: app.fetch })` in one module of a Hono app created in another (`import app from './app'`): the Hono
 * app of the same file, else the only Hono app of the same package. With no Hono app found in the package (created
 * by a factory of another library, `createApp()`), a package that depends on hono has its app at the `serve()` call:
 * @hono/node-server serves Hono's fetch handler.
 */
function attachServes(col: NodeCollection, apps: Array<{ app: NodeApp; abs: string }>, serves: DetachedServe[]): void {
  for (const { call, handler } of serves) {
    const abs = col.modules.find((m) => m.file.display === call.ref.file)?.file.abs;
    const pkg = abs ? col.packageFor(abs) : undefined;
    const hono = apps.filter((a) => a.app.kind === 'hono' && col.packageFor(a.abs) === pkg);
    const target = hono.find((a) => a.app.file === call.ref.file) ?? (hono.length === 1 ? hono[0] : undefined);
    if (target) target.app.listens.push(call);
    else if (abs && hono.length === 0 && pkg && (pkg.deps.hono !== undefined || pkg.deps['@hono/zod-openapi'] !== undefined))
      apps.push({
        app: { kind: 'hono', file: call.ref.file, ref: call.ref, variable: handler ?? '(fetch handler)', listens: [call] },
        abs,
      });
  }
}

/** The files a relative specifier written in `from` may name (`./app` -> app.js, app.ts, app/index.js, ...). */
function moduleFiles(from: string, specifier: string): Set<string> {
  const base = resolve(dirname(from), specifier);
  return new Set(['', '.js', '.cjs', '.mjs', '.ts', '/index.js', '/index.ts'].map((x) => base + x));
}

/**
 * `http.createServer(require('../app')).listen(port)` in another module (express-generator's `bin/www`): the listen
 * belongs to the Express app the required module creates, else to the package's only Express app. An Express app is
 * a request handler; other frameworks' apps are not (`koa.callback()`, Fastify's own server), so only Express's.
 */
function attachListens(
  col: NodeCollection,
  apps: Array<{ app: NodeApp; abs: string }>,
  listens: Array<{ from: string; listen: DetachedListen }>,
): void {
  for (const { from, listen } of listens) {
    const names = moduleFiles(from, listen.module);
    const express = apps.filter((a) => a.app.kind === 'express');
    const pkg = col.packageFor(from);
    const inPackage = express.filter((a) => col.packageFor(a.abs) === pkg);
    const target = express.find((a) => names.has(a.abs)) ?? (inPackage.length === 1 ? inPackage[0] : undefined);
    if (target) target.app.listens.push(listen.call);
  }
}

/**
 * `function listenLab(app, host, port) { app.listen(Number(port), host) }` called as `listenLab(app, '10.0.0.5', 3000)`:
 * the call sites give the address the app listens on. A site that passes on the app another module's exported factory
 * hands to a callback (`koaApi.setupApp((app) => startApiHttpServer(port, host, app))`, the function serving its
 * `app` parameter with `http.createServer(app.callback())`) belongs to the app that factory creates, and to no other:
 * a factory whose module is not in the tree serves an app the files do not show.
 */
function resolveListenTemplates(apps: NodeApp[], modules: Array<{ file: DiscoveredFile; facts: ModuleFacts }>): void {
  const handedApp = (from: AppHandoff, site: NamedCall): NodeApp | undefined => {
    const abs = modules.find((x) => x.file.display === site.ref.file)?.file.abs;
    if (!abs) return undefined;
    const names = moduleFiles(abs, from.module);
    const factory = modules.find((x) => names.has(x.file.abs))?.facts.appFactories.find((f) => f.export === from.export);
    return factory && apps.includes(factory.app) ? factory.app : undefined;
  };
  // Call sites added to each app, put back in source order at the end (the first is where the server is said to start).
  const added = new Map<NodeApp, Array<NodeApp['listens'][number]>>();
  for (const m of modules) {
    for (const t of m.facts.listenTemplates) {
      const sameLine = (l: NodeApp['listens'][number]) => l.ref.file === t.ref.file && l.ref.line === t.ref.line;
      // The app whose listen() this is; else (the object is a parameter named differently) the module's only app.
      const inFile = apps.filter((a) => a.file === t.ref.file);
      const owner =
        apps.find((a) => a.listens.some(sameLine)) ?? (inFile.length === 1 ? inFile[0] : apps.length === 1 ? apps[0] : undefined);
      const sites = modules.flatMap((x) => x.facts.calls.filter((c) => c.name === t.name));
      const targets = sites.map((site) => {
        const from = t.appParam === undefined ? undefined : site.handed?.[t.appParam];
        return from ? handedApp(from, site) : owner;
      });
      if (targets.every((x) => x === undefined)) continue;
      const template = owner?.listens.find(sameLine);
      if (owner) owner.listens = owner.listens.filter((l) => l !== template);
      sites.forEach((site, i) => {
        const target = targets[i];
        if (!target) return;
        const pick = (x: number | Eval | undefined): Eval | undefined => (typeof x === 'number' ? site.args[x] : x);
        const call: NodeApp['listens'][number] = { ref: site.ref, tls: template?.tls ?? t.tls ?? false };
        const port = pick(t.port);
        const host = pick(t.host);
        if (port) call.port = port;
        if (host) call.host = host;
        added.set(target, [...(added.get(target) ?? []), call]);
      });
    }
  }
  const bySource = (a: { ref: SourceRef }, b: { ref: SourceRef }) =>
    a.ref.file === b.ref.file ? a.ref.line - b.ref.line : a.ref.file < b.ref.file ? -1 : 1;
  for (const [app, calls] of added) app.listens.push(...calls.sort(bySource));
}

function frameworkLabel(app: NodeApp): 'Express' | 'Fastify' {
  return app.kind === 'fastify' || (app.kind === 'nestjs' && app.platform === 'fastify') ? 'Fastify' : 'Express';
}

/** `conf.get('key')` read from the project's config files (or a convict default): the literal and where it is written. */
function fromConfig(col: NodeCollection, ev: Eval | undefined): { ev: Eval | undefined; cfg?: ConfigValue } {
  if (ev?.kind !== 'unknown' || !ev.configKey || !col.config) return { ev };
  const cfg = col.config.lookup(ev.configKey);
  if (!cfg) return { ev };
  return { ev: { kind: 'literal', value: cfg.value }, cfg };
}

/** An env read whose value the deployment files give is read as that literal (as a string: process.env holds strings). */
function resolvedEval(ev: Eval | undefined, env: Record<string, Valued<string>>): Eval | undefined {
  if (ev?.kind !== 'env') return ev;
  const known = env[ev.envVar];
  if (known === undefined) return ev;
  const raw = known.value;
  return { kind: 'literal', value: envValue(ev, raw) };
}

/** How a switch reads in a message: the config key, the variable, or the expression. */
function switchName(ev: Eval): string {
  if (ev.kind === 'unknown') return ev.configKey ?? ev.text;
  if (ev.kind === 'env') return ev.envVar;
  return JSON.stringify(ev.value);
}

/** What `process.env.X` (as the expression reads it) evaluates to when the variable holds `raw`. */
export function envValue(ev: Extract<Eval, { kind: 'env' }>, raw: string): unknown {
  if (ev.truthy !== undefined) return ev.truthy ? raw !== '' : raw === '';
  if (ev.equals !== undefined) return ev.negate ? raw !== ev.equals : raw === ev.equals;
  if (ev.convert === 'boolean') return raw === 'true';
  return ev.convert === 'number' ? Number(raw) : raw;
}

function meaningOf(app: NodeApp, env: Record<string, Valued<string>>): TrustMeaning {
  if (app.kind === 'koa')
    return koaMeaning(
      resolvedEval(app.trustProxy?.eval, env),
      resolvedEval(app.maxIpsCount?.eval, env),
      resolvedEval(app.proxyIpHeader?.eval, env),
    );
  if (app.kind === 'hono')
    return {
      cls: 'none',
      trusted: [],
      text: 'Hono has no trust setting: c.req.url takes its scheme from the runtime (http behind a TLS-terminating proxy)',
    };
  return expressLikeMeaning(resolvedEval(app.trustProxy?.eval, env), frameworkLabel(app));
}

/** Session middleware of this app: in its own module, or anywhere in its package when it is the package's only app. */
function sessionsFor(col: NodeCollection, app: NodeApp): SessionUse[] {
  const compatible = (lib: string) =>
    app.kind === 'koa' ? lib === 'koa-session' : app.kind === 'express' || app.kind === 'nestjs' ? lib !== 'koa-session' : false;
  const own = col.modules.filter((m) => m.file.display === app.file).flatMap((m) => m.facts.sessions);
  const mine = own.filter((x) => compatible(x.lib));
  if (mine.length > 0) return mine;
  const appAbs = col.modules.find((m) => m.file.display === app.file)?.file.abs;
  const pkg = appAbs ? col.packageFor(appAbs) : undefined;
  const inPackage = col.modules.filter((m) => (pkg ? col.packageFor(m.file.abs) === pkg : true));
  const apps = inPackage.flatMap((m) => m.facts.apps).filter((a) => a.kind === app.kind);
  if (apps.length !== 1) return [];
  return inPackage.flatMap((m) => m.facts.sessions).filter((x) => compatible(x.lib));
}

/** `inService`: the compose service to place the server in (another service building the same context). */
function buildApp(
  col: NodeCollection,
  app: NodeApp,
  absFile: string,
  inService?: ComposeService,
): { fw: FrameworkFacts; server?: AppServerFacts; svc?: ComposeService } {
  const ctx = col.ctx;
  const pkg = col.packageFor(absFile);
  const listenFiles = [...new Set(app.listens.map((l) => absOf(ctx, l.ref.file)))];
  // A service that mounts the package and runs its start script says more than a build context holding the file.
  const mounted = inService || listenFiles.length === 0 ? undefined : serviceRunning(col, listenFiles);
  const svc = inService ?? mounted?.svc ?? serviceFor(ctx, absFile);
  const image = svc || listenFiles.length === 0 ? undefined : imageRunning(col, listenFiles);
  const env = image ? image.env : composeEnv(svc);
  const fromConf = fromConfig(col, app.trustProxy?.eval);
  if (app.trustProxy && fromConf.cfg) app.trustProxy = { ...app.trustProxy, eval: fromConf.ev as Eval };
  for (const l of app.listens) {
    if (l.port) l.port = fromConfig(col, l.port).ev;
    if (l.host) l.host = fromConfig(col, l.host).ev;
  }
  const meaning = meaningOf(app, env);
  const depName = app.kind === 'nestjs' ? '@nestjs/core' : app.kind;
  const version = majorOf(pkg?.deps[depName]);
  const setting = app.trustProxy;
  const trustValued = evalToValued(
    setting?.eval,
    setting?.ref ?? app.ref,
    app.kind === 'koa' ? false : app.kind === 'hono' ? undefined : false,
    env,
  );
  trustValued.note =
    trustValued.origin === 'env' && trustValued.note && !meaning.text.includes('environment variable')
      ? `${trustValued.note}: ${meaning.text}`
      : meaning.text;
  const settings: Record<string, Valued<unknown>> = {};
  const settingName =
    app.kind === 'koa'
      ? 'proxy'
      : app.kind === 'express' || (app.kind === 'nestjs' && app.platform === 'express')
        ? 'trust proxy'
        : 'trustProxy';
  settings[settingName] = trustValued;
  for (const r of app.alsoCreated ?? [])
    settings[`${settingName} (other branch)`] = valued('another creation of the same app', 'literal', r);
  if (fromConf.cfg) {
    const c = fromConf.cfg;
    settings[`${settingName} (config)`] = valued(c.value, c.from === 'schema' ? 'default' : 'literal', c.ref, {
      note: `${c.from === 'schema' ? "the configuration schema's default" : 'the configuration file'} gives ${JSON.stringify(c.value)}${c.envVar ? `; the environment variable ${c.envVar} overrides it` : ''}`,
      ...(c.envVar ? { envVar: c.envVar } : {}),
    });
  }
  // Served both over TLS and plain HTTP (a switch between https.createServer and http.createServer): the plain
  // listener is the one a TLS-ending front reaches, where the app sees http.
  const plain = app.listens.find((l) => !l.tls && !l.path);
  const tlsListen = app.listens.find((l) => l.tls);
  if (plain && tlsListen)
    settings['listen.plain-http'] = valued(true, 'literal', plain.ref, {
      note: `plain-HTTP listener; the same app is served with its own TLS at ${tlsListen.ref.file}:${tlsListen.ref.line}`,
    });
  // Every listener of the app is https/http2's: the socket is encrypted, so Koa's ctx.protocol and Express's
  // req.protocol say https without any forwarded header (koa lib/request.js, express lib/request.js).
  if (tlsListen && app.listens.every((l) => l.tls))
    settings['listen.tls-only'] = valued(true, 'literal', tlsListen.ref, { note: 'TLS ends in the app on every listener' });
  const sessions = sessionsFor(col, app);
  const session = sessions[0];
  if (session) {
    const secure = fromConfig(col, session.secure).ev;
    settings.session = valued(session.lib, 'literal', session.ref);
    settings['session.secure'] = evalToValued(secure, session.secureRef ?? session.ref, false, env);
    if (secure?.kind === 'env' && env[secure.envVar] === undefined)
      settings['session.secure'].note =
        `${settings['session.secure'].note ?? ''}; ${secure.negate ? `true unless ${secure.envVar}=${secure.equals}` : `true when ${secure.envVar}${secure.equals !== undefined ? `=${secure.equals}` : ' is set'}`}`;
    if (session.maxAge)
      settings['session.maxAge'] = evalToValued(fromConfig(col, session.maxAge).ev, session.ref, undefined, env);
    if (session.domain)
      settings['session.domain'] = evalToValued(fromConfig(col, session.domain).ev, session.ref, undefined, env);
    if (session.proxy) settings['session.proxy'] = evalToValued(fromConfig(col, session.proxy).ev, session.ref, undefined, env);
    // `if (switch) opts.cookie.secure = false`: recorded when the deployment's configuration turns the switch on.
    if (session.forcedOff) {
      const g = fromConfig(col, session.forcedOff.guard);
      const on = evalToValued(g.ev, session.forcedOff.guardRef, undefined, env);
      if (on.value === true || on.value === 'true')
        settings['session.secureForcedOff'] = valued(
          false,
          g.cfg ? 'literal' : on.origin,
          g.cfg?.ref ?? session.forcedOff.guardRef,
          {
            note: `${switchName(session.forcedOff.guard)} is on${g.cfg ? ' in the configuration' : ''}, so ${session.forcedOff.ref.file.split('/').pop()}:${session.forcedOff.ref.line} sets the session cookie's secure to false`,
          },
        );
    }
  }
  settings.trustClass = valued(meaning.cls, 'computed', setting?.ref ?? app.ref);
  // The declared fastify range, at its package.json line: request.protocol/host of fastify <= 5.8.2 read
  // X-Forwarded-Proto/-Host from untrusted peers under a restrictive trustProxy (GHSA-444r-cwp2-x5xf).
  const fastifyRange =
    app.kind === 'fastify' || (app.kind === 'nestjs' && app.platform === 'fastify') ? pkg?.deps.fastify : undefined;
  if (pkg && fastifyRange !== undefined) {
    const lines = col.ctx.facts.sources.get(pkg.file) ?? [];
    const i = lines.findIndex((l) => /^\s*"fastify"\s*:/.test(l));
    settings['fastify version'] = valued(
      fastifyRange,
      'literal',
      i >= 0 ? { file: pkg.file, line: i + 1, snippet: (lines[i] as string).trim() } : { file: pkg.file, line: 1 },
    );
  }
  // The installed fastify and proxy-addr (which compiles Express's and Fastify's address lists), from the lockfile
  // that governs the package: the advisories turn on the version npm ci installs, not on the package.json range.
  if (pkg && app.kind !== 'koa' && app.kind !== 'hono') {
    const wanted = [...(meaning.cls === 'list' ? ['proxy-addr'] : []), ...(fastifyRange !== undefined ? ['fastify'] : [])];
    for (const name of wanted) {
      const pinned = col.lockfiles().versions(pkg.dir, name);
      const first = pinned?.versions[0];
      if (!pinned || !first) continue;
      settings[`${name} installed`] = valued(
        pinned.versions.map((v) => v.version),
        'literal',
        first.ref,
        {
          note: `${pinned.lockfile}: ${pinned.versions.map((v) => `${v.version} (line ${v.ref.line})`).join(', ')}`,
        },
      );
    }
  }
  if (meaning.hops !== undefined) settings.trustHops = valued(meaning.hops, 'computed', setting?.ref);
  if (app.platform) settings.platform = valued(app.platform, 'computed', app.ref);
  if (app.proxyIpHeader)
    settings.proxyIpHeader = evalToValued(app.proxyIpHeader.eval, app.proxyIpHeader.ref, 'X-Forwarded-For', env);
  if (app.maxIpsCount) settings.maxIpsCount = evalToValued(app.maxIpsCount.eval, app.maxIpsCount.ref, 0, env);
  if (app.forwardedLib) {
    // The library's policy is what decides trust for this app: { middleware, trust, hops, headers, onConflict }.
    const o = app.forwardedLib.options ?? {};
    const lit = (k: string): unknown => {
      const e = resolvedEval(o[k], env);
      return e?.kind === 'literal' ? e.value : e === undefined ? undefined : null;
    };
    const trustLit = lit('trust');
    const trustList =
      typeof trustLit === 'string'
        ? trustLit
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean)
        : Array.isArray(trustLit)
          ? trustLit.map(String)
          : trustLit === undefined
            ? []
            : null;
    settings['@proxyproof/forwarded'] = valued(app.forwardedLib.name, 'literal', app.forwardedLib.ref);
    settings['@proxyproof/forwarded.policy'] = valued(
      {
        middleware: app.forwardedLib.name,
        trust: trustList,
        hops: lit('hops') ?? 1,
        headers: lit('headers') ?? null,
        onConflict: lit('onConflict') ?? 'reject',
        redirectToHttps: lit('redirectToHttps') === true,
      },
      'literal',
      app.forwardedLib.ref,
      { note: 'trust: null means not readable statically; [] trusts nothing (the library default); hops default 1' },
    );
    // The same trust list on its own key, for readers that only need it (the doctor's chain builder).
    if (trustList !== null) settings['@proxyproof/forwarded.trust'] = valued(trustList, 'literal', app.forwardedLib.ref);
    else
      settings['@proxyproof/forwarded.trust'] = valued(null, 'unknown', app.forwardedLib.ref, {
        note: 'trust list not readable statically',
      });
  }
  const lib = settings['@proxyproof/forwarded.policy']?.value as { trust: string[] | null } | undefined;
  const trusts =
    (meaning.cls !== 'none' && meaning.cls !== 'invalid') || (lib !== undefined && lib.trust !== null && lib.trust.length > 0);
  const fw: FrameworkFacts = {
    kind: app.kind,
    file: app.file,
    module: app.variable,
    usesServerScheme: false,
    schemeHeader: valued(
      trusts ? { header: 'X-Forwarded-Proto', value: 'https' } : null,
      setting ? 'computed' : 'default',
      setting?.ref ?? app.ref,
      { note: meaning.text },
    ),
    trustProxy: trustValued,
    settings,
  };
  if (version) fw.assumedVersion = version;
  if (app.listens.length === 0) return { fw };

  const fastifyish = frameworkLabel(app) === 'Fastify';
  const binds: BindAddress[] = [];
  for (const l of app.listens) {
    if (l.path) {
      const p = evalToValued(l.path, l.ref, undefined, env);
      binds.push({
        kind: 'unix',
        path: typeof p.value === 'string' ? p.value : undefined,
        exposure: 'unix',
        reach: 'unix',
        ref: l.ref,
      });
      continue;
    }
    // Node's server.listen(port) without a host listens on :: (all interfaces); Fastify's default host is localhost.
    const host = evalToValued(l.host, l.ref, fastifyish ? 'localhost' : '::', env);
    const port = evalToValued(l.port, l.ref, l.defaultPort ?? (fastifyish ? 3000 : undefined), env);
    binds.push(
      bindFrom(host, port, l.ref, {
        container: svc !== undefined || image !== undefined,
        ports: svc?.ports,
        networkMode: svc?.networkMode,
        platform: (ctx.facts.fronts ?? []).some((f) => PLATFORM_FRONTS.has(f.name)),
      }),
    );
  }
  const server: AppServerFacts = {
    kind: 'node',
    launch: { ...(app.listens[0]?.ref as SourceRef), via: 'code' },
    appTarget: `${app.kind} app \`${app.variable}\` (${app.file}:${app.ref.line})`,
    binds,
    proxyHeaders: valued(trusts, setting ? 'computed' : 'default', setting?.ref ?? app.ref, { note: meaning.text }),
    trustedProxies: lib
      ? valued(lib.trust ?? [], lib.trust === null ? 'unknown' : 'literal', app.forwardedLib?.ref, {
          note: '@proxyproof/forwarded policy (its trust list decides, not the framework setting)',
        })
      : valued(meaning.trusted, setting ? 'computed' : 'default', setting?.ref ?? app.ref, { note: meaning.text }),
    schemeHeaders: valued<Record<string, string>>(
      trusts ? { 'X-Forwarded-Proto': 'https' } : {},
      setting ? 'computed' : 'default',
      setting?.ref ?? app.ref,
    ),
    clientAddressHeaders: trusts
      ? [
          app.kind === 'koa' && app.proxyIpHeader?.eval.kind === 'literal'
            ? String(app.proxyIpHeader.eval.value)
            : 'X-Forwarded-For',
        ]
      : [],
    configFiles: [],
    env,
    notes: [meaning.text],
  };
  if (svc) server.service = svc.name;
  if (mounted) server.notes?.push(`started in a container: ${mounted.how}`);
  if (image) {
    server.configFiles.push(image.ref.file);
    server.notes?.push(`started in a container by ${image.how}`);
  }
  if (app.listens.some((l) => l.tls)) server.tls = true;
  if (version) server.assumedVersion = `${depName} ${version}`;
  return svc ? { fw, server, svc } : { fw, server };
}

// ------------------------------------------------------------------------------------------------ SvelteKit

interface EnvSource {
  env: Record<string, Valued<string>>;
  /** loads .env (node -r dotenv/config, --env-file) */
  loadsDotenv: boolean;
  launch: AppServerFacts['launch'];
  service?: ComposeService;
}

function startsAdapterNode(argv: string[]): { yes: boolean; dotenv: boolean } {
  const i = argv.findIndex((a) => a === 'node' || a.endsWith('/node'));
  if (i === -1) return { yes: false, dotenv: false };
  const rest = argv.slice(i + 1);
  const target = rest.find((a) => !a.startsWith('-') && a !== 'dotenv/config');
  const dotenv =
    rest.some((a, k) => (a === '-r' || a === '--require') && rest[k + 1] === 'dotenv/config') ||
    rest.some((a) => a.startsWith('--env-file'));
  return { yes: target !== undefined && /^(\.\/)?build(\/index\.js|\/)?$/.test(target), dotenv };
}

/**
 * The image a compose service builds from a SvelteKit project starts adapter-node: its entrypoint and command (the
 * service's own, else the Dockerfile stage's it builds, `build.target`), one argv, run `node build`. True when the
 * Dockerfile is not among the files read or names no base image (nothing says otherwise).
 */
function imageStartsAdapterNode(col: NodeCollection, ctxDir: string, svc: ComposeService): boolean {
  const abs = resolve(ctxDir, svc.build?.dockerfile ?? 'Dockerfile');
  const f = col.dockerfiles.find((d) => d.abs === abs);
  if (!f) return true;
  const df = parseDockerfile(col.ctx.read(f).toString('utf8'), svc.build?.target ? { target: svc.build.target } : {});
  const argvOf = (i: { json?: string[]; args: string } | undefined): string[] => i?.json ?? i?.args.split(/\s+/) ?? [];
  const entry = svc.entrypoint?.argv ?? argvOf(df.entrypoint);
  const cmd = svc.command?.argv ?? (svc.entrypoint ? [] : argvOf(df.cmd));
  const argv = [...entry, ...cmd].filter((a) => a !== '');
  // Neither set: the base image's own command (nginx's, node's REPL), never `node build`; unknown without a FROM.
  if (argv.length === 0) return df.from === undefined;
  return startsAdapterNode(argv).yes;
}

function svelteEnvSources(col: NodeCollection, projectDir: string): EnvSource[] {
  const ctx = col.ctx;
  const out: EnvSource[] = [];
  // package.json scripts: `ORIGIN=https://x node build`
  const pkg = col.packages.find((p) => p.dir === projectDir);
  for (const s of pkg?.scripts ?? []) {
    for (const cmd of splitCommands(s.command)) {
      const argv = cmd.argv.map((w) => w.text);
      const st = startsAdapterNode(argv);
      if (!st.yes) continue;
      const env: Record<string, Valued<string>> = {};
      for (const [k, v] of Object.entries(cmd.assignments))
        env[k] = valued(v, 'literal', s.ref, { note: `set in the "${s.name}" script` });
      out.push({ env, loadsDotenv: st.dotenv, launch: { ...s.ref, via: 'shell' } });
    }
  }
  // compose services built from this folder, or running `node build`
  for (const cf of ctx.facts.compose?.files ?? []) {
    for (const svc of cf.services) {
      const ctxDir = svc.build ? resolve(dirname(absOf(ctx, cf.file)), svc.build.context) : undefined;
      const argv = svc.command?.argv ?? [];
      if (ctxDir !== projectDir && !startsAdapterNode(argv).yes) continue;
      // Built from the project but to another program's image (a `target:` stage FROM nginx serving build/client):
      // its entrypoint and command, the image's where compose sets none, do not start adapter-node.
      if (ctxDir === projectDir && !startsAdapterNode(argv).yes && svc.build && !imageStartsAdapterNode(col, ctxDir, svc))
        continue;
      out.push({
        env: composeEnv(svc),
        loadsDotenv: startsAdapterNode(argv).dotenv,
        launch: { ...svc.ref, via: 'compose' },
        service: svc,
      });
    }
  }
  // Dockerfile in the project folder (ENV), when no compose service covers it
  if (!out.some((o) => o.service)) {
    for (const f of col.dockerfiles) {
      if (dirname(f.abs) !== projectDir) continue;
      const df = parseDockerfile(ctx.read(f).toString('utf8'));
      const env: Record<string, Valued<string>> = {};
      for (const [k, v] of Object.entries(df.env))
        env[k] = valued(v.value, 'literal', {
          file: f.display,
          line: v.line,
          snippet: ctx.facts.sources.get(f.display)?.[v.line - 1]?.trim(),
        });
      const cmd = df.cmd?.json ?? [];
      out.push({
        env,
        loadsDotenv: startsAdapterNode(cmd).dotenv,
        launch: { file: f.display, line: df.cmd?.line ?? 1, via: 'dockerfile' },
      });
    }
  }
  // systemd units that run `node build`
  for (const f of col.units) {
    const text = ctx.read(f).toString('utf8');
    const unit = parseSystemdUnit(text);
    const service = unit.sections.get('Service');
    const exec = service?.get('ExecStart')?.[0];
    if (!exec) continue;
    const argv = exec.value.replace(/^[-@:+!]+/, '').split(/\s+/);
    const st = startsAdapterNode(argv);
    if (!st.yes) continue;
    const env: Record<string, Valued<string>> = {};
    for (const [k, v] of Object.entries(systemdEnvironment(service?.get('Environment') ?? [])))
      env[k] = valued(v.value, 'literal', {
        file: f.display,
        line: v.line,
        snippet: ctx.facts.sources.get(f.display)?.[v.line - 1]?.trim(),
      });
    out.push({
      env,
      loadsDotenv: st.dotenv || (service?.get('EnvironmentFile')?.length ?? 0) > 0,
      launch: { file: f.display, line: exec.line, via: 'systemd' },
    });
  }
  // app servers the deploy collector built (any kind) whose launch is in this folder
  for (const s of ctx.facts.appServers) {
    if (s.kind !== 'node' || !s.launch.file) continue;
    if (dirname(absOf(ctx, s.launch.file)) !== projectDir) continue;
    out.push({ env: s.env, loadsDotenv: false, launch: s.launch });
  }
  return out;
}

function buildSvelteKit(
  col: NodeCollection,
  mod: { file: DiscoveredFile; facts: ModuleFacts },
): { fw: FrameworkFacts; servers: AppServerFacts[] } {
  const ctx = col.ctx;
  const an = mod.facts.adapterNode as NonNullable<ModuleFacts['adapterNode']>;
  const projectDir = dirname(mod.file.abs);
  const prefix = an.envPrefix?.kind === 'literal' && typeof an.envPrefix.value === 'string' ? an.envPrefix.value : '';
  const sources = svelteEnvSources(col, projectDir);
  const dotenv: Record<string, Valued<string>> = {};
  for (const f of col.envFiles) {
    if (dirname(f.abs) !== projectDir) continue;
    for (const [k, v] of Object.entries(parseEnvFile(ctx.read(f).toString('utf8')))) {
      dotenv[k] = valued(
        v.value,
        'literal',
        { file: f.display, line: v.line, snippet: ctx.facts.sources.get(f.display)?.[v.line - 1]?.trim() },
        {
          note: `${basename(f.abs)} (read only when the start command loads it: node -r dotenv/config build, or node --env-file=.env build)`,
        },
      );
    }
  }
  const settings: Record<string, Valued<unknown>> = {};
  const servers: AppServerFacts[] = [];
  const launches = sources.length > 0 ? sources : [undefined];
  for (const src of launches) {
    const env: Record<string, Valued<string>> = {};
    if (src?.loadsDotenv) Object.assign(env, dotenv);
    Object.assign(env, src?.env ?? {});
    for (const name of SVELTEKIT_VARS) {
      const v = env[prefix + name];
      if (v && settings[name] === undefined) settings[name] = { ...v, envVar: prefix + name };
    }
    const host = env[`${prefix}HOST`];
    const port = env[`${prefix}PORT`];
    const socket = env[`${prefix}SOCKET_PATH`];
    const ref: SourceRef = src
      ? { file: src.launch.file, line: src.launch.line, ...(src.launch.snippet ? { snippet: src.launch.snippet } : {}) }
      : an.ref;
    const bind: BindAddress = socket
      ? { kind: 'unix', path: socket.value, exposure: 'unix', reach: 'unix', ref: socket.ref ?? ref }
      : bindFrom(
          host ? valued(host.value, 'env', host.ref) : valued('0.0.0.0', 'default', ref),
          port ? valued(port.value, 'env', port.ref) : valued(3000, 'default', ref),
          host?.ref ?? ref,
          {
            container: src?.service !== undefined || src?.launch.via === 'dockerfile',
            ports: src?.service?.ports,
            networkMode: src?.service?.networkMode,
          },
        );
    if (src === undefined) continue;
    const server: AppServerFacts = {
      kind: 'node',
      launch: src.launch,
      appTarget: `SvelteKit adapter-node (${mod.file.display})`,
      binds: [bind],
      proxyHeaders: valued(Boolean(env[`${prefix}PROTOCOL_HEADER`] || env[`${prefix}ADDRESS_HEADER`]), 'env', ref),
      trustedProxies: valued(env[`${prefix}ADDRESS_HEADER`] ? ['*'] : [], 'env', ref, {
        note: 'adapter-node believes ADDRESS_HEADER from any peer; XFF_DEPTH picks the entry from the right',
      }),
      schemeHeaders: valued(
        env[`${prefix}PROTOCOL_HEADER`] ? { [String(env[`${prefix}PROTOCOL_HEADER`]?.value)]: 'https' } : {},
        'env',
        ref,
      ),
      configFiles: [],
      env,
      notes: ['adapter-node listens on HOST (default 0.0.0.0) and PORT (default 3000)'],
    };
    if (src.service) server.service = src.service.name;
    servers.push(server);
  }
  // .env values that no start command loads: keep them visible as such
  for (const name of SVELTEKIT_VARS) {
    const v = dotenv[prefix + name];
    if (v && settings[name] === undefined) settings[`${name} (.env, not loaded)`] = v;
  }
  const protocolHeader = settings.PROTOCOL_HEADER as Valued<string> | undefined;
  const pkg = col.packageFor(mod.file.abs);
  const fw: FrameworkFacts = {
    kind: 'sveltekit',
    file: mod.file.display,
    usesServerScheme: false,
    schemeHeader: protocolHeader
      ? valued({ header: protocolHeader.value, value: 'https' }, 'env', protocolHeader.ref)
      : valued(null, 'default', an.ref, { note: 'PROTOCOL_HEADER unset: the scheme is http unless ORIGIN says otherwise' }),
    trustProxy: valued(
      { addressHeader: settings.ADDRESS_HEADER?.value ?? null, xffDepth: settings.XFF_DEPTH?.value ?? null },
      settings.ADDRESS_HEADER ? 'env' : 'default',
      (settings.ADDRESS_HEADER?.ref as SourceRef | undefined) ?? an.ref,
    ),
    settings: {
      adapter: valued('@sveltejs/adapter-node', 'literal', an.ref),
      envPrefix: valued(prefix, prefix ? 'literal' : 'default', an.ref),
      launches: valued(
        sources.map((s) => `${s.launch.via} ${s.launch.file}:${s.launch.line}`),
        'computed',
        an.ref,
      ),
      ...settings,
    },
  };
  fw.appEnd = svelteKitAppEnd(settings, an.ref, prefix);
  const v = majorOf(pkg?.deps['@sveltejs/adapter-node']);
  if (v) fw.assumedVersion = `adapter-node ${v}`;
  return { fw, servers };
}

/** adapter-node's handler.js (the same get_origin/getClientAddress in 1.x-5.x). */
const ADAPTER_NODE_HANDLER = 'https://github.com/sveltejs/kit/blob/main/packages/adapter-node/src/handler.js';

/**
 * The app end adapter-node makes of the start environment (handler.js, 1.x-5.x): the request's origin is ORIGIN
 * when set, else `(PROTOCOL_HEADER's value || 'https')://(HOST_HEADER's value || Host)`, so without either
 * variable every request is https whatever the connection (sveltejs/kit#10078, #10309: a plain-HTTP site then
 * fails the CSRF origin check); headers are believed from any peer. getClientAddress() is ADDRESS_HEADER's
 * value from any peer, for X-Forwarded-For the XFF_DEPTH-th entry from the right (default 1), and throws when the
 * header is absent or too short; without ADDRESS_HEADER it is the TCP peer.
 */
function svelteKitAppEnd(settings: Record<string, Valued<unknown>>, adapterRef: SourceRef, prefix: string): AppEndFacts {
  const str = (name: string): string | undefined => {
    const v = settings[name]?.value;
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  };
  const origin = str('ORIGIN');
  const protocolHeader = str('PROTOCOL_HEADER')?.toLowerCase();
  const hostHeader = str('HOST_HEADER')?.toLowerCase();
  const addressHeader = str('ADDRESS_HEADER')?.toLowerCase();
  const depth = Number.parseInt(str('XFF_DEPTH') ?? '1', 10);
  const ref = (name: string): SourceRef => (settings[name]?.ref as SourceRef | undefined) ?? adapterRef;
  const anyPeer = (name: string): Valued<string[]> =>
    valued(['*'], settings[name] ? 'env' : 'default', ref(name), {
      note: `adapter-node believes ${prefix}${name} from any peer`,
    });
  const a: AppEndFacts = {
    name: 'SvelteKit (adapter-node)',
    ref: adapterRef,
    schemeHeaders: origin || !protocolHeader ? [] : [protocolHeader],
    clientHeaders: addressHeader ? [addressHeader] : [],
    trustScheme: anyPeer(origin ? 'ORIGIN' : 'PROTOCOL_HEADER'),
    trustClient: addressHeader ? anyPeer('ADDRESS_HEADER') : valued([], 'default', adapterRef),
    defaultsFrom: [ADAPTER_NODE_HANDLER],
  };
  if (origin) {
    // ORIGIN fixes scheme and host: https:// makes every request https, http:// every request http.
    if (/^https:\/\//i.test(origin)) a.assumeHttps = valued(true, 'env', ref('ORIGIN'), { note: `${prefix}ORIGIN=${origin}` });
    else if (/^http:\/\//i.test(origin))
      a.assumeHttp = valued(true, 'env', ref('ORIGIN'), { note: `${prefix}ORIGIN=${origin}`, envVar: `${prefix}ORIGIN` });
  } else {
    a.schemeWhenAbsent = 'https';
    if (hostHeader) a.hostHeaders = [hostHeader];
  }
  if (addressHeader) a.clientFromRight = Number.isNaN(depth) ? 1 : depth;
  return a;
}

/**
 * Where the tree starts `node build` for a SvelteKit project at `projectDir`: its package.json scripts, a compose
 * service's command or the CMD of the Dockerfile it builds from that folder, a Dockerfile's CMD in that folder, a
 * systemd unit. What adapter-auto projects are checked against (it writes no build/ off its platforms).
 */
function nodeBuildStarts(col: NodeCollection, projectDir: string): Array<{ ref: SourceRef; what: string }> {
  const ctx = col.ctx;
  const out: Array<{ ref: SourceRef; what: string }> = [];
  const argvOf = (i: { json?: string[]; args: string } | undefined): string[] => i?.json ?? i?.args.split(/\s+/) ?? [];
  const lineRef = (file: string, line: number): SourceRef => {
    const snippet = ctx.facts.sources.get(file)?.[line - 1]?.trim();
    return snippet ? { file, line, snippet } : { file, line };
  };
  const pkg = col.packages.find((p) => p.dir === projectDir);
  for (const sc of pkg?.scripts ?? [])
    if (splitCommands(sc.command).some((c) => startsAdapterNode(c.argv.map((w) => w.text)).yes))
      out.push({ ref: sc.ref, what: `the "${sc.name}" script` });
  const cited = new Set<string>();
  const dockerCmd = (abs: string): { ref: SourceRef; display: string } | undefined => {
    const f = col.dockerfiles.find((d) => d.abs === abs);
    if (!f) return undefined;
    const df = parseDockerfile(ctx.read(f).toString('utf8'));
    if (!df.cmd || !startsAdapterNode(argvOf(df.cmd)).yes) return undefined;
    return { ref: lineRef(f.display, df.cmd.line), display: f.display };
  };
  for (const cf of ctx.facts.compose?.files ?? [])
    for (const svc of cf.services) {
      if (svc.command && startsAdapterNode(svc.command.argv).yes) {
        out.push({ ref: svc.command.ref, what: `the compose service ${svc.name}'s command` });
        continue;
      }
      if (svc.command || !svc.build) continue;
      const ctxDir = resolve(dirname(absOf(ctx, cf.file)), svc.build.context);
      if (ctxDir !== projectDir) continue;
      const d = dockerCmd(resolve(ctxDir, svc.build.dockerfile ?? 'Dockerfile'));
      if (!d) continue;
      cited.add(d.display);
      out.push({ ref: d.ref, what: `the compose service ${svc.name}, built from ${d.display}` });
    }
  for (const f of col.dockerfiles) {
    if (dirname(f.abs) !== projectDir || cited.has(f.display)) continue;
    const d = dockerCmd(f.abs);
    if (d) out.push({ ref: d.ref, what: `${d.display}'s CMD` });
  }
  for (const f of col.units) {
    const exec = parseSystemdUnit(ctx.read(f).toString('utf8')).sections.get('Service')?.get('ExecStart')?.[0];
    if (exec && startsAdapterNode(exec.value.replace(/^[-@:+!]+/, '').split(/\s+/)).yes)
      out.push({ ref: lineRef(f.display, exec.line), what: `the unit ${f.display}` });
  }
  return out;
}

/**
 * A SvelteKit project whose config calls @sveltejs/adapter-auto while the tree starts it with `node build`:
 * adapter-auto picks an adapter only from a platform's build variables (VERCEL, CF_PAGES, NETLIFY, SST,
 * GCP_BUILDPACKS...) and otherwise only warns "Could not detect a supported production environment", writing no
 * build/ (packages/adapter-auto/index.js). Undefined when nothing starts `node build`.
 */
function buildSvelteKitAuto(col: NodeCollection, mod: { file: DiscoveredFile; facts: ModuleFacts }): FrameworkFacts | undefined {
  const auto = mod.facts.adapterAuto as NonNullable<ModuleFacts['adapterAuto']>;
  const starts = nodeBuildStarts(col, dirname(mod.file.abs));
  const first = starts[0];
  if (!first) return undefined;
  const fw: FrameworkFacts = {
    kind: 'sveltekit',
    file: mod.file.display,
    usesServerScheme: false,
    settings: {
      adapter: valued('@sveltejs/adapter-auto', 'literal', auto.ref),
      'node build': valued(
        starts.map((x) => x.what),
        'literal',
        first.ref,
        { note: `${first.what} runs node build` },
      ),
    },
  };
  const v = majorOf(col.packageFor(mod.file.abs)?.deps['@sveltejs/adapter-auto']);
  if (v) fw.assumedVersion = `adapter-auto ${v}`;
  return fw;
}

/** Rate limiters key on the client address: with the proxy's address as req.ip every client shares one bucket. */
const RATE_LIMITERS = [
  'express-rate-limit',
  'rate-limiter-flexible',
  '@fastify/rate-limit',
  'fastify-rate-limit',
  'koa-ratelimit',
  'express-slow-down',
  'express-brute',
];

/** Facts every app of the project shares: TLS-ending routes in front, rate limiters, client-IP header reads. */
function addProjectFacts(col: NodeCollection, fw: FrameworkFacts, absFile: string): void {
  const ctx = col.ctx;
  const edge = col.kube().edges[0];
  if (edge) fw.settings['front (kubernetes)'] = valued(edge.what, 'literal', edge.ref);
  if (edge?.tlsRef) fw.settings['front (kubernetes) tls'] = valued('TLS ends here', 'literal', edge.tlsRef);
  const pkg = col.packageFor(absFile);
  const inPackage = col.modules.filter((m) => !pkg || col.packageFor(m.file.abs) === pkg);
  for (const m of inPackage) {
    const lib = RATE_LIMITERS.find((r) => m.facts.imports.has(r));
    if (!lib) continue;
    const lines = ctx.facts.sources.get(m.file.display) ?? [];
    const i = lines.findIndex((l) => l.includes(`'${lib}'`) || l.includes(`"${lib}"`));
    fw.settings.rateLimiter = valued(lib, 'literal', {
      file: m.file.display,
      line: i + 1 || 1,
      snippet: (lines[i] ?? '').trim(),
    });
    break;
  }
  if (!fw.settings.rateLimiter && pkg) {
    const lib = RATE_LIMITERS.find((r) => pkg.deps[r] !== undefined);
    if (lib) fw.settings.rateLimiter = valued(lib, 'literal', { file: pkg.file, line: 1 }, { note: `${lib} in package.json` });
  }
  const sources = col.reads.filter((r) => !pkg || col.packageFor(r.abs) === pkg);
  const found = sources.flatMap((r) => r.reads);
  fw.requestReads = {
    host: found
      .filter((r) => r.kind === 'host')
      .slice(0, 20)
      .map(({ via, what, ref }) => ({ via, what, ref })),
    scheme: found
      .filter((r) => r.kind === 'scheme')
      .slice(0, 20)
      .map(({ via, what, ref }) => ({ via, what, ref })),
    files: sources.length,
  };
  const reads = inPackage.flatMap((m) => m.facts.clientIpReads);
  if (reads.length > 0)
    fw.settings.clientIpReads = valued(
      reads.map((r) => ({ header: r.header, file: r.ref.file, line: r.ref.line, snippet: r.ref.snippet })),
      'literal',
      reads[0]?.ref,
    );
}

/**
 * Hono has no trust setting: `c.req.url` takes its scheme from the connection (@hono/node-server: `https` only on a
 * TLS socket). Code that reads `c.req.header('x-forwarded-proto')` itself takes the scheme from that header, as
 * any peer wrote it: the app end then believes X-Forwarded-Proto from every peer (a proxy that sets it makes the
 * app see https; a client that reaches the app directly can claim it).
 */
function honoHeaderScheme(fw: FrameworkFacts, server: AppServerFacts | undefined): void {
  const read = fw.requestReads?.scheme.find((r) => r.via === 'header' && /x-forwarded-proto/i.test(r.what));
  if (!read) return;
  const note = `the code reads X-Forwarded-Proto itself (${read.ref.file}:${read.ref.line}), from any peer: Hono checks no sender`;
  fw.schemeHeader = valued({ header: 'X-Forwarded-Proto', value: 'https' }, 'computed', read.ref, { note });
  fw.appEnd = {
    name: 'Hono',
    ref: read.ref,
    schemeHeaders: ['x-forwarded-proto'],
    clientHeaders: [],
    trustScheme: valued(['*'], 'computed', read.ref, { note }),
    trustClient: valued([], 'default', fw.trustProxy?.ref ?? read.ref),
    defaultsFrom: [HONO_NODE_SERVER],
  };
  if (!server) return;
  server.proxyHeaders = valued(true, 'computed', read.ref, { note });
  server.trustedProxies = valued(['*'], 'computed', read.ref, { note });
  server.schemeHeaders = valued({ 'X-Forwarded-Proto': 'https' }, 'computed', read.ref);
  server.notes = [...(server.notes ?? []), note];
}

/** Where Hono on Node takes the request URL's scheme and the peer address from (read, not assumed). */
const HONO_NODE_SERVER = 'https://github.com/honojs/node-server/blob/v1.19.19/src/request.ts';

/** Environment sources of a package's production process: Dockerfile ENV, compose, Kubernetes, start scripts. */
interface AuthEnv {
  vars: Record<string, Valued<string>>;
  /** Where the process is deployed, best first (the place to write the fix). */
  deployments: Array<{ via: string; ref: SourceRef; openEnv?: SourceRef }>;
  dockerfile?: SourceRef;
}

function authEnv(col: NodeCollection, dir: string, pkg: PackageJson | undefined): AuthEnv {
  const ctx = col.ctx;
  const out: AuthEnv = { vars: {}, deployments: [] };
  const lineRef = (file: string, line: number): SourceRef => ({
    file,
    line,
    snippet: ctx.facts.sources.get(file)?.[line - 1]?.trim(),
  });
  for (const f of col.dockerfiles) {
    if (dirname(f.abs) !== dir) continue;
    const df = parseDockerfile(ctx.read(f).toString('utf8'));
    for (const [k, v] of Object.entries(df.env)) out.vars[k] = valued(v.value, 'literal', lineRef(f.display, v.line));
    out.dockerfile = lineRef(f.display, df.cmd?.line ?? df.env.NODE_ENV?.line ?? 1);
    out.deployments.push({ via: 'Dockerfile', ref: out.dockerfile });
  }
  const svc = serviceFor(ctx, dir);
  if (svc) {
    for (const [k, v] of Object.entries(composeEnv(svc))) out.vars[k] = v;
    out.deployments.unshift({ via: `compose service ${svc.name}`, ref: svc.ref });
  }
  const names = [basename(dir), (pkg?.name ?? '').split('/').pop() ?? ''];
  const c = containerFor(col.kube(), names);
  if (c) {
    for (const [k, v] of Object.entries(c.env))
      if (v.value !== undefined) out.vars[k] = valued(v.value, 'literal', v.ref);
      else out.vars[k] = valued('', 'unknown', v.ref, { note: 'valueFrom: a Secret/ConfigMap/field not in view' });
    const d: AuthEnv['deployments'][number] = { via: `${c.workload} container ${c.name}`, ref: c.ref };
    if (c.envFrom) d.openEnv = c.envFrom;
    out.deployments.unshift(d);
  }
  for (const sc of pkg?.scripts ?? [])
    for (const cmd of splitCommands(sc.command))
      for (const [k, v] of Object.entries(cmd.assignments)) out.vars[k] ??= valued(v, 'literal', sc.ref);
  return out;
}

/** Auth.js (next-auth v5, @auth/express): whether `trustHost` ends up true in production, and why. */
function buildAuthJs(col: NodeCollection, mod: { file: DiscoveredFile; facts: ModuleFacts }): FrameworkFacts | undefined {
  const use = mod.facts.authJs.find((a) => a.lib !== 'config');
  if (!use) return undefined;
  const pkg = col.packageFor(mod.file.abs);
  const range = pkg?.deps[use.lib === 'next-auth' ? 'next-auth' : '@auth/express'];
  const major = majorOf(range);
  // next-auth 4 has no trustHost (it reads NEXTAUTH_URL); Auth.js core (next-auth 5, @auth/*) refuses untrusted hosts.
  if (use.lib === 'next-auth' && major !== undefined && major !== '5') return undefined;
  const inPackage = col.modules.filter((m) => !pkg || col.packageFor(m.file.abs) === pkg);
  const trustHost = inPackage.flatMap((m) => m.facts.authJs).find((a) => a.trustHost)?.trustHost;
  const dir = pkg ? pkg.dir : dirname(mod.file.abs);
  const env = authEnv(col, dir, pkg);
  const settings: Record<string, Valued<unknown>> = {
    authjs: valued(use.lib, 'literal', use.ref, range ? { note: `${use.lib} ${range}` } : {}),
  };
  if (trustHost) settings.trustHost = evalToValued(trustHost.eval, trustHost.ref, undefined, env.vars);
  for (const k of ['AUTH_URL', 'AUTH_TRUST_HOST', 'VERCEL', 'CF_PAGES', 'NODE_ENV', 'NEXTAUTH_URL']) {
    const v = env.vars[k];
    if (v) settings[`env ${k}`] = v;
  }
  settings.deployments = valued(
    env.deployments.map((d) => ({ via: d.via, file: d.ref.file, line: d.ref.line, snippet: d.ref.snippet, openEnv: d.openEnv })),
    'computed',
    env.deployments[0]?.ref,
  );
  const edge = col.kube().edges[0];
  if (edge) settings['front (kubernetes)'] = valued(edge.what, 'literal', edge.ref);
  if (edge?.tlsRef) settings['front (kubernetes) tls'] = valued('TLS ends here', 'literal', edge.tlsRef);
  const fw: FrameworkFacts = {
    kind: use.lib === 'next-auth' ? 'nextjs' : 'express',
    file: mod.file.display,
    module: use.lib,
    usesServerScheme: false,
    settings,
  };
  if (major) fw.assumedVersion = `${use.lib} ${major}`;
  return fw;
}

export const nodeAppCollector: Collector = {
  name: 'node',
  collect(ctx) {
    const col = new NodeCollection(ctx);
    col.scan();
    col.config = new ConfigIndex(
      ctx,
      col.modules.flatMap((m) => m.facts.schemaDefaults),
    );
    const apps: Array<{ app: NodeApp; abs: string }> = [];
    const all: NodeApp[] = [];
    const absByDisplay = new Map<string, string>();
    for (const m of col.modules) {
      absByDisplay.set(m.file.display, m.file.abs);
      for (const a of m.facts.apps) {
        apps.push({ app: a, abs: m.file.abs });
        all.push(a);
      }
    }
    attachAdapters(apps, col.modules);
    const detached = col.modules.flatMap((m) => m.facts.detached);
    for (const extra of attachDetached(all, detached))
      apps.push({ app: extra, abs: absByDisplay.get(extra.file) ?? resolve(extra.file) });
    attachForwarded(
      all,
      col.modules.flatMap((m) => m.facts.detachedForwarded),
    );
    attachServes(
      col,
      apps,
      col.modules.flatMap((m) => m.facts.detachedServes),
    );
    attachListens(
      col,
      apps,
      col.modules.flatMap((m) => m.facts.detachedListens.map((listen) => ({ from: m.file.abs, listen }))),
    );
    resolveListenTemplates(all, col.modules);
    for (const { app, abs } of apps) {
      const { fw, server, svc } = buildApp(col, app, abs);
      addProjectFacts(col, fw, abs);
      if (app.kind === 'hono') honoHeaderScheme(fw, server);
      ctx.facts.frameworks.push(fw);
      if (server) ctx.facts.appServers.push(server);
      // One framework (its code is one), a server per container that runs it.
      for (const other of server && svc ? sameLaunch(ctx, svc) : []) {
        const more = buildApp(col, app, abs, other).server;
        if (!more) continue;
        if (app.kind === 'hono') honoHeaderScheme(fw, more);
        ctx.facts.appServers.push(more);
      }
    }
    // Next.js servers (`next start` from a unit or the start script) and their app end (collectors/node/next.ts).
    const units = col.units.map((u) => ({ display: u.display, dir: dirname(u.abs), text: ctx.read(u).toString('utf8') }));
    const started = col.packages.some((p) => p.deps.next) ? containerNextLaunches(ctx) : [];
    for (const pkg of col.packages) {
      const own = col.nextSources.filter((x) => col.packageFor(x.abs) === pkg);
      // A container's launch runs the package its build context (or the compose file's folder) holds.
      const mine = started.filter((l) => pkg.dir === l.context || pkg.dir.startsWith(l.context + sep)).map((l) => l.launch);
      const next = nextServers(pkg, units, ctx.facts.sources, own, mine);
      ctx.facts.appServers.push(...next.servers);
      if (next.fw) ctx.facts.frameworks.push(next.fw);
    }
    for (const m of col.modules) {
      const auth = m.facts.authJs.length > 0 ? buildAuthJs(col, m) : undefined;
      if (auth) ctx.facts.frameworks.push(auth);
    }
    for (const m of col.modules) {
      if (!m.facts.adapterNode || !/^svelte\.config\.[mc]?[jt]s$/.test(basename(m.file.abs))) continue;
      const { fw, servers } = buildSvelteKit(col, m);
      ctx.facts.frameworks.push(fw);
      ctx.facts.appServers.push(...servers);
    }
    for (const m of col.modules) {
      if (m.facts.adapterNode || !m.facts.adapterAuto || !/^svelte\.config\.[mc]?[jt]s$/.test(basename(m.file.abs))) continue;
      const fw = buildSvelteKitAuto(col, m);
      if (fw) ctx.facts.frameworks.push(fw);
    }
  },
};

/**
 * The Next.js servers containers start (compose `command:`, an image's CMD/ENTRYPOINT, the script either runs): `next
 * start` (also `npx next start`), a package manager's script (`npm start`: the package decides in nextServers), a
 * standalone build's `node server.js`, each in a compose service's container. Units and Procfiles are not read here:
 * the unit path of nextServers reads those.
 */
function containerNextLaunches(ctx: CollectContext): Array<{ context: string; launch: NextLaunch }> {
  const launches = commandLaunches(ctx, ctx.facts, {
    mentions: /\bnext\b|\b(?:npm|yarn|pnpm)\b|server\.js/,
    match: (words): true | undefined =>
      nextStartOptions(words) ||
      words.some((w) => /(?:^|\/)(?:npm|yarn|pnpm)$/.test(w)) ||
      standaloneServer(words, '.next/standalone')
        ? true
        : undefined,
    lines: false,
  });
  const out: Array<{ context: string; launch: NextLaunch }> = [];
  for (const l of launches) {
    // An image no compose service runs is deployed by whoever runs it (Kubernetes, a platform, behind a NetworkPolicy):
    // its CMD says what starts, not where it is reachable, as a package's own start script does (nextServers).
    if (!l.service) continue;
    const dockerfile = l.image ? ctx.files.find((f) => f.display === l.image?.file) : undefined;
    const imageText = dockerfile ? ctx.read(dockerfile).toString('utf8') : undefined;
    const standalone = !nextStartOptions(l.words) && standaloneServer(l.words, imageText);
    if (!standalone && !nextStartOptions(l.words) && !l.words.some((w) => /(?:^|\/)(?:npm|yarn|pnpm)$/.test(w))) continue;
    out.push({
      context: l.context ?? '',
      launch: {
        argv: l.words,
        ref: l.ref,
        via: l.service ? 'compose' : l.via,
        env: l.env,
        ...(standalone ? { standalone } : {}),
        ...(l.service ? { service: l.service.name } : {}),
        place: (b) => placeBind(b, l),
      },
    });
  }
  return out;
}

export type { Setting };
