/**
 * The worker thread behind ParserWorker (parser-worker.ts): parses what a site sent (HTML with htmlparser2,
 * linked stylesheets with css-tree) so that the crawler can kill a parse that does not end.
 *
 * Only the references the crawler reads come back (page.ts `mayBeInsecure`: http:// and ws:// URLs); the rest of
 * a page's references (https, relative, each with its snippet) cost a structured clone on both threads, on the
 * crawl's busiest thread too, for nothing (issue 11, the crawl bench).
 */
import { parentPort } from 'node:worker_threads';
import { extractCss, extractHtml, snippetLines } from './extract.js';
import { decodeBody, mayBeInsecure } from './page.js';
import type { ParseJob, ParseReply } from './parser-worker.js';
import { inflateWhole } from './wire.js';

parentPort?.on('message', (job: ParseJob) => {
  let reply: ParseReply;
  try {
    if (job.kind === 'html' || job.kind === 'html-wire') {
      let text: string;
      let invalidUtf8: boolean | undefined;
      if (job.kind === 'html-wire') {
        // The crawler's fetch left the body as it came: decompress (at most maxBytes) and decode it here.
        const { bytes, encoding, contentType, maxBytes } = job.body;
        const raw = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        let body: Buffer | undefined = raw;
        if (encoding) {
          try {
            body = inflateWhole(raw, encoding, maxBytes);
          } catch (e) {
            parentPort?.postMessage({
              id: job.id,
              ok: false,
              wire: 'undecodable',
              message: (e as Error).message,
            } satisfies ParseReply);
            return;
          }
          if (!body) {
            // Larger than maxBytes: the crawler streams its prefix (a compression bomb stops at the cap).
            parentPort?.postMessage({
              id: job.id,
              ok: false,
              wire: 'too-large',
              message: `over ${maxBytes} bytes`,
            } satisfies ParseReply);
            return;
          }
        }
        ({ text, invalidUtf8 } = decodeBody(body, contentType));
      } else text = job.text;
      const html = extractHtml(text, job.url);
      html.refs = html.refs.filter((r) => mayBeInsecure(r.url));
      reply = { id: job.id, ok: true, html, ...(invalidUtf8 ? { invalidUtf8 } : {}) };
    } else {
      const refs = extractCss(job.text, job.url, 'stylesheet', 0, snippetLines(job.text), true);
      reply = { id: job.id, ok: true, refs: refs.filter((r) => mayBeInsecure(r.url)) };
    }
  } catch (e) {
    reply = { id: job.id, ok: false, message: (e as Error).message ?? String(e) };
  }
  parentPort?.postMessage(reply);
});
parentPort?.postMessage({ ready: true });
