/**
 * The collectors of `collectors/index.ts`, in the same order, each loaded only when a file it could read is
 * among the files (issue 10: start-up). Two ways:
 * - `wants`, by name before the collection starts: the app-end collectors bring parsers (@lezer/python, acorn
 *   and its TypeScript plugin, yaml readers) that a one-file nginx lint never needs;
 * - `runs`, at the collector's own turn, for the collectors whose files cannot be told by name alone (HAProxy,
 *   Apache, deployment files, Caddy, cloud fronts, Traefik, Synapse, Airflow: about 300 KB with the Python
 *   evaluator and the TOML reader): the same first test the collector applies to each file, on the files the
 *   collectors before it left unclaimed. Where that test reads content, it reads exactly the files the
 *   collector would read, in the same order, through the same `ctx.read` (cached), so what is recorded is the
 *   same whether the collector then loads or not. A one-file nginx lint claims its file in the nginx collector,
 *   and none of these loads.
 * Each `runs` mirrors the first file test of its collector (named beside it): a collector whose file test
 * changes must change its `runs` too. test/engine/collector-registry.test.ts checks on every example and
 * real-world case that the facts are the same as with every collector, and the named cases of each `runs`.
 */
import type { CollectContext, Collector, DiscoveredFile } from '../model/collector.js';
import { MAX_CONFIG_BYTES, MAX_SOURCE_BYTES } from '../model/limits.js';
import {
  APACHE_NAME,
  BITNAMI_ODOO_IMAGE,
  isDocumentation,
  isKamalDeployName,
  isPlatformBuildFile,
  isSynapseConfig,
  launchVia,
  mayBeAirflowFile,
  mayBeCaddyFile,
  mayBeFrontFile,
  mayBeHaproxyConfig,
  mayBeHaproxyImage,
  mayBeOdooConfig,
  mayBeSupervisordConfig,
  mayBeTraefikFile,
  mayBeTunnelFile,
  mayBeUwsgiConfig,
  mayBeVersionOutput,
  ODOO_IMAGE,
  ODOO_OPTIONS,
  SUPERVISORD_PROGRAM,
  TUNNEL_TEXT,
  VIRTUAL_HOST_LINE,
  WEBSERVER_SECTION,
} from './claims.js';
import { hasFencedConfig } from './fenced.js';
import { dockerGenPairs, NGINX_PROXY_MANAGER_IMAGE, nginxProxyImage } from './nginx-proxy/image.js';
import { baseName, configName } from './proxy/common.js';
import { isDockerfileName } from './sniff.js';
import { renderedName } from './template/index.js';

export interface CollectorEntry {
  name: string;
  /** Undefined: always loaded. Else loaded when some file's base name or path matches. */
  wants?: (name: string, path: string) => boolean;
  /**
   * Undefined: runs whenever loaded. Else asked at the collector's turn: false when no file can be the
   * collector's, and the collector is then neither loaded nor run (it would have added nothing).
   */
  runs?: (ctx: CollectContext) => boolean;
  load(): Promise<Collector>;
}

/** A collector loaded at its turn in the collection, only when `runs` says a file can be its own. */
export interface OnDemandCollector extends Collector {
  /** Whether it was loaded and run (for tests and `--debug`-style accounting). */
  loaded(): boolean;
}

const unclaimed = (ctx: CollectContext) => ctx.files.filter((f) => !ctx.claimed.has(f.abs));

/** The text of a file as the proxy collectors read it (proxy/common.ts readText), without its too-large note. */
function proxyText(ctx: CollectContext, f: DiscoveredFile): string | undefined {
  if (f.size > MAX_CONFIG_BYTES) return undefined;
  const b = ctx.read(f);
  return b.includes(0) ? undefined : b.toString('utf8');
}

/**
 * haproxy/collector.ts collect(), by haproxy/claim.ts: saved `haproxy -v` output or a possible config, unclaimed; or a
 * Dockerfile naming HAProxy (copiedToHaproxyPath: a tree file it copies to HAProxy's config path).
 */
function haproxyRuns(ctx: CollectContext): boolean {
  return (
    unclaimed(ctx).some(
      (f) =>
        mayBeVersionOutput(f) ||
        mayBeHaproxyConfig(f) ||
        (isDockerfileName(configName(f.display)) && mayBeHaproxyImage(configName(f.display), proxyText(ctx, f))),
    ) || hasFencedConfig(ctx, 'haproxy')
  );
}

/**
 * apache/collector.ts collect(): it reads every unclaimed file but documentation (a README's `<VirtualHost>` example,
 * unless in a code fence that reads as one: collectors/fenced.ts); one named on the command line may be Apache by its
 * content (a too-large one gets a note there), others by name (looksLikeApache) or a `<VirtualHost>` line.
 */
function apacheRuns(ctx: CollectContext): boolean {
  return (
    unclaimed(ctx).some((f) => {
      if (f.explicit) return true;
      // Skipped by the collector unread, so not read here either (the file would count as read).
      if (isDocumentation(baseName(f.display))) return false;
      if (APACHE_NAME.test(configName(f.display))) return true;
      const text = proxyText(ctx, f);
      return text !== undefined && VIRTUAL_HOST_LINE.test(text);
    }) || hasFencedConfig(ctx, 'apache')
  );
}

/**
 * deploy/collector.ts DeployRun.run(): every file type it reads is unclaimed (requirements, Dockerfiles,
 * compose, Kubernetes, units, Procfiles, scripts), except `render.yaml`/`fly.toml` (platforms()) and the
 * supervisord `.conf`/`.ini` files, read claimed or not, that hold a `[program:x]` section (supervisord()): the
 * tests are collectors/claims.ts isPlatformBuildFile, mayBeSupervisordConfig and SUPERVISORD_PROGRAM.
 */
function deployRuns(ctx: CollectContext): boolean {
  if (unclaimed(ctx).length > 0) return true;
  return ctx.files.some((f) => {
    if (isPlatformBuildFile(f)) return true;
    if (!mayBeSupervisordConfig(f)) return false;
    const b = ctx.read(f);
    return !b.includes(0) && SUPERVISORD_PROGRAM.test(b.toString('utf8'));
  });
}

/**
 * caddy/collector.ts collect(), by caddy/claim.ts: unclaimed `.json`, Caddyfile names, or a file named on the command
 * line; or a Markdown/MDX document with a Caddyfile in a code fence (collectors/fenced.ts: a guide's host Caddy).
 */
const caddyRuns = (ctx: CollectContext) => unclaimed(ctx).some(mayBeCaddyFile) || hasFencedConfig(ctx, 'caddy');

/**
 * front/collector.ts collect(), by collectors/claims.ts mayBeFrontFile: Beanstalk folders, Fly TOML, Procfile, render.yaml,
 * Terraform; or a file that may show a Cloudflare Tunnel (mayBeTunnelFile: YAML, units, scripts) naming cloudflared
 * or holding top-level `ingress:` rules (TUNNEL_TEXT; compose services running it are in such a YAML file).
 */
const frontRuns = (ctx: CollectContext) =>
  ctx.files.some(
    (f) =>
      mayBeFrontFile(f) || (mayBeTunnelFile(f) && f.size <= MAX_CONFIG_BYTES && TUNNEL_TEXT.test(ctx.read(f).toString('utf8'))),
  );

/** traefik/collector.ts collect(), by traefik/claim.ts: TOML and YAML files only (nothing is added when none is Traefik's). */
const traefikRuns = (ctx: CollectContext) => ctx.files.some(mayBeTraefikFile);

/** synapse/collector.ts collect(), by synapse/claim.ts: `homeserver*.yaml`. */
const synapseRuns = (ctx: CollectContext) => ctx.files.some(isSynapseConfig);

/**
 * minio/collector.ts collect(): a compose service running MinIO's image, or a launch file (unit, script, Dockerfile,
 * supervisord, Procfile) that names `minio`.
 */
function minioRuns(ctx: CollectContext): boolean {
  if ((ctx.facts.compose?.files ?? []).some((f) => f.services.some((s) => /minio/i.test(s.image ?? '')))) return true;
  return ctx.files.some(
    (f) => launchVia(f.display) !== undefined && f.size <= MAX_SOURCE_BYTES && /\bminio\b/.test(ctx.read(f).toString('utf8')),
  );
}

/**
 * airflow/collector.ts collect(): adds facts only for a file with a `[webserver]` section among its candidates
 * (read claimed or not: `.cfg`, `.ini`, YAML, `.conf`, `.tpl`, env files, Dockerfiles).
 */
function airflowRuns(ctx: CollectContext): boolean {
  return ctx.files.some((f) => mayBeAirflowFile(f) && WEBSERVER_SECTION.test(ctx.read(f).toString('utf8')));
}

/**
 * odoo/collector.ts collect(): an Odoo configuration (collectors/claims.ts `mayBeOdooConfig` + `ODOO_OPTIONS`), or a
 * compose service that may run the official or Bitnami's image (by `image:`, or any built service: the collector reads
 * its FROM).
 */
function odooRuns(ctx: CollectContext): boolean {
  if (
    (ctx.facts.compose?.files ?? []).some((f) =>
      f.services.some((s) => ODOO_IMAGE.test(s.image ?? '') || BITNAMI_ODOO_IMAGE.test(s.image ?? '') || s.build),
    )
  )
    return true;
  return ctx.files.some((f) => mayBeOdooConfig(f) && ODOO_OPTIONS.test(ctx.read(f).toString('utf8')));
}

const PY = /\.py$|^requirements|^constraints|^Pipfile|^pyproject\.toml$|^setup\.cfg$/i;
const JS = /\.(?:[cm]?js|[cm]?ts|jsx|tsx|svelte)$|^package\.json$/;
const YAML = /\.ya?ml$/i;

/** In the order of COLLECTORS (collectors/index.ts): the first to claim a file owns it. */
export const COLLECTOR_ENTRIES: CollectorEntry[] = [
  { name: 'nginx', load: async () => (await import('./nginx/collector.js')).nginxCollector },
  { name: 'haproxy', runs: haproxyRuns, load: async () => (await import('./haproxy/collector.js')).haproxyCollector },
  { name: 'apache', runs: apacheRuns, load: async () => (await import('./apache/collector.js')).apacheCollector },
  { name: 'deploy', runs: deployRuns, load: async () => (await import('./deploy/collector.js')).deployCollector },
  { name: 'caddy', runs: caddyRuns, load: async () => (await import('./caddy/collector.js')).caddyCollector },
  { name: 'front', runs: frontRuns, load: async () => (await import('./front/collector.js')).frontCollector },
  { name: 'python', wants: (n) => PY.test(n), load: async () => (await import('./python/collector.js')).pythonCollector },
  { name: 'node', wants: (n) => JS.test(n), load: async () => (await import('./node/collector.js')).nodeAppCollector },
  { name: 'traefik', runs: traefikRuns, load: async () => (await import('./traefik/collector.js')).traefikCollector },
  { name: 'kube', wants: (n) => YAML.test(n), load: async () => (await import('./kube/collector.js')).kubeCollector },
  { name: 'synapse', runs: synapseRuns, load: async () => (await import('./synapse/collector.js')).synapseCollector },
  { name: 'minio', runs: minioRuns, load: async () => (await import('./minio/collector.js')).minioCollector },
  {
    name: 'ruby',
    // Passengerfile.json: Passenger Standalone's listener (ruby/collector.ts).
    wants: (n) => /\.(?:rb|ru)$|^Gemfile|^Passengerfile\.json$/.test(n),
    load: async () => (await import('./ruby/collector.js')).rubyCollector,
  },
  {
    name: 'kamal',
    // config/deploy.yml (collectors/claims.ts `isKamalDeployName`): kamal-proxy and the app container it routes to.
    wants: (n) => isKamalDeployName(n),
    load: async () => (await import('./kamal/collector.js')).kamalCollector,
  },
  {
    name: 'nginx-proxy',
    // A compose service running the nginx-proxy image, or an nginx a docker-gen service writes the config of
    // (nginx-proxy/collector.ts reads only compose facts and that template), or nginx-proxy-manager (a note).
    runs: (ctx) =>
      (ctx.facts.compose?.files ?? []).some(
        (f) =>
          f.services.some((s) => nginxProxyImage(ctx.facts, s) || NGINX_PROXY_MANAGER_IMAGE.test(s.image ?? '')) ||
          dockerGenPairs(ctx.facts, f.services).length > 0,
      ),
    load: async () => (await import('./nginx-proxy/collector.js')).nginxProxyCollector,
  },
  {
    name: 'php',
    // php-fpm pool files: `www.conf`, `zz-docker.conf`, anything under a `*fpm*` / `pool.d` folder.
    wants: (n, p) =>
      /\.php$|^composer\.json$|^\.env/.test(n) ||
      YAML.test(n) ||
      (/\.conf/.test(n) && /fpm|pool\.d|^www\.conf|zz-docker/i.test(p)) ||
      // Files that may start php-fpm (fpm.ts fpmLaunches): images, scripts, s6/runit run files, units, supervisord.
      isDockerfileName(n) ||
      /^Procfile|\.sh$|\.service$|^(docker-)?entrypoint/.test(n) ||
      /(^|\/)(services\.d|s6-rc\.d|service|sv)\/[^/]+\/run$/.test(p) ||
      (/supervisor/i.test(p) && /\.(conf|ini)$/.test(n)),
    load: async () => (await import('./php/collector.js')).phpCollector,
  },
  {
    name: 'jvm',
    wants: (n, p) =>
      /\.(?:properties|java|kt|groovy|xml)$|^server\.xml\.\w+$|^start\.ini$/.test(n) ||
      YAML.test(n) ||
      /(?:^|\/)start\.d\/[^/]+\.ini$/.test(p),
    load: async () => (await import('./jvm/collector.js')).jvmCollector,
  },
  {
    name: 'dotnet',
    wants: (n) => /\.(?:cs|json)$/.test(n),
    load: async () => (await import('./dotnet/collector.js')).dotnetCollector,
  },
  { name: 'golang', wants: (n) => /\.go$/.test(n), load: async () => (await import('./golang/collector.js')).goCollector },
  { name: 'elixir', wants: (n) => /\.exs?$/.test(n), load: async () => (await import('./elixir/collector.js')).elixirCollector },
  { name: 'pywsgi', wants: (n) => /\.py$/.test(n), load: async () => (await import('./pywsgi/collector.js')).pywsgiCollector },
  {
    name: 'uwsgi',
    wants: (n, path) => mayBeUwsgiConfig(n) || mayBeUwsgiConfig(path),
    load: async () => (await import('./uwsgi/collector.js')).uwsgiCollector,
  },
  { name: 'airflow', runs: airflowRuns, load: async () => (await import('./airflow/collector.js')).airflowCollector },
  { name: 'odoo', runs: odooRuns, load: async () => (await import('./odoo/collector.js')).odooCollector },
];

/** The collectors these files need, in order. */
export async function collectorsFor(files: DiscoveredFile[]): Promise<Collector[]> {
  const names = files.map((f) => {
    const path = f.display.replace(/\\/g, '/');
    // A template (`values.yaml.tpl`, `settings.py.j2`) is read as the file it renders to.
    return { name: renderedName(path.slice(path.lastIndexOf('/') + 1)), path };
  });
  const needed = COLLECTOR_ENTRIES.filter((e) => !e.wants || names.some((x) => e.wants?.(x.name, x.path)));
  return Promise.all(needed.map((e) => (e.runs ? onDemand(e, e.runs) : e.load())));
}

/** The entry as a collector that loads the real one at its turn, when `runs` says so. */
function onDemand(e: CollectorEntry, runs: (ctx: CollectContext) => boolean): OnDemandCollector {
  let loaded = false;
  return {
    name: e.name,
    loaded: () => loaded,
    async collect(ctx) {
      if (!runs(ctx)) return;
      loaded = true;
      await (await e.load()).collect(ctx);
    },
  };
}
