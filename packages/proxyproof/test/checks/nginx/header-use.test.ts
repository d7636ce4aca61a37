/**
 * forEachHeaderUse (checks/nginx/common.ts), the loop six header checks share: every entry a passing scope sends
 * from a config line, once per server, line, name and file. Checked against the rule written out plainly (a list of
 * what was visited) on small servers (the short scan) and on servers past 32 entries (the index by line).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachHeaderUse } from '../../../src/checks/nginx/common.js';
import { nginxModel, PASS_KINDS } from '../../../src/facts/nginx/index.js';
import { factsFromText } from './harness.js';

/** `server#line name` of each visit, in order. */
function visits(config: string): string[] {
  const model = nginxModel(factsFromText(config));
  const out: string[] = [];
  forEachHeaderUse(model, PASS_KINDS, undefined, false, ({ server, entry }) => {
    out.push(`${server.index}#${entry.ref.line} ${entry.name}`);
  });
  return out;
}

/** The same walk with the rule stated directly: skip an entry when one of the same line, name and file was visited. */
function expected(config: string): string[] {
  const model = nginxModel(factsFromText(config));
  const out: string[] = [];
  for (const server of model.servers) {
    const seen: { line: number; name: string; file: string }[] = [];
    for (const scope of server.scopes.filter((s) => s.pass && !s.passInherited && !s.returns)) {
      const kind = scope.pass?.kind;
      if (!kind) continue;
      for (const e of scope.headers[kind].entries) {
        if (!e.ref) continue;
        const { line, file } = e.ref;
        if (seen.some((s) => s.line === line && s.name === e.name && s.file === file)) continue;
        seen.push({ line, name: e.name, file });
        out.push(`${server.index}#${line} ${e.name}`);
      }
    }
  }
  return out;
}

/** A server with `n` header lines at the server level and `locations` locations that inherit them. */
function bigServer(n: number, locations: number): string {
  const headers = Array.from({ length: n }, (_, k) => `  proxy_set_header X-H${k} v${k};`).join('\n');
  const locs = Array.from({ length: locations }, (_, k) => `  location /l${k} { proxy_pass http://app${k}; }`).join('\n');
  return `server {\n  listen 80;\n${headers}\n${locs}\n}\n`;
}

const cases: { name: string; config: string; visits?: string[] }[] = [
  {
    name: 'one location: each header line once',
    config:
      'server {\n  listen 80;\n  location / {\n    proxy_pass http://app;\n    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-Proto $scheme;\n  }\n}',
    visits: ['0#5 Host', '0#6 X-Forwarded-Proto'],
  },
  {
    name: 'a server-level line inherited by two locations is one visit',
    config:
      'server {\n  listen 80;\n  proxy_set_header X-Forwarded-Proto $scheme;\n  location /a { proxy_pass http://a; }\n  location /b { proxy_pass http://b; }\n}',
    visits: ['0#3 X-Forwarded-Proto'],
  },
  {
    name: 'the same line in two servers is a visit in each',
    config:
      'server {\n  listen 80;\n  location / { proxy_pass http://a; proxy_set_header X-A 1; }\n}\nserver {\n  listen 81;\n  location / { proxy_pass http://a; proxy_set_header X-A 1; }\n}',
    visits: ['0#3 X-A', '1#7 X-A'],
  },
  {
    // Looks like a repeat (one line), but two names: both are sent, both are visited.
    name: 'trap: two header names on one line are two visits',
    config: 'server {\n  listen 80;\n  location / { proxy_pass http://a; proxy_set_header X-A 1; proxy_set_header X-B 2; }\n}',
    visits: ['0#3 X-A', '0#3 X-B'],
  },
  {
    name: 'one name twice on one line is one visit',
    config: 'server {\n  listen 80;\n  location / { proxy_pass http://a; proxy_set_header X-A 1; proxy_set_header X-A 2; }\n}',
    visits: ['0#3 X-A'],
  },
  { name: 'past the short scan: 40 inherited lines, 3 locations', config: bigServer(40, 3) },
  { name: 'far past it: 120 inherited lines, 5 locations', config: bigServer(120, 5) },
  {
    name: 'past the short scan with repeats on one line',
    config: `server {\n  listen 80;\n${Array.from({ length: 40 }, (_, k) => `  proxy_set_header X-H${k} a; proxy_set_header X-H${k} b; proxy_set_header X-G${k} c;`).join('\n')}\n  location /a { proxy_pass http://a; }\n  location /b { proxy_pass http://b; }\n}\n`,
  },
];

for (const c of cases) {
  test(`forEachHeaderUse: ${c.name}`, () => {
    const got = visits(c.config);
    assert.deepEqual(got, expected(c.config));
    if (c.visits) assert.deepEqual(got, c.visits);
  });
}

test('forEachHeaderUse: past the short scan, every line of the server is visited exactly once', () => {
  const got = visits(bigServer(40, 3));
  assert.equal(got.length, 40);
  assert.equal(new Set(got).size, 40);
});
