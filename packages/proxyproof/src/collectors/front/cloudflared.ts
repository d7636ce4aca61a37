/**
 * Cloudflare Tunnel (cloudflared) as a front door: Cloudflare's edge ends TLS, and the `cloudflared` daemon, which
 * runs beside the origin and dials out to the edge, forwards each request over plain HTTP to the origin service its
 * ingress rules (or `--url`) name, with the edge's X-Forwarded-Proto / X-Forwarded-For / CF-Connecting-IP /
 * CF-Visitor headers. No port of the origin is published to the internet for it; the origin's peer is cloudflared
 * itself: the host's loopback when the rule says `localhost` / `127.0.0.1`.
 *
 * Read from (cloudflared 2024.x `config.yml`, docs "Configuration file" and "Ingress rules"; `cloudflared tunnel
 * --help`):
 * - a configuration file: top-level `ingress:` rules (`- hostname: a.example.com` / `service: http://localhost:8000`,
 *   the last one a catch-all such as `service: http_status:404`), and `tunnel:` / `credentials-file:`;
 * - a command line that runs it: `cloudflared tunnel --url http://localhost:8000` (a quick or legacy tunnel),
 *   `cloudflared tunnel run NAME` / `--token T` (the ingress is in a config file or in the dashboard: target unknown),
 *   in a Procfile, a compose service (its image `cloudflare/cloudflared` runs `cloudflared` with the command as
 *   arguments), a systemd unit's ExecStart or a shell script.
 * Services that are not HTTP origins (`ssh://`, `tcp://`, `rdp://`, `http_status:`, `hello_world`, `unix:`) are not
 * targets of the HTTP chain.
 */
import type { Ref } from '../../chain/model.js';
import type { FrontFacts } from '../../model/proxy.js';
import { at, get, obj, type YDoc, yamlDocs } from '../proxy/yaml.js';
import { front } from './fronts.js';

export interface TunnelTarget {
  /** The origin URL as written (`http://localhost:80`). */
  url: string;
  host: string;
  port: number;
  tls: boolean;
  ref: Ref;
}

/** The image of Cloudflare's daemon (`cloudflare/cloudflared:2024.6.1`, a mirror's `.../cloudflared`). */
export const CLOUDFLARED_IMAGE = /(^|\/)cloudflared(?::|@|$)/i;

/** An HTTP(S) origin of a rule or `--url`; other services (ssh, tcp, unix sockets, status codes) are not. */
export function tunnelTarget(url: string, ref: Ref): TunnelTarget | undefined {
  const m = /^(https?):\/\/(\[[^\]]+\]|[^/:?#\s]+)(?::(\d+))?/i.exec(url.trim());
  if (!m) return undefined;
  const tls = (m[1] as string).toLowerCase() === 'https';
  const port = m[3] ? Number(m[3]) : tls ? 443 : 80;
  if (!(port > 0 && port < 65536)) return undefined;
  return { url: url.trim(), host: (m[2] as string).replace(/^\[|\]$/g, '').toLowerCase(), port, tls, ref };
}

/** The tunnel front with its targets; `how` says what ran it (for `why`). */
export function tunnelFront(evidence: Ref, targets: TunnelTarget[], how: string): FrontFacts {
  const where = targets.length
    ? `forwards plain HTTP to ${[...new Set(targets.map((t) => t.url))].join(', ')}`
    : 'forwards to the origin its ingress rules name (not in these files: a dashboard-managed tunnel)';
  const f = front(
    'cloudflare',
    [evidence],
    `a Cloudflare Tunnel (${how}): Cloudflare's edge ends TLS and cloudflared ${where}, with X-Forwarded-Proto, X-Forwarded-For and CF-Connecting-IP`,
  );
  // cloudflared opens the connections to the origin from where it runs, not from Cloudflare's published edge ranges.
  f.ranges = [];
  return withTargets(f, targets);
}

const LOOPBACK = /^(?:localhost|127(?:\.\d+){3}|::1)$/;

/** Sets a tunnel front's targets: the one port (`targetPort`) when they share it, and whether all are on loopback. */
function withTargets(f: FrontFacts, targets: Array<Omit<TunnelTarget, 'url'>>): FrontFacts {
  if (targets.length === 0) return f;
  f.targets = targets.map((t) => ({ host: t.host, port: t.port, tls: t.tls, ref: t.ref }));
  const first = targets[0] as Omit<TunnelTarget, 'url'>;
  if (new Set(targets.map((t) => t.port)).size === 1) f.targetPort = { port: first.port, ref: first.ref };
  // cloudflared connects to a `localhost` origin from the host's loopback (gunicorn's default trust, nginx's
  // set_real_ip_from 127.0.0.1 see it so).
  f.loopback = targets.every((t) => LOOPBACK.test(t.host));
  return f;
}

/**
 * The tree's tunnels as one front: a command (`tunnel run NAME`) and the config file with its ingress rules are the
 * same daemon; their evidence and targets are joined.
 */
export function joinTunnels(fronts: FrontFacts[]): FrontFacts | undefined {
  const first = fronts[0];
  if (!first) return undefined;
  const withRules = fronts.find((f) => f.targets?.length) ?? first;
  const targets: Array<Omit<TunnelTarget, 'url'>> = [];
  const seen = new Set<string>();
  for (const f of fronts)
    for (const t of f.targets ?? []) {
      const key = `${t.host}:${t.port}:${t.tls}`;
      if (seen.has(key)) continue;
      seen.add(key);
      targets.push(t);
    }
  const evidence = [...withRules.evidence, ...fronts.filter((f) => f !== withRules).flatMap((f) => f.evidence)];
  const joined: FrontFacts = { ...withRules, evidence };
  delete joined.targets;
  delete joined.targetPort;
  delete joined.loopback;
  return withTargets(joined, targets);
}

/**
 * A cloudflared configuration file: a top-level `ingress:` list of rules with `service:` (each YAML document). A
 * Kubernetes ConfigMap holding one (`data: config.yaml: |`) is read the same way, its lines offset.
 */
export function tunnelConfigFronts(file: string, src: string): FrontFacts[] {
  const docs = yamlDocs(src);
  if (!docs) return [];
  const out: FrontFacts[] = [];
  for (const doc of docs) {
    const v = obj(doc.value);
    if (!v) continue;
    if (Array.isArray(v.ingress)) {
      const f = fromIngress(file, doc, v, [], 0);
      if (f) out.push(f);
      continue;
    }
    // A Kubernetes workload running the cloudflared image: its command and args.
    const spec = obj(get(v, ['spec', 'template', 'spec'])) ?? obj(v.spec);
    const path = obj(get(v, ['spec', 'template', 'spec'])) ? ['spec', 'template', 'spec'] : ['spec'];
    const containers = Array.isArray(spec?.containers) ? (spec.containers as unknown[]) : [];
    containers.forEach((c, i) => {
      const o = obj(c);
      if (!o || !CLOUDFLARED_IMAGE.test(String(o.image ?? ''))) return;
      const words = [...(Array.isArray(o.command) ? o.command : []), ...(Array.isArray(o.args) ? o.args : [])].map(String);
      const line = at(doc, [...path, 'containers', i, 'image'])?.line ?? 0;
      const t = tunnelCommandFront(words, { file, line, snippet: `image: ${String(o.image)}` }, !Array.isArray(o.command));
      if (t) out.push(t);
    });
    if (v.kind === 'ConfigMap' && obj(v.data))
      for (const [k, text] of Object.entries(obj(v.data) ?? {})) {
        if (typeof text !== 'string' || !/^\s*ingress:\s*$/m.test(text)) continue;
        const inner = yamlDocs(text)?.[0];
        const iv = obj(inner?.value);
        const base = at(doc, ['data', k])?.keyLine ?? 0;
        if (inner && iv && Array.isArray(iv.ingress)) {
          const f = fromIngress(file, inner, iv, [], base);
          if (f) out.push(f);
        }
      }
  }
  return out;
}

function fromIngress(
  file: string,
  doc: YDoc,
  v: Record<string, unknown>,
  prefix: Array<string | number>,
  base: number,
): FrontFacts | undefined {
  const rules = v.ingress as unknown[];
  // cloudflared's rules: objects with a `service`. A list of anything else under `ingress:` is not a tunnel's.
  const services = rules.map((r) => obj(r)?.service);
  if (services.length === 0 || services.some((s) => typeof s !== 'string')) return undefined;
  const targets: TunnelTarget[] = [];
  services.forEach((s, i) => {
    const line = (at(doc, [...prefix, 'ingress', i, 'service'])?.line ?? 0) + base;
    const t = tunnelTarget(String(s), { file, line, snippet: `service: ${String(s)}` });
    if (t) targets.push(t);
  });
  // A list with no HTTP origin (only ssh:// or status rules) puts no HTTP front before the tree's servers.
  if (targets.length === 0) return undefined;
  const line = (at(doc, [...prefix, 'ingress'])?.keyLine ?? 0) + base;
  return tunnelFront({ file, line, snippet: 'ingress:' }, targets, 'cloudflared ingress rules');
}

/**
 * A command line that runs cloudflared as a tunnel: `cloudflared ... tunnel ...` (or the image's arguments alone,
 * `image` true: `tunnel --no-autoupdate run --token ...`). `--url U` / `--url=U` names the origin; `hello-world`
 * and login/list/create subcommands are not a tunnel that serves the tree.
 */
export function tunnelCommandFront(words: string[], ref: Ref, image = false): FrontFacts | undefined {
  let i = image ? 0 : words.findIndex((w) => /(^|\/)cloudflared$/.test(w));
  if (i < 0) return undefined;
  if (!image) i += 1;
  const args = words.slice(i);
  if (!args.includes('tunnel') && !args.some((a) => /^--url(=|$)/.test(a))) return undefined;
  if (args.some((a) => /^(?:login|list|create|delete|route|cleanup|info|--hello-world)$/.test(a))) return undefined;
  const targets: TunnelTarget[] = [];
  args.forEach((a, k) => {
    const url = a === '--url' ? args[k + 1] : /^--url=(.+)$/.exec(a)?.[1];
    const t = url ? tunnelTarget(url.replace(/^["']|["']$/g, ''), ref) : undefined;
    if (t) targets.push(t);
  });
  return tunnelFront(ref, targets, image ? 'a cloudflared container' : 'cloudflared');
}
