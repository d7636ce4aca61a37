/**
 * docker-gen (nginxproxy/docker-gen, jwilder/docker-gen) renders a Go template from the running containers of the
 * Docker host. nginx-proxy's "separate containers" setup runs it beside a plain nginx: docker-gen writes
 * `/etc/nginx/conf.d/default.conf` from `nginx.tmpl` and signals the nginx container to reload
 * (`-notify-sighup nginx`). Such a template is not an nginx config of the tree: its servers, hosts and upstreams exist
 * only for the containers running at render time. Kept apart from the collector and import-free, so the nginx
 * collector can recognise the template without loading compose code.
 */

/** docker-gen's own template functions and fields (github.com/nginx-proxy/docker-gen `template.go`): a Go template
 * that uses them is rendered from containers. `"Env.VIRTUAL_HOST"` covers nginx-proxy's templates of every version. */
const DOCKER_GEN_TEMPLATE =
  /\{\{[^}]*(?:\.Docker\.CurrentContainerID|"Env\.VIRTUAL_HOST"|\bgroupByMulti\b|\bgroupByKeys\b|\bwhereExist\b|\bwhereLabel(?:Exists|ValueMatches|DoesNotExist)\b|\bgroupByLabel\b)/;

/** True when a file's text is a docker-gen template (Go template syntax using docker-gen's container functions). */
export function isDockerGenTemplate(text: string): boolean {
  return text.includes('{{') && DOCKER_GEN_TEMPLATE.test(text);
}

/** The images of docker-gen (Docker Hub, the older jwilder name, GitHub's registry), any tag. */
export const DOCKER_GEN_IMAGE = /(?:^|\/)(?:nginxproxy|jwilder|nginx-proxy)\/docker-gen(?::|@|$)/i;

/** docker-gen's flags that take a value (`docker-gen -h`, v0.7–0.14); the others are booleans. */
const VALUE_FLAGS = new Set([
  'config',
  'container-filter',
  'endpoint',
  'event-filter',
  'interval',
  'notify',
  'notify-container',
  'notify-filter',
  'notify-signal',
  'notify-sighup',
  'tlscacert',
  'tlscert',
  'tlskey',
  'wait',
]);

export interface DockerGenArgs {
  /** The template path inside the container (first positional argument). */
  template?: string;
  /** Where it writes the rendering (second positional argument; stdout when absent). */
  dest?: string;
  /** Containers it signals after a rendering: `-notify-sighup NAME`, `-notify-container NAME`, `-notify "docker kill -s HUP NAME"`. */
  notifies: string[];
  /** `-config FILE`: templates named in a TOML file (not read here). */
  config?: string;
}

/** docker-gen's command line: `docker-gen [options] template [dest]` (Go's flag package: `-x v`, `-x=v`, `--x v`). */
export function dockerGenArgs(argv: readonly string[]): DockerGenArgs {
  const out: DockerGenArgs = { notifies: [] };
  const positional: string[] = [];
  const args = argv[0] && /(?:^|\/)docker-gen$/.test(argv[0]) ? argv.slice(1) : argv;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const m = /^--?([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) {
      positional.push(a);
      continue;
    }
    const flag = m[1] as string;
    if (!VALUE_FLAGS.has(flag)) continue;
    const value = m[2] ?? args[++i];
    if (value === undefined) break;
    if (flag === 'notify-sighup' || flag === 'notify-container') out.notifies.push(value);
    else if (flag === 'notify') {
      const kill = /\bdocker\s+(?:kill|restart)\b(?:\s+-s\s+\S+|\s+--signal(?:=|\s+)\S+)*\s+(\S+)/.exec(value);
      if (kill?.[1]) out.notifies.push(kill[1]);
    } else if (flag === 'config') out.config = value;
  }
  if (positional[0]) out.template = positional[0];
  if (positional[1]) out.dest = positional[1];
  return out;
}
