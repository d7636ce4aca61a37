/**
 * Which Dockerfile of the tree builds an image a compose service or a Kubernetes container only names
 * (`image: reg.example.com/app:latest`, no `build:`): the image then runs that Dockerfile's ENTRYPOINT/CMD with its
 * ENV, as the container's own command when it gives none. Evidence, strongest first:
 * - a compose service of the tree with `build:` and the same `image:` (compose tags what it builds with that name);
 * - a build command in a CI file, script, Makefile or README (`docker build -f docker/Dockerfile -t reg/app .`,
 *   `podman build`, `docker buildx build`, `--tag`), whose tag names the image's repository; `$VAR`s set in the
 *   same file are filled in (GitLab `variables:`, shell and Makefile assignments), others match any one path part;
 * - the tree holds one Dockerfile (not a proxy's) and the image is the one image of that kind the files name
 *   that is neither a well-known service (postgres, redis...) nor a language base image: said as an assumption;
 *   never for a compose service whose project (the file, its base, their override files) already builds that
 *   Dockerfile with `build:` (compose tags that build under its own name: a pulled image beside it is another program).
 * Pure text functions here; the collector (collectors/deploy/collector.ts `imageDockerfile`) picks the files.
 */
import { shlexSplit } from './shell.js';

/** Files that may hold an image build command: CI configurations, scripts, Makefiles, READMEs. */
export const BUILD_FILE =
  /(^|\/)(\.gitlab-ci\.ya?ml|\.github\/workflows\/[^/]+\.ya?ml|\.circleci\/config\.ya?ml|\.drone\.ya?ml|bitbucket-pipelines\.ya?ml|azure-pipelines\.ya?ml|cloudbuild\.ya?ml|Jenkinsfile|[Mm]akefile|GNUmakefile|justfile|Taskfile\.ya?ml|[^/]+\.sh|[^/]*README[^/]*|[^/]+\.md)$/;

/** The repository an image reference names: no tag, no digest, Docker Hub's `docker.io/library/` dropped. */
export function imageRepo(image: string): string {
  let s = image.trim().replace(/@sha256:[0-9a-f]+$/i, '');
  const slash = s.lastIndexOf('/');
  const colon = s.lastIndexOf(':');
  if (colon > slash) s = s.slice(0, colon);
  return s.replace(/^(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '').replace(/^library\//, '');
}

/**
 * Images that are someone else's service or a base to build on, never the tree's own app image by default
 * (matched on the last path part of the repository).
 */
const NOT_OWN =
  /^(postgres|postgis|mysql|mariadb|mongo|mongodb|redis|redis-stack|valkey|memcached|rabbitmq|elasticsearch|opensearch|kibana|logstash|minio|mailhog|mailpit|adminer|pgadmin4?|phpmyadmin|grafana|prometheus|influxdb|zookeeper|kafka|nats|busybox|alpine|ubuntu|debian|centos|fedora|certbot|watchtower|portainer|clickhouse|selenium|standalone-chrome|etcd|consul|vault|keycloak|localstack|python|node|ruby|php|golang|openjdk|eclipse-temurin|amazoncorretto|dotnet|aspnet|sdk|runtime|rust|perl|elixir|erlang|nginx|caddy|traefik|haproxy|httpd|envoy|varnish|openresty|whoami|memgraph|neo4j|couchdb|cassandra|solr|sentry|flower|celery)$/i;

/** True when the image is a well-known service or base image (postgres, redis, python...): not the tree's own. */
export function wellKnownImage(image: string): boolean {
  const repo = imageRepo(image);
  return NOT_OWN.test(repo.slice(repo.lastIndexOf('/') + 1));
}

/** A build command found in a text file: the tags it gives, its Dockerfile and context as written, its line. */
export interface BuildCommand {
  /** Tag repositories with `*` for each variable the file does not set (`*\/surfnotify`). */
  repos: string[];
  dockerfile?: string;
  context?: string;
  line: number;
}

/** Options of `docker build` / `podman build` / `buildx build` that take no value. */
const BOOL_OPTS = new Set([
  '--pull',
  '--no-cache',
  '--push',
  '--load',
  '--rm',
  '--force-rm',
  '--squash',
  '--compress',
  '-q',
  '--quiet',
  '--disable-content-trust',
  '--layers',
]);

const ASSIGN = [
  // GitLab/YAML `VAR: value`, shell `VAR=value` / `export VAR=value`, Makefile `VAR ?= value` / `VAR := value`
  /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(?::|=|\?=|:=)\s*(.*?)\s*$/,
];

/** `$X`, `${X}`, `$(X)` filled from the file's own assignments, several rounds (one variable naming others). */
function expander(text: string): (s: string) => string {
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    for (const re of ASSIGN) {
      const m = re.exec(line);
      if (!m) continue;
      const value = (m[2] as string).replace(/^(["'])(.*)\1$/, '$2');
      if (value && !vars.has(m[1] as string) && !/\s/.test(value)) vars.set(m[1] as string, value);
    }
  }
  return (s) => {
    let out = s;
    for (let round = 0; round < 5 && /\$/.test(out); round++)
      out = out.replace(
        /\$(?:\{([A-Za-z_]\w*)\}|\(([A-Za-z_]\w*)\)|([A-Za-z_]\w*))/g,
        (m, a, b, c) => vars.get(a ?? b ?? c) ?? m,
      );
    return out.replace(/\$(?:\{[^}]*\}|\([^)]*\)|[A-Za-z_]\w*)/g, '*');
  };
}

const BUILD = /\b(?:docker|podman|buildah)\s+(?:image\s+|buildx\s+)?(?:build|bud)\b/;

/** Every `docker build` / `podman build` / `buildah bud` command of a file (backslash continuations joined). */
export function buildCommandsIn(text: string): BuildCommand[] {
  if (!BUILD.test(text)) return [];
  const expand = expander(text);
  const lines = text.split('\n');
  const out: BuildCommand[] = [];
  for (let i = 0; i < lines.length && out.length < 50; i++) {
    const m = BUILD.exec(lines[i] as string);
    if (!m) continue;
    let cmd = (lines[i] as string).slice(m.index + m[0].length);
    for (let j = i; /\\\s*$/.test(lines[j] ?? '') && j + 1 < lines.length && j < i + 20; j++)
      cmd = `${cmd.replace(/\\\s*$/, ' ')}${lines[j + 1]}`;
    // Stop at the end of the command: a shell operator, a closing backtick of Markdown.
    cmd = cmd.split(/&&|\|\||;|`|\|/)[0] ?? '';
    const argv = shlexSplit(cmd);
    const c: BuildCommand = { repos: [], line: i + 1 };
    for (let k = 0; k < argv.length; k++) {
      const a = argv[k] as string;
      const eq = /^(--[\w-]+)=(.*)$/.exec(a);
      const opt = eq ? eq[1] : /^-t./.test(a) ? '-t' : a;
      const val = eq ? eq[2] : /^-t./.test(a) ? a.slice(2) : undefined;
      if (!opt?.startsWith('-')) {
        c.context = expand(a);
        continue;
      }
      if (BOOL_OPTS.has(opt)) continue;
      const v = val ?? argv[++k];
      if (v === undefined) break;
      if (opt === '-t' || opt === '--tag') c.repos.push(imageRepo(expand(v)));
      else if (opt === '-f' || opt === '--file') c.dockerfile = expand(v);
    }
    if (c.repos.length) out.push(c);
  }
  return out;
}

/** True when a build's tag repository (with `*` for unknown parts) names the image's repository. */
export function tagNames(repo: string, image: string): boolean {
  if (!/[A-Za-z0-9]/.test(repo.replace(/\*/g, ''))) return false;
  const re = new RegExp(`^${repo.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`, 'i');
  return re.test(imageRepo(image));
}
