/**
 * The nginx configuration tree, shaped like crossplane's JSON output so it can be compared with
 * crossplane's expected trees directly (see test/nginx-parser/conformance.test.ts). Parser rules: README.md here.
 */

export interface NginxDirective {
  directive: string;
  line: number;
  args: string[];
  /** Present for block directives (`server { ... }`), even when empty. */
  block?: NginxDirective[];
  /** For `include`: indexes into NginxConfigTree.config of the files it pulled in. */
  includes?: number[];
  /** For comments (only when comments are kept): the text after `#`. */
  comment?: string;
  /** Our addition (not in crossplane): 1-based column of the directive name. */
  column?: number;
  /**
   * Our addition, templates only: the directive is written inside a template conditional (`{% if %}`, `<% if %>`),
   * so a rendering may leave it out (every branch is read: a `return` there does not end every request).
   */
  templateConditional?: true;
  /**
   * Our addition, templates only: the innermost template branch the directive is written in (inside it, or on the
   * line of an inline one such as `listen 80{% if tls %} ssl{% endif %};`), as the template reader recorded it.
   */
  templateBranch?: { line: number; endLine: number; tag: string };
}

export interface NginxParseError {
  file: string;
  line: number | null;
  error: string;
  /** Our addition: what went wrong, for callers that treat kinds differently. */
  kind?: 'read' | 'syntax' | 'directive' | 'include-missing' | 'include-cycle' | 'limit';
  /** Our addition, for include errors: the absolute path (or pattern) the include resolved to. */
  target?: string;
  /** Our addition, for include errors: the include argument as written. */
  include?: string;
}

export interface NginxConfigFile {
  file: string;
  status: 'ok' | 'failed';
  errors: NginxParseError[];
  parsed: NginxDirective[];
  /** Our addition: where the content came from (a stock params file may be built in). */
  source?: 'file' | 'builtin';
  /** Our addition: the absolute path read (for a built-in stock file, the path it stands for). */
  abs?: string;
}

export interface NginxConfigTree {
  status: 'ok' | 'failed';
  errors: NginxParseError[];
  /** config[0] is the entry file; includes follow in the order they were first reached. */
  config: NginxConfigFile[];
  /** Our addition: the entry is a key of a YAML file (collectors/nginx/embedded.ts); `kubernetes` when that file
   * is a Kubernetes manifest (a ConfigMap) or a Helm template of one: the nginx runs in a pod. */
  embedded?: { key: string; line: number; kubernetes: boolean };
}
