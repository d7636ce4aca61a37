/**
 * Ansible variables for the template reader: `{{ port }}` in a role's `templates/site.conf.j2` is the value the
 * tree gives `port` when exactly one value is visible there, else it stays an opaque placeholder.
 *
 * Where Ansible takes a role template's variables from (docs.ansible.com, "Variable precedence", lowest first):
 * role `defaults/main.yml` < inventory `group_vars/all` < inventory `group_vars/<group>` < `host_vars/<host>` <
 * play `vars:` < role `vars/main.yml` (< role params, set_fact, include_vars, --extra-vars: not in the files, or
 * not read here). A host sees one of these; we do not know which host renders the template, so:
 * - the role's own `vars/main.yml` (`vars/main/*.yml`) decides when it defines the variable (it beats everything
 *   the tree holds);
 * - otherwise every value a host could see counts: play `vars:`, `host_vars/*`, `group_vars/<group>`, and the
 *   base, `group_vars/all` when it defines the variable (it hides the role default for every host), else the
 *   role's `defaults/main.yml`. One distinct value is used; several stay opaque (which one a host gets depends
 *   on its groups). When every play that applies the role targets plain groups (`hosts: web`) and each of those
 *   groups' `group_vars` defines the variable, the base is hidden for every host that renders the template.
 * - A variable some task sets (`set_fact`, `register`, `include_vars`/`vars_files` are not followed) stays opaque.
 * A value that is itself a template (`"{{ base_port }}"`) is resolved the same way, a few levels deep; a multi-line
 * value (a YAML block of config lines) stays opaque, since the rendering keeps every line where it is.
 *
 * Scope: a template under `<role>/templates/` gets its role's files and the inventory/play files of the project
 * the role belongs to (the folder holding `roles/`, or the role's own parent); a `.j2` file elsewhere gets the
 * inventory/play files under the folder that holds its `templates/` folder (or its own folder). Only files of the
 * analysed tree are read; YAML that does not parse adds nothing. Built on first use: a tree with no Jinja
 * template pays nothing.
 */
import type { Node } from 'yaml';
import type { DiscoveredFile } from '../../model/collector.js';
import { MAX_CONFIG_BYTES } from '../../model/limits.js';
import type { TemplateValue, TemplateVars } from '../../model/template.js';
import { yaml } from '../proxy/yaml.js';

/** One definition of a variable (a top-level key of a vars file, with its YAML node). */
interface Definition {
  node: unknown;
  file: string;
  line: number;
}

type VarsFile = Map<string, Definition>;

interface Role {
  dir: string;
  defaults: VarsFile[];
  vars: VarsFile[];
}

interface Project {
  dir: string;
  /** Play vars, host_vars, group_vars of groups other than `all`. */
  overrides: VarsFile[];
  /** group_vars/all (hides role defaults). */
  all: VarsFile[];
  /** group_vars/<group>, by group. */
  groups: Map<string, VarsFile[]>;
}

const MAX_VAR_FILES = 2000;
const MAX_DEPTH = 4;

const ROLE_VARS = /^(.*)\/(defaults|vars)\/main(?:\.ya?ml|\/[^/]+\.ya?ml)?$/;
const INVENTORY_VARS = /^(.*)\/(group_vars|host_vars)\/([^/]+?)(?:\.ya?ml|\.json)?(?:\/[^/]+\.ya?ml)?$/;
const YAML_NAME = /\.ya?ml$/;

function slash(p: string): string {
  return p.replace(/\\/g, '/');
}

function lineOf(lines: number[], offset: number | undefined): number {
  if (offset === undefined) return 1;
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((lines[mid] as number) <= offset) lo = mid + 1;
    else hi = mid;
  }
  return Math.max(1, lo);
}

/** The top-level keys of a YAML mapping, with their value nodes and lines. */
function mappingVars(map: unknown, file: string, starts: number[]): VarsFile {
  const out: VarsFile = new Map();
  const y = yaml();
  if (!y.isMap(map)) return out;
  for (const pair of map.items) {
    if (!y.isScalar(pair.key)) continue;
    out.set(String(pair.key.value), { node: pair.value, file, line: lineOf(starts, (pair.key as Node).range?.[0]) });
  }
  return out;
}

function parseYaml(text: string): { doc: unknown; starts: number[] } | undefined {
  try {
    const lc = new (yaml().LineCounter)();
    const doc = yaml().parseDocument(text, { lineCounter: lc, uniqueKeys: false });
    if (doc.errors.length > 0) return undefined;
    return { doc: doc.contents, starts: lc.lineStarts };
  } catch {
    return undefined;
  }
}

/** Variables a task sets at run time (`set_fact: {x: ...}`, `register: x`): they never come from the files. */
function runtimeVars(text: string, into: Set<string>): void {
  for (const m of text.matchAll(/^\s*-?\s*register:\s*['"]?(\w+)/gm)) into.add(m[1] as string);
  for (const m of text.matchAll(/^(\s*)-?\s*(?:ansible\.builtin\.)?set_fact:\s*\n((?:\1\s+\w+:.*\n?)+)/gm)) {
    for (const k of (m[2] as string).matchAll(/^\s+(\w+):/gm)) if (k[1] !== 'cacheable') into.add(k[1] as string);
  }
  for (const m of text.matchAll(/(?:ansible\.builtin\.)?set_fact:\s*(\w+)=/g)) into.add(m[1] as string);
}

/**
 * The relative `src` of each `template` task in a playbook's text (`template: src=x.tpl dest=…`, or a mapping with
 * `src: x.tpl` on the following lines; `ansible.builtin.template` too). A templated or absolute src is skipped.
 */
function templateSources(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^([ \t]*)-?[ \t]*(?:ansible\.builtin\.)?template:(.*)((?:\n\1[ \t]+.*)*)/gm)) {
    const body = `${m[2] ?? ''}${m[3] ?? ''}`;
    const src = /(?:^|[\s,{])src\s*[:=]\s*['"]?([^'"\s,}]+)/.exec(body)?.[1];
    if (src && !src.includes('{{') && !src.startsWith('/')) out.push(src.replace(/^\.\//, ''));
  }
  return out;
}

export class AnsibleVars {
  private roles = new Map<string, Role>();
  private projects: Project[] = [];
  /** Variables tasks set at run time: never resolved. */
  private runtime = new Set<string>();
  /** Files a play's `template` task renders (absolute, both places Ansible looks for a relative src). */
  private playTemplates = new Set<string>();

  constructor(files: DiscoveredFile[], read: (f: DiscoveredFile) => string | undefined) {
    const paths = new Set(files.map((f) => slash(f.abs)));
    const roleLike = (dir: string): boolean => {
      for (const sub of ['tasks/main.yml', 'tasks/main.yaml', 'meta/main.yml', 'meta/main.yaml', 'handlers/main.yml'])
        if (paths.has(`${dir}/${sub}`)) return true;
      return files.some((f) => slash(f.abs).startsWith(`${dir}/templates/`));
    };
    let budget = MAX_VAR_FILES;
    const load = (f: DiscoveredFile): { doc: unknown; starts: number[] } | undefined => {
      if (budget-- <= 0 || f.size > MAX_CONFIG_BYTES) return undefined;
      const text = read(f);
      return text === undefined ? undefined : parseYaml(text);
    };
    for (const f of files) {
      const abs = slash(f.abs);
      const role = ROLE_VARS.exec(abs);
      if (role && roleLike(role[1] as string)) {
        const parsed = load(f);
        if (!parsed) continue;
        const dir = role[1] as string;
        let r = this.roles.get(dir);
        if (!r) {
          r = { dir, defaults: [], vars: [] };
          this.roles.set(dir, r);
        }
        (role[2] === 'defaults' ? r.defaults : r.vars).push(mappingVars(parsed.doc, f.display, parsed.starts));
        continue;
      }
      const inv = INVENTORY_VARS.exec(abs);
      if (inv && (YAML_NAME.test(abs) || !/\.[^/]+$/.test(abs.slice(abs.lastIndexOf('/'))))) {
        const parsed = load(f);
        if (!parsed) continue;
        const vars = mappingVars(parsed.doc, f.display, parsed.starts);
        const p = this.project(inv[1] as string);
        if (inv[2] === 'group_vars' && inv[3] === 'all') p.all.push(vars);
        else p.overrides.push(vars);
        if (inv[2] === 'group_vars' && inv[3] !== 'all') {
          const group = p.groups.get(inv[3] as string) ?? [];
          group.push(vars);
          p.groups.set(inv[3] as string, group);
        }
        continue;
      }
      if (!YAML_NAME.test(abs)) continue;
      // Tasks and plays: run-time variables, and play `vars:`.
      if (/\/(?:tasks|handlers)\/[^/]+$/.test(abs)) {
        const text = f.size <= MAX_CONFIG_BYTES ? read(f) : undefined;
        if (text) runtimeVars(text, this.runtime);
        continue;
      }
      const text = f.size <= MAX_CONFIG_BYTES ? read(f) : undefined;
      if (!text || !/^\s*-?\s*hosts:/m.test(text)) continue;
      runtimeVars(text, this.runtime);
      const parsed = budget-- > 0 ? parseYaml(text) : undefined;
      const y = yaml();
      if (!parsed || !y.isSeq(parsed.doc)) continue;
      const dir = abs.slice(0, abs.lastIndexOf('/'));
      // A play's `template` task names its source (`src=site.conf.tpl` or `src: site.conf.tpl`), whatever its suffix:
      // Ansible looks for a relative src in the playbook's `templates/` folder, then beside the playbook.
      for (const src of templateSources(text)) {
        this.playTemplates.add(`${dir}/templates/${src}`);
        this.playTemplates.add(`${dir}/${src}`);
      }
      for (const play of parsed.doc.items) {
        if (!y.isMap(play) || !play.has('hosts')) continue;
        const vars = play.get('vars', true);
        if (vars) this.project(dir).overrides.push(mappingVars(vars, f.display, parsed.starts));
        this.playTargets(play.get('hosts'), play.get('roles', true));
      }
    }
  }

  /**
   * The inventory groups the plays that apply a role target (`hosts: web` with `roles: [nginx]`): `null` once a play
   * targets a pattern (`all`, `web:&prod`, `*`, a variable).
   */
  private targets = new Map<string, Set<string> | null>();

  private playTargets(hosts: unknown, roles: unknown): void {
    const y = yaml();
    if (!y.isSeq(roles)) return;
    const pattern = typeof hosts === 'string' ? hosts.trim() : '';
    const parts = pattern.split(/[:,]/).map((x) => x.trim());
    const groups = pattern !== '' && parts.every((g) => /^[A-Za-z_][\w-]*$/.test(g) && g !== 'all') ? parts : null;
    for (const item of roles.items) {
      const name = y.isScalar(item)
        ? String(item.value)
        : y.isMap(item)
          ? String(item.get('role') ?? item.get('name') ?? '')
          : '';
      if (name === '') continue;
      const key = name.replace(/^.*[./]/, '');
      const known = this.targets.get(key);
      if (known === null) continue;
      if (!groups) this.targets.set(key, null);
      else this.targets.set(key, new Set([...(known ?? []), ...groups]));
    }
  }

  private project(dir: string): Project {
    let p = this.projects.find((x) => x.dir === dir);
    if (!p) {
      p = { dir, overrides: [], all: [], groups: new Map() };
      this.projects.push(p);
    }
    return p;
  }

  /** True when the tree holds any Ansible variable file. */
  get empty(): boolean {
    return this.roles.size === 0 && this.projects.length === 0;
  }

  /** The variables visible to a template file (absolute path), or undefined when none are. */
  forTemplate(absPath: string): TemplateVars | undefined {
    const abs = slash(absPath);
    const at = abs.lastIndexOf('/templates/');
    const roleDir = at >= 0 ? abs.slice(0, at) : undefined;
    const role = roleDir !== undefined ? this.roles.get(roleDir) : undefined;
    if (at < 0 && !/\.j2$/i.test(abs) && !this.playTemplates.has(abs)) return undefined;
    // The project: the folder holding `roles/`, else the folder holding the templates folder (or the file).
    const base = roleDir ?? abs.slice(0, abs.lastIndexOf('/'));
    const rolesAt = base.lastIndexOf('/roles/');
    const projectDir = rolesAt >= 0 ? base.slice(0, rolesAt) : role ? base.slice(0, base.lastIndexOf('/')) : base;
    const projects = this.projects.filter((p) => p.dir === projectDir || p.dir.startsWith(`${projectDir}/`));
    if (!role && projects.length === 0) return undefined;
    const overrides = projects.flatMap((p) => p.overrides);
    const all = projects.flatMap((p) => p.all);
    // The groups every play applying this role targets: their group_vars hide group_vars/all and the role defaults
    // for every host that renders the template.
    const targetGroups = roleDir !== undefined ? this.targets.get(roleDir.slice(roleDir.lastIndexOf('/') + 1)) : undefined;
    const runtime = this.runtime;
    const resolve = (path: string, depth: number): TemplateValue | undefined => {
      const parts = varPath(path);
      if (!parts || runtime.has(parts[0] as string)) return undefined;
      const pick = (files: VarsFile[]): Definition[] =>
        files.flatMap((v) => {
          const d = v.get(parts[0] as string);
          return d ? [d] : [];
        });
      const own = pick(role?.vars ?? []);
      let defs: Definition[];
      if (own.length > 0) defs = own;
      else {
        const allDefs = pick(all);
        const base = allDefs.length > 0 ? allDefs : pick(role?.defaults ?? []);
        const groups = targetGroups ? [...targetGroups].map((g) => pick(projects.flatMap((p) => p.groups.get(g) ?? []))) : [];
        const hidden = groups.length > 0 && groups.every((d) => d.length > 0);
        defs = [...pick(overrides), ...(hidden ? [] : base)];
      }
      let found: TemplateValue | undefined;
      for (const d of defs) {
        const v = scalarAt(d.node, parts.slice(1));
        if (v === undefined) return undefined;
        let value = v;
        if (/\{\{|\{%/.test(value)) {
          if (depth >= MAX_DEPTH || /\{%/.test(value)) return undefined;
          let failed = false;
          value = value.replace(/\{\{([^{}]*)\}\}/g, (_m, inner: string) => {
            const r = resolveExpr(inner, (p) => resolve(p, depth + 1));
            if (r === undefined) failed = true;
            return r?.value ?? '';
          });
          if (failed) return undefined;
        }
        // A multi-line value would move every later line of the template: the rendering keeps lines, so it stays opaque.
        if (value.includes('\n')) return undefined;
        if (found && found.value !== value) return undefined;
        found ??= { value, file: d.file, line: d.line };
      }
      return found;
    };
    return { lookup: (path) => resolve(path, 0) };
  }
}

/** `nginx.port` / `nginx['port']` / `port` -> its parts; anything else (calls, indexes by variable) -> undefined. */
function varPath(path: string): string[] | undefined {
  const p = path.trim();
  if (!/^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[\s*['"][\w.-]+['"]\s*\])*$/.test(p)) return undefined;
  const parts: string[] = [];
  for (const m of p.matchAll(/([A-Za-z_]\w*)|\[\s*['"]([\w.-]+)['"]\s*\]/g)) parts.push((m[1] ?? m[2]) as string);
  return parts;
}

/** The scalar at a path inside a YAML node, as Jinja prints it; undefined for maps, lists and nulls. */
function scalarAt(node: unknown, rest: string[]): string | undefined {
  const y = yaml();
  let n = node;
  for (const k of rest) {
    if (!y.isMap(n)) return undefined;
    n = n.get(k, true);
  }
  if (!y.isScalar(n)) return undefined;
  const v = n.value;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return undefined;
}

/** Filters that leave a scalar as it prints (or only supply a default, unused when the variable is set). */
const NEUTRAL_FILTERS = /^(?:default|d|int|string|trim)\b(?:\s*\([^()]*\))?$/;

/**
 * The value of a Jinja output expression (`port`, `port | int`, `port | default(80)`), through `lookup`; undefined
 * when the expression is more than a variable with neutral filters, or the variable has no single value.
 */
export function resolveExpr(expr: string, lookup: (path: string) => TemplateValue | undefined): TemplateValue | undefined {
  const [head, ...filters] = expr.trim().replace(/^-|-$/g, '').split('|');
  if (!head || filters.some((f) => !NEUTRAL_FILTERS.test(f.trim()))) return undefined;
  const v = lookup(head.trim());
  if (!v) return undefined;
  return filters.some((f) => /^trim\b/.test(f.trim())) ? { ...v, value: v.value.trim() } : v;
}
