/**
 * Our mend of a css-tree hang (issue 11; css-tree 3.1.0 to 3.2.1, the pinned version, found by r12i11).
 *
 * css-tree's parser keeps one TokenStream and reuses its token buffer (`offsetAndType`) between documents. While
 * tokenizing, `setSource` reads the slot at index `source.length` as the type of "no open block" (the root of its
 * bracket stack); that slot is never written for the current document, so after a longer document it holds a
 * stale token. If that token is an opening bracket, a closing bracket at the top level "pops" a block that was
 * never opened, the balance table then points into itself, and the parser loops for ever on the next document
 * (test/scan/fixtures/css-tree-hang.json: each stylesheet alone parses, the pair in one process never returns).
 * The guard zeroes that slot before every tokenization: type 0 is css-tree's EOF, whose pair is "none", exactly
 * what a fresh (zero-filled) buffer holds, so every document is tokenized as in a fresh parser.
 *
 * The parse still runs in the parser worker under its timers (parser-worker.ts): the guard removes this known
 * hang, the worker stops any other. `PROXYPROOF_CSS_TREE_GUARD=off` leaves css-tree as published: the kill-path
 * tests use it to keep a parse that really never ends. The report for css-tree's maintainers (reproductions, the
 * one-line fix) is docs/upstream/css-tree-setsource.md.
 */
import { TokenStream } from 'css-tree/tokenizer';

type SetSource = (this: { offsetAndType?: Uint32Array | null }, source?: string, tokenize?: unknown) => void;

const GUARDED = Symbol.for('proxyproof.cssTreeGuard');

/** Installs the guard on css-tree's TokenStream (once); false when switched off or css-tree has no setSource. */
export function guardCssTree(): boolean {
  if (process.env.PROXYPROOF_CSS_TREE_GUARD === 'off') return false;
  const proto = TokenStream.prototype as unknown as { setSource?: SetSource & { [GUARDED]?: true } };
  const original = proto.setSource;
  if (typeof original !== 'function') return false;
  if (original[GUARDED]) return true;
  const guarded: SetSource & { [GUARDED]?: true } = function (this, source = '', tokenize) {
    const length = String(source || '').length;
    const buffer = this.offsetAndType;
    if (buffer && buffer.length > length) buffer[length] = 0;
    original.call(this, source, tokenize);
  };
  guarded[GUARDED] = true;
  proto.setSource = guarded;
  return true;
}

/** Whether css-tree's parser in this thread runs with the guard (tests). */
export const cssTreeGuarded = guardCssTree();
