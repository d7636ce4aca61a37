/**
 * haproxy/legacy-header-directive: the table, then the real HAProxy (Debian 2.6): it refuses each 1.x directive,
 * accepts the line the fix writes instead, and our reader sees the same header rules in both.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { haproxyLegacyHeaderDirective as check } from '../../../src/checks/haproxy/legacy-header-directive.js';
import { modernEquivalent, parseHaproxy, readHaproxy } from '../../../src/collectors/haproxy/collector.js';
import { type Case, runCase } from '../../python/lint-files.js';
import { RUN_SAFETY_TIMEOUT_MS } from '../../real-program.js';

const cfg = (rules: string) =>
  `defaults\n  mode http\n  timeout client 5s\n  timeout server 5s\n  timeout connect 5s\nfrontend www\n  bind 127.0.0.1:18080\n${rules}  default_backend app\nbackend app\n  server app 127.0.0.1:3000\n`;

const cases: Case[] = [
  {
    name: 'invalid (low): reqadd -> http-request add-header',
    files: { 'haproxy.cfg': cfg('  reqadd X-Forwarded-Proto:\\ https if { ssl_fc }\n') },
    expect: { count: 1, severity: 'low', line: 8, fixLine: 'http-request add-header X-Forwarded-Proto https if { ssl_fc }' },
  },
  {
    name: 'invalid (low): reqidel of a whole header -> http-request del-header',
    files: { 'haproxy.cfg': cfg('  reqidel ^X-Forwarded-Proto:.*\n') },
    expect: { count: 1, line: 8, fixLine: 'http-request del-header X-Forwarded-Proto' },
  },
  {
    name: 'invalid (low): reqirep keeps its capture and its case-insensitivity in replace-header',
    files: { 'haproxy.cfg': cfg('  reqirep ^X-Forwarded-Host:\\ (.*) X-Forwarded-Host:\\ \\1\n') },
    expect: { count: 1, line: 8, fixLine: 'http-request replace-header X-Forwarded-Host (?i)(.*) \\1' },
  },
  {
    name: 'invalid (low): rspadd -> http-response add-header, a value with a space stays escaped',
    files: { 'haproxy.cfg': cfg('  rspadd Strict-Transport-Security:\\ max-age=31536000;\\ includeSubDomains\n') },
    expect: {
      count: 1,
      line: 8,
      fixLine: 'http-response add-header Strict-Transport-Security max-age=31536000;\\ includeSubDomains',
    },
  },
  {
    name: 'invalid (low): reqrep over the request line has no one-line equivalent (advice, no patch)',
    files: { 'haproxy.cfg': cfg('  reqrep ^([^\\ :]*)\\ /api/(.*) \\1\\ /\\2\n') },
    expect: { count: 1, line: 8 },
  },
  {
    name: 'invalid (high): the compose image is HAProxy 2.8, which refuses the file (the tag is the evidence)',
    files: {
      'haproxy.cfg': cfg('  reqadd X-Forwarded-Proto:\\ https\n'),
      'compose.yaml': 'services:\n  lb:\n    image: haproxy:2.8-alpine\n    ports: ["80:80"]\n',
    },
    expect: { count: 1, severity: 'high', line: 8, message: /runs HAProxy 2\.8 \(compose\.yaml:2\), which refuses it/ },
  },
  {
    name: 'invalid (high): a floating haproxy:2 tag is the newest 2.x',
    files: {
      'haproxy.cfg': cfg('  reqadd X-Forwarded-Proto:\\ https\n'),
      'compose.yaml': 'services:\n  lb:\n    image: haproxy:2\n',
    },
    expect: { count: 1, severity: 'high' },
  },
  {
    name: 'invalid (high): a Kubernetes Deployment runs haproxy:3.0',
    files: {
      'haproxy.cfg': cfg('  reqadd X-Forwarded-Proto:\\ https\n'),
      'deploy.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: lb\nspec:\n  template:\n    spec:\n      containers:\n        - name: haproxy\n          image: haproxy:3.0.5\n',
    },
    expect: { count: 1, severity: 'high', message: /HAProxy 3\.0\.5/ },
  },
  {
    name: 'invalid (low, trap): the image is HAProxy 1.8, which still reads reqadd: it breaks on the upgrade',
    files: {
      'haproxy.cfg': cfg('  reqadd X-Forwarded-Proto:\\ https\n'),
      'compose.yaml': 'services:\n  lb:\n    image: haproxy:1.8.30\n',
    },
    expect: { count: 1, severity: 'low', message: /still reads it/ },
  },
  {
    name: 'invalid (low, trap): HAProxy 2.0 deprecates but still loads the 1.x directives',
    files: {
      'haproxy.cfg': cfg('  reqadd X-Forwarded-Proto:\\ https\n'),
      'compose.yaml': 'services:\n  lb:\n    image: haproxy:2.0\n',
    },
    expect: { count: 1, severity: 'low' },
  },
  {
    name: 'invalid (high): `haproxy -vv` output saved in the tree says 2.6 (no image names one)',
    files: {
      'haproxy.cfg': cfg('  reqadd X-Forwarded-Proto:\\ https\n'),
      'ops/haproxy-version.txt':
        '$ haproxy -vv\nHAProxy version 2.6.12-1+deb12u1 2023/12/16 - https://haproxy.org/\nStatus: long-term supported branch - will stop receiving fixes around Q2 2027.\n',
    },
    expect: { count: 1, severity: 'high', message: /HAProxy 2\.6\.12 \(ops\/haproxy-version\.txt:2\), which refuses it/ },
  },
  {
    name: 'invalid (low): 1.x `haproxy -v` output ("HA-Proxy version 1.8.19") still reads reqadd',
    files: {
      'haproxy.cfg': cfg('  reqadd X-Forwarded-Proto:\\ https\n'),
      'haproxy.version': 'HA-Proxy version 1.8.19-1+deb10u3 2020/08/01\nCopyright 2000-2019 Willy Tarreau <willy@haproxy.org>\n',
    },
    expect: { count: 1, severity: 'low', message: /HAProxy 1\.8\.19 \(haproxy\.version:1\), which still reads it/ },
  },
  {
    name: "invalid (low, trap): a README that mentions a HAProxy version is not the program's output",
    files: {
      'haproxy.cfg': cfg('  reqadd X-Forwarded-Proto:\\ https\n'),
      'haproxy-README.md': 'HAProxy version 2.8 is recommended.\n',
    },
    expect: { count: 1, severity: 'low' },
  },
  {
    name: 'invalid (low, trap): the image tag decides over saved `-v` output (the deployment runs the image)',
    files: {
      'haproxy.cfg': cfg('  reqadd X-Forwarded-Proto:\\ https\n'),
      'compose.yaml': 'services:\n  lb:\n    image: haproxy:1.8.30\n',
      'haproxy-version.txt': 'HAProxy version 2.6.12-1 2023/12/16 - https://haproxy.org/\n',
    },
    expect: { count: 1, severity: 'low', message: /HAProxy 1\.8\.30 \(compose\.yaml/ },
  },
  {
    name: 'valid: the http-request form',
    files: { 'haproxy.cfg': cfg('  http-request set-header X-Forwarded-Proto https if { ssl_fc }\n') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): a header named like a directive in http-request is not one',
    files: { 'haproxy.cfg': cfg('  http-request set-header reqadd 1\n') },
    expect: { count: 0 },
  },
];

for (const c of cases) test(c.name, async () => void (await runCase(check, c)));

const LEGACY_LINES = [
  'reqadd X-Forwarded-Proto:\\ https if { ssl_fc }',
  'reqidel ^X-Real-IP:.*',
  'reqirep ^X-Forwarded-Host:\\ (.*) X-Forwarded-Host:\\ \\1',
  'reqrep ^X-Forwarded-Port:\\ .* X-Forwarded-Port:\\ 443',
  'rspadd Strict-Transport-Security:\\ max-age=31536000;\\ includeSubDomains',
  'rspidel ^Server:.*',
];

test('haproxy -c (2.6): each 1.x line is refused, the line the fix writes is accepted, and both read as the same rules', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-haproxy-legacy-'));
  try {
    for (const legacy of LEGACY_LINES) {
      const words = parseHaproxy(`frontend f\n  ${legacy}\n`)[0]?.lines[0]?.words ?? [];
      const modern = modernEquivalent(words);
      assert.ok(modern, legacy);
      writeFileSync(join(dir, 'old.cfg'), cfg(`  ${legacy}\n`));
      writeFileSync(join(dir, 'new.cfg'), cfg(`  ${modern}\n`));
      const old = spawnSync('haproxy', ['-c', '-f', 'old.cfg'], { cwd: dir, encoding: 'utf8', timeout: RUN_SAFETY_TIMEOUT_MS });
      assert.notEqual(old.status, 0, legacy);
      assert.match(old.stderr, new RegExp(`The '${words[0]}' directive is not supported anymore since HAProxy 2\\.1`));
      const now = spawnSync('haproxy', ['-c', '-f', 'new.cfg'], { cwd: dir, encoding: 'utf8', timeout: RUN_SAFETY_TIMEOUT_MS });
      assert.equal(now.status, 0, `${modern}\n${now.stderr}`);
      if (words[0]?.startsWith('rsp')) continue;
      const rules = (src: string) =>
        (readHaproxy('h.cfg', src).sites[0]?.routes[0]?.headers ?? []).map((h) => ({
          name: h.name.toLowerCase(),
          value: h.value?.replace('(?i)', ''),
          when: h.when,
          append: Boolean(h.append),
          ifPresent: Boolean(h.ifPresent),
        }));
      assert.deepEqual(rules(cfg(`  ${modern}\n`)), rules(cfg(`  ${legacy}\n`)), legacy);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('replace-header with a whole-value regex and no capture sets a known value, only on a header the client sent', () => {
  const site = readHaproxy('h.cfg', cfg('  http-request replace-header X-Forwarded-Proto .* https\n')).sites[0];
  const rule = site?.routes[0]?.headers.find((h) => h.name === 'X-Forwarded-Proto');
  assert.equal(rule?.value, 'https');
  assert.equal(rule?.ifPresent, true);
  const partial = readHaproxy('h.cfg', cfg('  http-request replace-header X-Forwarded-Host (.*):80 \\1\n')).sites[0];
  assert.match(partial?.routes[0]?.headers[0]?.value ?? '', /^\{\?replace /);
});

test('haproxy -vv (real, Debian): the first line the program prints is read as its version', async () => {
  const { haproxyVersionLine } = await import('../../../src/collectors/haproxy/collector.js');
  const r = spawnSync('haproxy', ['-vv'], { encoding: 'utf8', timeout: RUN_SAFETY_TIMEOUT_MS });
  assert.equal(r.status, 0, r.stderr);
  const printed = /^HA-?Proxy version (\d+\.\d+(?:\.\d+)?)/.exec(r.stdout)?.[1];
  assert.ok(printed, r.stdout.slice(0, 200));
  assert.deepEqual(haproxyVersionLine(`$ haproxy -vv\n${r.stdout}`)?.value, printed);
  assert.deepEqual(haproxyVersionLine(`$ haproxy -vv\n${r.stdout}`)?.line, 2);
});
