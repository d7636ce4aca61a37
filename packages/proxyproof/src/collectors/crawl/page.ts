/**
 * What the crawler's main thread needs of a page without loading a parser: the shapes the parser worker sends
 * back (extract.ts fills them), the body decoder and the web app manifest's icons (JSON).
 */
import { isUtf8 } from 'node:buffer';
import type { RefKind } from '../../scan/types.js';

export interface RawRef {
  /** Absolute URL (resolved against the base or the stylesheet). */
  url: string;
  kind: RefKind;
  line?: number;
  snippet?: string;
  viaBase?: boolean;
  upgradablePreload?: boolean;
  /** Written as a relative URL (so a `<base href>` decides its scheme). */
  relative?: boolean;
}

export interface HtmlExtract {
  refs: RawRef[];
  /** Pages to crawl next: a/area href, iframe/frame src, meta refresh (absolute, fragment removed). */
  links: string[];
  /** Linked stylesheets to fetch (absolute). */
  stylesheets: Array<{ url: string; line?: number }>;
  manifest?: string;
  baseHref?: string;
  canonical?: string;
  ogUrl?: string;
  cspMeta: string[];
  /** Counted on every URL-bearing attribute, before resolution. */
  linkStats: { sameHostHttp: number; sameHostHttps: number; relative: number };
  /** Parsing stopped here (1-based line): elements nested deeper than MAX_HTML_DEPTH. */
  depthLimitLine?: number;
}

/**
 * Open elements at most. htmlparser2 keeps its stack of open elements with `unshift`/`indexOf`, which costs
 * quadratic time in the depth (100,000 nested divs: seconds of CPU); real pages stay far below (Chromium's
 * tree builder itself stops nesting at 512). Deeper, the page is read up to that point and a note says so.
 */
export const MAX_HTML_DEPTH = 4096;

/**
 * A reference the scan can report: only http:// and ws:// URLs can be insecure. The crawler skips every other
 * reference before classifying it, and the parser worker sends only these back (a page's https and relative
 * references, each with its snippet, were copied to this thread and dropped here).
 */
export function mayBeInsecure(url: string): boolean {
  return url.startsWith('http:') || url.startsWith('ws:');
}

/** A URL as written, resolved against a base; undefined for non-fetchable schemes and bad URLs. */
export function resolveRef(raw: string, base: string): string | undefined {
  const t = raw.trim();
  if (!t || /^(?:javascript|data|mailto|tel|about|blob):/i.test(t)) return undefined;
  try {
    return new URL(t, base).href;
  } catch {
    return undefined;
  }
}

/** Icons of a web app manifest (JSON), resolved against the manifest URL. */
export function extractManifestIcons(json: string, manifestUrl: string): RawRef[] {
  let m: unknown;
  try {
    m = JSON.parse(json);
  } catch {
    return [];
  }
  const icons = (m as { icons?: unknown })?.icons;
  if (!Array.isArray(icons)) return [];
  const out: RawRef[] = [];
  for (const icon of icons.slice(0, 200)) {
    const src = (icon as { src?: unknown })?.src;
    if (typeof src !== 'string') continue;
    const url = resolveRef(src, manifestUrl);
    if (url) out.push({ url, kind: 'manifest-icon', snippet: JSON.stringify(icon).slice(0, 200) });
  }
  return out;
}

const UTF8_LENIENT = new TextDecoder('utf-8');
/** One decoder per charset label seen (the WHATWG Encoding Standard has a few dozen; unknown labels throw). */
const decoders = new Map<string, TextDecoder>();

/** Decodes a body by its declared charset (default UTF-8), noting invalid UTF-8 (decoded with U+FFFD). */
export function decodeBody(body: Buffer, contentType: string | undefined): { text: string; invalidUtf8: boolean } {
  const charset = contentType?.includes('=') ? /charset\s*=\s*"?([\w-]+)/i.exec(contentType)?.[1]?.toLowerCase() : undefined;
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    try {
      let d = decoders.get(charset);
      if (!d) {
        d = new TextDecoder(charset);
        decoders.set(charset, d);
      }
      return { text: d.decode(body), invalidUtf8: false };
    } catch {
      /* unknown label: fall through to UTF-8 */
    }
  }
  // Valid UTF-8 (nearly every page): validated by simdutf (the same strictness as a fatal TextDecoder), decoded
  // by V8's fast path, a leading BOM dropped as TextDecoder does. Invalid: WHATWG replacement characters.
  if (isUtf8(body)) {
    const bom = body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;
    return { text: (bom ? body.subarray(3) : body).toString('utf8'), invalidUtf8: false };
  }
  return { text: UTF8_LENIENT.decode(body), invalidUtf8: true };
}
