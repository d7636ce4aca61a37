/**
 * A static evaluator for the small subset of Python that settings files and server config files use.
 * It walks a @lezer/python syntax tree and never executes anything: literals, tuples, lists, dicts,
 * string concatenation, names assigned earlier, `+=`, `.append()`/`.extend()`, environment look-ups
 * (`os.environ.get`, `os.getenv`, `os.environ[...]`, django-environ `env(...)`/`env.bool(...)`,
 * python-decouple `config(...)`) and simple `if` branches. Everything else is `unknown`.
 *
 * Why our own: no JS library evaluates Python statically; running Python would execute user code.
 */
import { createRequire } from 'node:module';
import type { SyntaxNode, Tree } from '@lezer/common';
import type * as LezerPython from '@lezer/python';

let pythonParser: (typeof LezerPython)['parser'] | undefined;
/**
 * @lezer/python, loaded on the first Python file: building its parse tables is a good part of a one-file nginx
 * lint's start-up otherwise (the deploy collector that imports this module runs on every lint). Every user of
 * the grammar goes through here, so its CommonJS build is the only copy loaded.
 */
function python(): (typeof LezerPython)['parser'] {
  pythonParser ??= (createRequire(import.meta.url)('@lezer/python') as typeof LezerPython).parser;
  return pythonParser;
}

export type PyValue =
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'none' }
  | { t: 'tuple'; items: PyValue[] }
  | { t: 'list'; items: PyValue[] }
  | { t: 'dict'; entries: Array<[PyValue, PyValue]> }
  /** Not statically known. `template` keeps the literal parts of an f-string ("https://{…}"). */
  | { t: 'unknown'; why: string; template?: string };

export type Origin = 'literal' | 'env' | 'computed' | 'unknown';

/** An evaluated value, with where it came from. */
export interface Ev {
  value: PyValue;
  origin: Origin;
  /** For origin `env`: the deciding variable; `value` is its default (or the deployment's value). */
  envVar?: string;
  /** The default written in code, for env-derived values. */
  envDefault?: PyValue;
  /** The value came from the deployment's environment (compose/systemd), not a code default. */
  deployed?: boolean;
  note?: string;
}

/** Where an assignment was written. */
export interface Binding extends Ev {
  file: string;
  line: number;
  column: number;
  /** Conditional on an `if` whose test we could not decide, or decided by assumption. */
  conditional?: string;
}

export interface ParseProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface ParsedPython {
  file: string;
  text: string;
  tree: Tree;
  /** 0-based offsets of line starts. */
  lineStarts: number[];
  errors: ParseProblem[];
}

export function parsePython(file: string, text: string): ParsedPython {
  const tree = python().parse(text);
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const parsed: ParsedPython = { file, text, tree, lineStarts, errors: [] };
  const c = tree.cursor();
  let count = 0;
  do {
    if (c.type.isError) {
      const { line, column } = position(parsed, c.from);
      const near = text.slice(c.from, Math.min(text.length, c.from + 20)).split('\n')[0];
      parsed.errors.push({ file, line, column, message: `Python syntax error${near ? ` near '${near}'` : ''}` });
      if (++count >= 5) break;
    }
  } while (c.next());
  return parsed;
}

export function position(p: ParsedPython, offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = p.lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((p.lineStarts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - (p.lineStarts[lo] as number) + 1 };
}

export const unknown = (why: string): PyValue => ({ t: 'unknown', why });
const str = (v: string): PyValue => ({ t: 'str', v });

/** Python truthiness; undefined when not known. */
export function truthy(v: PyValue): boolean | undefined {
  switch (v.t) {
    case 'str':
      return v.v.length > 0;
    case 'num':
      return v.v !== 0;
    case 'bool':
      return v.v;
    case 'none':
      return false;
    case 'tuple':
    case 'list':
      return v.items.length > 0;
    case 'dict':
      return v.entries.length > 0;
    default:
      return undefined;
  }
}

/** Converts to plain JS: str->string, tuple/list->array, dict->object; unknown -> undefined. */
export function toJs(v: PyValue): unknown {
  switch (v.t) {
    case 'str':
    case 'num':
    case 'bool':
      return v.v;
    case 'none':
      return null;
    case 'tuple':
    case 'list':
      return v.items.map(toJs);
    case 'dict': {
      const o: Record<string, unknown> = {};
      for (const [k, val] of v.entries) if (k.t === 'str' || k.t === 'num') o[String(k.v)] = toJs(val);
      return o;
    }
    default:
      return undefined;
  }
}

/** Python `repr`-like rendering for messages. */
export function show(v: PyValue): string {
  switch (v.t) {
    case 'str':
      return `'${v.v}'`;
    case 'num':
      return String(v.v);
    case 'bool':
      return v.v ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'tuple':
      return `(${v.items.map(show).join(', ')}${v.items.length === 1 ? ',' : ''})`;
    case 'list':
      return `[${v.items.map(show).join(', ')}]`;
    case 'dict':
      return `{${v.entries.map(([k, val]) => `${show(k)}: ${show(val)}`).join(', ')}}`;
    default:
      return v.template ? `f'${v.template}'` : '<unknown>';
  }
}

function pyEquals(a: PyValue, b: PyValue): boolean | undefined {
  if (a.t === 'unknown' || b.t === 'unknown') return undefined;
  if ((a.t === 'num' || a.t === 'bool') && (b.t === 'num' || b.t === 'bool')) return Number(a.v) === Number(b.v);
  if (a.t !== b.t) return false;
  if (a.t === 'str' && b.t === 'str') return a.v === b.v;
  if (a.t === 'none') return true;
  if ((a.t === 'tuple' || a.t === 'list') && (b.t === 'tuple' || b.t === 'list')) {
    if (a.items.length !== b.items.length) return false;
    for (let i = 0; i < a.items.length; i++) {
      const e = pyEquals(a.items[i] as PyValue, b.items[i] as PyValue);
      if (e !== true) return e;
    }
    return true;
  }
  return undefined;
}

/** python-decouple / distutils strtobool and django-environ's bool parsing of a string. */
export function envStringToBool(s: string): boolean | undefined {
  const v = s.trim().toLowerCase();
  if (['y', 'yes', 't', 'true', 'on', '1'].includes(v)) return true;
  if (['n', 'no', 'f', 'false', 'off', '0', ''].includes(v)) return false;
  return undefined;
}

/** Parses a Python string literal (with prefixes r, b, u; single/triple quotes; common escapes). */
export function parseStringLiteral(src: string): PyValue {
  const m = /^([rRbBuUfF]{0,2})('''|"""|'|")/.exec(src);
  if (!m) return unknown('string literal');
  const prefix = (m[1] as string).toLowerCase();
  const q = m[2] as string;
  if (prefix.includes('f')) return unknown('f-string');
  const body = src.slice(m[0].length, src.length - q.length);
  if (prefix.includes('r')) return str(body);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const n = body[++i];
    if (n === undefined) break;
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', '\n': '' };
    if (n in simple) out += simple[n];
    else if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(body.slice(i + 1, i + 3))) {
      out += String.fromCharCode(Number.parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else out += `\\${n}`;
  }
  return str(out);
}

/** Environment-variable access the evaluator understands, and where values come from. */
export interface EvalEnv {
  /** Values the deployment sets (compose environment:, systemd Environment=), if known. */
  deploymentEnv?: Record<string, string>;
  /** Resolves `from X import *` to a parsed module, or undefined when not in the linted files. */
  resolveImport?: (fromFile: string, dots: number, dotted: string) => ParsedPython | undefined;
  /** How deep star imports may nest. */
  maxDepth?: number;
}

/** A module scope: name -> latest binding. */
export class Scope {
  readonly bindings = new Map<string, Binding>();
  /** django-environ `Env(VAR=(cast, default))` schemes, by the variable holding the Env object. */
  readonly envObjects = new Map<string, Map<string, { cast: string; default?: PyValue }>>();
  /** Calls seen at module level (for ProxyFix, uvicorn.run, add_middleware ...). */
  readonly calls: CallSite[] = [];
  /** `if` tests decided by an environment variable (its code default, or the deployment's value). */
  readonly switches: EnvSwitch[] = [];
  /** Files evaluated (the entry first, then star imports). */
  readonly files: string[] = [];
  /** Import statements seen: dotted module names (for detecting frameworks). */
  readonly imports: Array<{ module: string; names: string[]; file: string; line: number }> = [];
}

export interface CallSite {
  /** Dotted callee as written: `ProxyFix`, `app.add_middleware`, `uvicorn.run`. */
  callee: string;
  args: Ev[];
  kwargs: Record<string, Ev>;
  /** Raw source of each positional argument (for `app.wsgi_app`, `ProxyHeadersMiddleware`). */
  argSources: string[];
  /** What the call result was assigned to, if anything (`app.wsgi_app`, `app`). */
  assignedTo?: string;
  file: string;
  line: number;
  column: number;
  conditional?: string;
  /** The innermost `if` an environment variable decides around this call (also inside functions). */
  switch?: EnvSwitch;
}

/**
 * An `if` whose test an environment variable decides (`if os.getenv('BEHIND_PROXY'):`,
 * `if env.bool("SSL_REDIRECT", default=False):`): what the branch would do is on only when the deployment sets it.
 */
export interface EnvSwitch {
  envVar: string;
  /** The test as written. */
  test: string;
  file: string;
  /** The line of the `if`/`elif`. */
  line: number;
  /** Offsets of the test and of the body it guards (to re-decide it for another deployment, to find what it sets). */
  testFrom: number;
  testTo: number;
  bodyFrom: number;
  bodyTo: number;
  /** How the test came out with the environment used. */
  on: boolean;
  /** Decided by the deployment's value (true) or by the default written in code (false). */
  deployed: boolean;
  /** The default written in code, as Python. */
  default?: string;
}

const MAX_NODES = 200_000;

export class Evaluator {
  private steps = 0;
  private depth = 0;
  private readonly stack: string[] = [];
  private conditional: string | undefined;

  constructor(
    readonly scope: Scope,
    readonly env: EvalEnv = {},
  ) {}

  /** Evaluates a whole module's statements into the scope. */
  run(p: ParsedPython): void {
    if (this.stack.includes(p.file) || this.depth > (this.env.maxDepth ?? 8)) return;
    this.stack.push(p.file);
    this.depth++;
    this.scope.files.push(p.file);
    try {
      this.body(p, p.tree.topNode);
    } finally {
      this.stack.pop();
      this.depth--;
    }
  }

  private text(p: ParsedPython, n: SyntaxNode): string {
    return p.text.slice(n.from, n.to);
  }

  private body(p: ParsedPython, parent: SyntaxNode): void {
    for (let n = parent.firstChild; n; n = n.nextSibling) {
      if (++this.steps > MAX_NODES) return;
      if (n.type.isError) continue;
      try {
        this.statement(p, n);
      } catch {
        // A statement the error-recovering parser left in an odd shape: skip it, keep evaluating.
      }
    }
  }

  private statement(p: ParsedPython, n: SyntaxNode): void {
    switch (n.name) {
      case 'AssignStatement':
        this.assign(p, n);
        return;
      case 'UpdateStatement':
        this.update(p, n);
        return;
      case 'ExpressionStatement': {
        const e = n.firstChild;
        if (e?.name === 'CallExpression') this.call(p, e, undefined);
        return;
      }
      case 'ImportStatement':
        this.importStmt(p, n);
        return;
      case 'IfStatement':
        this.ifStmt(p, n);
        return;
      case 'TryStatement': {
        // `try: from .local import *  except ImportError: pass` -- evaluate the try body only.
        const b = n.getChild('Body');
        if (b) this.body(p, b);
        return;
      }
      case 'StatementGroup':
        this.body(p, n);
        return;
      default:
        // def/class/for/while/with bodies are not executed at import time in the way we could model.
        return;
    }
  }

  private importStmt(p: ParsedPython, n: SyntaxNode): void {
    const kids: SyntaxNode[] = [];
    for (let c = n.firstChild; c; c = c.nextSibling) kids.push(c);
    const { line } = position(p, n.from);
    if (kids[0]?.name !== 'from') {
      const names = kids.filter((k) => k.name === 'VariableName').map((k) => this.text(p, k));
      this.scope.imports.push({ module: names.join('.'), names: [], file: p.file, line });
      return;
    }
    let dots = 0;
    const parts: string[] = [];
    let i = 1;
    for (; i < kids.length && kids[i]?.name !== 'import'; i++) {
      const k = kids[i] as SyntaxNode;
      const t = this.text(p, k);
      if (k.name === '.' || k.name === 'Ellipsis') {
        if (parts.length === 0) dots += t.length;
      } else if (k.name === 'VariableName') parts.push(t);
    }
    const imported = kids.slice(i + 1);
    const star = imported.some((k) => k.name === '*');
    const names = imported.filter((k) => k.name === 'VariableName').map((k) => this.text(p, k));
    this.scope.imports.push({ module: `${'.'.repeat(dots)}${parts.join('.')}`, names: star ? ['*'] : names, file: p.file, line });
    if (!star) {
      // `from os import environ, getenv` is tracked by name in envCall; other names are unknown.
      return;
    }
    const target = this.env.resolveImport?.(p.file, dots, parts.join('.'));
    if (target) {
      const saved = this.conditional;
      this.run(target);
      this.conditional = saved;
    }
  }

  private ifStmt(p: ParsedPython, n: SyntaxNode): void {
    // Children: if Test Body (elif Test Body)* (else Body)?
    const kids: SyntaxNode[] = [];
    for (let c = n.firstChild; c; c = c.nextSibling) kids.push(c);
    const saved = this.conditional;
    let assumed: string | undefined;
    let i = 0;
    while (i < kids.length) {
      const kw = kids[i] as SyntaxNode;
      if (kw.name === 'if' || kw.name === 'elif') {
        const test = kids[i + 1];
        const body = kids[i + 2];
        i += 3;
        if (!test || !body || body.name !== 'Body') return;
        const d = this.decide(p, test);
        const sw = switchOf(p, kw, test, body, d);
        if (sw) this.scope.switches.push(sw);
        if (d.assumption) assumed = assumed ? `${assumed}; ${d.assumption}` : d.assumption;
        if (d.value === true) {
          this.conditional = d.assumption ? combine(saved, d.assumption) : saved;
          this.body(p, body);
          this.conditional = saved;
          return;
        }
        if (d.value === undefined) {
          // Undecidable: evaluate this branch, but mark what it sets as conditional; keep going.
          const { line } = position(p, test.from);
          this.conditional = combine(
            saved,
            `inside \`${kw.name} ${this.text(p, test)}\` (line ${line}), which is not known statically`,
          );
          this.body(p, body);
          this.conditional = saved;
        }
      } else if (kw.name === 'else') {
        const body = kids[i + 1];
        if (!body) return;
        this.conditional = assumed ? combine(saved, assumed) : saved;
        this.body(p, body);
        this.conditional = saved;
        return;
      } else i++;
    }
  }

  /** Decides an `if` test: a known value, or DEBUG assumed False (production) when it depends on the environment. */
  decide(
    p: ParsedPython,
    test: SyntaxNode,
  ): { value: boolean | undefined; assumption?: string; envVar?: string; deployed?: boolean; envDefault?: PyValue } {
    const ev = this.expr(p, test);
    const t = truthy(ev.value);
    const src = this.text(p, test);
    const { line } = position(p, test.from);
    const mentionsDebug = /\bDEBUG\b/.test(src);
    const debug = this.scope.bindings.get('DEBUG');
    if (
      mentionsDebug &&
      !debug?.deployed &&
      (debug === undefined || debug.origin === 'env' || debug.origin === 'unknown' || /production reading/.test(debug.note ?? ''))
    ) {
      // Production reading: DEBUG is False unless a literal says otherwise (documented in docs/app-side.md).
      const saved = this.scope.bindings.get('DEBUG');
      this.scope.bindings.set('DEBUG', { value: { t: 'bool', v: false }, origin: 'computed', file: p.file, line, column: 1 });
      const forced = truthy(this.expr(p, test).value);
      if (saved) this.scope.bindings.set('DEBUG', saved);
      else this.scope.bindings.delete('DEBUG');
      if (forced !== undefined)
        return { value: forced, assumption: `\`if ${src}\` (line ${line}) read with DEBUG = False, the production setting` };
    }
    if (t !== undefined && ev.origin === 'env')
      return {
        value: t,
        envVar: ev.envVar,
        deployed: ev.deployed === true,
        envDefault: ev.envDefault,
        assumption: `\`if ${src}\` (line ${line}) decided by ${ev.envVar ?? 'an environment variable'}'s ${ev.note?.includes('deployment') ? 'deployment value' : 'default'}`,
      };
    return { value: t };
  }

  private targets(_p: ParsedPython, n: SyntaxNode): { targets: SyntaxNode[]; value: SyntaxNode | undefined } {
    // a = b = value  ->  [a, b], value.   a: int = value -> [a], value
    const parts: SyntaxNode[][] = [[]];
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (c.name === 'AssignOp') parts.push([]);
      else if (c.name !== 'TypeDef') parts[parts.length - 1]?.push(c);
    }
    const value = parts.length > 1 ? (parts.pop() as SyntaxNode[]) : [];
    const valueNode = value.length === 1 ? value[0] : undefined;
    const targets = parts.flat();
    return { targets, value: parts.length >= 1 && valueNode ? valueNode : undefined };
  }

  private assign(p: ParsedPython, n: SyntaxNode): void {
    const { targets, value } = this.targets(p, n);
    if (!value) return;
    const targetText = targets.map((t) => this.text(p, t)).join(' = ');
    let ev: Ev;
    if (value.name === 'CallExpression') ev = this.call(p, value, targetText);
    else ev = this.expr(p, value);
    for (const t of targets) this.bind(p, t, ev, value);
  }

  private bind(p: ParsedPython, t: SyntaxNode, ev: Ev, valueNode: SyntaxNode): void {
    const { line, column } = position(p, t.from);
    if (t.name === 'VariableName') {
      const name = this.text(p, t);
      if (valueNode.name === 'CallExpression') this.noteEnvObject(p, name, valueNode);
      let bound: Ev = ev;
      if (name === 'DEBUG' && (ev.origin === 'env' || ev.origin === 'unknown') && !ev.deployed) {
        // Production reading: a DEBUG the environment decides is taken as False (docs/app-side.md).
        const was = ev.envDefault ?? ev.value;
        bound = {
          ...ev,
          value: { t: 'bool', v: false },
          note: `production reading: DEBUG taken as False (${ev.envVar ? `${ev.envVar}, default ${show(was)}` : 'not known statically'})`,
        };
      }
      this.scope.bindings.set(name, { ...bound, file: p.file, line, column, conditional: this.conditional });
      return;
    }
    if (t.name === 'TupleExpression' || t.name === 'ArrayExpression' || t.name === 'ParenthesizedExpression') {
      const names: SyntaxNode[] = [];
      for (let c = t.firstChild; c; c = c.nextSibling)
        if (c.name !== '(' && c.name !== ')' && c.name !== ',' && c.name !== '[' && c.name !== ']') names.push(c);
      const items = ev.value.t === 'tuple' || ev.value.t === 'list' ? ev.value.items : undefined;
      names.forEach((nm, i) => {
        const item = items && items.length === names.length ? (items[i] as PyValue) : unknown('unpacking');
        this.bind(p, nm, { ...ev, value: item }, valueNode);
      });
      return;
    }
    if (t.name === 'MemberExpression' || t.name === 'SubscriptExpression') {
      // app.wsgi_app = ..., app.config['X'] = ...: recorded as a binding under the dotted text.
      const name = this.text(p, t).replace(/\s+/g, '');
      this.scope.bindings.set(name, { ...ev, file: p.file, line, column, conditional: this.conditional });
    }
  }

  private update(p: ParsedPython, n: SyntaxNode): void {
    const target = n.firstChild;
    const op = n.getChild('UpdateOp');
    const valueNode = op?.nextSibling;
    if (!target || !op || !valueNode || target.name !== 'VariableName') return;
    const name = this.text(p, target);
    const prev = this.scope.bindings.get(name);
    const rhs = this.expr(p, valueNode);
    const opText = this.text(p, op);
    const { line, column } = position(p, target.from);
    const base: Ev = prev ?? { value: unknown(`${name} is not defined in the linted files`), origin: 'unknown' };
    const value = opText === '+=' ? add(base.value, rhs.value) : unknown(`${opText} not evaluated`);
    this.scope.bindings.set(name, {
      value,
      origin: mergeOrigin(base.origin, rhs.origin),
      envVar: rhs.envVar ?? base.envVar,
      file: p.file,
      line,
      column,
      conditional: this.conditional ?? prev?.conditional,
    });
  }

  private noteEnvObject(p: ParsedPython, name: string, call: SyntaxNode): void {
    const callee = call.firstChild;
    if (!callee) return;
    const c = this.text(p, callee).replace(/\s+/g, '');
    if (c !== 'environ.Env' && c !== 'Env') return;
    const scheme = new Map<string, { cast: string; default?: PyValue }>();
    for (const a of this.argList(p, call.getChild('ArgList'))) {
      if (!a.name) continue;
      const v = this.expr(p, a.node).value;
      // VAR=(bool, False) or VAR=bool
      if (v.t === 'tuple' && a.node.name === 'TupleExpression') {
        const first = a.node.firstChild?.nextSibling;
        scheme.set(a.name, { cast: first ? this.text(p, first) : 'str', default: v.items[1] });
      } else scheme.set(a.name, { cast: this.text(p, a.node) });
    }
    this.scope.envObjects.set(name, scheme);
  }

  private argList(p: ParsedPython, list: SyntaxNode | null): Array<{ name?: string; node: SyntaxNode }> {
    const out: Array<{ name?: string; node: SyntaxNode }> = [];
    if (!list) return out;
    let pendingName: string | undefined;
    for (let c = list.firstChild; c; c = c.nextSibling) {
      if (c.name === '(' || c.name === ')' || c.name === ',') continue;
      if (c.name === 'AssignOp') continue;
      const next = c.nextSibling;
      if (c.name === 'VariableName' && next?.name === 'AssignOp' && pendingName === undefined) {
        pendingName = this.text(p, c);
        continue;
      }
      if (c.name === '*' || c.name === '**') continue;
      out.push({ name: pendingName, node: c });
      pendingName = undefined;
    }
    return out;
  }

  /** Evaluates a call; records it as a call site; returns its value when understood. */
  call(p: ParsedPython, n: SyntaxNode, assignedTo: string | undefined): Ev {
    const calleeNode = n.firstChild;
    const argsNode = n.getChild('ArgList');
    if (!calleeNode) return { value: unknown('call'), origin: 'unknown' };
    const callee = this.text(p, calleeNode).replace(/\s+/g, '');
    const args = this.argList(p, argsNode);
    const positional = args.filter((a) => !a.name);
    const kw: Record<string, Ev> = {};
    const kwNodes: Record<string, SyntaxNode> = {};
    for (const a of args)
      if (a.name) {
        kwNodes[a.name] = a.node;
      }
    const evPos = positional.map((a) => this.expr(p, a.node));
    for (const [k, node] of Object.entries(kwNodes)) kw[k] = this.expr(p, node);
    const { line, column } = position(p, n.from);
    this.scope.calls.push({
      callee,
      args: evPos,
      kwargs: kw,
      argSources: positional.map((a) => this.text(p, a.node).replace(/\s+/g, '')),
      assignedTo,
      file: p.file,
      line,
      column,
      conditional: this.conditional,
    });
    const env = this.envCall(p, callee, evPos, kw, kwNodes);
    if (env) return env;
    // list.append / extend / insert on a module variable
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\.(append|extend|insert)$/.exec(callee);
    if (m) {
      const name = m[1] as string;
      const prev = this.scope.bindings.get(name);
      if (prev && (prev.value.t === 'list' || prev.value.t === 'tuple')) {
        let items = [...prev.value.items];
        if (m[2] === 'append' && evPos[0]) items.push(evPos[0].value);
        else if (m[2] === 'extend' && evPos[0]) {
          const v = evPos[0].value;
          if (v.t === 'list' || v.t === 'tuple') items = items.concat(v.items);
          else items.push(unknown('extend'));
        } else if (m[2] === 'insert' && evPos[0]?.value.t === 'num' && evPos[1])
          items.splice(evPos[0].value.v, 0, evPos[1].value);
        this.scope.bindings.set(name, { ...prev, value: { t: 'list', items }, line, column, file: p.file });
      }
      return { value: { t: 'none' }, origin: 'computed' };
    }
    return this.builtinCall(callee, evPos, calleeNode, p);
  }

  private builtinCall(callee: string, args: Ev[], calleeNode: SyntaxNode, p: ParsedPython): Ev {
    const a0 = args[0];
    if (callee === 'bool' && a0) {
      const t = truthy(a0.value);
      return {
        ...a0,
        value: t === undefined ? unknown('bool()') : { t: 'bool', v: t },
        origin: a0.origin === 'literal' ? 'computed' : a0.origin,
      };
    }
    if (callee === 'int' && a0 && (a0.value.t === 'str' || a0.value.t === 'num' || a0.value.t === 'bool')) {
      const n = Number(a0.value.v);
      return {
        ...a0,
        value: Number.isInteger(n) ? { t: 'num', v: n } : unknown('int()'),
        origin: a0.origin === 'literal' ? 'computed' : a0.origin,
      };
    }
    if ((callee === 'list' || callee === 'tuple') && a0 && (a0.value.t === 'list' || a0.value.t === 'tuple')) {
      return { ...a0, value: { t: callee, items: a0.value.items } };
    }
    if (callee === 'str' && a0 && a0.value.t !== 'unknown')
      return { ...a0, value: a0.value.t === 'str' ? a0.value : unknown('str()') };
    // Method calls on a value: "x".split(","), os.environ.get(...).lower()
    if (calleeNode.name === 'MemberExpression') {
      const obj = calleeNode.firstChild;
      const prop = calleeNode.lastChild;
      if (obj && prop && prop.name === 'PropertyName') {
        const method = this.text(p, prop);
        if (['split', 'lower', 'upper', 'strip', 'rstrip', 'lstrip', 'startswith', 'endswith', 'replace'].includes(method)) {
          const base = this.expr(p, obj);
          return {
            ...base,
            value: stringMethod(
              base.value,
              method,
              args.map((a) => a.value),
            ),
            origin: base.origin === 'literal' ? 'computed' : base.origin,
          };
        }
      }
    }
    return { value: unknown(`result of ${callee}()`), origin: 'unknown' };
  }

  /** os.environ.get / os.getenv / env(...) / env.bool(...) / config(...). */
  private envCall(
    p: ParsedPython,
    callee: string,
    pos: Ev[],
    kw: Record<string, Ev>,
    kwNodes: Record<string, SyntaxNode>,
  ): Ev | undefined {
    const nameEv = pos[0];
    const varName = nameEv?.value.t === 'str' ? nameEv.value.v : undefined;
    const fromDeployment = (v: string | undefined) => (v !== undefined ? this.env.deploymentEnv?.[v] : undefined);
    const isOsGet = /^(os\.)?environ\.get$|^(os\.)?getenv$/.test(callee);
    if (isOsGet) {
      if (!varName) return { value: unknown('environment variable with a computed name'), origin: 'unknown' };
      const def = pos[1]?.value ?? kw.default?.value ?? { t: 'none' };
      const dep = fromDeployment(varName);
      if (dep !== undefined)
        return {
          value: str(dep),
          origin: 'env',
          envVar: varName,
          envDefault: def,
          note: 'value set by the deployment',
          deployed: true,
        };
      return { value: def, origin: 'env', envVar: varName, envDefault: def };
    }
    if (/^(os\.)?environ\.setdefault$/.test(callee) && varName) {
      return { value: pos[1]?.value ?? unknown('setdefault'), origin: 'env', envVar: varName };
    }
    // django-environ: env('X', default=...), env.bool('X', default=...), env.list(...) where env = environ.Env(...)
    const dj =
      /^([A-Za-z_][A-Za-z0-9_]*)(?:\.(str|bool|int|float|list|tuple|dict|url|json|db|db_url|cache|cache_url|path))?$/.exec(
        callee,
      );
    if (dj && this.scope.envObjects.has(dj[1] as string)) {
      if (!varName) return { value: unknown('environment variable with a computed name'), origin: 'unknown' };
      const scheme = this.scope.envObjects.get(dj[1] as string)?.get(varName);
      const cast = dj[2] ?? castName(scheme?.cast) ?? 'str';
      const def = kw.default?.value ?? pos[1]?.value ?? scheme?.default;
      const dep = fromDeployment(varName);
      if (dep !== undefined)
        return {
          value: castEnvString(dep, cast),
          origin: 'env',
          envVar: varName,
          envDefault: def,
          note: 'value set by the deployment',
          deployed: true,
        };
      if (def === undefined)
        return {
          value: unknown(`environment variable ${varName} has no default`),
          origin: 'env',
          envVar: varName,
          note: 'required: no default',
        };
      return {
        value: def.t === 'str' && cast !== 'str' ? castEnvString(def.v, cast) : def,
        origin: 'env',
        envVar: varName,
        envDefault: def,
      };
    }
    // python-decouple: config('X', default=..., cast=bool|int|Csv())
    if (callee === 'config' || callee === 'decouple.config') {
      if (!varName) return { value: unknown('environment variable with a computed name'), origin: 'unknown' };
      const castNode = kwNodes.cast;
      const cast = castNode ? (castName(this.text(p, castNode)) ?? 'unknown') : 'str';
      const def = kw.default?.value;
      const dep = fromDeployment(varName);
      if (dep !== undefined)
        return {
          value: castEnvString(dep, cast),
          origin: 'env',
          envVar: varName,
          envDefault: def,
          note: 'value set by the deployment',
          deployed: true,
        };
      if (def === undefined)
        return {
          value: unknown(`environment variable ${varName} has no default`),
          origin: 'env',
          envVar: varName,
          note: 'required: no default',
        };
      // decouple applies cast to the default too.
      return { value: def.t === 'str' ? castEnvString(def.v, cast) : def, origin: 'env', envVar: varName, envDefault: def };
    }
    return undefined;
  }

  /** Evaluates an expression node. */
  expr(p: ParsedPython, n: SyntaxNode): Ev {
    if (++this.steps > MAX_NODES) return { value: unknown('too complex'), origin: 'unknown' };
    const lit = (value: PyValue): Ev => ({ value, origin: 'literal' });
    switch (n.name) {
      case 'String':
        return lit(parseStringLiteral(this.text(p, n)));
      case 'ContinuedString': {
        let s = '';
        for (let c = n.firstChild; c; c = c.nextSibling) {
          const v = c.name === 'String' ? parseStringLiteral(this.text(p, c)) : this.expr(p, c).value;
          if (v.t !== 'str') return { value: unknown('implicit concatenation'), origin: 'unknown' };
          s += v.v;
        }
        return lit(str(s));
      }
      case 'FormatString':
        return this.fstring(p, n);
      case 'Number': {
        const t = this.text(p, n).replace(/_/g, '');
        const v = /^0[xX]/.test(t) ? Number.parseInt(t, 16) : /^0[oO]/.test(t) ? Number.parseInt(t.slice(2), 8) : Number(t);
        return lit(Number.isFinite(v) ? { t: 'num', v } : unknown('number'));
      }
      case 'Boolean':
        return lit({ t: 'bool', v: this.text(p, n) === 'True' });
      case 'None':
        return lit({ t: 'none' });
      case 'TupleExpression':
      case 'ArrayExpression':
      case 'SetExpression':
        return this.sequence(p, n, n.name === 'ArrayExpression' ? 'list' : 'tuple');
      case 'ParenthesizedExpression': {
        const inner = n.firstChild?.nextSibling;
        return inner && inner.name !== ')' ? this.expr(p, inner) : lit({ t: 'tuple', items: [] });
      }
      case 'DictionaryExpression':
        return this.dict(p, n);
      case 'VariableName': {
        const name = this.text(p, n);
        const b = this.scope.bindings.get(name);
        if (b)
          return {
            value: b.value,
            origin: b.origin === 'literal' ? 'computed' : b.origin,
            envVar: b.envVar,
            envDefault: b.envDefault,
            note: b.note,
          };
        return { value: unknown(`name ${name} is not defined in the linted files`), origin: 'unknown' };
      }
      case 'CallExpression':
        return this.call(p, n, undefined);
      case 'SubscriptExpression': {
        const t = this.text(p, n).replace(/\s+/g, '');
        const m = /^(?:os\.)?environ\[(['"])([^'"]+)\1\]$/.exec(t);
        if (m) {
          const dep = this.env.deploymentEnv?.[m[2] as string];
          if (dep !== undefined)
            return { value: str(dep), origin: 'env', envVar: m[2], note: 'value set by the deployment', deployed: true };
          return {
            value: unknown(`environment variable ${m[2]} (required, no default)`),
            origin: 'env',
            envVar: m[2],
            note: 'required: no default',
          };
        }
        return { value: unknown('subscript'), origin: 'unknown' };
      }
      case 'MemberExpression': {
        const t = this.text(p, n).replace(/\s+/g, '');
        const envm = /^(?:os\.)?environ\[(['"])([^'"]+)\1\]$/.exec(t);
        if (envm) {
          const dep = this.env.deploymentEnv?.[envm[2] as string];
          if (dep !== undefined)
            return { value: str(dep), origin: 'env', envVar: envm[2], note: 'value set by the deployment', deployed: true };
          return {
            value: unknown(`environment variable ${envm[2]} (required, no default)`),
            origin: 'env',
            envVar: envm[2],
            note: 'required: no default',
          };
        }
        if (n.getChild('[')) {
          const obj = n.firstChild;
          const idx = n.getChild('[')?.nextSibling;
          if (obj && idx) {
            const o = this.expr(p, obj);
            const i = this.expr(p, idx);
            let v: PyValue = unknown('subscript');
            if ((o.value.t === 'list' || o.value.t === 'tuple') && i.value.t === 'num') {
              const k = i.value.v < 0 ? o.value.items.length + i.value.v : i.value.v;
              v = o.value.items[k] ?? unknown('index out of range');
            } else if (o.value.t === 'dict') {
              const hit = o.value.entries.find(([kk]) => pyEquals(kk, i.value) === true);
              v = hit ? hit[1] : unknown('missing key');
            }
            return {
              value: v,
              origin: v.t === 'unknown' ? 'unknown' : mergeOrigin(mergeOrigin(o.origin, i.origin), 'computed'),
              envVar: o.envVar,
            };
          }
        }
        const b = this.scope.bindings.get(t);
        if (b) return { value: b.value, origin: b.origin === 'literal' ? 'computed' : b.origin, envVar: b.envVar };
        return { value: unknown(t), origin: 'unknown' };
      }
      case 'UnaryExpression': {
        const op = n.firstChild;
        const arg = n.lastChild;
        if (!op || !arg) return { value: unknown('unary'), origin: 'unknown' };
        const a = this.expr(p, arg);
        const o = this.text(p, op);
        if (o === 'not') {
          const t = truthy(a.value);
          return {
            ...a,
            value: t === undefined ? unknown('not') : { t: 'bool', v: !t },
            origin: a.origin === 'literal' ? 'computed' : a.origin,
          };
        }
        if (o === '-' && a.value.t === 'num') return { ...a, value: { t: 'num', v: -a.value.v } };
        if (o === '+' && a.value.t === 'num') return a;
        return { value: unknown('unary'), origin: 'unknown' };
      }
      case 'BinaryExpression':
        return this.binary(p, n);
      case 'ConditionalExpression': {
        // a if test else b
        const kids: SyntaxNode[] = [];
        for (let c = n.firstChild; c; c = c.nextSibling) if (c.name !== 'if' && c.name !== 'else') kids.push(c);
        const [a, test, b] = kids;
        if (!a || !test || !b) return { value: unknown('conditional'), origin: 'unknown' };
        const d = this.decide(p, test);
        if (d.value === undefined) return { value: unknown('conditional expression'), origin: 'unknown' };
        const r = this.expr(p, d.value ? a : b);
        return {
          ...r,
          origin: d.assumption ? mergeOrigin(r.origin, 'env') : r.origin === 'literal' ? 'computed' : r.origin,
          note: d.assumption ?? r.note,
        };
      }
      default:
        return { value: unknown(n.name), origin: 'unknown' };
    }
  }

  private fstring(p: ParsedPython, n: SyntaxNode): Ev {
    const src = this.text(p, n);
    const m = /^([rRbBuUfF]{0,2})('''|"""|'|")/.exec(src);
    const q = m?.[2] ?? '"';
    const start = n.from + (m?.[0].length ?? 0);
    const end = n.to - q.length;
    let out = '';
    let template = '';
    let known = true;
    let origin: Origin = 'literal';
    let envVar: string | undefined;
    let pos = start;
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (c.name !== 'FormatReplacement') continue;
      const lit = p.text.slice(pos, c.from).replace(/\{\{/g, '{').replace(/\}\}/g, '}');
      out += lit;
      template += lit;
      template += '{…}';
      pos = c.to;
      const inner = c.firstChild?.nextSibling;
      const hasSpec = c.getChild('FormatSpec') !== null || /![rsa]\}$/.test(this.text(p, c));
      const v = inner && !hasSpec ? this.expr(p, inner) : undefined;
      if (v && (v.value.t === 'str' || v.value.t === 'num')) {
        out += String(v.value.v);
        origin = mergeOrigin(origin, v.origin);
        envVar = envVar ?? v.envVar;
      } else known = false;
    }
    const tail = p.text.slice(pos, end).replace(/\{\{/g, '{').replace(/\}\}/g, '}');
    out += tail;
    template += tail;
    if (!known) return { value: { t: 'unknown', why: 'f-string with values not known statically', template }, origin: 'unknown' };
    return { value: str(out), origin: origin === 'literal' ? 'computed' : origin, envVar };
  }

  private sequence(p: ParsedPython, n: SyntaxNode, t: 'list' | 'tuple'): Ev {
    const items: PyValue[] = [];
    let origin: Origin = 'literal';
    let envVar: string | undefined;
    for (let c = n.firstChild; c; c = c.nextSibling) {
      // Comments inside a literal (commented-out entries) are nodes of the tree, not items.
      if (['(', ')', '[', ']', '{', '}', ',', 'Comment'].includes(c.name)) continue;
      if (c.name === 'for' || c.name === 'ComprehensionExpression') return { value: unknown('comprehension'), origin: 'unknown' };
      if (c.name === '*') {
        // *OTHER inside a literal: splice when known
        const next = c.nextSibling;
        if (next) {
          const v = this.expr(p, next);
          if (v.value.t === 'list' || v.value.t === 'tuple') items.push(...v.value.items);
          else items.push(unknown('starred'));
          c = next;
        }
        continue;
      }
      const v = this.expr(p, c);
      items.push(v.value);
      origin = mergeOrigin(origin, v.origin);
      envVar = envVar ?? v.envVar;
    }
    return { value: { t, items }, origin, envVar };
  }

  private dict(p: ParsedPython, n: SyntaxNode): Ev {
    const entries: Array<[PyValue, PyValue]> = [];
    let origin: Origin = 'literal';
    const kids: SyntaxNode[] = [];
    for (let c = n.firstChild; c; c = c.nextSibling) if (!['{', '}', ',', 'Comment'].includes(c.name)) kids.push(c);
    for (let i = 0; i < kids.length; i++) {
      const k = kids[i] as SyntaxNode;
      if (k.name === '**') {
        i++;
        continue;
      }
      if (k.name === 'for') return { value: unknown('comprehension'), origin: 'unknown' };
      const colon = kids[i + 1];
      const v = kids[i + 2];
      if (colon?.name !== ':' || !v) return { value: unknown('dict'), origin: 'unknown' };
      const ke = this.expr(p, k);
      const ve = this.expr(p, v);
      entries.push([ke.value, ve.value]);
      origin = mergeOrigin(origin, mergeOrigin(ke.origin, ve.origin));
      i += 2;
    }
    return { value: { t: 'dict', entries }, origin };
  }

  private binary(p: ParsedPython, n: SyntaxNode): Ev {
    const left = n.firstChild;
    const op = left?.nextSibling;
    const right = n.lastChild;
    if (!left || !op || !right || right === op) return { value: unknown('binary'), origin: 'unknown' };
    const o = this.text(p, op).replace(/\s+/g, ' ');
    const a = this.expr(p, left);
    // Short-circuit operators follow Python's value semantics.
    if (o === 'or' || o === 'and') {
      const ta = truthy(a.value);
      if (ta === undefined) return { value: unknown(o), origin: 'unknown' };
      if ((o === 'or' && ta) || (o === 'and' && !ta)) return a;
      const b = this.expr(p, right);
      return { ...b, origin: mergeOrigin(a.origin, b.origin), envVar: a.envVar ?? b.envVar };
    }
    const b = this.expr(p, right);
    const origin = mergeOrigin(mergeOrigin(a.origin, b.origin), 'computed');
    const envVar = a.envVar ?? b.envVar;
    let value: PyValue;
    switch (o) {
      case '+':
        value = add(a.value, b.value);
        break;
      case '-':
      case '*':
      case '//':
      case '%':
        if (a.value.t === 'num' && b.value.t === 'num') {
          const x = a.value.v;
          const y = b.value.v;
          value = {
            t: 'num',
            v:
              o === '-'
                ? x - y
                : o === '*'
                  ? x * y
                  : o === '//'
                    ? y === 0
                      ? Number.NaN
                      : Math.floor(x / y)
                    : y === 0
                      ? Number.NaN
                      : x % y,
          };
          if (!Number.isFinite(value.v)) value = unknown(o);
        } else if (
          o === '*' &&
          (a.value.t === 'list' || a.value.t === 'tuple') &&
          b.value.t === 'num' &&
          b.value.v >= 0 &&
          b.value.v < 100
        ) {
          value = {
            t: a.value.t,
            items: Array.from({ length: b.value.v }, () => (a.value as { items: PyValue[] }).items).flat(),
          };
        } else value = unknown(o);
        break;
      case '==':
      case '!=': {
        const e = pyEquals(a.value, b.value);
        value = e === undefined ? unknown(o) : { t: 'bool', v: o === '==' ? e : !e };
        break;
      }
      case 'in':
      case 'not in': {
        let r: boolean | undefined;
        if (b.value.t === 'list' || b.value.t === 'tuple') {
          r = false;
          for (const it of b.value.items) {
            const e = pyEquals(a.value, it);
            if (e === undefined) r = undefined;
            if (e === true) {
              r = true;
              break;
            }
          }
        } else if (b.value.t === 'str' && a.value.t === 'str') r = b.value.v.includes(a.value.v);
        value = r === undefined ? unknown(o) : { t: 'bool', v: o === 'in' ? r : !r };
        break;
      }
      case '/':
        if (a.value.t === 'str' || b.value.t === 'str') value = unknown('path join');
        else value = unknown('/');
        break;
      default:
        value = unknown(o);
    }
    return { value, origin: value.t === 'unknown' ? 'unknown' : origin, envVar, deployed: a.deployed || b.deployed };
  }
}

function castName(c: string | undefined): string | undefined {
  if (!c) return undefined;
  if (/^bool$/.test(c)) return 'bool';
  if (/^int$/.test(c)) return 'int';
  if (/^(decouple\.)?Csv\(/.test(c)) return 'list';
  if (/^(list|tuple)$/.test(c)) return c;
  if (/^str$/.test(c)) return 'str';
  return undefined;
}

/** What django-environ / decouple turn a string into, per cast. */
export function castEnvString(s: string, cast: string): PyValue {
  if (cast === 'bool') {
    const b = envStringToBool(s);
    return b === undefined ? unknown(`'${s}' is not a boolean`) : { t: 'bool', v: b };
  }
  if (cast === 'int') return /^-?\d+$/.test(s.trim()) ? { t: 'num', v: Number(s) } : unknown(`'${s}' is not an int`);
  if (cast === 'list' || cast === 'tuple')
    return { t: cast === 'tuple' ? 'tuple' : 'list', items: s.length === 0 ? [] : s.split(',').map((x) => str(x.trim())) };
  if (cast === 'str') return str(s);
  return unknown(`cast ${cast}`);
}

function stringMethod(v: PyValue, method: string, args: PyValue[]): PyValue {
  if (v.t !== 'str') return unknown(`.${method}()`);
  const a0 = args[0];
  switch (method) {
    case 'lower':
      return str(v.v.toLowerCase());
    case 'upper':
      return str(v.v.toUpperCase());
    case 'strip':
      return str(v.v.trim());
    case 'rstrip':
      return str(v.v.trimEnd());
    case 'lstrip':
      return str(v.v.trimStart());
    case 'split': {
      if (a0 === undefined || a0.t === 'none') return { t: 'list', items: v.v.split(/\s+/).filter(Boolean).map(str) };
      if (a0.t !== 'str' || a0.v === '') return unknown('.split()');
      return { t: 'list', items: v.v.split(a0.v).map(str) };
    }
    case 'startswith':
      return a0?.t === 'str' ? { t: 'bool', v: v.v.startsWith(a0.v) } : unknown('.startswith()');
    case 'endswith':
      return a0?.t === 'str' ? { t: 'bool', v: v.v.endsWith(a0.v) } : unknown('.endswith()');
    case 'replace':
      return a0?.t === 'str' && args[1]?.t === 'str' ? str(v.v.split(a0.v).join(args[1].v)) : unknown('.replace()');
    default:
      return unknown(`.${method}()`);
  }
}

function add(a: PyValue, b: PyValue): PyValue {
  if (a.t === 'str' && b.t === 'str') return str(a.v + b.v);
  if (a.t === 'num' && b.t === 'num') return { t: 'num', v: a.v + b.v };
  if ((a.t === 'list' && b.t === 'list') || (a.t === 'tuple' && b.t === 'tuple'))
    return { t: a.t, items: [...a.items, ...b.items] };
  if (a.t === 'list' && b.t === 'tuple') return { t: 'list', items: [...a.items, ...b.items] };
  if (a.t === 'unknown' && a.template !== undefined && b.t === 'str') return { ...a, template: a.template + b.v };
  if (a.t === 'str' && b.t === 'unknown') return { t: 'unknown', why: b.why, template: a.v + (b.template ?? '{…}') };
  return unknown('+');
}

export function mergeOrigin(a: Origin, b: Origin): Origin {
  const rank: Record<Origin, number> = { literal: 0, computed: 1, env: 2, unknown: 3 };
  return rank[a] >= rank[b] ? a : b;
}

function switchOf(
  p: ParsedPython,
  kw: SyntaxNode,
  test: SyntaxNode,
  body: SyntaxNode,
  d: ReturnType<Evaluator['decide']>,
): EnvSwitch | undefined {
  if (d.value === undefined || !d.envVar) return undefined;
  return {
    envVar: d.envVar,
    test: p.text.slice(test.from, test.to),
    file: p.file,
    line: position(p, kw.from).line,
    testFrom: test.from,
    testTo: test.to,
    bodyFrom: body.from,
    bodyTo: body.to,
    on: d.value,
    deployed: d.deployed === true,
    default: d.envDefault ? show(d.envDefault) : undefined,
  };
}

/** The innermost `if`/`elif` whose body holds `node`, decided against the module scope (functions included). */
function guardOf(p: ParsedPython, ev: Evaluator, node: SyntaxNode): EnvSwitch | undefined {
  for (let n: SyntaxNode | null = node.parent; n; n = n.parent) {
    if (n.name !== 'Body' || n.parent?.name !== 'IfStatement') continue;
    const test = n.prevSibling;
    const kw = test?.prevSibling;
    if (!test || !kw || (kw.name !== 'if' && kw.name !== 'elif')) return undefined;
    return switchOf(p, kw, test, n, ev.decide(p, test));
  }
  return undefined;
}

/**
 * Re-decides a recorded switch's test for one deployment's environment (the module's bindings as evaluated), to
 * say which deployments turn the branch on. Undefined when the test is not known statically.
 */
export function decideSwitch(
  p: ParsedPython,
  scope: Scope,
  sw: EnvSwitch,
  deploymentEnv: Record<string, string>,
): boolean | undefined {
  const node = p.tree.resolveInner(sw.testFrom, 1);
  let test: SyntaxNode | null = node;
  while (test && !(test.from === sw.testFrom && test.to === sw.testTo)) test = test.parent;
  if (!test) return undefined;
  return new Evaluator(scope, { deploymentEnv }).decide(p, test).value;
}

function combine(a: string | undefined, b: string): string {
  return a ? `${a}; ${b}` : b;
}

/** Evaluates one module (with its star imports) into a fresh scope. */
export function evaluateModule(p: ParsedPython, env: EvalEnv = {}): Scope {
  const scope = new Scope();
  new Evaluator(scope, env).run(p);
  return scope;
}

/**
 * Records calls whose callee matches `filter` anywhere in the module, including inside functions
 * (Flask app factories), evaluating their arguments against the module scope. Module-level calls
 * already recorded by `run` are not duplicated.
 */
export function collectCalls(p: ParsedPython, scope: Scope, filter: RegExp, env: EvalEnv = {}): void {
  const ev = new Evaluator(scope, env);
  const seen = new Set(scope.calls.map((c) => `${c.file}:${c.line}:${c.column}`));
  const c = p.tree.cursor();
  let guard = 0;
  do {
    if (++guard > MAX_NODES) break;
    if (c.name !== 'CallExpression') continue;
    const node = c.node;
    const callee = node.firstChild;
    if (!callee || !filter.test(p.text.slice(callee.from, callee.to).replace(/\s+/g, ''))) continue;
    const { line, column } = position(p, node.from);
    if (seen.has(`${p.file}:${line}:${column}`)) continue;
    seen.add(`${p.file}:${line}:${column}`);
    const parent = node.parent;
    let assignedTo: string | undefined;
    if (parent?.name === 'AssignStatement' && parent.lastChild?.from === node.from) {
      const first = parent.firstChild;
      if (first) assignedTo = p.text.slice(first.from, first.to).replace(/\s+/g, '');
    }
    ev.call(p, node, assignedTo);
    const site = scope.calls.at(-1);
    if (site && site.line === line && site.column === column) site.switch = guardOf(p, ev, node);
  } while (c.next());
}
