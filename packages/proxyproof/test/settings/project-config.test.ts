/**
 * `.proxyproof.json`: a table of valid and invalid files; every error names the file and the line of
 * the offending key; the loader and schema/proxyproof-config.schema.json agree on every case.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { InputError } from '../../src/model/finding.js';
import { findConfigFile, parseProjectConfig } from '../../src/settings/project-config.js';
import { runCli } from '../helpers.js';
import { validateJson } from '../render/validate.js';

const valid: Array<[string, string]> = [
  ['empty object', '{}'],
  ['front passed through as written', '{ "front": "cloudflare" }'],
  ['an unknown front name is not ours to judge', '{ "front": "my-own-balancer" }'],
  ['threshold', '{ "minSeverity": "medium" }'],
  ['$schema allowed', '{ "$schema": "node_modules/proxyproof/schema/proxyproof-config.schema.json" }'],
  [
    'ignores with and without path, family wildcard',
    `{
  "ignore": [
    { "id": "nginx/host-port-lost", "path": "deploy/**", "reason": "only port 443" },
    { "id": "deploy/*", "reason": "compose is for development" }
  ]
}`,
  ],
];

const invalid: Array<[string, string, number, RegExp]> = [
  ['unknown top-level key (a typo)', '{\n  "front": "x",\n  "minSeverty": "high"\n}', 3, /unknown key "minSeverty"/],
  [
    'unknown key in an ignore entry',
    '{\n  "ignore": [\n    {\n      "id": "nginx/x",\n      "reason": "r",\n      "file": "a"\n    }\n  ]\n}',
    6,
    /unknown key "file" in an "ignore" entry/,
  ],
  ['ignore without a reason', '{\n  "ignore": [\n    { "id": "nginx/x" }\n  ]\n}', 3, /needs a "reason"/],
  ['empty reason', '{\n  "ignore": [\n    { "id": "nginx/x", "reason": "  " }\n  ]\n}', 3, /needs a "reason"/],
  ['bad id', '{\n  "ignore": [\n    { "id": "host-port-lost", "reason": "r" }\n  ]\n}', 3, /check id/],
  ['bad severity', '{\n\n  "minSeverity": "urgent"\n}', 3, /one of info, low/],
  ['front not a string', '{ "front": 3 }', 1, /"front" must be a non-empty string/],
  ['ignore not an array', '{\n  "ignore": { "id": "x" }\n}', 2, /must be an array/],
  ['not an object', '[1, 2]', 1, /must be a JSON object/],
  ['broken JSON', '{\n  "front": "x",\n  "ignore": [\n}', 4, /not valid JSON/],
];

for (const [name, text] of valid) {
  test(`valid: ${name}`, () => {
    const c = parseProjectConfig(text, '.proxyproof.json', '/p');
    validateJson('proxyproof-config', JSON.parse(text));
    if (text.includes('"front"')) assert.equal(c.front, JSON.parse(text).front);
  });
}

for (const [name, text, line, message] of invalid) {
  test(`invalid: ${name} -> .proxyproof.json:${line}`, () => {
    assert.throws(
      () => parseProjectConfig(text, '.proxyproof.json', '/p'),
      (e: unknown) => {
        assert.ok(e instanceof InputError);
        assert.equal(e.file, '.proxyproof.json');
        assert.equal(e.line, line, e.format());
        assert.match(e.message, message);
        return true;
      },
    );
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return; // not JSON: nothing for the schema to say
    }
    assert.throws(() => validateJson('proxyproof-config', parsed), /schema errors/, 'the schema rejects it too');
  });
}

test('found in the current folder or a parent, not above the repository root', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-cfg-'));
  try {
    mkdirSync(join(dir, 'repo/.git'), { recursive: true });
    mkdirSync(join(dir, 'repo/deploy/nginx'), { recursive: true });
    writeFileSync(join(dir, '.proxyproof.json'), '{}');
    assert.equal(findConfigFile(join(dir, 'repo/deploy/nginx')), undefined, 'stops at .git');
    writeFileSync(join(dir, 'repo/.proxyproof.json'), '{}');
    assert.equal(findConfigFile(join(dir, 'repo/deploy/nginx')), join(dir, 'repo/.proxyproof.json'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CLI: an unknown key is exit 2 with one line file:line; minSeverity and ignores apply; --no-config-file skips it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-cfg-cli-'));
  try {
    mkdirSync(join(dir, '.git'));
    writeFileSync(
      join(dir, 'nginx.conf'),
      'server {\n  listen 443 ssl;\n  location / {\n    proxy_pass http://127.0.0.1:8000;\n    proxy_set_header Host $host;\n  }\n}\n',
    );
    writeFileSync(join(dir, '.proxyproof.json'), '{\n  "frnt": "cloudflare"\n}\n');
    const bad = runCli(['lint', 'nginx.conf'], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.equal(
      bad.stderr,
      'proxyproof: .proxyproof.json:2: unknown key "frnt" (known: $schema, front, minSeverity, baseline, ignore)\n',
    );
    assert.equal(runCli(['lint', 'nginx.conf', '--no-config-file', '--format', 'json'], { cwd: dir }).code, 1);
    const all = JSON.parse(
      runCli(['lint', 'nginx.conf', '--no-config-file', '--format', 'json', '--min-severity', 'info'], { cwd: dir }).stdout,
    );
    const ids: string[] = all.findings.map((f: { id: string }) => f.id);
    assert.ok(ids.includes('nginx/forwarded-proto-missing'), ids.join(' '));
    writeFileSync(
      join(dir, '.proxyproof.json'),
      JSON.stringify({
        minSeverity: 'info',
        ignore: [{ id: 'nginx/forwarded-proto-missing', path: '*.conf', reason: 'TLS ends at the LB' }],
      }),
    );
    const j = JSON.parse(runCli(['lint', 'nginx.conf', '--format', 'json'], { cwd: dir }).stdout);
    assert.ok(!j.findings.some((f: { id: string }) => f.id === 'nginx/forwarded-proto-missing'));
    assert.equal(j.findings.length, ids.length - 1, 'minSeverity info from the config: everything else is reported');
    const s = j.suppressed.find((x: { id: string }) => x.id === 'nginx/forwarded-proto-missing');
    assert.deepEqual([s.by, s.justification, s.at], ['config', 'TLS ends at the LB', '.proxyproof.json:1']);
    assert.equal(
      runCli(['lint', 'nginx.conf', '--config-file', 'missing.json'], { cwd: dir }).stderr,
      'proxyproof: missing.json: no such file\n',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
