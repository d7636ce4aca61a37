/**
 * The build bundles the CLI (scripts/bundle.mjs -> dist/bundle/, issue 10 start-up). These tests check that
 * the bundle is the same program as tsc's unbundled dist/: byte-identical output and exit codes on every
 * example (JSON lint and doctor; text on seed), paths built from `import.meta.url` (docs, package.json) resolving
 * from the package root, and bin/proxyproof.js choosing the bundle only when it is not older than tsc's output.
 * The scan's one-file builds (dist/bundle/scan.cjs with its V8 code cache, dist/bundle/parse-worker.js,
 * dist/bundle/undici-agent.cjs) are what the bundled scan loads, and its output is tsc's dist output byte for byte.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { PACKAGE_ROOT, REPO_ROOT } from '../helpers.js';
import { html, makeCerts, startHttps } from '../scan/servers.js';

const BUNDLE = join(PACKAGE_ROOT, 'dist/bundle/bin.js');
const UNBUNDLED = join(PACKAGE_ROOT, 'dist/bin.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(entry: string, args: string[], nodeArgs: string[] = [], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((res) => {
    execFile(
      process.execPath,
      [...nodeArgs, entry, ...args],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        timeout: 300_000,
        env: { ...process.env, NO_COLOR: '1', ...env },
      },
      (err, stdout, stderr) => res({ code: typeof err?.code === 'number' ? err.code : err ? -1 : 0, stdout, stderr }),
    );
  });
}

describe('the bundled CLI', () => {
  it('is built by npm run build', () => {
    assert.ok(existsSync(BUNDLE), 'dist/bundle/bin.js: npm run build bundles the CLI (esbuild through tsx)');
    // Fewer files than tsc's output: that is its purpose.
    const chunks = readdirSync(join(PACKAGE_ROOT, 'dist/bundle')).filter((n) => n.endsWith('.js'));
    assert.ok(chunks.length > 1, 'commands and collectors stay separate chunks (loaded on demand)');
  });

  const examples = readdirSync(join(REPO_ROOT, 'examples'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
  for (const ex of examples)
    it(`gives tsc's dist output byte for byte on examples/${ex}`, async () => {
      const dir = join('examples', ex);
      for (const args of [
        ['lint', dir, '--format', 'json'],
        ['doctor', dir, '--format', 'json'],
      ]) {
        const [a, b] = await Promise.all([run(BUNDLE, args), run(UNBUNDLED, args)]);
        assert.equal(a.code, b.code, `${args.join(' ')}: exit code`);
        assert.equal(a.stdout, b.stdout, `${args.join(' ')}: stdout`);
        assert.equal(a.stderr, b.stderr, `${args.join(' ')}: stderr`);
      }
    });

  it('resolves the docs and package.json from the package root', async () => {
    const r = await run(BUNDLE, ['lint', 'examples/seed']);
    assert.deepEqual(r, await run(UNBUNDLED, ['lint', 'examples/seed']), 'text output');
    const docs = [...r.stdout.matchAll(/docs: (\S+\.md)/g)].map((m) => m[1] as string);
    assert.ok(docs.length > 0, r.stdout);
    for (const d of docs) {
      // Shown relative to the working directory (the repository root here).
      const abs = resolve(REPO_ROOT, d);
      assert.ok(abs.startsWith(join(PACKAGE_ROOT, 'docs/')), d);
      assert.ok(existsSync(abs), d);
    }
    const version = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    for (const args of [['--version'], ['lint', '--version']]) assert.equal((await run(BUNDLE, args)).stdout, `${version}\n`);
  });
});

// Preloaded into a CLI process: records, at exit, the worker threads it started (their URLs and the module lines
// that started them) and the undici files it required (CommonJS's cache is one per process), so a test sees which
// builds a command loaded and where the parse worker was started.
const LOADS_PROBE = `
  import { createRequire, syncBuiltinESMExports } from 'node:module';
  import { writeFileSync } from 'node:fs';
  const require = createRequire(import.meta.url);
  const wt = require('node:worker_threads');
  const workers = [];
  const startedFrom = [];
  const Original = wt.Worker;
  wt.Worker = class extends Original {
    constructor(what, options) {
      workers.push(String(what));
      startedFrom.push(new Error().stack.split('\\n').filter((l) => /dist\\//.test(l)).map((l) => l.trim()));
      super(what, options);
    }
  };
  syncBuiltinESMExports();
  process.on('exit', () => {
    const undici = Object.keys(require.cache).filter((f) => /undici/.test(f));
    writeFileSync(process.env.LOADS_OUT, JSON.stringify({ workers, startedFrom, undici }));
  });`;

describe('the bundled scan', () => {
  it("loads the one-file parse worker and undici Agent, and gives tsc's dist output byte for byte", async () => {
    const certs = makeCerts();
    const page = (i: number) =>
      `<link rel="stylesheet" href="/s.css"><style>.a{background:url(http://app.test/i${i}.png)}</style>` +
      `<img src="http://app.test/p${i}.png"><a href="/p${i + 1}">next</a><a href="/p${(i * 3) % 7}">x</a>`;
    const site = await startHttps((req, res) => {
      if (req.url === '/s.css') {
        res.writeHead(200, { 'content-type': 'text/css' });
        res.end('@import url("/b.css");\n.h{background-image:image-set("http://app.test/h.png" 1x)}\n');
      } else if (req.url === '/b.css') {
        res.writeHead(200, { 'content-type': 'text/css' });
        res.end('body{color:red}');
      } else html(res, page(Number(/\d+/.exec(req.url ?? '')?.[0] ?? 0)));
    }, certs);
    const dir = mkdtempSync(join(tmpdir(), 'pp-bundle-scan-'));
    try {
      const probe = join(dir, 'probe.mjs');
      writeFileSync(probe, LOADS_PROBE);
      const args = [
        'scan',
        `https://app.test:${site.port}/`,
        '--resolve',
        `app.test:${site.port}:127.0.0.1`,
        '--ca-cert',
        certs.caFile,
      ];
      args.push(
        '--concurrency',
        '1',
        '--max-pages',
        '12',
        '--no-robots',
        '--no-sitemap',
        '--no-third-party-check',
        '--format',
        'json',
      );
      const out = (name: string) => join(dir, `${name}.json`);
      // PROXYPROOF_DEBUG: the bundled scan says what became of dist/bundle/scan.cjs's code cache (src/scan-cjs.ts).
      const a = await run(BUNDLE, args, ['--import', probe], { LOADS_OUT: out('bundle'), PROXYPROOF_DEBUG: '1' });
      const b = await run(UNBUNDLED, args, ['--import', probe], { LOADS_OUT: out('dist') });
      assert.equal(a.code, 1, a.stderr);
      assert.equal(a.code, b.code, 'exit code');
      assert.ok((JSON.parse(a.stdout) as { pages: unknown[] }).pages.length >= 7, a.stdout.slice(0, 2000));
      assert.equal(a.stdout, b.stdout, 'stdout');
      // The scan ran from the one CommonJS file, compiled from the cache the build wrote for this Node.
      assert.match(a.stderr, /^proxyproof: dist\/bundle\/scan\.cjs code cache: used$/m, a.stderr);
      // The other formats: SARIF's rule table and the HTML/text renderers load from scan.cjs and, for the check
      // tables kept out of it, from the ES-module chunks (its `__import`s); the same output as tsc's dist.
      for (const format of ['sarif', 'text', 'html']) {
        const withFormat = [...args.slice(0, -1), format, '--no-progress'];
        const [x, y] = [await run(BUNDLE, withFormat), await run(UNBUNDLED, withFormat)];
        assert.equal(x.code, 1, `${format}: ${x.stderr}`);
        assert.equal(x.code, y.code, `${format}: exit code`);
        assert.ok(x.stdout === y.stdout, `${format}: stdout differs from tsc's dist`);
        assert.equal(x.stderr, y.stderr, `${format}: stderr`);
      }
      type Loads = { workers: string[]; startedFrom: string[][]; undici: string[] };
      const bundled = JSON.parse(readFileSync(out('bundle'), 'utf8')) as Loads;
      assert.deepEqual(bundled.workers, [pathToFileURL(join(PACKAGE_ROOT, 'dist/bundle/parse-worker.js')).href]);
      assert.deepEqual(bundled.undici, [join(PACKAGE_ROOT, 'dist/bundle/undici-agent.cjs')]);
      const dist = JSON.parse(readFileSync(out('dist'), 'utf8')) as Loads;
      assert.deepEqual(dist.workers, [pathToFileURL(join(PACKAGE_ROOT, 'dist/collectors/crawl/parse-worker.js')).href]);
      // The one parse worker is started by bin.js itself, before the CLI and the scan command load (its start-up
      // then runs beside theirs, not after them): the frame that starts it is bin.js's, none is the command's.
      for (const [loads, bin] of [
        [bundled, 'dist/bundle/bin.js:'],
        [dist, 'dist/bin.js:'],
      ] as const) {
        const frames = loads.startedFrom[0] ?? [];
        assert.ok(
          frames.some((f) => f.includes(bin)),
          frames.join('\n'),
        );
        assert.ok(!frames.some((f) => /commands\/scan\.js|bundle\/(?:scan|cli)-/.test(f)), frames.join('\n'));
      }
      // `scan --config DIR` runs from the ES-module chunks (its lint engine is not in scan.cjs): no cache line, the
      // same output as tsc's dist.
      const withConfig = [...args, '--no-progress', '--config', join(REPO_ROOT, 'examples/seed')];
      const c = await run(BUNDLE, withConfig, [], { PROXYPROOF_DEBUG: '1' });
      assert.doesNotMatch(c.stderr, /code cache/, c.stderr);
      const u = await run(UNBUNDLED, withConfig);
      assert.equal(c.code, u.code, `--config: exit code: ${c.stderr}`);
      assert.ok((JSON.parse(c.stdout) as { pages: unknown[] }).pages.length >= 7, c.stdout.slice(0, 2000));
      assert.ok(c.stdout === u.stdout, "--config: stdout differs from tsc's dist");
      // `scan --help` starts none.
      const help = await run(BUNDLE, ['scan', '--help'], ['--import', probe], { LOADS_OUT: out('help') });
      assert.equal(help.code, 0, help.stderr);
      assert.deepEqual((JSON.parse(readFileSync(out('help'), 'utf8')) as Loads).workers, []);
      assert.ok(
        dist.undici.length > 1 && dist.undici.every((f) => f.includes(`${join('node_modules', 'undici')}`)),
        dist.undici.join('\n'),
      );
    } finally {
      await site.close();
      certs.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bin/proxyproof.js', () => {
  /** A package layout whose two entry points say which one ran; mtimes in seconds since the epoch. */
  function layout(t: { bundle?: number; dist: number; buildinfo?: number }): string {
    const root = mkdtempSync(join(tmpdir(), 'pp-bin-'));
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'dist/bundle'), { recursive: true });
    writeFileSync(join(root, 'package.json'), '{"type":"module"}');
    copyFileSync(join(PACKAGE_ROOT, 'bin/proxyproof.js'), join(root, 'bin/proxyproof.js'));
    writeFileSync(join(root, 'dist/bin.js'), "process.stdout.write('unbundled');\n");
    utimesSync(join(root, 'dist/bin.js'), t.dist, t.dist);
    if (t.bundle !== undefined) {
      writeFileSync(join(root, 'dist/bundle/bin.js'), "process.stdout.write('bundle');\n");
      utimesSync(join(root, 'dist/bundle/bin.js'), t.bundle, t.bundle);
    }
    if (t.buildinfo !== undefined) {
      writeFileSync(join(root, 'tsconfig.tsbuildinfo'), '{}');
      utimesSync(join(root, 'tsconfig.tsbuildinfo'), t.buildinfo, t.buildinfo);
    }
    return root;
  }
  const cases: Array<{ name: string; t: { bundle?: number; dist: number; buildinfo?: number }; runs: string }> = [
    { name: 'bundle built after tsc', t: { buildinfo: 1000, dist: 1000, bundle: 1001 }, runs: 'bundle' },
    {
      name: 'tsc emitted after the bundle (npm run typecheck)',
      t: { bundle: 1000, dist: 1000, buildinfo: 1001 },
      runs: 'unbundled',
    },
    { name: 'dist/bin.js newer than the bundle', t: { bundle: 1000, buildinfo: 1000, dist: 1001 }, runs: 'unbundled' },
    { name: 'no bundle (esbuild missing)', t: { dist: 1000, buildinfo: 1000 }, runs: 'unbundled' },
    { name: 'installed package (no tsbuildinfo)', t: { dist: 1000, bundle: 1000 }, runs: 'bundle' },
  ];
  for (const c of cases)
    it(`runs the ${c.runs} entry: ${c.name}`, () => {
      const root = layout(c.t);
      try {
        const r = spawnSync(process.execPath, [join(root, 'bin/proxyproof.js')], { encoding: 'utf8', timeout: 60_000 });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, c.runs);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
});
