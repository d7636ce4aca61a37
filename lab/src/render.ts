// Template rendering: copy a folder, replacing {{NAME}} placeholders in text files. An unknown placeholder is
// an error naming file:line, so a template can never render half-filled.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const PLACEHOLDER = /\{\{([A-Z][A-Z0-9_]*)\}\}/g;

/** Files of the scenario folder that are lab metadata, not deployment files. */
const SKIP_TOP = new Set(['scenario.ts', 'scenario.json', 'variants', 'README.lab.md', 'node_modules', '__pycache__']);

export function renderText(text: string, vars: Readonly<Record<string, string>>, where: string): string {
  const lines = text.split('\n');
  return lines
    .map((line, i) =>
      line.replace(PLACEHOLDER, (_m, name: string) => {
        const v = vars[name];
        if (v === undefined) throw new Error(`${where}:${i + 1}: unknown placeholder {{${name}}}`);
        return v;
      }),
    )
    .join('\n');
}

function isText(buf: Buffer): boolean {
  return !buf.subarray(0, 8000).includes(0);
}

/** Copies src into dest (merging), rendering text files. `top` skips the lab's own metadata at the top level. */
export function renderTree(
  src: string,
  dest: string,
  vars: Readonly<Record<string, string>>,
  opts: { top?: boolean; label?: string } = {},
): string[] {
  const written: string[] = [];
  const walk = (dir: string, out: string, depth: number) => {
    mkdirSync(out, { recursive: true });
    for (const name of readdirSync(dir).sort()) {
      if (name === '__pycache__' || name === 'node_modules' || name.endsWith('.pyc')) continue;
      if (depth === 0 && opts.top && SKIP_TOP.has(name)) continue;
      const from = join(dir, name);
      const to = join(out, name);
      const st = statSync(from);
      if (st.isDirectory()) {
        walk(from, to, depth + 1);
        continue;
      }
      const buf = readFileSync(from);
      if (isText(buf)) {
        const label = `${opts.label ?? ''}${relative(src, from)}`;
        writeFileSync(to, renderText(buf.toString('utf8'), vars, label), { mode: st.mode & 0o777 });
      } else {
        copyFileSync(from, to);
      }
      written.push(to);
    }
  };
  walk(src, dest, 0);
  return written;
}
