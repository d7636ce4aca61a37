/**
 * Every `docs:` path the text output prints resolves from where the user stands (the repository root,
 * a folder outside the package), and every relative link in the package's docs pages and the README
 * points at a file that exists (doctor.md once pointed at a lint page that did not).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { test } from 'node:test';
import { PACKAGE_ROOT, REPO_ROOT, runCli } from '../helpers.js';

function docsLines(stdout: string): string[] {
  return [...stdout.matchAll(/^\s+docs: (\S+)$/gm)].map((m) => m[1] as string);
}

test('docs: paths resolve from the repository root (relative) and from another folder (absolute)', () => {
  const here = runCli(['lint', 'examples/seed', '--no-config-file']);
  const paths = docsLines(here.stdout);
  assert.ok(paths.length >= 2);
  for (const p of paths) {
    assert.ok(!isAbsolute(p) && p.startsWith('packages/proxyproof/docs/checks/'), p);
    assert.ok(existsSync(join(REPO_ROOT, p)), p);
  }
  const elsewhere = mkdtempSync(join(tmpdir(), 'pp-docs-'));
  try {
    const r = runCli(['doctor', join(REPO_ROOT, 'examples/seed'), '--no-config-file'], { cwd: elsewhere });
    const abs = docsLines(r.stdout);
    assert.ok(abs.length >= 2);
    for (const p of abs) {
      assert.ok(isAbsolute(p), p);
      assert.ok(existsSync(p), p);
    }
  } finally {
    rmSync(elsewhere, { recursive: true, force: true });
  }
});

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
  );
}

test('relative links in README.md and the package docs point at files that exist', () => {
  const pages = [
    join(REPO_ROOT, 'README.md'),
    ...readdirSync(join(PACKAGE_ROOT, 'docs'))
      .filter((n) => n.endsWith('.md'))
      .map((n) => join(PACKAGE_ROOT, 'docs', n)),
  ];
  const broken: string[] = [];
  for (const page of pages) {
    const text = readFileSync(page, 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = (m[1] as string).split('#')[0] as string;
      if (!target || /^[a-z]+:/.test(target)) continue;
      if (!existsSync(resolve(dirname(page), target))) broken.push(`${page}: ${m[1]}`);
    }
  }
  assert.deepEqual(broken, []);
  assert.ok(
    walk(join(PACKAGE_ROOT, 'docs')).some((p) => p.endsWith('docs/lint.md')),
    'the lint page exists',
  );
});

test('every check of every family (layer, chain, scan, probe) has the docs page its findings print', async () => {
  const [{ ALL_CHECKS }, { CHAIN_CHECKS }, { SCAN_CHECKS }, { PROBE_CHECKS }, { docsResolver }] = await Promise.all([
    import('../../src/checks/index.js'),
    import('../../src/checks/chain/index.js'),
    import('../../src/checks/scan/index.js'),
    import('../../src/checks/probe/index.js'),
    import('../../src/render/docs.js'),
  ]);
  const docs = docsResolver(REPO_ROOT);
  const missing: string[] = [];
  const all = [...ALL_CHECKS, ...CHAIN_CHECKS, ...SCAN_CHECKS, ...PROBE_CHECKS];
  assert.ok(all.length > 50);
  for (const c of all) {
    const page = `docs/checks/${c.meta.id}.md`;
    if (!existsSync(join(REPO_ROOT, docs.path(page)))) missing.push(c.meta.id);
    else assert.match(docs.markdown(page) ?? '', /\S/, `${page} is empty`);
  }
  assert.deepEqual(missing, []);
});

test('docs: paths printed for every example (lint and doctor, every severity) resolve from the repository root', () => {
  const examples = readdirSync(join(REPO_ROOT, 'examples')).filter((n) => !n.includes('.'));
  const seen = new Set<string>();
  for (const ex of examples)
    for (const cmd of ['lint', 'doctor']) {
      const r = runCli([cmd, `examples/${ex}`, '--no-config-file', '--min-severity', 'info']);
      for (const p of docsLines(r.stdout)) seen.add(p);
    }
  assert.ok(seen.size >= 10, [...seen].join(', '));
  for (const p of seen) assert.ok(existsSync(join(REPO_ROOT, p)), p);
});
