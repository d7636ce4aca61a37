/**
 * probe against real Express servers (trust proxy on / off), through the CLI as a user runs it:
 * the forged headers are believed only by the trusting one; a closed port gives no finding and only one
 * connection attempt; bad arguments are one-line usage errors.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { runProbe } from '../../src/commands/probe.js';
import { runCli } from '../helpers.js';

const BIN = fileURLToPath(new URL('../../bin/proxyproof.js', import.meta.url));
const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

function app(trust: boolean): Promise<number> {
  const a = express();
  a.set('trust proxy', trust);
  a.get('/', (req, res) => {
    if (!req.secure) {
      res.redirect(301, `https://${req.hostname}${req.originalUrl}`);
      return;
    }
    res.cookie('sid', '1', { secure: true });
    res.send(`<a href="${req.protocol}://${req.hostname}/x">x</a> from ${req.ip}`);
  });
  a.get('/echo', (req, res) => {
    res.send(`<a href="${req.protocol}://${req.hostname}/x">x</a> from ${req.ip}`);
  });
  return new Promise((resolve) => {
    const s = a.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port));
    servers.push(s);
  });
}

test('probe: a trusting Express app is spoofable in scheme, host and client address; the same app without trust is not', async () => {
  const trusting = await app(true);
  const r = await runProbe({ backend: `http://127.0.0.1:${trusting}/echo`, public: 'https://app.test' });
  const ids = r.report.findings.map((f) => f.id).sort();
  assert.deepEqual(ids, [
    'probe/backend-reachable',
    'probe/client-ip-spoofable',
    'probe/host-spoofable',
    'probe/scheme-spoofable',
  ]);
  assert.equal(r.facts.exchanges.length, 4, 'a handful of requests: four');
  assert.equal(r.facts.exchanges[0]?.response?.status, 200);
  const strict = await app(false);
  const s = await runProbe({ backend: `http://127.0.0.1:${strict}/echo`, public: 'https://app.test' });
  assert.deepEqual(
    s.report.findings.map((f) => f.id),
    ['probe/backend-reachable'],
  );
  const redirect = await runProbe({ backend: `http://127.0.0.1:${trusting}/`, public: 'https://app.test' });
  assert.match(
    redirect.report.findings.find((f) => f.id === 'probe/scheme-spoofable')?.message ?? '',
    /redirect to https:\/\/app\.test\/ disappears/,
  );
});

test('probe: a closed port is one attempt, no finding, exit 0; the CLI renders text and json', async () => {
  const s = createServer();
  const port = await new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
  await new Promise((r) => s.close(r));
  const r = await runProbe({ backend: `http://127.0.0.1:${port}/` });
  assert.equal(r.facts.reachable.ok, false);
  assert.equal(r.facts.exchanges.length, 1);
  assert.equal(r.report.findings.length, 0);
  const cli = runCli(['probe', '--backend', `http://127.0.0.1:${port}/`]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /not reachable from this host: ECONNREFUSED/);
  // The server lives in this process: the CLI runs asynchronously so the event loop can answer it.
  const trusting = await app(true);
  const json = await new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'probe', '--backend', `http://127.0.0.1:${trusting}/echo`, '--public', 'https://app.test', '-f', 'json'],
      { timeout: 60_000 },
      (err, stdout) => resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout }),
    );
  });
  assert.equal(json.code, 1);
  const parsed = JSON.parse(json.stdout) as { command: string; findings: Array<{ id: string }>; probe: { exchanges: unknown[] } };
  assert.equal(parsed.command, 'probe');
  assert.equal(parsed.probe.exchanges.length, 4);
});

test('probe --client-ip-path: an app whose / only redirects shows the forged address on the path named, with that pair as evidence', async () => {
  const trusting = await app(true);
  const backend = `http://127.0.0.1:${trusting}/`;
  const atRoot = await runProbe({ backend, public: 'https://app.test' });
  assert.ok(
    !atRoot.report.findings.some((f) => f.id === 'probe/client-ip-spoofable'),
    '/ only redirects: the address is not shown there',
  );
  const r = await runProbe({ backend, public: 'https://app.test', clientIpPaths: ['/echo', '/'] });
  // `/` is the backend's own path: not asked twice. Four GETs, then a baseline and a forged one on /echo.
  assert.deepEqual(
    r.facts.exchanges.map((e) => `${e.name}${e.url ? ` ${new URL(e.url).pathname}` : ''}`),
    ['baseline', 'scheme', 'host', 'client', 'baseline /echo', 'client /echo'],
  );
  const client = r.report.findings.find((f) => f.id === 'probe/client-ip-spoofable');
  assert.ok(client, JSON.stringify(r.report.findings.map((f) => f.id)));
  assert.equal(client.evidence[0]?.file, `http://127.0.0.1:${trusting}/echo`);
  assert.match(client.evidence[0]?.snippet ?? '', /excerpt: .*from 127\.0\.0\.1/);
  assert.match(client.message, new RegExp(`^http://127\\.0\\.0\\.1:${trusting}/echo reports the forged client address`));
  // The other checks still compare the backend's own path: the redirect is the scheme finding's.
  assert.match(
    r.report.findings.find((f) => f.id === 'probe/scheme-spoofable')?.message ?? '',
    /redirect to https:\/\/app\.test\/ disappears/,
  );
  const strict = await app(false);
  const s = await runProbe({ backend: `http://127.0.0.1:${strict}/`, public: 'https://app.test', clientIpPaths: ['/echo'] });
  assert.deepEqual(
    s.report.findings.map((f) => f.id),
    ['probe/backend-reachable'],
  );
  // The CLI's text names the path of each extra exchange.
  const cli = await new Promise<string>((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'probe', '--backend', backend, '--public', 'https://app.test', '--client-ip-path', '/echo'],
      { timeout: 60_000 },
      (_err, stdout) => resolve(stdout),
    );
  });
  assert.match(cli, new RegExp(`client http://127\\.0\\.0\\.1:${trusting}/echo \\(X-Forwarded-For`));
  assert.match(cli, /probe\/client-ip-spoofable/);
});

test('probe: bad arguments are one-line usage errors (exit 2)', () => {
  for (const args of [
    ['probe'],
    ['probe', '--backend', 'nope'],
    ['probe', '--backend', 'https://x.test/'],
    ['probe', '--backend', 'http://127.0.0.1:1/', '--public', '::'],
    ['probe', '--backend', 'http://127.0.0.1:1/', '--from-netns', 'proxyproof-no-such-namespace'],
    ['probe', '--backend', 'http://127.0.0.1:1/', '--from-netns', '../etc'],
    ['probe', '--backend', 'http://127.0.0.1:1/', '--client-ip-path', 'whoami'],
    ['probe', '--backend', 'http://127.0.0.1:1/', '--client-ip-path', '//evil.test/x'],
    ['probe', '--backend', 'http://127.0.0.1:1/', '--client-ip-path', '/a', '/b', '/c', '/d'],
  ]) {
    const r = runCli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
  }
});

test('probe --from-netns: a namespace that does not exist is an input error, never "not reachable" (which reads as safe)', async () => {
  await assert.rejects(
    runProbe({ backend: 'http://127.0.0.1:1/', fromNetns: 'proxyproof-no-such-namespace' }),
    /--from-netns: no network namespace named 'proxyproof-no-such-namespace'/,
  );
  const r = runCli(['probe', '--backend', 'http://127.0.0.1:1/', '--from-netns', 'proxyproof-no-such-namespace']);
  assert.equal(r.stdout, '', 'nothing probed, no report');
  assert.match(r.stderr, /^proxyproof: --from-netns: no network namespace named 'proxyproof-no-such-namespace'/);
});

test('probe evidence: both responses side by side in text, JSON, SARIF and HTML; an echoed address in its context', async () => {
  const { RENDERERS } = await import('../../src/render/index.js');
  const trusting = await app(true);
  const r = await runProbe({ backend: `http://127.0.0.1:${trusting}/echo`, public: 'https://app.test' });
  const client = r.report.findings.find((f) => f.id === 'probe/client-ip-spoofable');
  assert.ok(client);
  // JSON: the pair is marked, the baseline first; the body excerpt shows the same place in both answers.
  assert.deepEqual(
    client.evidence.map((e) => e.side),
    ['baseline', 'compared'],
  );
  assert.match(client.evidence[0]?.snippet ?? '', /excerpt: .*from 127\.0\.0\.1/);
  assert.match(client.evidence[1]?.snippet ?? '', /excerpt: .*from 198\.18\.0\.7[78]/);
  assert.match(client.evidence[1]?.note ?? '', /X-Forwarded-For: 198\.18\.0\.77, 198\.18\.0\.78, Forwarded: for=198\.18\.0\.77/);
  const opt = { color: false, quiet: false };
  // Text: two columns, the baseline's line and the forged one's on the same row.
  const text = RENDERERS.text?.render(r.report, opt) as string;
  assert.match(text, /\| baseline +\| forged\n/);
  assert.match(text, /\| HTTP 200 +\| HTTP 200\n/);
  // The excerpts face each other, the real address beside the forged one (long lines wrap at the column width).
  assert.match(text, /\| excerpt: [^\n|]*from +\| excerpt: [^\n|]*from\n +\| 127\.0\.0\.1 +\| 198\.18\.0\.7[78]\n/);
  // SARIF: each location's message carries its response; the result's markdown has the two-column table.
  const sarif = JSON.parse(RENDERERS.sarif?.render(r.report, opt) as string);
  const res = sarif.runs[0].results.find((x: { ruleId: string }) => x.ruleId === 'probe/client-ip-spoofable');
  assert.match(res.locations[0].message.text, /^baseline \(Host: app\.test\)\nHTTP 200\n/);
  assert.match(res.relatedLocations[0].message.text, /^forged: X-Forwarded-For[^\n]*\nHTTP 200\n/);
  assert.match(
    res.message.markdown,
    /\| baseline \(Host: app\.test\) \| forged: X-Forwarded-For[^\n]*\|\n\|---\|---\|\n\| HTTP 200<br>/,
  );
  // HTML: a two-column block holding both.
  const html = RENDERERS.html?.render(r.report, opt) as string;
  const pair = /<div class="pair"><div>(.*?)<\/div><div>(.*?)<\/div><\/div>/s.exec(
    html.slice(html.indexOf('data-id="probe/client-ip-spoofable"')),
  );
  assert.ok(pair, 'a side-by-side block');
  assert.match(pair[1] as string, /baseline[\s\S]*HTTP 200/);
  assert.match(pair[2] as string, /forged: X-Forwarded-For[\s\S]*HTTP 200/);
});
