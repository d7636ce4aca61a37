/**
 * A small Apache httpd reader for the chain (no collector reads Apache yet): `<VirtualHost>`
 * blocks with their address, ServerName/ServerAlias, `SSLEngine on`, `ProxyPass PATH URL`,
 * `ProxyPreserveHost`, `ProxyAddHeaders`, `RequestHeader set|append|add|unset` and
 * mod_remoteip's `RemoteIPHeader` / `RemoteIPTrustedProxy`.
 *
 * mod_proxy_http semantics modelled (httpd 2.4 docs): it adds X-Forwarded-For (appended),
 * X-Forwarded-Host (the original Host) and X-Forwarded-Server, but never X-Forwarded-Proto;
 * the Host sent upstream is the backend's unless `ProxyPreserveHost On`.
 */
import { parseAddress } from '../addr.js';
import type { HeaderRule, Listener, ProxyHop, ProxyRoute, Template } from '../model.js';

function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) out.push(m[1] ?? (m[2] as string));
  return out;
}

export function apacheToTemplate(v: string): Template {
  let t = v.replace(/^expr=/, '');
  t = t
    .replace(/%\{REQUEST_SCHEME\}/g, '{scheme}')
    .replace(/%\{HTTP_HOST\}/g, '{http_host}')
    .replace(/%\{REMOTE_ADDR\}/g, '{remote_addr}');
  t = t.replace(/%\{([A-Za-z0-9_:]+)\}[se]?/g, (_m, n: string) => `{?%{${n}}}`);
  return t;
}

export function looksLikeApache(src: string): boolean {
  return /<VirtualHost\b/i.test(src);
}

export function apacheHops(file: string, src: string, index: number): { hops: ProxyHop[]; notes: string[] } {
  const hops: ProxyHop[] = [];
  const notes: string[] = [];
  const lines = src.split(/\r?\n/);
  let vh: { line: number; addr: string; body: Array<{ w: string[]; line: number }> } | undefined;
  const blocks: NonNullable<typeof vh>[] = [];
  lines.forEach((raw, i) => {
    const t = raw.trim();
    if (!t || t.startsWith('#')) return;
    const open = /^<VirtualHost\s+([^>]+)>/i.exec(t);
    if (open) {
      vh = { line: i + 1, addr: (open[1] as string).trim(), body: [] };
      return;
    }
    if (/^<\/VirtualHost>/i.test(t)) {
      if (vh) blocks.push(vh);
      vh = undefined;
      return;
    }
    vh?.body.push({ w: words(t), line: i + 1 });
  });
  blocks.forEach((b, bi) => {
    const get = (name: string) => b.body.filter((x) => x.w[0]?.toLowerCase() === name.toLowerCase());
    const tls = get('SSLEngine').some((x) => x.w[1]?.toLowerCase() === 'on');
    const addr = parseAddress(b.addr.split(/\s+/)[0]?.replace(/^\*:/, '0.0.0.0:') ?? '', tls ? 443 : 80);
    const port = addr?.kind === 'tcp' ? addr.port : tls ? 443 : 80;
    const names = [...get('ServerName'), ...get('ServerAlias')].flatMap((x) => x.w.slice(1)).map((n) => n.replace(/:\d+$/, ''));
    const preserve = get('ProxyPreserveHost').some((x) => x.w[1]?.toLowerCase() === 'on');
    const addHeaders = !get('ProxyAddHeaders').some((x) => x.w[1]?.toLowerCase() === 'off');
    const routes: ProxyRoute[] = [];
    for (const pp of get('ProxyPass')) {
      const path = pp.w[1] ?? '/';
      const url = pp.w[2] ?? '';
      if (url === '!' || !/^(https?|unix):/i.test(url)) continue;
      const ref = { file, line: pp.line };
      const rules: HeaderRule[] = [
        {
          name: 'Host',
          value: preserve ? '{http_host}' : '{proxy_host}',
          ref: { ...ref, origin: 'default' as const },
          from: 'default',
        },
      ];
      for (const rh of get('RequestHeader')) {
        const act = rh.w[1]?.toLowerCase();
        const name = rh.w[2] ?? '';
        const r = { file, line: rh.line };
        if (act === 'unset') rules.push({ name, value: null, ref: r, from: 'route' });
        else if (act === 'set' || act === 'append' || act === 'add' || act === 'merge')
          rules.push({ name, value: apacheToTemplate(rh.w[3] ?? ''), ref: r, from: 'route', append: act !== 'set' });
      }
      if (addHeaders) {
        const dref = { file, line: pp.line, origin: 'default' as const };
        rules.push({ name: 'X-Forwarded-For', value: '{remote_addr}', append: true, ref: dref, from: 'default' });
        rules.push({ name: 'X-Forwarded-Host', value: '{http_host}', append: true, ref: dref, from: 'default' });
        rules.push({ name: 'X-Forwarded-Server', value: names[0] ?? 'localhost', append: true, ref: dref, from: 'default' });
      }
      const target = url.replace(/^unix:[^|]*\|/i, '');
      routes.push({
        id: `apache${index}:${bi}:${routes.length}`,
        match: `ProxyPass ${path}`,
        samplePath: path.startsWith('/') ? path : '/',
        ref,
        protocol: /^https:/i.test(target) ? 'https' : 'http',
        upstreams: [
          {
            text: url,
            address: url.toLowerCase().startsWith('unix:')
              ? { kind: 'unix', path: url.slice(5).split('|')[0] ?? '' }
              : parseAddress(target, /^https:/i.test(target) ? 443 : 80),
            ref,
          },
        ],
        headers: rules,
      });
    }
    if (routes.length === 0) return;
    const listener: Listener = {
      port,
      address: addr?.kind === 'tcp' && addr.host !== '0.0.0.0' && addr.host !== '*' ? addr.host : undefined,
      tls,
      proxyProtocol: false,
      defaultServer: false,
      ref: { file, line: b.line },
    };
    const remoteIp = get('RemoteIPHeader')[0];
    hops.push({
      type: 'proxy',
      id: `apache:${index}:${bi}`,
      kind: 'apache',
      label: `apache :${port} (${file.split('/').pop()}:${b.line})`,
      ref: { file, line: b.line },
      placement: { kind: 'host' },
      names,
      listeners: [listener],
      routes,
      passesIncoming: true,
      clientAddress: remoteIp
        ? {
            trustedFrom: get('RemoteIPTrustedProxy')
              .flatMap((x) => x.w.slice(1))
              .concat(get('RemoteIPInternalProxy').flatMap((x) => x.w.slice(1)))
              .concat(get('RemoteIPTrustedProxy').length + get('RemoteIPInternalProxy').length === 0 ? ['*'] : []),
            header: remoteIp.w[1] ?? 'X-Forwarded-For',
            recursive: true,
            ref: { file, line: remoteIp.line },
          }
        : undefined,
      notes: [],
    });
  });
  return { hops, notes };
}
