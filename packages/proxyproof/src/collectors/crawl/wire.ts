/**
 * A response body as it came over the wire (gzip, br, deflate or none), and its decompression in one call.
 * Shared by the HTTP client (main thread) and the parse worker, which decompresses a page's HTML itself: the
 * crawler sends it the compressed bytes, so gunzip and text decoding run on the worker's thread and the
 * structured clone between the threads carries the (usually several times smaller) compressed body (issue 11,
 * the crawl bench). Nothing here loads undici or a parser.
 */
import { brotliDecompressSync, gunzipSync, inflateSync, constants as zlibConstants } from 'node:zlib';

export type BodyEncoding = 'gzip' | 'br' | 'deflate';

/** The Content-Encoding the client decodes, or undefined (identity, or a coding it does not know). */
export function bodyEncoding(header: string | undefined): BodyEncoding | undefined {
  const e = header?.trim().toLowerCase();
  return e === 'gzip' || e === 'x-gzip' ? 'gzip' : e === 'br' ? 'br' : e === 'deflate' ? 'deflate' : undefined;
}

/**
 * The whole decompressed body in one synchronous call, at most maxBytes (a possibly truncated wire body is
 * flushed, not rejected). Undefined when the output would exceed maxBytes: the caller then streams a prefix (a
 * compression bomb stops at the cap). Any other zlib error is thrown as `cannot decode <coding> body: ...`.
 */
export function inflateWhole(raw: Uint8Array, encoding: BodyEncoding, maxBytes: number): Buffer | undefined {
  try {
    return encoding === 'gzip'
      ? gunzipSync(raw, { maxOutputLength: maxBytes, finishFlush: zlibConstants.Z_SYNC_FLUSH })
      : encoding === 'br'
        ? brotliDecompressSync(raw, { maxOutputLength: maxBytes, finishFlush: zlibConstants.BROTLI_OPERATION_FLUSH })
        : inflateSync(raw, { maxOutputLength: maxBytes, finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return undefined;
    throw new Error(`cannot decode ${encoding} body: ${(e as Error).message}`);
  }
}
