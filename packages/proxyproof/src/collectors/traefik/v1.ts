/**
 * Traefik 1.x configuration, read by translating it into the 2.x keys the rest of the collector reads (same lines),
 * so one model serves both. What 1.x means, from Traefik's v1.7 branch (checked in its source):
 * - `[entryPoints.<name>]` with `address`; `[entryPoints.<name>.tls]` makes it a TLS entrypoint;
 *   `[entryPoints.<name>.redirect] entryPoint = "<other>"` redirects every request there (to https when the other
 *   entrypoint has TLS); `defaultEntryPoints` (default `["http"]`) are the entrypoints of a frontend that names none.
 * - An entrypoint without `forwardedHeaders` keeps the incoming X-Forwarded-* from ANY peer:
 *   configuration/configuration.go `SetEffectiveConfiguration` sets `ForwardedHeaders{Insecure: true}` when it is
 *   nil (1.4 to 1.7: "ForwardedHeaders must be remove in the next breaking version"); 2.0 turned the default around.
 * - Routing is frontends and backends: `[frontends.<f>] backend = "<b>"`, `entryPoints = [...]`,
 *   `[frontends.<f>.routes.<r>] rule = "Host:a.org;PathPrefix:/x"` (`;` = and, `,` = alternatives),
 *   `[frontends.<f>.headers.customRequestHeaders]`; `[backends.<b>.servers.<s>] url = "http://..."`.
 * - The docker provider (`[docker]`, `exposedByDefault`) reads container labels `traefik.frontend.rule`,
 *   `traefik.port`, `traefik.protocol`, `traefik.frontend.entryPoints`, `traefik.frontend.headers.customRequestHeaders`
 *   (`K:V||K2:V2`, provider/label `ParseMapValue`; an empty value deletes the header), and per-segment
 *   `traefik.<segment>.frontend.rule` / `traefik.<segment>.port`. `traefik.frontend.headers.SSLRedirect` and
 *   `SSLProxyHeaders` go to unrolled/secure (v1.0.5), which reads the proxy headers only in `isSSL` to decide
 *   SSLRedirect and STS: they set no request header (the backend gets Traefik's own X-Forwarded-Proto); a request
 *   carrying one of them with its value, from any peer, skips the redirect (dynamic.ts `sslRedirectOf`).
 * - CLI: `--entryPoints='Name:http Address::80 Redirect.EntryPoint:https'` (one flag per entrypoint), `TLS` as a
 *   bare word, `ForwardedHeaders.TrustedIPs:a,b` / `ForwardedHeaders.Insecure:true` (configuration/entrypoints.go).
 */
import type { Flat } from './dynamic.js';

type FlatValue = Flat extends Map<string, infer V> ? V : never;

/** Keys only a 1.x static or file-provider configuration has (2.x rejects them: unknown fields). */
export function isTraefikV1(flat: Flat): boolean {
  for (const k of flat.keys()) {
    if (k === 'defaultentrypoints' || k.startsWith('frontends.') || k.startsWith('backends.')) return true;
    if (/^entrypoints\.[^.]+\.(redirect|tls)(\.|$)/.test(k)) return true;
    if (/^(docker|file)\.(exposedbydefault|endpoint|domain|watch|directory|filename)$/.test(k) && !flat.has('providers'))
      return true;
  }
  return false;
}

/** A 1.x rule (`Host:a.org,b.org;PathPrefix:/x`) written as the 2.x rule the route readers parse. */
export function v1Rule(rule: string): string {
  const parts: string[] = [];
  for (const raw of rule.split(';')) {
    const m = /^\s*([A-Za-z]+)\s*:\s*(.*?)\s*$/.exec(raw);
    if (!m) continue;
    const name = (m[1] as string).toLowerCase();
    const args = (m[2] as string)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const fn =
      name === 'host'
        ? 'Host'
        : name === 'hostregexp'
          ? 'HostRegexp'
          : name === 'pathprefix' || name === 'pathprefixstrip'
            ? 'PathPrefix'
            : name === 'path' || name === 'pathstrip'
              ? 'Path'
              : undefined;
    if (fn) parts.push(`${fn}(${args.map((a) => `\`${a}\``).join(', ')})`);
  }
  return parts.join(' && ');
}

/**
 * The 2.x keys of a 1.x flat map: entrypoints (tls, redirect), the docker provider's `exposedByDefault`, and the
 * file provider's frontends/backends as routers/services/middlewares. Keys 1.x and 2.x share (address,
 * forwardedHeaders) are kept as they are. `defaults`: `defaultEntryPoints`, or 1.x's own default `["http"]`.
 */
export function v1ToV2(flat: Flat): { flat: Flat; defaults: string[] } {
  const out: Flat = new Map();
  const set = (key: string, v: FlatValue, value: unknown = v.value) =>
    out.set(key.toLowerCase(), { value, line: v.line, path: key.split('.') });
  const tlsEps = new Set<string>();
  for (const k of flat.keys()) {
    const m = /^entrypoints\.([^.]+)\.tls(\.|$)/.exec(k);
    if (m) tlsEps.add(m[1] as string);
  }
  const epName = (lk: string) => flat.get(`entrypoints.${lk}`)?.path[1] ?? lk;
  const servers = new Map<string, number>();
  for (const [k, v] of flat) {
    let m = /^entrypoints\.([^.]+)\.(.+)$/.exec(k);
    if (m) {
      const [lk, prop] = [m[1] as string, m[2] as string];
      const name = epName(lk);
      if (prop === 'tls' || prop.startsWith('tls.')) set(`entrypoints.${name}.http.tls`, v, {});
      else if (prop === 'redirect.entrypoint') {
        set(`entrypoints.${name}.http.redirections.entrypoint.to`, v);
        set(
          `entrypoints.${name}.http.redirections.entrypoint.scheme`,
          v,
          tlsEps.has(String(v.value).toLowerCase()) ? 'https' : 'http',
        );
      } else if (!prop.startsWith('redirect')) set(`entrypoints.${name}.${v.path.slice(2).join('.')}`, v);
      continue;
    }
    if (k === 'docker.exposedbydefault') {
      set('providers.docker.exposedByDefault', v);
      continue;
    }
    m = /^frontends\.([^.]+)\.(.+)$/.exec(k);
    if (m) {
      const f = v.path[1] as string;
      const prop = m[2] as string;
      if (prop === 'backend') set(`http.routers.${f}.service`, v);
      else if (/^entrypoints(\.\d+)?$/.test(prop)) set(`http.routers.${f}.${prop}`, v);
      else if (/^routes\.[^.]+\.rule$/.test(prop)) {
        // Several routes of a frontend are alternatives (any matching route selects it); the first is the sample.
        const prev = out.get(`http.routers.${f}.rule`.toLowerCase());
        const rule = v1Rule(String(v.value));
        if (!prev) set(`http.routers.${f}.rule`, v, rule);
        else if (rule) prev.value = `(${String(prev.value)}) || (${rule})`;
      } else if (/^headers\.customrequestheaders\.[^.]+$/.test(prop)) {
        set(`http.middlewares.${f}-headers.headers.customRequestHeaders.${v.path[v.path.length - 1]}`, v);
        set(`http.routers.${f}.middlewares`, v, `${f}-headers`);
      } else if (prop === 'headers.sslredirect') {
        set(`http.middlewares.${f}-headers.headers.sslRedirect`, v);
        set(`http.routers.${f}.middlewares`, v, `${f}-headers`);
      } else if (/^headers\.sslproxyheaders\.[^.]+$/.test(prop))
        set(`http.middlewares.${f}-headers.headers.sslProxyHeaders.${v.path[v.path.length - 1]}`, v);
      continue;
    }
    m = /^backends\.([^.]+)\.servers\.([^.]+)\.url$/.exec(k);
    if (m) {
      const b = v.path[1] as string;
      const n = servers.get(b) ?? 0;
      servers.set(b, n + 1);
      set(`http.services.${b}.loadbalancer.servers.${n}.url`, v);
      continue;
    }
    if (!k.startsWith('backends.') && !k.startsWith('frontends') && k !== 'defaultentrypoints') out.set(k, v);
  }
  const d = flat.get('defaultentrypoints')?.value;
  const defaults = Array.isArray(d)
    ? d.map(String)
    : typeof d === 'string'
      ? d
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : ['http'];
  return { flat: out, defaults };
}

/**
 * 1.x CLI flags (`--entryPoints=Name:http Address::80 TLS Redirect.EntryPoint:https`, `--defaultEntryPoints=http,https`,
 * `--docker.exposedByDefault=false`) as the flat map of the same configuration in TOML. Other flags are kept as
 * they are (their keys are the TOML paths already).
 */
export function v1FromFlags(flags: Array<{ text: string; line: number }>): Flat {
  const flat: Flat = new Map();
  for (const f of flags) {
    const m = /^--?([A-Za-z0-9_.-]+)(?:=(.*))?$/.exec(f.text.trim());
    if (!m) continue;
    const key = (m[1] as string).toLowerCase();
    const value = m[2] === undefined ? 'true' : (m[2] as string).replace(/^["']|["']$/g, '');
    if (key !== 'entrypoints') {
      flat.set(key, { value, line: f.line, path: (m[1] as string).split('.') });
      continue;
    }
    const words = value.split(/\s+/).filter(Boolean);
    const name = words.map((w) => /^name:(.+)$/i.exec(w)?.[1]).find(Boolean);
    if (!name) continue;
    const put = (k: string, v: unknown) =>
      flat.set(`entrypoints.${name}.${k}`.toLowerCase(), {
        value: v,
        line: f.line,
        path: ['entryPoints', name, ...k.split('.')],
      });
    flat.set(`entrypoints.${name}`.toLowerCase(), { value: {}, line: f.line, path: ['entryPoints', name] });
    for (const w of words) {
      const kv = /^([A-Za-z.]+)(?::(.*))?$/.exec(w);
      if (!kv) continue;
      const k = (kv[1] as string).toLowerCase();
      const v = kv[2] ?? 'true';
      if (k === 'address') put('address', v);
      else if (k === 'tls') put('tls', {});
      else if (k === 'redirect.entrypoint') put('redirect.entryPoint', v);
      else if (k === 'forwardedheaders.trustedips') put('forwardedHeaders.trustedIPs', v);
      else if (k === 'forwardedheaders.insecure') put('forwardedHeaders.insecure', v);
    }
  }
  return flat;
}

/**
 * 1.x's entrypoint when a configuration names none: `http` on `:80`, the default entrypoint of every frontend, keeping
 * X-Forwarded-* from any peer (v1.7 configuration/configuration.go `SetEffectiveConfiguration`: `if
 * len(gc.EntryPoints) == 0` sets `{"http": {Address: ":80", ForwardedHeaders: {Insecure: true}}}` and
 * `DefaultEntryPoints = ["http"]`). Added to `flat` (at `line`, the container's image) only when it has no
 * `entrypoints.*` key; the caller decides that no configuration file adds some (a mounted traefik.toml would).
 */
export function withV1DefaultEntryPoint(flat: Flat, line: number): boolean {
  for (const k of flat.keys()) if (k.startsWith('entrypoints.') || k === 'entrypoints') return false;
  flat.set('entrypoints.http', { value: {}, line, path: ['entryPoints', 'http'] });
  flat.set('entrypoints.http.address', { value: ':80', line, path: ['entryPoints', 'http', 'address'] });
  flat.set('defaultentrypoints', { value: ['http'], line, path: ['defaultEntryPoints'] });
  return true;
}

/** `K:V||K2:V2` (1.x `traefik.frontend.headers.customRequestHeaders`). */
function headerPairs(value: string): Array<[string, string]> {
  return value
    .split('||')
    .map((p) => /^\s*([^:]+?)\s*:\s*(.*?)\s*$/.exec(p))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1] as string, m[2] as string]);
}

/**
 * 1.x container labels as the 2.x labels of the same router and service: one frontend per container (the router is
 * named after the compose service) or per segment (`traefik.<segment>.frontend.rule`). A container with 1.x labels
 * but no rule gets a router with an empty rule (1.x's default rule is `Host:<container>.<domain>`, which the files
 * rarely fix).
 */
export function v1Labels(
  container: string,
  labels: Array<{ key: string; value: string; line: number }>,
): Array<{ key: string; value: string; line: number }> {
  const out: Array<{ key: string; value: string; line: number }> = [];
  const seen = new Set<string>();
  for (const l of labels) {
    const m =
      /^traefik\.(?:([^.]+)\.)?(frontend\.rule|frontend\.entrypoints|port|protocol|frontend\.headers\.(?:customrequestheaders|sslredirect|sslproxyheaders))$/i.exec(
        l.key,
      );
    if (!m || (m[1] && /^(frontend|backend|http|tcp|udp|docker)$/i.test(m[1]))) continue;
    const seg = m[1] ? `${container}-${m[1]}` : container;
    seen.add(seg);
    const prop = (m[2] as string).toLowerCase();
    const put = (key: string, value: string) => out.push({ key, value, line: l.line });
    if (prop === 'frontend.rule') put(`traefik.http.routers.${seg}.rule`, v1Rule(l.value));
    else if (prop === 'frontend.entrypoints') put(`traefik.http.routers.${seg}.entrypoints`, l.value);
    else if (prop === 'port') put(`traefik.http.services.${seg}.loadbalancer.server.port`, l.value);
    else if (prop === 'protocol') put(`traefik.http.services.${seg}.loadbalancer.server.scheme`, l.value);
    else if (prop === 'frontend.headers.sslredirect') {
      put(`traefik.http.middlewares.${seg}-headers.headers.sslRedirect`, l.value);
      put(`traefik.http.routers.${seg}.middlewares`, `${seg}-headers`);
    } else if (prop === 'frontend.headers.sslproxyheaders')
      for (const [k, v] of headerPairs(l.value)) put(`traefik.http.middlewares.${seg}-headers.headers.sslProxyHeaders.${k}`, v);
    else {
      for (const [k, v] of headerPairs(l.value))
        put(`traefik.http.middlewares.${seg}-headers.headers.customRequestHeaders.${k}`, v);
      put(`traefik.http.routers.${seg}.middlewares`, `${seg}-headers`);
    }
  }
  for (const seg of seen) {
    const first = out.find((o) => o.key.includes(`.${seg}.`));
    if (!out.some((o) => o.key === `traefik.http.routers.${seg}.rule`))
      out.push({ key: `traefik.http.routers.${seg}.rule`, value: '', line: first?.line ?? 0 });
    if (out.some((o) => o.key === `traefik.http.services.${seg}.loadbalancer.server.port`))
      out.push({ key: `traefik.http.routers.${seg}.service`, value: seg, line: first?.line ?? 0 });
  }
  return out;
}

/** Labels that only 1.x reads (2.x ignores them: its labels are `traefik.http.*`/`traefik.tcp.*`). */
export function hasV1Labels(labels: Array<{ key: string }>): boolean {
  return labels.some((l) => /^traefik\.(?:[^.]+\.)?(frontend\.|port$|backend$|protocol$)/i.test(l.key));
}
