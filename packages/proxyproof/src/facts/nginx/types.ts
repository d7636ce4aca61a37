/**
 * nginx facts: the parsed configurations and, per server and location, the effective upstream
 * request headers after nginx's inheritance rules. Owned by facts/nginx (see ARCHITECTURE.md).
 */
import type { NginxConfigTree } from '../../collectors/nginx/ast.js';

export interface NginxFacts {
  /** One entry per linted entry file, with its includes resolved. */
  configs: NginxConfigTree[];
}
