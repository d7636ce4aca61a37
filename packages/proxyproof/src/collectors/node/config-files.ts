/**
 * Values an app reads from its configuration by key (`conf.get('trust_proxy')`, `config.get('server.port')`):
 * node-config / convict / nconf all read JSON, TOML or YAML files whose nested keys are the dotted path. We look
 * the key up in the project's data files and in convict-style schema defaults (`key: { default, env }`), and say
 * where the value was written. A key several files set differently stays unknown (which file wins depends on
 * the environment the app starts in).
 */
import { basename } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import type { CollectContext, DiscoveredFile } from '../../model/collector.js';
import type { SourceRef } from '../../model/facts.js';
import type { SchemaDefault } from './analyze.js';

const DATA_FILE = /\.(json|toml|ya?ml)$/i;
/** Data files that are never an app's runtime configuration. */
const NOT_CONFIG =
  /^(package(-lock)?\.json|tsconfig.*\.json|jsconfig\.json|composer\.(json|lock)|yarn\.lock|pnpm-lock\.yaml|\.eslintrc.*|\.prettierrc.*|renovate\.json|lerna\.json|nx\.json|turbo\.json|angular\.json|app\.json|Cargo\.toml|pyproject\.toml|fly(\.[\w.-]+)?\.toml|docker-compose.*|compose\.ya?ml|.*\.schema\.json)$/i;
const MAX_BYTES = 256 * 1024;

export interface ConfigValue {
  value: unknown;
  ref: SourceRef;
  /** `file` (a data file), `schema` (a convict default). */
  from: 'file' | 'schema';
  envVar?: string;
  /** Other files that set the same key to the same value. */
  alsoIn?: SourceRef[];
}

export class ConfigIndex {
  private parsed?: Array<{ file: DiscoveredFile; data: unknown; lines: string[] }>;

  constructor(
    private readonly ctx: CollectContext,
    private readonly schema: SchemaDefault[],
  ) {}

  private files(): Array<{ file: DiscoveredFile; data: unknown; lines: string[] }> {
    if (this.parsed) return this.parsed;
    this.parsed = [];
    for (const f of this.ctx.files) {
      const name = basename(f.abs);
      if (!DATA_FILE.test(name) || NOT_CONFIG.test(name) || f.size > MAX_BYTES) continue;
      if (/(^|\/)(node_modules|\.github|\.circleci|k8s|kubernetes|helm|charts|openshift|\.vscode)\//.test(f.display)) continue;
      let text: string;
      try {
        text = this.ctx.read(f).toString('utf8');
      } catch {
        continue;
      }
      let data: unknown;
      try {
        data = /\.json$/i.test(name) ? JSON.parse(text) : /\.toml$/i.test(name) ? parseToml(text) : parseYaml(text);
      } catch {
        continue; // not ours to report: another collector (or none) owns this file's syntax
      }
      if (data && typeof data === 'object') this.parsed.push({ file: f, data, lines: text.split(/\r?\n/) });
    }
    return this.parsed;
  }

  lookup(key: string): ConfigValue | undefined {
    const path = key.split('.');
    const hits: ConfigValue[] = [];
    for (const { file, data, lines } of this.files()) {
      let cur: unknown = data;
      for (const seg of path) {
        if (!cur || typeof cur !== 'object' || Array.isArray(cur) || !(seg in (cur as Record<string, unknown>))) {
          cur = undefined;
          break;
        }
        cur = (cur as Record<string, unknown>)[seg];
      }
      if (cur === undefined || (typeof cur === 'object' && cur !== null)) continue;
      const line = keyLine(lines, path);
      hits.push({ value: cur, from: 'file', ref: { file: file.display, line, snippet: (lines[line - 1] ?? '').trim() } });
    }
    const schema = this.schema.find((s) => s.key === key);
    if (hits.length > 0) {
      const first = hits[0] as ConfigValue;
      if (hits.some((h) => h.value !== first.value)) return undefined;
      if (hits.length > 1) first.alsoIn = hits.slice(1).map((h) => h.ref);
      if (schema?.envVar) first.envVar = schema.envVar;
      return first;
    }
    if (schema && schema.value.kind === 'literal') {
      const v: ConfigValue = { value: schema.value.value, from: 'schema', ref: schema.ref };
      if (schema.envVar) v.envVar = schema.envVar;
      return v;
    }
    return undefined;
  }
}

/** The line of the last segment of a dotted key, searching each segment after the previous one's line. */
function keyLine(lines: string[], path: string[]): number {
  let from = 0;
  for (const seg of path) {
    const esc = seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const re = new RegExp(`^\\s*(["']?${esc}["']?\\s*[:=]|\\[(\\S+\\.)?${esc}\\])`);
    const i = lines.findIndex((l, k) => k >= from && re.test(l));
    if (i === -1) return from + 1;
    from = i;
  }
  return from + 1;
}
