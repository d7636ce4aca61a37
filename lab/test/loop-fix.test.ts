// The proof loop on the real stack: for every broken lab scenario whose cause proxyproof fixes mechanically,
// `fix --write` on the scenario's rendered files, restart its processes from them, and Chromium records a
// clean page (no mixed content, no loop). `proxyproof demo` runs the same story for scenario 01 and must
// end clean. `probe` from the outside host (scenario 06) sees the spoof the lab itself demonstrates, and
// nothing once the app is not reachable. Scenarios whose fix needs a fact the files do not hold (the proxy's
// address on another host: 05, 06, 13) are advice for plain `fix`, and patched with `fix --proxy-address`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runFix } from '../../packages/proxyproof/src/commands/fix.js';
import { runProbe } from '../../packages/proxyproof/src/commands/probe.js';
import { missingPrograms, systemBinaries } from '../src/bins.js';
import { closeBrowsers, observe } from '../src/browser.js';
import type { RunningScenario } from '../src/types.js';
import { assertClean, originOf, withScenario } from './helpers.js';

after(closeBrowsers);

const TITLE_COLOUR = "getComputedStyle(document.querySelector('h1')).color";
const CLI = fileURLToPath(new URL('../../packages/proxyproof/bin/proxyproof.js', import.meta.url));

/** The real CLI (dist, as `npx proxyproof` runs it), without blocking the event loop the scenario's processes share. */
function runCliAsync(args: string[], cwd?: string): Promise<{ code: number | null; stdout: string; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => {
      stdout += d;
    });
    p.stderr.on('data', (d) => {
      stderr += d;
    });
    p.on('close', (code) => resolve({ code, stdout, out: `${stdout}\n${stderr}` }));
  });
}

async function look(sc: RunningScenario, path = '/') {
  return observe(new URL(path, sc.entryUrl).href, {
    hostResolverRules: sc.hostResolverRules,
    caFile: sc.caFile,
    evaluate: TITLE_COLOUR,
  });
}

/** fix --write on the rendered files: something was written, nothing refused or undone. */
async function fixWrite(sc: RunningScenario): Promise<string[]> {
  const run = await runFix([sc.dir], { write: true, cwd: sc.dir });
  assert.ok(run.written.length > 0, `nothing to write for ${sc.id}: ${JSON.stringify(run.plan.advice)}`);
  for (const w of run.written) assert.equal(w.status, 'written', `${w.file}: ${w.reason ?? ''} ${w.validation?.output ?? ''}`);
  return run.plan.patches.map((p) => p.diff);
}

for (const { id, paths } of [
  // gunicorn's own --forwarded-allow-ips leaves out nginx on 127.0.0.1: the fix adds it to that list.
  { id: '02-nginx-gunicorn-xfp:gunicorn-distrusts-loopback', paths: ['/'] },
  { id: '03-ssl-redirect-loop', paths: ['/'] },
  // Host $host drops the port: Django's SECURE_SSL_REDIRECT sends https://app.test/ (no port) — nothing listens there.
  { id: '03-ssl-redirect-loop:non-default-port', paths: ['/'] },
  { id: '04-nginx-location-inheritance', paths: ['/', '/reports/'] },
  { id: '07-host-drops-port', paths: ['/'] },
]) {
  test(`loop ${id}: broken, fix --write, restart, Chromium clean`, async (t) => {
    await withScenario(t, id, async (sc) => {
      const broken = await Promise.all(paths.map((p) => look(sc, p)));
      assert.ok(
        broken.some((o) => o.error || o.mixedContentIssues.length > 0 || o.failedRequests.length > 0),
        'the scenario is broken before the fix',
      );
      const diffs = await fixWrite(sc);
      await sc.restart();
      for (const p of paths) {
        const obs = await look(sc, p);
        try {
          assertClean(obs, originOf(sc));
        } catch (e) {
          (e as Error).message += `\n(after ${p}; patches:\n${diffs.join('')})`;
          throw e;
        }
      }
    });
  });
}

// The proxy on another host: its address as the app sees it (the proxy's end of the proxy-app link) is not in any
// file, so `fix` alone gives advice; with `--proxy-address` it is written into the app server's command line.
for (const id of ['05-cross-host-gunicorn', '13-cross-host-uvicorn']) {
  test(`loop ${id}: advice without the proxy's address; fix --write --proxy-address, restart, Chromium clean`, async (t) => {
    await withScenario(t, id, async (sc) => {
      const broken = await look(sc);
      assert.ok(broken.mixedContentIssues.length > 0, 'the scenario is broken before the fix');
      const dry = await runFix([sc.dir], { cwd: sc.dir });
      const kind = id.includes('uvicorn') ? 'uvicorn' : 'gunicorn';
      const advice = dry.plan.advice.find((a) => a.id === `${kind}/proxy-not-trusted`);
      assert.match(advice?.reason ?? '', /give it with --proxy-address/, JSON.stringify(dry.plan.advice));
      const address = sc.vars.PROXY_INNER_ADDR as string;
      const run = await runFix([sc.dir], { write: true, cwd: sc.dir, proxyAddress: address });
      const diffs = run.plan.patches.map((p) => p.diff).join('');
      assert.match(diffs, new RegExp(`^\\+ExecStart=.*--forwarded-allow-ips=${address.replace(/\./g, '\\.')} `, 'm'), diffs);
      for (const w of run.written) assert.equal(w.status, 'written', `${w.file}: ${w.reason ?? ''}`);
      await sc.restart();
      try {
        assertClean(await look(sc), originOf(sc));
      } catch (e) {
        (e as Error).message += `\n(patches:\n${diffs})`;
        throw e;
      }
      assert.deepEqual((await runFix([sc.dir], { cwd: sc.dir, proxyAddress: address })).plan.patches, [], 'idempotent');
    });
  });
}

test('loop 06: the spoof from the outside host is seen; fix --write --proxy-address, restart: probe finds no spoof, page clean', async (t) => {
  await withScenario(t, '06-exposed-gunicorn-spoof', async (sc) => {
    const ns = sc.namespaces[sc.def.outside ?? ''];
    assert.ok(ns, 'outside namespace');
    const backend = `http://${sc.vars.APP_OUTSIDE_ADDR}:${sc.backend.port}/`;
    const probe = () => runProbe({ backend, public: new URL(sc.entryUrl).origin, fromNetns: ns });
    const before = (await probe()).report.findings.map((f) => f.id);
    assert.ok(before.includes('probe/scheme-spoofable'), before.join(', '));
    const address = sc.vars.PROXY_INNER_ADDR as string;
    const run = await runFix([sc.dir], { write: true, cwd: sc.dir, proxyAddress: address });
    const diffs = run.plan.patches.map((p) => p.diff).join('');
    assert.match(diffs, new RegExp(`^\\+ExecStart=.*--forwarded-allow-ips='${address.replace(/\./g, '\\.')}'`, 'm'), diffs);
    for (const w of run.written) assert.equal(w.status, 'written', `${w.file}: ${w.reason ?? ''}`);
    await sc.restart();
    const after = (await probe()).report.findings.map((f) => f.id);
    assert.ok(!after.includes('probe/scheme-spoofable'), `${after.join(', ')}\n${diffs}`);
    assertClean(await look(sc), originOf(sc));
  });
});

test('loop 01 via `proxyproof demo`: the console shows mixed content, then comes back clean; exit 0', async (t) => {
  const missing = missingPrograms(['nginx', 'gunicorn']);
  if (!existsSync(systemBinaries().chromium)) missing.push('chromium');
  if (missing.length) return t.skip(missing.join('; '));
  const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const p = spawn(process.execPath, [CLI, 'demo'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.stderr.on('data', (d) => {
      out += d;
    });
    p.on('close', (code) => resolve({ code, out }));
  });
  assert.equal(r.code, 0, r.out);
  assert.match(
    r.out,
    /Mixed Content: The page at 'https:\/\/app\.test:\d+\/' was loaded over HTTPS, but requested an insecure stylesheet/,
  );
  assert.match(r.out, /\+ +proxy_set_header X-Forwarded-Proto \$scheme;/);
  assert.match(r.out, /\(clean: no mixed content, no redirect loop\)/);
  assert.match(r.out, /6\. Stopping everything\./);
});

test('probe from the outside host (06): the spoof is seen; fix gives advice only (the proxy address is not in the files)', async (t) => {
  await withScenario(t, '06-exposed-gunicorn-spoof', async (sc) => {
    const ns = sc.namespaces[sc.def.outside ?? ''];
    assert.ok(ns, 'outside namespace');
    const backend = `http://${sc.vars.APP_OUTSIDE_ADDR}:${sc.backend.port}/`;
    const r = await runProbe({ backend, public: new URL(sc.entryUrl).origin, fromNetns: ns });
    const ids = r.report.findings.map((f) => f.id);
    assert.ok(ids.includes('probe/backend-reachable'), `${ids.join(', ')} ${JSON.stringify(r.facts.reachable)}`);
    assert.ok(
      ids.includes('probe/scheme-spoofable'),
      `${ids.join(', ')}\n${JSON.stringify(r.facts.exchanges.map((e) => e.response?.status))}`,
    );
    assert.equal(r.report.findings.find((f) => f.id === 'probe/scheme-spoofable')?.severity, 'high');
    // The CLI as a user runs it: the same findings from the outside host, one exit code (1: findings).
    const cli = await runCliAsync([
      'probe',
      '--backend',
      backend,
      '--public',
      new URL(sc.entryUrl).origin,
      '--from-netns',
      ns,
      '--format',
      'json',
    ]);
    assert.equal(cli.code, 1, cli.out);
    const parsed = JSON.parse(cli.stdout) as { findings: Array<{ id: string }>; probe: { fromNetns?: string } };
    assert.equal(parsed.probe.fromNetns, ns);
    assert.ok(
      parsed.findings.some((f) => f.id === 'probe/scheme-spoofable'),
      cli.stdout,
    );
    const run = await runFix([sc.dir], { cwd: sc.dir });
    assert.ok(
      run.plan.advice.some((a) => a.id === 'gunicorn/forwarded-allow-all'),
      JSON.stringify(run.plan.advice),
    );
    assert.ok(!run.plan.patches.some((p) => p.findings.includes('gunicorn/forwarded-allow-all')));
  });
});

test('probe from the outside host (06:private-bind): not reachable, nothing else sent, no finding', async (t) => {
  await withScenario(t, '06-exposed-gunicorn-spoof:private-bind', async (sc) => {
    const ns = sc.namespaces[sc.def.outside ?? ''];
    const backend = `http://${sc.vars.APP_OUTSIDE_ADDR}:${sc.backend.port}/`;
    const r = await runProbe({ backend, public: new URL(sc.entryUrl).origin, fromNetns: ns, timeoutMs: 3000 });
    assert.equal(r.facts.reachable.ok, false);
    assert.match(
      r.facts.reachable.error ?? '',
      /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|no answer within/,
      'a network answer, not a failure to run the probe',
    );
    assert.equal(r.facts.exchanges.length, 1);
    assert.deepEqual(r.report.findings, []);
  });
});

test('verify on 01: one report of lint + scan + probe; after fix --write and a restart the mixed content and the lint cause are gone', async (t) => {
  const { runVerify } = await import('../../packages/proxyproof/src/commands/verify.js');
  await withScenario(t, '01-nginx-gunicorn-no-xfp', async (sc) => {
    const opts = {
      config: sc.dir,
      url: sc.entryUrl,
      backends: [`http://${sc.backend.address}:${sc.backend.port}/`],
      resolve: sc.resolve.map((x) => ({ host: x.host, port: x.port, address: x.address })),
      caCert: sc.caFile,
      maxPages: 5,
      cwd: sc.dir,
    };
    const before = await runVerify(opts);
    const ids = new Set(before.findings.map((f) => f.id));
    for (const id of ['nginx/forwarded-proto-missing', 'scan/mixed-content-blocked', 'probe/backend-reachable'])
      assert.ok(ids.has(id), `${id} in ${[...ids].join(', ')}`);
    assert.equal(before.command, 'verify');
    // The CLI: one report of the three parts and one exit code (1: findings), as CI would run it.
    const cli = await runCliAsync(
      [
        'verify',
        '--config',
        sc.dir,
        '--url',
        sc.entryUrl,
        '--backend',
        opts.backends[0] as string,
        ...opts.resolve.flatMap((x) => ['--resolve', `${x.host}:${x.port}:${x.address}`]),
        '--ca-cert',
        sc.caFile,
        '--max-pages',
        '5',
        '--format',
        'json',
      ],
      sc.dir,
    );
    assert.equal(cli.code, 1, cli.out);
    const cliIds = new Set((JSON.parse(cli.stdout) as { findings: Array<{ id: string }> }).findings.map((f) => f.id));
    // (the CLI's output stage leaves out info findings such as a loopback backend-reachable; gunicorn trusts the
    // forged header from 127.0.0.1, where the probe runs)
    for (const id of ['nginx/forwarded-proto-missing', 'scan/mixed-content-blocked', 'probe/scheme-spoofable'])
      assert.ok(cliIds.has(id), `CLI: ${id} in ${[...cliIds].join(', ')}`);
    await fixWrite(sc);
    await sc.restart();
    const afterFix = await runVerify(opts);
    const left = afterFix.findings.map((f) => f.id);
    for (const id of [
      'nginx/forwarded-proto-missing',
      'scan/mixed-content-blocked',
      'scan/mixed-content-upgraded',
      'scan/insecure-form-action',
    ])
      assert.ok(!left.includes(id), `${id} still reported: ${left.join(', ')}`);
  });
});
