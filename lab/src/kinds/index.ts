// The process-kind registry. A kind lives in src/kinds/<kind>.ts and default-exports a ProcessKind; it is
// loaded on first use, so adding a kind is adding a file (no edit here).
import type { ProcessKind } from '../types.js';

const loaded = new Map<string, ProcessKind>();

export async function getKind(kind: string): Promise<ProcessKind> {
  const have = loaded.get(kind);
  if (have) return have;
  if (!/^[a-z][a-z0-9-]*$/.test(kind)) throw new Error(`invalid process kind name: ${JSON.stringify(kind)}`);
  let mod: { default?: ProcessKind };
  try {
    mod = (await import(`./${kind}.js`)) as { default?: ProcessKind };
  } catch (e) {
    throw new Error(`unknown process kind '${kind}' (expected lab/src/kinds/${kind}.ts): ${(e as Error).message}`);
  }
  const k = mod.default;
  if (!k || typeof k.start !== 'function' || k.kind !== kind) {
    throw new Error(`lab/src/kinds/${kind}.ts must default-export a ProcessKind with kind '${kind}'`);
  }
  loaded.set(kind, k);
  return k;
}
