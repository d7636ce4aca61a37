/**
 * Size limits are stated once (model/limits.ts), one per kind of file, and the message states the same number
 * as the code: a file over a limit is listed under "Not read" with its size and the limit of its kind.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { lintPaths } from '../../src/engine/lint.js';
import { limitText, MAX_CONFIG_BYTES, MAX_FILE_BYTES, MAX_SOURCE_BYTES, tooLarge } from '../../src/model/limits.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'pp-limits-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function walk(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (n.endsWith('.ts')) out.push(p);
  }
  return out;
}

describe('one constant per size limit', () => {
  it('no file-size literal outside model/limits.ts where files are read', () => {
    // The crawler, the browser and the scan bound network bodies (their own options), not files.
    const readers = walk(SRC).filter(
      (p) => /\/(collectors|engine|chain|settings|facts|checks)\//.test(p) && !/\/collectors\/(crawl|browser)\//.test(p),
    );
    const offenders = readers.flatMap((p) =>
      readFileSync(p, 'utf8')
        .split('\n')
        .flatMap((l, i) =>
          /\b\d+\s*\*\s*1024\b/.test(l) && !/new (?:Int32|Uint8|Uint32)Array/.test(l)
            ? [`${relative(SRC, p)}:${i + 1}: ${l.trim()}`]
            : [],
        ),
    );
    assert.deepEqual(offenders, []);
  });

  it('the limits read as the messages say them', () => {
    assert.equal(limitText(MAX_CONFIG_BYTES), '16 MB');
    assert.equal(limitText(MAX_SOURCE_BYTES), '1 MB');
    assert.equal(MAX_FILE_BYTES, Math.max(MAX_CONFIG_BYTES, MAX_SOURCE_BYTES));
    assert.equal(
      tooLarge(2_000_000, MAX_SOURCE_BYTES, 'app source'),
      'too large: 2000000 bytes, over the 1 MB limit for app source; not read',
    );
  });
});

describe('past a limit, "Not read" says what was skipped and the limit of its kind', () => {
  it('a compose file over the source limit beside a config that is read', async () => {
    const dir = join(tmp, 'compose');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'nginx.conf'),
      'events {}\nhttp { server { listen 80; server_name a.example; location / { proxy_pass http://127.0.0.1:8000; } } }\n',
    );
    const pad = '# padding line of a generated compose file\n'.repeat(Math.ceil((MAX_SOURCE_BYTES + 10) / 43));
    writeFileSync(join(dir, 'docker-compose.yml'), `services:\n  web:\n    image: nginx\n${pad}`);
    const { analysis } = await lintPaths([dir]);
    const n = analysis.notRead.find((x) => x.file.endsWith('docker-compose.yml'));
    assert.ok(n, JSON.stringify(analysis.notRead));
    assert.match(n.reason, /^too large: \d+ bytes, over the 1 MB limit for deployment files and app source; not read$/);
  });

  it('an nginx config over the config limit, named on the command line', async () => {
    const file = join(tmp, 'huge.conf');
    const block = 'server { listen 80; server_name a.example; location / { proxy_pass http://127.0.0.1:8000; } }\n';
    writeFileSync(file, `http {\n${block.repeat(Math.ceil((MAX_CONFIG_BYTES + 1) / block.length))}}\n`);
    const { analysis } = await lintPaths([file]);
    const about = analysis.facts.diagnostics.filter((d) => d.file === file);
    assert.deepEqual(
      about.map((d) => `${d.level}: ${d.message}`),
      ['error: nginx: file is 16.0 MB, larger than the 16 MB limit for an nginx config; not read'],
    );
  });
});
