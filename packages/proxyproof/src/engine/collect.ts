/**
 * Runs every collector over the discovered files and assembles one Facts value.
 * A collector claims the files it understands and appends to its own slice of the facts.
 */

import { COLLECTORS } from '../collectors/index.js';
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
        b = readFile(file.abs);
        cache.set(file.abs, b);
        facts.sources.set(file.display, b.toString('utf8').split(/\r?\n/));
      }
      return b;
    },
  };
  for (const c of COLLECTORS) await c.collect(ctx);
  return facts;
}
