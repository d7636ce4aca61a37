/**
 * The collector contract: a collector claims the files it understands and appends to its own slice of
 * the Facts. It lives in model/ (not engine/) so that collectors and the engine both depend on the model
 * and never on each other.
 */
import type { Facts } from './facts.js';

/** A candidate file found by engine/discover.ts. */
import type { BranchPick, TemplateVars } from './template.js';

export interface DiscoveredFile {
  /** Absolute path. */
  abs: string;
  /** What the user sees: relative to cwd when inside it. */
  display: string;
  /** Named explicitly on the command line (collectors then try harder and report errors). */
  explicit: boolean;
  /** The command-line root it was found under (for config-prefix-relative includes). */
  root: string;
  size: number;
}

export interface CollectOptions {
  /** Keep comments in nginx trees. */
  comments?: boolean;
  /**
   * Folders whose files are read from a copy (`fix`'s private check folder, fix/converge.ts): an absolute path
   * into `from` that a file names (nginx `include /srv/site/nginx/sites-enabled/*;`) is read at the same place
   * under `to`, so the copy is analysed as a whole and never half from the originals.
   */
  relocated?: { from: string; to: string }[];
  /**
   * One rendering of the tree's templates: the alternative chosen conditionals keep, by the template's absolute
   * path (engine/template-branches.ts analyses each alternative that matters; without it the first is read).
   */
  templatePicks?: ReadonlyMap<string, BranchPick>;
}

/**
 * A file under the given paths that looks like deployment material but was not used, and why
 * (template placeholders, unknown format, parse error at file:line, too large, unreadable).
 */
export interface NotRead {
  file: string;
  reason: string;
  line?: number;
}

export interface CollectContext {
  files: DiscoveredFile[];
  facts: Facts;
  options: CollectOptions;
  /** Files already claimed by an earlier collector (a file is one thing). */
  claimed: Set<string>;
  /** Reads a file once, records its lines for snippets, and returns its bytes (empty when unreadable: noted). */
  read(file: DiscoveredFile): Buffer;
  /** `read(file).toString('utf8')`, decoded once per file (a 9 MB config is not decoded again by each reader). */
  readText?(file: DiscoveredFile): string;
  /**
   * The text of a file `read` has already read, decoded exactly as the nginx parser's `readConfigText` decodes it
   * (the raw bytes, not a template's rendering; the BOM dropped), with its size in bytes: the parser uses it instead
   * of reading and decoding the file again. Undefined when not read yet, or when the bytes hold a NUL or an invalid
   * UTF-8 sequence (the parser's own reading then reports them as it always has).
   */
  configText?(abs: string): { text: string; bytes: number } | undefined;
  /** The variables the tree gives a template file (Ansible vars files: collectors/template/ansible.ts). */
  templateVars?(abs: string): TemplateVars | undefined;
  /**
   * A collector recognised a file as its own but could not use it (a template, a parse error, too large):
   * it is listed under "Not read" with this reason. Files nobody claims or records are listed by the engine
   * when they look like deployment material, so a new collector needs nothing more than `claimed`.
   */
  skip(file: DiscoveredFile | string, reason: string, line?: number): void;
}

export interface Collector {
  name: string;
  collect(ctx: CollectContext): Promise<void> | void;
}
