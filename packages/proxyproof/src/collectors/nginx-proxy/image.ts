import type { ComposeService } from '../../model/deploy.js';
import type { Facts, SourceRef } from '../../model/facts.js';
import { builtFrom } from '../deploy/built-from.js';
import { DOCKER_GEN_IMAGE, type DockerGenArgs, dockerGenArgs } from './docker-gen.js';

/** The images of nginx-proxy (Docker Hub, the older jwilder name, GitHub's registry), any tag; apart from the collector so
 * the registry can ask without loading it. */
export const NGINX_PROXY_IMAGE = /(?:^|\/)(?:nginxproxy|jwilder|nginx-proxy)\/nginx-proxy(?::|@|$)/i;

/**
 * The nginx-proxy image a compose service runs: its `image:`, or the last `FROM` of the Dockerfile its `build:` names
 * (`FROM nginxproxy/nginx-proxy` with the person's `vhost.d` files copied in: the same proxy). Undefined otherwise.
 */
export function nginxProxyImage(
  facts: Pick<Facts, 'sources'>,
  s: Pick<ComposeService, 'image' | 'build' | 'file' | 'ref'>,
): { image: string; ref: SourceRef } | undefined {
  if (s.image && NGINX_PROXY_IMAGE.test(s.image)) return { image: s.image, ref: s.ref };
  const from = builtFrom(facts, s);
  return from && NGINX_PROXY_IMAGE.test(from.image) ? from : undefined;
}

/** A plain nginx image (Docker Hub's `nginx`, `nginxinc/nginx-unprivileged`...), any tag. */
const NGINX_IMAGE = /(?:^|\/)nginx(?:-unprivileged)?(?::|@|$)/i;

/** nginx-proxy's separate-containers setup: a plain nginx whose `conf.d/default.conf` a docker-gen service writes. */
export interface DockerGenPair {
  /** The nginx container (ports, name). */
  nginx: ComposeService;
  /** The docker-gen container: `$.Env` of the template is its environment. */
  gen: ComposeService;
  args: DockerGenArgs;
  /** How the nginx service was paired with it. */
  why: string;
}

function runsDockerGen(facts: Pick<Facts, 'sources'>, s: Pick<ComposeService, 'image' | 'build' | 'file'>): boolean {
  if (s.image && DOCKER_GEN_IMAGE.test(s.image)) return true;
  const from = builtFrom(facts, s);
  return from !== undefined && DOCKER_GEN_IMAGE.test(from.image);
}

/**
 * The docker-gen services of a compose file and the nginx each feeds: the container it signals (`-notify-sighup
 * NAME`, by service name or `container_name`), else the file's one service running a plain nginx image. A docker-gen
 * that renders something else (its destination outside /etc/nginx) or signals no nginx of the file pairs with none.
 */
export function dockerGenPairs(facts: Pick<Facts, 'sources'>, services: readonly ComposeService[]): DockerGenPair[] {
  const out: DockerGenPair[] = [];
  for (const gen of services) {
    if (!runsDockerGen(facts, gen)) continue;
    const argv = gen.runs?.argv ?? gen.command?.argv ?? [];
    const args = dockerGenArgs(argv);
    if (args.dest && !args.dest.startsWith('/etc/nginx/')) continue;
    const others = services.filter((s) => s !== gen && !runsDockerGen(facts, s));
    const named = others.find((s) => args.notifies.some((n) => n === s.name || (s.aliases ?? []).includes(n)));
    if (named) {
      out.push({ nginx: named, gen, args, why: `docker-gen (${gen.name}) signals it: -notify ${named.name}` });
      continue;
    }
    if (args.notifies.length > 0) continue;
    const nginx = others.filter((s) => s.image !== undefined && NGINX_IMAGE.test(s.image));
    if (nginx.length === 1 && nginx[0])
      out.push({ nginx: nginx[0], gen, args, why: `the only nginx beside docker-gen (${gen.name})` });
  }
  return out;
}

/** True when a compose service is the nginx a docker-gen service of its file writes the config of. */
export function fedByDockerGen(facts: Pick<Facts, 'sources' | 'compose'>, s: Pick<ComposeService, 'file' | 'name'>): boolean {
  const file = facts.compose?.files.find((f) => f.file === s.file);
  return file !== undefined && dockerGenPairs(facts, file.services).some((p) => p.nginx.name === s.name);
}

/** nginx-proxy-manager (jc21's image; not nginx-proxy): proxy hosts kept in its database, edited in its web UI. */
export const NGINX_PROXY_MANAGER_IMAGE = /(?:^|\/)(?:jc21\/)?nginx-proxy-manager(?::|@|$)/i;
