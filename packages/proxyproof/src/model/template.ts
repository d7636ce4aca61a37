/** What the shared template reader (collectors/template) records about a template file. */

export type TemplateKind = 'jinja' | 'erb' | 'go' | 'envsubst' | 'terraform';

export interface TemplatePlaceholder {
  line: number;
  /** The expression as written (`cookiecutter.domain`, `.Values.web.port`, `BACKEND`). */
  expr: string;
  /** The default written in the template, when there is one (then used as the value). */
  default?: string;
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
