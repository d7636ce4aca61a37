/**
 * Runs every collector over the discovered files and assembles one Facts value.
 * A collector claims the files it understands and appends to its own slice of the facts. Each collector
 * runs isolated: one that stops (our bug) is reported as a warning and the others go on. What was not
 * used is listed by `notReadFiles` (engine/not-read.ts) from the claims and the facts.
 */

import { readFileSync } from 'node:fs';
import { collectorsFor } from '../collectors/registry.js';
import { AnsibleVars } from '../collectors/template/ansible.js';
import { EnvsubstVars } from '../collectors/template/envsubst.js';
import { renderForCollectors } from '../collectors/template/index.js';
import type { CollectContext, CollectOptions, Collector, DiscoveredFile, NotRead } from '../model/collector.js';
import type { Facts } from '../model/facts.js';
import type { Diagnostic } from '../model/finding.js';
import type { TemplateVars } from '../model/template.js';

export type { CollectContext, CollectOptions, Collector, NotRead } from '../model/collector.js';

export function emptyFacts(): Facts {
  return { sources: new Map(), nginx: { configs: [] }, appServers: [], frameworks: [], diagnostics: [] } as Facts;
}

export interface Collected {
  facts: Facts;
  /** Absolute paths some collector claimed. */
  claimed: Set<string>;
  /** Files a collector recognised but could not use, by display path (first reason wins). */
  skipped: Map<string, NotRead>;
  /** Files whose bytes are not valid UTF-8: the first bad byte's line (the rest was read as UTF-8 with U+FFFD). */
  nonUtf8: Map<string, { line: number; byte: number }>;
  /** Files written in UTF-16 with a byte-order mark (PowerShell's `>` writes UTF-16LE), read transcoded. */
  utf16: Set<string>;
  /** Files that could not be read, and why. */
  unreadable: Map<string, string>;
}

/** Offset of the first byte that is not valid UTF-8, or -1. */
export function firstInvalidUtf8(b: Buffer): number {
  let i = 0;
  const n = b.length;
  while (i < n) {
    const c = b[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    if (i + need >= n) return i;
    let cp = c & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let k = 1; k <= need; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

function lineAt(b: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (b[i] === 0x0a) line++;
  return line;
}

export async function collectAll(
  files: DiscoveredFile[],
  options: CollectOptions = {},
  readFile: (abs: string) => Buffer = (abs) => readFileSync(abs),
  collectorsGiven?: Collector[],
  onCollector?: (name: string, done: number, total: number) => void,
): Promise<Collected> {
  // Only the collectors these files need are loaded (collectors/registry.ts); tests may pass their own list.
  const collectors = collectorsGiven ?? (await collectorsFor(files));
  const facts = emptyFacts();
  const cache = new Map<string, Buffer>();
  // Decoded once: the rendered bytes' text (what `readText` returns) and the raw text as the nginx parser decodes it.
  const texts = new Map<string, string>();
  const configTexts = new Map<string, { text: string; bytes: number }>();
  const out: Collected = {
    facts,
    claimed: new Set(),
    skipped: new Map(),
    nonUtf8: new Map(),
    utf16: new Set(),
    unreadable: new Map(),
  };
  // Ansible's variable files (collectors/template/ansible.ts), read on the first Jinja template that may use them.
  let ansible: AnsibleVars | undefined;
  const rawText = (f: DiscoveredFile): string | undefined => {
    const known = facts.sources.get(f.display);
    if (known) return known.join('\n');
    try {
      const text = utf16AsUtf8(readFile(f.abs)).toString('utf8');
      // Its lines are a finding's evidence when a value it gives fills a template (engine/template-values.ts).
      facts.sources.set(f.display, text.split(/\r?\n/));
      return text;
    } catch {
      return undefined;
    }
  };
  // A script searched for envsubst commands: its lines become evidence only when a value comes from it.
  const peekText = (f: DiscoveredFile): string | undefined => {
    const known = facts.sources.get(f.display);
    if (known) return known.join('\n');
    try {
      return utf16AsUtf8(readFile(f.abs)).toString('utf8');
    } catch {
      return undefined;
    }
  };
  // The containers' environments (collectors/template/envsubst.ts), read on the first envsubst name looked up.
  let envsubst: EnvsubstVars | undefined;
  const templateVars = (abs: string): TemplateVars => {
    // Every template may be one a playbook's `template:` task renders (`src=site.conf.tpl`), whatever its name.
    ansible ??= new AnsibleVars(files, rawText);
    const jinja: TemplateVars | undefined = ansible.forTemplate(abs);
    return {
      lookup: (path) => jinja?.lookup(path),
      env: (name) => {
        envsubst ??= new EnvsubstVars(files, rawText, peekText);
        return envsubst.forTemplate(abs)?.(name);
      },
      envNames: () => {
        envsubst ??= new EnvsubstVars(files, rawText, peekText);
        return envsubst.listNames(abs);
      },
      everyName: () => {
        envsubst ??= new EnvsubstVars(files, rawText, peekText);
        return envsubst.everyName(abs);
      },
    };
  };
  const read = (file: DiscoveredFile): Buffer => {
    let b = cache.get(file.abs);
    if (!b) {
      let readOk = true;
      try {
        b = readFile(file.abs);
        const text = utf16AsUtf8(b);
        if (text !== b) {
          out.utf16.add(file.display);
          b = text;
        }
      } catch (e) {
        readOk = false;
        const err = e as NodeJS.ErrnoException;
        const why = err.code === 'EACCES' ? 'permission denied' : err.code === 'EISDIR' ? 'a directory' : err.message;
        out.unreadable.set(file.display, why);
        b = Buffer.alloc(0);
      }
      const decoded = b.toString('utf8');
      let text = decoded;
      const replaced = text.includes('\uFFFD');
      const binary = b.includes(0);
      // A file with NUL bytes (an image, an archive) is binary: the collectors that sniff every file read it and
      // use nothing, so a "not UTF-8" warning about it would only be noise.
      if (replaced && !binary) {
        const at = firstInvalidUtf8(b);
        if (at >= 0) out.nonUtf8.set(file.display, { line: lineAt(b, at), byte: b[at] as number });
      }
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      // Without a carriage return the regular expression split gives the same lines.
      facts.sources.set(file.display, text.includes('\r') ? text.split(/\r?\n/) : text.split('\n'));
      // The nginx parser decodes with TextDecoder (U+FFFD for bad bytes, the BOM dropped): the same text when
      // the bytes are valid UTF-8 without NUL; otherwise it reads the file itself.
      if (readOk && !replaced && !binary) configTexts.set(file.abs, { text, bytes: b.length });
      // Templates (Jinja, ERB, envsubst, Helm) are read rendered, line for line; sources keep the template.
      facts.templates ??= new Map();
      const raw = b;
      // What renderForCollectors says is a file it does not read (too template-heavy): listed under "Not read" with
      // the other files nothing used, not printed as a warning apart from that list.
      const notRendered: Diagnostic[] = [];
      b = renderForCollectors(
        file.display,
        b,
        notRendered,
        facts.templates,
        decoded,
        /\{\{|\$\{/.test(decoded) ? templateVars(file.abs) : undefined,
        options.templatePicks?.get(file.abs),
      );
      for (const d of notRendered)
        if (!out.skipped.has(file.display))
          out.skipped.set(file.display, { file: file.display, reason: d.message.replace(/^template: /, ''), line: d.line ?? 1 });
      if (b === raw) texts.set(file.abs, decoded);
      cache.set(file.abs, b);
    }
    return b;
  };
  const ctx: CollectContext = {
    files,
    facts,
    options,
    claimed: out.claimed,
    read,
    readText(file) {
      const b = read(file);
      const t = texts.get(file.abs);
      if (t !== undefined) return t;
      const decoded = b.toString('utf8');
      texts.set(file.abs, decoded);
      return decoded;
    },
    configText: (abs) => configTexts.get(abs),
    templateVars,
    skip(file, reason, line) {
      const display = typeof file === 'string' ? file : file.display;
      if (!out.skipped.has(display)) out.skipped.set(display, line ? { file: display, reason, line } : { file: display, reason });
    },
  };
  for (const [i, c] of collectors.entries()) {
    onCollector?.(c.name, i, collectors.length);
    try {
      await c.collect(ctx);
    } catch (e) {
      facts.diagnostics.push({
        level: 'warning',
        file: `(${c.name})`,
        message: `the ${c.name} collector stopped: ${(e as Error).message}; the files it had not read yet are not analysed`,
      });
    }
  }
  return out;
}

/** Facts only (tests and callers that do not need the claims). */
export async function collectFacts(
  files: DiscoveredFile[],
  options: CollectOptions = {},
  readFile: (abs: string) => Buffer = (abs) => readFileSync(abs),
): Promise<Facts> {
  return (await collectAll(files, options, readFile)).facts;
}

/**
 * A UTF-16 file with its byte-order mark as UTF-8 bytes, lines kept (pip and Python read such a
 * requirements.txt or settings file; a Windows shell's `>` writes them); any other bytes are returned as they are.
 */
export function utf16AsUtf8(b: Buffer): Buffer {
  const le = b[0] === 0xff && b[1] === 0xfe;
  const be = b[0] === 0xfe && b[1] === 0xff;
  // FF FE 00 00 is UTF-32LE's mark: not UTF-16, left alone.
  if ((!le && !be) || (le && b[2] === 0 && b[3] === 0)) return b;
  try {
    return Buffer.from(new TextDecoder(le ? 'utf-16le' : 'utf-16be').decode(b.subarray(2)), 'utf8');
  } catch {
    return b;
  }
}
