// Loading scenario definitions: lab/scenarios/<NN-name>/scenario.ts default-exports a ScenarioDef.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Expected, ScenarioDef, ScenarioEntry } from './types.js';

export const LAB_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SCENARIOS_DIR = join(LAB_ROOT, 'scenarios');
export const APPS_DIR = join(LAB_ROOT, 'apps');

const defs = new Map<string, ScenarioDef>();

function scenarioFolders(): string[] {
  if (!existsSync(SCENARIOS_DIR)) return [];
  return readdirSync(SCENARIOS_DIR)
    .filter((n) => /^\d\d-[a-z0-9-]+$/.test(n) && statSync(join(SCENARIOS_DIR, n)).isDirectory())
    .filter((n) => existsSync(join(SCENARIOS_DIR, n, 'scenario.ts')))
    .sort();
}

export async function loadScenario(folder: string): Promise<ScenarioDef> {
  const have = defs.get(folder);
  if (have) return have;
  const file = join(SCENARIOS_DIR, folder, 'scenario.ts');
  if (!existsSync(file)) throw new Error(`no scenario '${folder}' (expected ${file})`);
  const mod = (await import(pathToFileURL(file).href)) as { default?: ScenarioDef };
  const def = mod.default;
  if (!def || !Array.isArray(def.processes)) throw new Error(`${file}: must default-export defineScenario({...})`);
  def.id = folder;
  validate(def, file);
  defs.set(folder, def);
  return def;
}

function validate(def: ScenarioDef, file: string): void {
  const names = new Set<string>();
  for (const p of def.processes) {
    if (names.has(p.name)) throw new Error(`${file}: duplicate process name '${p.name}'`);
    names.add(p.name);
    if (p.host && !def.network?.hosts.includes(p.host))
      throw new Error(`${file}: process '${p.name}' runs on unknown host '${p.host}'`);
  }
  if (def.outside && !def.network?.hosts.includes(def.outside))
    throw new Error(`${file}: outside host '${def.outside}' is not a network host`);
}

/** Splits '<scenario>' or '<scenario>:<variant>'. */
export function parseId(id: string): { scenario: string; variant?: string } {
  const [scenario, variant, extra] = id.split(':');
  if (!scenario || extra !== undefined) throw new Error(`invalid scenario id '${id}' (expected NN-name or NN-name:variant)`);
  return variant ? { scenario, variant } : { scenario };
}

export async function resolveEntry(
  id: string,
): Promise<{ def: ScenarioDef; variant?: string; expected: Expected; title: string }> {
  const { scenario, variant } = parseId(id);
  const folders = scenarioFolders();
  // accept the bare number ('1', '01') too
  const folder = folders.includes(scenario)
    ? scenario
    : folders.find((f) => Number(f.slice(0, 2)) === Number(scenario) && /^\d+$/.test(scenario));
  if (!folder) throw new Error(`unknown scenario '${scenario}'; known: ${folders.join(', ')}`);
  const def = await loadScenario(folder);
  if (!variant) return { def, expected: def.expected, title: def.title };
  const v = def.variants?.[variant];
  if (!v)
    throw new Error(
      `scenario ${folder} has no variant '${variant}'; variants: ${Object.keys(def.variants ?? {}).join(', ') || '(none)'}`,
    );
  return { def: effectiveDef(def, variant), variant, expected: v.expected, title: `${def.title} — ${v.title}` };
}

/** The scenario as a variant runs it: topology, ports, processes, entry may be replaced by the variant. */
export function effectiveDef(def: ScenarioDef, variant: string): ScenarioDef {
  const v = def.variants?.[variant];
  if (!v) return def;
  const out: ScenarioDef = { ...def };
  if (v.network === null) delete out.network;
  else if (v.network) out.network = v.network;
  if (v.processes) out.processes = v.processes;
  // on loopback every process runs on this machine
  if (!out.network) out.processes = out.processes.map(({ host: _host, ...p }) => p);
  if (v.outside === null) delete out.outside;
  else if (v.outside) out.outside = v.outside;
  if (v.ports) out.ports = v.ports;
  if (v.entry) out.entry = v.entry;
  if (v.backend) out.backend = v.backend;
  validate(out, `${def.id}:${variant}`);
  return out;
}

export async function listScenarios(): Promise<ScenarioEntry[]> {
  const out: ScenarioEntry[] = [];
  for (const folder of scenarioFolders()) {
    const def = await loadScenario(folder);
    const base = { scenario: folder, number: def.number, needsNetns: !!def.network, folder: join(SCENARIOS_DIR, folder) };
    out.push({ ...base, id: folder, title: def.title, expected: def.expected });
    for (const [name, v] of Object.entries(def.variants ?? {})) {
      const eff = effectiveDef(def, name);
      out.push({
        ...base,
        needsNetns: !!eff.network,
        id: `${folder}:${name}`,
        variant: name,
        title: `${def.title} — ${v.title}`,
        expected: v.expected,
      });
    }
  }
  return out;
}
