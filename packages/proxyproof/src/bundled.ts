/** Defined (as true) by scripts/bundle.mjs in the bundled CLI only; tsc's output and the sources leave it undeclared. */
declare const __PROXYPROOF_BUNDLE__: boolean | undefined;

/**
 * True when this code runs from the esbuild bundle (dist/bundle/), where a module's `import.meta.url` is still its
 * tsc file's under dist/ (scripts/bundle.mjs `ownUrl`). The scan then loads the one-file builds the bundle step
 * also writes (its parse worker, undici's Agent) from `../../bundle/`, so the main thread and what it loads come
 * from the same build.
 */
export const BUNDLED: boolean = typeof __PROXYPROOF_BUNDLE__ !== 'undefined' && __PROXYPROOF_BUNDLE__ === true;
