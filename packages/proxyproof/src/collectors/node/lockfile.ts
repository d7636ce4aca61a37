/**
 * Installed versions from a package's lockfile: what `npm ci` / `yarn install --frozen-lockfile` / `pnpm install
 * --frozen-lockfile` put in node_modules, which a package.json range does not say (`"express": "^4.18.2"` installs
 * whatever proxy-addr the lockfile pinned). Read line by line, not parsed whole: lockfiles run to megabytes and
 * only the lines of one package matter, and each version keeps the line it was read from for the evidence.
 *
 * Formats (checked against the files the package managers write):
 * - package-lock.json / npm-shrinkwrap.json v2 and v3: `"packages": { "node_modules/proxy-addr": { "version":
 *   "2.0.7", ...`, nested copies under `node_modules/express/node_modules/proxy-addr`; v1: `"dependencies": {
 *   "proxy-addr": { "version": "2.0.7"` (at any depth of `dependencies`).
 * - yarn.lock classic (v1): `proxy-addr@~2.0.7:` (or `"proxy-addr@~2.0.5", "proxy-addr@~2.0.7":`) then an
 *   indented `version "2.0.7"`; Berry (v2+): `"proxy-addr@npm:~2.0.7":` then `version: 2.0.7`.
 * - pnpm-lock.yaml: v5 `/proxy-addr/2.0.7:`, v6 `/proxy-addr@2.0.7:`, v9 `proxy-addr@2.0.7:` (a key under
 *   `packages:`/`snapshots:`, possibly quoted, possibly with a peer suffix `(...)` or `_...`).
 */
import { basename, dirname } from 'node:path';
import type { CollectContext, DiscoveredFile } from '../../model/collector.js';
import type { SourceRef } from '../../model/facts.js';
import { MAX_LOCKFILE_BYTES, tooLarge } from '../../model/limits.js';

const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml'] as const;

export interface InstalledVersion {
  version: string;
  /** The lockfile line that pins it. */
  ref: SourceRef;
}

export interface Lockfile {
  file: DiscoveredFile;
  lines: string[];
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Every version of `name` the lockfile's lines pin, in file order, one per copy. */
export function versionsIn(kind: string, display: string, lines: string[], name: string): InstalledVersion[] {
  const out: InstalledVersion[] = [];
  const n = escapeRegExp(name);
  // One entry per version: package-lock v2 lists each copy twice ("packages" and the legacy "dependencies"), pnpm
  // v9 twice ("packages" and "snapshots").
  const at = (i: number, version: string) => {
    if (!out.some((v) => v.version === version))
      out.push({ version, ref: { file: display, line: i + 1, snippet: (lines[i] as string).trim() } });
  };
  if (kind === 'package-lock.json' || kind === 'npm-shrinkwrap.json') {
    // v2/v3 `"node_modules/.../proxy-addr": {` and v1 `"proxy-addr": {` (under "dependencies"); the first
    // `"version"` line inside the object is the copy's version.
    const key = new RegExp(`^\\s*"(?:(?:[^"]*/)?node_modules/)?${n}"\\s*:\\s*\\{`);
    for (let i = 0; i < lines.length; i++) {
      if (!key.test(lines[i] as string)) continue;
      const indentOf = (l: string) => /^\s*/.exec(l)?.[0].length ?? 0;
      const outer = indentOf(lines[i] as string);
      const inner = indentOf(lines[i + 1] ?? '');
      for (let j = i + 1; j < lines.length; j++) {
        const l = lines[j] as string;
        if (indentOf(l) <= outer) break; // the object's closing brace
        const v = indentOf(l) === inner ? /^\s*"version"\s*:\s*"([^"]+)"/.exec(l) : null;
        if (v) {
          at(j, v[1] as string);
          break;
        }
      }
    }
    return out;
  }
  if (kind === 'yarn.lock') {
    // A top-level entry names the package in one of its comma-separated specifiers.
    const spec = new RegExp(`(?:^|[\\s,])"?${n}@(?:npm:)?[^,"]*"?(?=[,:]|\\s*$)`);
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i] as string;
      if (/^\s/.test(l) || !l.trimEnd().endsWith(':') || !spec.test(l)) continue;
      for (let j = i + 1; j < lines.length && /^\s/.test(lines[j] as string); j++) {
        const v = /^\s+version:?\s+"?([^"\s]+)"?\s*$/.exec(lines[j] as string);
        if (v) {
          at(j, v[1] as string);
          break;
        }
      }
    }
    return out;
  }
  // pnpm-lock.yaml
  const key = new RegExp(`^\\s+['"]?/?${n}[/@](\\d[^:'"()_\\s]*)(?:[(_][^'"]*)?['"]?:\\s*$`);
  for (let i = 0; i < lines.length; i++) {
    const m = key.exec(lines[i] as string);
    if (m) at(i, m[1] as string);
  }
  return out;
}

/**
 * The lockfiles of a tree, found once, and the versions a package's lockfile pins: the nearest lockfile at or
 * above the package's folder (a workspace member's versions are in the workspace root's lockfile), within the
 * folder that was linted.
 */
export class Lockfiles {
  private readonly byDir = new Map<string, DiscoveredFile[]>();
  private readonly read = new Map<string, Lockfile | null>();

  constructor(private readonly ctx: CollectContext) {
    for (const f of ctx.files) {
      if (!(LOCKFILES as readonly string[]).includes(basename(f.abs))) continue;
      const d = dirname(f.abs);
      const list = this.byDir.get(d) ?? [];
      list.push(f);
      this.byDir.set(d, list);
    }
  }

  /** Versions of `name` pinned by the lockfile that governs `packageDir`; undefined when there is none. */
  versions(packageDir: string, name: string): { lockfile: string; versions: InstalledVersion[] } | undefined {
    for (let d = packageDir; ; d = dirname(d)) {
      for (const f of this.byDir.get(d) ?? []) {
        const lock = this.load(f);
        if (lock) return { lockfile: f.display, versions: versionsIn(basename(f.abs), f.display, lock.lines, name) };
      }
      const up = dirname(d);
      if (up === d) return undefined;
    }
  }

  private load(f: DiscoveredFile): Lockfile | null {
    const cached = this.read.get(f.abs);
    if (cached !== undefined) return cached;
    let lock: Lockfile | null = null;
    if (f.size > MAX_LOCKFILE_BYTES)
      this.ctx.facts.diagnostics.push({
        level: 'note',
        message: `${tooLarge(f.size, MAX_LOCKFILE_BYTES, 'a lockfile')}: installed versions not known from it`,
        file: f.display,
      });
    else lock = { file: f, lines: this.ctx.read(f).toString('utf8').split(/\r?\n/) };
    this.read.set(f.abs, lock);
    return lock;
  }
}
