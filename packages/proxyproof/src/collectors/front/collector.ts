/**
 * Cloud and PaaS fronts inferred from the tree, each naming its evidence (file:line): a `fly.toml` port
 * with the `tls` handler (Fly's proxy ends TLS), an Elastic Beanstalk `.ebextensions`/`.platform` folder
 * (an ELB/ALB in front), a Terraform `aws_lb_listener` with `protocol = "HTTPS"` (an ALB ending TLS),
 * a `Procfile` (a Heroku-style router, unless a fly.toml or a Beanstalk folder beside it says who runs it; weak
 * evidence without Heroku's `app.json`/`heroku.yml`, so any other front wins over it), `render.yaml` (Render's
 * proxy), a Cloudflare Tunnel (cloudflared.ts: its ingress rules or `--url` name the origins). What each front sends
 * and its address ranges are in FRONTS (model/proxy.ts names).
 */
import type { Ref } from '../../chain/model.js';
import type { Collector } from '../../model/collector.js';
import type { FrontFacts } from '../../model/proxy.js';
import { isBeanstalkFile, isTerraformFile, mayBeFlyToml, mayBeTunnelFile, TUNNEL_TEXT } from '../claims.js';
import { baseName, readText, splitWords } from '../proxy/common.js';
import { CLOUDFLARED_IMAGE, joinTunnels, tunnelCommandFront, tunnelConfigFronts } from './cloudflared.js';
import { FRONTS, front, ingressFronts } from './fronts.js';
import { templatefileBindings } from './terraform.js';

// The list itself lives in model/proxy.ts, so the commands' option parsing does not load this collector.
export { FRONT_NAMES } from '../../model/proxy.js';
// Apart from the collector (fronts.ts): the analysis and the chain use them without loading it (start-up).
export { FRONTS, ingressFronts };

function dirOf(p: string): string {
  return p.includes('/') ? p.replace(/\/[^/]*$/, '') : '';
}

/**
 * The tunnels one file shows: a cloudflared configuration's ingress rules (YAML), or command lines that run
 * cloudflared (a Procfile's processes, a unit's ExecStart, a script's lines).
 */
function tunnelFronts(file: string, name: string, src: string): FrontFacts[] {
  if (!TUNNEL_TEXT.test(src)) return [];
  if (/\.ya?ml(?:\.(?:example|sample|dist))?$/i.test(name)) return tunnelConfigFronts(file, src);
  const out: FrontFacts[] = [];
  src.split(/\r?\n/).forEach((raw, i) => {
    if (!/cloudflared/.test(raw) || /^\s*#/.test(raw)) return;
    const text = raw.replace(/^[\w-]+:\s*/, name === 'Procfile' ? '' : '$&').replace(/^\s*ExecStart=-?/, '');
    const t = tunnelCommandFront(
      splitWords(text).map((w) => w.text),
      { file, line: i + 1, snippet: raw.trim() },
    );
    if (t) out.push(t);
  });
  return out;
}

/** The application folder a Beanstalk file configures: the one holding its `.ebextensions`/`.platform` folder. */
function beanstalkApp(file: string): string {
  return file.replace(/(^|\/)\.(?:ebextensions|platform)\/.*$/, '');
}

function lineOf(src: string, re: RegExp): number {
  const i = src.split(/\r?\n/).findIndex((l) => re.test(l));
  return i + 1;
}

/** `variable "NAME" { default = "8080" }` of every .tf text given: NAME -> default (scalars only). */
function tfVariables(texts: Array<{ file: string; src: string }>): Map<string, { value: string; ref: Ref }> {
  const out = new Map<string, { value: string; ref: Ref }>();
  for (const { file, src } of texts) {
    const lines = src.split(/\r?\n/);
    lines.forEach((l, i) => {
      const m = /^\s*variable\s+"([\w-]+)"\s*\{/.exec(l);
      if (!m) return;
      for (let k = i + 1; k < Math.min(lines.length, i + 20); k++) {
        if (/^\s*}/.test(lines[k] ?? '')) break;
        const d = /^\s*default\s*=\s*"?([\w.-]+)"?\s*$/.exec(lines[k] ?? '');
        if (d) out.set(m[1] as string, { value: d[1] as string, ref: { file, line: k + 1, snippet: (lines[k] ?? '').trim() } });
      }
    });
  }
  return out;
}

/** A port written literally or as `var.NAME` / `"${var.NAME}"` with a literal default. */
function tfPort(expr: string, vars: Map<string, { value: string; ref: Ref }>): { port: number; via?: Ref } | undefined {
  const lit = /^"?(\d+)"?$/.exec(expr.trim());
  if (lit) return { port: Number(lit[1]) };
  const v = /var\.([\w-]+)/.exec(expr);
  const d = v ? vars.get(v[1] as string) : undefined;
  return d && /^\d+$/.test(d.value) ? { port: Number(d.value), via: d.ref } : undefined;
}

/**
 * The port an ALB forwards to, from the Terraform that registers its targets: an ECS service's
 * `load_balancer { container_port }` (the task's container port), else a target group's numeric `port`.
 */
function albTargetPort(
  texts: Array<{ file: string; src: string }>,
  vars: Map<string, { value: string; ref: Ref }>,
): FrontFacts['targetPort'] {
  for (const key of ['container_port', 'port']) {
    for (const { file, src } of texts) {
      const lines = src.split(/\r?\n/);
      let inside: string | undefined;
      for (const [i, l] of lines.entries()) {
        const r = /^resource\s+"(\w+)"/.exec(l);
        if (r) inside = r[1];
        if (key === 'container_port' ? inside !== 'aws_ecs_service' : inside !== 'aws_lb_target_group') continue;
        const m = new RegExp(`^\\s*${key}\\s*=\\s*(.+?)\\s*$`).exec(l);
        if (!m) continue;
        const p = tfPort(m[1] as string, vars);
        if (p && p.port > 0 && p.port < 65536)
          return { port: p.port, ref: { file, line: i + 1, snippet: `${l.trim()}${p.via ? ` (${p.via.snippet})` : ''}` } };
      }
    }
  }
  return undefined;
}

export const frontCollector: Collector = {
  name: 'front',
  collect(ctx) {
    const found: FrontFacts[] = [];
    const tunnels: FrontFacts[] = [];
    const tfTexts: Array<{ file: string; src: string }> = [];
    const seen = new Set<string>();
    // Folders that deploy to Fly: a Procfile there is run by a process manager in Fly's VM, not by Heroku's router.
    const flyDirs = new Set(ctx.files.filter((f) => mayBeFlyToml(f)).map((f) => dirOf(f.display)));
    // Elastic Beanstalk runs the Procfile beside its `.ebextensions`/`.platform` folder (its Python, Node and Go
    // platforms read it): that Procfile is the instance's process list, behind Beanstalk's load balancer, not Heroku's.
    const beanstalkDirs = new Set(ctx.files.filter((f) => isBeanstalkFile(f)).map((f) => beanstalkApp(f.display)));
    const beanstalkSeen = new Set<string>();
    // Heroku's own manifests: a Procfile beside `app.json` or `heroku.yml` is a Heroku app. A Procfile alone is weak
    // evidence (Beanstalk, Dokku, Scalingo and foreman read the same file): any other front the tree shows wins over it.
    const herokuDirs = new Set(
      ctx.files.filter((f) => /^(?:app\.json|heroku\.ya?ml)$/.test(baseName(f.display))).map((f) => dirOf(f.display)),
    );
    const bareProcfiles = new Set<FrontFacts>();
    for (const f of ctx.files) {
      const name = baseName(f.display);
      const add = (x: FrontFacts) => {
        const key = `${x.name}:${x.evidence[0]?.file}`;
        if (!seen.has(key)) {
          seen.add(key);
          found.push(x);
        }
      };
      if (isBeanstalkFile(f)) {
        // One environment per application folder, however many `.config` files and hooks it has: one front.
        const app = beanstalkApp(f.display);
        if (beanstalkSeen.has(app)) continue;
        beanstalkSeen.add(app);
        add(
          front(
            'aws-alb',
            [{ file: f.display, line: 1, snippet: 'Elastic Beanstalk configuration' }],
            'an Elastic Beanstalk environment: its load balancer ends TLS before the instance',
          ),
        );
        continue;
      }
      if (mayBeFlyToml(f)) {
        const src = readText(ctx, f);
        if (!src || !/internal_port|\[http_service\]|\[\[services\]\]/.test(src)) continue;
        const line = lineOf(src, /handlers\s*=\s*\[[^\]]*"tls"/) || lineOf(src, /^\s*\[http_service\]/);
        if (line) {
          const x = front(
            'fly',
            [{ file: f.display, line, snippet: (src.split(/\r?\n/)[line - 1] ?? '').trim() }],
            "Fly's proxy ends TLS (tls handler) and forwards plain HTTP to internal_port",
          );
          const portLine = lineOf(src, /^\s*internal_port\s*=\s*\d+/);
          const port = Number(/internal_port\s*=\s*(\d+)/.exec(src.split(/\r?\n/)[portLine - 1] ?? '')?.[1]);
          if (portLine && Number.isFinite(port))
            x.targetPort = { port, ref: { file: f.display, line: portLine, snippet: `internal_port = ${port}` } };
          add(x);
        }
        continue;
      }
      if (mayBeTunnelFile(f)) {
        const src = readText(ctx, f);
        if (src) tunnels.push(...tunnelFronts(f.display, name, src));
      }
      if (name === 'Procfile') {
        const src = readText(ctx, f);
        const line = src ? lineOf(src, /^web:/) : 0;
        const dir = dirOf(f.display);
        if (!line || flyDirs.has(dir) || beanstalkDirs.has(dir)) continue;
        const manifest = herokuDirs.has(dir);
        const x = front(
          'heroku',
          [{ file: f.display, line, snippet: (src?.split(/\r?\n/)[line - 1] ?? '').trim() }],
          manifest
            ? "a Procfile web process with Heroku's app manifest (app.json or heroku.yml) beside it: Heroku's router ends TLS in front of it"
            : 'a Procfile web process: a Heroku-style router ends TLS in front of it (weak evidence: no app.json or heroku.yml beside it, and other platforms read a Procfile too; declare the real front with --front)',
        );
        if (!manifest) bareProcfiles.add(x);
        add(x);
        continue;
      }
      if (name === 'render.yaml') {
        const src = readText(ctx, f);
        const line = src ? lineOf(src, /type:\s*web/) : 0;
        if (line) add(front('render', [{ file: f.display, line }], "a Render web service: Render's proxy ends TLS"));
        continue;
      }
      if (isTerraformFile(f)) {
        const src = readText(ctx, f);
        if (src) tfTexts.push({ file: f.display, src });
        if (src && /\btemplatefile\s*\(/.test(src)) {
          ctx.facts.templateBindings ??= [];
          ctx.facts.templateBindings.push(...templatefileBindings(src, f.display));
        }
        if (!src || !/resource\s+"aws_lb_listener"/.test(src)) continue;
        const lines = src.split(/\r?\n/);
        lines.forEach((l, i) => {
          if (!/resource\s+"aws_lb_listener"/.test(l)) return;
          const block = lines.slice(i, i + 30);
          const end = block.findIndex((x, k) => k > 0 && /^}/.test(x));
          const body = block.slice(0, end > 0 ? end : block.length);
          if (body.some((x) => /protocol\s*=\s*"HTTPS"/.test(x)))
            add(
              front(
                'aws-alb',
                [{ file: f.display, line: i + 1, snippet: l.trim() }],
                'an aws_lb_listener with protocol HTTPS: the ALB ends TLS and forwards to its target group',
              ),
            );
        });
      }
    }
    // A bare Procfile gives way to any other front the tree shows (a Terraform ALB, Beanstalk, Fly, Render): one front,
    // named alike by lint's findings and doctor's chain.
    if (found.some((x) => !bareProcfiles.has(x) && x.name !== 'heroku'))
      for (let i = found.length - 1; i >= 0; i--) if (bareProcfiles.has(found[i] as FrontFacts)) found.splice(i, 1);
    // The ALB's target port, when the Terraform registering its targets says (ECS container_port, target group port).
    const albs = found.filter((x) => x.name === 'aws-alb' && /\.tf$/.test(x.evidence[0]?.file ?? ''));
    if (albs.length) {
      const port = albTargetPort(tfTexts, tfVariables(tfTexts));
      if (port) for (const a of albs) a.targetPort = port;
    }
    // A compose service running cloudflared (its image, or a command that names it).
    for (const file of ctx.facts.compose?.files ?? [])
      for (const svc of file.services) {
        const image = CLOUDFLARED_IMAGE.test(svc.image ?? '');
        const argv = [...(svc.entrypoint?.argv ?? []), ...(svc.command?.argv ?? [])];
        const ref = svc.command?.ref ?? svc.entrypoint?.ref ?? svc.ref;
        const t = tunnelCommandFront(argv, { file: ref.file, line: ref.line, snippet: argv.join(' ') }, image && !svc.entrypoint);
        if (t) tunnels.push(t);
      }
    // The tunnel is the most specific front the tree shows (it names its origins): it goes first.
    const tunnel = joinTunnels(tunnels);
    if (tunnel) found.unshift(tunnel);
    if (found.length) {
      ctx.facts.fronts ??= [];
      ctx.facts.fronts.push(...found);
    }
  },
};
