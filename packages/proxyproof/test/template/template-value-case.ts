/**
 * The shared table check of the template-value tests (ansible-vars, envsubst-vars): a small tree with a TLS nginx
 * site whose listen port and upstream are template placeholders; the nginx hop's port, the upstream the
 * forwarded-proto finding names, and the evidence saying where a filled value is written.
 */
import assert from 'node:assert/strict';
import { analyzeChain } from '../../src/chain/analyze.js';
import type { Evidence } from '../../src/model/finding.js';
import { lintFiles } from '../python/lint-files.js';

export interface TemplateValueCase {
  name: string;
  files: Record<string, string>;
  /** The nginx hop's label ports (`?` when the listen port stays a placeholder). */
  ports: string;
  /** The upstream the route proxies to, as the doctor lists it (or the unresolved link's message). */
  upstream: RegExp;
  /** Evidence "from file:line" the forwarded-proto finding must carry, or none. */
  from?: string;
}

/** Checks one case; returns the forwarded-proto finding's value evidence (notes matching `valueNote`) and the hit. */
export async function checkTemplateValueCase(
  c: TemplateValueCase,
  valueNote: RegExp,
): Promise<{ froms: Evidence[]; hit?: Evidence }> {
  const { facts, findings } = await lintFiles(c.files);
  const hop = analyzeChain(facts).topology.proxies.find((p) => p.kind === 'nginx');
  assert.ok(hop, 'an nginx hop');
  assert.match(hop.label, new RegExp(`^nginx :${c.ports.replace('?', '\\?')} \\(`), hop.label);
  const missing = findings.find((f) => f.id === 'nginx/forwarded-proto-missing');
  assert.ok(missing, findings.map((f) => f.id).join(', '));
  const upstream = /proxies to (\S+)/.exec(missing.message)?.[1] ?? missing.message;
  const unresolved = findings.find((f) => f.id === 'chain/link-unresolved')?.message ?? '';
  assert.ok(c.upstream.test(upstream) || c.upstream.test(unresolved), `${upstream}\n${unresolved}`);
  const froms = missing.evidence.filter((e) => valueNote.test(e.note ?? ''));
  if (!c.from) return { froms };
  const hit = froms.find((e) => `${e.file}:${e.line}` === c.from);
  assert.ok(hit, `evidence from ${c.from} in ${JSON.stringify(missing.evidence)}`);
  assert.match(hit.note ?? '', new RegExp(`from ${c.from.replace(/[./]/g, '\\$&')}`));
  return { froms, hit };
}
