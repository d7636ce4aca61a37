/** Evaluates header templates (see `Template` in model.ts) in the context of one hop. */
import { ipInList, trustsPeer } from './addr.js';
import type { MapDef, Peer, Template } from './model.js';

export interface TemplateContext {
  scheme: string;
  host: string;
  httpHost: string;
  serverPort: number;
  remoteAddr: string;
  peerAddr: string;
  proxyHost: string;
  incoming: Map<string, string>;
  /** Whether this hop trusts the peer's forwarded headers (Caddy trusted_proxies). */
  peerTrusted: boolean;
  maps?: Record<string, MapDef>;
  /** The TCP peer (for a geo on the peer address when the peer is known by role, not by address). */
  peer?: Peer;
  /** Guards map recursion. */
  depth?: number;
}

export interface Evaluated {
  value: string;
  /** True when a part of the template is unknown to the model. */
  unknown: boolean;
  unknownParts: string[];
}

const VAR = /\{([^{}]+)\}/g;

export function evaluate(t: Template, ctx: TemplateContext): Evaluated {
  const unknownParts: string[] = [];
  const value = t.replace(VAR, (_m, name: string) => {
    const v = variable(name, ctx);
    if (v === undefined) {
      unknownParts.push(name.replace(/^\?/, ''));
      return `<${name.replace(/^\?/, '')}>`;
    }
    return v;
  });
  // A template placeholder left in the value (`${PROTO}`, `{{ proto }}` with no default: collectors/template renders it
  // `__tpl_<name>__`) is whatever the template is rendered with: the value is unknown, not that literal text.
  // Only the template's own text counts: a variable's value holding one (`$host` of a templated server_name) is the
  // same name end to end, compared as such.
  if (t.includes('__tpl_')) for (const m of t.replace(VAR, '').matchAll(TEMPLATE_PLACEHOLDER)) unknownParts.push(m[0]);
  return { value, unknown: unknownParts.length > 0, unknownParts };
}

const TEMPLATE_PLACEHOLDER = /__tpl_[A-Za-z0-9_]*__/g;

function variable(name: string, ctx: TemplateContext): string | undefined {
  switch (name) {
    case 'scheme':
      return ctx.scheme;
    case 'https':
      return ctx.scheme === 'https' ? 'on' : '';
    case 'host':
      return ctx.host;
    case 'http_host':
      return ctx.httpHost;
    case 'server_port':
      return String(ctx.serverPort);
    case 'remote_addr':
      return ctx.remoteAddr;
    case 'peer_addr':
      return ctx.peerAddr;
    case 'proxy_host':
      return ctx.proxyHost;
    case 'xff_append': {
      const prev = ctx.incoming.get('x-forwarded-for');
      return prev ? `${prev}, ${ctx.remoteAddr}` : ctx.remoteAddr;
    }
    case 'xff_append_if_trusted': {
      const prev = ctx.peerTrusted ? ctx.incoming.get('x-forwarded-for') : undefined;
      return prev ? `${prev}, ${ctx.remoteAddr}` : ctx.remoteAddr;
    }
  }
  if (name.startsWith('map:')) return evalMap(name.slice(4), ctx);
  if (name.startsWith('in:')) return ctx.incoming.get(name.slice(3).toLowerCase()) ?? '';
  if (name.startsWith('trusted:')) {
    // {trusted:x-forwarded-proto|scheme}: the incoming value from a trusted peer, else the hop's own.
    const [hdr, own] = name.slice(8).split('|');
    const inc = ctx.peerTrusted ? ctx.incoming.get((hdr ?? '').toLowerCase()) : undefined;
    if (inc) return inc;
    return own ? variable(own, ctx) : '';
  }
  return undefined;
}

/** Does a template depend only on the client's own headers for this header (spoofable through)? */
export function readsIncoming(t: Template | null): string[] {
  if (!t) return [];
  const out: string[] = [];
  for (const m of t.matchAll(VAR)) {
    const n = m[1] as string;
    if (n.startsWith('in:')) out.push(n.slice(3).toLowerCase());
  }
  return out;
}

function evalMap(name: string, ctx: TemplateContext): string | undefined {
  const m = ctx.maps?.[name];
  const depth = ctx.depth ?? 0;
  if (!m || depth > 8) return undefined;
  const inner = { ...ctx, depth: depth + 1 };
  const src = evaluate(m.source, inner);
  if (src.unknown) return undefined;
  if (m.geo) {
    // nginx geo: the most specific matching network wins; a peer known by role matches as in a trust list.
    const byRole = m.source === '{peer_addr}' && ctx.peer && ctx.peer.kind !== 'client' && !isAddress(src.value);
    let best: { bits: number; value: Template } | undefined;
    for (const e of m.entries) {
      const hit = byRole ? trustsPeer([e.key], ctx.peer as Peer, false) !== 'no' : ipInList(src.value, [e.key]);
      if (!hit) continue;
      const bits = Number(e.key.split('/')[1] ?? 128);
      if (!best || bits > best.bits) best = { bits, value: e.value };
    }
    const v = evaluate(best ? best.value : m.default, inner);
    return v.unknown ? undefined : v.value;
  }
  for (const e of m.entries) {
    let hit = false;
    if (e.key.startsWith('~')) {
      const ci = e.key.startsWith('~*');
      try {
        hit = new RegExp(e.key.slice(ci ? 2 : 1), ci ? 'i' : '').test(src.value);
      } catch {
        return undefined;
      }
    } else hit = e.key.replace(/^\\/, '').toLowerCase() === src.value.toLowerCase();
    if (hit) {
      const v = evaluate(e.value, inner);
      return v.unknown ? undefined : v.value;
    }
  }
  const d = evaluate(m.default, inner);
  return d.unknown ? undefined : d.value;
}

function isAddress(v: string): boolean {
  return /^[0-9.]+$/.test(v) || v.includes(':');
}
