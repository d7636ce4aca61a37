/**
 * Who shares a compose network with the container an app server runs in. Compose puts every service without
 * `networks:` on the project's `default` network and a service with `networks:` only on those it names; a service
 * with `network_mode: service:X` shares X's network stack. Containers of other projects join a network only when
 * it is declared `external` (then who else is on it is not in the files).
 * (https://docs.docker.com/compose/how-tos/networking/, https://docs.docker.com/reference/compose-file/networks/)
 *
 * Used to tell "reachable by every container on its network" from "reachable by the proxy only": a server whose
 * only neighbours are reverse proxies can be reached by those proxies and the Docker host itself, as a loopback
 * bind can. Pure: reads Facts only.
 */
import { basename, dirname } from 'node:path';
import type { ComposeFile, ComposeService } from '../model/deploy.js';
import type { Facts } from '../model/facts.js';

export interface ComposeNeighbours {
  /** The compose service that starts the server. */
  service: ComposeService;
  /** The other services of its project that share one of its networks (or its network stack). */
  others: ComposeService[];
}

const networksOf = (s: ComposeService): string[] => (s.networks.length > 0 ? s.networks : ['default']);

/** The file whose project `file` runs in: followed up its single-file `include:`s (bounded: a cycle stops). */
function includeRoot(files: readonly ComposeFile[], file: ComposeFile): ComposeFile {
  let at = file;
  for (let i = 0; i < 8 && at.includedBy !== undefined; i++) {
    const up = files.find((f) => f.file === at.includedBy);
    if (!up) break;
    at = up;
  }
  return at;
}

/**
 * The compose files of one project: the same folder and the same `name:` (compose merges `-f` files and overrides),
 * with the files a project's `include:` brings in (their services join its default network).
 */
function projectFiles(facts: Facts, file: ComposeFile): ComposeFile[] {
  const files = facts.compose?.files ?? [];
  const key = (f: ComposeFile) => {
    const r = includeRoot(files, f);
    return `${dirname(r.file)}\n${r.name ?? ''}`;
  };
  const mine = key(file);
  return files.filter((f) => key(f) === mine);
}

/**
 * `composeProjects` with the included files in their includer's project: an included file (another folder, often
 * `app/compose.yml`) is no alternative stack but part of the one that includes it.
 */
export function composeProjectsWithIncludes(files: readonly ComposeFile[]): Map<string, string> {
  const projects = composeProjects(files);
  for (const f of files) {
    const root = includeRoot(files, f);
    const key = projects.get(root.file);
    if (root !== f && key !== undefined) projects.set(f.file, key);
  }
  return projects;
}

const BASE_NAME = /^(docker-)?compose\.ya?ml$/;
const OVERRIDE_NAME = /(^|[.-])override\.ya?ml$/;

/** What `composeProjects` needs of a compose file (the collector asks it before the facts are made). */
export interface ComposeFileShape {
  file: string;
  services: ReadonlyArray<{ image?: unknown; build?: unknown }>;
}

/**
 * Which compose files run together, as a key per file: files with the same key are one project (compose merges
 * them); files with different keys are alternatives that each define the stack (`docker-compose.yml`,
 * `docker-compose.sandbox.yml`, `docker-compose.test.yml`, each run alone with `-f`). A file is an overlay of its
 * folder's base file when compose would merge it (`*.override.yml`, read with `compose.yml` by default) or when it
 * cannot run alone: a service with neither `image` nor `build` is refused by compose unless another file gives
 * one. An overlay with no single base (none, or several alternatives) keeps its own key.
 * (https://docs.docker.com/compose/how-tos/multiple-compose-files/merge/)
 */
export function composeProjects(files: readonly ComposeFileShape[]): Map<string, string> {
  const out = new Map<string, string>();
  const byDir = new Map<string, ComposeFileShape[]>();
  for (const f of files) {
    const d = dirname(f.file);
    const list = byDir.get(d);
    if (list) list.push(f);
    else byDir.set(d, [f]);
  }
  for (const list of byDir.values()) {
    const base = (f: ComposeFileShape) => basename(f.file);
    const overlay = (f: ComposeFileShape) =>
      OVERRIDE_NAME.test(base(f)) || f.services.some((s) => s.image === undefined && s.build === undefined);
    const full = list.filter((f) => !overlay(f));
    const main = full.find((f) => BASE_NAME.test(base(f))) ?? (full.length === 1 ? full[0] : undefined);
    for (const f of list) out.set(f.file, overlay(f) && main ? main.file : f.file);
  }
  return out;
}

/**
 * The neighbours of app server `index` on its compose networks, or undefined when they are not known from the
 * files: the server is not started by exactly one compose service, the service sets `network_mode`, or one of
 * its networks is external (created elsewhere: other stacks' containers may be on it).
 */
export function composeNeighbours(facts: Facts, index: number): ComposeNeighbours | undefined {
  const owners: Array<{ file: ComposeFile; service: ComposeService }> = [];
  for (const file of facts.compose?.files ?? [])
    for (const service of file.services) if (service.appServers.includes(index)) owners.push({ file, service });
  if (owners.length !== 1) return undefined;
  const { file, service } = owners[0] as { file: ComposeFile; service: ComposeService };
  if (service.networkMode !== undefined) return undefined;
  const files = projectFiles(facts, file);
  const external = new Set(files.flatMap((f) => f.externalNetworks ?? []));
  const mine = networksOf(service);
  if (mine.some((n) => external.has(n))) return undefined;
  const others: ComposeService[] = [];
  for (const f of files)
    for (const s of f.services) {
      if (s.name === service.name) continue; // itself, or its override in another file of the project
      const shares =
        s.networkMode === `service:${service.name}` ||
        (s.networkMode === undefined && networksOf(s).some((n) => mine.includes(n)));
      if (shares && !others.some((o) => o.name === s.name)) others.push(s);
    }
  return { service, others };
}

/**
 * True when every other container that can reach app server `index` over its compose network is a reverse proxy
 * of the project (nginx, Caddy, Traefik, HAProxy, Apache, Envoy by image or build), and at least one is: the
 * server's container-network reach is then the proxy's own (and the Docker host's), not "every container".
 */
export function onlyProxiesBeside(facts: Facts, index: number): boolean {
  const n = composeNeighbours(facts, index);
  return Boolean(n && n.others.length > 0 && n.others.every((o) => o.role === 'proxy'));
}
