/**
 * HAProxy collector: `global/defaults/frontend/backend/listen` sections (each proxy takes the last
 * `defaults` above it), several `bind` lines (`ssl`, `accept-proxy`), `mode http|tcp`, `option
 * forwardfor [except NET]`, `http-request set-header/add-header/del-header` with `if`/`unless`
 * conditions (`{ ssl_fc }`, `!{ ssl_fc }`, named `acl NAME ssl_fc`), legacy 1.x `reqadd`/`reqidel`/
 * `reqdel`, `default_backend` and `use_backend`, `server` lines with `ssl`. A file is HAProxy's by its name
 * (`haproxy*.cfg`, `*.cfg`), by its content when named on the command line, or by where a Dockerfile copies it
 * (`/usr/local/etc/haproxy/haproxy.cfg`, `/etc/haproxy/haproxy.cfg`) when its content reads as HAProxy.
 *
 * HAProxy semantics (configuration manual 2.6): every client header passes unchanged; HAProxy sets no
 * X-Forwarded-Proto itself; `option forwardfor` appends the client address to X-Forwarded-For;
 * `add-header`/`reqadd` append a header line (a client's value survives, and two values contradict),
 * `set-header` replaces it. Without `mode http` a proxy is in TCP mode and http rules do not apply.
 */
import { listenerPortsText, parseAddress, templatedListen } from '../../chain/addr.js';
import type { HeaderRule, Listener, ProxyRoute, RedirectDecidedBy, Ref, Template, Upstream } from '../../chain/model.js';
import type { Collector } from '../../model/collector.js';
import type { HaproxyExtra, ProxyConfigFacts, ProxySite } from '../../model/proxy.js';
import { mayBeHaproxyConfig, mayBeHaproxyImage, mayBeVersionOutput } from '../claims.js';
import { parseDockerfile, treeCopies } from '../deploy/formats.js';
import { fencedOfFormat } from '../fenced.js';
import { addProxyFacts, baseName, configName, readText } from '../proxy/common.js';
import { isDockerfileName, sniffConfigFormat } from '../sniff.js';

export interface HaproxySection {
  kind: 'global' | 'defaults' | 'frontend' | 'backend' | 'listen' | 'other';
  name: string;
  line: number;
  lines: Array<{ words: string[]; line: number }>;
}

const ESCAPED: Record<string, string> = { ' ': ' ', '\\': '\\', '#': '#', '"': '"', "'": "'", $: '$', t: '\t', r: '\r', n: '\n' };

/** HAProxy words: quotes group, a backslash escapes the next character (`X-Forwarded-Proto:\ https`). */
export function haproxyWords(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let q: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (q) {
      if (c === q) q = undefined;
      else if (c === '\\' && q === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
      continue;
    }
    if (c === '\\' && i + 1 < line.length) {
      // HAProxy's parse_line unescapes `\ `, `\\`, `\#`, quotes and `\$`; any other backslash stays, so a
      // regex keeps `\.` and a replacement keeps its `\1`.
      const n = line[++i] as string;
      cur += ESCAPED[n] ?? `\\${n}`;
      has = true;
    } else if (c === '"' || c === "'") {
      q = c;
      has = true;
    } else if (c === '#') break;
    else if (c === ' ' || c === '\t') {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

const SECTION = new Set([
  'global',
  'defaults',
  'frontend',
  'backend',
  'listen',
  'peers',
  'resolvers',
  'userlist',
  'program',
  'cache',
  'mailers',
  'http-errors',
  'ring',
]);

export function parseHaproxy(src: string): HaproxySection[] {
  const sections: HaproxySection[] = [];
  let cur: HaproxySection | undefined;
  src.split(/\r?\n/).forEach((raw, i) => {
    const w = haproxyWords(raw.trim());
    if (w.length === 0) return;
    const head = w[0] as string;
    if (SECTION.has(head) && !/^\s/.test(raw)) {
      const kind = (
        ['global', 'defaults', 'frontend', 'backend', 'listen'].includes(head) ? head : 'other'
      ) as HaproxySection['kind'];
      cur = { kind, name: w[1] ?? '', line: i + 1, lines: [] };
      sections.push(cur);
      return;
    }
    if (SECTION.has(head) && ['frontend', 'backend', 'listen', 'defaults', 'global'].includes(head) && w.length <= 3) {
      cur = { kind: head as HaproxySection['kind'], name: w[1] ?? '', line: i + 1, lines: [] };
      sections.push(cur);
      return;
    }
    cur?.lines.push({ words: w, line: i + 1 });
  });
  return sections;
}

/** `%[ssl_fc,iif(https,http)]` and friends -> the chain's template language. */
export function haproxyToTemplate(v: string): Template {
  return v.replace(/%\[([^\]]*)\]/g, (_m, expr: string) => {
    const e = expr.replace(/\s/g, '');
    if (/^ssl_fc,iif\(https,http\)$/.test(e)) return '{scheme}';
    if (e === 'src') return '{remote_addr}';
    if (/^req\.hdr\(host\)$/i.test(e) || /^hdr\(host\)$/i.test(e)) return '{http_host}';
    const h = /^(?:req\.)?hdr\(([^),]+)\)$/i.exec(e);
    if (h) return `{in:${(h[1] as string).toLowerCase()}}`;
    return `{?%[${expr}]}`;
  });
}

type When = HeaderRule['when'] | 'other' | undefined;

function condition(ws: string[], acls: Map<string, 'tls' | 'plain'>): When {
  const i = ws.findIndex((x) => x === 'if' || x === 'unless');
  if (i < 0) return undefined;
  const neg = ws[i] === 'unless';
  const cond = ws
    .slice(i + 1)
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  let r: 'tls' | 'plain' | 'other' = 'other';
  const m = /^(!)?\s*\{ ?ssl_fc ?\}$/.exec(cond);
  if (m) r = m[1] ? 'plain' : 'tls';
  else {
    const n = /^(!)?(\S+)$/.exec(cond);
    const a = n ? acls.get(n[2] as string) : undefined;
    if (a) r = n?.[1] ? (a === 'tls' ? 'plain' : 'tls') : a;
  }
  if (r === 'other') return 'other';
  return neg ? (r === 'tls' ? 'plain' : 'tls') : r;
}

/**
 * One term of an ACL condition about the scheme: the connection (`ssl_fc`) or the X-Forwarded-Proto header
 * (`hdr(x-forwarded-proto) https`, `req.hdr(...) -m str https`, `hdr_beg(...)`, `-i`): `tls`/`plain`, or the header
 * equals `https`/`http`; `!` negates. Anything else is `other`.
 */
type SchemeTerm = 'tls' | 'plain' | 'hdr-https' | 'hdr-not-https' | 'hdr-http' | 'hdr-not-http' | 'other';

const NEGATE: Record<SchemeTerm, SchemeTerm> = {
  tls: 'plain',
  plain: 'tls',
  'hdr-https': 'hdr-not-https',
  'hdr-not-https': 'hdr-https',
  'hdr-http': 'hdr-not-http',
  'hdr-not-http': 'hdr-http',
  other: 'other',
};

/** An ACL criterion (`ssl_fc`, `hdr(x-forwarded-proto) -i https`) as a scheme term. */
function criterionTerm(words: string[]): SchemeTerm {
  const [fetch, ...rest] = words;
  if (!fetch) return 'other';
  if (/^ssl_fc$/i.test(fetch) && rest.length === 0) return 'tls';
  const h = /^(?:req\.)?hdr(_beg|_str)?\(\s*x-forwarded-proto\s*(?:,\s*-?1\s*)?\)$/i.exec(fetch);
  if (!h) return 'other';
  let method = h[1] === '_beg' ? 'beg' : 'str';
  const values: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const x = rest[i] as string;
    if (x === '-i') continue;
    if (x === '-m') method = rest[++i] ?? '';
    else if (x === '--') continue;
    else if (x.startsWith('-')) return 'other';
    else values.push(x.toLowerCase());
  }
  // `-m beg https` matches `https` only; `-m beg http` matches `https` too: not a test for http.
  if (values.length !== 1 || (method !== 'str' && method !== 'beg')) return 'other';
  if (values[0] === 'https') return 'hdr-https';
  if (values[0] === 'http' && method === 'str') return 'hdr-http';
  return 'other';
}

/** Named ACLs of a section as scheme terms; a name declared twice (an OR) or about anything else is `other`. */
function headerAcls(sec: HaproxySection): Map<string, SchemeTerm> {
  const out = new Map<string, SchemeTerm>();
  for (const l of sec.lines) {
    const w = l.words;
    if (w[0] !== 'acl' || !w[1]) continue;
    out.set(w[1], out.has(w[1]) ? 'other' : criterionTerm(w.slice(2)));
  }
  return out;
}

/**
 * What decides a `redirect scheme https` rule (HAProxy passes every client header on and trusts no peer, so a
 * header test reads the header from anyone): no condition, or the plain connection: `connection`; X-Forwarded-Proto
 * not `https` (`if !{ req.hdr(x-forwarded-proto) -m str https }`, `unless is_https`), with or without `!{ ssl_fc }`:
 * `forwarded-proto-any`; X-Forwarded-Proto `http` (`if { hdr(x-forwarded-proto) http }`): `forwarded-proto-http`.
 * `null`: a rule that never redirects a plain request (`if { ssl_fc }`); `undefined`: any other condition (a path,
 * a host, an OR), not modelled. Terms written side by side are ANDed; `unless` negates a single term.
 */
export function redirectCondition(
  words: string[],
  connectionAcls: Map<string, 'tls' | 'plain'>,
  named: Map<string, SchemeTerm>,
): RedirectDecidedBy | null | undefined {
  const i = words.findIndex((x) => x === 'if' || x === 'unless');
  if (i < 0) return 'connection';
  const text = words.slice(i + 1).join(' ');
  const terms: SchemeTerm[] = [];
  for (const m of text.matchAll(/(!?)\s*(?:\{([^}]*)\}|([^\s!{]\S*))/g)) {
    const [, bang, inner, name] = m;
    if (name === '||' || name?.toLowerCase() === 'or') return undefined;
    let t: SchemeTerm;
    if (inner !== undefined) t = criterionTerm(inner.trim().split(/\s+/));
    else {
      const c = connectionAcls.get(name as string);
      t = c ?? named.get(name as string) ?? 'other';
    }
    terms.push(bang ? NEGATE[t] : t);
  }
  if (terms.length === 0 || terms.includes('other')) return undefined;
  if (words[i] === 'unless') {
    if (terms.length !== 1) return undefined;
    terms[0] = NEGATE[terms[0] as SchemeTerm];
  }
  const set = new Set(terms);
  if (set.has('tls')) return null;
  set.delete('plain');
  if (set.size === 0) return 'connection';
  if (set.size === 1 && set.has('hdr-not-https')) return 'forwarded-proto-any';
  if (set.size === 1 && set.has('hdr-http')) return 'forwarded-proto-http';
  return undefined;
}

/**
 * A section's `redirect scheme https` (`http-request redirect ...` or the legacy form) that redirects a plain
 * request: its line and what decides it (`redirectCondition`); the first such rule wins. A rule under a condition
 * the model does not read leaves a note.
 */
function httpsRedirect(
  file: string,
  sec: HaproxySection,
  acls: Map<string, 'tls' | 'plain'>,
  notes: string[],
): { ref: Ref; by: RedirectDecidedBy } | undefined {
  const named = headerAcls(sec);
  for (const l of sec.lines) {
    const w = l.words[0] === 'http-request' ? l.words.slice(1) : l.words;
    if (w[0] !== 'redirect' || w[1] !== 'scheme' || w[2]?.toLowerCase() !== 'https') continue;
    const by = redirectCondition(l.words, acls, named);
    if (by) return { ref: { file, line: l.line, snippet: l.words.join(' ') }, by };
    if (by === undefined)
      notes.push(
        `${file}:${l.line}: a redirect to https under a condition other than ssl_fc or X-Forwarded-Proto is not modelled`,
      );
  }
  return undefined;
}

function withAcls(base: Map<string, 'tls' | 'plain'>, sec: HaproxySection): Map<string, 'tls' | 'plain'> {
  const out = new Map(base);
  aclsOf(sec, out);
  return out;
}

function aclsOf(sec: HaproxySection | undefined, into: Map<string, 'tls' | 'plain'>): void {
  for (const l of sec?.lines ?? []) {
    const w = l.words;
    if (w[0] !== 'acl' || !w[1]) continue;
    const rest = w.slice(2).join(' ');
    if (/^ssl_fc$/.test(rest)) into.set(w[1], 'tls');
    else if (/^dst_port 443$/.test(rest)) into.set(w[1], 'tls');
    else if (/^dst_port 80$/.test(rest)) into.set(w[1], 'plain');
  }
}

function headerRules(
  file: string,
  sec: HaproxySection | undefined,
  acls: Map<string, 'tls' | 'plain'>,
  notes: string[],
): HeaderRule[] {
  const out: HeaderRule[] = [];
  for (const l of sec?.lines ?? []) {
    const w = l.words;
    const ref: Ref = { file, line: l.line, snippet: w.join(' ') };
    let when = condition(w, acls);
    if (when === 'other') {
      notes.push(`${file}:${l.line}: a condition other than ssl_fc is not modelled; the rule is taken as unconditional`);
      when = undefined;
    }
    if (w[0] === 'http-request') {
      const act = w[1];
      const name = w[2] ?? '';
      if (act === 'del-header') out.push({ name, value: null, ref, from: 'route', when });
      else if ((act === 'replace-header' || act === 'replace-value') && w[4] !== undefined)
        out.push(replaceRule(name, w[3] ?? '', w[4], ref, when, notes));
      else if (act === 'set-header' || act === 'add-header')
        out.push({
          name,
          value: haproxyToTemplate(w[3] ?? ''),
          ref,
          from: 'route',
          append: act === 'add-header',
          ...(act === 'add-header' ? { newLine: true } : {}),
          when,
          sendEmpty: true,
        });
    } else if (w[0] === 'reqadd' && w[1]) {
      const m = /^([^:\s]+):\s*(.*)$/.exec(w[1]);
      if (m)
        out.push({
          name: m[1] as string,
          value: m[2] as string,
          ref,
          from: 'route',
          append: true,
          newLine: true,
          when,
          sendEmpty: true,
        });
    } else if ((w[0] === 'reqdel' || w[0] === 'reqidel') && w[1]) {
      const m = /^\^?([A-Za-z0-9-]+):/.exec(w[1]);
      if (m) out.push({ name: m[1] as string, value: null, ref, from: 'route', when });
    } else if ((w[0] === 'reqrep' || w[0] === 'reqirep') && w[1] && w[2] !== undefined) {
      // 1.x: a regex over the whole header line, `^Name:\ value` -> `Name:\ new`; one over the request line
      // (`^GET\ /old`) rewrites the path, not a header.
      const search = /^\^([A-Za-z0-9-]+):\s?(.*)$/.exec(w[1]);
      const repl = /^([A-Za-z0-9-]+):\s?(.*)$/.exec(w[2]);
      if (search && repl && (search[1] as string).toLowerCase() === (repl[1] as string).toLowerCase())
        out.push(replaceRule(search[1] as string, search[2] as string, repl[2] as string, ref, when, notes));
      else if (search) {
        notes.push(`${file}:${l.line}: ${w[0]} renames or rewrites header ${search[1]} in a way the model does not follow`);
        out.push({ name: search[1] as string, value: `{?${w[0]} ${w[2]}}`, ref, from: 'route', when, ifPresent: true });
      }
    }
  }
  return out;
}

/**
 * `http-request replace-header NAME REGEX FMT` (and 1.x `reqrep ^NAME:\ REGEX NAME:\ FMT`): only a header the
 * request carries is rewritten. A regex matching the whole value with a replacement that uses no capture sets a
 * known value; anything else depends on what the client sent.
 */
function replaceRule(name: string, regex: string, fmt: string, ref: Ref, when: HeaderRule['when'], notes: string[]): HeaderRule {
  const whole = /^\^?\(?\.[*+]\)?\$?$/.test(regex);
  const fixed = whole && !/\\\d/.test(fmt);
  if (!fixed)
    notes.push(`${ref.file}:${ref.line}: ${name} is rewritten from the incoming value; the model does not evaluate the regex`);
  return {
    name,
    value: fixed ? haproxyToTemplate(fmt) : `{?replace ${name} ${regex} ${fmt}}`,
    ref,
    from: 'route',
    when,
    ifPresent: true,
    sendEmpty: true,
  };
}

/** The 1.x regex header directives HAProxy 2.1 removed (cfgparse-listen.c: "not supported anymore since HAProxy 2.1"). */
const LEGACY = /^(req|rsp)(i?rep|i?del|add|i?allow|i?deny|i?pass|i?tarpit)$/;

/** A word as HAProxy reads it unquoted: spaces (and `#`) escaped with a backslash, other backslashes kept. */
function escapeWord(w: string): string {
  return w.replace(/([ #"'])/g, '\\$1');
}

/**
 * What HAProxy 2.1+ writes for a 1.x header directive (its own error message names the action):
 * `reqadd Name:\ v` -> `http-request add-header Name v`; `reqdel ^Name:.*` -> `http-request del-header Name`;
 * `reqirep ^Name:\ re Name:\ fmt` -> `http-request replace-header Name (?i)re fmt`; the `rsp*` ones likewise with
 * `http-response`. A directive over the request line, or that renames a header, has no one-line equivalent.
 */
export function modernEquivalent(words: string[]): string | undefined {
  const m = /^(req|rsp)(i?)(rep|del|add)$/.exec(words[0] ?? '');
  if (!m) return undefined;
  const action = m[1] === 'req' ? 'http-request' : 'http-response';
  const insensitive = m[2] === 'i';
  const ci = words.findIndex((x, i) => i > 0 && (x === 'if' || x === 'unless'));
  const args = ci > 0 ? words.slice(1, ci) : words.slice(1);
  const cond = ci > 0 ? ` ${words.slice(ci).map(escapeWord).join(' ')}` : '';
  if (m[3] === 'add') {
    const h = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(args[0] ?? '');
    return h?.[2] && args.length === 1 ? `${action} add-header ${h[1]} ${escapeWord(h[2])}${cond}` : undefined;
  }
  if (m[3] === 'del') {
    const h = /^\^([A-Za-z0-9-]+):(?:\s?\.\*)?$/.exec(args[0] ?? '');
    return h && args.length === 1 ? `${action} del-header ${h[1]}${cond}` : undefined;
  }
  const search = /^\^([A-Za-z0-9-]+):\s?(.*)$/.exec(args[0] ?? '');
  const repl = /^([A-Za-z0-9-]+):\s?(.*)$/.exec(args[1] ?? '');
  if (!search || !repl || args.length !== 2 || (search[1] as string).toLowerCase() !== (repl[1] as string).toLowerCase())
    return undefined;
  const regex = `${insensitive ? '(?i)' : ''}${search[2] || '.*'}`;
  return `${action} replace-header ${search[1]} ${escapeWord(regex)} ${escapeWord(repl[2] as string)}${cond}`;
}

function forwardfor(sec: HaproxySection | undefined): { ref: Ref; except?: string; ifNone: boolean } | undefined {
  for (const l of sec?.lines ?? []) {
    if (l.words[0] === 'option' && l.words[1] === 'forwardfor') {
      const ex = l.words.indexOf('except');
      return {
        ref: { line: l.line, file: '', snippet: l.words.join(' ') },
        except: ex > 0 ? l.words[ex + 1] : undefined,
        ifNone: l.words.includes('if-none'),
      };
    }
    if (l.words[0] === 'no' && l.words[1] === 'option' && l.words[2] === 'forwardfor') return undefined;
  }
  return undefined;
}

function modeOf(sec: HaproxySection | undefined): 'http' | 'tcp' | undefined {
  const l = sec?.lines.find((x) => x.words[0] === 'mode');
  return l?.words[1] === 'http' ? 'http' : l?.words[1] === 'tcp' ? 'tcp' : undefined;
}

export function readHaproxy(file: string, src: string): ProxyConfigFacts {
  const secs = parseHaproxy(src);
  const notes: string[] = [];
  const backends = new Map(secs.filter((s) => s.kind === 'backend' || s.kind === 'listen').map((s) => [s.name, s]));
  const defaultsOf = new Map<HaproxySection, HaproxySection | undefined>();
  let lastDefaults: HaproxySection | undefined;
  for (const s of secs) {
    if (s.kind === 'defaults') lastDefaults = s;
    else defaultsOf.set(s, lastDefaults);
  }
  const extra: HaproxyExtra = { rulesWithoutHttpMode: [], legacy: [] };
  const sites: ProxySite[] = [];
  for (const s of secs) {
    for (const l of s.lines)
      if (LEGACY.test(l.words[0] ?? ''))
        extra.legacy?.push({
          directive: l.words[0] as string,
          section: `${s.kind} ${s.name}`,
          ref: { file, line: l.line, snippet: l.words.join(' ') },
          replacement: modernEquivalent(l.words),
        });
    if (s.kind !== 'frontend' && s.kind !== 'backend' && s.kind !== 'listen') continue;
    const hasRules = s.lines.find((l) => /^(http-request|reqadd|reqrep|reqirep|reqdel|reqidel)$/.test(l.words[0] ?? ''));
    if (hasRules && !modeOf(s) && !modeOf(defaultsOf.get(s)))
      extra.rulesWithoutHttpMode.push({
        section: `${s.kind} ${s.name}`,
        ref: { file, line: s.line, snippet: `${s.kind} ${s.name}` },
      });
  }
  secs.forEach((fe) => {
    if (fe.kind !== 'frontend' && fe.kind !== 'listen') return;
    const defaults = defaultsOf.get(fe);
    const listeners: Listener[] = [];
    for (const l of fe.lines) {
      if (l.words[0] !== 'bind') continue;
      const tls = l.words.includes('ssl');
      for (const a0 of (l.words[1] ?? '').split(',')) {
        // `bind *:{{ port }} ssl crt ...` in a template: the frontend still listens, on a port set at render time.
        const templated = templatedListen(a0);
        const a = templated ? { kind: 'tcp' as const, host: templated.host, port: tls ? 443 : 80 } : parseAddress(a0);
        if (a?.kind !== 'tcp') continue;
        listeners.push({
          port: a.port,
          address: a.host === '*' || a.host === '0.0.0.0' || a.host === '' || a.host === '::' ? undefined : a.host,
          tls,
          proxyProtocol: l.words.includes('accept-proxy'),
          defaultServer: false,
          ref: { file, line: l.line, snippet: l.words.join(' ') },
          ...(templated ? { portUnknown: true } : {}),
        });
      }
    }
    const feMode = modeOf(fe) ?? modeOf(defaults) ?? 'tcp';
    const feRef: Ref = { file, line: fe.line, snippet: `${fe.kind} ${fe.name}` };
    const acls = new Map<string, 'tls' | 'plain'>();
    aclsOf(defaults, acls);
    aclsOf(fe, acls);
    const routes: ProxyRoute[] = [];
    const targets: Array<{ be: HaproxySection; ref: Ref; cond: string }> = [];
    if (fe.kind === 'listen') targets.push({ be: fe, ref: feRef, cond: '' });
    for (const l of fe.lines) {
      if (l.words[0] !== 'use_backend' && l.words[0] !== 'default_backend') continue;
      const be = backends.get(l.words[1] ?? '');
      const ref = { file, line: l.line, snippet: l.words.join(' ') };
      if (!be) {
        notes.push(`${file}:${l.line}: backend ${l.words[1]} is not defined in this file`);
        continue;
      }
      if (!targets.some((t) => t.be === be)) targets.push({ be, ref, cond: l.words.slice(2).join(' ') });
    }
    for (const t of targets) {
      const be = t.be;
      const beDefaults = defaultsOf.get(be);
      const mode = feMode === 'http' && (modeOf(be) ?? modeOf(beDefaults) ?? 'tcp') === 'http' ? 'http' : feMode;
      const ups: Upstream[] = be.lines
        .filter((l) => l.words[0] === 'server')
        .map((l) => ({
          text: l.words[2] ?? '',
          address: parseAddress(l.words[2] ?? '', l.words.includes('ssl') ? 443 : 80),
          ref: { file, line: l.line, snippet: l.words.join(' ') },
        }));
      const rules: HeaderRule[] = [];
      if (mode === 'http') {
        const ff = forwardfor(fe) ?? (be === fe ? undefined : forwardfor(be)) ?? forwardfor(defaults);
        const beAcls = new Map(acls);
        aclsOf(be, beAcls);
        rules.push(...headerRules(file, fe, acls, notes), ...(be === fe ? [] : headerRules(file, be, beAcls, notes)));
        // HAProxy adds forwardfor's line after every http-request rule (a `set-header X-Forwarded-For` does not
        // replace it, a `del-header` does not remove it); `if-none` adds nothing where the header is then there
        // (both checked on HAProxy 2.6.12: test/checks/proxy/header-repeated-proxies-real.test.ts).
        if (ff)
          rules.push({
            name: 'X-Forwarded-For',
            value: '{remote_addr}',
            append: true,
            ...(ff.ifNone ? { ifAbsent: true } : { newLine: true }),
            ...(ff.except ? { unlessPeerIn: [ff.except] } : {}),
            ref: { ...ff.ref, file },
            from: 'route',
          });
      }
      // A backend's own `redirect scheme https` (allowed in backend sections) answers the requests routed to it.
      const beRedirect = mode === 'http' && be !== fe ? httpsRedirect(file, be, withAcls(acls, be), notes) : undefined;
      routes.push({
        id: `haproxy:${file}:${fe.line}:${be.name}`,
        match: `${fe.kind} ${fe.name}${be === fe ? '' : ` -> backend ${be.name}`}${t.cond ? ` ${t.cond}` : ''}`,
        samplePath: '/',
        ref: t.ref,
        protocol: be.lines.some((l) => l.words[0] === 'server' && l.words.includes('ssl')) ? 'https' : 'http',
        upstreams: ups,
        headers: rules,
        ...(beRedirect ? { redirectsToHttps: beRedirect.ref, redirectDecidedBy: beRedirect.by } : {}),
      });
    }
    // `redirect scheme https [if !{ ssl_fc }]` / `http-request redirect scheme https unless { ssl_fc }`: plain
    // requests get a redirect, decided by the connection (ssl_fc). Behind a TLS balancer the condition is the
    // header the balancer sends, which HAProxy reads from any peer (`redirectCondition`). A redirect under another
    // condition (a path, a host) is not modelled, and says so.
    const redirect = feMode === 'http' ? httpsRedirect(file, fe, acls, notes) : undefined;
    sites.push({
      id: `haproxy:${file}:${fe.line}`,
      label: `haproxy :${listenerPortsText(listeners)} (${baseName(file)}:${fe.line})`,
      ref: feRef,
      names: [],
      listeners,
      routes,
      siteHeaders: [],
      passesIncoming: true,
      trust: { mode: 'passthrough', list: [], ref: { ...feRef, origin: 'default' } },
      ...(redirect ? { redirectsToHttps: redirect.ref, redirectDecidedBy: redirect.by } : {}),
      mode: feMode,
      notes,
    });
  });
  return { kind: 'haproxy', file, sites, assumedVersion: '2.6', haproxy: extra };
}

export function looksLikeHaproxy(name: string, src: string): boolean {
  if (/^haproxy.*\.(cfg|conf|config)$/i.test(name) || /\.cfg$/i.test(name))
    return /^(frontend|backend|listen)\s+\S+/m.test(src) || /^defaults\b/m.test(src);
  return false;
}

/**
 * `haproxy -v` / `haproxy -vv` output saved in the tree: its first line is "HAProxy version 2.6.12-1+deb12u1 2023/..."
 * (1.x and 2.0: "HA-Proxy version 1.8.19 2019/02/11"; src/haproxy.c `display_version`). Read from small text files
 * whose name says HAProxy and that are not configurations (`haproxy-version.txt`, `haproxy.vv`, `haproxy.log`): the
 * first such line, at the left margin, as version evidence.
 */
export function haproxyVersionLine(src: string): { value: string; line: number; text: string } | undefined {
  const head = src.length > 4096 ? src.slice(0, 4096) : src;
  const m = /^HA-?Proxy version (\d+\.\d+(?:\.\d+)?)\S*(?: .*)?$/m.exec(head);
  if (!m) return undefined;
  const line = head.slice(0, m.index).split('\n').length;
  return { value: m[1] as string, line, text: m[0].trim() };
}

/** Where the official image and Debian's package read their config (`haproxy -f`'s default in each). */
const HAPROXY_CONFIG_PATH = /^\/(?:usr\/local\/)?etc\/haproxy\/haproxy\.cfg$/;

/**
 * Tree files a Dockerfile copies to HAProxy's config path (`COPY proxy-server-config.conf
 * /usr/local/etc/haproxy/haproxy.cfg`): HAProxy's config whatever their own name says.
 */
function copiedToHaproxyPath(ctx: Parameters<Collector['collect']>[0]): Set<string> {
  const out = new Set<string>();
  for (const f of ctx.files) {
    if (ctx.claimed.has(f.abs) || !isDockerfileName(configName(f.display))) continue;
    const text = readText(ctx, f);
    if (!mayBeHaproxyImage(configName(f.display), text)) continue;
    for (const c of treeCopies(parseDockerfile(text as string), ctx.files))
      if (!c.fromStage && HAPROXY_CONFIG_PATH.test(c.dest)) out.add(c.file.abs);
  }
  return out;
}

export const haproxyCollector: Collector = {
  name: 'haproxy',
  collect(ctx) {
    const configTexts: string[] = [];
    const copied = copiedToHaproxyPath(ctx);
    for (const f of ctx.files) {
      if (ctx.claimed.has(f.abs)) continue;
      const name = configName(f.display);
      if (mayBeVersionOutput(f)) {
        const text = readText(ctx, f);
        const v = text === undefined ? undefined : haproxyVersionLine(text);
        if (v) {
          ctx.facts.proxyVersions ??= [];
          ctx.facts.proxyVersions.push({
            kind: 'haproxy',
            value: v.value,
            ref: { file: f.display, line: v.line, snippet: v.text },
          });
          continue;
        }
      }
      // Named on the command line, the content decides (the name of `site.conf` says nothing).
      const inPlace = copied.has(f.abs);
      if (!mayBeHaproxyConfig(f) && !inPlace) continue;
      const src = readText(ctx, f);
      if (src === undefined) continue;
      if (!(looksLikeHaproxy(name, src) || ((f.explicit || inPlace) && sniffConfigFormat(src) === 'haproxy'))) continue;
      ctx.claimed.add(f.abs);
      addProxyFacts(ctx, readHaproxy(f.display, src));
      configTexts.push(src);
    }
    // haproxy.cfg shown in a Markdown/MDX code fence (collectors/fenced.ts): a guide's load balancer, read at the
    // document's lines; a fence quoting the tree's own config is that file.
    for (const { f, block } of fencedOfFormat(ctx, 'haproxy', configTexts))
      addProxyFacts(ctx, readHaproxy(f.display, block.text));
  },
};
