// Preloaded (`--import`) by scripts/run-tests.mjs into node's test runner and, through its execArgv, into every test
// file's child process. A child sends its results to the runner as frames on its stdout, a pipe, and pipe writes on
// Linux are asynchronous: with --test-force-exit the child calls process.exit() while the last frames are still
// queued, and those tests vanish from the report — fewer tests counted, exit 0 (nodejs/node#64833; seen here as
// round 15's CI reporting 3,814 tests where the same tests counted 3,835). A blocking stdout in the child makes every
// frame written before the exit (the idiom node itself uses for a TTY or a pipe before it exits).
if (process.env.NODE_TEST_CONTEXT?.startsWith('child')) process.stdout._handle?.setBlocking?.(true);
