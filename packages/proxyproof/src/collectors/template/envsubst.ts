/**
 * The environment an envsubst template is rendered with: the nginx image's entrypoint
 * (`20-envsubst-on-templates.sh`) renders `/etc/nginx/templates/*.template` with the container's environment,
 * and a start script's `envsubst < a.tpl > a.conf` does the same. A `${VAR}` of such a template therefore takes the
 * value the container's environment gives it, and the tree writes that environment down: the image's Dockerfile
 * `ENV`, then the compose service's `env_file:` and `environment:` (compose's precedence, later wins).
 *
 * The containers that hold a template: an image whose Dockerfile COPYs/ADDs it (or its folder) from the build
 * context (the compose `build:` context, else the Dockerfile's folder), and a compose service that mounts it (or its
 * folder) as a volume. A variable gets a value only when every such container gives it the same one-line,
 * non-empty value; anything else (not set, set at run time, `${X}` left for compose to interpolate from an unknown
 * shell) stays opaque, as before. The nginx image substitutes only defined variables, and with
 * `NGINX_ENVSUBST_FILTER` only those whose names match it: a name the filter leaves out stays `${NAME}` in the
 * rendered file (`literal`). A shell script that renders the template adds its own settings and explicit list
 * (collectors/template/env-scripts.ts), and a `docker run -e ... -v host:ctr` line is a container like a compose
 * service.
 *
 * The nginx collector runs before the deploy collector, so this reads the Dockerfiles and compose files itself
 * (with the deploy parsers), once per tree, bounded in count.
 */

import { posix } from 'node:path';
import type { DiscoveredFile } from '../../model/collector.js';
import { MAX_CONFIG_BYTES } from '../../model/limits.js';
import type { TemplateValue } from '../../model/template.js';
import { type ComposeRaw, type Dockerfile, interpolate, parseCompose, parseDockerfile, parseEnvFile } from '../deploy/formats.js';
import { BUILD_FILE, type BuildCommand, buildCommandsIn, imageRepo, tagNames, wellKnownImage } from '../deploy/image-source.js';
import { type KubeContainerRaw, looksLikeKubeManifest, parseKubeManifest, valueFromConfigMap } from '../deploy/kube.js';
import { isShellScriptName } from '../sniff.js';
import { applyOps, readScriptEnv, type ScriptRender } from './env-scripts.js';
import { chartDir, type HelmRendered, helmFileOf, parseValues, renderHelmTemplate } from './helm-render.js';

/** At most this many Dockerfiles and compose files are read for template values. */
const MAX_FILES = 64;
/** At most this many shell scripts are read for `envsubst` commands and `docker run` lines. */
const MAX_SCRIPTS = 128;
/** At most this many YAML files are read for Kubernetes containers and ConfigMaps. */
const MAX_MANIFESTS = 256;

const DOCKERFILE = /(?:^|\/)(?:Dockerfile|Containerfile)(?:[._-][^/]*)?$|\.dockerfile$/i;
const COMPOSE = /(?:^|\/)(?:docker-)?compose(?:[._-][^/]*)?\.ya?ml$/i;
/** Kubernetes manifests: plain YAML files (Helm templates are left out: see readKube). */
const KUBE_YAML = /\.ya?ml$/i;
/**
 * Images whose entrypoint renders `/etc/nginx/templates/*.template`: docker-library's nginx (since 1.19; Docker Hub,
 * its mirrors, ECR Public's `nginx/nginx`) and nginxinc's unprivileged build of it. Not bitnami/nginx or OpenResty,
 * whose entrypoints render nothing there. Matched on the repository (collectors/deploy/image-source.ts imageRepo).
 */
const NGINX_IMAGE = /^(?:[^/]+\.[^/]+\/)?(?:library\/|nginx\/)?nginx$|(?:^|\/)nginxinc\/nginx-unprivileged$/;

/** A container's environment: a name's value, or null when it is set but unknown here (passed through, interpolated
 * from an unknown shell; `*`: an env file the tree does not hold, which may set any name). */
type Env = Map<string, TemplateValue | null>;

/**
 * A render as the lookup uses it: a Dockerfile's knows its input in the tree (`srcAbs`, through the image's COPY)
 * and a `RUN` one renders at build time, with only the ENV lines above it (`start`), not the container's.
 */
type Render = ScriptRender & { srcAbs?: string; start?: Env };

/** What a lookup gives: the value, `literal` (the render leaves `${NAME}` as written), or undefined (unknown). */
export type EnvLookup = (name: string) => TemplateValue | 'literal' | undefined;

interface Image {
  file: DiscoveredFile;
  df: Dockerfile;
  /** Build contexts compose gives it (absolute); the Dockerfile's folder when none does. */
  contexts: string[];
  /** The environments of the compose services that build it (image ENV < env_file < environment). */
  services: Env[];
}

const slash = (p: string): string => p.replace(/\\/g, '/');

/** A COPY source (relative, maybe a glob) as a regular expression over absolute paths. */
function sourcePattern(context: string, src: string): RegExp | undefined {
  if (/^[a-z]+:\/\//i.test(src) || src.startsWith('$')) return undefined;
  const abs = posix.normalize(posix.join(context, src)).replace(/\/+$/, '');
  const body = abs
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  // The file itself, or a file inside the copied folder.
  return new RegExp(`^${body}(?:/.*)?$`);
}

export class EnvsubstVars {
  private images: Image[] = [];
  /** Compose services that mount a host path: the path and the service's environment. */
  private mounts: Array<{ host: string; project: string; env: Env; script?: string }> = [];
  /**
   * Manifest files (absolute) holding a ConfigMap with a `*.template` key, and the environments of the Kubernetes
   * containers that mount that key where the nginx image renders it (`/etc/nginx/templates`).
   */
  private kube = new Map<string, Env[]>();
  /** Kubernetes containers running an image that is not the stock nginx one, with their environment. */
  private kubeImages: Array<{ image: string; env: Env }> = [];
  /** Scripts' `envsubst` commands (collectors/template/env-scripts.ts). */
  private renders: Render[] = [];
  private byName = new Map<string, string[]>();
  private memo = new Map<string, EnvLookup | undefined>();
  /** Scripts whose lines a value was taken from (their lines become a finding's evidence). */
  private register: (display: string) => void;

  /**
   * `read` gives a file's text and keeps its lines as evidence; `peek` gives the text of a script that is only
   * searched (kept as evidence through `register` once a value comes from it).
   */
  constructor(
    files: DiscoveredFile[],
    read: (f: DiscoveredFile) => string | undefined,
    peek: (f: DiscoveredFile) => string | undefined = read,
  ) {
    const byAbs = new Map(files.map((f) => [slash(f.abs), f]));
    const byDisplay = new Map(files.map((f) => [f.display, f]));
    this.register = (display) => {
      const f = byDisplay.get(display);
      if (f) read(f);
    };
    for (const f of files) {
      const abs = slash(f.abs);
      const base = posix.basename(abs);
      const list = this.byName.get(base);
      if (list) list.push(abs);
      else this.byName.set(base, [abs]);
    }
    let budget = MAX_FILES;
    const composeRenders: Array<{ r: ScriptRender; env: Env; built: Image | undefined }> = [];
    const composeTags: Array<{ repo: string; img: Image }> = [];
    const text = (f: DiscoveredFile | undefined): string | undefined =>
      f && f.size <= MAX_CONFIG_BYTES && budget-- > 0 ? read(f) : undefined;
    const images = new Map<string, Image>();
    const image = (abs: string): Image | undefined => {
      const known = images.get(abs);
      if (known) return known;
      const f = byAbs.get(abs);
      const t = text(f);
      if (!f || t === undefined) return undefined;
      const img: Image = { file: f, df: parseDockerfile(t), contexts: [], services: [] };
      images.set(abs, img);
      return img;
    };
    for (const f of files) {
      const abs = slash(f.abs);
      if (!COMPOSE.test(abs)) continue;
      const t = text(f);
      if (t === undefined) continue;
      let compose: ComposeRaw;
      try {
        compose = parseCompose(t);
      } catch {
        continue;
      }
      const dir = posix.dirname(abs);
      // Compose interpolates `${X}` in the file from the project's `.env`.
      const dotenvFile = byAbs.get(`${dir}/.env`);
      const dotenvText = dotenvFile ? read(dotenvFile) : undefined;
      const dotenv = dotenvText !== undefined ? parseEnvFile(dotenvText) : {};
      for (const s of compose.services) {
        const v = s.value;
        let built: Image | undefined;
        const b = v.build;
        const ctx = typeof b === 'string' ? b : b && typeof b === 'object' ? (b as { context?: unknown }).context : undefined;
        if (b !== undefined) {
          const context = posix.resolve(dir, typeof ctx === 'string' ? ctx : '.');
          const dockerfile = b && typeof b === 'object' ? (b as { dockerfile?: unknown }).dockerfile : undefined;
          built = image(posix.resolve(context, typeof dockerfile === 'string' ? dockerfile : 'Dockerfile'));
          if (built && !built.contexts.includes(context)) built.contexts.push(context);
        }
        const env: Env = new Map();
        if (built)
          for (const [k, e] of Object.entries(built.df.env))
            env.set(k, { value: e.value, file: built.file.display, line: e.line });
        const envFiles = Array.isArray(v.env_file) ? v.env_file : v.env_file !== undefined ? [v.env_file] : [];
        for (const ef of envFiles) {
          const p = typeof ef === 'string' ? ef : ef && typeof ef === 'object' ? (ef as { path?: unknown }).path : undefined;
          if (typeof p !== 'string') continue;
          const file = byAbs.get(posix.resolve(dir, p));
          const et = file ? read(file) : undefined;
          if (!file || et === undefined) continue;
          for (const [k, e] of Object.entries(parseEnvFile(et))) env.set(k, { value: e.value, file: file.display, line: e.line });
        }
        const setEnv = (k: string, raw: unknown, line: number): void => {
          // `- NAME` / `NAME:` with no value passes the shell's variable through: unknown here.
          if (raw === null || raw === undefined || typeof raw === 'object') {
            env.set(k, null);
            return;
          }
          const it = interpolate(String(raw), (n) => dotenv[n]?.value);
          if (it.unresolved.length > 0) env.set(k, null);
          else env.set(k, { value: it.value, file: f.display, line });
        };
        if (Array.isArray(v.environment))
          v.environment.forEach((item, i) => {
            if (typeof item !== 'string') return;
            const eq = item.indexOf('=');
            setEnv(eq < 0 ? item : item.slice(0, eq), eq < 0 ? null : item.slice(eq + 1), s.itemLine('environment', i));
          });
        else if (v.environment && typeof v.environment === 'object')
          Object.entries(v.environment as Record<string, unknown>).forEach(([k, x], i) => {
            setEnv(k, x, s.itemLine('environment', i));
          });
        if (built) built.services.push(env);
        // `image:` beside `build:` is the name compose tags the build with: a pod running it runs this Dockerfile.
        if (built && typeof v.image === 'string') composeTags.push({ repo: imageRepo(v.image), img: built });
        // `command: /bin/sh -c "envsubst < /etc/nginx/site.tpl > ... && nginx ..."`: compose interpolates the string
        // first (`$$` is a `$`; a `${X}` from an unknown shell leaves the command unknown), then splits it into argv
        // without a shell; the render sees this service's environment.
        const command = v.command;
        const cmdText = Array.isArray(command)
          ? command.length === 3 && /(?:^|\/)(?:ba|da)?sh$/.test(String(command[0])) && command[1] === '-c'
            ? String(command[2])
            : command.map(String).join(' ')
          : typeof command === 'string'
            ? command
            : undefined;
        if (cmdText && /\benvsubst\b/.test(cmdText)) {
          const it = interpolate(cmdText, (n) => dotenv[n]?.value);
          if (it.unresolved.length === 0) {
            const inner = Array.isArray(command) ? it.value : shellFormInner(it.value, false);
            const line = s.keyLine('command');
            for (const r of readScriptEnv(f.display, abs, inner, () => undefined, line).renders)
              composeRenders.push({ r, env, built });
          }
        }
        const volumes = Array.isArray(v.volumes) ? v.volumes : [];
        for (const vol of volumes) {
          const src =
            typeof vol === 'string'
              ? vol.split(':')[0]
              : vol && typeof vol === 'object'
                ? (vol as { source?: unknown }).source
                : undefined;
          // Only host paths (`./x`, `/x`, `../x`): a named volume holds no file of the tree.
          if (typeof src === 'string' && /^(?:\.{1,2}(?:\/|$)|\/)/.test(src))
            this.mounts.push({ host: posix.resolve(dir, src), project: dir, env });
        }
      }
    }
    this.readKube(files, peek, byAbs);
    for (const { r, env, built } of composeRenders) {
      const srcAbs = built ? copiedFrom(built, r.src, byAbs) : undefined;
      this.renders.push({ ...r, ...(srcAbs ? { srcAbs } : {}), start: env });
    }
    // Shell scripts: their envsubst commands, and `docker run -e/--env-file -v` containers mounting a host path.
    let scripts = MAX_SCRIPTS;
    for (const f of files) {
      const abs = slash(f.abs);
      const base = posix.basename(abs);
      if (!/\.(?:sh|bash)$/i.test(base) && base.includes('.')) continue;
      if (f.size > MAX_CONFIG_BYTES || scripts <= 0) continue;
      scripts--;
      const t = peek(f);
      if (
        t === undefined ||
        !isShellScriptName(base, t.slice(0, t.indexOf('\n') >>> 0)) ||
        !/\benvsubst\b|\b(?:docker|podman)\s[^\n]*\brun\b/.test(t)
      )
        continue;
      const found = readScriptEnv(f.display, abs, t, (p) => {
        const ef = byAbs.get(p);
        const et = ef ? read(ef) : undefined;
        return ef && et !== undefined ? { display: ef.display, values: parseEnvFile(et) } : undefined;
      });
      this.renders.push(...found.renders);
      for (const run of found.runs) {
        // `docker run` options in order: a later `-e` beats an earlier one or an `--env-file` entry.
        const env: Env = new Map();
        for (const e of run.env) env.set(e.name, e.value);
        for (const host of run.mounts) this.mounts.push({ host, project: posix.dirname(abs), env, script: f.display });
      }
    }
    // Dockerfiles no compose file builds: built from their own folder (`docker build .`).
    for (const f of files) if (DOCKERFILE.test(slash(f.abs))) image(slash(f.abs));
    this.tieKubeImages(files, peek, composeTags, image);
    for (const img of images.values()) if (img.contexts.length === 0) img.contexts.push(posix.dirname(slash(img.file.abs)));
    this.images = [...images.values()];
    // A Dockerfile's own envsubst: `RUN envsubst '$A' < /etc/nginx/x.tpl > ...` (build time: the ENV above it) and
    // `CMD ["sh", "-c", "envsubst ... && nginx ..."]` (the container's environment), input found through its COPY.
    for (const img of this.images)
      for (const ins of img.df.instructions) {
        if (ins.cmd !== 'RUN' && ins.cmd !== 'CMD' && ins.cmd !== 'ENTRYPOINT') continue;
        const j = ins.json;
        const text = j
          ? j.length === 3 && /(?:^|\/)(?:ba|da)?sh$/.test(j[0] ?? '') && j[1] === '-c'
            ? j[2]
            : j.join(' ')
          : shellFormInner(ins.args);
        if (!text || !/\benvsubst\b/.test(text)) continue;
        const found = readScriptEnv(img.file.display, slash(img.file.abs), text, () => undefined, ins.line);
        for (const r of found.renders) {
          const srcAbs = copiedFrom(img, r.src, byAbs);
          if (!srcAbs) continue;
          const start: Env | undefined =
            ins.cmd === 'RUN'
              ? new Map(
                  Object.entries(img.df.env)
                    .filter(([, e]) => e.line < ins.line)
                    .map(([k, e]) => [k, { value: e.value, file: img.file.display, line: e.line }]),
                )
              : undefined;
          this.renders.push({ ...r, srcAbs, ...(start ? { start } : {}) });
        }
      }
  }

  /**
   * Kubernetes: a ConfigMap whose `*.template` key a container mounts in `/etc/nginx/templates` (the folder, or the
   * file through `subPath`) with the nginx image, which renders it at start with the container's environment
   * (`20-envsubst-on-templates.sh`). That environment is the container's `envFrom` sources in order (a ConfigMap of
   * the tree gives its `data:`; a Secret or a ConfigMap the tree does not hold may set any name: unknown), then its
   * `env:` entries, which win (Kubernetes: "a value defined by env with a duplicate key takes precedence"); an
   * `env` entry with `valueFrom` is unknown, a value with `$(OTHER)` is not used (`usable`).
   */
  private readKube(
    files: DiscoveredFile[],
    peek: (f: DiscoveredFile) => string | undefined,
    byAbs: Map<string, DiscoveredFile>,
  ): void {
    type Cm = KubeConfigMap;
    const configMaps = new Map<string, Cm[]>();
    const containers: Array<{ c: KubeContainerRaw; display: string }> = [];
    const chartValues = new Map<string, unknown>();
    let budget = MAX_MANIFESTS;
    for (const f of files) {
      const abs = slash(f.abs);
      if (!KUBE_YAML.test(abs) || COMPOSE.test(abs) || f.size > MAX_CONFIG_BYTES || budget <= 0) continue;
      budget--;
      // Searched only: a manifest's lines become evidence once a value comes from it (`register`).
      let t = peek(f);
      // A Helm template (`{{ ... }}`) is not YAML until rendered (the YAML parser would warn on `{{ x }}` keys): a
      // chart's template is rendered with its values.yaml defaults and its `.Files.Get` files (helm-render.ts).
      let helm: HelmRendered | undefined;
      if (t?.includes('{{')) {
        const has = (a: string): boolean => byAbs.has(a);
        const chart = chartDir(abs, has);
        if (chart && !chartValues.has(chart)) {
          const vf = byAbs.get(`${chart}/values.yaml`) ?? byAbs.get(`${chart}/values.yml`);
          chartValues.set(chart, vf && vf.size <= MAX_CONFIG_BYTES ? parseValues(peek(vf)) : undefined);
        }
        helm = chart ? renderHelmTemplate(t, f.display, chart, chartValues.get(chart), has) : undefined;
        t = helm?.text;
      }
      if (t === undefined || !looksLikeKubeManifest(t)) continue;
      let m: ReturnType<typeof parseKubeManifest>;
      try {
        m = parseKubeManifest(t);
      } catch {
        continue;
      }
      if (!m) continue;
      for (const cm of m.configMaps) {
        const list = configMaps.get(cm.name) ?? [];
        const keyFiles: Record<string, string> = {};
        for (const [k, e] of Object.entries(cm.data)) {
          const file = helm ? helmFileOf(e.value, helm) : undefined;
          if (file) keyFiles[k] = file;
        }
        list.push({ name: cm.name, file: abs, data: cm.data, display: f.display, keyFiles });
        configMaps.set(cm.name, list);
      }
      for (const w of m.workloads) for (const c of w.containers) containers.push({ c, display: f.display });
    }
    const treeMaps = [...configMaps.values()].flat().map((x) => ({ name: x.name, data: x.data, file: x.display }));
    const containerEnv = (c: KubeContainerRaw, display: string): Env => {
      const env: Env = new Map();
      for (const src of c.envSources) {
        const cms = src.kind === 'configMap' ? (configMaps.get(src.name) ?? []) : [];
        // A Secret, a ConfigMap the tree does not hold, or two of that name (overlays): any name may be set.
        if (cms.length !== 1) {
          env.set('*', null);
          continue;
        }
        const cm = cms[0] as Cm;
        for (const [k, e] of Object.entries(cm.data)) env.set(k, { value: e.value, file: cm.display, line: e.line });
      }
      for (const [k, e] of Object.entries(c.env)) env.set(k, { value: e.value, file: display, line: e.line });
      // `valueFrom.configMapKeyRef` takes the key's value from a ConfigMap of the tree; a Secret, a field or a
      // ConfigMap we do not hold stays unknown; an optional missing key leaves what envFrom gave.
      for (const k of c.envFrom) {
        const ref = c.valueFrom[k];
        const got = ref ? valueFromConfigMap(ref, treeMaps) : undefined;
        if (got && 'value' in got) env.set(k, { value: got.value, file: got.file, line: got.line });
        else if (!got || !('unset' in got)) env.set(k, null);
      }
      return env;
    };
    for (const { c, display } of containers) {
      if (!c.image) continue;
      if (!NGINX_IMAGE.test(imageRepo(c.image))) {
        // Maybe an image the tree builds FROM nginx that COPYs the template: tied to its Dockerfile once every
        // image is known (`tieKubeImages`). Its ENTRYPOINT/CMD must run: no `command`, no `args` but nginx's.
        const ownStart = c.argv === undefined || (!c.command && /^nginx(?:-debug)?$/.test(c.argv[0] ?? ''));
        if (ownStart && !wellKnownImage(c.image)) this.kubeImages.push({ image: c.image, env: containerEnv(c, display) });
        continue;
      }
      if (configMaps.size === 0) continue;
      const env = containerEnv(c, display);
      // The image's script: `${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}`, files named `*${SUFFIX:-.template}`
      // in it or below (`find -follow -type f -name`). A setting written with a value we do not know (`valueFrom`)
      // skips the container; a Secret's unknown names are taken not to move the image's own folders.
      const setting = (name: string, dflt: string): string | undefined => {
        const v = env.get(name);
        return v === null ? undefined : v && v.value !== '' ? v.value : dflt;
      };
      const templateDir = setting('NGINX_ENVSUBST_TEMPLATE_DIR', '/etc/nginx/templates')?.replace(/\/+$/, '');
      const suffix = setting('NGINX_ENVSUBST_TEMPLATE_SUFFIX', '.template');
      // The container's own command: `sh -c "envsubst '$$A' < /etc/nginx/templates/x.template > ... && nginx"`
      // renders a mounted key with this environment (Kubernetes turns `$$` into `$` before the shell sees it).
      const shell = c.argv && c.argv.length >= 3 && /(?:^|\/)(?:ba|da|a)?sh$/.test(c.argv[0] ?? '') && c.argv[1] === '-c';
      if (shell && c.argv) {
        const script = (c.argv.slice(2).join(' ') ?? '').replace(/\$\$/g, '$');
        for (const r of readScriptEnv(display, `/${display}`, script, () => undefined, c.argvLines?.[0] ?? c.line).renders) {
          const src = posix.normalize(r.src);
          for (const mount of c.configMapMounts)
            for (const [key, cm] of mountedKeys(mount, configMaps))
              if (mountedPath(mount, key) === src) this.renders.push({ ...r, srcAbs: keyFile(cm, key), start: env });
        }
      }
      // The image's entrypoint renders the templates folder only when it runs and is asked to start nginx
      // (docker-entrypoint.sh: `if [ "$1" = "nginx" ] || [ "$1" = "nginx-debug" ]`): no `command`, and `args`
      // (the CMD) that start with nginx when written.
      const entrypoint = !c.command && (c.argv === undefined || /^nginx(?:-debug)?$/.test(c.argv[0] ?? ''));
      if (!templateDir || !suffix || !entrypoint) continue;
      const targets: string[] = [];
      for (const mount of c.configMapMounts)
        for (const [key, cm] of mountedKeys(mount, configMaps)) {
          const path = mountedPath(mount, key);
          const file = keyFile(cm, key);
          if (path.startsWith(`${templateDir}/`) && path.endsWith(suffix) && !targets.includes(file)) targets.push(file);
        }
      for (const file of targets) {
        const list = this.kube.get(file) ?? [];
        list.push(env);
        this.kube.set(file, list);
      }
    }
  }

  /**
   * Kubernetes containers whose image the tree builds (collectors/deploy/image-source.ts, the evidence the deploy
   * collector uses for app images, strongest first): a compose service that builds it under that `image:` name, or
   * a `docker build -t` / `podman build --tag` of a CI file, script, Makefile or README whose tag names its
   * repository (the Dockerfile `-f` names, or the context's, with that context). The container then holds what the
   * Dockerfile COPYs, with the image's ENV under the container's own environment (a Secret or unknown envFrom may
   * override any ENV name: those become unknown). No tie on a guess: an image nothing in the tree builds by that
   * name keeps its templates' values opaque.
   */
  private tieKubeImages(
    files: DiscoveredFile[],
    peek: (f: DiscoveredFile) => string | undefined,
    composeTags: Array<{ repo: string; img: Image }>,
    image: (abs: string) => Image | undefined,
  ): void {
    if (this.kubeImages.length === 0) return;
    let builds: Array<BuildCommand & { dir: string; root: string }> | undefined;
    const buildCommands = (): Array<BuildCommand & { dir: string; root: string }> => {
      if (builds) return builds;
      builds = [];
      let budget = MAX_SCRIPTS;
      for (const f of files) {
        if (f.size > MAX_CONFIG_BYTES || !BUILD_FILE.test(f.display) || budget-- <= 0) continue;
        const t = peek(f);
        if (t !== undefined)
          for (const b of buildCommandsIn(t)) builds.push({ ...b, dir: posix.dirname(slash(f.abs)), root: slash(f.root) });
      }
      return builds;
    };
    for (const k of this.kubeImages) {
      const repo = imageRepo(k.image);
      let img = composeTags.find((t) => t.repo === repo)?.img;
      for (const b of img || /__tpl_|\*/.test(k.image) ? [] : buildCommands()) {
        if (img || !b.repos.some((r) => tagNames(r, k.image))) continue;
        for (const base of [b.dir, b.root]) {
          const context = posix.resolve(base, b.context ?? '.');
          const built = image(b.dockerfile ? posix.resolve(base, b.dockerfile) : posix.join(context, 'Dockerfile'));
          if (!built) continue;
          if (!built.contexts.includes(context)) built.contexts.push(context);
          img = built;
          break;
        }
      }
      if (!img) continue;
      const env: Env = new Map();
      const secretOpen = k.env.has('*');
      for (const [n, e] of Object.entries(img.df.env))
        env.set(n, secretOpen ? null : { value: e.value, file: img.file.display, line: e.line });
      for (const [n, v] of k.env) env.set(n, v);
      img.services.push(env);
    }
  }

  /**
   * The environments of the containers that hold this file (absolute path). A container that names the file or a
   * folder of it beats one that only copies or mounts its whole build context or project (`COPY . /app`,
   * `.:/app`): the app's image carries the proxy's templates as a side effect, it does not render them.
   */
  private holders(abs: string): Env[] {
    const named: Env[] = [];
    const whole: Env[] = [];
    for (const img of this.images) {
      let how: 'named' | 'whole' | undefined;
      for (const ins of img.df.instructions) {
        if ((ins.cmd !== 'COPY' && ins.cmd !== 'ADD') || /--from=/.test(ins.args)) continue;
        const words = (ins.json ?? ins.args.split(/\s+/)).filter((w) => w !== '' && !w.startsWith('--'));
        for (const src of words.slice(0, -1))
          for (const c of img.contexts) {
            if (sourcePattern(c, src)?.test(abs) !== true) continue;
            if (posix.resolve(c, src) === c) how ??= 'whole';
            else how = 'named';
          }
      }
      if (!how) continue;
      const envs =
        img.services.length > 0
          ? img.services
          : [new Map(Object.entries(img.df.env).map(([k, e]) => [k, { value: e.value, file: img.file.display, line: e.line }]))];
      (how === 'named' ? named : whole).push(...envs);
    }
    for (const m of this.mounts)
      if (abs === m.host || abs.startsWith(`${m.host}/`)) (m.host === m.project ? whole : named).push(m.env);
    named.push(...(this.kube.get(abs) ?? []));
    return named.length > 0 ? named : whole;
  }

  /**
   * The scripts' `envsubst` commands whose input is this file: the path as written resolves to it (a relative one
   * from the script's folder), or it names a container path whose file name only this file of the tree has (or
   * whose tail only this one ends with).
   */
  private rendersOf(abs: string): Render[] {
    const base = posix.basename(abs);
    const same = this.byName.get(base) ?? [];
    return this.renders.filter((r) => {
      if (r.srcAbs !== undefined) return r.srcAbs === abs;
      const src = r.src.replace(/^\.\//, '');
      if (posix.basename(src) !== base) return false;
      const scriptAbs = this.byName.get(posix.basename(r.script))?.find((a) => a.endsWith(r.script.replace(/^\.?\//, '')));
      if (!src.startsWith('/') && scriptAbs && posix.resolve(posix.dirname(scriptAbs), src) === abs) return true;
      if (same.length === 1) return true;
      const tail = same.filter((a) => a.endsWith(`/${src.replace(/^\/+/, '')}`));
      return tail.length === 1 && tail[0] === abs;
    });
  }

  /**
   * The names the renders of this file substitute also when written bare (`$NAME`): GNU envsubst does so for the
   * names of its SHELL-FORMAT list. Only when every render of the file has a list we read (the union: a name one
   * list leaves out is then unknown or literal through the lookup); undefined otherwise.
   */
  listNames(absPath: string): ReadonlySet<string> | undefined {
    const renders = this.rendersOf(slash(absPath));
    if (renders.length === 0 || renders.some((r) => !r.list)) return undefined;
    const out = new Set<string>();
    for (const r of renders) for (const n of r.list ?? []) out.add(n);
    return out;
  }

  /**
   * The render of this file (script or Dockerfile and line) that runs `envsubst` with no SHELL-FORMAT list: GNU
   * envsubst then replaces every `$name`/`${name}`, nginx's own variables too, with the environment's value (empty
   * when unset). The nginx image's entrypoint never does (it lists the defined names): only a script's or a
   * Dockerfile's own command. Its lines become evidence.
   */
  everyName(absPath: string): { file: string; line: number } | undefined {
    const r = this.rendersOf(slash(absPath)).find((x) => x.list === undefined);
    if (!r) return undefined;
    this.register(r.script);
    return { file: r.script, line: r.line };
  }

  /** The value lookup for one template file, or undefined when no container or script of the tree renders it. */
  forTemplate(absPath: string): EnvLookup | undefined {
    const abs = slash(absPath);
    if (this.memo.has(abs)) return this.memo.get(abs);
    const holders = this.holders(abs);
    const renders = this.rendersOf(abs);
    let lookup: EnvLookup | undefined;
    if (renders.length > 0) {
      // A script renders it: its statements run over each container's environment that holds it (or, when none
      // does, over an environment we do not know: only what the script itself sets is known).
      const starts = holders.length > 0 ? holders : [new Map() as Env];
      const states = renders.map((r) => ({ r, states: (r.start ? [r.start] : starts).map((e) => applyOps(e, r.ops)) }));
      lookup = (name) => {
        let found: TemplateValue | 'literal' | undefined;
        for (const { r, states: ss } of states) {
          if (r.list === null) return undefined;
          // An explicit list: a name it does not hold stays `${NAME}` in the output.
          if (r.list && !r.list.has(name)) {
            if (found !== undefined && found !== 'literal') return undefined;
            found = 'literal';
            continue;
          }
          for (const st of ss) {
            const s = st.get(name) ?? st.get('*');
            const v = s?.exp ? s.v : undefined;
            if (!v || !usable(v.value) || found === 'literal' || (found && found.value !== v.value)) return undefined;
            found ??= v;
          }
        }
        if (found && found !== 'literal') this.register(found.file);
        return found;
      };
    } else if (holders.length > 0)
      lookup = (name) => {
        let found: TemplateValue | 'literal' | undefined;
        for (const env of holders) {
          // The nginx image substitutes only the names NGINX_ENVSUBST_FILTER matches (its awk test, read in
          // 20-envsubst-on-templates.sh): the others stay `${NAME}` in the rendered file.
          const filter = env.get('NGINX_ENVSUBST_FILTER')?.value;
          if (filter && !safeTest(filter, name)) {
            if (found !== undefined && found !== 'literal') return undefined;
            found = 'literal';
            continue;
          }
          const v = env.get(name);
          if (!v || !usable(v.value) || found === 'literal' || (found && found.value !== v.value)) return undefined;
          found ??= v;
        }
        if (found && found !== 'literal') this.register(found.file);
        return found;
      };
    this.memo.set(abs, lookup);
    return lookup;
  }
}

/**
 * The tree file an image path holds, through the image's COPY/ADD (not `--from`): the path is the destination
 * itself, a file under a copied folder, or a copied file's name in a destination folder. Absolute destinations only
 * (a relative one depends on WORKDIR).
 */
function copiedFrom(img: Image, path: string, byAbs: Map<string, DiscoveredFile>): string | undefined {
  if (!path.startsWith('/')) return undefined;
  for (const ins of img.df.instructions) {
    if ((ins.cmd !== 'COPY' && ins.cmd !== 'ADD') || /--from=/.test(ins.args)) continue;
    const words = (ins.json ?? ins.args.split(/\s+/)).filter((w) => w !== '' && !w.startsWith('--'));
    const dest = words[words.length - 1];
    if (!dest?.startsWith('/')) continue;
    const d = dest.replace(/\/+$/, '');
    for (const src of words.slice(0, -1))
      for (const c of img.contexts) {
        const from = posix.resolve(c, src);
        const candidates = [
          path === d ? from : undefined,
          path.startsWith(`${d}/`) ? posix.join(from, path.slice(d.length + 1)) : undefined,
          path === `${d}/${posix.basename(src)}` ? from : undefined,
        ];
        const hit = candidates.find((x) => x !== undefined && byAbs.has(x));
        if (hit) return hit;
      }
  }
  return undefined;
}

/**
 * A shell-form instruction that runs its own shell (`CMD /bin/sh -c "envsubst < a > b && nginx ..."`): the string
 * that inner shell runs, as the outer `/bin/sh -c` Docker adds hands it over (inside double quotes `\$`, `\"`, `\\`
 * and a backquote lose their backslash). Anything else is read as written.
 */
function shellFormInner(args: string, outerShell = true): string {
  const m = /^\s*(?:\/(?:usr\/)?bin\/)?(?:ba|da)?sh\s+-c\s+(?:"((?:[^"\\]|\\.)*)"|'([^']*)')\s*$/s.exec(args);
  if (!m) return args;
  if (m[2] !== undefined) return m[2];
  // An unescaped `$NAME` inside the double quotes is expanded by the outer shell first (a list `'${A}'` becomes
  // A's value): what the inner command sees is unknown here, so the instruction is left as written. Compose splits
  // a string command without a shell (its own interpolation has run): no outer expansion there.
  if (outerShell && /(?:^|[^\\])\$[{A-Za-z_]/.test(m[1] as string)) return args;
  return (m[1] as string).replace(/\\([$"\\`])/g, '$1');
}

/** A value used as it is: one line, not empty, no `$` left for another expansion. */
function usable(value: string): boolean {
  // `__tpl_`: a Helm expression left opaque (`include`, `.Release`, a value values.yaml lacks).
  return value !== '' && !value.includes('\n') && !value.includes('$') && !value.includes('__tpl_');
}

/** The nginx image tests names against the filter with awk's `~` (an extended regular expression). */
function safeTest(filter: string, name: string): boolean {
  try {
    return new RegExp(filter).test(name);
  } catch {
    return false;
  }
}

type KubeMount = KubeContainerRaw['configMapMounts'][number];
type KubeConfigMap = {
  name: string;
  file: string;
  data: Record<string, { value: string; line: number }>;
  display: string;
  /** Keys a Helm template fills with a chart file (`.Files.Get`): key -> that file (absolute). */
  keyFiles?: Record<string, string>;
};

/** The file a mounted key's content is: the chart file `.Files.Get` put there, else the manifest itself. */
function keyFile(cm: KubeConfigMap, key: string): string {
  return cm.keyFiles?.[key] ?? cm.file;
}

/** The keys a mount shows of the tree's ConfigMaps of its name (all, or those `items:`/`subPath` pick). */
function mountedKeys(mount: KubeMount, configMaps: Map<string, KubeConfigMap[]>): Array<[string, KubeConfigMap]> {
  const out: Array<[string, KubeConfigMap]> = [];
  for (const cm of configMaps.get(mount.configMap) ?? [])
    for (const key of Object.keys(cm.data)) if (!mount.keys || mount.keys.includes(key)) out.push([key, cm]);
  return out;
}

/** Where a mounted key is in the container: the mount path itself with `subPath`, else the key's (or its item's) file. */
function mountedPath(mount: KubeMount, key: string): string {
  const dir = mount.mountPath.replace(/\/+$/, '');
  return mount.subPath ? dir : `${dir}/${mount.paths?.[key] ?? key}`;
}
