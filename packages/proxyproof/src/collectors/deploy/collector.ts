/**
 * The deploy collector: finds where Python app servers are started (compose, Dockerfile, systemd,
 * Procfile, supervisord, shell scripts), parses their command lines and environment the way the
 * servers do, and records AppServerFacts plus compose networking (Facts.compose).
 * gunicorn/hypercorn config files named on (or defaulted by) a command line are evaluated here with
 * the launch environment; the python collector handles config files no launcher references.
 */
import { basename, dirname, join, posix, relative, resolve, sep } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { composeProjects } from '../../facts/compose-network.js';
import type { CollectContext, Collector, DiscoveredFile } from '../../model/collector.js';
import type { ComposeFile, ComposePort, ComposeService, KubeWorkload } from '../../model/deploy.js';
import type { AppServerFacts, SourceRef, Valued } from '../../model/facts.js';
import { MAX_CONFIG_BYTES, MAX_SOURCE_BYTES, tooLarge } from '../../model/limits.js';
import { parseJsonWithLines } from '../../settings/json-positions.js';
import { isPlatformBuildFile, mayBeSupervisordConfig, SUPERVISORD_PROGRAM } from '../claims.js';
import { type FencedUnit, fencedBlocks, fencedSystemdUnits, isMarkdownName, SHELL_TAGS } from '../fenced.js';
import { evaluateModule, type PyValue, parsePython, Scope } from '../python/evaluate.js';
import { isRequirementsFile, type Pinned, readPins } from '../python/versions.js';
import { isDockerfileName, isShellScriptName } from '../sniff.js';
import { renderedName } from '../template/index.js';
import { writtenFiles } from '../written.js';
import { buildAppServer, exposureOf, type LaunchContext, publishedBind, reachOf } from './appserver.js';
import { mergeService } from './compose-merge.js';
import { type DockerRunLine, dockerRunLine } from './docker-run.js';
import {
  type ComposeRaw,
  type Dockerfile,
  dockerArgv,
  interpolate,
  parseCompose,
  parseComposePort,
  parseDockerfile,
  parseEnvFile,
  parseProcfile,
  parseSupervisord,
  parseSystemdUnit,
  supervisordEnvironment,
  systemdEnvironment,
  systemdExecArgv,
  treeCopies,
  type WrittenScript,
} from './formats.js';
import { valuesForLines, valuesOnLine } from './helm.js';
import { BUILD_FILE, type BuildCommand, buildCommandsIn, imageRepo, tagNames, wellKnownImage } from './image-source.js';
import {
  type KubeConfigMapRaw,
  type KubeManifest,
  looksLikeKubeManifest,
  parseKubeManifest,
  valueFromConfigMap,
} from './kube.js';
import { type PyText, type RunserverDefaults, runserverDefaults, runserverSubclasses } from './runserver-defaults.js';
import {
  type FoundInvocation,
  findInvocations,
  type ManageCommands,
  type PyServerKind,
  serverFromArgsOnly,
  shlexSplit,
} from './servers.js';
import { handedOver, splitCommands } from './shell.js';

/** Config-like files above this size are skipped with a note (a real one is a few KB). */

const PROXY_IMAGE = /(^|\/)(nginx|nginxinc\/[\w-]+|openresty|caddy|traefik|haproxy|httpd|apache|envoy|varnish)(:|@|$|-)/i;
/** An image repository whose last part names a proxy as one of its words (`acme/site-nginx`, `shop_caddy`). */
const PROXY_NAMED = /(^|[/_-])(nginx|openresty|caddy|traefik|haproxy|httpd|apache|envoy|varnish)([_-][\w-]*)?$/i;

/**
 * A compose `volumes:` item that mounts a host folder (`./src:/app`, `/srv/app:/app:ro`, long syntax `type: bind`):
 * its source as written and the container path. Named volumes (`data:/var/lib/x`) are not the tree's files.
 */
export function bindMountOf(item: unknown): { source: string; target: string } | undefined {
  if (typeof item === 'string') {
    const m = /^([.~/][^:]*):([^:]+)(?::[a-z,]+)?$/.exec(item.trim());
    return m ? { source: m[1] as string, target: m[2] as string } : undefined;
  }
  if (!item || typeof item !== 'object') return undefined;
  const o = item as Record<string, unknown>;
  if (o.type !== 'bind' || typeof o.source !== 'string' || typeof o.target !== 'string') return undefined;
  return { source: o.source, target: o.target };
}

/** A Flask-Script manager script (`from flask_script import Manager`): its `runserver` is Werkzeug's, not Django's. */
const FLASK_SCRIPT = /^\s*(?:from\s+flask(?:_script|\.ext\.script)\s+import|import\s+flask_script)\b/m;

export function isComposeFile(name: string): boolean {
  return /^(docker-)?compose([._-][\w.-]+)?\.ya?ml$/i.test(name);
}
export function isDockerfile(name: string): boolean {
  return isDockerfileName(name);
}

export function readText(ctx: CollectContext, f: DiscoveredFile, cap = MAX_SOURCE_BYTES): string | undefined {
  if (f.size > cap) {
    const message = tooLarge(f.size, cap, cap === MAX_SOURCE_BYTES ? 'deployment files and app source' : 'this kind of file');
    ctx.facts.diagnostics.push({ level: 'note', file: f.display, message });
    ctx.skip(f, message);
    return undefined;
  }
  const b = ctx.read(f);
  if (b.includes(0)) return undefined;
  return b.toString('utf8');
}

/** Runs one file's handler; an unexpected failure becomes a diagnostic for that file, never a crash. */
export function guarded(ctx: CollectContext, file: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    ctx.facts.diagnostics.push({ level: 'error', file, message: `could not analyse this file: ${(e as Error).message}` });
  }
}

export function refIn(ctx: CollectContext, file: string, line: number): SourceRef {
  const snippet = ctx.facts.sources.get(file)?.[line - 1]?.trim();
  return snippet ? { file, line, snippet } : { file, line };
}

/**
 * A script an image runs: a file of the tree, or one the Dockerfile writes with RUN (`text` then holds it and
 * `lineOf` maps its lines to the Dockerfile's, where its evidence points).
 */
type ScriptFile = DiscoveredFile & { args: string[]; text?: string; lineOf?: (line: number) => number };

const FIRST_ARG = String.raw`"?\$(?:1|\{1\})"?`;
/** `if [ "$1" = "web" ]; then`, `elif [[ $1 == worker ]]`, `if test "${1}" = beat; then`. */
const ARG_TEST = new RegExp(
  String.raw`^\s*(if|elif)\s+(?:\[\[?|test)\s+${FIRST_ARG}\s*==?\s*["']?([\w.:/-]+)["']?\s*(?:\]\]?)?\s*(?:;\s*then)?\s*$`,
);
const CASE_ARG = new RegExp(String.raw`^\s*case\s+${FIRST_ARG}\s+in\s*$`);

/**
 * The lines of a script that run for one first argument: `if [ "$1" = "web" ] ... elif ... else ... fi` and
 * `case "$1" in web) ... ;; esac` keep the branch that argument selects (an entrypoint that starts gunicorn for
 * `web` and celery for `worker`). Other conditions are not decided: every branch of them is kept.
 */
class FirstArgBranches {
  private readonly frames: Array<{ arg: boolean; active: boolean; matched: boolean; isCase?: boolean }> = [];
  constructor(private readonly first: string) {}
  /** Feeds one logical line; true when it runs for this argument. */
  take(line: string): boolean {
    const t = line.trim();
    const top = this.frames[this.frames.length - 1];
    const test = ARG_TEST.exec(t);
    if (test?.[1] === 'if' || (!test && /^if\b/.test(t) && !/\bfi\s*;?\s*$/.test(t))) {
      const active = test ? test[2] === this.first : true;
      this.frames.push({ arg: Boolean(test), active, matched: active });
      return false;
    }
    if (/^elif\b/.test(t) && top && !top.isCase) {
      if (top.arg) {
        top.active = !top.matched && (test ? test[2] === this.first : true);
        top.matched ||= top.active;
      }
      return false;
    }
    if (/^else\b/.test(t) && top && !top.isCase) {
      if (top.arg) top.active = !top.matched;
      return false;
    }
    if (/^fi\b/.test(t) && top && !top.isCase) {
      this.frames.pop();
      return false;
    }
    if (CASE_ARG.test(t)) {
      this.frames.push({ arg: true, active: false, matched: false, isCase: true });
      return false;
    }
    if (top?.isCase) {
      if (/^esac\b/.test(t)) {
        this.frames.pop();
        return false;
      }
      const pat = /^\(?\s*([^()]+?)\s*\)\s*(.*)$/.exec(t);
      if (pat && !/^;;/.test(t) && !top.active) {
        const words = (pat[1] as string).split('|').map((w) => w.trim().replace(/^["']|["']$/g, ''));
        top.active = !top.matched && words.some((w) => w === this.first || w === '*');
        top.matched ||= top.active;
        return top.active && this.frames.every((f) => f.active) && (pat[2] ?? '') !== '' && !/^;;/.test(pat[2] ?? '');
      }
      if (/;;\s*$/.test(t)) {
        const run = top.active && this.frames.every((f) => f.active);
        top.active = false;
        return run && t.replace(/;;\s*$/, '').trim() !== '';
      }
    }
    return this.frames.every((f) => f.active);
  }
}

/** The Dockerfile an image is built from, with the scripts its RUN lines write. */
interface ImageScripts {
  f: DiscoveredFile;
  df: Dockerfile;
}

/** The script the image wrote at the path an ENTRYPOINT/CMD names (absolute, or relative to its WORKDIR). */
function writtenAt(image: ImageScripts, word: string): WrittenScript | undefined {
  const written = image.df.written ?? [];
  if (written.length === 0) return undefined;
  const norm = (p: string) => p.replace(/\/\.\//g, '/').replace(/^\.\//, '');
  const abs = word.startsWith('/') ? norm(word) : `${(image.df.workdir ?? '').replace(/\/$/, '')}/${norm(word)}`;
  return written.find((w) => {
    const p = w.path.startsWith('/') ? norm(w.path) : `${(image.df.workdir ?? '').replace(/\/$/, '')}/${norm(w.path)}`;
    return p === abs;
  });
}

/** A Dockerfile as an image: whether a compose service runs its own command, and which override it. */
interface DockerImage {
  f: DiscoveredFile;
  df: Dockerfile;
  used: boolean;
  overriddenBy?: Array<{ file: string; service: string }>;
}

/** The Dockerfile that builds an image a service or container only names, and why we think so. */
interface ImageTie {
  docker: DockerImage;
  /** Absolute build context. */
  context: string;
  why: string;
  ref: SourceRef;
}

/** Files that may hold the command that builds an image: CI configs, scripts, Makefiles, READMEs and docs. */
class DeployRun {
  private readonly byAbs = new Map<string, DiscoveredFile>();
  private readonly dockerfiles = new Map<string, DockerImage>();
  private readonly consumedScripts = new Set<string>();
  /** A Dockerfile's stage a compose `build.target` names, parsed once per file and stage. */
  private readonly stages = new Map<string, DockerImage>();
  /** Kubernetes YAML that a Podman `.kube` quadlet plays (`podman kube play`), by its absolute path: the unit's ports. */
  private readonly kubePlays = new Map<string, { unit: string; ports: ComposePort[] }>();
  private readonly pins: Pinned = {};
  private readonly reportedPy = new Set<string>();
  private readonly composeFiles: ComposeFile[] = [];
  /** Compose files parsed once, by absolute path; override files by their base file and the base of each. */
  private readonly rawCompose = new Map<string, ComposeRaw>();
  private readonly overlaysOf = new Map<string, Array<{ file: string; raw: ComposeRaw }>>();
  private readonly overlayBase = new Map<string, string>();
  /** supervisord config files an image copies and runs (CMD supervisord): their programs run in a container. */
  private readonly imageConfs = new Map<string, DiscoveredFile>();
  /** Dockerfiles a platform builds and routes to through its own proxy (render.yaml, fly.toml). */
  private readonly platformOf = new Map<string, { name: string; ref: SourceRef; env?: Record<string, Valued<string>> }>();

  constructor(private readonly ctx: CollectContext) {
    for (const f of ctx.files) this.byAbs.set(f.abs, f);
  }

  run(): void {
    const files = this.ctx.files.filter((f) => !this.ctx.claimed.has(f.abs));
    for (const f of files)
      if (isRequirementsFile(basename(f.abs))) {
        const t = readText(this.ctx, f);
        if (t !== undefined) readPins(f.display, t, this.pins);
      }
    for (const f of files)
      if (isDockerfile(basename(f.abs))) {
        const t = readText(this.ctx, f);
        if (t === undefined) continue;
        const df = parseDockerfile(t);
        for (const p of df.problems)
          this.ctx.facts.diagnostics.push({ level: 'warning', file: f.display, line: p.line, message: p.message });
        this.dockerfiles.set(f.abs, { f, df, used: false });
        this.ctx.claimed.add(f.abs);
      }
    this.platforms();
    this.supervisordImages();
    const composeFiles = this.composeFilesOf(files);
    this.composeOverlays(composeFiles);
    for (const f of composeFiles) guarded(this.ctx, f.display, () => this.compose(f));
    for (const f of files)
      if (/\.kube$/.test(renderedName(basename(f.abs)))) guarded(this.ctx, f.display, () => this.kubeQuadlet(f));
    this.kubernetes(files);
    // After the pods: a container that runs an image of the tree without a command of its own uses the image.
    for (const d of this.dockerfiles.values()) if (!d.used) guarded(this.ctx, d.f.display, () => this.imageDefault(d));
    for (const f of files) {
      // Templates render to the unit's own name (`daphne.service.j2`, `app.service.erb`: Ansible/Chef roles).
      const name = renderedName(basename(f.abs));
      if (/\.service$/.test(name)) guarded(this.ctx, f.display, () => this.systemd(f));
      else if (/\.container$/.test(name)) guarded(this.ctx, f.display, () => this.quadlet(f));
      else if (/^Procfile(\.[\w-]+)?$/.test(name)) guarded(this.ctx, f.display, () => this.procfile(f));
      else if (isMarkdownName(name) && f.size <= MAX_CONFIG_BYTES) {
        // A guide's "create /etc/systemd/system/gunicorn.service" fence (collectors/fenced.ts): that unit.
        const text = readText(this.ctx, f);
        if (text?.includes('[Service]'))
          for (const u of fencedSystemdUnits(text)) guarded(this.ctx, f.display, () => this.systemd(f, u));
      }
    }
    // supervisord programs live in conf.d/*.conf, which the nginx collector may also have claimed:
    // a file with [program:x] sections is read here either way.
    for (const f of this.ctx.files) {
      if (mayBeSupervisordConfig(f)) guarded(this.ctx, f.display, () => this.supervisord(f));
    }
    this.writtenLaunchFiles();
    for (const f of files) {
      if (this.ctx.claimed.has(f.abs) || this.consumedScripts.has(f.abs)) continue;
      if (this.isShellScript(f)) guarded(this.ctx, f.display, () => this.shellScript(f, undefined));
    }
    if (this.composeFiles.length > 0)
      this.ctx.facts.compose = { files: [...(this.ctx.facts.compose?.files ?? []), ...this.composeFiles] };
  }

  /** The image a compose `build.target` builds: that stage of the Dockerfile, or the last when it has no such stage. */
  private stageOf(image: DockerImage, target: string): DockerImage {
    const key = `${image.f.abs}\0${target.toLowerCase()}`;
    const known = this.stages.get(key);
    if (known) return known;
    const text = readText(this.ctx, image.f);
    const df = text !== undefined ? parseDockerfile(text, { target }) : undefined;
    // The last stage is the Dockerfile's own image: the same entry, so its CMD is not reported twice.
    const last =
      df === undefined ||
      df.target === undefined ||
      (df.cmd?.line === image.df.cmd?.line && df.entrypoint?.line === image.df.entrypoint?.line && df.from === image.df.from);
    const stage = last ? image : { f: image.f, df, used: false };
    this.stages.set(key, stage);
    return stage;
  }

  private pyTexts: PyText[] | undefined;
  private readonly runserverCache = new Map<string, RunserverDefaults>();
  private readonly subclassCache = new Map<string, Array<{ ref: SourceRef }>>();

  /** The tree's Python files as lines, read once (only when a runserver launch is found). */
  private pyFiles(): PyText[] {
    this.pyTexts ??= this.ctx.files
      .filter((f) => /\.py$/.test(f.abs) && f.size <= MAX_SOURCE_BYTES)
      .map((f) => ({ display: f.display, lines: (readText(this.ctx, f) ?? '').split(/\r?\n/) }));
    return this.pyTexts;
  }

  /** runserver's defaults as the tree's Python files set them for management command `command`, read once. */
  private runserverDefaults(command = 'runserver'): RunserverDefaults {
    const known = this.runserverCache.get(command);
    if (known) return known;
    const d = runserverDefaults(this.pyFiles(), command);
    this.runserverCache.set(command, d);
    return d;
  }

  /**
   * The project's management command `name` that subclasses runserver's Command (`manage.py devserver`); only the
   * files at `<app>/management/commands/<name>.py` are read, once per name.
   */
  private runserverSubclass(name: string): Array<{ ref: SourceRef }> {
    let found = this.subclassCache.get(name);
    if (!found) {
      const suffix = `/management/commands/${name}.py`;
      const files = this.ctx.files
        .filter((f) => f.display.replace(/\\/g, '/').endsWith(suffix) && f.size <= MAX_SOURCE_BYTES)
        .map((f) => ({ display: f.display, lines: (readText(this.ctx, f) ?? '').split(/\r?\n/) }));
      found = files.length > 0 ? runserverSubclasses(files.length > 1 ? this.pyFiles() : files, name) : [];
      this.subclassCache.set(name, found);
    }
    return found;
  }

  private readonly notDjangoCache = new Map<string, boolean>();

  /**
   * Whether the `manage.py` a launch names is a Flask-Script manager, not Django's: the tree's files of that name (those
   * whose path ends with the launch's path first) all import flask_script and none mentions django.
   */
  private notDjangoManage(path: string): boolean {
    const known = this.notDjangoCache.get(path);
    if (known !== undefined) return known;
    const tail = path.replace(/^(\.\/)+/, '');
    const named = this.ctx.files.filter((f) => basename(f.display) === 'manage.py' && f.size <= MAX_SOURCE_BYTES);
    const exact = named.filter((f) => f.display.replace(/\\/g, '/').endsWith(tail.includes('/') ? `/${tail}` : tail));
    const texts = (exact.length > 0 ? exact : named).map((f) => readText(this.ctx, f) ?? '');
    const flask = texts.length > 0 && texts.every((t) => FLASK_SCRIPT.test(t) && !/django/i.test(t));
    this.notDjangoCache.set(path, flask);
    return flask;
  }

  /** What the tree says of `manage.py` commands (findInvocations' `commands`). */
  private readonly manageCommands: ManageCommands = {
    runserverLike: (name) => this.runserverSubclass(name).length > 0,
    notDjango: (path) => this.notDjangoManage(path),
  };

  private versions(): LaunchContext['versions'] {
    return {
      gunicorn: this.pins.gunicorn?.version,
      uvicorn: this.pins.uvicorn?.version,
      daphne: this.pins.daphne?.version,
      hypercorn: this.pins.hypercorn?.version,
      runserver: this.pins.django?.version,
    };
  }

  private isShellScript(f: DiscoveredFile): boolean {
    const name = basename(f.abs);
    if (isShellScriptName(name, '')) return true;
    if (name.includes('.') || f.size > MAX_SOURCE_BYTES || f.size < 3) return false;
    return isShellScriptName(name, this.ctx.read(f).subarray(0, 64).toString('utf8'));
  }

  // ------------------------------------------------------------------ gunicorn / hypercorn config files

  private loadConfig(
    path: string | undefined,
    kind: PyServerKind,
    near: string[],
    env: Record<string, Valued<string>>,
  ): { scope: Scope; file: string; assumed: boolean } | undefined {
    const pyFiles = this.ctx.files.filter((f) => (kind === 'hypercorn' ? /\.(py|toml)$/ : /\.py$/).test(f.abs));
    let chosen: DiscoveredFile | undefined;
    let assumed = false;
    if (path) {
      // `-c python:pkg.gunicorn_conf` names a module (gunicorn 20+): pkg/gunicorn_conf.py (or its package __init__).
      const norm = /^python:/.test(path)
        ? `${path.slice(7).replace(/\./g, '/')}.py`
        : path.replace(/^file:/, '').replace(/^\.\//, '');
      const segs = norm.split('/').filter(Boolean);
      let best = 0;
      for (const f of pyFiles) {
        const fs = f.abs.split(sep);
        let k = 0;
        while (k < segs.length && k < fs.length && fs[fs.length - 1 - k] === segs[segs.length - 1 - k]) k++;
        if (
          k > best ||
          (k === best &&
            k > 0 &&
            chosen &&
            near.some((d) => f.abs.startsWith(d)) &&
            !near.some((d) => (chosen as DiscoveredFile).abs.startsWith(d)))
        ) {
          best = k;
          chosen = f;
        }
      }
      if (best === 0) chosen = undefined;
    } else if (kind === 'gunicorn') {
      const cands = pyFiles.filter((f) => basename(f.abs) === 'gunicorn.conf.py');
      chosen =
        near.map((d) => cands.find((f) => dirname(f.abs) === d)).find(Boolean) ?? (cands.length === 1 ? cands[0] : undefined);
      assumed = chosen !== undefined;
    }
    if (!chosen) return undefined;
    const text = readText(this.ctx, chosen);
    if (text === undefined) return undefined;
    if (/\.toml$/.test(chosen.abs)) return this.tomlConfig(chosen, text);
    const parsed = parsePython(chosen.display, text);
    if (!this.reportedPy.has(chosen.abs)) {
      this.reportedPy.add(chosen.abs);
      for (const e of parsed.errors)
        this.ctx.facts.diagnostics.push({ level: 'error', file: e.file, line: e.line, column: e.column, message: e.message });
    }
    const deploymentEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) deploymentEnv[k] = v.value;
    return { scope: evaluateModule(parsed, { deploymentEnv }), file: chosen.display, assumed };
  }

  /** hypercorn's TOML config (`-c config.toml`): top-level keys become bindings with their lines. */
  private tomlConfig(f: DiscoveredFile, text: string): { scope: Scope; file: string; assumed: boolean } | undefined {
    let data: Record<string, unknown>;
    try {
      data = parseToml(text) as Record<string, unknown>;
    } catch (e) {
      const m = /line (\d+)/i.exec((e as Error).message);
      this.ctx.facts.diagnostics.push({
        level: 'error',
        file: f.display,
        line: m ? Number(m[1]) : undefined,
        message: `TOML: ${(e as Error).message.split('\n')[0]}`,
      });
      return undefined;
    }
    const scope = new Scope();
    scope.files.push(f.display);
    const lines = text.split(/\r?\n/);
    const toPy = (v: unknown): PyValue =>
      typeof v === 'string'
        ? { t: 'str', v }
        : typeof v === 'number'
          ? { t: 'num', v }
          : typeof v === 'boolean'
            ? { t: 'bool', v }
            : Array.isArray(v)
              ? { t: 'list', items: v.map(toPy) }
              : { t: 'unknown', why: 'TOML table' };
    for (const [k, v] of Object.entries(data)) {
      const line = lines.findIndex((l) => new RegExp(`^\\s*${k}\\s*=`).test(l)) + 1;
      scope.bindings.set(k, { value: toPy(v), origin: 'literal', file: f.display, line: line || 1, column: 1 });
    }
    return { scope, file: f.display, assumed: false };
  }

  private push(inv: FoundInvocation, lc: Omit<LaunchContext, 'loadConfig' | 'versions'>, near: string[]): number {
    const full: LaunchContext = {
      ...lc,
      versions: this.versions(),
      ...(inv.kind === 'runserver' ? { runserver: this.runserverDefaults(inv.command) } : {}),
      ...(inv.command
        ? { runserverCommand: { name: inv.command, refs: this.runserverSubclass(inv.command).map((c) => c.ref) } }
        : {}),
      loadConfig: (p, kind) =>
        this.loadConfig(p, kind, near, {
          ...lc.env,
          ...Object.fromEntries(Object.entries(inv.env).map(([k, v]) => [k, { value: v, origin: 'env' as const }])),
        }),
    };
    const facts: AppServerFacts = buildAppServer(inv, full);
    this.ctx.facts.appServers.push(facts);
    return this.ctx.facts.appServers.length - 1;
  }

  /**
   * Finds a linted shell script the argv runs (`./docker-entrypoint.sh`, `sh /app/start.sh`), with the arguments
   * after it (`args`): an entrypoint that ends in `exec "$@"` runs them (Docker's entrypoint convention).
   */
  private scriptIn(argv: string[], near: string[], image?: ImageScripts): ScriptFile | undefined {
    for (const [i, a] of argv.slice(0, 4).entries()) {
      if (!/[\w-]+(\.sh)?$/.test(a) || (!a.includes('/') && !a.endsWith('.sh'))) continue;
      // A script the image's own RUN wrote (`RUN echo '...' > /entrypoint.sh`): its text is in the Dockerfile.
      const w = image ? writtenAt(image, a) : undefined;
      if (w && image)
        return {
          ...image.f,
          abs: `${image.f.abs}:${w.path}`,
          args: argv.slice(i + 1),
          text: w.text,
          lineOf: (n) => w.lines[n - 1] ?? w.lines[0] ?? 1,
        };
      const b = basename(a);
      const cands = this.ctx.files.filter((f) => basename(f.abs) === b && this.isShellScript(f));
      const pick =
        near.map((d) => cands.find((f) => f.abs.startsWith(d + sep))).find(Boolean) ??
        (cands.length === 1 ? cands[0] : undefined);
      if (pick) return { ...pick, args: argv.slice(i + 1) };
    }
    return undefined;
  }

  /**
   * The servers a script's arguments start when the script hands over to them (`exec "$@"`, `"$@"` as a command):
   * `ENTRYPOINT ["/entrypoint.sh"]` with `command: gunicorn ...` runs gunicorn after the script's own steps.
   */
  private passedThrough(script: ScriptFile, unresolved: string[] = []): FoundInvocation[] {
    const passed = this.passedArgs(script);
    return passed ? findInvocations(passed, {}, unresolved, this.manageCommands) : [];
  }

  /** The arguments a script hands over to (see `passedArgs`), or undefined when it runs none of them. */
  private passedArgs(script: ScriptFile): string[] | undefined {
    if (script.args.length === 0) return undefined;
    const text = script.text ?? readText(this.ctx, script);
    return text === undefined ? undefined : handedOver(text, script.args);
  }

  // ------------------------------------------------------------------ images

  /**
   * The Dockerfile of the tree that builds `image`, for a compose service or Kubernetes container that only names
   * it (collectors/deploy/image-source.ts says on what evidence). `others`: the other images of that kind in the
   * files that no evidence ties, for the one-Dockerfile assumption (only when `image` is the one such image).
   */
  private imageDockerfile(image: string, others: string[], builtBeside?: Set<string>): ImageTie | undefined {
    if (this.dockerfiles.size === 0 || /__tpl_|\*/.test(image)) return undefined;
    const repo = imageRepo(image);
    // 1. a compose service that builds it under that name
    for (const b of this.composeBuilds())
      if (b.image !== undefined && imageRepo(b.image) === repo)
        return { docker: b.docker, context: b.context, why: `compose service ${b.service} builds it`, ref: b.ref };
    // 2. a build command of a CI file, script, Makefile or README tagging it
    for (const b of this.buildCommands()) {
      if (!b.repos.some((r) => tagNames(r, image))) continue;
      for (const base of [dirname(b.f.abs), b.f.root]) {
        const context = resolve(base, b.context ?? '.');
        const docker = this.dockerfiles.get(b.dockerfile ? resolve(base, b.dockerfile) : join(context, 'Dockerfile'));
        if (docker) return { docker, context, why: `${basename(b.f.abs)} builds it`, ref: refIn(this.ctx, b.f.display, b.line) };
      }
    }
    // 3. the tree's one app Dockerfile, for the one image of the files that is not a known service or base image
    // A proxy image of the project's own (`acme/site-nginx`) is not a second app image.
    if (
      wellKnownImage(image) ||
      others.some((o) => imageRepo(o) !== repo && !wellKnownImage(o) && !PROXY_NAMED.test(imageRepo(o)))
    )
      return undefined;
    const apps = [...this.dockerfiles.values()].filter((d) => !PROXY_IMAGE.test(d.df.from ?? ''));
    const only = apps.length === 1 ? apps[0] : undefined;
    if (!only || imageRepo(only.df.from ?? '') === repo) return undefined;
    // A service of the same compose project builds that Dockerfile (`build: .`): compose tags that build with its
    // own name, so a service of the project that pulls another image (`nginxproxy/acme-companion`) runs someone
    // else's program, not a second copy of the app.
    if (builtBeside?.has(only.f.abs)) return undefined;
    // A compose service of any project tags that Dockerfile's build with another name (`image: laravel`): the image it
    // builds is that one, not this. An unnamed build in another project (a development stack's `build: .`) says
    // nothing against it.
    if (this.composeBuilds().some((b) => b.docker === only && b.image !== undefined && imageRepo(b.image) !== repo))
      return undefined;
    return {
      docker: only,
      context: dirname(only.f.abs),
      why: `assumed: ${only.f.display} is the tree's only Dockerfile and nothing else in the files builds ${image}`,
      ref: refIn(this.ctx, only.f.display, 1),
    };
  }

  private buildCmds?: Array<BuildCommand & { f: DiscoveredFile }>;

  /**
   * The Dockerfiles (absolute paths) that the services of a compose file's project build with `build:`: the file,
   * the base it overrides and that base's other override files (one project, one set of containers).
   */
  private projectBuilds(abs: string): Set<string> {
    const base = this.overlayBase.get(abs) ?? abs;
    const members = [base, ...[...this.overlayBase].filter(([, b]) => b === base).map(([o]) => o)];
    const out = new Set<string>();
    for (const m of members)
      for (const s of this.rawCompose.get(m)?.services ?? [])
        if (s.value.build !== undefined) out.add(composeBuildPaths(m, s.value.build).dockerfile);
    return out;
  }

  private composeBuildList?: ComposeBuild[];

  /**
   * The compose services of the tree that build one of its Dockerfiles: the Dockerfile, context, image name, line.
   * Read once: it is asked for per image-only service and container, after every compose file and Dockerfile is read.
   */
  private composeBuilds(): ComposeBuild[] {
    if (this.composeBuildList) return this.composeBuildList;
    const out: ComposeBuild[] = [];
    this.composeBuildList = out;
    for (const [abs, raw] of this.rawCompose)
      for (const s of raw.services) {
        const b = s.value.build;
        const f = this.byAbs.get(abs);
        if (b === undefined || !f) continue;
        const { context, dockerfile } = composeBuildPaths(abs, b);
        const docker = this.dockerfiles.get(dockerfile);
        if (docker)
          out.push({
            service: s.name,
            ...(typeof s.value.image === 'string' ? { image: s.value.image } : {}),
            docker,
            context,
            ref: refIn(this.ctx, f.display, s.keyLine('build')),
          });
      }
    return out;
  }

  /** The images compose services run without building them (every compose file of the tree). */
  private imageOnlyServices(): string[] {
    return [...this.rawCompose.values()].flatMap((r) =>
      r.services.flatMap((s) => (typeof s.value.image === 'string' && s.value.build === undefined ? [s.value.image] : [])),
    );
  }

  /** Build commands of the files that may hold them (CI, scripts, Makefiles, READMEs), read once. */
  private buildCommands(): Array<BuildCommand & { f: DiscoveredFile }> {
    if (this.buildCmds) return this.buildCmds;
    this.buildCmds = [];
    for (const f of this.ctx.files) {
      if (f.size > MAX_CONFIG_BYTES || !BUILD_FILE.test(f.display)) continue;
      const b = this.ctx.read(f);
      if (b.includes(0)) continue;
      for (const c of buildCommandsIn(b.toString('utf8'))) this.buildCmds.push({ ...c, f });
    }
    return this.buildCmds;
  }

  // ------------------------------------------------------------------ compose

  /**
   * Which compose files are overrides of which base file (`composeProjects`: `*.override.yml`, or a file that
   * cannot run alone), so that `compose` merges each override's services into the base's.
   */
  private composeOverlays(files: DiscoveredFile[]): void {
    for (const f of files) {
      if (this.rawCompose.has(f.abs)) continue;
      // A file too large to read is reported once, by `compose`.
      const text = f.size > MAX_SOURCE_BYTES ? undefined : readText(this.ctx, f);
      if (text !== undefined) this.rawCompose.set(f.abs, parseCompose(text));
    }
    if (files.length < 2) return;
    this.includedOverlays();
    const shapes = [...this.rawCompose].map(([abs, raw]) => ({
      file: abs,
      services: raw.services.map((s) => ({ image: s.value.image, build: s.value.build })),
    }));
    for (const [abs, base] of composeProjects(shapes)) {
      const raw = this.rawCompose.get(abs);
      const f = this.byAbs.get(abs);
      // An include's override list (above) says which base a file overrides, whatever its name and shape.
      if (base === abs || !raw || !f || raw.problems.length > 0 || this.overlayBase.has(abs)) continue;
      this.overlayBase.set(abs, base);
      const list = this.overlaysOf.get(base) ?? [];
      list.push({ file: f.display, raw });
      this.overlaysOf.set(base, list);
    }
  }

  /**
   * The tree's compose files: by name, and every file a compose file's `include:` names, whatever its name (compose
   * loads it as a compose file), followed into the files those include.
   */
  private composeFilesOf(files: DiscoveredFile[]): DiscoveredFile[] {
    const out = files.filter((f) => isComposeFile(renderedName(basename(f.abs))));
    const have = new Set(out.map((f) => f.abs));
    for (let i = 0; i < out.length; i++) {
      const f = out[i] as DiscoveredFile;
      const text = f.size > MAX_SOURCE_BYTES ? undefined : readText(this.ctx, f);
      if (text === undefined) continue;
      const raw = parseCompose(text);
      this.rawCompose.set(f.abs, raw);
      for (const item of raw.include ?? [])
        for (const p of item.paths) {
          const g = this.byAbs.get(resolve(dirname(f.abs), p));
          if (g && !have.has(g.abs) && /\.ya?ml$/i.test(g.abs)) {
            have.add(g.abs);
            out.push(g);
          }
        }
    }
    return out;
  }

  /**
   * `include: - path: [base, override...]` (Compose spec: the files of the list are merged as `-f base -f override`
   * would, each path relative to the including file's folder): each override of the tree is an overlay of that base,
   * wherever the two files sit. A base or override the tree lacks leaves the others alone. A base that several
   * including files merge with different overrides (one stack per proxy choice) is one service record here, so it
   * takes none of them, and a note says so: merging every stack's override into it would mix alternatives.
   */
  private includedOverlays(): void {
    const lists = new Map<string, { overrides: Map<string, string[]>; by: string[] }>();
    for (const [abs, raw] of this.rawCompose)
      for (const item of raw.include ?? []) {
        if (item.paths.length < 2) continue;
        const [first, ...rest] = item.paths.map((p) => resolve(dirname(abs), p));
        const base = first as string;
        if (!this.rawCompose.has(base)) continue;
        const overrides = rest.filter((o) => o !== base && this.rawCompose.has(o));
        const entry = lists.get(base) ?? { overrides: new Map<string, string[]>(), by: [] as string[] };
        entry.overrides.set(overrides.join('\n'), overrides);
        entry.by.push(this.byAbs.get(abs)?.display ?? abs);
        lists.set(base, entry);
      }
    for (const [base, { overrides, by }] of lists) {
      if (overrides.size > 1) {
        const f = this.byAbs.get(base);
        this.ctx.facts.diagnostics.push({
          level: 'note',
          file: f?.display ?? base,
          message: `compose \`include:\` merges this file with different override files in ${by.join(', ')}: each stack's overrides are not merged into its services (alternative stacks of one included file are not modelled)`,
        });
        continue;
      }
      for (const o of [...overrides.values()][0] ?? []) {
        const oRaw = this.rawCompose.get(o);
        const f = this.byAbs.get(o);
        if (!oRaw || !f || oRaw.problems.length > 0 || this.overlayBase.has(o)) continue;
        this.overlayBase.set(o, base);
        const list = this.overlaysOf.get(base) ?? [];
        list.push({ file: f.display, raw: oRaw });
        this.overlaysOf.set(base, list);
      }
    }
  }

  private compose(f: DiscoveredFile): void {
    const text = readText(this.ctx, f);
    if (text === undefined) return;
    this.ctx.claimed.add(f.abs);
    const raw = this.rawCompose.get(f.abs) ?? parseCompose(text);
    for (const p of raw.problems)
      this.ctx.facts.diagnostics.push({ level: 'error', file: f.display, line: p.line, column: p.column, message: p.message });
    // A compose file that gave no services because it does not parse (or is an alias bomb) was not used.
    const fatal = raw.problems[0];
    if (fatal && raw.services.length === 0) {
      this.ctx.skip(f, fatal.message, fatal.line);
      return;
    }
    const dir = dirname(f.abs);
    const dotenvFile = this.byAbs.get(join(dir, '.env'));
    const dotenv = dotenvFile ? parseEnvFile(readText(this.ctx, dotenvFile) ?? '') : {};
    const lookup = (n: string) => dotenv[n]?.value;
    const cf: ComposeFile = { file: f.display, name: raw.name, services: [] };
    if (raw.externalNetworks?.length) cf.externalNetworks = raw.externalNetworks;
    if (raw.subnets?.length)
      cf.subnets = raw.subnets.map((x) => ({ network: x.network, subnet: x.subnet, ref: refIn(this.ctx, f.display, x.line) }));
    const includers = [...this.rawCompose]
      .filter(([abs, r]) =>
        (r.include ?? []).some((i) => i.paths[0] !== undefined && resolve(dirname(abs), i.paths[0]) === f.abs),
      )
      .map(([abs]) => this.byAbs.get(abs)?.display ?? abs);
    if (includers.length === 1) cf.includedBy = includers[0];
    const baseAbs = this.overlayBase.get(f.abs);
    const baseNames = new Set(baseAbs ? (this.rawCompose.get(baseAbs)?.services ?? []).map((b) => b.name) : []);
    const overlays = this.overlaysOf.get(f.abs) ?? [];
    for (const own of raw.services) {
      // An override file's service of a base service is merged into the base's (one container, one launch).
      const mergedAway = baseNames.has(own.name);
      const s = mergeService(
        { file: f.display, raw: own },
        overlays.flatMap((o) => (o.raw.services ?? []).filter((x) => x.name === own.name).map((x) => ({ file: o.file, raw: x }))),
      );
      const v = s.value;
      const str = (x: unknown) =>
        typeof x === 'string' || typeof x === 'number' ? interpolate(String(x), lookup).value : undefined;
      const svc: ComposeService = {
        name: s.name,
        file: f.display,
        ref: refIn(this.ctx, f.display, s.line),
        image: str(v.image),
        environment: {},
        envFiles: [],
        ports: [],
        expose: [],
        networks: [],
        role: 'other',
        appServers: [],
      };
      if (typeof v.build === 'string') svc.build = { context: str(v.build) ?? '.' };
      else if (v.build && typeof v.build === 'object') {
        const b = v.build as Record<string, unknown>;
        svc.build = { context: str(b.context) ?? '.', dockerfile: str(b.dockerfile) };
        const target = str(b.target);
        if (target) svc.build.target = target;
      }
      // An image-only service runs the tree's Dockerfile that builds its image (the evidence goes in its notes).
      const tie =
        !svc.build && svc.image && !mergedAway
          ? this.imageDockerfile(svc.image, this.imageOnlyServices(), this.projectBuilds(f.abs))
          : undefined;
      if (tie) {
        svc.build = { context: relative(dir, tie.context) || '.', dockerfile: relative(tie.context, tie.docker.f.abs) };
        svc.imageBuild = { dockerfile: tie.docker.f.display, why: tie.why, ref: tie.ref };
      }
      const contextDir = svc.build ? resolve(dir, svc.build.context) : undefined;
      const built =
        svc.build && contextDir ? this.dockerfiles.get(resolve(contextDir, svc.build.dockerfile ?? 'Dockerfile')) : undefined;
      // `build.target`: the image is that stage of a multi-stage Dockerfile (its CMD, ENV, scripts), not the last.
      const docker = built && svc.build?.target ? this.stageOf(built, svc.build.target) : built;
      // The image's own CMD is what runs wherever the image is deployed without this file (ECS, Kubernetes,
      // `docker run`); a compose `command:`/`entrypoint:` replaces it only in this stack, so it stays a launch.
      if (mergedAway) {
        // the base file's service, merged with this one, runs it
      } else if (docker && v.command === undefined && v.entrypoint === undefined) docker.used = true;
      else if (docker) docker.overriddenBy = [...(docker.overriddenBy ?? []), { file: f.display, service: s.name }];
      // environment: Dockerfile ENV < env_file < environment
      const env: Record<string, Valued<string>> = {};
      svc.runEnv = env;
      if (docker)
        for (const [k, e] of Object.entries(docker.df.env))
          env[k] = {
            value: e.value,
            origin: 'env',
            envVar: k,
            ref: refIn(this.ctx, docker.f.display, e.line),
            note: 'Dockerfile ENV',
          };
      const envFiles = Array.isArray(v.env_file) ? v.env_file : v.env_file !== undefined ? [v.env_file] : [];
      for (const ef of envFiles) {
        const p =
          typeof ef === 'string' ? ef : ef && typeof ef === 'object' ? String((ef as Record<string, unknown>).path ?? '') : '';
        if (!p) continue;
        svc.envFiles.push(p);
        // A repository ships the env file as a template (`env_template`, `.env.example`) that users copy to `.env`.
        const file = this.byAbs.get(resolve(dir, p)) ?? this.envTemplateFor(resolve(dir, p));
        if (file) {
          svc.envFileRefs ??= [];
          svc.envFileRefs.push(refIn(this.ctx, file.display, 1));
          const t = readText(this.ctx, file);
          if (t !== undefined)
            for (const [k, e] of Object.entries(parseEnvFile(t))) {
              svc.envFileValues ??= {};
              svc.envFileValues[k] = { value: e.value, ref: refIn(this.ctx, file.display, e.line) };
              env[k] = {
                value: e.value,
                origin: 'env',
                envVar: k,
                ref: refIn(this.ctx, file.display, e.line),
                note:
                  file.abs === resolve(dir, p)
                    ? `env_file ${p}`
                    : `env_file ${p} (not in the tree; its template ${basename(file.abs)} read)`,
              };
            }
        }
      }
      const setEnv = (k: string, rawv: string, line: number, file: string) => {
        const it = interpolate(rawv, lookup);
        const ref = refIn(this.ctx, file, line);
        svc.environment[k] = {
          value: it.value,
          ref,
          origin: it.vars.length ? 'env' : 'literal',
          envVar: it.vars[0],
          ...(it.unresolved.length ? { unresolved: true } : {}),
        };
        env[k] = {
          value: it.value,
          origin: 'env',
          envVar: k,
          ref,
          note: it.vars.length
            ? `compose interpolation of ${it.vars.map((x) => `$${x}`).join(', ')}${it.unresolved.length ? ' (unset, empty)' : ''}`
            : 'compose environment',
        };
      };
      // The indentation and form of the entries (list `- K=v` or map `K: v`), for a fix that adds one: the file's own.
      const envLine = own.keyLine('environment');
      const ownEnv = own.value.environment;
      if (envLine > 0 && (Array.isArray(ownEnv) || (ownEnv && typeof ownEnv === 'object'))) {
        const lines = this.ctx.facts.sources.get(f.display) ?? [];
        const first =
          Array.isArray(ownEnv) || Object.keys(ownEnv as object).length ? lines[own.itemLine('environment', 0) - 1] : undefined;
        const keyIndent = /^\s*/.exec(lines[envLine - 1] ?? '')?.[0] ?? '';
        const itemIndent = first ? (/^\s*/.exec(first)?.[0] ?? '') : `${keyIndent}  `;
        svc.envKey = { ...refIn(this.ctx, f.display, envLine), itemIndent, list: Array.isArray(ownEnv) };
      }
      if (Array.isArray(v.environment)) {
        v.environment.forEach((item, i) => {
          const m = typeof item === 'string' ? /^([^=]+)=(.*)$/s.exec(item) : null;
          if (m) setEnv(m[1] as string, m[2] as string, s.itemLine('environment', i), s.fileOf('environment', i));
        });
      } else if (v.environment && typeof v.environment === 'object') {
        Object.entries(v.environment as Record<string, unknown>).forEach(([k, val], i) => {
          if (val !== null && val !== undefined) setEnv(k, String(val), s.itemLine('environment', i), s.fileOf('environment', i));
        });
      }
      if (Array.isArray(v.ports))
        v.ports.forEach((item, i) => {
          const it = typeof item === 'string' ? interpolate(item, lookup).value : item;
          for (const p of parseComposePort(it))
            svc.ports.push({ ...p, ref: refIn(this.ctx, s.fileOf('ports', i), s.itemLine('ports', i)) } as ComposePort);
        });
      if (Array.isArray(v.expose))
        v.expose.forEach((item, i) => {
          const n = Number.parseInt(String(str(item) ?? ''), 10);
          if (Number.isInteger(n))
            svc.expose.push({ port: n, ref: refIn(this.ctx, s.fileOf('expose', i), s.itemLine('expose', i)) });
        });
      if (Array.isArray(v.volumes)) {
        const binds: NonNullable<ComposeService['binds']> = [];
        v.volumes.forEach((item, i) => {
          const m = bindMountOf(typeof item === 'string' ? interpolate(item, lookup).value : item);
          if (!m) return;
          const source = resolve(dir, m.source);
          // The source as a display path (beside the compose file's own): what the proxy placement compares a
          // config file with (chain/topology/proxy.ts).
          const display = posix.join(posix.dirname(f.display), relative(dir, source).split(sep).join('/'));
          binds.push({
            source,
            target: m.target,
            ref: refIn(this.ctx, s.fileOf('volumes', i), s.itemLine('volumes', i)),
            display,
          });
        });
        if (binds.length > 0) svc.binds = binds;
      }
      const aliases = new Set<string>();
      for (const k of ['container_name', 'hostname']) if (typeof v[k] === 'string') aliases.add(str(v[k]) ?? '');
      if (v.networks && typeof v.networks === 'object' && !Array.isArray(v.networks))
        for (const n of Object.values(v.networks as Record<string, unknown>))
          if (n && typeof n === 'object' && Array.isArray((n as Record<string, unknown>).aliases))
            for (const a of (n as Record<string, unknown[]>).aliases as unknown[]) aliases.add(String(a));
      aliases.delete('');
      aliases.delete(s.name);
      if (aliases.size) svc.aliases = [...aliases];
      if (Array.isArray(v.networks)) svc.networks = v.networks.map(String);
      else if (v.networks && typeof v.networks === 'object') svc.networks = Object.keys(v.networks);
      if (typeof v.network_mode === 'string') svc.networkMode = v.network_mode;
      const argvOf = (x: unknown): string[] | undefined =>
        typeof x === 'string'
          ? shlexSplit(interpolate(x, lookup).value)
          : Array.isArray(x)
            ? x.map((a) => interpolate(String(a), lookup).value)
            : undefined;
      const cmd = argvOf(v.command);
      const ep = argvOf(v.entrypoint);
      if (cmd) svc.command = { argv: cmd, ref: refIn(this.ctx, s.fileOf('command'), s.keyLine('command')) };
      if (ep) svc.entrypoint = { argv: ep, ref: refIn(this.ctx, s.fileOf('entrypoint'), s.keyLine('entrypoint')) };
      svc.role = PROXY_IMAGE.test(svc.image ?? '') || PROXY_IMAGE.test(docker?.df.from ?? '') ? 'proxy' : 'other';
      // What runs: compose entrypoint/command override the image's (Docker semantics).
      let argv: string[] | undefined;
      let ref: SourceRef | undefined;
      const dockerEp = docker?.df.entrypoint;
      if (ep) {
        argv = [...ep, ...(cmd ?? [])];
        ref = svc.entrypoint?.ref;
        if (cmd) ref = svc.command?.ref;
      } else if (cmd) {
        argv = [...(dockerEp?.json ?? []), ...cmd];
        ref = svc.command?.ref;
      } else if (docker) {
        const d = dockerArgv(docker.df);
        if (d) {
          argv = d.argv;
          ref = refIn(this.ctx, docker.f.display, d.line);
        }
      }
      // Folders the container mounts hold the scripts its command runs (`bash /app/run.sh` with `.:/app`).
      const near = [contextDir, dir, ...(svc.binds ?? []).map((b) => b.source)].filter((x): x is string => !!x);
      if (argv && ref && !mergedAway) svc.runs = { argv, ref };
      if (argv && ref && !mergedAway) {
        const lc: Omit<LaunchContext, 'loadConfig' | 'versions'> = {
          via: 'compose',
          ref,
          service: s.name,
          env,
          container: true,
          ports: svc.ports,
          networkMode: svc.networkMode,
          notes: [
            ...(svc.envFiles.length ? [`env_file: ${svc.envFiles.join(', ')}`] : []),
            ...(tie
              ? [`image ${svc.image} is built from ${tie.docker.f.display}: ${tie.why} (${tie.ref.file}:${tie.ref.line})`]
              : []),
          ],
        };
        const stringEnv = Object.fromEntries(Object.entries(env).map(([k, e]) => [k, e.value]));
        // `command:` of only a server's options runs under the base image's ENTRYPOINT (as a Dockerfile's CMD).
        const launched = this.invocationsFor(argv, {
          unresolved: [],
          entrypointSet: Boolean(ep || dockerEp),
          image: docker?.df.from ?? svc.image,
          near,
          env: stringEnv,
          ...(docker ? { built: { f: docker.f, df: docker.df } } : {}),
        });
        let invs = launched.invs;
        if (launched.inheritedNote) lc.notes = [...lc.notes, launched.inheritedNote];
        if (launched.script) {
          const script = launched.script.file;
          for (const { inv, line } of launched.script.found) {
            svc.appServers.push(
              this.push(
                inv,
                {
                  ...lc,
                  ref: refIn(this.ctx, script.display, line),
                  notes: [...lc.notes, `started by ${basename(script.abs)} from service ${s.name}`],
                },
                near,
              ),
            );
          }
        }
        // `sh -c "..."` commands: variables expand with the service environment
        if (invs.length > 0 && invs.some((i) => i.unresolvedVars.length > 0)) {
          const sh = argv.findIndex((x) => /^-[a-z]*c$/.test(x));
          if (sh > 0 && argv[sh + 1])
            invs = splitCommands(argv[sh + 1] as string, (n) => stringEnv[n]).flatMap((c) =>
              findInvocations(
                c.argv.map((w) => w.text),
                c.assignments,
                c.argv.filter((w) => w.unresolved).flatMap((w) => w.vars),
                this.manageCommands,
              ),
            );
        }
        for (const inv of invs) svc.appServers.push(this.push(inv, lc, near));
      }
      if (svc.appServers.length > 0 && svc.role === 'other') svc.role = 'app';
      if (svc.role === 'app') this.outsideProxy(svc, v, s, raw.externalNetworks ?? [], f.display);
      if (s.overlays.length) svc.mergedFrom = s.overlays;
      if (mergedAway) svc.mergedInto = this.byAbs.get(baseAbs as string)?.display;
      cf.services.push(svc);
    }
    this.composeFiles.push(cf);
  }

  /**
   * Signs that a reverse proxy the files do not hold routes to this service (Coolify, Dokploy, a shared Traefik or
   * nginx-proxy on the host): router labels, nginx-proxy's VIRTUAL_HOST, an external network (made by the proxy's
   * own stack), or a comment of the compose file that says a proxy routes to the containers.
   */
  private outsideProxy(
    svc: ComposeService,
    v: Record<string, unknown>,
    s: { keyLine: (k: string) => number; itemLine: (k: string, i: number) => number; fileOf: (k: string, i?: number) => string },
    external: string[],
    file: string,
  ): void {
    const out: Array<{ why: string; ref: SourceRef }> = [];
    const labels: Array<[string, number]> = Array.isArray(v.labels)
      ? v.labels.map((l, i) => [String(l), s.itemLine('labels', i)])
      : v.labels && typeof v.labels === 'object'
        ? Object.entries(v.labels as Record<string, unknown>).map(([k, x], i) => [`${k}=${String(x)}`, s.itemLine('labels', i)])
        : [];
    const router = labels.find(([l]) => /^(traefik\.(enable|http\.)|caddy(_\d+)?[=.]|com\.centurylinklabs|coolify\.)/i.test(l));
    if (router)
      out.push({
        why: `label ${router[0].split('=')[0]}: a reverse proxy routes to it`,
        ref: refIn(this.ctx, s.fileOf('labels', labels.indexOf(router)), router[1] || s.keyLine('labels')),
      });
    const vh = svc.environment.VIRTUAL_HOST;
    if (vh) out.push({ why: 'VIRTUAL_HOST: nginx-proxy routes to it', ref: vh.ref });
    const net = svc.networks.find((n) => external.includes(n));
    if (net)
      out.push({
        why: `external network ${net}: created by another stack (the proxy's)`,
        ref: refIn(this.ctx, s.fileOf('networks'), s.keyLine('networks')),
      });
    if (svc.ports.length === 0) {
      const lines = this.ctx.facts.sources.get(file) ?? [];
      const i = lines.findIndex((l) =>
        /^\s*#.*\b(traefik|coolify|dokploy|caprover|caddy|nginx-proxy|reverse[- ]proxy)\b/i.test(l),
      );
      if (i >= 0)
        out.push({ why: 'the compose file says a reverse proxy routes to its containers', ref: refIn(this.ctx, file, i + 1) });
    }
    if (out.length) svc.outsideProxy = out;
  }

  /** The committed template of an env file that is not in the tree: `.env` <- `env_template`, `.env.example`... */
  private envTemplateFor(abs: string): DiscoveredFile | undefined {
    const dir = dirname(abs);
    const stem = basename(abs)
      .replace(/^\./, '')
      .replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const re = new RegExp(
      `^\\.?(${stem}[._-]?(template|example|sample|dist|default|tmpl)|(template|example|sample)[._-]?\\.?${stem})$`,
      'i',
    );
    return this.ctx.files.find((f) => dirname(f.abs) === dir && re.test(basename(f.abs)));
  }

  /**
   * The image's own CMD, for a Dockerfile no compose service runs as built. When compose services run it with their
   * own `command:`, the CMD is still what runs wherever the image is deployed without that file (ECS, Kubernetes,
   * `docker run`), but only a CMD that listens on a port none of those services does is another deployment (a
   * dev stack's `-b :8081 --reload` against the image's `-b :8080`); the same listener is the same server.
   */
  private imageDefault(d: { f: DiscoveredFile; df: Dockerfile; overriddenBy?: Array<{ file: string; service: string }> }): void {
    const all = this.ctx.facts.appServers;
    const before = all.length;
    this.dockerfileAlone(d.f, d.df);
    if (!d.overriddenBy || all.length === before) return;
    const portsOf = (s: AppServerFacts) =>
      s.binds.flatMap((b): string[] => (b.port !== undefined ? [String(b.port)] : b.path ? [`unix:${b.path}`] : []));
    const overriding = new Set(
      all
        .slice(0, before)
        .filter((s) => s.launch.via === 'compose' && d.overriddenBy?.some((o) => o.service === s.service))
        .flatMap(portsOf),
    );
    const added = all.slice(before);
    if (added.every((s) => portsOf(s).every((p) => overriding.has(p)))) all.length = before;
  }

  private dockerfileAlone(f: DiscoveredFile, df: Dockerfile): void {
    const d = dockerArgv(df);
    if (!d) return;
    const env: Record<string, Valued<string>> = {};
    for (const [k, e] of Object.entries(df.env))
      env[k] = { value: e.value, origin: 'env', envVar: k, ref: refIn(this.ctx, f.display, e.line), note: 'Dockerfile ENV' };
    const stringEnv = Object.fromEntries(Object.entries(env).map(([k, e]) => [k, e.value]));
    const lc: Omit<LaunchContext, 'loadConfig' | 'versions'> = {
      via: 'dockerfile',
      ref: refIn(this.ctx, f.display, d.line),
      env,
      container: true,
      dockerOnly: true,
      notes: df.expose.length
        ? [`EXPOSE ${df.expose.map((e) => e.port).join(' ')} (line ${df.expose[0]?.line}); published only by \`docker run -p\``]
        : [],
    };
    const near = [dirname(f.abs)];
    let invs = findInvocations(d.argv, {}, [], this.manageCommands);
    if (d.argv[0] === '/bin/sh' && d.argv[1] === '-c')
      invs = splitCommands(d.argv[2] ?? '', (n) => stringEnv[n]).flatMap((c) =>
        findInvocations(
          c.argv.map((w) => w.text),
          c.assignments,
          c.argv.filter((w) => w.unresolved).flatMap((w) => w.vars),
          this.manageCommands,
        ),
      );
    if (invs.length === 0) {
      const script = this.scriptIn(d.argv, near, { f, df });
      if (script) {
        this.consumedScripts.add(script.abs);
        for (const { inv, line } of this.scriptInvocations(script, stringEnv))
          this.onPlatform(this.push(inv, { ...lc, ref: refIn(this.ctx, script.display, line) }, near), f);
        invs = this.passedThrough(script);
      }
    }
    if (invs.length === 0 && !df.entrypoint) {
      const inherited = baseEntrypointServer(d.argv, df.from);
      if (inherited) {
        invs = [inherited.inv];
        lc.notes = [...(lc.notes ?? []), inherited.note];
      }
    }
    for (const inv of invs) this.onPlatform(this.push(inv, lc, near), f);
  }

  // ------------------------------------------------------------------ Kubernetes workloads (manifests, Helm templates)

  private kubernetes(files: DiscoveredFile[]): void {
    const manifests: Array<{ f: DiscoveredFile; m: KubeManifest }> = [];
    for (const f of files) {
      const name = basename(f.abs);
      // Kubernetes YAML is a config (model/limits.ts); the kube collector notes a file over the limit.
      if (!/\.ya?ml(\.[\w]+)?$/i.test(name) || isComposeFile(name) || f.size > MAX_CONFIG_BYTES) continue;
      const text = readText(this.ctx, f, MAX_CONFIG_BYTES);
      if (text === undefined || !looksLikeKubeManifest(text)) continue;
      guarded(this.ctx, f.display, () => {
        const m = parseKubeManifest(text);
        if (m) manifests.push({ f, m });
      });
    }
    if (manifests.length === 0) return;
    const configMaps: Array<KubeConfigMapRaw & { file: string }> = manifests.flatMap(({ f, m }) =>
      m.configMaps.map((c) => ({ ...c, file: f.display })),
    );
    this.ctx.facts.workloads ??= { workloads: [], entries: [] };
    const wf = this.ctx.facts.workloads;
    for (const { f, m } of manifests) {
      for (const e of m.entries)
        wf.entries.push({
          kind: e.kind,
          name: e.name,
          ref: refIn(this.ctx, f.display, e.line),
          declared: refIn(this.ctx, f.display, e.kindLine),
          tls: e.tlsLine ? refIn(this.ctx, f.display, e.tlsLine) : undefined,
        });
      for (const w of m.workloads) guarded(this.ctx, f.display, () => this.kubeWorkload(f, w, configMaps, wf.workloads));
    }
  }

  private kubeWorkload(
    f: DiscoveredFile,
    w: KubeManifest['workloads'][number],
    configMaps: Array<KubeConfigMapRaw & { file: string }>,
    out: KubeWorkload[],
  ): void {
    const lines = this.ctx.facts.sources.get(f.display) ?? this.ctx.read(f).toString('utf8').split(/\r?\n/);
    const kw: KubeWorkload = {
      kind: w.kind,
      name: w.name,
      file: f.display,
      ref: refIn(this.ctx, f.display, w.line),
      hostNetwork: w.hostNetwork,
      containers: [],
    };
    out.push(kw);
    const near = [dirname(f.abs), dirname(dirname(f.abs))];
    const played = this.kubePlays.get(f.abs);
    // A Helm chart's values.yaml (next to templates/) explains placeholders; the chart root is near too.
    for (const c of w.containers) {
      const envKeyText = c.envKey ? (lines[c.envKey.line - 1] ?? '') : '';
      // A Helm image (`{{ .Values.nginx.image.repository }}:...`) is resolved with the chart's values.yaml.
      const imageValues =
        c.image && /__tpl_/.test(c.image) && c.imageLine
          ? valuesForLines(this.ctx, f.display, f.abs, c.imageLine, c.imageLine)
          : undefined;
      const image = imageValues ? c.image?.replace(/__tpl_[A-Za-z0-9_]*__/g, (m) => imageValues.get(m) ?? m) : c.image;
      const kc: KubeWorkload['containers'][number] = {
        name: c.name,
        image,
        proxy: PROXY_IMAGE.test(image ?? ''),
        ref: refIn(this.ctx, f.display, c.line),
        envKey: c.envKey
          ? { line: c.envKey.line, itemIndent: c.envKey.itemIndent ?? `${/^\s*/.exec(envKeyText)?.[0] ?? ''}  ` }
          : undefined,
        appServers: [],
      };
      for (const m of c.configMapMounts) {
        // The ConfigMap of that name; a templated name only when one ConfigMap matches it.
        const like = configMaps.filter((x) => sameKubeName(x.name, m.configMap));
        const cm = configMaps.find((x) => x.name === m.configMap) ?? (like.length === 1 ? like[0] : undefined);
        if (!cm) continue;
        for (const [key, d] of Object.entries(cm.data))
          if (!m.keys || m.keys.includes(key)) {
            kc.configFiles ??= [];
            kc.configFiles.push({
              configMap: cm.name,
              key,
              file: cm.file,
              line: d.line,
              mountPath: m.mountPath,
              ref: refIn(this.ctx, f.display, m.line || c.line),
            });
          }
      }
      kw.containers.push(kc);
      // No `command:`/`args:`: the container runs its image's ENTRYPOINT/CMD, known when the tree builds the image.
      const tie =
        !c.argv && image && !kc.proxy
          ? this.imageDockerfile(
              image,
              w.containers.map((x) => x.image ?? ''),
            )
          : undefined;
      const imageCmd = tie ? dockerArgv(tie.docker.df) : undefined;
      const cArgv = c.argv ?? imageCmd?.argv;
      if (!cArgv) continue;
      kc.runs = {
        argv: cArgv,
        ref: tie && imageCmd ? refIn(this.ctx, tie.docker.f.display, imageCmd.line) : refIn(this.ctx, f.display, c.line),
      };
      const env: Record<string, Valued<string>> = {};
      const notes: string[] = [];
      if (tie && imageCmd) {
        tie.docker.used = true;
        near.push(tie.context);
        notes.push(`image ${image} is built from ${tie.docker.f.display}: ${tie.why} (${tie.ref.file}:${tie.ref.line})`);
        for (const [k, e] of Object.entries(tie.docker.df.env))
          env[k] = {
            value: e.value,
            origin: 'env',
            envVar: k,
            ref: refIn(this.ctx, tie.docker.f.display, e.line),
            note: 'Dockerfile ENV',
          };
      }
      for (const src of c.envSources) {
        const cm = src.kind === 'configMap' ? configMaps.find((x) => sameKubeName(x.name, src.name)) : undefined;
        if (cm)
          for (const [k, e] of Object.entries(cm.data))
            env[k] = {
              value: e.value,
              origin: 'env',
              envVar: k,
              ref: refIn(this.ctx, cm.file, e.line),
              note: `ConfigMap ${cm.name}`,
            };
        else
          notes.push(
            `envFrom ${src.kind} ${src.name} (line ${src.line}) is not among the linted files: variables set there are unknown`,
          );
      }
      for (const [k, e] of Object.entries(c.env))
        env[k] = { value: e.value, origin: 'env', envVar: k, ref: refIn(this.ctx, f.display, e.line), note: 'container env' };
      for (const k of c.envFrom) {
        const ref = c.valueFrom[k];
        const got = ref ? valueFromConfigMap(ref, configMaps, sameKubeName) : undefined;
        if (got && 'value' in got)
          env[k] = {
            value: got.value,
            origin: 'env',
            envVar: k,
            ref: refIn(this.ctx, got.file, got.line),
            note: `ConfigMap ${got.configMap} (container env valueFrom, ${f.display}:${ref?.line})`,
          };
        // The kubelet skips an optional reference to a missing key: the image's or envFrom's value stays.
        else if (got && 'unset' in got) notes.push(`${k}: ${got.why}`);
        else
          env[k] = {
            value: '',
            origin: 'unknown',
            envVar: k,
            note: `container env valueFrom ${got?.unknown ?? '(a Secret, ConfigMap or field)'}`,
          };
      }
      const stringEnv = Object.fromEntries(
        Object.entries(env)
          .filter(([, e]) => e.origin !== 'unknown')
          .map(([k, e]) => [k, e.value]),
      );
      const [from, to] = c.argvLines ?? [c.line, c.line];
      const lineOf = (kind: string): number => {
        const re = new RegExp(`\\b${kind}\\b`);
        for (let l = from; l <= to && l <= lines.length; l++) if (re.test(lines[l - 1] ?? '')) return l;
        return from;
      };
      const lc = (line: number): Omit<LaunchContext, 'loadConfig' | 'versions'> => ({
        via: 'k8s',
        ref: tie && imageCmd ? refIn(this.ctx, tie.docker.f.display, imageCmd.line) : refIn(this.ctx, f.display, line),
        service: w.name || c.name,
        env,
        container: true,
        ports: played?.ports ?? [],
        networkMode: w.hostNetwork ? 'host' : undefined,
        notes: [
          ...notes,
          `${w.kind} ${w.name || '(unnamed)'}, container ${c.name || '(unnamed)'}`,
          ...(played ? [`played by the Podman quadlet ${played.unit} (podman kube play)`] : []),
        ],
      });
      // Helm: `.Values` placeholders in the command take the chart's default values (what `helm template` renders);
      // a value that is a whole word (extraArgs) may hold several arguments.
      const chart = valuesForLines(this.ctx, f.display, f.abs, from, to);
      const argv = chart.size
        ? cArgv.flatMap((w) =>
            chart.has(w) ? shlexSplit(chart.get(w) as string) : [w.replace(/__tpl_[A-Za-z0-9_]*__/g, (m) => chart.get(m) ?? m)],
          )
        : cArgv;
      let invs = findInvocations(argv, {}, [], this.manageCommands);
      const sh = argv.findIndex((x) => /^-[a-z]*c$/.test(x));
      if ((invs.length === 0 || invs.some((i) => i.unresolvedVars.length > 0)) && sh > 0 && argv[sh + 1] !== undefined)
        invs = splitCommands(argv[sh + 1] as string, (n) => stringEnv[n]).flatMap((cmd) =>
          findInvocations(
            cmd.argv.map((x) => x.text),
            cmd.assignments,
            cmd.argv.filter((x) => x.unresolved).flatMap((x) => x.vars),
            this.manageCommands,
          ),
        );
      if (invs.length === 0) {
        const script = this.scriptIn(argv, near);
        if (script) {
          this.consumedScripts.add(script.abs);
          invs = this.passedThrough(script);
          for (const { inv, line } of this.scriptInvocations(script, stringEnv))
            kc.appServers.push(
              this.push(
                inv,
                {
                  ...lc(from),
                  ref: refIn(this.ctx, script.display, line),
                  notes: [...lc(from).notes, `started by ${basename(script.abs)} from ${w.kind} ${w.name}`],
                },
                near,
              ),
            );
        }
      }
      for (const inv of invs) {
        const line = lineOf(inv.kind);
        const i = this.push(inv, lc(line), near);
        kc.appServers.push(i);
        this.helmFeeds(f, line, this.ctx.facts.appServers[i] as AppServerFacts);
      }
    }
  }

  /** The chart's values written into a launch line (`{{ .Values.web.extraArgs }}`): where an operator edits. */
  private helmFeeds(f: DiscoveredFile, line: number, s: AppServerFacts): void {
    const text = this.ctx.facts.sources.get(f.display)?.[line - 1] ?? '';
    for (const v of valuesOnLine(this.ctx, f.display, f.abs, line)) {
      if (!v.value) continue;
      const expr = v.path.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\.');
      const appends = new RegExp(`(^|[\\s'"])\\{\\{-?\\s*\\$?\\.Values\\.${expr}\\b[^}]*\\}\\}(?=$|[\\s'"\\]])`).test(text);
      s.valuesFeeds ??= [];
      s.valuesFeeds.push({
        path: v.path.join('.'),
        value: v.value.value,
        ref: refIn(this.ctx, v.value.file, v.value.line),
        appends,
      });
    }
  }

  // ------------------------------------------------------------------ systemd, Procfile, supervisord, scripts

  /** A unit file, or one shown in a Markdown fence (`fenced`: its line-preserving text and the name the guide gives it). */
  private systemd(f: DiscoveredFile, fenced?: FencedUnit): void {
    const text = fenced ? fenced.text : readText(this.ctx, f);
    if (text === undefined) return;
    if (!fenced) this.ctx.claimed.add(f.abs);
    const unit = parseSystemdUnit(text);
    const svc = unit.sections.get('Service');
    if (!svc) return;
    const envLines = systemdEnvironment(svc.get('Environment') ?? []);
    const env: Record<string, Valued<string>> = {};
    for (const [k, e] of Object.entries(envLines))
      env[k] = {
        value: e.value,
        origin: 'env',
        envVar: k,
        ref: refIn(this.ctx, f.display, e.line),
        note: 'systemd Environment=',
      };
    const notes: string[] = [];
    const near = [dirname(f.abs)];
    for (const ef of svc.get('EnvironmentFile') ?? []) {
      const p = ef.value.replace(/^-/, '');
      const hit = this.ctx.files.find((x) => x.abs.endsWith(p.replace(/^\//, sep)) || basename(x.abs) === basename(p));
      const t = hit ? readText(this.ctx, hit) : undefined;
      if (hit && t !== undefined) {
        for (const [k, e] of Object.entries(parseEnvFile(t)))
          if (!env[k])
            env[k] = {
              value: e.value,
              origin: 'env',
              envVar: k,
              ref: refIn(this.ctx, hit.display, e.line),
              note: `EnvironmentFile=${p}`,
            };
      } else notes.push(`EnvironmentFile=${p} (line ${ef.line}) is not among the linted files: variables set there are unknown`);
    }
    const wd = svc.get('WorkingDirectory')?.at(-1)?.value;
    if (wd) {
      // map WorkingDirectory=/srv/app/mysite onto a linted folder by its last segments
      const segs = wd.split('/').filter(Boolean);
      for (let k = segs.length; k >= 1; k--) {
        const tail = segs.slice(-k).join(sep);
        const hit = this.ctx.files.find((x) => dirname(x.abs).endsWith(sep + tail));
        if (hit) {
          near.unshift(dirname(hit.abs).slice(0, dirname(hit.abs).length - tail.length) + tail);
          break;
        }
      }
    }
    const stringEnv = Object.fromEntries(Object.entries(env).map(([k, e]) => [k, e.value]));
    const unitName = fenced ? (fenced.unitName ?? 'service') : renderedName(basename(f.abs)).replace(/\.service$/, '');
    // A fenced unit's socket (the guide's next fence) is not looked up: the service's own --bind is read.
    const activation = fenced ? undefined : this.socketUnitFor(f, unit);
    for (const ex of svc.get('ExecStart') ?? []) {
      if (!ex.value) continue;
      const { argv, unresolved } = systemdExecArgv(ex.value, stringEnv);
      const lc: Omit<LaunchContext, 'loadConfig' | 'versions'> = {
        via: 'systemd',
        ref: refIn(this.ctx, f.display, ex.line),
        service: unitName,
        env,
        container: false,
        notes,
      };
      // `ExecStart=/usr/bin/docker run -p 8000:8000 IMAGE gunicorn ...`: the server runs in that container.
      const run = dockerRunLine(argv, lc.ref);
      let invs = run ? [] : findInvocations(argv, {}, unresolved, this.manageCommands);
      if (run) {
        invs = findInvocations(run.command, {}, unresolved, this.manageCommands);
        Object.assign(lc, dockerRunContext(run));
        if (run.command.length === 0) this.publishImageRun(run);
      }
      if (invs.length === 0 && !run) {
        const script = this.scriptIn(argv, near);
        if (script) {
          this.consumedScripts.add(script.abs);
          for (const { inv, line } of this.scriptInvocations(script, stringEnv))
            this.push(inv, { ...lc, ref: refIn(this.ctx, script.display, line) }, near);
          invs = this.passedThrough(script, unresolved);
        }
      }
      for (const inv of invs) {
        const i = this.push(inv, lc, near);
        if (activation) this.socketActivated(this.ctx.facts.appServers[i] as AppServerFacts, activation);
      }
      invs = [];
    }
  }

  /**
   * A Podman quadlet `.container` unit (podman-systemd.unit(5)): systemd runs `podman run [PublishPort=...]
   * [Environment=...] [--entrypoint Entrypoint=] Image= Exec=`. Exec= are the arguments after the image (they replace
   * its CMD; only a server's options run under the image's ENTRYPOINT), PublishPort= has `podman --publish`'s
   * `[ip:][hostPort:]containerPort` form, `Network=host` shares the host's network, and `Pod=x.pod` takes the pod's
   * PublishPort= and Network=.
   */
  private quadlet(f: DiscoveredFile): void {
    const text = readText(this.ctx, f);
    if (text === undefined) return;
    const unit = parseSystemdUnit(text);
    const c = unit.sections.get('Container');
    if (!c) return;
    this.ctx.claimed.add(f.abs);
    const env: Record<string, Valued<string>> = {};
    for (const [k, e] of Object.entries(systemdEnvironment(c.get('Environment') ?? [])))
      env[k] = {
        value: e.value,
        origin: 'env',
        envVar: k,
        ref: refIn(this.ctx, f.display, e.line),
        note: 'quadlet Environment=',
      };
    const stringEnv = Object.fromEntries(Object.entries(env).map(([k, e]) => [k, e.value]));
    // The pod the container joins publishes the ports and owns the network.
    let portLines: Array<{ value: string; line: number; file: string }> = (c.get('PublishPort') ?? []).map((x) => ({
      ...x,
      file: f.display,
    }));
    let network = c.get('Network')?.at(-1)?.value;
    const podName = c.get('Pod')?.at(-1)?.value;
    const pod = podName
      ? this.ctx.files.find((x) => renderedName(basename(x.abs)) === basename(podName) && dirname(x.abs) === dirname(f.abs))
      : undefined;
    const podText = pod ? readText(this.ctx, pod) : undefined;
    if (pod && podText !== undefined) {
      this.ctx.claimed.add(pod.abs);
      const ps = parseSystemdUnit(podText).sections.get('Pod');
      portLines = [...portLines, ...(ps?.get('PublishPort') ?? []).map((x) => ({ ...x, file: pod.display }))];
      network = ps?.get('Network')?.at(-1)?.value ?? network;
    }
    const ports: ComposePort[] = portLines.flatMap((x) =>
      parseComposePort(x.value).map(
        (p) => ({ ...p, ref: refIn(this.ctx, x.file, x.line), by: `the Podman quadlet ${basename(f.display)}` }) as ComposePort,
      ),
    );
    const exec = c.get('Exec')?.at(-1);
    const ep = c.get('Entrypoint')?.at(-1);
    if (!exec) return;
    // Exec= is podman's argument list, not an ExecStart= (no `-`/`@` prefixes): shell-like words.
    const args = shlexSplit(exec.value);
    const argv = ep ? [...shlexSplit(ep.value), ...args] : args;
    const unresolved = argv.flatMap((a) => [...a.matchAll(/\$\{?(\w+)/g)].map((m) => m[1] as string));
    const image = c.get('Image')?.at(-1)?.value;
    const lc: Omit<LaunchContext, 'loadConfig' | 'versions'> = {
      via: 'systemd',
      ref: refIn(this.ctx, f.display, exec.line),
      service: renderedName(basename(f.abs)).replace(/\.container$/, ''),
      env,
      container: true,
      ports,
      networkMode: network === 'host' ? 'host' : undefined,
      notes: [`Podman quadlet: podman run ${image ?? '(no Image=)'} with Exec= as its arguments`],
    };
    const near = [dirname(f.abs)];
    const launched = this.invocationsFor(argv, { unresolved, entrypointSet: Boolean(ep), image, near, env: stringEnv });
    if (launched.inheritedNote) lc.notes = [...lc.notes, launched.inheritedNote];
    if (launched.script) {
      const script = launched.script.file;
      for (const { inv, line } of launched.script.found)
        this.push(inv, { ...lc, ref: refIn(this.ctx, script.display, line) }, near);
    }
    for (const inv of launched.invs) this.push(inv, lc, near);
  }

  /**
   * A Podman quadlet `.kube` unit (podman-systemd.unit(5), [Kube]): systemd runs `podman kube play` of `Yaml=` (a
   * path relative to the unit's folder) with the unit's `PublishPort=` (`[ip:][hostPort:]containerPort`, as
   * `podman --publish`). The YAML's workloads are read as Kubernetes manifests; these ports publish their binds.
   */
  private kubeQuadlet(f: DiscoveredFile): void {
    const text = readText(this.ctx, f);
    if (text === undefined) return;
    const k = parseSystemdUnit(text).sections.get('Kube');
    const yamlPath = k?.get('Yaml')?.at(-1)?.value;
    if (!k || !yamlPath) return;
    this.ctx.claimed.add(f.abs);
    const unit = renderedName(basename(f.abs));
    const abs = resolve(dirname(f.abs), yamlPath);
    const ports: ComposePort[] = (k.get('PublishPort') ?? []).flatMap((x) =>
      parseComposePort(x.value).map(
        (p) => ({ ...p, ref: refIn(this.ctx, f.display, x.line), by: `the Podman quadlet ${unit}` }) as ComposePort,
      ),
    );
    this.kubePlays.set(abs, { unit, ports });
  }

  /**
   * The .socket unit that hands this service its listening sockets (systemd.socket(5)): the same unit name, a
   * socket unit whose `Service=` names it, or a `.socket` the service Requires/Wants/BindsTo (placeholder names
   * such as `%APP%.socket` match any socket unit, when the tree holds exactly one).
   */
  private socketUnitFor(
    f: DiscoveredFile,
    unit: ReturnType<typeof parseSystemdUnit>,
  ): { file: DiscoveredFile; listens: Array<{ value: string; line: number }> } | undefined {
    const sockets = this.ctx.files.filter((x) => /\.socket$/.test(renderedName(basename(x.abs))));
    if (sockets.length === 0) return undefined;
    const name = renderedName(basename(f.abs)).replace(/\.service$/, '');
    const read = (x: DiscoveredFile) => {
      const t = readText(this.ctx, x);
      return t === undefined ? undefined : parseSystemdUnit(t);
    };
    const listensOf = (x: DiscoveredFile) => {
      const u = read(x);
      const l = u?.sections.get('Socket')?.get('ListenStream') ?? [];
      return l.length ? { file: x, listens: l } : undefined;
    };
    const same = sockets.find((x) => renderedName(basename(x.abs)) === `${name}.socket`);
    if (same) return listensOf(same);
    for (const x of sockets) {
      const svc = read(x)?.sections.get('Socket')?.get('Service')?.at(-1)?.value;
      if (svc === `${name}.service`) return listensOf(x);
    }
    const wanted = ['Requires', 'Wants', 'BindsTo', 'After']
      .flatMap((k) => unit.sections.get('Unit')?.get(k) ?? [])
      .flatMap((v) => v.value.split(/\s+/))
      .filter((v) => v.endsWith('.socket'));
    for (const w of wanted) {
      const exact = sockets.find((x) => renderedName(basename(x.abs)) === w);
      if (exact) return listensOf(exact);
      if (/%[A-Za-z_]+%|__tpl_|\$\{?[A-Za-z_]/.test(w) && sockets.length === 1) return listensOf(sockets[0] as DiscoveredFile);
    }
    return undefined;
  }

  /**
   * gunicorn started by systemd socket activation listens on the sockets systemd passes (LISTEN_FDS), not on its
   * bind setting (gunicorn/systemd.py, gunicorn/arbiter.py); a ListenStream path is a unix socket, whose peers
   * gunicorn always trusts. uvicorn takes an inherited socket only with --fd: its own bind stays.
   */
  private socketActivated(
    s: AppServerFacts,
    act: { file: DiscoveredFile; listens: Array<{ value: string; line: number }> },
  ): void {
    if (s.kind !== 'gunicorn') return;
    const binds: AppServerFacts['binds'] = [];
    for (const l of act.listens) {
      const ref = refIn(this.ctx, act.file.display, l.line);
      const v = l.value.trim();
      if (v.startsWith('/') || v.startsWith('@') || /^%[A-Za-z_]+%/.test(v) || (/\//.test(v) && !/^\[?[\d.:]+\]?:?\d*$/.test(v)))
        binds.push({ kind: 'unix', path: v, exposure: 'unix', reach: 'unix', ref });
      else {
        const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(v);
        const host = m ? ((m[1] ?? m[2]) as string) : '::';
        const port = Number(m ? m[3] : v);
        const exposure = exposureOf(host);
        binds.push({
          kind: 'tcp',
          host,
          port: Number.isInteger(port) ? port : undefined,
          exposure,
          reach: exposure === 'loopback' ? 'loopback' : 'network',
          ref,
        });
      }
    }
    if (binds.length === 0) return;
    s.binds = binds;
    s.notes?.push(
      `socket activation: systemd passes the sockets of ${basename(act.file.abs)} (ListenStream), which gunicorn uses instead of its bind setting`,
    );
  }

  private procfile(f: DiscoveredFile): void {
    const text = readText(this.ctx, f);
    if (text === undefined) return;
    this.ctx.claimed.add(f.abs);
    for (const p of parseProcfile(text)) {
      const env: Record<string, Valued<string>> = {
        ...this.appJsonEnv(dirname(f.abs)),
        PORT: { value: '$PORT', origin: 'env', envVar: 'PORT', note: 'set by the platform (Heroku, Dokku)' },
      };
      for (const c of splitCommands(p.command, () => undefined)) {
        for (const inv of findInvocations(
          c.argv.map((w) => w.text),
          c.assignments,
          c.argv
            .filter((w) => w.unresolved)
            .flatMap((w) => w.vars)
            .filter((v) => v !== 'PORT'),
          this.manageCommands,
        )) {
          this.push(
            inv,
            {
              via: 'procfile',
              ref: refIn(this.ctx, f.display, p.line),
              service: p.process,
              env,
              container: true,
              notes: ['Procfile: the platform routes to $PORT; only its router connects'],
            },
            [dirname(f.abs)],
          );
        }
      }
    }
  }

  /**
   * render.yaml (`runtime`/`env: docker`, `dockerfilePath`, default ./Dockerfile) and fly.toml (`[build] dockerfile`,
   * default Dockerfile next to it): the platform's proxy ends TLS and connects to the container from its own address.
   */
  private platforms(): void {
    for (const f of this.ctx.files) {
      if (!isPlatformBuildFile(f)) continue;
      const name = basename(f.abs);
      const text = readText(this.ctx, f);
      if (text === undefined) continue;
      const lines = text.split(/\r?\n/);
      const lineOf = (re: RegExp) => lines.findIndex((l) => re.test(l)) + 1;
      const at = (p: string, line: number) => {
        const hit = this.byAbs.get(resolve(dirname(f.abs), p));
        if (hit)
          this.platformOf.set(hit.abs, {
            name: name === 'render.yaml' ? 'Render' : 'Fly.io',
            ref: refIn(this.ctx, f.display, line),
          });
      };
      if (name === 'fly.toml') {
        const m = /^\s*dockerfile\s*=\s*["']([^"']+)["']/m.exec(text);
        at(m?.[1] ?? 'Dockerfile', m ? lineOf(/^\s*dockerfile\s*=/) : lineOf(/^\s*\[http_service\]|^\s*\[\[services\]\]/) || 1);
        continue;
      }
      for (let i = 0; i < lines.length; i++) {
        if (!/^\s*(env|runtime):\s*docker\b/.test(lines[i] as string)) continue;
        // the service's other keys: up to the next `- type:` item
        let end = i + 1;
        while (end < lines.length && end < i + 60 && !/^\s*-\s*(type|name):/.test(lines[end] as string)) end++;
        let start = i;
        while (start > 0 && start > i - 30 && !/^\s*-\s*(type|name):/.test(lines[start] as string)) start--;
        const dp = lines
          .slice(start, end)
          .map((x) => /^\s*dockerfilePath:\s*["']?([^"'\s]+)/.exec(x)?.[1])
          .find(Boolean);
        at(dp ?? './Dockerfile', i + 1);
        const hit = this.byAbs.get(resolve(dirname(f.abs), dp ?? './Dockerfile'));
        const entry = hit ? this.platformOf.get(hit.abs) : undefined;
        if (entry) entry.env = this.renderEnvVars(f.display, lines, start, end);
      }
    }
  }

  private onPlatform(index: number, dockerfile: DiscoveredFile): void {
    const p = this.platformOf.get(dockerfile.abs);
    const s = this.ctx.facts.appServers[index];
    if (p && s) {
      s.platform = { name: p.name, ref: p.ref };
      // The platform's environment for the service comes on top of the image's ENV.
      for (const [k, v] of Object.entries(p.env ?? {})) s.env[k] = v;
    }
  }

  /**
   * render.yaml `envVars:` of one service (lines start..end): `- key: K` with `value: V`; a key whose value is
   * generated, taken from a database or asked for in the dashboard (`sync: false`) is set to a value the files do
   * not hold (origin unknown).
   */
  private renderEnvVars(file: string, lines: string[], start: number, end: number): Record<string, Valued<string>> {
    const env: Record<string, Valued<string>> = {};
    for (let i = start; i < end; i++) {
      const k = /^\s*-\s*key:\s*["']?([A-Za-z_][A-Za-z0-9_]*)/.exec(lines[i] as string);
      if (!k) continue;
      let value: string | undefined;
      for (let j = i + 1; j < end && j < i + 8 && !/^\s*-\s/.test(lines[j] as string); j++) {
        const v = /^\s*value:\s*(.*?)\s*$/.exec(lines[j] as string);
        if (v) value = (v[1] as string).replace(/^(["'])(.*)\1$/, '$2');
      }
      const name = k[1] as string;
      env[name] =
        value === undefined
          ? {
              value: '',
              origin: 'unknown',
              envVar: name,
              ref: refIn(this.ctx, file, i + 1),
              note: 'render.yaml envVars: value set outside the files',
            }
          : { value, origin: 'env', envVar: name, ref: refIn(this.ctx, file, i + 1), note: 'render.yaml envVars' };
    }
    return env;
  }

  /**
   * Heroku's app manifest next to a Procfile (`app.json` `env`): the config vars a deploy sets. A var with a
   * `value` is set to it; a required or generated one to a value the files do not hold (origin unknown).
   */
  private appJsonEnv(dir: string): Record<string, Valued<string>> {
    const f = this.byAbs.get(join(dir, 'app.json'));
    const text = f ? readText(this.ctx, f) : undefined;
    if (!f || text === undefined) return {};
    let parsed: ReturnType<typeof parseJsonWithLines>;
    try {
      parsed = parseJsonWithLines(text, f.display);
    } catch {
      return {};
    }
    const envObj = (parsed.value as { env?: unknown } | null)?.env;
    if (!envObj || typeof envObj !== 'object' || Array.isArray(envObj)) return {};
    this.ctx.claimed.add(f.abs);
    const env: Record<string, Valued<string>> = {};
    for (const [k, v] of Object.entries(envObj as Record<string, unknown>)) {
      const ref = refIn(this.ctx, f.display, parsed.lineOf(['env', k, 'value']) ?? parsed.lineOf(['env', k]) ?? 1);
      const value = typeof v === 'string' ? v : v && typeof v === 'object' ? (v as { value?: unknown }).value : undefined;
      env[k] =
        typeof value === 'string'
          ? { value, origin: 'env', envVar: k, ref, note: 'app.json env (Heroku config var)' }
          : { value: '', origin: 'unknown', envVar: k, ref, note: 'app.json env: value chosen at deploy time' };
    }
    return env;
  }

  /** Dockerfiles whose command is supervisord: the config files they COPY/ADD from the tree. */
  private supervisordImages(): void {
    for (const d of this.dockerfiles.values()) {
      const argv = dockerArgv(d.df)?.argv ?? [];
      if (!argv.some((a) => /(^|\/)supervisord(\s|$)/.test(a))) continue;
      for (const { file } of treeCopies(d.df, this.ctx.files))
        if (/\.(conf|ini)$/.test(file.abs)) this.imageConfs.set(file.abs, d.f);
    }
  }

  /**
   * supervisord configs and systemd units a shell script, a Dockerfile or a Markdown shell fence writes
   * (collectors/written.ts: `sudo tee /etc/supervisor/conf.d/app.conf <<'EOF'`, `cat > /etc/systemd/system/app.service
   * <<EOF`, a multi-line `echo '...' > file`): each read as that file at the writer's lines, so the server it starts
   * links. The writer stays what it is (a script is still read for its own commands).
   */
  private writtenLaunchFiles(): void {
    for (const f of this.ctx.files) {
      if (f.size > MAX_SOURCE_BYTES) continue;
      const dockerfile = this.dockerfiles.get(f.abs);
      if (dockerfile) {
        // The image's own written files (formats.ts `Dockerfile.written`: echo/printf with `\n` escapes, `>>`
        // appends, here-documents), each line mapped back to its Dockerfile line: run by the image when its command
        // is supervisord (a config inside an image that runs something else runs nowhere these files show).
        const runs = (dockerArgv(dockerfile.df)?.argv ?? []).some((a) => /(^|\/)supervisord(\s|$)/.test(a));
        if (!runs) continue;
        for (const w of dockerfile.df.written ?? [])
          if (/\.(?:conf|ini)$/.test(w.path) && SUPERVISORD_PROGRAM.test(w.text))
            guarded(this.ctx, f.display, () =>
              this.supervisord(f, { text: w.text, lineOf: (n) => w.lines[n - 1] ?? 1, image: f }),
            );
        continue;
      }
      const markdown = isMarkdownName(basename(f.abs));
      if (!markdown && !this.isShellScript(f)) continue;
      const text = readText(this.ctx, f);
      if (text === undefined || (!text.includes('[Service]') && !SUPERVISORD_PROGRAM.test(text))) continue;
      let writers: Array<{ text: string }> = [{ text }];
      if (markdown) {
        // A fence read as a unit already (fencedSystemdUnits: an untagged fence holding `[Service]`) is not read twice.
        const units = new Set(fencedSystemdUnits(text).map((u) => u.line));
        writers = fencedBlocks(text).filter((b) => SHELL_TAGS.has(b.lang) && !units.has(b.line));
      }
      for (const wr of writers)
        for (const w of writtenFiles(wr.text)) {
          const target = basename(w.target);
          if (/\.service$/.test(target) && /^\s*\[Service\]\s*$/m.test(w.body) && /^\s*ExecStart\s*=/m.test(w.body)) {
            const unit: FencedUnit = {
              lang: '',
              line: w.line,
              text: w.text,
              body: w.body,
              unitName: target.replace(/\.service$/, ''),
            };
            guarded(this.ctx, f.display, () => this.systemd(f, unit));
          } else if (/\.(?:conf|ini)$/.test(target) && SUPERVISORD_PROGRAM.test(w.body))
            guarded(this.ctx, f.display, () => this.supervisord(f, { text: w.text, lineOf: (n) => n, image: undefined }));
        }
    }
  }

  /**
   * `docker run -p 8000:8000 web` with the image's own command, where a Dockerfile of the tree builds `web` (a build
   * command tagging it, the tree's only Dockerfile: imageDockerfile): the servers that image's CMD starts, placed
   * until now as "published only by whoever runs it", are published by that line's `-p` options.
   */
  private publishImageRun(run: DockerRunLine): void {
    if (run.ports.length === 0 || run.networkMode === 'host' || wellKnownImage(run.image)) return;
    const tie = this.imageDockerfile(run.image, []);
    if (!tie) return;
    const file = tie.docker.f.display;
    for (const a of this.ctx.facts.appServers) {
      if (a.launch.via !== 'dockerfile' || a.launch.file !== file) continue;
      let changed = false;
      for (const b of a.binds) {
        if (!b.container || b.published) continue;
        const r = reachOf(b, { container: true, ports: run.ports });
        if (!r.published) continue;
        b.reach = r.reach;
        b.published = { ...publishedBind(r.published), ...(r.published.by ? { by: r.published.by } : {}) };
        changed = true;
      }
      if (changed)
        a.notes = [
          ...(a.notes ?? []),
          `${run.ports[0]?.by ?? 'docker run -p'} (${run.ports[0]?.ref.file}:${run.ports[0]?.ref.line}) runs the image (${tie.why}) and publishes it`,
        ];
    }
  }

  /**
   * The compose service that builds `image` and runs its own CMD (no `command:`/`entrypoint:` of its own): the
   * container a supervisord program of that image runs in. Undefined for none, or several (which one is not known).
   */
  private serviceRunningImage(image: DiscoveredFile): ComposeService | undefined {
    const found: ComposeService[] = [];
    for (const b of this.composeBuilds()) {
      if (b.docker.f.abs !== image.abs) continue;
      const svc = this.composeFiles
        .filter((cf) => cf.file === b.ref.file)
        .flatMap((cf) => cf.services)
        .find((x) => x.name === b.service && !x.mergedInto);
      if (svc && !svc.command && !svc.entrypoint) found.push(svc);
    }
    return found.length === 1 ? found[0] : undefined;
  }

  /**
   * A supervisord config file, or one a script or Dockerfile writes (`by`: its text, the writer's line of each of
   * its lines, the image that runs it).
   */
  private supervisord(
    f: DiscoveredFile,
    by?: { text: string; lineOf: (line: number) => number; image: DiscoveredFile | undefined },
  ): void {
    // Every .conf is looked at; one over the limit (mayBeSupervisordConfig) is somebody else's (a generated nginx
    // config), not a note here.
    const text = by ? by.text : readText(this.ctx, f);
    if (text === undefined || !SUPERVISORD_PROGRAM.test(text)) return;
    if (!by) this.ctx.claimed.add(f.abs);
    for (const prog of parseSupervisord(text)) {
      if (!prog.command) continue;
      const env: Record<string, Valued<string>> = {};
      if (prog.environment)
        for (const [k, v] of Object.entries(supervisordEnvironment(prog.environment.value)))
          env[k] = {
            value: v,
            origin: 'env',
            envVar: k,
            ref: refIn(this.ctx, f.display, by ? by.lineOf(prog.environment.line) : prog.environment.line),
            note: 'supervisord environment=',
          };
      const argv = shlexSplit(prog.command.value);
      const image = by ? by.image : this.imageConfs.get(f.abs);
      let invs = findInvocations(argv, {}, [], this.manageCommands);
      // `bash -c "cd /app && ... && gunicorn ..."`: the shell string holds the server.
      const sh = argv.findIndex((x) => /^-[a-z]*c$/.test(x));
      if (invs.length === 0 && sh > 0 && argv[sh + 1] !== undefined)
        invs = splitCommands(argv[sh + 1] as string, () => undefined).flatMap((c) =>
          findInvocations(
            c.argv.map((w) => w.text),
            c.assignments,
            c.argv.filter((w) => w.unresolved).flatMap((w) => w.vars),
            this.manageCommands,
          ),
        );
      // The compose service that runs the image is the container: its `ports:` publish the program's bind, and its
      // name is the one a proxy reaches it by (issue 12: supervisord inside images, "reachable only through what
      // publishes it").
      const svc = image ? this.serviceRunningImage(image) : undefined;
      for (const inv of invs) {
        const i = this.push(
          inv,
          {
            via: 'supervisord',
            ref: refIn(this.ctx, f.display, by ? by.lineOf(prog.command.line) : prog.command.line),
            service: svc?.name ?? prog.program,
            env,
            container: image !== undefined,
            dockerOnly: image !== undefined && !svc,
            ...(svc ? { ports: svc.ports, ...(svc.networkMode ? { networkMode: svc.networkMode } : {}) } : {}),
            notes: image
              ? [
                  `supervisord runs it inside the image of ${image.display} (CMD supervisord)${svc ? `, in the container of compose service ${svc.name}` : ''}`,
                ]
              : [],
          },
          [dirname(f.abs)],
        );
        if (svc) {
          svc.appServers.push(i);
          if (svc.role === 'other') svc.role = 'app';
        }
        if (image) this.onPlatform(i, image);
      }
    }
  }

  /**
   * The servers a container's command starts (a compose service, a quadlet): a server command itself; else, with no
   * ENTRYPOINT set, a command of only a server's options under the base image's ENTRYPOINT (`inheritedNote` says so);
   * else the servers of a script the command runs (marked consumed), each with its line.
   */
  private invocationsFor(
    argv: string[],
    o: {
      unresolved: string[];
      entrypointSet: boolean;
      image: string | undefined;
      near: string[];
      env: Record<string, string>;
      built?: ImageScripts;
    },
  ): {
    invs: FoundInvocation[];
    inheritedNote?: string;
    script?: { file: ScriptFile; found: Array<{ inv: FoundInvocation; line: number }> };
  } {
    const invs = findInvocations(argv, {}, o.unresolved, this.manageCommands);
    if (invs.length > 0) return { invs };
    const inherited = o.entrypointSet ? undefined : baseEntrypointServer(argv, o.image);
    if (inherited) return { invs: [inherited.inv], inheritedNote: inherited.note };
    const file = this.scriptIn(argv, o.near, o.built);
    if (!file) return { invs };
    this.consumedScripts.add(file.abs);
    const passed = this.passedArgs(file);
    const found = this.scriptInvocations(file, o.env);
    const handed = passed ? findInvocations(passed, {}, o.unresolved, this.manageCommands) : [];
    // A wait-for entrypoint handing over to `bash /app/run.sh`: the servers are that script's.
    const next = passed && handed.length === 0 && found.length === 0 ? this.scriptIn(passed, o.near, o.built) : undefined;
    if (next && next.abs !== file.abs) {
      this.consumedScripts.add(next.abs);
      return { invs: [], script: { file: next, found: this.scriptInvocations(next, o.env) } };
    }
    return { invs: handed, script: { file, found } };
  }

  /** Server invocations in a script, each with its line; tracks `export X=...` and `X=...` as it goes. */
  private scriptInvocations(
    f: DiscoveredFile & Partial<ScriptFile>,
    baseEnv: Record<string, string>,
    dockerRuns = false,
  ): Array<{ inv: FoundInvocation; line: number; run?: DockerRunLine }> {
    const text = f.text ?? readText(this.ctx, f);
    if (text === undefined) return [];
    const vars: Record<string, string> = { ...baseEnv };
    const out: Array<{ inv: FoundInvocation; line: number; run?: DockerRunLine }> = [];
    const lines = text.split(/\r?\n/);
    // An entrypoint run with known arguments takes only the branch its first argument selects.
    const branch = f.args !== undefined ? new FirstArgBranches(f.args[0] ?? '') : undefined;
    for (let i = 0; i < lines.length && i < 100_000; i++) {
      const start = i + 1;
      let l = lines[i] as string;
      while (/\\$/.test(l) && i + 1 < lines.length) l = `${l.slice(0, -1)} ${lines[++i]}`;
      if (/^\s*(#|$)/.test(l)) continue;
      if (branch && !branch.take(l)) continue;
      for (const c of splitCommands(l, (n) => vars[n])) {
        const argv = c.argv.map((w) => w.text);
        if (argv.length === 0) {
          Object.assign(vars, c.assignments);
          continue;
        }
        if (argv[0] === 'export') {
          for (const a of argv.slice(1)) {
            const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(a);
            if (m) vars[m[1] as string] = m[2] as string;
          }
          continue;
        }
        const unresolved = c.argv.filter((w) => w.unresolved).flatMap((w) => w.vars);
        const line = f.lineOf ? f.lineOf(start) : start;
        // A host script's `docker run ... IMAGE gunicorn ...`: the server runs in that container (dockerRuns: a
        // script run on the host, not one inside a container).
        const run = dockerRuns ? dockerRunLine(argv, refIn(this.ctx, f.display, line)) : undefined;
        if (!run)
          for (const inv of findInvocations(argv, c.assignments, unresolved, this.manageCommands)) out.push({ inv, line });
        if (run && run.command.length === 0) this.publishImageRun(run);
        else if (run)
          for (const inv of findInvocations(run.command, {}, unresolved, this.manageCommands)) out.push({ inv, line, run });
      }
    }
    return out;
  }

  private shellScript(f: DiscoveredFile, service: string | undefined): void {
    const found = this.scriptInvocations(f, {}, true);
    if (found.length === 0) return;
    this.ctx.claimed.add(f.abs);
    for (const { inv, line, run } of found)
      this.push(
        inv,
        {
          via: 'shell',
          ref: refIn(this.ctx, f.display, line),
          service,
          env: {},
          container: false,
          notes: [],
          ...(run ? dockerRunContext(run) : {}),
        },
        [dirname(f.abs)],
      );
  }
}

/** Where a server started by a `docker run` line runs: that container, published by its `-p` options only. */
function dockerRunContext(run: DockerRunLine): Pick<LaunchContext, 'container' | 'ports' | 'networkMode' | 'notes'> {
  const published = run.ports.map((p) => p.raw).join(', ');
  return {
    container: true,
    ports: run.ports,
    ...(run.networkMode ? { networkMode: run.networkMode } : {}),
    notes: [
      `runs in the container \`docker run\` starts from ${run.image}: ${published ? `published by ${published}` : 'no -p, its port is not published'}`,
    ],
  };
}

/** Kubernetes object names compared with template placeholders as wildcards (`__tpl_x__-config` ~ `app-config`). */
function sameKubeName(a: string, b: string): boolean {
  if (a === b) return true;
  const pat = (s: string) =>
    new RegExp(
      `^${s
        .split(/__tpl_[A-Za-z0-9_]*__/)
        .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
  return /__tpl_/.test(a) ? pat(a).test(b) : /__tpl_/.test(b) ? pat(b).test(a) : false;
}

/**
 * A command of arguments only runs under the base image's ENTRYPOINT (`FROM quay.io/org/django` whose ENTRYPOINT is
 * gunicorn, `CMD ["-b :8080", "app.wsgi"]`): the server is the one whose options these are (servers.ts).
 */
function baseEntrypointServer(argv: string[], from: string | undefined): { inv: FoundInvocation; note: string } | undefined {
  const kind = serverFromArgsOnly(argv);
  if (!kind) return undefined;
  return {
    inv: { kind, args: argv, env: {}, unresolvedVars: [] },
    note: `the command holds only ${kind}'s options and an app target: the ENTRYPOINT of the base image${from ? ` ${from}` : ''} (not in these files) is taken to start ${kind}`,
  };
}

export const deployCollector: Collector = {
  name: 'deploy',
  collect(ctx) {
    new DeployRun(ctx).run();
  },
};

/** A compose service that builds one of the tree's Dockerfiles (DeployCollector.composeBuilds). */
interface ComposeBuild {
  service: string;
  image?: string;
  docker: DockerImage;
  context: string;
  ref: SourceRef;
}

/** The build context and Dockerfile (absolute) of a compose service's `build:` (a string or a mapping) in file `abs`. */
function composeBuildPaths(abs: string, build: unknown): { context: string; dockerfile: string } {
  const bm =
    typeof build === 'string' ? { context: build } : build && typeof build === 'object' ? (build as Record<string, unknown>) : {};
  const context = resolve(dirname(abs), String(bm.context ?? '.'));
  return { context, dockerfile: resolve(context, String(bm.dockerfile ?? 'Dockerfile')) };
}
