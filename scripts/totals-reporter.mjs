// A node:test reporter that only counts: one line per finished test (pass, fail, skip, todo), appended at once to
// the file named by PROXYPROOF_TOTALS_FILE. scripts/run-tests.mjs reads it for the closing `N passed, N failed`.
// Why not the TAP reporter's summary: with --test-force-exit the runner exits before a reporter's file stream is
// flushed, and the summary (the last thing written) is lost; a synchronous append per test survives that, and a run
// stopped at its time limit still has every result reported before the stop.
// Counted as node counts (test.js countCompletedTest): every test at any depth, suites not; cancelled is a failure.
import { appendFileSync } from 'node:fs';

const file = process.env.PROXYPROOF_TOTALS_FILE;

// biome-ignore lint/correctness/useYield: node takes reporters as async generators; this one prints nothing.
export default async function* totals(source) {
  for await (const event of source) {
    if (!file || (event.type !== 'test:pass' && event.type !== 'test:fail')) continue;
    const data = event.data;
    if (data.details?.type === 'suite') continue;
    const outcome =
      data.skip !== undefined && data.skip !== false
        ? 'skip'
        : data.todo !== undefined && data.todo !== false
          ? 'todo'
          : event.type === 'test:pass'
            ? 'pass'
            : 'fail';
    appendFileSync(file, `${outcome}\n`);
  }
}
