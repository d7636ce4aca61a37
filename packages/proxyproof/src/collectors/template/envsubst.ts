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
 * `NGINX_ENVSUBST_FILTER` only those whose names match it: a name the filter leaves out stays unresolved too.
 *
 * The nginx collector runs before the deploy collector, so this reads the Dockerfiles and compose files itself
 * (with the deploy parsers), once per tree, bounded in count.
 */

import { posix } from 'node:path';
import type { DiscoveredFile } from '../../model/collector.js';
import { MAX_CONFIG_BYTES } from '../../model/limits.js';
import type { TemplateValue } from '../../model/template.js';
import { type ComposeRaw, type Dockerfile, interpolate, parseCompose, parseDockerfile, parseEnvFile } from '../deploy/formats.js';

/** At most this many Dockerfiles and compose files are read for template values. */
const MAX_FILES = 64;

const DOCKERFILE = /(?:^|\/)(?:Dockerfile|Containerfile)(?:[._-][^/]*)?$|\.dockerfile$/i;
const COMPOSE = /(?:^|\/)(?:docker-)?compose(?:[._-][^/]*)?\.ya?ml$/i;

type Env = Map<string, TemplateValue>;

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
  private mounts: Array<{ host: string; project: string; env: Env }> = [];
  private memo = new Map<string, ((name: string) => TemplateValue | undefined) | undefined>();

  constructor(files: DiscoveredFile[], read: (f: DiscoveredFile) => string | undefined) {
    const byAbs = new Map(files.map((f) => [slash(f.abs), f]));
    let budget = MAX_FILES;
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
            env.delete(k);
            return;
          }
          const it = interpolate(String(raw), (n) => dotenv[n]?.value);
          if (it.unresolved.length > 0) env.delete(k);
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
    // Dockerfiles no compose file builds: built from their own folder (`docker build .`).
    for (const f of files) if (DOCKERFILE.test(slash(f.abs))) image(slash(f.abs));
    for (const img of images.values()) if (img.contexts.length === 0) img.contexts.push(posix.dirname(slash(img.file.abs)));
    this.images = [...images.values()];
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
    return named.length > 0 ? named : whole;
  }

  /** The value lookup for one template file, or undefined when no container of the tree holds it. */
  forTemplate(absPath: string): ((name: string) => TemplateValue | undefined) | undefined {
    const abs = slash(absPath);
    if (this.memo.has(abs)) return this.memo.get(abs);
    const holders = this.holders(abs);
    const lookup =
      holders.length === 0
        ? undefined
        : (name: string): TemplateValue | undefined => {
            let found: TemplateValue | undefined;
            for (const env of holders) {
              const filter = env.get('NGINX_ENVSUBST_FILTER')?.value;
              if (filter && !safeTest(filter, name)) return undefined;
              const v = env.get(name);
              if (!v || v.value === '' || v.value.includes('\n') || v.value.includes('$')) return undefined;
              if (found && found.value !== v.value) return undefined;
              found ??= v;
            }
            return found;
          };
    this.memo.set(abs, lookup);
    return lookup;
  }
}

/** The nginx image tests names against the filter with awk's `~` (an extended regular expression). */
function safeTest(filter: string, name: string): boolean {
  try {
    return new RegExp(filter).test(name);
  } catch {
    return false;
  }
}
