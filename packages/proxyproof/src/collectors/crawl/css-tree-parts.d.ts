// css-tree's sub-path entry points (package.json "exports") have no types of their own; they are the same
// functions as the package index's (which also builds the lexer with its syntax data, loaded for nothing here).
declare module 'css-tree/parser' {
  const parse: typeof import('css-tree').parse;
  export default parse;
}
declare module 'css-tree/walker' {
  const walk: typeof import('css-tree').walk;
  export default walk;
}
declare module 'css-tree/tokenizer' {
  export const tokenize: typeof import('css-tree').tokenize;
  export const tokenTypes: typeof import('css-tree').tokenTypes;
  /** The parser's token stream (css-tree-guard.ts patches its setSource). */
  export class TokenStream {
    setSource(source?: string, tokenize?: unknown): void;
  }
}
declare module 'css-tree/utils' {
  export const url: typeof import('css-tree').url;
}
