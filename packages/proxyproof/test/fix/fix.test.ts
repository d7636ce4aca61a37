/**
 * The fix command's mechanics: diffs that real `patch` applies, idempotence, style, symlinks patched at
 * their target, read-only and changed-since-read files left alone, and a change real nginx rejects undone.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runFix, writtenLines } from '../../src/commands/fix.js';
import { lintPaths } from '../../src/engine/lint.js';
import { applyChanges, splitText, unifiedDiff } from '../../src/fix/diff.js';
import { matchQuotes, planFixes, sameContinuation, wholeStatementLine } from '../../src/fix/plan.js';
import { findProgram } from '../../src/fix/programs.js';
import { writePlan } from '../../src/fix/write.js';
import type { Finding } from '../../src/model/finding.js';
import { runCli } from '../helpers.js';
import { SITE, tree } from './tree.js';

test('diff: insertion, replacement and a file without a final newline round-trip through GNU patch', (t) => {
  if (!findProgram('patch')) return t.skip('patch is not installed');
  const cases: Array<{ name: string; text: string; changes: Parameters<typeof applyChanges>[1] }> = [
    { name: 'insert in the middle', text: 'a\nb\nc\nd\ne\nf\ng\nh\n', changes: [{ oldStart: 2, oldLen: 0, newLines: ['X'] }] },
    { name: 'replace first line', text: 'a\nb\nc\n', changes: [{ oldStart: 0, oldLen: 1, newLines: ['A', 'A2'] }] },
    {
      name: 'two hunks far apart',
      text: `${Array.from({ length: 30 }, (_, i) => `l${i}`).join('\n')}\n`,
      changes: [
        { oldStart: 1, oldLen: 1, newLines: ['one'] },
        { oldStart: 25, oldLen: 0, newLines: ['new'] },
      ],
    },
    { name: 'append to a file without final newline', text: 'a\nb', changes: [{ oldStart: 2, oldLen: 0, newLines: ['c'] }] },
    { name: 'replace last line without final newline', text: 'a\nb', changes: [{ oldStart: 1, oldLen: 1, newLines: ['B'] }] },
    { name: 'CRLF file', text: 'a\r\nb\r\nc\r\n', changes: [{ oldStart: 1, oldLen: 0, newLines: ['X'] }] },
  ];
  for (const c of cases) {
    const dir = tree({ f: c.text });
    try {
      const file = splitText(c.text);
      const diff = unifiedDiff('f', file, c.changes);
      const expected = (() => {
        const lines = applyChanges(file.lines, c.changes);
        return lines.join(file.eol) + (file.eofNewline ? file.eol : '');
      })();
      const r = spawnSync('patch', ['-p1', '--binary', '-s'], {
        cwd: dir,
        input: diff.replace(/\n/g, file.eol === '\r\n' ? '\n' : '\n'),
        encoding: 'utf8',
      });
      if (file.eol === '\r\n') {
        // patch compares lines without their CR only in --binary-less mode; for CRLF just check our own output.
        assert.match(diff, /^\+X$/m, c.name);
        continue;
      }
      assert.equal(r.status, 0, `${c.name}: ${r.stdout}${r.stderr}\n${diff}`);
      assert.equal(readFileSync(join(dir, 'f'), 'utf8'), expected, c.name);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('style helpers: whole-statement lines and quote style', () => {
  const table: Array<[string, boolean]> = [
    ['    proxy_set_header Host $host;', true],
    ['SECURE_SSL_REDIRECT = True  # on', true],
    ['CSRF_TRUSTED_ORIGINS = [', false],
    ['    location / { proxy_pass http://x; }', false],
    ['    location / {', false],
    ['ExecStart=/usr/bin/gunicorn \\', false],
    ["x = 'a # not a comment'", true],
    ['a = 1; b = 2', false],
  ];
  for (const [line, whole] of table) assert.equal(wholeStatementLine(line), whole, line);
  // A continued line may be replaced by one line that continues the same way (a flag added to a multi-line command).
  const continued: Array<[string, string[], boolean]> = [
    ['ExecStart=/usr/bin/gunicorn \\', ['ExecStart=/usr/bin/gunicorn --forwarded-allow-ips=10.0.0.5 \\'], true],
    ['ExecStart=/usr/bin/gunicorn \\', ['ExecStart=/usr/bin/gunicorn --forwarded-allow-ips=10.0.0.5'], false],
    ['ExecStart=/usr/bin/gunicorn \\', ['ExecStart=/usr/bin/gunicorn \\', '  --flag \\'], false],
    ['CMD ["gunicorn", \\', ['CMD ["gunicorn", "--flag", \\'], false],
    ['    proxy_set_header Host $host;', ['    proxy_set_header Host $http_host;'], false],
  ];
  for (const [target, lines, ok] of continued) assert.equal(sameContinuation(target, lines), ok, `${target} -> ${lines}`);
  assert.equal(matchQuotes("X = 'a'", 'X = ("A", "b")'), "X = ('A', 'b')");
  assert.equal(matchQuotes('X = "a"', "X = ('A', 'b')"), 'X = ("A", "b")');
  assert.equal(matchQuotes('X = 1', 'X = "a"'), 'X = "a"');
});

test('fix: the seed-like site gets X-Forwarded-Proto in its own indentation; fix after --write prints nothing', async () => {
  const dir = tree({ 'nginx/sites-enabled/app': SITE });
  try {
    const dry = await runFix(['.'], { cwd: dir });
    assert.equal(dry.plan.patches.length, 1);
    const p = dry.plan.patches[0]!;
    assert.equal(p.file, 'nginx/sites-enabled/app');
    assert.match(p.diff, /^\+ {8}proxy_set_header X-Forwarded-Proto \$scheme;$/m);
    assert.equal(dry.exitCode, 1);
    const w = await runFix(['.'], { cwd: dir, write: true });
    assert.equal(w.written[0]?.status, 'written', JSON.stringify(w.written));
    assert.equal(readFileSync(join(dir, 'nginx/sites-enabled/app.orig'), 'utf8'), SITE, 'backup holds the original');
    assert.equal(w.exitCode, 0);
    const again = await runFix(['.'], { cwd: dir });
    assert.equal(again.plan.patches.length, 0, 'idempotent');
    const lint = await lintPaths(['.'], { cwd: dir });
    assert.ok(!lint.report.findings.some((f) => f.id === 'nginx/forwarded-proto-missing'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fix --write: a symlinked site is patched at its target; the link stays a link', async () => {
  const dir = tree({ 'nginx/sites-available/app': SITE });
  try {
    mkdirSync(join(dir, 'nginx/sites-enabled'));
    symlinkSync('../sites-available/app', join(dir, 'nginx/sites-enabled/app'));
    const w = await runFix(['nginx/sites-enabled'], { cwd: dir, write: true });
    assert.equal(w.plan.patches[0]?.file, 'nginx/sites-available/app');
    assert.equal(w.written[0]?.status, 'written');
    assert.match(readFileSync(join(dir, 'nginx/sites-available/app'), 'utf8'), /X-Forwarded-Proto/);
    assert.deepEqual(readdirSync(join(dir, 'nginx/sites-enabled')), ['app']);
    assert.ok(existsSync(join(dir, 'nginx/sites-available/app.orig')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fix --write: a backup in a folder nginx includes with a glob is a dot-file nginx skips', async () => {
  const dir = tree({
    'nginx/nginx.conf': 'events {}\nhttp {\n    include sites-enabled/*;\n}\n',
    'nginx/sites-enabled/app': SITE,
  });
  try {
    const w = await runFix(['nginx/nginx.conf'], { cwd: dir, write: true });
    assert.equal(w.written[0]?.status, 'written', JSON.stringify(w.written));
    assert.deepEqual(readdirSync(join(dir, 'nginx/sites-enabled')).sort(), ['.app.orig', 'app']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fix --write: a read-only file and a file changed since it was read are not touched', async () => {
  const dir = tree({ 'site.conf': SITE });
  try {
    chmodSync(join(dir, 'site.conf'), 0o444);
    const w = await runFix(['.'], { cwd: dir, write: true });
    assert.equal(w.written[0]?.status, 'aborted');
    assert.match(w.written[0]?.reason ?? '', /read-only/);
    assert.equal(readFileSync(join(dir, 'site.conf'), 'utf8'), SITE);
    assert.ok(!existsSync(join(dir, 'site.conf.orig')));
    assert.equal(w.exitCode, 1);
    chmodSync(join(dir, 'site.conf'), 0o644);
    const { facts, report } = await lintPaths(['.'], { cwd: dir });
    const plan = planFixes(facts, report.findings, { cwd: dir });
    writeFileSync(join(dir, 'site.conf'), `${SITE}# edited meanwhile\n`);
    const r = writePlan(plan, facts, { cwd: dir });
    assert.equal(r[0]?.status, 'aborted');
    assert.match(r[0]?.reason ?? '', /changed since it was read/);
    assert.match(readFileSync(join(dir, 'site.conf'), 'utf8'), /edited meanwhile/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fix --write: a change real nginx -t rejects is undone from the backup', async (t) => {
  if (!findProgram('nginx')) return t.skip('nginx is not installed');
  const conf = `events {}\nhttp {\n    server {\n        listen 127.0.0.1:8443;\n        location / {\n            proxy_pass http://127.0.0.1:8000;\n        }\n    }\n}\n`;
  const dir = tree({ 'nginx.conf': conf });
  try {
    const { facts } = await lintPaths(['.'], { cwd: dir });
    const bogus: Finding = {
      id: 'test/bogus',
      severity: 'low',
      title: 't',
      message: 'm',
      why: 'w',
      references: [],
      docs: '',
      evidence: [{ file: 'nginx.conf', line: 6 }],
      fix: {
        description: 'd',
        file: 'nginx.conf',
        line: 6,
        placement: 'after',
        lines: ['            proxy_set_header_typo X y;'],
      },
    };
    const plan = planFixes(facts, [bogus], { cwd: dir });
    assert.equal(plan.patches.length, 1);
    const r = writePlan(plan, facts, { cwd: dir });
    assert.equal(r[0]?.status, 'restored', JSON.stringify(r));
    assert.match(r[0]?.validation?.output ?? '', /unknown directive/);
    assert.equal(readFileSync(join(dir, 'nginx.conf'), 'utf8'), conf);
    assert.ok(!existsSync(join(dir, 'nginx.conf.orig')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fix: a file with a parse error is never patched; its fixes become advice', async () => {
  const dir = tree({
    'site.conf': SITE.replace(
      'proxy_set_header Host $host;',
      'proxy_set_header Host $host;\n        proxy_read_timeout 60s 70s;',
    ),
  });
  try {
    const run = await runFix(['site.conf'], { cwd: dir });
    assert.ok(
      run.report.findings.some((f) => f.id === 'nginx/forwarded-proto-missing'),
      'the finding is there',
    );
    assert.equal(run.plan.patches.length, 0);
    assert.match(run.plan.advice.map((a) => a.reason).join('\n'), /site\.conf was not parsed completely \(site\.conf:10:/);
    assert.equal(run.exitCode, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fix CLI: text is a patch git apply accepts; --backup-dir keeps backups there; json carries the diffs', (t) => {
  const dir = tree({ 'site.conf': SITE });
  try {
    const dry = runCli(['fix', '.'], { cwd: dir });
    assert.equal(dry.code, 1, dry.stderr);
    assert.match(dry.stdout, /^--- a\/site\.conf$/m);
    if (findProgram('git')) {
      const r = spawnSync('git', ['apply', '--check', '-'], { cwd: dir, input: dry.stdout, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    } else t.diagnostic('git not installed: git apply --check skipped');
    const json = runCli(['fix', '.', '--format', 'json'], { cwd: dir });
    const parsed = JSON.parse(json.stdout) as { command: string; fix: { patches: Array<{ diff: string }> } };
    assert.equal(parsed.command, 'fix');
    assert.equal(parsed.fix.patches[0]?.diff, dry.stdout);
    const bk = `${dir}-backups`;
    const w = runCli(['fix', '.', '--write', '--backup-dir', bk], { cwd: dir });
    assert.equal(w.code, 0, w.stdout + w.stderr);
    assert.match(w.stdout, /Reload:\n {2}nginx -t && systemctl reload nginx/);
    assert.equal(readFileSync(join(bk, dir.replace(/^\//, ''), 'site.conf'), 'utf8'), SITE);
    rmSync(bk, { recursive: true, force: true });
    const after = runCli(['fix', '.'], { cwd: dir });
    assert.equal(after.stdout, '');
    assert.equal(after.code, 0);
    assert.equal(runCli(['fix', '.', '--backup-dir', 'x'], { cwd: dir }).code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fix: the same line that two fixes anchor at different places of one nginx block is inserted once', async () => {
  const conf =
    'server {\n    listen 80;\n    location / {\n        proxy_pass http://127.0.0.1:8000;\n        proxy_set_header Host $host;\n    }\n    location /b {\n        proxy_pass http://127.0.0.1:8001;\n    }\n}\n';
  const dir = tree({ 'site.conf': conf });
  try {
    const { facts } = await lintPaths(['.'], { cwd: dir });
    const mk = (id: string, line: number, text: string): Finding => ({
      id,
      severity: 'medium',
      title: 't',
      message: 'm',
      why: 'w',
      references: [],
      docs: '',
      evidence: [{ file: 'site.conf', line }],
      fix: { description: 'd', file: 'site.conf', line, placement: 'after', lines: [text] },
    });
    const xfp = 'proxy_set_header X-Forwarded-Proto $scheme;';
    // Two checks, two anchors in `location /` (after proxy_pass, after the last header), and one in `location /b`.
    const plan = planFixes(facts, [mk('test/a', 4, xfp), mk('test/b', 5, xfp), mk('test/c', 8, xfp)], { cwd: dir });
    const added = (plan.patches[0]?.diff ?? '').split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++'));
    assert.equal(added.length, 2, plan.patches[0]?.diff);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the Reload list names each service once: a unit file and the app settings it runs both written', () => {
  const lines = writtenLines([
    {
      file: 'gunicorn.service',
      status: 'written',
      backup: 'gunicorn.service.orig',
      reload: 'systemctl daemon-reload && systemctl restart gunicorn.service',
    },
    { file: 'app/settings.py', status: 'written', backup: 'app/settings.py.orig', reload: 'systemctl restart gunicorn.service' },
    { file: 'nginx/site.conf', status: 'written', backup: 'nginx/site.conf.orig', reload: 'nginx -t && systemctl reload nginx' },
  ]);
  const reload = lines.slice(lines.indexOf('Reload:') + 1);
  assert.deepEqual(reload, [
    '  systemctl daemon-reload && systemctl restart gunicorn.service',
    '  nginx -t && systemctl reload nginx',
  ]);
});
