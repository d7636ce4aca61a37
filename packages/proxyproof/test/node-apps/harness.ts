// Builds Facts from a set of files written into a temporary folder, with every real collector (nginx, deploy,
// python, node) — the same path `proxyproof lint <folder>` takes.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { collectFacts } from '../../src/engine/collect.js';
import { discover } from '../../src/engine/discover.js';
import type { Facts } from '../../src/model/facts.js';

export async function factsFromFiles(files: Record<string, string>): Promise<{ facts: Facts; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'pp-node-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      const p = join(dir, name);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, text);
    }
    const facts = await collectFacts(discover([dir], dir), {}, (abs) => readFileSync(abs));
    return { facts, dir };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
