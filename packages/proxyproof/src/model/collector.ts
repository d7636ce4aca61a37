/**
 * The collector contract: a collector claims the files it understands and appends to its own slice of
 * the Facts. It lives in model/ (not engine/) so that collectors and the engine both depend on the model
 * and never on each other.
 */
import type { Facts } from './facts.js';

/** A candidate file found by engine/discover.ts. */
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
}

export interface CollectContext {
  files: DiscoveredFile[];
  facts: Facts;
  options: CollectOptions;
  /** Files already claimed by an earlier collector (a file is one thing). */
  claimed: Set<string>;
  /** Reads a file once, records its lines for snippets, and returns its bytes. */
  read(file: DiscoveredFile): Buffer;
}

export interface Collector {
  name: string;
  collect(ctx: CollectContext): Promise<void> | void;
}
