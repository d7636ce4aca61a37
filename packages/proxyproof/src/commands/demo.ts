/**
 * `proxyproof demo`: the seed's story on this machine with the lab's real programs. The broken
 * nginx -> gunicorn -> Django site (lab scenario 01) comes up on a real host name (app.test, mapped onto
 * loopback for Chromium), Chromium's console lines are printed, `doctor` explains the chain, `fix --write`
 * patches the rendered files, the processes restart from them, Chromium's console comes back clean, and
 * everything is stopped. Missing programs: the Debian packages to install, exit 2.
 * The lab is TypeScript run from the repository (lab/), loaded through tsx like its own tests.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { runDoctor } from '../chain/run.js';
import { renderFinding } from '../render/text.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE } from './common.js';
import { runFix } from './fix.js';

export const DEMO_SCENARIO = '01-nginx-gunicorn-no-xfp';
/** Debian packages the demo's programs come from (scripts/install-system-deps.sh installs them all). */
export const DEMO_PACKAGES: Record<string, string> = {
  nginx: 'nginx',
  gunicorn: 'gunicorn',
  'Debian python3': 'python3',
  django: 'python3-django',
  chromium: 'chromium',
  openssl: 'openssl',
};

interface Observation {
  consoleMixedContent: string[];
  console: string[];
  mixedContentIssues: unknown[];
  error?: string;
  finalUrl?: string;
}

export interface Lab {
  LAB_ROOT: string;
  missingPrograms(kinds: string[]): string[];
  systemBinaries(): { chromium: string; openssl: string };
  startScenario(id: string): Promise<{
    entryUrl: string;
    dir: string;
    hostResolverRules: string;
    caFile: string;
    restart(): Promise<void>;
    stop(o?: { keepFiles?: boolean }): Promise<void>;
  }>;
  observe(url: string, o: { hostResolverRules: string; caFile: string }): Promise<Observation>;
  closeBrowsers(): Promise<void>;
}

export function labDir(): string {
  return fileURLToPath(new URL('../../../../lab/', import.meta.url));
}

async function loadLab(): Promise<Lab | string> {
  const dir = labDir();
  const entry = `${dir}src/index.ts`;
  if (!existsSync(entry)) return `the demo runs the lab of the proxyproof repository (${entry} not found): run it from a clone`;
  try {
    const api = (await import('tsx/esm/api')) as { register(): unknown };
    api.register();
  } catch (e) {
    return `the demo loads the lab through tsx (npm install in the repository): ${(e as Error).message}`;
  }
  return (await import(pathToFileURL(entry).href)) as Lab;
}

/** The Debian packages that provide what `missingPrograms` reported (names as in scripts/install-system-deps.sh). */
export function packagesFor(missing: string[]): string[] {
  const out = new Set<string>();
  for (const m of missing) {
    for (const [what, pkg] of Object.entries(DEMO_PACKAGES)) if (m.startsWith(what) || m.includes(`import ${what}`)) out.add(pkg);
    const apt = /apt-get install ([a-z0-9 .+-]+)\)/.exec(m);
    if (apt) for (const p of (apt[1] as string).split(/\s+/)) if (p) out.add(p);
  }
  return [...out];
}

function consoleLines(o: Observation): string[] {
  const lines = o.console.filter((l) => /Mixed Content|ERR_|insecure|not secure/i.test(l));
  return lines.length ? lines : o.consoleMixedContent;
}

export async function runDemo(
  log: (s: string) => void = (s) => process.stdout.write(`${s}\n`),
  /** The lab to drive (tests give one whose programs are missing); default: the repository's lab/. */
  labLoader: () => Promise<Lab | string> = loadLab,
): Promise<number> {
  const lab = await labLoader();
  if (typeof lab === 'string') {
    log(`proxyproof demo: ${lab}`);
    return EXIT_USAGE;
  }
  const missing = lab.missingPrograms(['nginx', 'gunicorn']);
  const bins = lab.systemBinaries();
  if (!existsSync(bins.chromium)) missing.push(`chromium not found at ${bins.chromium}`);
  if (!existsSync(bins.openssl)) missing.push(`openssl not found at ${bins.openssl}`);
  if (missing.length > 0) {
    log('proxyproof demo: the demo needs programs this machine does not have:');
    for (const m of missing) log(`  - ${m}`);
    log(`install them (Debian): sudo apt-get install --no-install-recommends ${packagesFor(missing).join(' ')}`);
    log(`  or everything the lab uses: sudo ${lab.LAB_ROOT.replace(/lab\/?$/, '')}scripts/install-system-deps.sh`);
    return EXIT_USAGE;
  }
  log('1. The seed: nginx ends TLS and proxies to gunicorn + Django without X-Forwarded-Proto.');
  const sc = await lab.startScenario(DEMO_SCENARIO);
  let clean = false;
  try {
    log(`   site up: ${sc.entryUrl} (Chromium maps app.test onto loopback: ${sc.hostResolverRules})`);
    log(`   deployment files (what runs): ${sc.dir}`);
    log('');
    log('2. Chromium opens it. Its console:');
    const before = await lab.observe(sc.entryUrl, { hostResolverRules: sc.hostResolverRules, caFile: sc.caFile });
    for (const l of consoleLines(before)) log(`   ${l}`);
    if (consoleLines(before).length === 0) log('   (nothing: the broken site did not break as expected)');
    log('');
    log(`3. proxyproof doctor ${sc.dir}`);
    const doc = await runDoctor([sc.dir], { url: sc.entryUrl });
    for (const s of doc.report.sections ?? []) if (s.title === 'Chain') for (const l of s.lines) if (l.trim()) log(`   ${l}`);
    for (const f of doc.report.findings.filter((x) => x.severity === 'high' || x.severity === 'critical').slice(0, 2))
      log(
        renderFinding(f, { color: false, quiet: false })
          .split('\n')
          .map((l) => `   ${l}`)
          .join('\n'),
      );
    log('');
    log(`4. proxyproof fix --write ${sc.dir}`);
    const fix = await runFix([sc.dir], { write: true, cwd: sc.dir });
    for (const p of fix.plan.patches) for (const l of p.diff.replace(/\n$/, '').split('\n')) log(`   ${l}`);
    for (const w of fix.written)
      log(`   ${w.status === 'written' ? `wrote ${w.file} (backup ${w.backup})` : `${w.status}: ${w.file}: ${w.reason}`}`);
    if (!fix.written.some((w) => w.status === 'written')) {
      log('   nothing was written: stopping');
      return EXIT_FINDINGS;
    }
    log('');
    log('5. Restart nginx and gunicorn from the patched files; Chromium opens the site again. Its console:');
    await sc.restart();
    const after = await lab.observe(sc.entryUrl, { hostResolverRules: sc.hostResolverRules, caFile: sc.caFile });
    const left = consoleLines(after);
    for (const l of left) log(`   ${l}`);
    clean = left.length === 0 && after.mixedContentIssues.length === 0 && !after.error;
    log(clean ? '   (clean: no mixed content, no redirect loop)' : `   still broken${after.error ? `: ${after.error}` : ''}`);
  } finally {
    log('');
    log('6. Stopping everything.');
    await lab.closeBrowsers();
    await sc.stop();
  }
  return clean ? EXIT_OK : EXIT_FINDINGS;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      "the seed's story with real nginx, gunicorn, Django and Chromium: broken site, doctor, fix --write, restart, clean console (needs the Debian packages)",
    )
    .action(async () => {
      process.exitCode = await runDemo();
    });
}
