import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers.js';

test('lint ends in the chain verdict: the seed reaches Django as http, lost at the nginx hop', () => {
  const r = runCli(['lint', 'examples/seed']);
  assert.equal(r.code, 1, r.stderr);
  const verdictAt = r.stdout.indexOf('Chain verdict');
  assert.ok(verdictAt > r.stdout.indexOf('nginx/forwarded-proto-missing'), 'the verdict comes after the findings');
  assert.match(r.stdout, /the app believes http — lost at hop 1 \(nginx :443/);
  assert.match(r.stdout, /examples\/seed\/nginx\/sites-enabled\/mysite:50/);
});

test('lint --format json carries the chain verdict per route', () => {
  const r = runCli(['lint', '--format', 'json', 'examples/seed']);
  const out = JSON.parse(r.stdout) as { chain: Array<{ url: string; verdict: string }> };
  assert.equal(out.chain.length, 1);
  assert.match(out.chain[0]!.url, /^https:\/\/shop\.example\.com\//);
  assert.match(out.chain[0]!.verdict, /believes http/);
});

test('lint of a correct deployment says so in its verdict', () => {
  const r = runCli(['lint', 'examples/correct-everything']);
  assert.match(r.stdout, /verdict: correct: the app believes https/);
});
