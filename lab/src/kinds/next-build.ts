// A Next.js app must be built (`next build`) before `next start` serves it. The lab builds each app once per
// content (the app's files and the installed next version) into a cache under the system temp dir and copies the
// `.next` output into every rendered deployment of it: the broken and fixed variants share one build.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Bound on one `next build` (a tiny app: about a minute on two loaded cores). */
export const NEXT_BUILD_TIMEOUT_MS = 10 * 60_000;

/** True when the package.json in `appDir` depends on next. */
export function isNextApp(appDir: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    return Boolean(pkg.dependencies?.next);
  } catch {
    return false;
  }
}

function contentKey(appDir: string, nodeModules: string): string {
  const h = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (name === 'node_modules' || name === '.next') continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else h.update(relative(appDir, p)).update('\0').update(readFileSync(p)).update('\0');
    }
  };
  walk(appDir);
  h.update(readFileSync(join(nodeModules, 'next', 'package.json')));
  return h.digest('hex').slice(0, 24);
}

/**
 * Gives `appDir` its `.next` build: from the cache when this content was built before, else by running
 * `next build` there (node and next from the workspace) and keeping a copy. Returns how it was obtained.
 */
export async function ensureNextBuild(appDir: string, nodeModules: string, node: string): Promise<'cached' | 'built'> {
  const cacheRoot = join(tmpdir(), 'proxyproof-lab-next-builds');
  const cached = join(cacheRoot, contentKey(appDir, nodeModules));
  if (existsSync(join(cached, 'BUILD_ID'))) {
    cpSync(cached, join(appDir, '.next'), { recursive: true });
    return 'cached';
  }
  await run(node, [join(nodeModules, 'next', 'dist', 'bin', 'next'), 'build'], {
    cwd: appDir,
    timeout: NEXT_BUILD_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' },
  });
  if (!existsSync(join(appDir, '.next', 'BUILD_ID'))) throw new Error(`next build in ${appDir} wrote no .next/BUILD_ID`);
  // Copy beside the cache entry, then rename: a concurrent reader sees a whole build or none.
  mkdirSync(cacheRoot, { recursive: true });
  const partial = `${cached}.${process.pid}.tmp`;
  cpSync(join(appDir, '.next'), partial, { recursive: true });
  try {
    renameSync(partial, cached);
  } catch {
    rmSync(partial, { recursive: true, force: true }); // another run stored it first
  }
  return 'built';
}
