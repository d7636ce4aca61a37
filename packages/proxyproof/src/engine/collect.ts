/**
 * Runs every collector over the discovered files and assembles one Facts value.
 * A collector claims the files it understands and appends to its own slice of the facts.
 */

import { COLLECTORS } from '../collectors/index.js';
import { renderForCollectors } from '../collectors/template/index.js';
import type { CollectContext, CollectOptions, DiscoveredFile } from '../model/collector.js';
import type { Facts } from '../model/facts.js';

export type { CollectContext, CollectOptions, Collector } from '../model/collector.js';

export function emptyFacts(): Facts {
  return { sources: new Map(), nginx: { configs: [] }, appServers: [], frameworks: [], diagnostics: [] } as Facts;
}

export async function collectFacts(
  files: DiscoveredFile[],
  options: CollectOptions = {},
  readFile: (abs: string) => Buffer,
): Promise<Facts> {
  const facts = emptyFacts();
  const cache = new Map<string, Buffer>();
  const ctx: CollectContext = {
    files,
    facts,
    options,
    claimed: new Set(),
    read(file) {
      let b = cache.get(file.abs);
      if (!b) {
        const raw = readFile(file.abs);
        facts.sources.set(file.display, raw.toString('utf8').split(/\r?\n/));
        // Templates (Jinja, ERB, envsubst, Helm) are read rendered, line for line; sources keep the template.
        facts.templates ??= new Map();
        b = renderForCollectors(file.display, raw, facts.diagnostics, facts.templates);
        cache.set(file.abs, b);
      }
      return b;
    },
  };
  for (const c of COLLECTORS) await c.collect(ctx);
  return facts;
}
