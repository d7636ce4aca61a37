/**
 * The worker thread behind ParserWorker (parser-worker.ts): parses what a site sent (HTML with htmlparser2,
 * linked stylesheets with css-tree) so that the crawler can kill a parse that does not end.
 */
import { parentPort } from 'node:worker_threads';
import { extractCss, extractHtml, snippetLines } from './extract.js';
import type { ParseJob, ParseReply } from './parser-worker.js';

parentPort?.on('message', (job: ParseJob) => {
  let reply: ParseReply;
  try {
    if (job.kind === 'html') reply = { id: job.id, ok: true, html: extractHtml(job.text, job.url) };
    else reply = { id: job.id, ok: true, refs: extractCss(job.text, job.url, 'stylesheet', 0, snippetLines(job.text), true) };
  } catch (e) {
    reply = { id: job.id, ok: false, message: (e as Error).message ?? String(e) };
  }
  parentPort?.postMessage(reply);
});
parentPort?.postMessage({ ready: true });
