/**
 * `.proxyproof.json`: a project's standing answers, so CI and people run the same command.
 *
 *   {
 *     "front": "cloudflare",                      // the front door, passed through (its names: --front)
 *     "minSeverity": "medium",                    // default of --min-severity
 *     "baseline": ".proxyproof-baseline.json",     // default of --baseline
 *     "ignore": [{ "id": "nginx/host-port-lost", "path": "deploy/nginx/**", "reason": "port 443 only" }]
 *   }
 *
 * Looked up from the analysed folders (commands/common.ts useTreeConfig), else the current folder, then the
 * parents up to the repository root (a folder with `.git`);
 * `--config-file FILE` names one, `--no-config-file` skips it. Unknown keys, wrong types and ignores
 * without a reason are errors with `file:line` (exit 2): a typo must not silently turn a rule off.
 * The schema is `schema/proxyproof-config.schema.json`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { InputError, isSeverity, SEVERITIES, type Severity } from '../model/finding.js';
import { parseJsonWithLines } from './json-positions.js';

export const CONFIG_FILE_NAME = '.proxyproof.json';

export interface ConfigIgnore {
  /** A check id (`nginx/host-port-lost`) or a family (`nginx/*`). */
  id: string;
  /** A glob of files (relative to the config file's folder) or URLs; absent: everywhere. */
  path?: string;
  reason: string;
  /** `file:line` of the entry, for SARIF suppressions. */
  at: string;
}

export interface ProjectConfig {
  /** The config file as given or found (display path); undefined when there is none. */
  file?: string;
  /** Folder of the config file: ignore paths and the baseline are relative to it. */
  dir: string;
  front?: string;
  minSeverity?: Severity;
  baseline?: string;
  ignore: ConfigIgnore[];
}

const TOP_KEYS = ['$schema', 'front', 'minSeverity', 'baseline', 'ignore'] as const;
const IGNORE_KEYS = ['id', 'path', 'reason'] as const;
const ID_PATTERN = /^([a-z0-9-]+\/(\*|[a-z0-9-]+)|\*)$/;

function display(abs: string, cwd: string): string {
  const rel = relative(cwd, abs);
  return rel && !rel.startsWith('..') ? rel : abs;
}

/** The config file that applies in `cwd`: `.proxyproof.json` here or in a parent up to the repository root. */
export function findConfigFile(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (let i = 0; i < 64; i++) {
    const f = join(dir, CONFIG_FILE_NAME);
    if (existsSync(f)) return f;
    if (existsSync(join(dir, '.git'))) return undefined;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  return undefined;
}

export function parseProjectConfig(text: string, file: string, dir: string): ProjectConfig {
  const { value, lineOf } = parseJsonWithLines(text, file);
  // The line of the key, else of the nearest enclosing entry that exists (a missing "reason": its entry).
  const fail = (message: string, path: Array<string | number>): never => {
    for (let n = path.length; n >= 0; n--) {
      const line = lineOf(path.slice(0, n));
      if (line !== undefined) throw new InputError(message, file, line);
    }
    throw new InputError(message, file, 1);
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('must be a JSON object', []);
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (!(TOP_KEYS as readonly string[]).includes(k)) fail(`unknown key "${k}" (known: ${TOP_KEYS.join(', ')})`, [k]);
  }
  const out: ProjectConfig = { file, dir, ignore: [] };
  if (obj.front !== undefined) {
    if (typeof obj.front !== 'string' || !obj.front.trim()) fail('"front" must be a non-empty string', ['front']);
    out.front = (obj.front as string).trim();
  }
  if (obj.minSeverity !== undefined) {
    if (typeof obj.minSeverity !== 'string' || !isSeverity(obj.minSeverity))
      fail(`"minSeverity" must be one of ${SEVERITIES.join(', ')}`, ['minSeverity']);
    out.minSeverity = obj.minSeverity as Severity;
  }
  if (obj.baseline !== undefined) {
    if (typeof obj.baseline !== 'string' || !obj.baseline) fail('"baseline" must be a file path', ['baseline']);
    out.baseline = resolve(dir, obj.baseline as string);
  }
  if (obj.ignore !== undefined) {
    if (!Array.isArray(obj.ignore)) fail('"ignore" must be an array of {"id", "path", "reason"}', ['ignore']);
    (obj.ignore as unknown[]).forEach((e, i) => {
      if (e === null || typeof e !== 'object' || Array.isArray(e))
        fail('an "ignore" entry must be an object {"id", "path", "reason"}', ['ignore', i]);
      const entry = e as Record<string, unknown>;
      for (const k of Object.keys(entry)) {
        if (!(IGNORE_KEYS as readonly string[]).includes(k))
          fail(`unknown key "${k}" in an "ignore" entry (known: ${IGNORE_KEYS.join(', ')})`, ['ignore', i, k]);
      }
      if (typeof entry.id !== 'string' || !ID_PATTERN.test(entry.id))
        fail('"id" must be a check id like "nginx/host-port-lost" or a family like "nginx/*"', [
          'ignore',
          i,
          entry.id === undefined ? '' : 'id',
        ]);
      if (entry.path !== undefined && (typeof entry.path !== 'string' || !entry.path))
        fail('"path" must be a glob of files or URLs', ['ignore', i, 'path']);
      if (typeof entry.reason !== 'string' || !entry.reason.trim())
        fail('every ignore needs a "reason" (why this finding does not apply)', [
          'ignore',
          i,
          entry.reason === undefined ? '' : 'reason',
        ]);
      out.ignore.push({
        id: entry.id as string,
        path: entry.path as string | undefined,
        reason: (entry.reason as string).trim(),
        at: `${file}:${lineOf(['ignore', i]) ?? 1}`,
      });
    });
  }
  return out;
}

/**
 * The config in effect: `explicit` (from --config-file), `false` (--no-config-file), or the one found
 * from `cwd`. A named file that does not exist is a usage error.
 */
export function loadProjectConfig(explicit: string | false | undefined, cwd: string = process.cwd()): ProjectConfig {
  if (explicit === false) return { dir: cwd, ignore: [] };
  const abs = explicit ? resolve(cwd, explicit) : findConfigFile(cwd);
  if (!abs) return { dir: cwd, ignore: [] };
  const shown = display(abs, cwd);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? 'no such file' : `cannot read: ${(e as Error).message}`, shown);
  }
  return parseProjectConfig(text, shown, dirname(abs));
}
