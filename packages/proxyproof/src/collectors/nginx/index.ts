/**
 * The nginx parser's public API (used by the nginx facts and checks, and by tests).
 * Names here are stable: other layers import them.
 */
export type { NginxConfigFile, NginxConfigTree, NginxDirective, NginxParseError } from './ast.js';
export { allowedIn, analyzeDirective, enterBlockContext, isKnownDirective, suggestDirective } from './directives.js';
export { LUA_BLOCK_DIRECTIVES, lex, MAX_TOKENS, type Token } from './lexer.js';
export {
  decodeConfigBytes,
  errorReason,
  globFiles,
  MAX_CONFIG_BYTES,
  MAX_INCLUDED_FILES,
  newParseStats,
  type ParseOptions,
  type ParseStats,
  parseNginxFile,
  parseNginxText,
  readConfigText,
  relabelTree,
} from './parser.js';
export { STOCK_FILES, type StockFile, stockFileFor } from './stock.js';
