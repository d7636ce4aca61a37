/**
 * Where a finding's docs page (`Finding.docs`, package-relative `docs/checks/<id>.md`) is on this
 * machine. The text renderer prints it relative to the current directory when the package is under it
 * (`packages/proxyproof/docs/...` at the repository root, `node_modules/proxyproof/docs/...` in a project
 * that installed it), else absolute; SARIF's `helpUri` is the same file as a `file://` URL. Both point at
 * the copy shipped with the running package, so they resolve wherever the user stands.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The installed package's root (the folder holding package.json, docs/ and schema/). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface DocsResolver {
  /** The path to print: relative to cwd when the package is below it, else absolute. */
  path(docs: string): string;
  /** A `file://` URL of the page. */
  uri(docs: string): string;
  /** The page's Markdown, or undefined when it is not shipped. */
  markdown(docs: string): string | undefined;
}

export function docsResolver(cwd: string = process.cwd(), root: string = PACKAGE_ROOT): DocsResolver {
  const cache = new Map<string, string | undefined>();
  const abs = (docs: string) => join(root, docs);
  return {
    path(docs) {
      const a = abs(docs);
      const rel = relative(cwd, a);
      const shown = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : a;
      return shown.split(sep).join('/');
    },
    uri(docs) {
      return pathToFileURL(abs(docs)).href;
    },
    markdown(docs) {
      if (!cache.has(docs)) {
        const a = abs(docs);
        cache.set(docs, existsSync(a) ? readFileSync(a, 'utf8') : undefined);
      }
      return cache.get(docs);
    },
  };
}
