/**
 * What a trust setting means, exactly, for each Node framework — checked against their sources:
 * - Express 4/5 `compileTrust` (lib/utils.js) and Fastify `getTrustProxyFn` (lib/request.js) are the same:
 *   `true` trusts every hop (req.ip = left-most X-Forwarded-For entry), a number n trusts the n nearest hops
 *   whatever their address, a string is split on commas, and strings/arrays go through proxy-addr (addresses,
 *   CIDRs, netmasks, presets loopback/linklocal/uniquelocal; anything else throws at start-up).
 * - Express's req.protocol / req.hostname take the LEFT-most X-Forwarded-Proto / X-Forwarded-Host when the socket
 *   peer is trusted.
 * - Fastify 4 (verified on 4.29): with any truthy trustProxy, request.protocol and request.hostname read the
 *   last X-Forwarded-Proto / X-Forwarded-Host entry without checking the peer (only ip/ips use the trust function).
 * - Koa 2 (lib/request.js): `app.proxy` is a boolean; when true, ctx.protocol is the first X-Forwarded-Proto entry,
 *   ctx.host the first X-Forwarded-Host entry, and ctx.ip the first entry of `proxyIpHeader` (X-Forwarded-For)
 *   after keeping only the last `maxIpsCount` entries (0 = all) — from any peer.
 */
import { isIP } from 'node:net';
import type { Eval } from './js.js';

export type TrustClass =
  /** nothing trusted (unset / false) */
  | 'none'
  /** every peer (true, Koa proxy) */
  | 'all'
  /** a hop count, any address */
  | 'hops'
  /** addresses / networks / presets */
  | 'list'
  /** a value Express/Fastify reject at start-up ('*', 0.0.0.0/0, a host name) */
  | 'invalid'
  /** a function, or an expression we cannot read */
  | 'custom'
  /** decided by an environment variable */
  | 'env';

export interface TrustMeaning {
  cls: TrustClass;
  /** Addresses trusted (['*'] for all, presets expanded), for AppServerFacts.trustedProxies. */
  trusted: string[];
  hops?: number;
  /** One sentence, exact. */
  text: string;
  /** For 'invalid': the entry proxy-addr rejects. */
  bad?: string;
  /** The meaning holds when this environment variable turns the setting on (a switch, not a literal). */
  conditional?: string;
}

const PRESETS: Record<string, string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** proxy-addr's acceptance of one trust entry (simplified to strict forms: proxy-addr also accepts 127.1 and such). */
function entryProblem(e: string): string | undefined {
  if (PRESETS[e]) return undefined;
  const slash = e.lastIndexOf('/');
  const addr = slash === -1 ? e : e.slice(0, slash);
  const kind = isIP(addr);
  if (kind === 0) return `invalid IP address: ${addr}`;
  if (slash === -1) return undefined;
  const range = e.slice(slash + 1);
  const max = kind === 4 ? 32 : 128;
  if (/^\d+$/.test(range)) {
    const r = Number(range);
    return r <= 0 || r > max ? `invalid range on address: ${e}` : undefined;
  }
  if (kind === 4 && isIP(range) === 4) return undefined;
  return `invalid range on address: ${e}`;
}

function listMeaning(list: string[], framework: string): TrustMeaning {
  for (const e of list) {
    const p = entryProblem(e);
    if (p)
      return {
        cls: 'invalid',
        trusted: [],
        bad: e,
        text: `${framework} rejects ${JSON.stringify(e)} at start-up (proxy-addr: "${p}")`,
      };
  }
  const expanded = list.flatMap((e) => PRESETS[e] ?? [e]);
  return {
    cls: 'list',
    trusted: expanded,
    text: `trusts X-Forwarded-* only from ${list.join(', ')}${list.some((e) => PRESETS[e]) ? ` (${expanded.join(', ')})` : ''}, walking X-Forwarded-For from the right`,
  };
}

/** Express `trust proxy` / Fastify `trustProxy` / NestJS on either. */
export function expressLikeMeaning(ev: Eval | undefined, framework: 'Express' | 'Fastify'): TrustMeaning {
  const ip = framework === 'Express' ? 'req.ip' : 'request.ip';
  if (ev === undefined)
    return {
      cls: 'none',
      trusted: [],
      text: `not set: ${framework} ignores X-Forwarded-* (scheme, host and ${ip} come from the socket)`,
    };
  if (ev.kind === 'env') {
    // `!!process.env.TRUST_PROXY` / `process.env.TRUST_PROXY === 'true'`: a switch whose "on" value is `true`.
    if (ev.truthy === true || ev.equals !== undefined) {
      const on = expressLikeMeaning({ kind: 'literal', value: true }, framework);
      const when =
        ev.truthy === true
          ? `any non-empty ${ev.envVar} (even "false" or "0") turns it on`
          : `${ev.envVar}=${ev.equals} turns it on`;
      return { ...on, conditional: ev.envVar, text: `a switch on ${ev.envVar}: ${when}, and then it is ${on.text}` };
    }
    if (ev.hasFallback) {
      const d = expressLikeMeaning({ kind: 'literal', value: ev.fallback }, framework);
      return {
        ...d,
        text: `depends on the environment variable ${ev.envVar}; default ${JSON.stringify(ev.fallback)} — ${d.text}`,
      };
    }
    return {
      cls: 'env',
      trusted: [],
      text: `decided by the environment variable ${ev.envVar} (no default: unset means not trusted)`,
    };
  }
  if (ev.kind === 'unknown')
    return { cls: 'custom', trusted: [], text: `set to \`${ev.text}\`, which cannot be read statically` };
  const v = ev.value;
  if (v === undefined || v === false || v === null || v === 0 || v === '')
    return { cls: 'none', trusted: [], text: `${JSON.stringify(v ?? null)}: ${framework} ignores X-Forwarded-*` };
  if (v === true) {
    return {
      cls: 'all',
      trusted: ['*'],
      text: `true: every peer and every hop is trusted — ${ip} is the LEFT-most X-Forwarded-For entry, which the client writes`,
    };
  }
  if (typeof v === 'number') {
    const nth = v === 1 ? 'right-most' : `${v}${v === 2 ? 'nd' : v === 3 ? 'rd' : 'th'} from the right`;
    return {
      cls: 'hops',
      trusted: ['*'],
      hops: v,
      text: `${v}: the ${v} nearest hop${v === 1 ? ' is' : 's are'} trusted whatever ${v === 1 ? 'its' : 'their'} address — ${ip} is the ${nth} X-Forwarded-For entry`,
    };
  }
  if (typeof v === 'string')
    return listMeaning(
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      framework,
    );
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return listMeaning(v as string[], framework);
  return { cls: 'custom', trusted: [], text: `set to ${JSON.stringify(v)}` };
}

/** Koa `app.proxy` (+ proxyIpHeader, maxIpsCount). */
export function koaMeaning(proxy: Eval | undefined, maxIps: Eval | undefined, header: Eval | undefined): TrustMeaning {
  const hdr = header?.kind === 'literal' && typeof header.value === 'string' ? header.value : 'X-Forwarded-For';
  const max = maxIps?.kind === 'literal' && typeof maxIps.value === 'number' ? maxIps.value : 0;
  if (proxy === undefined)
    return {
      cls: 'none',
      trusted: [],
      text: 'app.proxy not set (false): Koa ignores X-Forwarded-* (ctx.protocol, ctx.host, ctx.ip from the socket)',
    };
  if (proxy.kind === 'env')
    return { cls: 'env', trusted: [], text: `app.proxy decided by the environment variable ${proxy.envVar}` };
  if (proxy.kind === 'unknown')
    return { cls: 'custom', trusted: [], text: `app.proxy = \`${proxy.text}\`, which cannot be read statically` };
  if (!proxy.value) return { cls: 'none', trusted: [], text: 'app.proxy = false: Koa ignores X-Forwarded-*' };
  const ipText =
    max === 1
      ? `ctx.ip is the right-most ${hdr} entry (maxIpsCount 1)`
      : max > 1
        ? `ctx.ip is the left-most of the last ${max} ${hdr} entries`
        : `ctx.ip is the left-most ${hdr} entry, which the client writes`;
  return {
    cls: 'all',
    trusted: ['*'],
    text: `app.proxy = true: X-Forwarded-Proto/Host are believed from ANY peer (Koa has no address check); ${ipText}`,
  };
}

/** Koa maxIpsCount as a number (0 = unlimited). */
export function koaMaxIps(maxIps: Eval | undefined): number {
  return maxIps?.kind === 'literal' && typeof maxIps.value === 'number' ? maxIps.value : 0;
}
