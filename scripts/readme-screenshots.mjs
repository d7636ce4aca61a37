#!/usr/bin/env node
// Regenerates the README's pictures from the real tool: docs/img/report-desktop.png and report-phone.png
// (the HTML report of `proxyproof doctor examples/seed`, opened offline in Debian's Chromium), and
// docs/img/terminal.png (`proxyproof lint examples/seed` as a colour terminal shows it, run under a pty).
// Usage: npm run build && node scripts/readme-screenshots.mjs
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const root = new URL('..', import.meta.url).pathname;
const bin = join(root, 'packages/proxyproof/bin/proxyproof.js');
const out = join(root, 'docs/img');
const work = mkdtempSync(join(tmpdir(), 'pp-readme-'));

const report = join(work, 'report.html');
spawnSync(process.execPath, [bin, 'doctor', 'examples/seed', '--format', 'html', '--output', report, '--no-config-file'], {
  cwd: root,
});

// A pty (util-linux `script`) so proxyproof colours its output as in a terminal.
const ansi = execFileSync(
  'script',
  ['-qec', `${process.execPath} ${bin} lint examples/seed --no-config-file; true`, '/dev/null'],
  {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '', COLUMNS: '110' },
  },
);

const COLORS = { 31: '#ff6b6b', 32: '#69db7c', 33: '#ffd43b', 36: '#66d9e8' };
function toHtml(text) {
  let html = '';
  let open = 0;
  const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  for (const part of text.replace(/\r/g, '').split(/(\x1b\[[0-9;]*m)/)) {
    const m = /^\x1b\[([0-9;]*)m$/.exec(part);
    if (!m) {
      html += esc(part);
      continue;
    }
    for (const code of m[1].split(';').map(Number)) {
      if (code === 0 || code === 22 || code === 39) {
        if (open) {
          html += '</span>';
          open--;
        }
      } else {
        const style = code === 1 ? 'font-weight:bold' : code === 2 ? 'opacity:.6' : COLORS[code] ? `color:${COLORS[code]}` : '';
        html += `<span style="${style}">`;
        open++;
      }
    }
  }
  return html + '</span>'.repeat(open);
}
const term = join(work, 'terminal.html');
writeFileSync(
  term,
  `<!doctype html><meta charset="utf-8"><body style="margin:0;background:#1e1e1e"><pre style="margin:0;padding:16px 20px;color:#e8e8e8;font:13px/1.45 'DejaVu Sans Mono',monospace;white-space:pre-wrap;width:1000px">$ npx proxyproof lint examples/seed\n${toHtml(ansi)}</pre>`,
);

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--host-resolver-rules=MAP * ~NOTFOUND'],
});
try {
  for (const [name, w, h, file, full] of [
    ['report-desktop.png', 1100, 1500, report, false],
    ['report-phone.png', 390, 1400, report, false],
    ['terminal.png', 1040, 600, term, true],
  ]) {
    const ctx = await browser.newContext({ viewport: { width: w, height: h }, deviceScaleFactor: 1, offline: true });
    const page = await ctx.newPage();
    await page.goto(pathToFileURL(file).href);
    await page.screenshot({ path: join(out, name), fullPage: full });
    await ctx.close();
  }
} finally {
  await browser.close();
  rmSync(work, { recursive: true, force: true });
}
console.log(`wrote ${out}/report-desktop.png, report-phone.png, terminal.png`);
