/**
 * Every config file is read and decoded once per run (issue 10, the plain 10,000-server bench): discovery's
 * Apache sniff keeps the bytes it read for the collectors, and the nginx parser takes the text collect.ts decoded
 * instead of reading the file again. These tests pin that the shared text gives exactly what the parser's own
 * reading gives (byte-order mark, invalid UTF-8, NUL bytes, CRLF) and that the byte-level `<VirtualHost` sniff
 * answers as the regular expression it replaced.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { discoverProject, hasVirtualHost } from '../../src/chain/discover.js';
import { parseNginxFile } from '../../src/collectors/nginx/parser.js';
import { analyze } from '../../src/engine/analyze.js';
import { collectAll } from '../../src/engine/collect.js';

const CASES: Array<{ name: string; bytes: Buffer }> = [
  {
    name: 'plain',
    bytes: Buffer.from('http {\n  server {\n    listen 80;\n    location / { proxy_pass http://app:8000; }\n  }\n}\n'),
  },
  {
    name: 'byte-order mark',
    bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('events {}\nhttp { server { listen 80; } }\n')]),
  },
  { name: 'CRLF lines', bytes: Buffer.from('events {}\r\nhttp {\r\n  server { listen 80; server_name a.test; }\r\n}\r\n') },
  {
    name: 'invalid UTF-8',
    bytes: Buffer.concat([
      Buffer.from('http { server { server_name caf'),
      Buffer.from([0xe9, 0xff]),
      Buffer.from('.test; } }\n'),
    ]),
  },
  { name: 'literal U+FFFD', bytes: Buffer.from('http { server { server_name \uFFFD.test; } }\n') },
  { name: 'NUL byte (binary)', bytes: Buffer.from('http { server {\n listen 80;\u0000 } }\n') },
  { name: 'unbalanced (parse error)', bytes: Buffer.from('http {\n  server {\n') },
];

test('read once: the nginx tree from the shared text equals the parser reading the file itself', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-read-once-'));
  try {
    for (const c of CASES) {
      const file = join(dir, `${c.name.replace(/\W+/g, '-')}.conf`);
      writeFileSync(file, c.bytes);
      const own = parseNginxFile(file);
      const files = discoverProject([file], dir);
      let reads = 0;
      const collected = await collectAll(files.files, {}, (abs) => {
        reads++;
        return readFileSync(abs);
      });
      const shared = collected.facts.nginx.configs[0];
      const why = c.name;
      assert.equal(reads, 1, `${why}: one read by the collectors`);
      // A binary file is refused by the parser's own reading (the shared text is never offered for it).
      if (!shared) {
        assert.ok(c.name.startsWith('NUL'), `${why}: a tree`);
        continue;
      }
      // The collector names files by their display path; the parser alone by the absolute one.
      const shape = (t: typeof shared) =>
        JSON.stringify(t.config.map((x) => ({ status: x.status, errors: x.errors, parsed: x.parsed }))).replaceAll(`${dir}/`, '');
      assert.equal(shape(shared), shape(own), why);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('read once: the whole analysis of a .conf file reads it from disk once (discovery sniff shared)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-read-once-'));
  try {
    writeFileSync(join(dir, 'site.conf'), 'server {\n  listen 80;\n  location / { proxy_pass http://127.0.0.1:8000; }\n}\n');
    const a = await analyze([join(dir, 'site.conf')], { cwd: dir });
    assert.equal(a.facts.nginx.configs.length, 1);
    assert.equal(a.files.bytes, undefined, 'the discovery bytes are dropped once collected');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hasVirtualHost answers as /<VirtualHost\\b/i on the latin1 text', () => {
  const cases = [
    '<VirtualHost *:80>',
    '<virtualhost *:80>',
    '<VIRTUALHOST>',
    '<VirtualHost',
    '<VirtualHosts>',
    '<VirtualHost_x>',
    '<VirtualHost1>',
    '<VirtualHost-x>',
    '< VirtualHost>',
    '<<VirtualHost>',
    '<Virtualhos',
    'VirtualHost',
    'no tag at all',
    '',
    '<VirtualHost\u00e9>',
    '<VirtualHost\u00ff',
    'x <Location /> <VirtualHost 1.2.3.4:443>',
  ];
  for (const text of cases) {
    for (const b of [Buffer.from(text, 'latin1'), Buffer.from(text, 'utf8')]) {
      assert.equal(hasVirtualHost(b), /<VirtualHost\b/i.test(b.toString('latin1')), JSON.stringify(text));
    }
  }
  // Every byte after the word, against the regular expression.
  for (let c = 0; c < 256; c++) {
    const b = Buffer.concat([Buffer.from('<virtualHOST'), Buffer.from([c])]);
    assert.equal(hasVirtualHost(b), /<VirtualHost\b/i.test(b.toString('latin1')), `byte ${c}`);
  }
});
