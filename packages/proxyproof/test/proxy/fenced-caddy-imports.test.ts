// A Caddyfile in a guide's code fence is an excerpt: its `import name` points at a snippet of the Caddyfile the guide
// is about. The tree's own Caddyfile defining it leaves the document quiet; a snippet defined nowhere is a note
// (the excerpt cannot be read whole), never a warning per line of documentation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lintFiles } from '../python/lint-files.js';

const CADDYFILE = [
  '(proxy_headers) {',
  '  header_up X-Forwarded-Proto https',
  '}',
  '',
  'http://app.example.com {',
  '  reverse_proxy app:80 {',
  '    import proxy_headers',
  '  }',
  '}',
  '',
].join('\n');
const GUIDE = (snippet: string) =>
  [
    '# Add an app',
    '',
    '```caddyfile',
    'http://new.example.com {',
    '  reverse_proxy new:80 {',
    `    import ${snippet}`,
    '  }',
    '}',
    '```',
    '',
  ].join('\n');

const importDiagnostics = (d: Array<{ level: string; file?: string; line?: number; message: string }>) =>
  d.filter((x) => /import \S+: not a snippet/.test(x.message));

test("a fence importing a snippet of the tree's Caddyfile: no diagnostic", async () => {
  const { facts } = await lintFiles({ 'proxy/Caddyfile': CADDYFILE, 'docs/apps.md': GUIDE('proxy_headers') });
  assert.deepEqual(importDiagnostics(facts.diagnostics), []);
});

test('a fence importing a snippet defined nowhere: one note at the import line', async () => {
  const { facts } = await lintFiles({ 'proxy/Caddyfile': CADDYFILE, 'docs/apps.md': GUIDE('tunnel_only') });
  const d = importDiagnostics(facts.diagnostics);
  assert.equal(d.length, 1, JSON.stringify(d));
  assert.equal(d[0]?.level, 'note');
  assert.equal(d[0]?.file, 'docs/apps.md');
  assert.equal(d[0]?.line, 6);
});

test("trap: the tree's own Caddyfile importing an undefined snippet stays a warning", async () => {
  const { facts } = await lintFiles({ Caddyfile: CADDYFILE.replace('import proxy_headers', 'import missing_one') });
  const d = importDiagnostics(facts.diagnostics);
  assert.equal(d.length, 1, JSON.stringify(d));
  assert.equal(d[0]?.level, 'warning');
});
