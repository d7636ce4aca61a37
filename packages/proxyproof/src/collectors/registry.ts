/**
 * The collectors of `collectors/index.ts`, in the same order, each loaded only when a file it could read is
 * among the files (issue 10: start-up). The app-end collectors bring parsers (@lezer/python, acorn and its
 * TypeScript plugin, yaml readers) that a one-file nginx lint never needs. A collector whose files cannot be
 * told by name (nginx, Caddy, HAProxy, Apache, deployment files, Traefik, cloud fronts) is always loaded.
 * test/engine/collector-registry.test.ts checks on every example and real-world case that the facts are the
 * same as with every collector.
 */
import type { Collector, DiscoveredFile } from '../model/collector.js';
import { renderedName } from './template/index.js';

export interface CollectorEntry {
  name: string;
  /** Undefined: always loaded. Else loaded when some file's base name or path matches. */
  wants?: (name: string, path: string) => boolean;
  load(): Promise<Collector>;
}

const PY = /\.py$|^requirements|^constraints|^Pipfile|^pyproject\.toml$|^setup\.cfg$/i;
const JS = /\.(?:[cm]?js|[cm]?ts|jsx|tsx|svelte)$|^package\.json$/;
const YAML = /\.ya?ml$/i;

/** In the order of COLLECTORS (collectors/index.ts): the first to claim a file owns it. */
export const COLLECTOR_ENTRIES: CollectorEntry[] = [
  { name: 'nginx', load: async () => (await import('./nginx/collector.js')).nginxCollector },
  { name: 'haproxy', load: async () => (await import('./haproxy/collector.js')).haproxyCollector },
  { name: 'apache', load: async () => (await import('./apache/collector.js')).apacheCollector },
  { name: 'deploy', load: async () => (await import('./deploy/collector.js')).deployCollector },
  { name: 'caddy', load: async () => (await import('./caddy/collector.js')).caddyCollector },
  { name: 'front', load: async () => (await import('./front/collector.js')).frontCollector },
  { name: 'python', wants: (n) => PY.test(n), load: async () => (await import('./python/collector.js')).pythonCollector },
  { name: 'node', wants: (n) => JS.test(n), load: async () => (await import('./node/collector.js')).nodeAppCollector },
  { name: 'traefik', load: async () => (await import('./traefik/collector.js')).traefikCollector },
  { name: 'kube', wants: (n) => YAML.test(n), load: async () => (await import('./kube/collector.js')).kubeCollector },
  { name: 'synapse', load: async () => (await import('./synapse/collector.js')).synapseCollector },
  {
    name: 'ruby',
    wants: (n) => /\.(?:rb|ru)$|^Gemfile/.test(n),
    load: async () => (await import('./ruby/collector.js')).rubyCollector,
  },
  {
    name: 'php',
    // php-fpm pool files: `www.conf`, `zz-docker.conf`, anything under a `*fpm*` / `pool.d` folder.
    wants: (n, p) =>
      /\.php$|^composer\.json$|^\.env/.test(n) ||
      YAML.test(n) ||
      (/\.conf/.test(n) && /fpm|pool\.d|^www\.conf|zz-docker/i.test(p)) ||
      // Files that may start php-fpm (fpm.ts fpmLaunches): images, scripts, s6/runit run files, units, supervisord.
      /^(Dockerfile|Containerfile|Procfile)|\.Dockerfile$|\.sh$|\.service$|^(docker-)?entrypoint/.test(n) ||
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
  { name: 'uwsgi', wants: (n) => /\.ini$/.test(n), load: async () => (await import('./uwsgi/collector.js')).uwsgiCollector },
  { name: 'airflow', load: async () => (await import('./airflow/collector.js')).airflowCollector },
];

/** The collectors these files need, in order. */
export async function collectorsFor(files: DiscoveredFile[]): Promise<Collector[]> {
  const names = files.map((f) => {
    const path = f.display.replace(/\\/g, '/');
    // A template (`values.yaml.tpl`, `settings.py.j2`) is read as the file it renders to.
    return { name: renderedName(path.slice(path.lastIndexOf('/') + 1)), path };
  });
  const needed = COLLECTOR_ENTRIES.filter((e) => !e.wants || names.some((x) => e.wants?.(x.name, x.path)));
  return Promise.all(needed.map((e) => e.load()));
}
