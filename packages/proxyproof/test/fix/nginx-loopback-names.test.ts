/**
 * The program check after `fix --write` on nginx configs whose upstream names resolve only where the config runs
 * (compose service names): nginx resolves literal upstream names while reading the config, so `nginx -t` on this
 * machine fails on the original before any patch. fix/programs.ts `nginxWithLoopbackNames` copies the tree and swaps
 * each name nginx cannot resolve for 127.0.0.1 in the copy only, so the check really runs: a good patch is kept with
 * validation "ok", a bad one is rejected and undone, and the user's files keep their names. Real nginx.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { lintPaths } from '../../src/engine/lint.js';
import { planFixes } from '../../src/fix/plan.js';
import { findProgram, nginxWithLoopbackNames } from '../../src/fix/programs.js';
import { writePlan } from '../../src/fix/write.js';
import type { Finding } from '../../src/model/finding.js';
import { tree } from './tree.js';

/** Compose-style names; a machine where one of them resolves cannot show the failure this is about. */
const NAMES = ['webapp', 'phpfpm', 'apiserver'];
const resolvable = () => NAMES.filter((n) => spawnSync('getent', ['hosts', n]).status === 0);

function addLine(file: string, line: number, text: string): Finding {
  return {
    id: 'test/add-line',
    severity: 'low',
    title: 't',
    message: 'm',
    why: 'w',
    references: [],
    docs: '',
    evidence: [{ file, line }],
    fix: { description: 'd', file, line, placement: 'after', lines: [text] },
  };
}

const MAIN = `events {}
http {
    upstream api { server apiserver:9000; }
    include conf.d/*.conf;
}
`;
const SITE = `server {
    listen 127.0.0.1:8080;
    location / {
        proxy_pass http://webapp:8000;
    }
    location /api/ {
        proxy_pass http://api;
    }
    location ~ \\.php$ {
        fastcgi_pass phpfpm:9000;
    }
}
`;

test('nginx -t runs on a copy with compose names swapped for loopback: a good patch is kept, a bad one undone', async (t) => {
  if (!findProgram('nginx')) return t.skip('nginx is not installed');
  if (resolvable().length > 0) return t.skip(`${resolvable().join(', ')} resolve on this machine`);
  const dir = tree({ 'nginx/nginx.conf': MAIN, 'nginx/conf.d/site.conf': SITE });
  try {
    const { facts } = await lintPaths(['nginx/nginx.conf'], { cwd: dir });
    const good = writePlan(
      planFixes(facts, [addLine('nginx/conf.d/site.conf', 4, '        proxy_set_header X-Forwarded-Proto https;')], { cwd: dir }),
      facts,
      { cwd: dir },
    );
    assert.equal(good[0]?.status, 'written', JSON.stringify(good));
    assert.equal(good[0]?.validation?.status, 'ok', JSON.stringify(good[0]?.validation));
    assert.match(good[0]?.validation?.output ?? '', /swapped for 127\.0\.0\.1 in a temporary copy: .*webapp/);
    const patched = readFileSync(join(dir, 'nginx/conf.d/site.conf'), 'utf8');
    assert.match(
      patched,
      /proxy_pass http:\/\/webapp:8000;\n {8}proxy_set_header X-Forwarded-Proto https;/,
      'names kept in the user file',
    );
    assert.match(readFileSync(join(dir, 'nginx/nginx.conf'), 'utf8'), /server apiserver:9000;/);

    const { facts: again } = await lintPaths(['nginx/nginx.conf'], { cwd: dir });
    const bad = writePlan(
      planFixes(again, [addLine('nginx/conf.d/site.conf', 4, '        proxy_set_header_typo X y;')], { cwd: dir }),
      again,
      { cwd: dir },
    );
    assert.equal(bad[0]?.status, 'restored', JSON.stringify(bad));
    assert.match(bad[0]?.validation?.output ?? '', /unknown directive "proxy_set_header_typo"/);
    assert.equal(readFileSync(join(dir, 'nginx/conf.d/site.conf'), 'utf8'), patched);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('nginxWithLoopbackNames: every unresolvable name (proxy_pass, upstream server, fastcgi_pass) swapped, files untouched', (t) => {
  const bin = findProgram('nginx');
  if (!bin) return t.skip('nginx is not installed');
  if (resolvable().length > 0) return t.skip(`${resolvable().join(', ')} resolve on this machine`);
  const dir = tree({ 'nginx.conf': MAIN, 'conf.d/site.conf': SITE });
  try {
    const main = join(dir, 'nginx.conf');
    const site = join(dir, 'conf.d/site.conf');
    const direct = spawnSync(bin, ['-t', '-q', '-c', main], { encoding: 'utf8' });
    assert.notEqual(direct.status, 0, 'nginx -t fails on the original: that is the case');
    assert.match(direct.stderr, /host not found in upstream/);
    const r = nginxWithLoopbackNames(main, [main, site], (copy) => {
      const x = spawnSync(bin, ['-t', '-q', '-c', copy], { encoding: 'utf8' });
      return { ok: x.status === 0, output: `${x.stdout}${x.stderr}` };
    });
    assert.equal(r.ok, true, r.output);
    assert.deepEqual([...r.swapped].sort(), ['apiserver', 'phpfpm', 'webapp']);
    assert.equal(readFileSync(main, 'utf8'), MAIN);
    assert.equal(readFileSync(site, 'utf8'), SITE);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('nginxWithLoopbackNames: a failure that is not a name (a bad directive) is reported as it is, no swap loop', (t) => {
  const bin = findProgram('nginx');
  if (!bin) return t.skip('nginx is not installed');
  const dir = tree({ 'nginx.conf': 'events {}\nhttp {\n    server { listen 127.0.0.1:8080; bogus_directive on; }\n}\n' });
  try {
    const main = join(dir, 'nginx.conf');
    let runs = 0;
    const r = nginxWithLoopbackNames(main, [main], (copy) => {
      runs++;
      const x = spawnSync(bin, ['-t', '-q', '-c', copy], { encoding: 'utf8' });
      return { ok: x.status === 0, output: `${x.stdout}${x.stderr}` };
    });
    assert.equal(r.ok, false);
    assert.equal(runs, 1);
    assert.deepEqual(r.swapped, []);
    assert.match(r.output, /unknown directive "bogus_directive"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// A copy of a server's /etc/nginx kept in a repository: nginx.conf includes its sites by the server's absolute
// path, which the collectors read in the repository's copy (never this machine's /etc/nginx).
const ABSOLUTE_MAIN = `events {}
http {
    include /etc/nginx/conf.d/*.conf;
}
`;
// A site file (what sites-enabled holds, no nginx.conf in the tree) with a relative include of its own.
const SNIPPET_SITE = `server {
    listen 127.0.0.1:8080;
    location / {
        include snippets/proxy.conf;
        proxy_pass http://webapp:8000;
    }
}
`;

test("the program check reads the tree's own included files (absolute /etc/nginx include; a site file's relative include), never this machine's: a bad patch there is undone", async (t) => {
  if (!findProgram('nginx')) return t.skip('nginx is not installed');
  if (resolvable().length > 0) return t.skip(`${resolvable().join(', ')} resolve on this machine`);
  const cases = [
    {
      files: { 'nginx/nginx.conf': ABSOLUTE_MAIN, 'nginx/conf.d/site.conf': SITE },
      entry: 'nginx/nginx.conf',
      patched: 'nginx/conf.d/site.conf',
      line: 4,
    },
    {
      files: { 'sites/app.conf': SNIPPET_SITE, 'sites/snippets/proxy.conf': 'proxy_set_header Host $host;\n' },
      entry: 'sites',
      patched: 'sites/snippets/proxy.conf',
      line: 1,
    },
  ];
  for (const c of cases) {
    const dir = tree(c.files);
    try {
      const lint = async () => (await lintPaths([c.entry], { cwd: dir })).facts;
      const facts = await lint();
      const bad = writePlan(
        planFixes(facts, [addLine(c.patched, c.line, '    proxy_set_header_typo X y;')], { cwd: dir }),
        facts,
        {
          cwd: dir,
        },
      );
      assert.equal(bad[0]?.status, 'restored', `${c.patched}: ${JSON.stringify(bad)}`);
      assert.match(bad[0]?.validation?.output ?? '', /unknown directive "proxy_set_header_typo"/);
      assert.equal(readFileSync(join(dir, c.patched), 'utf8'), c.files[c.patched as keyof typeof c.files]);
      const again = await lint();
      const good = writePlan(
        planFixes(again, [addLine(c.patched, c.line, '    proxy_set_header X-Forwarded-Proto https;')], { cwd: dir }),
        again,
        { cwd: dir },
      );
      assert.equal(good[0]?.status, 'written', JSON.stringify(good));
      assert.equal(good[0]?.validation?.status, 'ok', JSON.stringify(good[0]?.validation));
      assert.match(good[0]?.validation?.output ?? '', /swapped for 127\.0\.0\.1 in a temporary copy: webapp/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
