/**
 * Compose override files merged into the base file's service, as `docker compose` does when it loads
 * `compose.yaml` with `compose.override.yaml` (by default) or `-f docker-compose.yml -f docker-compose.prod.yml`:
 * one container per service name, not one per file. Which files are overlays of which base is
 * `facts/compose-network.ts` `composeProjects` (a `*.override.yml`, or a file with a service that has neither
 * `image` nor `build` and so cannot run alone).
 *
 * Merge rules (https://docs.docker.com/reference/compose-file/merge/): single values (`image`, `command`,
 * `entrypoint`, `network_mode`...) are replaced by the later file; `environment` and `labels` are merged by key
 * (the later file's value wins); `ports`, `expose` and `env_file` are appended (an identical entry once);
 * `networks` is the union; `build` is merged key by key. Every value keeps the file and line it was written on,
 * so evidence cites the override's line where the override set it.
 */
import type { ComposeRaw } from './formats.js';

type RawService = ComposeRaw['services'][number];

/** One compose file's service with the file it was written in (its display path). */
export interface ServiceSource {
  file: string;
  raw: RawService;
}

/** A service as compose runs it after merging: value, and where each key and item was written. */
export interface MergedService {
  name: string;
  line: number;
  value: Record<string, unknown>;
  keyLine: (key: string) => number;
  itemLine: (key: string, index: number) => number;
  /** The file a key (or its i-th item) was written in. */
  fileOf: (key: string, index?: number) => string;
  /** The override files merged in (empty when none). */
  overlays: string[];
}

interface At {
  file: string;
  line: number;
}

const BY_KEY = new Set(['environment', 'labels']);
const APPENDED = new Set(['ports', 'expose', 'env_file']);

/** `[k, v]` pairs of a map-or-list key (`environment: [K=v]` or `{K: v}`), each with its item index. */
function pairsOf(value: unknown): Array<{ key: string; value: unknown; index: number }> {
  if (Array.isArray(value))
    return value.flatMap((item, index) => {
      const m = typeof item === 'string' ? /^([^=]+)=(.*)$/s.exec(item) : null;
      return m ? [{ key: m[1] as string, value: m[2] as string, index }] : [];
    });
  if (value && typeof value === 'object')
    return Object.entries(value as Record<string, unknown>).map(([key, v], index) => ({ key, value: v, index }));
  return [];
}

const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

const networkNames = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : value && typeof value === 'object' ? Object.keys(value) : [];

/** The base service as it is, or merged with the services of the same name in its override files (in order). */
export function mergeService(base: ServiceSource, overlays: readonly ServiceSource[]): MergedService {
  const b = base.raw;
  if (overlays.length === 0)
    return {
      name: b.name,
      line: b.line,
      value: b.value,
      keyLine: b.keyLine,
      itemLine: b.itemLine,
      fileOf: () => base.file,
      overlays: [],
    };
  const all = [base, ...overlays];
  const value: Record<string, unknown> = {};
  const keyAt = new Map<string, At>();
  const itemsAt = new Map<string, At[]>();
  const keys = new Set(all.flatMap((s) => Object.keys(s.raw.value)));
  for (const key of keys) {
    const having = all.filter((s) => s.raw.value[key] !== undefined);
    const last = having[having.length - 1] as ServiceSource;
    keyAt.set(key, { file: last.file, line: last.raw.keyLine(key) });
    if (BY_KEY.has(key)) {
      const merged = new Map<string, { value: unknown; at: At }>();
      for (const s of having)
        for (const p of pairsOf(s.raw.value[key]))
          merged.set(p.key, { value: p.value, at: { file: s.file, line: s.raw.itemLine(key, p.index) } });
      value[key] = Object.fromEntries([...merged].map(([k, e]) => [k, e.value]));
      itemsAt.set(
        key,
        [...merged.values()].map((e) => e.at),
      );
    } else if (APPENDED.has(key)) {
      const items: unknown[] = [];
      const at: At[] = [];
      const seen = new Set<string>();
      for (const s of having)
        listOf(s.raw.value[key]).forEach((item, i) => {
          const id = JSON.stringify(item);
          if (seen.has(id)) return;
          seen.add(id);
          items.push(item);
          at.push({ file: s.file, line: s.raw.itemLine(key, i) });
        });
      value[key] = items;
      itemsAt.set(key, at);
    } else if (key === 'networks') {
      const names: string[] = [];
      for (const s of having) for (const n of networkNames(s.raw.value[key])) if (!names.includes(n)) names.push(n);
      value[key] = names;
    } else if (key === 'build') {
      const asMap = (x: unknown): Record<string, unknown> =>
        typeof x === 'string' ? { context: x } : x && typeof x === 'object' ? (x as Record<string, unknown>) : {};
      value[key] = Object.assign({}, ...having.map((s) => asMap(s.raw.value[key])));
    } else {
      value[key] = last.raw.value[key];
      itemsAt.set(
        key,
        listOf(last.raw.value[key]).map((_, i) => ({ file: last.file, line: last.raw.itemLine(key, i) })),
      );
    }
  }
  return {
    name: b.name,
    line: b.line,
    value,
    keyLine: (key) => keyAt.get(key)?.line ?? b.line,
    itemLine: (key, index) => itemsAt.get(key)?.[index]?.line ?? keyAt.get(key)?.line ?? b.line,
    fileOf: (key, index) =>
      (index === undefined ? undefined : itemsAt.get(key)?.[index]?.file) ?? keyAt.get(key)?.file ?? base.file,
    overlays: [...new Set(overlays.map((o) => o.file))],
  };
}
