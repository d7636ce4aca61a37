/** What the shared template reader (collectors/template) records about a template file. */

export type TemplateKind = 'jinja' | 'erb' | 'go' | 'envsubst' | 'terraform';

export interface TemplatePlaceholder {
  line: number;
  /** The expression as written (`cookiecutter.domain`, `.Values.web.port`, `BACKEND`). */
  expr: string;
  /** The whole construct as written (`${PROTO}`, `{{ proto }}`, `<%= @proto %>`): output shows it, never `__tpl_…__`. */
  written?: string;
  /** The default written in the template, when there is one (then used as the value). */
  default?: string;
  /** The value the tree's variable files give it (Ansible: collectors/template/ansible.ts), then used. */
  value?: string;
  /** Where that value is written. */
  from?: { file: string; line: number };
  /** The value is the container's environment (an envsubst `${NAME}`: collectors/template/envsubst.ts). */
  env?: true;
  /** Written bare (`$NAME`, a name of an explicit envsubst list), not `${NAME}`. */
  bare?: true;
}

export interface TemplateBranch {
  /** Line of the `if`/`elif`/`else` tag that opens the branch. */
  line: number;
  /** Last line of the branch (the line of the next branch tag or the end tag). */
  endLine: number;
  /** The tag as written, e.g. `{% if nginx_ssl %}`. */
  tag: string;
  /** Whether this branch was kept in the rendered text. */
  kept: boolean;
}

/**
 * One conditional (`{% if %}` ... `{% elif %}` ... `{% else %}` ... `{% endif %}`): its alternatives in order, the
 * `if` first. A rendering keeps exactly one alternative, or none when no `else` is written and every condition is
 * false.
 */
export interface TemplateChain {
  /** Line of the opening `if` tag (the chain's key in a `BranchPick`). */
  line: number;
  alternatives: TemplateBranch[];
  /** An `else` is written: some alternative is always kept. */
  hasElse: boolean;
  /** The chain is rendered at all in this rendering (no enclosing alternative was dropped). */
  reached: boolean;
  /** Some alternative holds config text (not only template tags, blank lines or comments): switching it can matter. */
  holdsText: boolean;
}

/**
 * Which alternative each chosen conditional keeps, by the line of its `if` tag: an index into its alternatives, or
 * `alternatives.length` for "none" (every condition false, no `else`). Chains not named keep the default (the first).
 */
export type BranchPick = ReadonlyMap<number, number>;

/** What the read path records about a template file (for findings that want to say which branch). */
export interface TemplateNote {
  kinds: TemplateKind[];
  placeholders: TemplatePlaceholder[];
  branches: TemplateBranch[];
  /** The conditionals of the file, in order (engine/template-branches.ts renders each alternative that matters). */
  chains?: TemplateChain[];
  /** An `envsubst` with no variable list renders the file (collectors/template/envsubst.ts `everyName`). */
  envsubstAll?: EnvsubstAll;
}

/**
 * What an `envsubst` with no SHELL-FORMAT list does to a template: GNU envsubst replaces every `$name` and `${name}`
 * (checked with Debian's gettext-base 0.21: `$host` and `${scheme}` become empty, `$$host` becomes `$`, a `\$`
 * does not escape, `${host:-d}` is left as written), so nginx's own variables take the environment's value.
 */
export interface EnvsubstAll {
  /** The script or Dockerfile line that runs it. */
  file: string;
  line: number;
  /**
   * References whose name starts with a lower-case letter or `_` (nginx's variables: `$host`, `$remote_addr`,
   * `$http_x_forwarded_proto`) and that the environment the tree shows does not set: empty once rendered.
   */
  blanked: Array<{ line: number; name: string }>;
  /** The other names the template references (the environment's), in order: the list that fixes it. */
  names: string[];
}

/** A variable's value and where the tree gives it (collectors/template/ansible.ts). */
export interface TemplateValue {
  value: string;
  /** Display path of the file that gives the value. */
  file: string;
  line: number;
}

/** The variables visible to one template. */
export interface TemplateVars {
  /** The value of a variable path as written (`port`, `nginx.port`, `nginx['port']`), when exactly one is visible. */
  lookup(path: string): TemplateValue | undefined;
  /**
   * The value the container's environment gives an envsubst `${NAME}` (collectors/template/envsubst.ts: the image's
   * Dockerfile ENV, the compose service's env_file and environment, a rendering script's own settings), when
   * exactly one is visible; `literal` when the render leaves `${NAME}` as written (a name an explicit `envsubst
   * '$A $B'` list or NGINX_ENVSUBST_FILTER leaves out).
   */
  env?(name: string): TemplateValue | 'literal' | undefined;
  /**
   * The names the render also substitutes written bare (`$NAME`, not only `${NAME}`): GNU envsubst does for the
   * names of an explicit list (`envsubst '$A $B'`); undefined when no render with a list is known (then `$NAME` is
   * nginx's own variable, as before).
   */
  envNames?(): ReadonlySet<string> | undefined;
  /** The render that runs `envsubst` with no variable list over this file, when one does. */
  everyName?(): { file: string; line: number } | undefined;
}

/**
 * A reference as GNU envsubst reads one (gettext's envsubst.c): `$` then a name, or `${` name `}`; anything else
 * (`${host:-d}`, `$1`) is left as written. `$$host` is `$` followed by the reference `$host`.
 */
export const ENVSUBST_REF = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** A line as envsubst writes it when the given names are unset (the others as written). */
export function envsubstBlank(line: string, names: ReadonlySet<string>): string {
  return line.replace(ENVSUBST_REF, (m, braced: string | undefined, bare: string | undefined) =>
    names.has((braced ?? bare) as string) ? '' : m,
  );
}
