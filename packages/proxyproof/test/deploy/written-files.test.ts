/**
 * Files a script writes from its own text (collectors/written.ts): here-documents and multi-line `echo`/`printf`
 * strings, each body checked against what real bash writes; supervisord configs and systemd units written that way
 * read as those files (the server they start found at the script's line), and a route declared in the same script
 * linked to that server rather than to another script's on the same socket (chain/topology/link.ts `sameWriter`).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { heredocNginx } from '../../src/collectors/nginx/heredoc.js';
import { writtenFiles } from '../../src/collectors/written.js';
import { analyze } from '../../src/engine/analyze.js';
import { lintFiles } from '../python/lint-files.js';
import { RUN_SAFETY_TIMEOUT_MS } from '../real-program.js';
import { scratchTrees } from '../scratch-trees.js';

const tree = scratchTrees('pp-written-');

interface Row {
  name: string;
  /** The writer; `OUT` stands for the target path (a temporary file when bash runs it). */
  script: string[];
  /** The body read, or undefined when nothing is read as a written file. */
  body?: string;
  /** 1-based line of the writing command, and the line the body's first line keeps. */
  line?: number;
  first?: number;
}

const rows: Row[] = [
  {
    name: "quoted here-document (tee > /dev/null <<'EOF'): written as is",
    script: ["tee OUT > /dev/null <<'EOF'", '[program:web]', 'command=gunicorn app:app -b "$BIND"', 'EOF'],
    body: '[program:web]\ncommand=gunicorn app:app -b "$BIND"',
    line: 1,
    first: 2,
  },
  {
    name: 'unquoted here-document: \\$ and \\\\ undone',
    script: ['cat > OUT <<EOF', '[program:web]', 'command=gunicorn app:app -b \\$BIND', 'directory=C:\\\\x', 'EOF'],
    body: '[program:web]\ncommand=gunicorn app:app -b $BIND\ndirectory=C:\\x',
    line: 1,
    first: 2,
  },
  {
    name: '<<-EOF strips leading tabs',
    script: ['if true; then', '\tcat > OUT <<-EOF', '\t[Service]', '\tExecStart=gunicorn app:app', '\tEOF', 'fi'],
    body: '[Service]\nExecStart=gunicorn app:app',
    line: 2,
    first: 3,
  },
  {
    name: "multi-line echo '...' > file: single quotes, written as is",
    script: ['echo "[x]"', "echo '[program:web]", 'command=gunicorn app:app -b "$X"', "' > OUT"],
    body: '[program:web]\ncommand=gunicorn app:app -b "$X"\n',
    line: 2,
    first: 2,
  },
  {
    name: 'multi-line echo "..." | tee file (indented): \\" and \\$ undone',
    script: ['  echo "[program:web]', 'command=gunicorn app:app -b \\"\\$X\\"" | tee OUT > /dev/null'],
    body: '[program:web]\ncommand=gunicorn app:app -b "$X"',
    line: 1,
    first: 1,
  },
  {
    name: "multi-line printf '...' > file: %% is %",
    script: ["printf '[program:web]", 'command=gunicorn app:app --workers 2', 'environment=PCT="50%%"\\n\' > OUT'],
    body: '[program:web]\ncommand=gunicorn app:app --workers 2\nenvironment=PCT="50%"',
    line: 1,
    first: 1,
  },
  // Traps: these look like written files but are not read as one.
  { name: 'trap: one-line echo (a single line, not a file body)', script: ["echo '[program:web]' > OUT"] },
  {
    name: "trap: printf '%s' with arguments (the arguments fill it, unread)",
    script: ["printf '[program:%s]", "command=gunicorn app:app\\n' web > OUT"],
  },
  { name: 'trap: here-document to no file (cat <<EOF on the terminal)', script: ['cat <<EOF', '[program:web]', 'EOF'] },
  {
    name: 'trap: an opener inside a here-document body opens nothing',
    script: ["cat > /dev/null <<'EOF'", "tee OUT <<'X'", '[program:web]', 'X', 'EOF'],
  },
];

for (const row of rows)
  test(`written files: ${row.name}`, () => {
    const found = writtenFiles(row.script.join('\n').replaceAll('OUT', '/etc/x/app.conf'));
    if (row.body === undefined) {
      assert.deepEqual(
        found.map((w) => w.target),
        [],
      );
      return;
    }
    assert.equal(found.length, 1);
    const w = found[0];
    assert.equal(w?.target, '/etc/x/app.conf');
    assert.equal(w?.body, row.body);
    assert.equal(w?.line, row.line);
    const lines = w?.text.split('\n') ?? [];
    assert.equal(lines.length, row.script.length, 'the writer keeps its line count');
    assert.equal(lines[(row.first ?? 1) - 1], row.body.split('\n')[0]);
    // Real bash writes exactly the body (a here-document and echo end with a newline; printf writes what it is given).
    const dir = mkdtempSync(join(tmpdir(), 'pp-written-'));
    try {
      const out = join(dir, 'out');
      const r = spawnSync('bash', ['-c', row.script.join('\n').replaceAll('OUT', out)], {
        encoding: 'utf8',
        timeout: RUN_SAFETY_TIMEOUT_MS,
      });
      assert.equal(r.status, 0, r.stderr);
      const written = readFileSync(out, 'utf8');
      assert.equal(written.replace(/\n+$/, ''), row.body.replace(/\n+$/, ''));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

const SITE = [
  "sudo tee /etc/nginx/sites-available/app > /dev/null <<'EOF'",
  'server {',
  '    listen 80;',
  '    server_name app.example.org;',
  '    location / {',
  '        proxy_set_header X-Forwarded-Proto $scheme;',
  '        proxy_pass http://unix:/run/app.sock;',
  '    }',
  '}',
  'EOF',
];

test('a supervisord program a script writes starts a server at the script line; its route links to it', async () => {
  const supervisor = [
    "sudo tee /etc/supervisor/conf.d/app.conf > /dev/null <<'EOF'",
    '[program:app]',
    'command=/srv/venv/bin/gunicorn app.wsgi:application --bind unix:/run/app.sock',
    'environment=FORWARDED_ALLOW_IPS="*"',
    'EOF',
  ];
  const other = [
    '#!/bin/sh',
    "cat > /etc/systemd/system/app.service <<'EOF'",
    '[Service]',
    'ExecStart=/srv/venv/bin/gunicorn app.wsgi:application -b unix:/run/app.sock',
    'EOF',
  ];
  const { facts } = await lintFiles({
    'deploy.sh': ['#!/bin/bash', ...SITE, ...supervisor, ''].join('\n'),
    'old/setup': other.join('\n'),
  });
  const sup = facts.appServers.find((s) => s.launch.via === 'supervisord');
  assert.equal(sup?.launch.file, 'deploy.sh');
  assert.equal(sup?.launch.line, 14);
  assert.equal(sup?.binds[0]?.kind, 'unix');
  assert.deepEqual(sup?.trustedProxies.value, ['*'], 'environment= of the written program is read');
  const unit = facts.appServers.find((s) => s.launch.via === 'systemd');
  assert.equal(unit?.launch.file, 'old/setup');
  assert.equal(unit?.launch.line, 4);
  assert.equal(unit?.service, 'app');
  // Two servers on /run/app.sock: the route of deploy.sh reaches the one deploy.sh starts.
  const dir = tree('two', { 'deploy.sh': ['#!/bin/bash', ...SITE, ...supervisor, ''].join('\n'), 'old/setup': other.join('\n') });
  const a = await analyze([dir], { cwd: dir });
  const topo = a.chain.topology;
  const link = topo.links.find((l) => topo.proxies.find((p) => p.id === l.fromHop)?.ref.file.endsWith('deploy.sh'));
  assert.equal(link?.target.kind, 'app', JSON.stringify(link?.target));
  const app = topo.apps.find((x) => link?.target.kind === 'app' && x.id === link.target.appId);
  assert.ok(app?.ref.file.endsWith('deploy.sh'), app?.ref.file);
});

test('written files that are not launch files are not read as one', async () => {
  const { facts } = await lintFiles({
    // A .conf without [program:]: somebody else's (an nginx site); a .service without ExecStart.
    'setup.sh': [
      '#!/bin/bash',
      "cat > /etc/x/app.conf <<'EOF'",
      'command=gunicorn app:app -b 0.0.0.0:8000',
      'EOF',
      "cat > /etc/systemd/system/app.service <<'EOF'",
      '[Unit]',
      'Description=gunicorn app:app',
      'EOF',
      '',
    ].join('\n'),
    // A supervisord program shown in a guide's bash fence: read; in a Python fence: not.
    'README.md': [
      '# Deploy',
      '```bash',
      "sudo tee /etc/supervisor/conf.d/web.conf <<'EOF'",
      '[program:web]',
      'command=uvicorn main:app --uds /run/web.sock',
      'EOF',
      '```',
      '```python',
      "open('/etc/supervisor/conf.d/w.conf', 'w').write('''[program:w]",
      'command=uvicorn main:app --port 9000',
      "''')",
      '```',
      '',
    ].join('\n'),
  });
  assert.deepEqual(
    facts.appServers.map((s) => [s.launch.file, s.launch.line, s.launch.via]),
    [['README.md', 5, 'supervisord']],
  );
});

test('a supervisord program a Dockerfile writes runs in its image when the image runs supervisord', async () => {
  const dockerfile = [
    'FROM python:3.12-slim',
    'RUN pip install gunicorn supervisor',
    "RUN printf '[program:web]\\ncommand=gunicorn app:app -b 0.0.0.0:8000\\n' > /etc/supervisor/conf.d/web.conf",
    'CMD ["supervisord", "-n"]',
    '',
  ].join('\n');
  const { facts } = await lintFiles({ Dockerfile: dockerfile });
  const s = facts.appServers.find((x) => x.launch.via === 'supervisord');
  assert.equal(s?.launch.file, 'Dockerfile');
  assert.equal(s?.launch.line, 3);
  assert.equal(s?.binds[0]?.port, 8000);
  assert.ok(
    s?.notes?.some((n) => /CMD supervisord/.test(n)),
    JSON.stringify(s?.notes),
  );
  // Trap: the same program written by an image that runs something else runs nowhere these files show: not read.
  const other = await lintFiles({
    Dockerfile: dockerfile.replace('CMD ["supervisord", "-n"]', 'CMD ["python", "x.py"]'),
    'app.service': '[Service]\nExecStart=gunicorn app:app\n',
  });
  assert.deepEqual(
    other.facts.appServers.filter((x) => x.launch.via === 'supervisord'),
    [],
  );
});

test('nginx written by a multi-line single-quoted echo is read at the script lines; a double-quoted one is not', () => {
  const site = [
    'server {',
    '    listen 80;',
    '    location / { proxy_pass http://127.0.0.1:8000; proxy_set_header Host $host; }',
    '}',
  ];
  const single = ['#!/bin/sh', `echo '${site[0]}`, ...site.slice(1, -1), `${site.at(-1)}' > /etc/nginx/conf.d/app.conf`].join(
    '\n',
  );
  const read = heredocNginx(single);
  assert.deepEqual(
    read.map((e) => [e.key, e.line]),
    [['/etc/nginx/conf.d/app.conf', 2]],
  );
  assert.equal(read[0]?.text.split('\n')[3], site[2]);
  // Trap: in double quotes the shell expands `$host` (to nothing): what nginx gets is not this text, and a fix's `$`
  // would need escaping there, so it is not read.
  assert.deepEqual(heredocNginx(single.replaceAll("'", '"')), []);
});

test('alternative launches in one script (supervisord, else a systemd unit) link as one server; different trust stays ambiguous', async () => {
  const alternatives = (trust: string): string =>
    [
      '#!/bin/bash',
      ...SITE,
      'if command -v supervisorctl >/dev/null 2>&1; then',
      "  tee /etc/supervisor/conf.d/app.conf > /dev/null <<'EOF'",
      '[program:app]',
      'command=/srv/venv/bin/gunicorn app.wsgi:application --bind unix:/run/app.sock --workers 3',
      'EOF',
      'else',
      "  cat > /etc/systemd/system/app.service <<'EOF'",
      '[Service]',
      `ExecStart=/srv/venv/bin/gunicorn app.wsgi:application --bind unix:/run/app.sock ${trust}`,
      'EOF',
      'fi',
      '',
    ].join('\n');
  const linkOf = async (name: string, script: string) => {
    const dir = tree(name, { 'deploy.sh': script });
    const a = await analyze([dir], { cwd: dir });
    return a.chain.topology.links[0];
  };
  const same = await linkOf('alike', alternatives('--workers 2'));
  assert.equal(same?.target.kind, 'app', JSON.stringify(same?.target));
  assert.equal(same?.stackTwins?.length, 1);
  assert.match(same?.how ?? '', /alternative launches in .*deploy\.sh: the same server is also started at line 20/);
  // Trap: the systemd alternative trusts every peer: which one runs matters, so the route stays unresolved.
  const differ = await linkOf('differ', alternatives("--forwarded-allow-ips='*'"));
  assert.equal(differ?.target.kind, 'unresolved');
});
