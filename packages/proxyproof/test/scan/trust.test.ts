/**
 * Both engines trust exactly the same certificates: the system store and NODE_EXTRA_CA_CERTS, plus --ca-cert
 * files; --insecure is the only way to accept any certificate. A local HTTPS server whose certificate comes
 * from a CA made here (openssl): trusted through NODE_EXTRA_CA_CERTS, through --ca-cert, and not at all; a
 * certificate for the wrong name and an expired one fail in both engines unless --insecure. Chromium really
 * verifies (the NSS database of its fresh HOME), never ignoreHTTPSErrors.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { rootCertificates } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { BrowserEngine, type Visit } from '../../src/collectors/browser/browser.js';
import { findCertutil, makeBrowserHome, scratchDir } from '../../src/collectors/browser/nssdb.js';
import { FetchError, HttpClient } from '../../src/collectors/crawl/http.js';
import { InputError } from '../../src/model/finding.js';
import { loadTrust, type Trust } from '../../src/scan/trust.js';
import { CLI_SAFETY_TIMEOUT_MS } from '../helpers.js';
import { REQUEST_SAFETY_TIMEOUT_MS, RUN_SAFETY_TIMEOUT_MS } from '../real-program.js';
import { type Certs, html, makeCerts, type Running, resolveAll, startHttp, startHttps } from './servers.js';

const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

let certs: Certs;
let plain: Running;
let good: Running;
let wrongName: Running;
let expired: Running;
let selfSigned: Running;
let closedPort: number;
let wrongLeaf: { key: Buffer; cert: Buffer };
let expiredLeaf: { key: Buffer; cert: Buffer };
let selfLeaf: { key: Buffer; cert: Buffer; file: string };

function ossl(args: string[]) {
  execFileSync('openssl', args, { cwd: certs.dir, stdio: 'ignore', timeout: RUN_SAFETY_TIMEOUT_MS });
}

/** Leaves signed by the test CA: one for a name the site does not have, one whose validity ended in 2020. */
function makeBadLeaves() {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ossl(['req', ...ec, '-keyout', 'wrong.key', '-out', 'wrong.csr', '-subj', '/CN=elsewhere.test']);
  writeFileSync(join(certs.dir, 'wrong.cnf'), 'subjectAltName=DNS:elsewhere.test\nextendedKeyUsage=serverAuth\n');
  ossl([
    'x509',
    '-req',
    '-in',
    'wrong.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-out',
    'wrong.pem',
    '-days',
    '2',
    '-extfile',
    'wrong.cnf',
  ]);
  // `openssl ca` is the one that takes explicit dates: a certificate valid for one day in 2020.
  ossl(['req', ...ec, '-keyout', 'old.key', '-out', 'old.csr', '-subj', '/CN=app.test']);
  writeFileSync(join(certs.dir, 'index.txt'), '');
  writeFileSync(join(certs.dir, 'serial'), '1000\n');
  writeFileSync(join(certs.dir, 'old.cnf'), 'subjectAltName=DNS:app.test\nextendedKeyUsage=serverAuth\n');
  writeFileSync(
    join(certs.dir, 'ca.cnf'),
    '[ca]\ndefault_ca=t\n[t]\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n',
  );
  ossl([
    'ca',
    '-batch',
    '-notext',
    '-config',
    'ca.cnf',
    '-cert',
    'ca.pem',
    '-keyfile',
    'ca.key',
    '-in',
    'old.csr',
    '-out',
    'old.pem',
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200102000000Z',
    '-extfile',
    'old.cnf',
  ]);
  // A self-signed server certificate that is not a CA (trusted as itself: NSS trust P,,).
  ossl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'selfleaf.key',
    '-out',
    'selfleaf.pem',
    '-days',
    '2',
    '-subj',
    '/CN=app.test',
    '-addext',
    'subjectAltName=DNS:app.test',
    '-addext',
    'basicConstraints=critical,CA:FALSE',
    '-addext',
    'extendedKeyUsage=serverAuth',
  ]);
  const read = (f: string) => readFileSync(join(certs.dir, f));
  selfLeaf = { key: read('selfleaf.key'), cert: read('selfleaf.pem'), file: join(certs.dir, 'selfleaf.pem') };
  wrongLeaf = { key: read('wrong.key'), cert: read('wrong.pem') };
  expiredLeaf = { key: read('old.key'), cert: read('old.pem') };
}

before(async () => {
  certs = makeCerts();
  makeBadLeaves();
  plain = await startHttp((_req, res) => res.end('body{}'));
  const site = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    if (req.url === '/')
      return html(res, `<link rel="stylesheet" href="http://cdn.test:${plain.port}/site.css"><p>hello</p>`, {
        'strict-transport-security': 'max-age=63072000',
      });
    html(res, 'nope', {}, 404);
  };
  good = await startHttps(site, certs);
  wrongName = await startHttps(site, wrongLeaf);
  expired = await startHttps(site, expiredLeaf);
  selfSigned = await startHttps(site, selfLeaf);
  const gone = await startHttp((_q, r) => r.end());
  closedPort = gone.port;
  await gone.close();
});

after(async () => {
  await Promise.all([plain?.close(), good?.close(), wrongName?.close(), expired?.close(), selfSigned?.close()]);
  certs?.cleanup();
});

const url = (s: Running | number) => `https://app.test:${typeof s === 'number' ? s : s.port}/`;
/** No system store, no NODE_EXTRA_CA_CERTS: only what the case adds. */
const bare = { env: {}, systemBundles: [] };

test('loadTrust: system store, NODE_EXTRA_CA_CERTS and --ca-cert, deduplicated; bad --ca-cert is a one-line input error', () => {
  const sys = loadTrust({ env: {} });
  assert.ok(sys.systemStore, 'a system store on this machine');
  assert.ok(sys.anchors.length > 50, `${sys.anchors.length} system anchors`);
  const both = loadTrust({ env: { NODE_EXTRA_CA_CERTS: certs.caFile }, caCerts: [certs.caFile] });
  assert.equal(both.anchors.length, sys.anchors.length + 1, 'the same CA from two sources counts once');
  assert.equal(both.nodeExtraCaCerts, certs.caFile);
  assert.ok(both.anchors.some((a) => a.subject.includes('proxyproof test CA') && a.ca));
  assert.deepEqual(loadTrust({ ...bare }).anchors, []);
  const missing = loadTrust({ env: { NODE_EXTRA_CA_CERTS: '/nonexistent/extra.pem' }, systemBundles: [] });
  assert.match(missing.warnings[0] ?? '', /NODE_EXTRA_CA_CERTS \/nonexistent\/extra\.pem not read: ENOENT/);
  assert.throws(
    () => loadTrust({ ...bare, caCerts: ['/nonexistent/ca.pem'] }),
    (e: unknown) => e instanceof InputError && e.file === '/nonexistent/ca.pem' && /ENOENT/.test(e.message),
  );
  const garbage = join(certs.dir, 'garbage.pem');
  writeFileSync(garbage, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
  assert.throws(
    () => loadTrust({ ...bare, caCerts: [garbage] }),
    (e: unknown) => e instanceof InputError && /cannot be parsed/.test(e.message),
  );
});

test("loadTrust: a system store's copies of Node's bundled roots are parsed only when read, and read the same as a parse", () => {
  const store = join(certs.dir, 'store-with-bundled.pem');
  const roots = rootCertificates.slice(0, 3);
  writeFileSync(store, [...roots, readFileSync(certs.caFile, 'utf8')].join('\n'));
  const t = loadTrust({ env: {}, systemBundles: [store] });
  assert.equal(t.systemStore, store);
  assert.equal(t.anchors.length, 4);
  for (const [i, pem] of roots.entries()) {
    const x = new X509Certificate(pem);
    assert.equal(t.anchors[i]?.ca, x.ca);
    assert.equal(t.anchors[i]?.subject, x.subject.replace(/\n/g, ', '));
    assert.equal(t.anchors[i]?.file, store);
  }
  assert.ok(t.anchors[3]?.subject.includes('proxyproof test CA') && t.anchors[3].ca);
  // a certificate Node does not bundle is still checked at once: a broken one makes the store unused, with a warning
  writeFileSync(store, [roots[0], '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'].join('\n'));
  const broken = loadTrust({ env: {}, systemBundles: [store] });
  assert.equal(broken.systemStore, undefined);
  assert.match(broken.warnings.join('\n'), /system store .* not used: a certificate in it cannot be parsed/);
});

// The request, page, CLI and test timeouts below are safety nets, never the assertion (test/real-program.ts): every
// failure asserted here is a certificate or a refused connection, known at once, so only a hang reaches a net.
test('static engine: trusted through NODE_EXTRA_CA_CERTS or --ca-cert, not otherwise; wrong name and expired fail unless --insecure', {
  timeout: 15 * REQUEST_SAFETY_TIMEOUT_MS,
}, async () => {
  const resolve = resolveAll(good.port, wrongName.port, expired.port, selfSigned.port);
  const fetchWith = async (trust: Trust, s: Running) => {
    const c = new HttpClient({ resolve, trust, requestTimeoutMs: REQUEST_SAFETY_TIMEOUT_MS });
    try {
      return (await c.fetch(url(s))).status;
    } catch (e) {
      assert.ok(e instanceof FetchError, String(e));
      return e.code;
    } finally {
      await c.close();
    }
  };
  const viaEnv = loadTrust({ env: { NODE_EXTRA_CA_CERTS: certs.caFile } });
  const viaFile = loadTrust({ ...bare, caCerts: [certs.caFile] });
  const insecure = loadTrust({ ...bare, insecure: true });
  assert.equal(await fetchWith(viaEnv, good), 200);
  assert.equal(await fetchWith(viaFile, good), 200);
  assert.equal(await fetchWith(loadTrust({ env: {} }), good), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  assert.equal(await fetchWith(viaFile, wrongName), 'ERR_TLS_CERT_ALTNAME_INVALID');
  assert.equal(await fetchWith(viaFile, expired), 'CERT_HAS_EXPIRED');
  assert.equal(await fetchWith(viaFile, selfSigned), 'DEPTH_ZERO_SELF_SIGNED_CERT');
  assert.equal(await fetchWith(loadTrust({ ...bare, caCerts: [selfLeaf.file] }), selfSigned), 200);
  for (const s of [good, wrongName, expired, selfSigned]) assert.equal(await fetchWith(insecure, s), 200);
});

test('browser engine: Chromium verifies against the NSS db of its fresh HOME; every load failure has its reason and flag', {
  timeout: 20 * REQUEST_SAFETY_TIMEOUT_MS,
}, async () => {
  const resolve = resolveAll(good.port, wrongName.port, expired.port, selfSigned.port, closedPort);
  const visits = async (trust: Trust, urls: string[]) => {
    const b = await BrowserEngine.launch({
      resolve,
      trust,
      contexts: 1,
      pageTimeoutMs: REQUEST_SAFETY_TIMEOUT_MS,
      settleMs: 200,
    });
    try {
      const out = [];
      for (const u of urls) out.push(await b.visit(u));
      return out;
    } finally {
      await b.close();
    }
  };
  // Not trusted at all (no system store, no extra CA): Chromium refuses, as the static engine does.
  const [untrusted, untrustedSelf] = await visits(loadTrust(bare), [url(good), url(selfSigned)]);
  assert.equal(untrustedSelf?.error?.code, 'ERR_CERT_AUTHORITY_INVALID', seen(untrustedSelf));
  assert.equal(untrusted?.error?.code, 'ERR_CERT_AUTHORITY_INVALID', seen(untrusted));
  assert.match(untrusted!.error!.hint!, /--ca-cert FILE/);
  assert.deepEqual(untrusted?.observed, []);
  assert.equal(untrusted?.status, undefined);

  // NODE_EXTRA_CA_CERTS (with the whole system store imported too): the real page, and real failures.
  const [ok, wrong, old, refused, crashed] = await visits(loadTrust({ env: { NODE_EXTRA_CA_CERTS: certs.caFile } }), [
    url(good),
    url(wrongName),
    url(expired),
    url(closedPort),
    'chrome://crash',
  ]);
  assert.equal(ok?.error, undefined, seen(ok));
  assert.equal(ok?.status, 200);
  assert.deepEqual(
    ok?.observed.map((r) => `${r.classification} ${r.url}`),
    [`blocked http://cdn.test:${plain.port}/site.css`],
  );
  assert.equal(wrong?.error?.code, 'ERR_CERT_COMMON_NAME_INVALID', seen(wrong));
  assert.match(wrong!.error!.hint!, /--insecure/);
  assert.equal(old?.error?.code, 'ERR_CERT_DATE_INVALID', seen(old));
  assert.equal(refused?.error?.code, 'ERR_CONNECTION_REFUSED', seen(refused));
  assert.equal(crashed?.error?.code, 'crash', seen(crashed));

  // --ca-cert alone (no system store): a CA, and a self-signed server certificate trusted as itself.
  const viaFiles = await visits(loadTrust({ ...bare, caCerts: [certs.caFile, selfLeaf.file] }), [url(good), url(selfSigned)]);
  assert.deepEqual(
    viaFiles.map((v) => v.status ?? v.error?.detail),
    [200, 200],
    viaFiles.map(seen).join('\n'),
  );

  // --insecure: the only way to accept any certificate.
  const insecure = await visits(loadTrust({ ...bare, insecure: true }), [url(good), url(wrongName), url(expired)]);
  assert.deepEqual(
    insecure.map((v) => v.status ?? v.error?.code),
    [200, 200, 200],
    insecure.map(seen).join('\n'),
  );
});

// What a visit ended with, for an assertion's message: when this test fails on a loaded CI machine, the reason
// (a page timeout, 'browser-stuck', a certificate error) is the evidence needed, not just the missing code.
function seen(v: Visit | undefined): string {
  if (!v) return 'no visit result';
  return `final URL ${v.finalUrl ?? '-'}, status ${v.status ?? '-'}, error ${v.error ? `${v.error.code}: ${v.error.detail}` : '-'}`;
}

function run(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const e: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...env };
    for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
    const p = spawn(process.execPath, [BIN, ...args], { env: e });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    let killed = false;
    const t = setTimeout(() => {
      killed = true;
      p.kill('SIGKILL');
    }, CLI_SAFETY_TIMEOUT_MS);
    p.on('close', (code) => {
      clearTimeout(t);
      res({ code, stdout, stderr: killed ? `${stderr}\n[test: killed after ${CLI_SAFETY_TIMEOUT_MS / 1000} s]` : stderr });
    });
  });
}

const cli = (s: Running, engine: 'static' | 'browser', extra: string[] = []) => [
  'scan',
  url(s),
  '--resolve',
  `app.test:${s.port}:127.0.0.1`,
  '--resolve',
  `cdn.test:${plain.port}:127.0.0.1`,
  '--no-progress',
  '--timeout',
  String(REQUEST_SAFETY_TIMEOUT_MS),
  '--format',
  'json',
  ...(engine === 'browser' ? ['--browser'] : []),
  ...extra,
];

const mixed = (stdout: string) =>
  (JSON.parse(stdout).findings as Array<{ id: string; data?: { url?: string } }>)
    .filter((f) => f.id.startsWith('scan/mixed-content'))
    .map((f) => `${f.id} ${f.data?.url}`)
    .sort();

test('CLI: both engines find the same mixed content when the CA is trusted through NODE_EXTRA_CA_CERTS or --ca-cert', {
  timeout: 4 * CLI_SAFETY_TIMEOUT_MS,
}, async () => {
  const expected = [`scan/mixed-content-blocked http://cdn.test:${plain.port}/site.css`];
  for (const engine of ['static', 'browser'] as const) {
    const viaEnv = await run(cli(good, engine), { NODE_EXTRA_CA_CERTS: certs.caFile });
    assert.equal(viaEnv.code, 1, `${engine}: ${viaEnv.stdout}${viaEnv.stderr}`);
    assert.deepEqual(mixed(viaEnv.stdout), expected, engine);
    const j = JSON.parse(viaEnv.stdout);
    assert.equal(j.trust.insecure, false);
    assert.match(j.trust.description, /NODE_EXTRA_CA_CERTS/);
    if (engine === 'browser') assert.equal(j.pages[0].browser.status, 200);
    const viaFile = await run(cli(good, engine, ['--ca-cert', certs.caFile]), { NODE_EXTRA_CA_CERTS: undefined });
    assert.equal(viaFile.code, 1, `${engine}: ${viaFile.stdout}${viaFile.stderr}`);
    assert.deepEqual(mixed(viaFile.stdout), expected, engine);
  }
});

test('CLI: untrusted, wrong-name and expired certificates fail in both engines (exit 2, the reason and the flag); --insecure accepts them and says so', {
  timeout: 6 * CLI_SAFETY_TIMEOUT_MS,
}, async () => {
  for (const engine of ['static', 'browser'] as const) {
    // The three failures end at the entry, before any browser starts: run side by side.
    const [untrusted, wrong, old] = await Promise.all([
      run(cli(good, engine), { NODE_EXTRA_CA_CERTS: undefined }),
      run(cli(wrongName, engine, ['--ca-cert', certs.caFile]), {}),
      run(cli(expired, engine, ['--ca-cert', certs.caFile]), {}),
    ]);
    assert.equal(untrusted.code, 2, `${engine}: ${untrusted.stdout}${untrusted.stderr}`);
    assert.match(untrusted.stderr, /UNABLE_TO_VERIFY_LEAF_SIGNATURE.*--ca-cert FILE/);
    assert.equal(wrong.code, 2, `${engine}: ${wrong.stdout}${wrong.stderr}`);
    assert.match(wrong.stderr, /does not name this host \(pass --insecure/);
    assert.equal(old.code, 2, `${engine}: ${old.stdout}${old.stderr}`);
    assert.match(old.stderr, /certificate has expired \(pass --insecure/);
    for (const s of [wrongName, expired]) {
      const ok = await run(cli(s, engine, ['--insecure']), {});
      assert.equal(ok.code, 1, `${engine}: ${ok.stdout}${ok.stderr}`);
      const j = JSON.parse(ok.stdout);
      assert.deepEqual(mixed(ok.stdout), [`scan/mixed-content-blocked http://cdn.test:${plain.port}/site.css`], engine);
      assert.equal(j.trust.insecure, true);
      assert.ok(j.diagnostics.some((d: { message: string }) => /--insecure: certificates were not verified/.test(d.message)));
      if (engine === 'browser') assert.equal(j.pages[0].browser.status, 200);
    }
  }
});

test('the browser HOME: a fresh NSS db per scan, removed on close; homes left by killed scans are swept', {
  timeout: 2 * RUN_SAFETY_TIMEOUT_MS,
}, async () => {
  const certutil = findCertutil();
  assert.ok(certutil, 'certutil (libnss3-tools) is installed');
  const dead = spawnSync('true').pid;
  assert.ok(dead);
  const stale = join(scratchDir(), `proxyproof-browser-home-${dead}-stale`);
  mkdirSync(join(stale, '.pki'), { recursive: true });
  const home = await makeBrowserHome(loadTrust({ ...bare, caCerts: [certs.caFile] }).anchors, certutil);
  try {
    assert.equal(existsSync(stale), false, 'the home of a dead pid is removed');
    const listed = execFileSync(certutil, ['-L', '-d', `sql:${join(home.home, '.pki', 'nssdb')}`], {
      encoding: 'utf8',
      timeout: RUN_SAFETY_TIMEOUT_MS,
    });
    assert.match(listed, /proxyproof-anchor-0\s+C,,/);
  } finally {
    home.cleanup();
  }
  assert.equal(existsSync(home.home), false);
});
