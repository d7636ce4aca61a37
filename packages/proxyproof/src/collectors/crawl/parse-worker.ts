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
import { mayBeInsecure } from './page.js';
import type { ParseJob, ParseReply } from './parser-worker.js';

parentPort?.on('message', (job: ParseJob) => {
  let reply: ParseReply;
  try {
    if (job.kind === 'html') {
      const html = extractHtml(job.text, job.url);
      html.refs = html.refs.filter((r) => mayBeInsecure(r.url));
      reply = { id: job.id, ok: true, html };
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
