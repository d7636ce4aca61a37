/**
 * What Apache's ProxyPassReverse rewrites, on Debian's real apache2 2.4 (mod_ssl, mod_proxy_http) with a backend
 * that believes http and redirects as a framework does (`Location: http://<the Host it received>/next`). mod_proxy's
 * ap_proxy_location_reverse_map replaces a Location/Content-Location/URI that starts with the ProxyPassReverse URL by
 * the front URL (the vhost's scheme: https on SSLEngine, the request's host); anything else passes unchanged. So:
 * - ProxyPreserveHost Off: the backend redirects to its own address, which ProxyPassReverse names: fixed to https.
 * - ProxyPreserveHost On: the backend redirects to the public host over http, which a ProxyPassReverse naming the
 *   backend's address does not match: the browser is sent to http:// (the scheme is NOT fixed).
 * - ProxyPreserveHost On with ProxyPassReverse naming the public host's http URL: fixed.
 * - no ProxyPassReverse: the backend's own address reaches the browser.
 * The collector's facts and the chain's note (collectors/apache, chain/simulate.ts) say the same for each row.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { lintFiles } from '../python/lint-files.js';
import { apacheConf, REQUEST_SAFETY_TIMEOUT_MS, RUN_SAFETY_TIMEOUT_MS, selfSignedCert, startApache } from '../real-program.js';
import { proxyRewriteNote, redirectingBackend } from './redirecting-backend.js';

const HAVE = spawnSync('apache2', ['-v'], { timeout: RUN_SAFETY_TIMEOUT_MS }).status === 0;

/** One HTTPS GET through Apache with this Host: the status and Location, or undefined when there is no answer. */
function get(port: number, host: string): Promise<{ status: number; location: string } | undefined> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/start', headers: { host }, rejectUnauthorized: false, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: String(res.headers.location ?? '') }));
      },
    );
    req.setTimeout(REQUEST_SAFETY_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

export const PPR_ROWS: Array<{
  name: string;
  preserveHost: boolean;
  /** The ProxyPassReverse URL, `BACK` for the backend's address, `FRONT` for the public host's http URL. */
  reverse?: 'BACK' | 'FRONT';
  location: (front: string, back: string) => string;
}> = [
  {
    name: 'ProxyPreserveHost Off + ProxyPassReverse of the backend URL: the redirect is rewritten to https',
    preserveHost: false,
    reverse: 'BACK',
    location: (front) => `https://${front}/next`,
  },
  {
    name: 'trap: ProxyPreserveHost On + ProxyPassReverse of the backend URL: the http redirect passes unchanged',
    preserveHost: true,
    reverse: 'BACK',
    location: (front) => `http://${front}/next`,
  },
  {
    name: "ProxyPreserveHost On + ProxyPassReverse of the public host's http URL: rewritten to https",
    preserveHost: true,
    reverse: 'FRONT',
    location: (front) => `https://${front}/next`,
  },
  {
    name: "no ProxyPassReverse, ProxyPreserveHost Off: the backend's own address reaches the browser",
    preserveHost: false,
    location: (_front, back) => `http://${back}/next`,
  },
];

describe('real Apache: what ProxyPassReverse rewrites', { skip: HAVE ? false : 'apache2 not installed' }, () => {
  for (const row of PPR_ROWS)
    test(row.name, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pp-apache-ppr-'));
      // The backend believes http and redirects to the host it was given, as Django/Flask/Rails do.
      const { server: backend, port: back } = await redirectingBackend();
      const tls = selfSignedCert(dir, 'a.test');
      try {
        const apache = await startApache(
          dir,
          'ppr',
          (p) => {
            const front = `a.test:${p}`;
            const reverse =
              row.reverse === 'BACK'
                ? `  ProxyPassReverse / http://127.0.0.1:${back}/\n`
                : row.reverse === 'FRONT'
                  ? `  ProxyPassReverse / http://${front}/\n`
                  : '';
            return apacheConf(
              dir,
              'ppr',
              ['mpm_event', 'authz_core', 'headers', 'proxy', 'proxy_http', 'ssl', 'socache_shmcb'],
              p,
              `<VirtualHost 127.0.0.1:${p}>\n  ServerName a.test\n  SSLEngine on\n  SSLCertificateFile ${tls.cert}\n  SSLCertificateKeyFile ${tls.key}\n  ProxyPreserveHost ${row.preserveHost ? 'On' : 'Off'}\n  ProxyPass / http://127.0.0.1:${back}/\n${reverse}</VirtualHost>\n`,
            );
          },
          async (p) => (await get(p, `a.test:${p}`))?.status === 302,
        );
        try {
          const front = `a.test:${apache.port}`;
          const r = await get(apache.port, front);
          assert.equal(r?.status, 302);
          assert.equal(r?.location, row.location(front, `127.0.0.1:${back}`));
          // The same configuration through the CLI, the backend as the gunicorn it stands for (it believes http):
          // the doctor's note on the Apache hop says what the real Location showed.
          const tree = join(dir, 'tree');
          mkdirSync(tree);
          copyFileSync(join(dir, 'ppr.conf'), join(tree, 'site.conf'));
          writeFileSync(join(tree, 'app.service'), `[Service]\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:${back} app:app\n`);
          const { note, notes } = proxyRewriteNote(tree, [], /^ProxyPassReverse /);
          if (!row.reverse) assert.equal(note, undefined, notes.join('\n'));
          else if (r?.location.startsWith('https://')) assert.match(note ?? '', /rewrites the app's redirects .* to https:\/\//);
          else assert.match(note ?? '', /does not match the app's redirects: .* reaches the browser unchanged \(http\)/);
        } finally {
          await apache.stop();
        }
      } finally {
        backend.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
});

// The facts alone (no apache2): ProxyPassReverse read in each form into the routes' redirectRewrites.
test('ProxyPassReverse facts: path + URL, the one-word form in <Location>, balancer:// members, interpolate, inherited', async () => {
  const { facts } = await lintFiles(
    {
      'site.conf':
        '<VirtualHost *:443>\n  SSLEngine on\n  ProxyPass /api http://127.0.0.1:8000/api\n  ProxyPassReverse /api http://127.0.0.1:8000/api interpolate\n  <Location /b>\n    ProxyPass balancer://pool/\n    ProxyPassReverse balancer://pool/\n  </Location>\n  <Location /c>\n    ProxyPass http://127.0.0.1:9000/\n  </Location>\n</VirtualHost>\n<Proxy balancer://pool>\n  BalancerMember http://10.0.0.1:80\n  BalancerMember http://10.0.0.2:80\n</Proxy>\n',
    },
    [],
  );
  const routes = (facts.proxies ?? []).flatMap((p) => p.sites.flatMap((s) => s.routes));
  const rw = Object.fromEntries(
    routes.map((r) => [
      r.match,
      (r.redirectRewrites ?? []).map((x) => (x.kind === 'to-front' ? `${x.path} ${x.from} :${x.ref.line}` : '')),
    ]),
  );
  // A <Location> merges the vhost's ProxyPassReverse lines before its own (mod_proxy merge_proxy_dir_config appends
  // the section's raliases to the base's), so /b and /c hold the vhost's /api line too.
  assert.deepEqual(rw, {
    'ProxyPass /api': ['/api http://127.0.0.1:8000/api :4'],
    'ProxyPass /b': ['/api http://127.0.0.1:8000/api :4', '/ http://10.0.0.1:80 :7', '/ http://10.0.0.2:80 :7'],
    'ProxyPass /c': ['/api http://127.0.0.1:8000/api :4'],
  });
});
