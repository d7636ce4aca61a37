/**
 * Reads one parsed JS/TS module and finds the web apps it creates and how each is told about proxies:
 * Express `app.set('trust proxy', v)` / `app.enable('trust proxy')`, Fastify `fastify({ trustProxy })`,
 * Koa `new Koa({ proxy })` / `app.proxy = v` / `proxyIpHeader` / `maxIpsCount`, NestJS
 * `NestFactory.create<NestExpressApplication>()` (+ `app.set('trust proxy', v)`) or `new FastifyAdapter({ trustProxy })`,
 * Hono `new Hono()`, `listen(port, host)` calls (also through `http.createServer(app)`), and use of
 * `@proxyproof/forwarded`'s middleware. Bindings are followed by name within the module only.
 */
import type { SourceRef } from '../../model/facts.js';
import { type Eval, evaluate, type Node, objectProps, type Scope, textOf, topLevelConsts, unwrap } from './js.js';

export type NodeAppKind = 'express' | 'fastify' | 'koa' | 'nestjs' | 'hono';

export interface Setting {
  eval: Eval;
  ref: SourceRef;
  /** How it was written: `app.set('trust proxy', ...)`, `app.enable('trust proxy')`, `fastify({ trustProxy })`... */
  how: string;
}

export interface ForwardedUse {
  name: string;
  ref: SourceRef;
  /** policy options: trust / hops / headers / onConflict (Eval each), when written as an object literal */
  options?: Record<string, Eval>;
}

export interface ListenCall {
  port?: Eval;
  host?: Eval;
  /** listen(path) / listen({ path }) */
  path?: Eval;
  ref: SourceRef;
  tls: boolean;
  /** The port the call listens on when it names none: @hono/node-server's `serve()` uses 3000 (`options.port ?? 3000`). */
  defaultPort?: number;
}

export interface NodeApp {
  kind: NodeAppKind;
  file: string;
  ref: SourceRef;
  variable: string;
  /** NestJS: the platform underneath. */
  platform?: 'express' | 'fastify';
  /** NestJS on Fastify: the adapter imported from another module of the app (`import { fastifyApp } from './x'`). */
  adapterImport?: { module: string; name: string };
  trustProxy?: Setting;
  proxyIpHeader?: Setting;
  maxIpsCount?: Setting;
  listens: ListenCall[];
  /** `@proxyproof/forwarded` middleware used on this app, with its policy options as far as they are literal. */
  forwardedLib?: ForwardedUse;
  /** Fastify created with its own `https` option (TLS ends in the app). */
  ownTls?: boolean;
  /** The same variable created again in another branch (`x = fastify({ https, ... })` / `x = fastify({...})`). */
  alsoCreated?: SourceRef[];
}

/** A `serve()` call whose handler this module did not create: the call, and the handler's name (`app` of `app.fetch`). */
export interface DetachedServe {
  call: ListenCall;
  handler?: string;
}

/** A `listen()` of a server created on another module's app: the call and the module specifier as written. */
export interface DetachedListen {
  call: ListenCall;
  module: string;
}

/** `X.set('trust proxy', v)` on an object this module did not create (e.g. `configure(app)` in another file). */
export interface DetachedSetting extends Setting {
  file: string;
  nest: boolean;
}

/** A function that calls `<app>.listen(...)` with its own parameters: `function listenLab(app, host, port)`. */
export interface ListenTemplate {
  name: string;
  /** parameter index, or the value when written in the function */
  port?: number | Eval;
  host?: number | Eval;
  /** the listen call inside the function */
  ref: SourceRef;
  /**
   * The parameter whose app the function serves (`function start(port, host, app) { http.createServer(app.callback())
   * ... }`) and whether that server is https/http2's.
   */
  appParam?: number;
  tls?: boolean;
}

/** An app another module's exported function hands to a callback: `mod.setupApp((app) => ...)`. */
export interface AppHandoff {
  /** the module as written (relative) and the function's exported name */
  module: string;
  export: string;
}

/** An exported function that creates an app and passes it to one of its parameters: `export function setupApp(done)`. */
export interface AppFactory {
  export: string;
  app: NodeApp;
}

/** A call `name(args...)` by plain identifier, with its arguments evaluated. */
export interface NamedCall {
  name: string;
  args: Eval[];
  ref: SourceRef;
  /** Arguments that are the app a callback receives from another module's exported factory (by index). */
  handed?: Array<AppHandoff | undefined>;
}

/** A session middleware and how its cookie's Secure flag is decided. */
export interface SessionUse {
  /** `express-session`, `koa-session`, `cookie-session`. */
  lib: string;
  ref: SourceRef;
  /** The cookie's `secure` option (express-session: `cookie.secure`; koa-session/cookie-session: `secure`). */
  secure?: Eval;
  secureRef?: SourceRef;
  /** express-session's own `proxy` option (true: read X-Forwarded-Proto itself; false: never). */
  proxy?: Eval;
  /** The cookie's `maxAge` (milliseconds in all three libraries; koa-session also takes 'session') and `domain`, when written. */
  maxAge?: Eval;
  domain?: Eval;
  /** The app variable it is installed on (`app.use(session(...))`), when written so. */
  appVar?: string;
  /**
   * `if (switch) { opts.cookie.secure = false }` on the options object passed to the middleware: the Secure flag
   * turned off when the switch is on (`force_insecure_cookies`, `INSECURE_COOKIES`).
   */
  forcedOff?: { guard: Eval; ref: SourceRef; guardRef: SourceRef };
}

/** Auth.js (next-auth v5, @auth/*) set up in this module: `NextAuth({...})`, `ExpressAuth({...})`. */
export interface AuthJsUse {
  lib: string;
  ref: SourceRef;
  /** `trustHost` written in a config object of this module (any object literal passed to or spread into the call). */
  trustHost?: { eval: Eval; ref: SourceRef };
}

/** Code that takes the client address from a request header itself (`req.headers['x-forwarded-for']`). */
export interface ClientIpRead {
  /** Lower-case header name, or `env:NAME` when the name comes from an environment variable. */
  header: string;
  ref: SourceRef;
}

/** A convict-style schema entry: `trust_proxy: { default: 1, env: 'TRUST_PROXY' }`. */
export interface SchemaDefault {
  key: string;
  value: Eval;
  envVar?: string;
  ref: SourceRef;
}

export interface ModuleFacts {
  sessions: SessionUse[];
  authJs: AuthJsUse[];
  clientIpReads: ClientIpRead[];
  schemaDefaults: SchemaDefault[];
  apps: NodeApp[];
  detached: DetachedSetting[];
  /** @proxyproof/forwarded middleware installed on an object this module did not create. */
  detachedForwarded: ForwardedUse[];
  /** @hono/node-server `serve({ fetch: app.fetch })` of a Hono app this module did not create (`import app from './app'`). */
  detachedServes: DetachedServe[];
  /**
   * `http.createServer(app).listen(port)` where `app` is another module's export (`require('../app')`): express-generator's
   * `bin/www`. The module as written; the collector attaches the listen to the app that module creates.
   */
  detachedListens: DetachedListen[];
  listenTemplates: ListenTemplate[];
  calls: NamedCall[];
  appFactories: AppFactory[];
  /** `import adapter from '@sveltejs/adapter-node'` and the adapter call's options. */
  adapterNode?: { ref: SourceRef; envPrefix?: Eval };
  /** `import adapter from '@sveltejs/adapter-auto'` called in the config: it builds no Node server off its platforms. */
  adapterAuto?: { ref: SourceRef };
  imports: Set<string>;
  /** NestJS `FastifyAdapter`s this module exports, by exported name: their `trustProxy` (null: not written). */
  fastifyAdapters: Map<string, Setting | null>;
}

const FORWARDED_ADAPTERS = new Set(['expressForwarded', 'fastifyForwarded', 'koaForwarded', 'honoForwarded']);

/** `a.b.c` for a chain of plain member accesses on an identifier; undefined otherwise. */
function memberPath(node: Node): string | undefined {
  const n = unwrap(node);
  if (n?.type === 'Identifier') return n.name;
  if (n?.type !== 'MemberExpression' || n.computed || n.property?.type !== 'Identifier') return undefined;
  const head = memberPath(n.object);
  return head === undefined ? undefined : `${head}.${n.property.name}`;
}

/** Iterates every AST node (any node type, including TypeScript's), bounded. */
function* nodes(root: Node): Generator<Node> {
  const stack: Node[] = [root];
  let count = 0;
  while (stack.length > 0) {
    const n = stack.pop();
    if (++count > 2_000_000) return;
    yield n;
    for (const key in n) {
      if (key === 'loc' || key === 'range' || key === 'start' || key === 'end') continue;
      const v = n[key];
      if (Array.isArray(v)) {
        for (let i = v.length - 1; i >= 0; i--) if (v[i] && typeof v[i].type === 'string') stack.push(v[i]);
      } else if (v && typeof v === 'object' && typeof v.type === 'string') stack.push(v);
    }
  }
}

/**
 * Top-level functions that return their first parameter parsed as a number (`function normalizePort(val) { var port =
 * parseInt(val, 10); ... }`, express-generator's `bin/www`): a call is read as `Number(argument)`.
 */
function numericFunctions(ast: Node): Set<string> {
  const out = new Set<string>();
  for (const st of ast.body ?? []) {
    if (st.type !== 'FunctionDeclaration' || !st.id || st.params[0]?.type !== 'Identifier') continue;
    const param = st.params[0].name;
    for (const n of nodes(st.body)) {
      if (n.type !== 'CallExpression' || unwrap(n.arguments[0])?.name !== param) continue;
      const callee = unwrap(n.callee);
      const parses =
        callee?.type === 'Identifier'
          ? /^(parseInt|Number)$/.test(callee.name)
          : callee?.type === 'MemberExpression' && callee.property?.name === 'parseInt';
      if (parses) {
        out.add(st.id.name);
        break;
      }
    }
  }
  return out;
}

/**
 * Top-level `var`/`let` bindings never assigned again (`var port = normalizePort(...)`), read like a `const` where
 * no `const` of that name is known.
 */
function addSingleAssignedVars(ast: Node, src: string, scope: Scope): void {
  const assigned = new Set<string>();
  for (const n of nodes(ast)) {
    if (n.type === 'AssignmentExpression' && n.left?.type === 'Identifier') assigned.add(n.left.name);
    else if (n.type === 'UpdateExpression' && n.argument?.type === 'Identifier') assigned.add(n.argument.name);
  }
  for (const st of ast.body ?? []) {
    if (st.type !== 'VariableDeclaration' || st.kind === 'const') continue;
    for (const d of st.declarations) {
      const name = d.id?.type === 'Identifier' ? d.id.name : undefined;
      if (!name || !d.init || assigned.has(name) || scope.consts.has(name)) continue;
      const v = evaluate(d.init, src, scope);
      if (v.kind !== 'unknown') scope.consts.set(name, v);
    }
  }
}

export function analyzeModule(ast: Node, src: string, file: string, lines: string[]): ModuleFacts {
  const scope: Scope = topLevelConsts(ast, src);
  const ref = (node: Node): SourceRef => {
    const line = node.loc?.start?.line ?? 1;
    return { file, line, column: (node.loc?.start?.column ?? 0) + 1, snippet: (lines[line - 1] ?? '').trim() };
  };
  // `X.set('port', v)` ... `X.get('port')` (Express app settings, and any store written the same way), and
  // `conf.get('trust_proxy')` read from the app's configuration by key (resolved against config files later).
  const stored = new Map<string, Node>();
  for (const n of nodes(ast)) {
    if (n.type !== 'CallExpression' || n.arguments.length !== 2) continue;
    const c = unwrap(n.callee);
    const k = unwrap(n.arguments[0]);
    if (c?.type !== 'MemberExpression' || c.computed || c.property?.name !== 'set') continue;
    if (k?.type !== 'Literal' || typeof k.value !== 'string' || k.value === 'trust proxy') continue;
    if (!stored.has(k.value)) stored.set(k.value, n.arguments[1]);
  }
  const resolving = new Set<string>();
  const numeric = numericFunctions(ast);
  scope.resolveCall = (call: Node): Eval | undefined => {
    const c = unwrap(call.callee);
    // `normalizePort(process.env.PORT || '3000')`: a function of this module that parses its argument as a number.
    if (c?.type === 'Identifier' && numeric.has(c.name) && call.arguments.length >= 1) {
      const inner = evaluate(call.arguments[0], src, scope);
      if (inner.kind === 'literal' && /^\d+$/.test(String(inner.value))) return { kind: 'literal', value: Number(inner.value) };
      if (inner.kind === 'env' && inner.convert === undefined)
        return { ...inner, convert: 'number', fallback: inner.hasFallback ? Number(inner.fallback) : inner.fallback };
      return undefined;
    }
    const k = call.arguments.length === 1 ? unwrap(call.arguments[0]) : undefined;
    if (c?.type !== 'MemberExpression' || c.computed || c.property?.name !== 'get') return undefined;
    if (k?.type !== 'Literal' || typeof k.value !== 'string') return undefined;
    const key = k.value;
    const setNode = stored.get(key);
    if (setNode && !resolving.has(key)) {
      resolving.add(key);
      try {
        return evaluate(setNode, src, scope);
      } finally {
        resolving.delete(key);
      }
    }
    const obj = unwrap(c.object);
    // Request/response/header objects are not configuration.
    if (obj?.type !== 'Identifier' || /^(req|request|res|response|ctx|c|headers|map|cache|params|query)$/i.test(obj.name))
      return undefined;
    return { kind: 'unknown', text: textOf(src, call), configKey: key };
  };
  addSingleAssignedVars(ast, src, scope);
  /** local name -> 'module' (default/namespace) or 'module#export' */
  const bindings = new Map<string, string>();
  /** `const name = <init>` anywhere in the module (the first one): an adapter made before NestFactory.create. */
  const declared = new Map<string, Node>();
  const imports = new Set<string>();
  const requireOf = (n: Node): string | undefined => {
    const c = unwrap(n);
    if (
      c?.type === 'CallExpression' &&
      c.callee?.type === 'Identifier' &&
      c.callee.name === 'require' &&
      c.arguments[0]?.type === 'Literal'
    )
      return String(c.arguments[0].value);
    if (c?.type === 'ImportExpression' && c.source?.type === 'Literal') return String(c.source.value);
    return undefined;
  };
  for (const n of nodes(ast)) {
    if (n.type === 'ImportDeclaration' && typeof n.source?.value === 'string') {
      const mod = n.source.value as string;
      imports.add(mod);
      for (const s of n.specifiers) {
        if (s.type === 'ImportDefaultSpecifier' || s.type === 'ImportNamespaceSpecifier') bindings.set(s.local.name, mod);
        else if (s.type === 'ImportSpecifier') bindings.set(s.local.name, `${mod}#${s.imported.name ?? s.imported.value}`);
      }
    } else if (n.type === 'VariableDeclarator' && n.init) {
      if (n.id.type === 'Identifier' && !declared.has(n.id.name)) declared.set(n.id.name, n.init);
      const mod = requireOf(n.init);
      if (mod === undefined) continue;
      imports.add(mod);
      if (n.id.type === 'Identifier') bindings.set(n.id.name, mod);
      else if (n.id.type === 'ObjectPattern') {
        for (const p of n.id.properties) {
          if (p.type === 'Property' && p.key.type === 'Identifier' && p.value.type === 'Identifier')
            bindings.set(p.value.name, `${mod}#${p.key.name}`);
        }
      }
    } else if (n.type === 'CallExpression') {
      const mod = requireOf(n);
      if (mod !== undefined) imports.add(mod);
    }
  }
  const boundTo = (callee: Node): string | undefined => {
    const c = unwrap(callee);
    if (c?.type === 'Identifier') return bindings.get(c.name);
    const r = requireOf(c);
    if (r !== undefined) return r;
    // express.default(), fastify.fastify()
    if (c?.type === 'MemberExpression' && !c.computed && c.object.type === 'Identifier') {
      const b = bindings.get(c.object.name);
      if (b && !b.includes('#')) return `${b}#${c.property.name}`;
    }
    return undefined;
  };
  const is = (b: string | undefined, ...names: string[]) => b !== undefined && names.includes(b);

  const apps: NodeApp[] = [];
  const byVar = new Map<string, NodeApp>();
  /** A server on this module's app, or on the app another module exports (`module`, a relative specifier). */
  const servers = new Map<string, { app?: NodeApp; module?: string; tls: boolean }>();
  const detachedListens: DetachedListen[] = [];
  const detached: DetachedSetting[] = [];
  const detachedForwarded: ModuleFacts['detachedForwarded'] = [];
  const detachedServes: DetachedServe[] = [];
  let adapterNode: ModuleFacts['adapterNode'];
  let adapterAuto: ModuleFacts['adapterAuto'];

  const keyOf = (target: Node): string | undefined => {
    const t = unwrap(target);
    if (t?.type === 'Identifier') return t.name;
    if (t?.type === 'MemberExpression' && !t.computed && (t.object.type === 'ThisExpression' || t.object.type === 'Identifier'))
      return textOf(src, t);
    return undefined;
  };

  /** If `init` creates an app, the app (not yet registered). */
  const creation = (initNode: Node, variable: string): NodeApp | undefined => {
    const init = unwrap(initNode);
    if (!init) return undefined;
    const base = (kind: NodeAppKind): NodeApp => ({ kind, file, ref: ref(init), variable, listens: [] });
    if (init.type === 'CallExpression') {
      const b = boundTo(init.callee);
      if (is(b, 'express', 'express#default')) return base('express');
      if (is(b, 'fastify', 'fastify#fastify', 'fastify#default')) {
        const app = base('fastify');
        const opts = init.arguments[0] ? objectProps(init.arguments[0]) : undefined;
        const tp = opts?.props.get('trustProxy');
        if (opts?.props.has('https') || opts?.props.has('http2')) app.ownTls = true;
        if (tp) app.trustProxy = { eval: evaluate(tp, src, scope), ref: ref(tp), how: 'fastify({ trustProxy })' };
        else if (opts?.spread)
          app.trustProxy = {
            eval: { kind: 'unknown', text: textOf(src, init.arguments[0]) },
            ref: ref(init),
            how: 'fastify({ ...options })',
          };
        return app;
      }
      const callee = unwrap(init.callee);
      if (
        callee?.type === 'MemberExpression' &&
        !callee.computed &&
        callee.property.name === 'create' &&
        is(boundTo(callee.object), '@nestjs/core#NestFactory')
      ) {
        const app = base('nestjs');
        const typeArgs = init.typeArguments ?? init.typeParameters;
        const typeText = typeArgs ? textOf(src, typeArgs) : '';
        const written = init.arguments[1] ? unwrap(init.arguments[1]) : undefined;
        // The adapter inline, or a variable holding it (`const adapter = new FastifyAdapter({...})`).
        const adapterArg =
          written?.type === 'Identifier' && declared.has(written.name) ? unwrap(declared.get(written.name)) : written;
        const imported = written?.type === 'Identifier' ? bindings.get(written.name) : undefined;
        if (adapterArg?.type === 'NewExpression' && is(boundTo(adapterArg.callee), '@nestjs/platform-fastify#FastifyAdapter')) {
          app.platform = 'fastify';
          const opts = adapterArg.arguments[0] ? objectProps(adapterArg.arguments[0]) : undefined;
          const tp = opts?.props.get('trustProxy');
          if (tp) app.trustProxy = { eval: evaluate(tp, src, scope), ref: ref(tp), how: 'new FastifyAdapter({ trustProxy })' };
          else if (opts?.spread)
            app.trustProxy = {
              eval: { kind: 'unknown', text: textOf(src, adapterArg.arguments[0]) },
              ref: ref(adapterArg),
              how: 'new FastifyAdapter({ ...options })',
            };
        } else if (
          imported?.startsWith('.') &&
          (/NestFastifyApplication/.test(typeText) || imports.has('@nestjs/platform-fastify'))
        ) {
          // An adapter another module of the app makes (`import { fastifyApp } from './adapter'`): Fastify, its
          // trustProxy read from that module (collector.ts attachAdapters); until then "set, value not read".
          const [module, name] = imported.split('#') as [string, string | undefined];
          app.platform = 'fastify';
          app.adapterImport = { module, name: name ?? 'default' };
          app.trustProxy = {
            eval: { kind: 'unknown', text: `${written?.name} (${module})` },
            ref: ref(init),
            how: `the adapter ${written?.name} from ${module}`,
          };
        } else {
          app.platform = /NestFastifyApplication/.test(typeText) ? 'fastify' : 'express';
        }
        return app;
      }
    }
    if (init.type === 'NewExpression') {
      const b = boundTo(init.callee);
      if (is(b, 'koa', 'koa#default', 'koa#Koa')) {
        const app = base('koa');
        const opts = init.arguments[0] ? objectProps(init.arguments[0]) : undefined;
        for (const [k, field] of [
          ['proxy', 'trustProxy'],
          ['proxyIpHeader', 'proxyIpHeader'],
          ['maxIpsCount', 'maxIpsCount'],
        ] as const) {
          const v = opts?.props.get(k);
          if (v) app[field] = { eval: evaluate(v, src, scope), ref: ref(v), how: `new Koa({ ${k} })` };
        }
        return app;
      }
      // @hono/zod-openapi's OpenAPIHono extends Hono (its README: `new OpenAPIHono()` is used as a Hono app).
      if (is(b, 'hono#Hono', '@hono/zod-openapi#OpenAPIHono')) return base('hono');
    }
    return undefined;
  };

  const register = (app: NodeApp) => {
    const prev = byVar.get(app.variable);
    if (prev && prev.kind === app.kind && prev.file === app.file) {
      // One app created in two branches: behind a proxy the plain-HTTP creation is the one that runs.
      const [primary, other] = prev.ownTls && !app.ownTls ? [app, prev] : [prev, app];
      primary.alsoCreated = [...(primary.alsoCreated ?? []), other.trustProxy?.ref ?? other.ref];
      if (primary !== prev) {
        apps[apps.indexOf(prev)] = primary;
        byVar.set(app.variable, primary);
      }
      return;
    }
    apps.push(app);
    byVar.set(app.variable, app);
  };

  /**
   * `http.createServer(app)` / `https.createServer(opts, app.callback())` on an app of this module, or on another
   * module's (`var app = require('../app')`, `createServer(require('../app'))`): the app and whether TLS ends there.
   */
  const serverOf = (expr: Node): { app?: NodeApp; module?: string; tls: boolean } | undefined => {
    const c = unwrap(expr);
    if (c?.type !== 'CallExpression') return undefined;
    const callee = unwrap(c.callee);
    const fn =
      callee?.type === 'MemberExpression' ? callee.property?.name : callee?.type === 'Identifier' ? callee.name : undefined;
    if (fn !== 'createServer' && fn !== 'createSecureServer') return undefined;
    const mod = callee.type === 'MemberExpression' ? bindings.get(callee.object?.name) : bindings.get(callee.name)?.split('#')[0];
    const tls = /^(node:)?(https|http2)$/.test(mod ?? '');
    let found: { module: string; tls: boolean } | undefined;
    for (const a of c.arguments) {
      const arg = unwrap(a);
      const k =
        arg?.type === 'CallExpression' && arg.callee?.type === 'MemberExpression' && arg.callee.property?.name === 'callback'
          ? keyOf(arg.callee.object)
          : keyOf(arg);
      const linked = k ? byVar.get(k) : undefined;
      if (linked) return { app: linked, tls };
      const other = arg?.type === 'Identifier' && !byVar.has(arg.name) ? bindings.get(arg.name) : requireOf(arg);
      if (other !== undefined && /^\.\.?\//.test(other)) found ??= { module: other, tls };
    }
    return found;
  };

  // Pass 1: creations and http(s).createServer(app)
  for (const n of nodes(ast)) {
    let target: string | undefined;
    let init: Node;
    if (n.type === 'VariableDeclarator' && n.init) {
      target = keyOf(n.id);
      init = n.init;
    } else if (n.type === 'AssignmentExpression' && n.operator === '=') {
      target = keyOf(n.left);
      init = n.right;
    } else if (n.type === 'AssignmentPattern') {
      // A parameter's default: `function init(app: Koa = new Koa()) { app.proxy = true; ... }`.
      target = keyOf(n.left);
      init = n.right;
    } else continue;
    if (!target) continue;
    const app = creation(init, target);
    if (app) {
      register(app);
      continue;
    }
    const server = serverOf(init);
    if (server && !servers.has(target)) servers.set(target, server);
    else if (server?.app) servers.set(target, server);
  }
  // Apps created inline, never assigned: `express().listen(3000)` is rare; `export default new Hono()` is common.
  for (const n of nodes(ast)) {
    if (n.type === 'ExportDefaultDeclaration') {
      const app = creation(n.declaration, '(default export)');
      if (app && !apps.some((a) => a.ref.line === app.ref.line)) register(app);
    }
  }

  const adapterName = (x: Node): string | undefined => {
    if (x?.type !== 'Identifier') return undefined;
    const b = bindings.get(x.name);
    return b?.startsWith('@proxyproof/forwarded#') && FORWARDED_ADAPTERS.has(b.slice(b.indexOf('#') + 1))
      ? b.slice(b.indexOf('#') + 1)
      : undefined;
  };
  const policyOptions = (obj: Node | undefined): Record<string, Eval> | undefined => {
    const o = obj ? objectProps(obj) : undefined;
    if (!o) return undefined;
    const out: Record<string, Eval> = {};
    for (const k of ['trust', 'hops', 'headers', 'onConflict', 'redirectToHttps']) {
      const v = o.props.get(k);
      if (v) out[k] = evaluate(v, src, scope);
    }
    return out;
  };
  /** The middleware in a .use()/.register() argument: `expressForwarded({...})`, or `fastifyForwarded` + options. */
  const forwardedUse = (call: Node, argIndex: number): ForwardedUse | undefined => {
    const arg = unwrap(call.arguments[argIndex]);
    const direct = adapterName(arg);
    if (direct) {
      const u: ForwardedUse = { name: direct, ref: ref(call) };
      const opts = policyOptions(call.arguments[argIndex + 1]);
      if (opts) u.options = opts;
      return u;
    }
    for (const x of nodes(arg)) {
      if (x.type !== 'CallExpression') continue;
      const name = adapterName(unwrap(x.callee));
      if (!name) continue;
      const u: ForwardedUse = { name, ref: ref(call) };
      const opts = policyOptions(x.arguments[0]);
      if (opts) u.options = opts;
      return u;
    }
    return undefined;
  };

  /**
   * @hono/node-server's `serve(options)` (dist/server.mjs 1.19: `server.listen(options?.port ?? 3e3, options.hostname)`,
   * the handler is `options.fetch`): `serve({ fetch: app.fetch, port, hostname })` or `serve(app)` (a Hono app has
   * its own `fetch`). Without `hostname` Node listens on every interface.
   */
  const honoServe = (n: Node): void => {
    const first = n.arguments[0] ? unwrap(n.arguments[0]) : undefined;
    if (!first) return;
    const call: ListenCall = { ref: ref(n), tls: false, defaultPort: 3000 };
    const opts = objectProps(first);
    let handler: Node | undefined = first;
    if (opts) {
      const p = opts.props.get('port');
      const h = opts.props.get('hostname');
      if (p) call.port = evaluate(p, src, scope);
      if (h) call.host = evaluate(h, src, scope);
      // Its own TLS: `createServer: https.createServer` / http2's createSecureServer with serverOptions.
      const cs = opts.props.get('createServer');
      if (cs && /\b(?:https|createSecureServer)\b/.test(textOf(src, cs))) call.tls = true;
      const f = opts.props.get('fetch');
      const path = f ? memberPath(f) : undefined;
      handler = path?.endsWith('.fetch') ? ({ type: 'Identifier', name: path.slice(0, -'.fetch'.length) } as Node) : undefined;
    }
    const key = handler ? keyOf(handler) : undefined;
    const app = key ? byVar.get(key) : undefined;
    if (app?.kind === 'hono') app.listens.push(call);
    else if (!app) detachedServes.push(key ? { call, handler: key } : { call });
  };

  // Pass 2: settings and listen calls
  for (const n of nodes(ast)) {
    if (n.type === 'CallExpression' && is(boundTo(n.callee), '@hono/node-server#serve')) {
      honoServe(n);
      continue;
    }
    if (n.type === 'CallExpression') {
      const callee = unwrap(n.callee);
      if (callee?.type !== 'MemberExpression' || callee.computed) continue;
      const method = callee.property?.name as string | undefined;
      const objKey = keyOf(callee.object);
      const app = objKey ? byVar.get(objKey) : undefined;
      // `https.createServer(opts, app.callback()).listen(443)`: the server made on the spot.
      const server = objKey ? servers.get(objKey) : method === 'listen' ? serverOf(callee.object) : undefined;
      const first = n.arguments[0] ? unwrap(n.arguments[0]) : undefined;
      const firstIsTrustProxy = first?.type === 'Literal' && first.value === 'trust proxy';
      // Express's `app.set(name)` with one argument is the getter (application.js: `if (arguments.length === 1)
      // return this.settings[setting]`): it sets nothing.
      const setter = method === 'set' ? n.arguments.length >= 2 : method === 'enable' || method === 'disable';
      if (setter && firstIsTrustProxy) {
        const how = method === 'set' ? "app.set('trust proxy', ...)" : `app.${method}('trust proxy')`;
        const ev: Eval =
          method === 'set'
            ? n.arguments[1]
              ? evaluate(n.arguments[1], src, scope)
              : { kind: 'literal', value: undefined }
            : { kind: 'literal', value: method === 'enable' };
        const setting: Setting = { eval: ev, ref: ref(n), how };
        if (app && (app.kind === 'express' || app.kind === 'nestjs')) app.trustProxy = setting;
        else detached.push({ ...setting, file, nest: imports.has('@nestjs/core') || imports.has('@nestjs/platform-express') });
        continue;
      }
      if (method === 'use' || method === 'register') {
        for (let k = 0; k < n.arguments.length; k++) {
          const use = forwardedUse(n, k);
          if (!use) continue;
          if (app) app.forwardedLib = use;
          else detachedForwarded.push(use);
          break;
        }
        continue;
      }
      if (method === 'listen' && (app || server?.app || server?.module)) {
        const call: ListenCall = { ref: ref(n), tls: server?.tls ?? false };
        const owner = app ?? server?.app;
        const opts = first ? objectProps(first) : undefined;
        if (opts) {
          const p = opts.props.get('port');
          const h = opts.props.get('host');
          const path = opts.props.get('path');
          if (p) call.port = evaluate(p, src, scope);
          if (h) call.host = evaluate(h, src, scope);
          if (path) call.path = evaluate(path, src, scope);
        } else if (first) {
          const v = evaluate(first, src, scope);
          if (v.kind === 'literal' && typeof v.value === 'string' && !/^\d+$/.test(v.value)) call.path = v;
          else call.port = v;
          const second = n.arguments[1] ? unwrap(n.arguments[1]) : undefined;
          if (second && second.type !== 'ArrowFunctionExpression' && second.type !== 'FunctionExpression') {
            const h = evaluate(second, src, scope);
            if (!(h.kind === 'literal' && typeof h.value === 'number')) call.host = h;
          }
        }
        if (owner) owner.listens.push(call);
        else if (server?.module) detachedListens.push({ call, module: server.module });
        continue;
      }
      // @sveltejs/adapter-node: adapter({ envPrefix })
    }
    if (n.type === 'AssignmentExpression' && n.operator === '=' && n.left.type === 'MemberExpression' && !n.left.computed) {
      const objKey = keyOf(n.left.object);
      const app = objKey ? byVar.get(objKey) : undefined;
      const prop = n.left.property?.name;
      if (app?.kind === 'koa' && (prop === 'proxy' || prop === 'proxyIpHeader' || prop === 'maxIpsCount')) {
        const field: 'trustProxy' | 'proxyIpHeader' | 'maxIpsCount' = prop === 'proxy' ? 'trustProxy' : prop;
        app[field] = { eval: evaluate(n.right, src, scope), ref: ref(n), how: `app.${prop} = ...` };
      }
    }
  }

  // Session middleware: express-session, koa-session, cookie-session (options written inline or as a local object).
  const sessions: SessionUse[] = [];
  const localObjects = new Map<string, Node>();
  for (const n of nodes(ast))
    if (n.type === 'VariableDeclarator' && n.id?.type === 'Identifier' && unwrap(n.init)?.type === 'ObjectExpression')
      localObjects.set(n.id.name, unwrap(n.init));
  const optionsObject = (arg: Node | undefined): Node | undefined => {
    const a = arg ? unwrap(arg) : undefined;
    if (a?.type === 'ObjectExpression') return a;
    if (a?.type === 'Identifier') return localObjects.get(a.name);
    return undefined;
  };
  for (const n of nodes(ast)) {
    if (n.type !== 'CallExpression') continue;
    const b = boundTo(n.callee);
    const lib = b?.split('#')[0];
    if (lib !== 'express-session' && lib !== 'koa-session' && lib !== 'cookie-session') continue;
    if (b?.includes('#') && !/#(default|session)$/.test(b)) continue;
    const use: SessionUse = { lib, ref: ref(n) };
    const opts = optionsObject(n.arguments[0]);
    const props = opts ? objectProps(opts) : undefined;
    const cookieProps =
      lib === 'express-session' ? (props?.props.get('cookie') ? objectProps(props.props.get('cookie')) : undefined) : props;
    const secure = cookieProps?.props.get('secure');
    if (secure) {
      use.secure = evaluate(secure, src, scope);
      use.secureRef = ref(secure);
    }
    const maxAge = cookieProps?.props.get('maxAge');
    if (maxAge) use.maxAge = evaluate(maxAge, src, scope);
    const domain = cookieProps?.props.get('domain');
    if (domain) use.domain = evaluate(domain, src, scope);
    const proxy = lib === 'express-session' ? props?.props.get('proxy') : undefined;
    if (proxy) use.proxy = evaluate(proxy, src, scope);
    const optsVar = unwrap(n.arguments[0])?.type === 'Identifier' ? unwrap(n.arguments[0]).name : undefined;
    if (optsVar) {
      const path = lib === 'express-session' ? `${optsVar}.cookie.secure` : `${optsVar}.secure`;
      for (const st of nodes(ast)) {
        if (st.type !== 'IfStatement') continue;
        for (const x of nodes(st.consequent)) {
          if (x.type !== 'AssignmentExpression' || x.operator !== '=' || memberPath(x.left) !== path) continue;
          const v = evaluate(x.right, src, scope);
          if (v.kind === 'literal' && v.value === false)
            use.forcedOff = { guard: evaluate(st.test, src, scope), ref: ref(x), guardRef: ref(st.test) };
        }
      }
    }
    sessions.push(use);
  }

  // Auth.js: NextAuth(...) (next-auth v5), ExpressAuth(...) (@auth/express); `trustHost` in any object literal here.
  const authJs: AuthJsUse[] = [];
  const authModule = [...imports].some((m) => m === 'next-auth' || m.startsWith('@auth/'));
  let trustHost: AuthJsUse['trustHost'];
  if (authModule) {
    for (const n of nodes(ast)) {
      if (n.type === 'Property' && !n.computed && (n.key?.name === 'trustHost' || n.key?.value === 'trustHost'))
        trustHost = { eval: evaluate(n.shorthand ? n.key : n.value, src, scope), ref: ref(n) };
    }
    for (const n of nodes(ast)) {
      if (n.type !== 'CallExpression') continue;
      const b = boundTo(n.callee);
      if (b === 'next-auth' || b === 'next-auth#default' || b === '@auth/express#ExpressAuth') {
        const use: AuthJsUse = { lib: b.startsWith('next-auth') ? 'next-auth' : '@auth/express', ref: ref(n) };
        if (trustHost) use.trustHost = trustHost;
        authJs.push(use);
      }
    }
    if (authJs.length === 0 && trustHost) authJs.push({ lib: 'config', ref: trustHost.ref, trustHost });
  }

  // Client address taken from a header by the code itself, into something named like an address.
  const clientIpReads: ClientIpRead[] = [];
  const headerOf = (x: Node): string | undefined => {
    const e = unwrap(x);
    if (!e) return undefined;
    let key: Node | undefined;
    if (e.type === 'MemberExpression') {
      const o = unwrap(e.object);
      const onHeaders = o?.type === 'MemberExpression' && !o.computed && o.property?.name === 'headers';
      if (!onHeaders) return undefined;
      if (!e.computed) return String(e.property?.name ?? '').toLowerCase();
      key = e.property;
    } else if (e.type === 'CallExpression') {
      const c = unwrap(e.callee);
      if (c?.type !== 'MemberExpression' || c.computed || !['get', 'header', 'getHeader'].includes(c.property?.name))
        return undefined;
      const o = unwrap(c.object);
      // `req.get(h)` (Express), `ctx.get(h)` (Koa), Hono's `c.req.header(h)`, and the Fetch API's
      // `request.headers.get(h)` (Hono `c.req.raw.headers`, Next.js route handlers, SvelteKit `event.request`).
      const named = o?.type === 'Identifier' && /^(req|request|ctx|c)$/.test(o.name);
      const honoReq =
        o?.type === 'MemberExpression' &&
        !o.computed &&
        o.property?.name === 'req' &&
        unwrap(o.object)?.type === 'Identifier' &&
        /^(c|ctx|context)$/.test(unwrap(o.object).name);
      const fetchHeaders =
        c.property?.name === 'get' && o?.type === 'MemberExpression' && !o.computed && o.property?.name === 'headers';
      if (!named && !honoReq && !fetchHeaders) return undefined;
      key = e.arguments[0];
    } else return undefined;
    const k = unwrap(key);
    if (k?.type === 'Literal' && typeof k.value === 'string') return k.value.toLowerCase();
    const ev = k ? evaluate(k, src, scope) : undefined;
    if (ev?.kind === 'env') return `env:${ev.envVar}`;
    return undefined;
  };
  const CLIENT_HEADERS =
    /^(x-forwarded-for|x-real-ip|cf-connecting-ip|true-client-ip|x-client-ip|fly-client-ip|x-cluster-client-ip|fastly-client-ip)$/;
  const isClientHeader = (h: string) => CLIENT_HEADERS.test(h) || /^env:.*(IP_HEADER|CLIENT_IP|REAL_IP)/i.test(h);
  const addressName = (t: Node): boolean => {
    const x = unwrap(t);
    const name = x?.type === 'Identifier' ? x.name : x?.type === 'MemberExpression' && !x.computed ? x.property?.name : undefined;
    return typeof name === 'string' && /(^ip$|ip$|Ip$|IP$|^ip[A-Z_]|addr|address|clientip)/i.test(name);
  };
  const valueReads = (v: Node): string | undefined => {
    const x = unwrap(v);
    if (!x) return undefined;
    const direct = headerOf(x);
    if (direct) return direct;
    if (x.type === 'LogicalExpression') return valueReads(x.left) ?? valueReads(x.right);
    if (x.type === 'ConditionalExpression') return valueReads(x.consequent) ?? valueReads(x.alternate);
    // `req.headers['x-forwarded-for'].split(',')[0]`
    if (x.type === 'MemberExpression') return valueReads(x.object);
    if (x.type === 'CallExpression' && unwrap(x.callee)?.type === 'MemberExpression') return valueReads(unwrap(x.callee).object);
    return undefined;
  };
  for (const n of nodes(ast)) {
    let target: Node | undefined;
    let value: Node | undefined;
    if (n.type === 'VariableDeclarator' && n.init) {
      target = n.id;
      value = n.init;
    } else if (n.type === 'AssignmentExpression') {
      target = n.left;
      value = n.right;
    } else continue;
    if (!addressName(target)) continue;
    const h = valueReads(value);
    if (h && isClientHeader(h)) clientIpReads.push({ header: h, ref: ref(n) });
  }

  // convict-style schema entries: `key: { default: v, env: 'NAME' }` nested under their parents' keys.
  const schemaDefaults: SchemaDefault[] = [];
  const walkSchema = (obj: Node, path: string[], depth: number) => {
    if (depth > 6) return;
    for (const p of obj.properties ?? []) {
      if (p.type !== 'Property' || p.computed) continue;
      const key = p.key?.type === 'Identifier' ? p.key.name : p.key?.type === 'Literal' ? String(p.key.value) : undefined;
      const v = unwrap(p.value);
      if (!key || v?.type !== 'ObjectExpression') continue;
      const inner = objectProps(v);
      const d = inner?.props.get('default');
      if (d && (inner?.props.has('env') || inner?.props.has('format') || inner?.props.has('doc'))) {
        const envNode = inner?.props.get('env');
        const envEval = envNode ? evaluate(envNode, src, scope) : undefined;
        const sd: SchemaDefault = { key: [...path, key].join('.'), value: evaluate(d, src, scope), ref: ref(d) };
        if (envEval?.kind === 'literal' && typeof envEval.value === 'string') sd.envVar = envEval.value;
        schemaDefaults.push(sd);
      } else walkSchema(v, [...path, key], depth + 1);
    }
  };
  for (const n of nodes(ast)) {
    if (n.type !== 'CallExpression' || !is(boundTo(n.callee), 'convict', 'convict#default')) continue;
    const schema = optionsObject(n.arguments[0]);
    if (schema) walkSchema(schema, [], 0);
  }

  // SvelteKit adapter-node in svelte.config.*
  for (const n of nodes(ast)) {
    if (n.type !== 'CallExpression') continue;
    const b = boundTo(n.callee);
    if (b === '@sveltejs/adapter-node' || b === '@sveltejs/adapter-node#default') {
      const opts = n.arguments[0] ? objectProps(n.arguments[0]) : undefined;
      const prefix = opts?.props.get('envPrefix');
      adapterNode = { ref: ref(n) };
      if (prefix) adapterNode.envPrefix = evaluate(prefix, src, scope);
      break;
    }
    if (b === '@sveltejs/adapter-auto' || b === '@sveltejs/adapter-auto#default') adapterAuto ??= { ref: ref(n) };
  }
  // `koaApi.setupApp((app) => start(port, host, app))`: the callback's first parameter is the app the imported
  // function hands over; a plain call inside the callback that passes it on is marked with where it came from.
  const handed = new Map<Node, Array<AppHandoff | undefined>>();
  for (const n of nodes(ast)) {
    if (n.type !== 'CallExpression') continue;
    const b = boundTo(n.callee);
    const hash = b?.indexOf('#') ?? -1;
    if (!b || hash < 0 || !/^\.\.?\//.test(b)) continue;
    const from: AppHandoff = { module: b.slice(0, hash), export: b.slice(hash + 1) };
    for (const a of n.arguments) {
      const cb = unwrap(a);
      if (cb?.type !== 'ArrowFunctionExpression' && cb?.type !== 'FunctionExpression') continue;
      if (cb.params[0]?.type !== 'Identifier') continue;
      const param = cb.params[0].name;
      for (const x of nodes(cb.body)) {
        if (x.type !== 'CallExpression' || x.callee?.type !== 'Identifier') continue;
        const args = x.arguments.map((y: Node) => {
          const u = unwrap(y);
          return u?.type === 'Identifier' && u.name === param ? from : undefined;
        });
        if (args.some((y: AppHandoff | undefined) => y !== undefined)) handed.set(x, args);
      }
    }
  }
  // Listen templates: named functions whose `.listen(...)` takes their own parameters, and plain named calls.
  const listenTemplates: ListenTemplate[] = [];
  const calls: NamedCall[] = [];
  const paramIndex = (arg: Node, params: string[]): number | undefined => {
    let a = unwrap(arg);
    if (
      a?.type === 'CallExpression' &&
      a.callee?.type === 'Identifier' &&
      ['Number', 'parseInt', 'String'].includes(a.callee.name) &&
      a.arguments[0]
    )
      a = unwrap(a.arguments[0]);
    return a?.type === 'Identifier' && params.includes(a.name) ? params.indexOf(a.name) : undefined;
  };
  for (const n of nodes(ast)) {
    let name: string | undefined;
    let fn: Node;
    if (n.type === 'FunctionDeclaration' && n.id) {
      name = n.id.name;
      fn = n;
    } else if (
      n.type === 'VariableDeclarator' &&
      n.id?.type === 'Identifier' &&
      (n.init?.type === 'ArrowFunctionExpression' || n.init?.type === 'FunctionExpression')
    ) {
      name = n.id.name;
      fn = n.init;
    } else if (n.type === 'CallExpression' && n.callee?.type === 'Identifier' && n.callee.name !== 'require') {
      const call: NamedCall = { name: n.callee.name, args: n.arguments.map((a: Node) => evaluate(a, src, scope)), ref: ref(n) };
      const from = handed.get(n);
      if (from) call.handed = from;
      calls.push(call);
      continue;
    } else continue;
    const params: string[] = fn.params.map((p: Node) =>
      p.type === 'Identifier' ? p.name : p.type === 'AssignmentPattern' && p.left.type === 'Identifier' ? p.left.name : '',
    );
    // The server the function makes of a parameter: `http.createServer(app.callback())`, `https.createServer(opts, app)`.
    let served: { param: number; tls: boolean } | undefined;
    for (const c of nodes(fn.body)) {
      if (served || c.type !== 'CallExpression') continue;
      const callee = unwrap(c.callee);
      const fnName =
        callee?.type === 'MemberExpression' ? callee.property?.name : callee?.type === 'Identifier' ? callee.name : undefined;
      if (fnName !== 'createServer' && fnName !== 'createSecureServer') continue;
      const mod =
        callee.type === 'MemberExpression' ? bindings.get(callee.object?.name) : bindings.get(callee.name)?.split('#')[0];
      if (!/^(node:)?(https?|http2)$/.test(mod ?? '')) continue;
      for (const a of c.arguments) {
        const arg = unwrap(a);
        const target =
          arg?.type === 'CallExpression' && arg.callee?.type === 'MemberExpression' && arg.callee.property?.name === 'callback'
            ? unwrap(arg.callee.object)
            : arg;
        const idx = target?.type === 'Identifier' ? params.indexOf(target.name) : -1;
        if (idx >= 0) served = { param: idx, tls: /^(node:)?(https|http2)$/.test(mod ?? '') };
      }
    }
    for (const c of nodes(fn.body)) {
      if (c.type !== 'CallExpression') continue;
      const callee = unwrap(c.callee);
      if (callee?.type !== 'MemberExpression' || callee.computed || callee.property?.name !== 'listen' || !c.arguments[0])
        continue;
      const portIdx = paramIndex(c.arguments[0], params);
      const hostIdx = c.arguments[1] ? paramIndex(c.arguments[1], params) : undefined;
      if (portIdx === undefined && hostIdx === undefined) continue;
      const t: ListenTemplate = { name: name as string, ref: ref(c) };
      t.port = portIdx ?? evaluate(c.arguments[0], src, scope);
      if (c.arguments[1]) t.host = hostIdx ?? evaluate(c.arguments[1], src, scope);
      if (served) {
        t.appParam = served.param;
        t.tls = served.tls;
      }
      listenTemplates.push(t);
    }
  }
  // Exported functions that create an app and hand it to a parameter: `export function setupApp(done) { const app =
  // new Koa(); ...; return done(app) }`, `exports.setupApp = function (done) {...}`.
  const appFactories: AppFactory[] = [];
  for (const n of ast.body ?? []) {
    const found: Array<[string, Node]> = [];
    const d = n.type === 'ExportNamedDeclaration' ? n.declaration : undefined;
    if (d?.type === 'FunctionDeclaration' && d.id) found.push([d.id.name, d]);
    if (d?.type === 'VariableDeclaration')
      for (const v of d.declarations) {
        const init = unwrap(v.init);
        if (v.id.type === 'Identifier' && (init?.type === 'ArrowFunctionExpression' || init?.type === 'FunctionExpression'))
          found.push([v.id.name, init]);
      }
    const e = n.type === 'ExpressionStatement' ? n.expression : undefined;
    const right = e?.type === 'AssignmentExpression' ? unwrap(e.right) : undefined;
    if ((right?.type === 'ArrowFunctionExpression' || right?.type === 'FunctionExpression') && !e.left.computed) {
      const left = e.left;
      const obj = left.type === 'MemberExpression' ? left.object : undefined;
      const isExports =
        (obj?.type === 'Identifier' && obj.name === 'exports') ||
        (obj?.type === 'MemberExpression' && obj.object?.name === 'module' && obj.property?.name === 'exports');
      if (isExports && left.property?.type === 'Identifier') found.push([left.property.name, right]);
    }
    for (const [name, fn] of found) {
      const params = new Set(fn.params.filter((p: Node) => p.type === 'Identifier').map((p: Node) => p.name));
      const start = fn.loc?.start?.line ?? 0;
      const end = fn.loc?.end?.line ?? 0;
      const inside = apps.filter((a) => a.ref.line >= start && a.ref.line <= end);
      for (const c of nodes(fn.body)) {
        if (c.type !== 'CallExpression' || c.callee?.type !== 'Identifier' || !params.has(c.callee.name)) continue;
        const app = inside.find((a) =>
          c.arguments.some((x: Node) => unwrap(x)?.type === 'Identifier' && unwrap(x).name === a.variable),
        );
        if (app) {
          appFactories.push({ export: name, app });
          break;
        }
      }
    }
  }
  // NestJS FastifyAdapters this module exports: `export const a = new FastifyAdapter(...)`, `export { a as b }`,
  // `export default a`.
  const fastifyAdapters = new Map<string, Setting | null>();
  const adapterSetting = (local: string): Setting | null | undefined => {
    const init = unwrap(declared.get(local));
    if (init?.type !== 'NewExpression' || !is(boundTo(init.callee), '@nestjs/platform-fastify#FastifyAdapter')) return undefined;
    const opts = init.arguments[0] ? objectProps(init.arguments[0]) : undefined;
    const tp = opts?.props.get('trustProxy');
    return tp ? { eval: evaluate(tp, src, scope), ref: ref(tp), how: 'new FastifyAdapter({ trustProxy })' } : null;
  };
  for (const n of ast.body ?? []) {
    const pairs: Array<[string, string]> = [];
    if (n.type === 'ExportNamedDeclaration' && n.declaration?.type === 'VariableDeclaration')
      for (const d of n.declaration.declarations) if (d.id.type === 'Identifier') pairs.push([d.id.name, d.id.name]);
    if (n.type === 'ExportNamedDeclaration' && !n.source)
      for (const sp of n.specifiers ?? [])
        if (sp.local?.type === 'Identifier') pairs.push([sp.local.name, sp.exported?.name ?? sp.exported?.value]);
    if (n.type === 'ExportDefaultDeclaration' && n.declaration?.type === 'Identifier')
      pairs.push([n.declaration.name, 'default']);
    for (const [local, exported] of pairs) {
      const setting = adapterSetting(local);
      if (setting !== undefined) fastifyAdapters.set(exported, setting);
    }
  }
  return {
    fastifyAdapters,
    apps,
    detached,
    detachedForwarded,
    detachedServes,
    detachedListens,
    listenTemplates,
    calls,
    appFactories,
    adapterNode,
    adapterAuto,
    imports,
    sessions,
    authJs,
    clientIpReads,
    schemaDefaults,
  };
}
