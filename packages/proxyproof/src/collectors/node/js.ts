/**
 * Parsing JavaScript / TypeScript with acorn (+ @sveltejs/acorn-typescript for .ts/.mts/.cts/.tsx) and a small,
 * side-effect-free evaluator for the literal values configuration is written with. Nothing is executed.
 */

import { tsPlugin } from '@sveltejs/acorn-typescript';
import type * as acorn from 'acorn';
import { Parser } from 'acorn';

// biome-ignore lint/suspicious/noExplicitAny: acorn's ESTree nodes are loosely typed; we read them defensively.
export type Node = any;

const TsParser = Parser.extend(tsPlugin());
const TsxParser = Parser.extend(tsPlugin({ jsx: true }));

export interface ParsedSource {
  ast: Node;
  text: string;
}

export interface ParseFailure {
  message: string;
  line: number;
  column: number;
}

export function isTypeScript(file: string): boolean {
  return /\.(ts|mts|cts|tsx)$/.test(file);
}

/** How many missing semicolons before decorators one file may get (NestJS DTOs: one per decorated field). */
const MAX_DECORATOR_SEMICOLONS = 200;

/**
 * @sveltejs/acorn-typescript 1.0.13 (the newest release) cannot tokenize a decorator that follows a type without a
 * semicolon: a class field `name: string` on one line and `@IsString()` on the next (every NestJS DTO written without
 * semicolons) throws "Unexpected character '@'": the tokenizer is still in type context, and core acorn has no `@`
 * token (sveltejs/acorn-typescript#102, superseded by #110, unreleased; TypeScript accepts it). We end the line before that `@` with the `;` automatic
 * semicolon insertion would have put there and parse again. Appending at a line's end keeps every line and every
 * earlier column; node offsets shift, so the caller reads the returned text. Undefined when it is another error.
 */
function withDecoratorSemicolons(
  parser: typeof Parser,
  text: string,
  opts: acorn.Options,
  first: unknown,
): ParsedSource | undefined {
  const lines = text.split('\n');
  let error = first as { message?: string; loc?: { line: number; column: number } };
  for (let tries = 0; tries < MAX_DECORATOR_SEMICOLONS; tries++) {
    if (!/^Unexpected character '@'/.test(String(error.message ?? '')) || !error.loc) return undefined;
    // The line before the decorator that holds code (blank and `//` lines skipped); it must not end with `;` already.
    let i = error.loc.line - 2;
    while (i >= 0 && /^\s*(\/\/.*)?\r?$/.test(lines[i] as string)) i--;
    const before = lines[i];
    if (before === undefined) return undefined;
    // A trailing `//` comment: the `;` goes before it, when no quote comes first (`//` inside a string is not one).
    const comment = before.indexOf('//');
    const code = comment >= 0 ? before.slice(0, comment) : before.replace(/\r$/, '');
    if (/;\s*$/.test(code) || (comment >= 0 && /['"`]/.test(code))) return undefined;
    lines[i] = `${code.replace(/\s*$/, '')};${before.slice(code.replace(/\s*$/, '').length)}`;
    const mended = lines.join('\n');
    try {
      return { ast: parser.parse(mended, opts), text: mended };
    } catch (next) {
      error = next as typeof error;
    }
  }
  return undefined;
}

/** Parses a module (falls back to a script for CommonJS files that use `return` at top level or `with`). */
export function parseSource(file: string, text: string): ParsedSource | ParseFailure {
  const parser = /\.tsx$/.test(file) ? TsxParser : isTypeScript(file) ? TsParser : TsParser;
  const opts: acorn.Options = {
    ecmaVersion: 'latest',
    sourceType: 'module',
    locations: true,
    allowHashBang: true,
    allowReturnOutsideFunction: true,
    allowAwaitOutsideFunction: true,
    allowImportExportEverywhere: true,
  };
  try {
    return { ast: parser.parse(text, opts), text };
  } catch (first) {
    if (isTypeScript(file)) {
      const mended = withDecoratorSemicolons(parser, text, opts, first);
      if (mended) return mended;
    }
    if (!/\.(mjs|mts|ts|tsx)$/.test(file)) {
      try {
        return { ast: parser.parse(text, { ...opts, sourceType: 'script' }), text };
      } catch {
        // report the module error
      }
    }
    const e = first as { message?: string; loc?: { line: number; column: number } };
    return {
      message: String(e.message ?? first).replace(/\s*\(\d+:\d+\)$/, ''),
      line: e.loc?.line ?? 1,
      column: (e.loc?.column ?? 0) + 1,
    };
  }
}

/** A value as far as static reading can tell. */
export type Eval =
  | { kind: 'literal'; value: unknown }
  /** process.env.NAME, optionally with `|| default` / `?? default` */
  | {
      kind: 'env';
      envVar: string;
      fallback?: unknown;
      hasFallback: boolean;
      convert?: 'number' | 'boolean';
      /**
       * `!!process.env.X` (true) / `!process.env.X` (false): the value is JavaScript truthiness of the variable,
       * so ANY non-empty string (even "false" or "0") counts as set.
       */
      truthy?: boolean;
      /** `process.env.X === 'value'`: true exactly when the variable equals this string. */
      equals?: string;
      /** `process.env.X !== 'value'`: with `equals`, true exactly when the variable differs (unset counts). */
      negate?: boolean;
    }
  /** `configKey`: the value comes from the app's configuration by key (`conf.get('trust_proxy')`). */
  | { kind: 'unknown'; text: string; configKey?: string };

export interface Scope {
  /** top-level `const NAME = <literal>` in the same file */
  consts: Map<string, Eval>;
  /** Resolves calls the module gives meaning to (`app.get('port')` after `app.set('port', ...)`, `conf.get(key)`). */
  resolveCall?: (call: Node) => Eval | undefined;
}

export function textOf(src: string, node: Node, max = 120): string {
  const t = src.slice(node.start, node.end).replace(/\s+/g, ' ');
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

function stripTs(node: Node): Node {
  let n = node;
  while (
    n &&
    (n.type === 'TSAsExpression' ||
      n.type === 'TSNonNullExpression' ||
      n.type === 'TSSatisfiesExpression' ||
      n.type === 'ParenthesizedExpression' ||
      n.type === 'TSTypeAssertion')
  )
    n = n.expression;
  return n;
}

export function unwrap(node: Node): Node {
  let n = stripTs(node);
  while (n && n.type === 'AwaitExpression') n = stripTs(n.argument);
  return n;
}

function envName(node: Node): string | undefined {
  // process.env.NAME  |  process.env['NAME']
  const n = stripTs(node);
  if (n?.type !== 'MemberExpression') return undefined;
  const obj = stripTs(n.object);
  if (obj?.type !== 'MemberExpression' || obj.computed) return undefined;
  if (obj.object?.type !== 'Identifier' || obj.object.name !== 'process' || obj.property?.name !== 'env') return undefined;
  if (!n.computed && n.property.type === 'Identifier') return n.property.name;
  if (n.computed && n.property.type === 'Literal' && typeof n.property.value === 'string') return n.property.value;
  return undefined;
}

/** `AppConstants.NODE_ENV`, `config.NODE_ENV`: a settings object's NODE_ENV (not process.env itself). */
function nodeEnvMember(node: Node): string | undefined {
  const n = stripTs(node);
  if (n?.type !== 'MemberExpression' || n.computed || n.property?.type !== 'Identifier') return undefined;
  return n.property.name === 'NODE_ENV' && stripTs(n.object)?.type === 'Identifier' ? 'NODE_ENV' : undefined;
}

/** Evaluates literals, arrays/objects of literals, env reads with defaults, Number()/parseInt()/String() wrappers. */
export function evaluate(node: Node, src: string, scope: Scope, depth = 0): Eval {
  const n = stripTs(node);
  const unknown = (): Eval => ({ kind: 'unknown', text: textOf(src, node) });
  if (!n || depth > 8) return unknown();
  switch (n.type) {
    case 'Literal':
      if (n.regex) return unknown();
      return { kind: 'literal', value: n.value };
    case 'TemplateLiteral':
      if (n.expressions.length === 0) return { kind: 'literal', value: n.quasis.map((q: Node) => q.value.cooked).join('') };
      return unknown();
    case 'Identifier':
      if (n.name === 'undefined') return { kind: 'literal', value: undefined };
      return scope.consts.get(n.name) ?? unknown();
    case 'UnaryExpression': {
      const a = evaluate(n.argument, src, scope, depth + 1);
      // `!(process.env.X === 'on')` is not a truthiness test: leave it unread.
      if (a.kind === 'env' && n.operator === '!' && a.equals === undefined)
        return {
          kind: 'env',
          envVar: a.envVar,
          hasFallback: false,
          convert: 'boolean',
          truthy: a.truthy === undefined ? false : !a.truthy,
        };
      if (a.kind !== 'literal') return unknown();
      if (n.operator === '-' && typeof a.value === 'number') return { kind: 'literal', value: -a.value };
      if (n.operator === '!') return { kind: 'literal', value: !a.value };
      if (n.operator === '+') return { kind: 'literal', value: Number(a.value) };
      return unknown();
    }
    case 'ArrayExpression': {
      const out: unknown[] = [];
      for (const el of n.elements) {
        if (!el || el.type === 'SpreadElement') return unknown();
        const v = evaluate(el, src, scope, depth + 1);
        if (v.kind !== 'literal') return unknown();
        out.push(v.value);
      }
      return { kind: 'literal', value: out };
    }
    case 'LogicalExpression': {
      const name = envName(n.left);
      if (name && (n.operator === '||' || n.operator === '??')) {
        const d = evaluate(n.right, src, scope, depth + 1);
        if (d.kind === 'literal') return { kind: 'env', envVar: name, fallback: d.value, hasFallback: true };
      }
      return unknown();
    }
    case 'MemberExpression': {
      const name = envName(n);
      if (name) return { kind: 'env', envVar: name, hasFallback: false };
      return unknown();
    }
    case 'CallExpression': {
      const resolved = scope.resolveCall?.(n);
      if (resolved) return resolved;
      const callee = stripTs(n.callee);
      const fname =
        callee?.type === 'Identifier'
          ? callee.name
          : callee?.type === 'MemberExpression' && callee.object?.name === 'Number'
            ? `Number.${callee.property?.name}`
            : undefined;
      if (
        fname &&
        ['Number', 'parseInt', 'Number.parseInt', 'parseFloat', 'String', 'Boolean'].includes(fname) &&
        n.arguments.length >= 1
      ) {
        const inner = evaluate(n.arguments[0], src, scope, depth + 1);
        const toNum = fname !== 'String' && fname !== 'Boolean';
        if (inner.kind === 'literal') {
          return {
            kind: 'literal',
            value: toNum ? Number(inner.value) : fname === 'Boolean' ? Boolean(inner.value) : String(inner.value),
          };
        }
        if (inner.kind === 'env') {
          const conv: 'number' | 'boolean' | undefined = toNum ? 'number' : fname === 'Boolean' ? 'boolean' : undefined;
          const out: Eval = { ...inner, fallback: inner.hasFallback && toNum ? Number(inner.fallback) : inner.fallback };
          if (conv) out.convert = conv;
          return out;
        }
      }
      return unknown();
    }
    case 'BinaryExpression': {
      // process.env.TRUST_PROXY === 'true'; config.NODE_ENV !== 'dev' (a config module re-exporting NODE_ENV: the
      // conventional switch between development and production, read as the variable itself)
      const eq = n.operator === '===' || n.operator === '==';
      const ne = n.operator === '!==' || n.operator === '!=';
      const name = envName(n.left) ?? nodeEnvMember(n.left);
      if ((eq || ne) && name) {
        const r = evaluate(n.right, src, scope, depth + 1);
        if (r.kind === 'literal') {
          const out: Eval = { kind: 'env', envVar: name, hasFallback: false, convert: 'boolean', equals: String(r.value) };
          if (ne) out.negate = true;
          return out;
        }
      }
      return unknown();
    }
    default:
      return unknown();
  }
}

/** Evaluates an object literal's properties by (static) key. Spread elements make the result partial. */
export function objectProps(node: Node): { props: Map<string, Node>; spread: boolean } | undefined {
  const n = unwrap(node);
  if (n?.type !== 'ObjectExpression') return undefined;
  const props = new Map<string, Node>();
  let spread = false;
  for (const p of n.properties) {
    if (p.type === 'SpreadElement') {
      spread = true;
      continue;
    }
    if (p.type !== 'Property') continue;
    const key =
      !p.computed && p.key.type === 'Identifier' ? p.key.name : p.key.type === 'Literal' ? String(p.key.value) : undefined;
    if (key !== undefined) props.set(key, p.shorthand ? p.key : p.value);
  }
  return { props, spread };
}

/** Top-level `const NAME = literal` bindings (a common way to write `const TRUST = 'loopback'`). */
export function topLevelConsts(ast: Node, src: string): Scope {
  const scope: Scope = { consts: new Map() };
  for (const st of ast.body ?? []) {
    const decl = st.type === 'ExportNamedDeclaration' ? st.declaration : st;
    if (decl?.type !== 'VariableDeclaration' || decl.kind !== 'const') continue;
    for (const d of decl.declarations) {
      if (d.id?.type !== 'Identifier' || !d.init) continue;
      const v = evaluate(d.init, src, scope);
      if (v.kind !== 'unknown') scope.consts.set(d.id.name, v);
    }
  }
  return scope;
}
