/**
 * uWSGI's ini configuration (`[uwsgi]` section: `socket`/`uwsgi-socket`, `http-socket`, `http`, `module`/`wsgi-file`,
 * `env = NAME=value`) as an app server. uWSGI reads no trust list: its protocol parser (core/protocol.c,
 * uwsgi_proto_check_*) takes `UWSGI_SCHEME` and `HTTP_X_FORWARDED_PROTO` as the request scheme and `HTTPS` /
 * `HTTP_X_FORWARDED_SSL` as the https flag, from whoever sends them, and the Python plugin turns those into
 * wsgi.url_scheme. nginx's uwsgi_pass sends its uwsgi_params (HTTPS $https, UWSGI_SCHEME) and the request's
 * headers as HTTP_* variables; the chain simulator (chain/simulate.ts) models that order.
 */
import type { CollectContext, Collector } from '../../model/collector.js';
import type { AppServerFacts, BindAddress, SourceRef, Valued } from '../../model/facts.js';
import { lit, MAX_APP_SOURCE_BYTES, refAt } from '../appends/lines.js';
import { mayBeUwsgiConfig } from '../claims.js';
import { exposureOf } from '../deploy/appserver.js';

export const UWSGI_PROTOCOL_SOURCE = 'https://github.com/unbit/uwsgi/blob/2.0.21/core/protocol.c';

/**
 * The uwsgi-protocol sockets (what nginx's uwsgi_pass speaks) and the HTTP ones (`http-socket`, the `http` router):
 * the same X-Forwarded-Proto rule applies to both (checked on Debian's uwsgi 2.0.21: `--http-socket` with
 * `X-Forwarded-Proto: https` gives wsgi.url_scheme https; core/protocol.c's hooks run for every parser). uWSGI
 * turns no header into the client address, so a direct request forges the scheme only (chain/spoofable-backend's
 * severity policy for scheme-only spoofs).
 */
const SOCKET_KEYS = new Set(['socket', 'uwsgi-socket']);
const HTTP_SOCKET_KEYS = new Set(['http-socket', 'http']);
/** uWSGI's config-logic blocks (`if-env = X` ... `endif =`): https://uwsgi-docs.readthedocs.io/en/latest/ConfigLogic.html */
const IF_BLOCK = /^if-(not-)?(env|exists|file|dir|opt|reload|hostname)$/;

/** `127.0.0.1:8001`, `:8000`, `[::]:8000`, `/run/app.sock`; a `%(var)`/`$(VAR)` placeholder stays unknown. */
export function uwsgiBind(value: string, ref: SourceRef): BindAddress | null {
  const v = value.trim().replace(/,.*$/, '');
  if (v === '') return null;
  if (v.startsWith('/') || v.startsWith('@')) return { kind: 'unix', path: v, exposure: 'unix', ref };
  if (/[%$]\(/.test(v)) return { kind: 'tcp', exposure: 'all-interfaces', ref };
  const m = /^(\[[^\]]*\]|[^:]*):(\d+)$/.exec(v);
  if (!m) return null;
  const raw = (m[1] ?? '').replace(/^\[|\]$/g, '');
  const host = raw === '' || raw === '*' ? '0.0.0.0' : raw;
  return { kind: 'tcp', host, port: Number(m[2]), exposure: exposureOf(host), ref };
}

export const uwsgiCollector: Collector = {
  name: 'uwsgi',
  collect(ctx: CollectContext) {
    for (const f of ctx.files) {
      if (ctx.claimed.has(f.abs) || !mayBeUwsgiConfig(f.display) || f.size > MAX_APP_SOURCE_BYTES) continue;
      const text = ctx.read(f).toString('utf8');
      if (!/^\s*\[uwsgi\]\s*$/m.test(text)) continue;
      ctx.claimed.add(f.abs);
      const raw = text.split(/\r?\n/);
      let inSection = false;
      let anchor: SourceRef | undefined;
      const binds: BindAddress[] = [];
      const env: Record<string, Valued<string>> = {};
      let target: string | undefined;
      // Binds inside `if-env = X` / `if-not-env = X` blocks are alternatives (one deployment has X set or not): per
      // condition subject one bind set is used, the `if-not-*` one (what runs when nothing is set) or else the first.
      let block: { subject: string; negated: boolean } | undefined;
      const alternatives = new Map<string, Array<{ negated: boolean; bind: BindAddress }>>();
      raw.forEach((line, i) => {
        const l = line.trim();
        if (l === '' || l.startsWith('#') || l.startsWith(';')) return;
        const section = /^\[([^\]]+)\]$/.exec(l);
        if (section) {
          inSection = section[1] === 'uwsgi';
          if (inSection) anchor ??= refAt(f.display, raw, i + 1);
          return;
        }
        if (!inSection) return;
        const kv = /^([A-Za-z0-9_-]+)\s*=\s*(.*)$/.exec(l);
        if (!kv) return;
        const key = (kv[1] as string).toLowerCase().replace(/_/g, '-');
        const value = (kv[2] as string).trim();
        const ref = refAt(f.display, raw, i + 1);
        const cond = IF_BLOCK.exec(key);
        if (cond) {
          block = { subject: `${cond[2]}:${value}`, negated: cond[1] !== undefined };
          return;
        }
        if (key === 'endif' || key === 'end-if') {
          block = undefined;
          return;
        }
        if (HTTP_SOCKET_KEYS.has(key) || SOCKET_KEYS.has(key)) {
          const b = uwsgiBind(value, ref);
          if (!b) return;
          const bind: BindAddress = SOCKET_KEYS.has(key) ? { ...b, protocol: 'uwsgi' } : b;
          if (block) {
            const list = alternatives.get(block.subject) ?? [];
            list.push({ negated: block.negated, bind });
            alternatives.set(block.subject, list);
          } else binds.push(bind);
        } else if (key === 'module' || key === 'wsgi' || key === 'wsgi-file' || key === 'file') {
          target ??= key === 'module' || key === 'wsgi' ? value : value.replace(/\.py$/, '').replace(/\//g, '.');
        } else if (key === 'env') {
          const e = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(value);
          if (e) env[e[1] as string] = lit(e[2] as string, ref);
        }
      });
      if (!anchor) continue;
      for (const list of alternatives.values()) {
        const unset = list.filter((x) => x.negated);
        binds.push(...(unset.length > 0 ? unset : list.filter((x) => x.negated === list[0]?.negated)).map((x) => x.bind));
      }
      const first = binds[0]?.ref ?? anchor;
      const server: AppServerFacts = {
        kind: 'other',
        name: 'uwsgi',
        launch: { ...first, via: 'config' },
        ...(target ? { appTarget: target } : {}),
        binds,
        // No trust list: X-Forwarded-Proto (and the HTTPS / UWSGI_SCHEME params) are taken from any peer.
        proxyHeaders: lit(true, anchor, 'default', { note: 'uWSGI maps X-Forwarded-Proto into the scheme from any peer' }),
        trustedProxies: lit(['*'], anchor, 'default'),
        schemeHeaders: lit<Record<string, string>>({ 'X-FORWARDED-PROTO': 'https' }, anchor, 'default'),
        configFiles: [f.display],
        env,
        notes: ['uWSGI takes X-Forwarded-Proto, UWSGI_SCHEME and HTTPS as the scheme from whoever sends them'],
      };
      linkComposeService(ctx, server, f.display);
      ctx.facts.appServers.push(server);
    }
  },
};

/**
 * The compose service whose command runs this ini (`uwsgi /opt/app/docker/uwsgi.ini`, `uwsgi --ini uwsgi.ini`, inside
 * `bash -c '...'`): the path is matched from its end against the ini's path in the tree, the most segments winning.
 * The server then runs in that container: its TCP binds are on the container's network and published by the
 * service's `ports:`.
 */
function linkComposeService(ctx: CollectContext, server: AppServerFacts, display: string): void {
  const mine = display.split('/').filter(Boolean);
  /** How many trailing path parts of an ini the argv names match this file's (0: none). */
  const matchOf = (argv: string[]): number => {
    let most = 0;
    // `--ini FILE` names a config of any suffix; a bare argument is one only as `*.ini` (uWSGI's own shortcut).
    for (const m of argv.join(' ').matchAll(/\buwsgi\b[^;&|]*?\s(?:--ini[=\s]+(\S+)|(\S+\.ini)\b)/g)) {
      const segs = ((m[1] ?? m[2]) as string).split('/').filter(Boolean);
      let n = 0;
      while (n < segs.length && n < mine.length && segs[segs.length - 1 - n] === mine[mine.length - 1 - n]) n++;
      most = Math.max(most, n);
    }
    return most;
  };
  let best: { svc: NonNullable<CollectContext['facts']['compose']>['files'][number]['services'][number]; n: number } | undefined;
  for (const file of ctx.facts.compose?.files ?? [])
    for (const svc of file.services) {
      // What the container runs (its image's CMD too, when the tree builds the image), else what the file writes,
      // and the lines of a script of the tree it runs (`command: /opt/app/run.sh`, whose last line is `uwsgi ...`).
      const argv = svc.runs?.argv ?? [...(svc.entrypoint?.argv ?? []), ...(svc.command?.argv ?? [])];
      const n = Math.max(matchOf(argv), ...scriptLines(ctx, argv).map((l) => matchOf([l])));
      if (n > 0 && (!best || n > best.n)) best = { svc, n };
    }
  if (!best) {
    linkPod(ctx, server, matchOf);
    return;
  }
  const { svc } = best;
  svc.appServers.push(ctx.facts.appServers.length);
  server.service = svc.name;
  for (const b of server.binds) {
    if (b.kind !== 'tcp') continue;
    b.container = true;
    b.reach = 'container-network';
    const port = svc.ports.find((p) => p.containerPort === b.port && p.protocol === 'tcp');
    if (port) b.published = { hostIp: port.hostIp, hostPort: port.hostPort ?? 0, ref: port.ref };
  }
  server.notes = [
    ...(server.notes ?? []),
    `run by compose service ${svc.name} (${svc.command?.ref.file ?? svc.file}:${svc.command?.ref.line ?? 1})`,
  ];
}

/**
 * The lines of the shell scripts an argv runs (its first words that name a `*.sh` file, each matched by base name
 * with the tree's one file of that name: an entrypoint script and the command script it hands over to), comments
 * left out: uWSGI started from an entrypoint or command script.
 */
function scriptLines(ctx: CollectContext, argv: string[]): string[] {
  const out: string[] = [];
  for (const a of argv.slice(0, 4)) {
    if (!/\.sh$/.test(a)) continue;
    const name = a.slice(a.lastIndexOf('/') + 1);
    const files = ctx.files.filter((f) => f.display.endsWith(`/${name}`) || f.display === name);
    const f = files.length === 1 ? files[0] : undefined;
    if (!f || f.size > MAX_APP_SOURCE_BYTES) continue;
    for (const l of ctx.read(f).toString('utf8').split(/\r?\n/)) if (!/^\s*#/.test(l)) out.push(l);
  }
  return out;
}

/**
 * The Kubernetes container that runs this ini (its command, or the CMD of the image the tree builds for it): the
 * server runs in that pod (`via: 'k8s'`, the workload's name), its binds on the pod's network, where a Service
 * selecting the pod reaches them.
 */
function linkPod(ctx: CollectContext, server: AppServerFacts, matchOf: (argv: string[]) => number): void {
  let best:
    | { w: string; c: NonNullable<CollectContext['facts']['workloads']>['workloads'][number]['containers'][number]; n: number }
    | undefined;
  for (const w of ctx.facts.workloads?.workloads ?? [])
    for (const c of w.containers) {
      const n = c.runs ? matchOf(c.runs.argv) : 0;
      if (n > 0 && (!best || n > best.n)) best = { w: w.name, c, n };
    }
  if (!best?.c.runs) return;
  best.c.appServers.push(ctx.facts.appServers.length);
  server.service = best.w || best.c.name;
  server.launch = { ...server.launch, via: 'k8s' };
  for (const b of server.binds)
    if (b.kind === 'tcp') {
      b.container = true;
      b.reach = 'container-network';
    }
  server.notes = [
    ...(server.notes ?? []),
    `run by ${best.w ? `workload ${best.w}, ` : ''}container ${best.c.name} (${best.c.runs.ref.file}:${best.c.runs.ref.line})`,
  ];
}
