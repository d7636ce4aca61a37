/**
 * Robustness corpus: every .conf of gixy's plugin tests parses with status ok. Two of them are not valid
 * nginx (gixy's tests feed its own parser fragments nginx would reject); for those, real nginx -t confirms
 * the rejection and we parse them with directive analysis off, as gixy's parser does.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseNginxFile } from '../../src/collectors/nginx/index.js';
import { SHARED } from '../helpers.js';
import { RUN_SAFETY_TIMEOUT_MS } from '../real-program.js';

const CORPUS = join(SHARED, 'corpus/nginx/gixy');
const NGINX = '/usr/sbin/nginx';

/** Fragments nginx itself rejects, with nginx's reason. */
const INVALID_FOR_NGINX: Record<string, RegExp> = {
  'add_header_redefinition/non_block_fp.conf': /"server" directive|unexpected ";"|directive "server" has no opening "\{"/,
  'origins/origin_wo_slash.conf': /"if" directive is not allowed here/,
};

const files: string[] = [];
if (existsSync(CORPUS)) {
  for (const d of readdirSync(CORPUS).sort()) {
    for (const f of readdirSync(join(CORPUS, d)).sort()) if (f.endsWith('.conf')) files.push(`${d}/${f}`);
  }
}

/** Runs nginx -t on the fragment placed where gixy means it (inside a server block) and returns stderr. */
function nginxVerdict(fragment: string): { ok: boolean; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pp-gixy-'));
  try {
    const body = fragment.replace(/^\s*#.*$/gm, '');
    const conf = `error_log ${dir}/error.log;\npid ${dir}/nginx.pid;\nevents {}\nhttp {\naccess_log off;\nserver {\nlisten 127.0.0.1:1;\n${body}\n}\n}\n`;
    const main = join(dir, 'nginx.conf');
    writeFileSync(main, conf);
    const r = spawnSync(NGINX, ['-t', '-q', '-p', dir, '-c', main, '-g', 'daemon off;'], {
      encoding: 'utf8',
      timeout: RUN_SAFETY_TIMEOUT_MS,
    });
    return { ok: r.status === 0, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('gixy corpus parses', () => {
  it('has the corpus', () => assert.ok(files.length >= 80, `found ${files.length} files`));
  for (const f of files) {
    it(f, () => {
      const invalid = INVALID_FOR_NGINX[f];
      const tree = parseNginxFile(join(CORPUS, f), { analyze: !invalid });
      assert.equal(tree.status, 'ok', JSON.stringify(tree.errors));
      assert.ok((tree.config[0]?.parsed.length ?? 0) > 0);
      if (invalid) {
        // With analysis on we report what nginx reports.
        const strict = parseNginxFile(join(CORPUS, f));
        assert.equal(strict.status, 'failed');
        assert.match(strict.errors[0]?.error ?? '', invalid);
      }
    });
  }
  it('the two fragments we accept only without analysis are rejected by real nginx -t as well', {
    skip: !existsSync(NGINX) && 'no nginx',
  }, () => {
    // Control: the harness accepts a valid fragment.
    const control = nginxVerdict(
      'add_header X-Frame-Options "DENY" always;\nlocation / { if ($http_origin) { add_header X-Foo foo; } }',
    );
    assert.equal(control.ok, true, control.stderr);
    for (const f of Object.keys(INVALID_FOR_NGINX)) {
      const v = nginxVerdict(readFileSync(join(CORPUS, f), 'utf8'));
      assert.equal(v.ok, false, `${f}: nginx accepted it`);
      assert.match(v.stderr, /emerg/, f);
    }
  });
});
