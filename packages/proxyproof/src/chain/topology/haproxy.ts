/**
 * A small haproxy.cfg reader for the chain (no collector reads HAProxy yet): frontends/listens
 * with their `bind` lines (`ssl` = TLS), the backend they use (`default_backend`, first
 * `use_backend`), the backend's `server`s, `http-request set-header/add-header/del-header`
 * (with `if { ssl_fc }` / `if !{ ssl_fc }`), and `option forwardfor` from defaults or sections.
 *
 * HAProxy semantics modelled (HAProxy 2.6 configuration manual): Host and every client header
 * pass unchanged; nothing sets X-Forwarded-Proto by itself; `option forwardfor` appends the
 * client address to X-Forwarded-For; `add-header` appends a header line (a forged value survives),
 * `set-header` replaces it.
 */
import { parseAddress } from '../addr.js';
import type { HeaderRule, Listener, ProxyHop, ProxyRoute, Template, Upstream } from '../model.js';

interface Section {
  kind: 'global' | 'defaults' | 'frontend' | 'backend' | 'listen';
  name: string;
  line: number;
  lines: Array<{ words: string[]; line: number }>;
}

function words(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const m of line.matchAll(re)) out.push(m[1] ?? m[2] ?? (m[3] as string));
  return out;
}

export function parseHaproxy(src: string): Section[] {
  const sections: Section[] = [];
  let cur: Section | undefined;
  src.split(/\r?\n/).forEach((raw, i) => {
    const text = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!text) return;
    const w = words(text);
    const head = w[0] as string;
    if (['global', 'defaults', 'frontend', 'backend', 'listen'].includes(head)) {
      cur = { kind: head as Section['kind'], name: w[1] ?? '', line: i + 1, lines: [] };
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
    if (/^req\.hdr\(host\)$/i.test(e) || e === 'hdr(host)') return '{http_host}';
    const h = /^req\.hdr\(([^)]+)\)$/i.exec(e);
    if (h) return `{in:${(h[1] as string).toLowerCase()}}`;
    return `{?%[${expr}]}`;
  });
}

function condition(ws: string[]): HeaderRule['when'] | 'other' | undefined {
  const i = ws.findIndex((x) => x === 'if' || x === 'unless');
  if (i < 0) return undefined;
  const cond = ws
    .slice(i + 1)
    .join(' ')
    .replace(/\s+/g, ' ');
  const neg = ws[i] === 'unless';
  if (/^\{ ?ssl_fc ?\}$/.test(cond)) return neg ? 'plain' : 'tls';
  if (/^!\{ ?ssl_fc ?\}$/.test(cond)) return neg ? 'tls' : 'plain';
  return 'other';
}

function headerRules(file: string, sec: Section | undefined, notes: string[]): HeaderRule[] {
  const out: HeaderRule[] = [];
  for (const l of sec?.lines ?? []) {
    const w = l.words;
    if (w[0] !== 'http-request') continue;
    const act = w[1];
    if (act !== 'set-header' && act !== 'add-header' && act !== 'del-header') continue;
    const name = w[2] ?? '';
    const when = condition(w);
    if (when === 'other')
      notes.push(`${file}:${l.line}: a condition other than ssl_fc is not modelled; the rule is applied unconditionally`);
    const ref = { file, line: l.line };
    if (act === 'del-header') out.push({ name, value: null, ref, from: 'route', when: when === 'other' ? undefined : when });
    else
      out.push({
        name,
        value: haproxyToTemplate(w[3] ?? ''),
        ref,
        from: 'route',
        append: act === 'add-header',
        when: when === 'other' ? undefined : when,
      });
  }
  return out;
}

function hasForwardfor(sec: Section | undefined): { line: number } | undefined {
  const l = sec?.lines.find((x) => x.words[0] === 'option' && x.words[1] === 'forwardfor');
  return l ? { line: l.line } : undefined;
}

export function haproxyHops(file: string, src: string, index: number): { hops: ProxyHop[]; notes: string[] } {
  const secs = parseHaproxy(src);
  const notes: string[] = [];
  const defaults = secs.filter((s) => s.kind === 'defaults').pop();
  const backends = new Map(secs.filter((s) => s.kind === 'backend' || s.kind === 'listen').map((s) => [s.name, s]));
  const hops: ProxyHop[] = [];
  secs.forEach((fe, fi) => {
    if (fe.kind !== 'frontend' && fe.kind !== 'listen') return;
    const listeners: Listener[] = [];
    for (const l of fe.lines) {
      if (l.words[0] !== 'bind') continue;
      const a = parseAddress(l.words[1] ?? '');
      if (a?.kind !== 'tcp') continue;
      listeners.push({
        port: a.port,
        address: a.host === '*' || a.host === '0.0.0.0' ? undefined : a.host,
        tls: l.words.includes('ssl'),
        proxyProtocol: l.words.includes('accept-proxy'),
        defaultServer: false,
        ref: { file, line: l.line },
      });
    }
    if (listeners.length === 0) return;
    const useLine = fe.lines.find((l) => l.words[0] === 'default_backend') ?? fe.lines.find((l) => l.words[0] === 'use_backend');
    const be = fe.kind === 'listen' ? fe : useLine ? backends.get(useLine.words[1] ?? '') : undefined;
    if (!be) {
      notes.push(`${file}:${fe.line}: frontend ${fe.name} has no default_backend the doctor can follow`);
      return;
    }
    const ups: Upstream[] = be.lines
      .filter((l) => l.words[0] === 'server')
      .map((l) => ({ text: l.words[2] ?? '', address: parseAddress(l.words[2] ?? '', 80), ref: { file, line: l.line } }));
    const ff = hasForwardfor(fe) ?? hasForwardfor(be) ?? hasForwardfor(defaults);
    const rules: HeaderRule[] = [];
    if (ff)
      rules.push({ name: 'X-Forwarded-For', value: '{remote_addr}', append: true, ref: { file, line: ff.line }, from: 'route' });
    rules.push(...headerRules(file, fe, notes), ...(be === fe ? [] : headerRules(file, be, notes)));
    const route: ProxyRoute = {
      id: `haproxy${index}:${fi}`,
      match: `frontend ${fe.name} -> backend ${be.name}`,
      samplePath: '/',
      ref: useLine ? { file, line: useLine.line } : { file, line: fe.line },
      protocol: be.lines.some((l) => l.words[0] === 'server' && l.words.includes('ssl')) ? 'https' : 'http',
      upstreams: ups,
      headers: rules,
    };
    const ports = listeners.filter((l) => l.tls).map((l) => l.port);
    hops.push({
      type: 'proxy',
      id: `haproxy:${index}:${fi}`,
      kind: 'haproxy',
      label: `haproxy :${(ports.length ? ports : listeners.map((l) => l.port)).join(',')} (${file.split('/').pop()}:${fe.line})`,
      ref: { file, line: fe.line },
      placement: { kind: 'host' },
      names: [],
      listeners,
      routes: [route],
      passesIncoming: true,
      notes: [],
    });
  });
  return { hops, notes };
}
