/**
 * The doctor's text: what was found and not found, the hop-by-hop picture per route, backends,
 * and the fix plan. Plain lines (colour is the text renderer's business); no decisions here.
 */
import type { Facts } from '../model/facts.js';
import { CLIENT_IP_PATHS } from '../probe/types.js';
import type { ChainAnalysis } from './analyze.js';
import type { DeploymentFiles } from './discover.js';
import { genericAppEnd } from './generic-app.js';
import { appById, proxyById, type Ref, refText, runtimeNetwork } from './model.js';
import type { PlannedFix } from './plan.js';
import type { Step, Trace } from './simulate.js';
import { type RouteVerdict, spoofSummary } from './verdict.js';

export interface Inventory {
  found: string[];
  missing: string[];
}

export function inventory(facts: Facts, a: ChainAnalysis, files: DeploymentFiles): Inventory {
  const found: string[] = [];
  const missing: string[] = [];
  const t = a.topology;
  for (const c of facts.nginx.configs) {
    const f = c.config[0]?.file;
    if (f) found.push(`nginx config   ${f}${c.config.length > 1 ? ` (+${c.config.length - 1} included)` : ''}`);
  }
  for (const c of files.proxyFiles) found.push(`${`${c.kind} config`.padEnd(15)}${c.file}`);
  for (const p of t.proxies)
    found.push(
      `proxy          ${p.label}: ${p.routes.length} route${p.routes.length === 1 ? '' : 's'} -> ${[...new Set(p.routes.map((r) => r.upstreams[0]?.text ?? '?'))].join(', ')}${p.placement.kind === 'container' ? ` [container ${p.placement.service}]` : ''}`,
    );
  for (const o of a.build.otherServers) found.push(`proxy          ${o.label}: ${o.what}`);
  for (const f of facts.compose?.files ?? []) {
    // Services that only name an image the tree builds (one line per image) and services merged with overrides.
    const built = new Map<string, string[]>();
    for (const s of f.services)
      if (s.imageBuild) {
        const key = `image ${s.image} built from ${s.imageBuild.dockerfile} (${s.imageBuild.why}, ${refText(s.imageBuild.ref)})`;
        built.set(key, [...(built.get(key) ?? []), s.name]);
      }
    const extra = [
      ...f.services.flatMap((s) => (s.mergedFrom ? [`${s.name} merged with ${s.mergedFrom.join(', ')}`] : [])),
      ...[...built].map(([what, names]) => `${names.join(', ')}: ${what}`),
    ];
    found.push(
      `compose        ${f.file} (services: ${f.services.map((s) => s.name).join(', ')})${extra.map((x) => `; ${x}`).join('')}`,
    );
  }
  for (const app of t.apps)
    found.push(
      `app server     ${app.label} (${refText(app.ref)})${app.placement.kind === 'container' ? ` [container ${app.placement.service}]` : ''}${app.framework ? ` runs ${app.framework.label} (${app.framework.ref.file})` : ''}`,
    );
  for (const fw of t.orphanFrameworks)
    found.push(`framework      ${fw.label} (${fw.ref.file}) — no app server found that runs it`);
  for (const u of t.unmodelled) found.push(`not modelled   ${u.what} ${u.file}: ${u.why}`);
  if (t.proxies.length === 0)
    missing.push(
      'no reverse-proxy configuration that proxies anywhere (nginx sites with proxy_pass/uwsgi_pass, a Caddyfile with reverse_proxy, HAProxy backends, Apache ProxyPass, Traefik routers from labels, a file provider or IngressRoutes)',
    );
  // A proxy read with listeners but no route (Traefik entrypoints whose routers were all left out, say): what it
  // is and why nothing was routed, instead of only the generic line above.
  for (const p of facts.proxies ?? []) {
    const sites = p.sites.filter((s) => s.listeners.length > 0);
    if (sites.length === 0 || p.sites.some((s) => s.routes.length > 0)) continue;
    const why = [...new Set(p.sites.flatMap((s) => s.notes))];
    missing.push(
      `${p.kind} ${p.file}: ${sites.map((s) => s.label).join(', ')} route nothing${why.length ? ` (${why.join('; ')})` : ''}`,
    );
  }
  if (t.apps.length === 0)
    missing.push('no app-server launch (systemd unit, compose command, Procfile, Dockerfile CMD, supervisord, gunicorn.conf.py)');
  if (facts.frameworks.length === 0)
    missing.push(
      "no framework settings (Django settings.py, a Flask/FastAPI app module, an Express/Fastify/Koa app): the app is assumed to use its server's scheme",
    );
  const missingSeen = new Set(missing);
  for (const l of t.links) {
    if (l.target.kind !== 'unresolved') continue;
    const hop = proxyById(t, l.fromHop);
    const up = hop?.routes.find((r) => r.id === l.routeId)?.upstreams[l.upstream];
    const line = `${hop?.label ?? '?'} -> ${up?.text ?? '?'}: ${l.target.reason} — ${l.target.need}`;
    if (!missingSeen.has(line)) {
      missingSeen.add(line);
      missing.push(line);
    }
  }
  for (const app of t.apps) {
    if (!t.links.some((l) => (l.target.kind === 'app' && l.target.appId === app.id) || l.stackTwins?.includes(app.id)))
      missing.push(`no proxy route reaches ${app.label} (${refText(app.ref)})`);
  }
  for (const p of files.problems) missing.push(`could not read: ${p}`);
  for (const n of a.build.notes) missing.push(n);
  const errors = facts.diagnostics.filter((d) => d.level === 'error').length;
  if (errors) missing.push(`${errors} file${errors === 1 ? '' : 's'} could not be parsed (see the errors below)`);
  return { found, missing };
}

function arrowFrom(s: Step, next: Step | undefined): string {
  if (!next) return '';
  if (s.kind === 'client') return `--${s.scheme}-->`;
  if (s.kind === 'lb' || s.kind === 'proxy') {
    const sent = s.sent ?? {};
    const xfp = sent['x-forwarded-proto'];
    const fwd = sent.forwarded;
    const scheme = s.kind === 'proxy' && s.conveys?.why.startsWith('proxies over TLS') ? 'https' : 'http';
    const info =
      xfp !== undefined
        ? `X-Forwarded-Proto: ${xfp}`
        : fwd !== undefined
          ? `Forwarded: ${fwd}`
          : s.conveys?.header === 'HTTPS'
            ? s.conveys.scheme === 'absent'
              ? 'param HTTPS missing'
              : `param HTTPS ${sent.https ?? ''}`.trim()
            : 'X-Forwarded-Proto missing';
    return `--${scheme}, ${info}-->`;
  }
  return '-->';
}

function finalText(s: Step): string {
  const secure = s.scheme === 'https';
  switch (s.label.split(' ')[0]) {
    case 'Django':
      return `Django: request.is_secure() = ${secure ? 'True' : 'False'}`;
    case 'Flask':
      return `Flask: request.scheme = ${s.scheme}`;
    case 'FastAPI':
    case 'Starlette':
      return `${s.label}: request.url.scheme = ${s.scheme}`;
    case 'Express':
      return `Express: req.protocol = '${s.scheme}'`;
    case 'Fastify':
      return `Fastify: request.protocol = '${s.scheme}'`;
    case 'Koa':
      return `Koa: ctx.protocol = '${s.scheme}'`;
    default:
      return `${s.label}: scheme = ${s.scheme}`;
  }
}

/** `browser --https--> nginx :443 (site.conf:12) --http, X-Forwarded-Proto missing--> gunicorn 127.0.0.1:8000 --> Django: request.is_secure() = False` */
export function picture(t: Trace): string {
  const parts: string[] = [];
  t.steps.forEach((s, i) => {
    const next = t.steps[i + 1];
    const label = s.kind === 'framework' ? finalText(s) : s.label;
    parts.push(label);
    if (next) parts.push(arrowFrom(s, next));
  });
  if (!t.complete) parts.push(`--> ? (${t.unresolved?.what ?? 'unresolved'})`);
  return parts.join(' ');
}

function stepLine(s: Step, i: number): string {
  const bits: string[] = [];
  if (s.kind === 'proxy' || s.kind === 'lb') {
    bits.push(`believes ${s.scheme} (${s.schemeWhy})`);
    if (s.conveys)
      bits.push(
        `tells the next hop: ${s.conveys.scheme === 'absent' ? 'nothing about the scheme' : s.conveys.scheme} — ${s.conveys.why}${s.conveys.ref && s.conveys.ref.line > 0 ? ` (${refText(s.conveys.ref)})` : ''}`,
      );
    const sent = s.sent ?? {};
    const shown = ['host', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-for', 'x-real-ip', 'forwarded']
      .filter((h) => sent[h] !== undefined)
      .map((h) => `${h}: ${sent[h]}`);
    if (shown.length) bits.push(`sends ${shown.join('; ')}`);
    if (s.linkText) bits.push(`reaches the next hop: ${s.linkText}`);
  } else {
    bits.push(`scheme ${s.scheme}: ${s.schemeWhy}${s.schemeRef && s.schemeRef.line > 0 ? ` (${refText(s.schemeRef)})` : ''}`);
    if (s.host !== undefined) bits.push(`host ${s.host}`);
    if (s.client !== undefined) bits.push(`client ${s.client} (${s.clientWhy ?? ''})`);
    if (s.redirect)
      bits.push(
        s.redirect.loop
          ? `redirects to ${s.redirect.location}: a redirect loop (ERR_TOO_MANY_REDIRECTS)`
          : `redirects to ${s.redirect.location}`,
      );
  }
  const notes = s.notes.length ? `\n        note: ${s.notes.join('\n        note: ')}` : '';
  return `    ${i}. ${s.label}\n        ${bits.join('\n        ')}${notes}`;
}

export function verdictLine(r: RouteVerdict): string {
  const s = r.scheme;
  if (s.status === 'unknown' || (s.arrives && r.trace.unresolved)) {
    // The app is not linked, but the proxies before it are known: the generic app hop says what arrives there.
    const end = r.trace.unresolved ? genericAppEnd(r.trace, s.expected) : undefined;
    if (end && r.trace.unresolved) {
      const app = `the app there is not linked: ${r.trace.unresolved.what} (${r.trace.unresolved.need})`;
      if (end.tls)
        return `verdict: https reaches the backend over TLS from hop ${end.step} (${end.label}), with no X-Forwarded-Proto; the app believes https if it reads its own connection — ${app}`;
      return end.lost
        ? `verdict: https is lost at hop ${end.step} (${end.label}): it sends ${end.scheme === 'absent' ? `no ${end.header}` : `${end.header}: ${end.scheme}`}, so any app behind it builds http:// URLs unless it reads another header; ${app}`
        : `verdict: https reaches the backend as ${end.header}: https from hop ${end.step} (${end.label}); the app believes it only if it trusts ${end.header} from that proxy's address — ${app}`;
    }
    const u = s.unknownAt;
    return `verdict: unknown — ${r.trace.unresolved ? `${r.trace.unresolved.what} (${r.trace.unresolved.need})` : u ? `hop ${u.step} (${u.label}) sends ${u.reason}: a value these files do not give, so what the app believes depends on it` : 'the chain could not be followed'}`;
  }
  const scheme =
    s.status === 'correct'
      ? 'correct: the app believes https'
      : s.refused !== undefined
        ? `https requests get a ${s.refused} — at hop ${s.lostAt?.step ?? '?'} (${s.lostAt?.label ?? '?'}): ${s.lostAt?.reason ?? '?'}`
        : `the app believes ${s.believed} — lost at hop ${s.lostAt?.step ?? '?'} (${s.lostAt?.label ?? '?'}) because ${s.lostAt?.reason ?? '?'}${s.lostAt?.ref && s.lostAt.ref.line > 0 && !s.lostAt.reason.includes(refText(s.lostAt.ref)) ? ` (${refText(s.lostAt.ref)})` : ''}`;
  const host = r.host.status === 'lost' ? `; host ${r.host.believed} instead of ${r.host.expected}` : '';
  const loop = r.redirect?.loop ? '; redirect loop' : '';
  return `verdict: ${scheme}${host}${loop}`;
}

export function chainLines(a: ChainAnalysis): string[] {
  const out: string[] = [];
  if (a.verdict.routes.length === 0) out.push('  (no HTTPS entry point that proxies to an app was found)');
  for (const r of a.verdict.routes) {
    out.push(`  ${r.url} (${r.route})`);
    out.push(`    ${picture(r.trace)}`);
    r.trace.steps.forEach((s, i) => {
      if (i > 0) out.push(stepLine(s, i));
    });
    out.push(`    ${verdictLine(r)}`);
    out.push(`    spoofing: ${spoofSummary(r)}`);
    out.push('');
  }
  for (const s of a.verdict.entrySpoofs) out.push(`  plain HTTP: ${s.what.join('+')} spoofable from ${s.from}`);
  const backends = a.verdict.backends;
  if (backends.length) {
    out.push('  backends:');
    for (const b of backends) {
      const reach = b.reachableFrom ? `reachable from ${b.reachableFrom}` : `not public (${b.exposure})`;
      out.push(
        `    ${b.label}${b.label.includes(b.bind) ? '' : ` ${b.bind}`}: ${reach}; ${b.spoof ? `forged headers are believed (${b.spoof.what.join(', ')})` : b.reachableFrom ? 'forged headers are ignored' : 'not spoofable from outside'}`,
      );
    }
  }
  return out;
}

const PROTOCOL_NAME = { uwsgi: 'the uwsgi protocol', fastcgi: 'FastCGI', scgi: 'SCGI', grpc: 'gRPC' } as const;

/**
 * What a backend bind speaks when it is not HTTP: the app server's own fact (a uWSGI `socket`, php-fpm), else the
 * transport of a proxy route the chain linked to it (`fastcgi_pass`, `uwsgi_pass`, `scgi_pass`, `grpc_pass`), with
 * the line that says so.
 */
export function backendProtocol(
  a: ChainAnalysis,
  appId: string,
  bindIndex: number,
): { protocol: keyof typeof PROTOCOL_NAME; ref?: Ref } | undefined {
  const t = a.topology;
  const app = appById(t, appId);
  const bind = app?.binds[bindIndex];
  if (bind?.protocol) return { protocol: bind.protocol, ref: bind.ref };
  for (const l of t.links) {
    if (l.target.kind !== 'app' || l.target.appId !== appId || l.target.bind !== bindIndex) continue;
    const route = proxyById(t, l.fromHop)?.routes.find((r) => r.id === l.routeId);
    if (route && route.protocol !== 'http' && route.protocol !== 'https')
      return { protocol: route.protocol, ref: route.upstreams[l.upstream]?.ref ?? route.ref };
  }
  return undefined;
}

/**
 * The views of this app that show the client's address (`Facts.codeUses` with a `route`): the code's folder is the
 * framework's (or the app server's) file's, or any when the chain has one app.
 */
function clientIpRoutes(a: ChainAnalysis, appId: string, uses: Facts['codeUses']): string[] {
  const app = appById(a.topology, appId);
  if (!app) return [];
  const file = app.framework?.ref.file ?? app.ref.file;
  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
  const routes = (uses ?? [])
    .filter((u) => u.kind === 'client' && u.route && (a.topology.apps.length === 1 || u.ref.file.startsWith(dir)))
    .map((u) => u.route as string);
  return [...new Set(routes)].slice(0, CLIENT_IP_PATHS);
}

/**
 * `proxyproof probe` command lines for every HTTP backend the doctor found: the address as bound (0.0.0.0
 * and :: become the host's own address, which the files do not hold), with the public site when a route
 * leads there, so the Host header is the one the proxy sends. A backend that speaks FastCGI or the uwsgi protocol
 * gets no HTTP probe (it would answer nothing an HTTP request can judge): a line says why and what to check instead.
 * The views that show the client's address (`clientIpRoutes`) are named with `--client-ip-path`: `/` may only redirect.
 */
export function probeCommands(a: ChainAnalysis, uses?: Facts['codeUses']): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const b of a.verdict.backends) {
    const m = /^(.*):(\d+)$/.exec(b.bind);
    if (!m || b.bind.startsWith('unix:')) continue;
    const host = m[1] as string;
    const wildcard = host === '0.0.0.0' || host === '::' || host === '*' || host === '' || host === '[::]';
    // A container's or pod's unpublished port (or a platform's private one) is reached only on its own network.
    const app = appById(a.topology, b.appId);
    const bind = app?.binds[b.bindIndex];
    const unpublished = app?.placement.kind === 'container' && !bind?.published;
    const inside = wildcard && (b.reach === 'compose-network' || unpublished);
    const addr = inside
      ? '<its address on that network>'
      : wildcard
        ? '<this host address>'
        : host.includes(':') && !host.startsWith('[')
          ? `[${host}]`
          : host;
    const other = backendProtocol(a, b.appId, b.bindIndex);
    if (other) {
      const who = b.label.includes(b.bind) ? b.label : `${b.label} ${b.bind}`;
      const line = `  ${who} speaks ${PROTOCOL_NAME[other.protocol]}${other.ref ? ` (${refText(other.ref)})` : ''}, not HTTP: no probe to run (probe sends HTTP requests); ${wildcard ? `from another machine the port should refuse connections (nc -z <this host address> ${m[2]}); ` : ''}what the app believes is what the proxy's ${other.protocol === 'grpc' ? 'metadata' : 'params'} say, which lint checks`;
      if (!seen.has(line)) out.push(line);
      seen.add(line);
      continue;
    }
    const route = a.verdict.routes.find((r) => r.trace.steps.some((s) => s.label === b.label));
    const pub = route ? ` --public ${new URL(route.url).origin}` : '';
    const paths = clientIpRoutes(a, b.appId, uses).filter((p) => p !== '/');
    const ipPaths = paths.length ? ` --client-ip-path ${paths.join(' ')}` : '';
    const cmd = `proxyproof probe --backend http://${addr}:${m[2]}${pub}${ipPaths}`;
    if (seen.has(cmd)) continue;
    seen.add(cmd);
    const where = inside
      ? ` (from ${b.reachableFrom ?? `its ${app?.placement.kind === 'container' ? runtimeNetwork(app.placement.runtime) : 'network'}, where only the proxy runs (not published)`})`
      : wildcard
        ? ' (from another machine: the port is open on every interface)'
        : /^(127\.|localhost$|\[?::1\]?$)/.test(host)
          ? ' (on this host)'
          : ' (from this host and from another machine)';
    out.push(`  ${cmd}${where}`);
  }
  return out;
}

function fixLine(f: PlannedFix, n: number): string[] {
  const label =
    f.kind === 'required'
      ? 'required'
      : f.kind === 'robustness'
        ? "needed once the app server no longer trusts the proxy's address"
        : 'recommended';
  const where = f.line > 0 ? `${f.file}${f.after ? `, after line ${f.line}` : `:${f.line}`}` : f.file;
  return [
    `  Fix ${n} (${label}): ${f.title}`,
    `    in ${where}:`,
    ...f.lines.map((l) => `      ${l}`),
    `    because ${f.because}`,
  ];
}

export function planLines(a: ChainAnalysis): string[] {
  const out: string[] = [];
  a.plan.fixes.forEach((f, i) => {
    out.push(...fixLine(f, i + 1));
  });
  if (a.plan.fixes.length === 0) out.push('  nothing to change in the chain');
  for (const n of a.plan.notes) out.push(`  - ${n}`);
  return out;
}
