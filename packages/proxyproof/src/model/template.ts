/** What the shared template reader (collectors/template) records about a template file. */

export type TemplateKind = 'jinja' | 'erb' | 'go' | 'envsubst' | 'terraform';

export interface TemplatePlaceholder {
  line: number;
  /** The expression as written (`cookiecutter.domain`, `.Values.web.port`, `BACKEND`). */
  expr: string;
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

/** What the read path records about a template file (for findings that want to say which branch). */
export interface TemplateNote {
  kinds: TemplateKind[];
  placeholders: TemplatePlaceholder[];
  branches: TemplateBranch[];
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
}
