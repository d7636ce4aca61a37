/**
 * The worker thread behind ParserWorker (parser-worker.ts): parses what a site sent (HTML with htmlparser2,
 * linked stylesheets with css-tree; parse-job.ts) so that the crawler can kill a parse that does not end.
 */
import { parentPort } from 'node:worker_threads';
import { runParseJob, warmUp } from './parse-job.js';
import type { ParseJob } from './parser-worker.js';

parentPort?.on('message', (job: ParseJob) => {
  parentPort?.postMessage(runParseJob(job));
});
// Before 'ready': the crawler sends no document until then, and a document waiting meanwhile would need the same
// compiled code (parse-job.ts warmUp).
warmUp();
parentPort?.postMessage({ ready: true });
