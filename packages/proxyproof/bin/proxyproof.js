#!/usr/bin/env node
// Committed entry point so npm can link the bin before the TypeScript build has produced dist/.
import('../dist/bin.js').catch((e) => {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('proxyproof: not built yet; run `npm run build` in the repository root\n');
    process.exit(2);
  }
  throw e;
});
