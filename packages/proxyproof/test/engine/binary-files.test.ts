/**
 * Images and other binary files in a deployment tree (a repository's screenshots) are read by the collectors that
 * sniff every unclaimed file (Apache's `<VirtualHost` test) and used by none: no "not UTF-8" warning is printed for
 * them. A text config with an invalid byte still gets its warning with the line.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { lintPaths } from '../../src/engine/lint.js';

async function lintTree(files: Record<string, Buffer | string>) {
  const dir = mkdtempSync(join(tmpdir(), 'proxyproof-binary-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    return (await lintPaths(['.'], { cwd: dir })).facts.diagnostics;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The first bytes of a JFIF image: 0xFF (not UTF-8) and NUL bytes.
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0xff, 0xdb]);
const COMPOSE = 'services:\n  gateway:\n    image: nginx:1.27\n    ports:\n      - "8080:80"\n';

test('a binary image beside the deployment files gets no "not UTF-8" warning', async () => {
  const diags = await lintTree({ 'docker-compose.yml': COMPOSE, 'docs/screenshot.jpg': JPEG });
  assert.deepEqual(
    diags.filter((d) => d.file.endsWith('screenshot.jpg')),
    [],
  );
});

test('a text config with an invalid byte still gets its warning, with the line', async () => {
  const conf = Buffer.concat([
    Buffer.from('server {\n    listen 80;\n    server_name caf'),
    Buffer.from([0xe9]),
    Buffer.from('.test;\n    location / { proxy_pass http://app:8000; }\n}\n'),
  ]);
  const diags = await lintTree({ 'docker-compose.yml': COMPOSE, 'nginx/site.conf': conf });
  const d = diags.find((x) => x.file.endsWith('site.conf') && /not UTF-8/.test(x.message));
  assert.ok(d, JSON.stringify(diags));
  assert.equal(d.line, 3);
});
