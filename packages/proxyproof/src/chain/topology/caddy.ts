/**
 * A small Caddyfile reader for the chain: site addresses (automatic HTTPS), `reverse_proxy`
 * with its upstreams, `header_up`, `trusted_proxies` (the reverse_proxy subdirective of Caddy
 * 2.5+, and the global `servers { trusted_proxies static ... }` of 2.6.3+), inside `handle`/`route`
 * blocks too. No collector reads Caddyfiles yet; when one lands this becomes an adapter over its facts.
 *
 * Caddy's reverse_proxy semantics modelled (Caddy >= 2.5, docs "reverse_proxy > Defaults"):
 * it passes the incoming Host unchanged, and sets X-Forwarded-For / -Proto / -Host itself,
 * taking incoming values only from trusted proxies (ignored otherwise). `header_up` runs after.
 */
import { parseAddress } from '../addr.js';
import type { HeaderRule, Listener, ProxyHop, ProxyRoute, Ref, Template, Upstream } from '../model.js';

interface Tok {
  text: string;
  line: number;
  quoted: boolean;
}

interface Node {
  args: Tok[];
  line: number;
  block?: Node[];
}

export const MAX_CADDYFILE_BYTES = 1024 * 1024;

function tokenize(src: string): Tok[][] {
  // One array of tokens per logical line; `{` and `}` are their own tokens.
  const lines: Tok[][] = [];
  src.split(/\r?\n/).forEach((raw, i) => {
    const out: Tok[] = [];
    let j = 0;
    while (j < raw.length) {
      const ch = raw[j] as string;
      if (ch === ' ' || ch === '\t') {
        j++;
        continue;
      }
      if (ch === '#' && (j === 0 || /\s/.test(raw[j - 1] ?? ' '))) break;
      if (ch === '"') {
        let k = j + 1;
        let s = '';
        while (k < raw.length && raw[k] !== '"') {
          if (raw[k] === '\\' && k + 1 < raw.length) k++;
          s += raw[k];
          k++;
        }
        out.push({ text: s, line: i + 1, quoted: true });
        j = k + 1;
        continue;
      }
      let k = j;
      while (k < raw.length && !/\s/.test(raw[k] as string)) k++;
      out.push({ text: raw.slice(j, k), line: i + 1, quoted: false });
      j = k;
    }
    if (out.length) lines.push(out);
  });
  return lines;
}

function parseBlock(lines: Tok[][], pos: { i: number }, depth: number): Node[] {
  const out: Node[] = [];
  while (pos.i < lines.length && depth < 32) {
    const l = lines[pos.i] as Tok[];
    pos.i++;
    if (l.length === 1 && l[0]?.text === '}' && !l[0].quoted) return out;
    const last = l[l.length - 1];
    if (last && last.text === '{' && !last.quoted) {
      const node: Node = { args: l.slice(0, -1), line: l[0]?.line ?? 0 };
      node.block = parseBlock(lines, pos, depth + 1);
      out.push(node);
    } else out.push({ args: l, line: l[0]?.line ?? 0 });
  }
  return out;
}

export function parseCaddyfile(src: string): Node[] {
  const lines = tokenize(src);
  const hasTopBlock = lines.some((l) => l[l.length - 1]?.text === '{');
  if (!hasTopBlock) return [];
  const nodes = parseBlock(lines, { i: 0 }, 0);
  // Single-site Caddyfile without braces: addresses on the first line, directives follow.
  const first = nodes[0];
  if (first && !first.block && nodes.some((n) => n.block && n.args[0]?.text !== '')) return nodes;
  return nodes;
}

const PLACEHOLDERS: Record<string, string> = {
  host: '{host}',
  'http.request.host': '{host}',
  hostport: '{http_host}',
  'http.request.hostport': '{http_host}',
  scheme: '{scheme}',
  'http.request.scheme': '{scheme}',
  remote_host: '{remote_addr}',
  'http.request.remote.host': '{remote_addr}',
  client_ip: '{remote_addr}',
  'http.vars.client_ip': '{remote_addr}',
  upstream_hostport: '{proxy_host}',
  'http.reverse_proxy.upstream.hostport': '{proxy_host}',
};

export function caddyToTemplate(v: string): Template {
  return v.replace(/\{([^{}]+)\}/g, (_m, name: string) => {
    if (PLACEHOLDERS[name]) return PLACEHOLDERS[name] as string;
    const h = /^(?:http\.request\.)?header\.(.+)$/.exec(name);
    if (h) return `{in:${(h[1] as string).toLowerCase()}}`;
    return `{?{${name}}}`;
  });
}

const PRIVATE_RANGES = ['192.168.0.0/16', '172.16.0.0/12', '10.0.0.0/8', '127.0.0.1/8', 'fd00::/8', '::1'];

function ranges(args: string[]): string[] {
  return args.flatMap((a) => (a === 'private_ranges' ? PRIVATE_RANGES : a === 'static' ? [] : [a]));
}

interface Site {
  addrs: string[];
  line: number;
  body: Node[];
}

function isMatcher(t: string): boolean {
  return t.startsWith('/') || t.startsWith('@') || t === '*';
}

export interface CaddyResult {
  hops: ProxyHop[];
  globalTrusted?: { list: string[]; ref: Ref };
  notes: string[];
}

export function caddyHops(file: string, src: string, index: number): CaddyResult {
  const nodes = parseCaddyfile(src);
  const notes: string[] = [];
  let globalTrusted: CaddyResult['globalTrusted'];
  const sites: Site[] = [];
  let autoHttpsOff = false;
  nodes.forEach((n, i) => {
    if (n.args.length === 0 && n.block && i === 0) {
      // Global options.
      for (const g of n.block) {
        if (g.args[0]?.text === 'auto_https' && g.args[1]?.text === 'off') autoHttpsOff = true;
        if (g.args[0]?.text === 'servers' && g.block) {
          for (const s of g.block)
            if (s.args[0]?.text === 'trusted_proxies')
              globalTrusted = { list: ranges(s.args.slice(1).map((t) => t.text)), ref: { file, line: s.line } };
        }
      }
      return;
    }
    if (n.block && n.args.length > 0 && !n.args[0]?.text.startsWith('('))
      sites.push({ addrs: n.args.map((t) => t.text.replace(/,$/, '')).filter(Boolean), line: n.line, body: n.block });
  });
  const hops: ProxyHop[] = [];
  sites.forEach((site, si) => {
    const listeners: Listener[] = [];
    const names: string[] = [];
    let forceTls = site.body.some((d) => d.args[0]?.text === 'tls');
    for (const a of site.addrs) {
      const m = /^(?:(https?):\/\/)?([^:/]*)(?::(\d+))?/.exec(a);
      const scheme = m?.[1];
      const host = m?.[2] ?? '';
      const port = m?.[3] ? Number(m[3]) : undefined;
      if (host) names.push(host);
      const tls =
        scheme === 'https' ||
        (scheme !== 'http' && !autoHttpsOff && (host !== '' || forceTls) && port !== 80) ||
        (forceTls && scheme !== 'http');
      const p = port ?? (scheme === 'http' ? 80 : tls ? 443 : 80);
      if (!listeners.some((l) => l.port === p))
        listeners.push({ port: p, tls, proxyProtocol: false, defaultServer: false, ref: { file, line: site.line } });
      if (tls) forceTls = true;
    }
    const routes: ProxyRoute[] = [];
    const walk = (body: Node[], matcher: string | undefined, depth: number) => {
      for (const d of body) {
        const name = d.args[0]?.text;
        if (!name || depth > 8) continue;
        if ((name === 'handle' || name === 'route' || name === 'handle_path') && d.block) {
          walk(d.block, d.args[1]?.text ?? matcher, depth + 1);
          continue;
        }
        if (name !== 'reverse_proxy') continue;
        let args = d.args.slice(1).map((t) => t.text);
        let m = matcher;
        if (args[0] && isMatcher(args[0])) {
          m = args[0];
          args = args.slice(1);
        }
        const ups: Upstream[] = [];
        const headerUp: HeaderRule[] = [];
        let trusted: ProxyHop['trustedPeers'];
        for (const u of args)
          ups.push({
            text: u,
            address: parseAddress(u.replace(/^https?:\/\//, ''), u.startsWith('https://') ? 443 : 80),
            ref: { file, line: d.line },
          });
        for (const sub of d.block ?? []) {
          const sn = sub.args[0]?.text;
          const sa = sub.args.slice(1).map((t) => t.text);
          if (sn === 'to')
            for (const u of sa)
              ups.push({ text: u, address: parseAddress(u.replace(/^https?:\/\//, ''), 80), ref: { file, line: sub.line } });
          if (sn === 'trusted_proxies') trusted = { list: ranges(sa), ref: { file, line: sub.line } };
          if (sn === 'header_up' && sa[0]) {
            const raw = sa[0];
            const ref = { file, line: sub.line };
            if (raw.startsWith('-')) headerUp.push({ name: raw.slice(1), value: null, ref, from: 'route' });
            else if (sa.length >= 3) {
              notes.push(`${file}:${sub.line}: header_up with a substitution is not modelled`);
              headerUp.push({ name: raw.replace(/^\+/, ''), value: `{?header_up ${sa.join(' ')}}`, ref, from: 'route' });
            } else
              headerUp.push({
                name: raw.replace(/^\+/, ''),
                value: caddyToTemplate(sa[1] ?? ''),
                ref,
                from: 'route',
                sendEmpty: true,
                append: raw.startsWith('+'),
              });
          }
        }
        const defaultRef: Ref = { file, line: d.line, origin: 'default' };
        const defaults: HeaderRule[] = [
          { name: 'X-Forwarded-For', value: '{xff_append_if_trusted}', ref: defaultRef, from: 'default' },
          {
            name: 'X-Forwarded-Proto',
            value: '{trusted:x-forwarded-proto|scheme}',
            ref: {
              ...defaultRef,
              snippet: 'X-Forwarded-Proto {scheme} (Caddy default; the incoming value only from trusted_proxies)',
            },
            from: 'default',
          },
          { name: 'X-Forwarded-Host', value: '{trusted:x-forwarded-host|http_host}', ref: defaultRef, from: 'default' },
        ];
        const path = m?.startsWith('/') ? m.replace(/\*$/, '') || '/' : '/';
        routes.push({
          id: `caddy${index}:${si}:${routes.length}`,
          match: `reverse_proxy${m ? ` ${m}` : ''}`,
          samplePath: path,
          ref: { file, line: d.line },
          protocol: ups[0]?.text.startsWith('https://') ? 'https' : 'http',
          upstreams: ups,
          headers: [...defaults, ...headerUp],
        });
        if (trusted) hopTrusted = trusted;
      }
    };
    let hopTrusted: ProxyHop['trustedPeers'];
    walk(site.body, undefined, 0);
    if (routes.length === 0) return;
    const ports = listeners.filter((l) => l.tls).map((l) => l.port);
    hops.push({
      type: 'proxy',
      id: `caddy:${index}:${si}`,
      kind: 'caddy',
      label: `caddy :${(ports.length ? ports : listeners.map((l) => l.port)).join(',')} (${file.split('/').pop()}:${site.line})`,
      ref: { file, line: site.line },
      placement: { kind: 'host' },
      names: names.filter((n) => n && n !== 'localhost'),
      listeners,
      routes,
      passesIncoming: true,
      stripsUntrusted: ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host'],
      trustedPeers: hopTrusted ?? globalTrusted ?? { list: [], ref: { file, line: site.line, origin: 'default' } },
      notes: [],
    });
  });
  return { hops, globalTrusted, notes };
}
