/**
 * RHEL/Fedora's Apache layout without its httpd.conf in the tree: httpd.conf ends with `IncludeOptional conf.d/*.conf`
 * (Debian's apache2.conf before 2.4 had `Include conf.d/`), so a server-level fragment of `conf.d/` (no
 * `<VirtualHost>`, no ProxyPass) is the main server's, and every vhost of `conf.d/` inherits its RequestHeader rules
 * (collectors/apache `layoutPreludes`). Through the CLI (`lint --format json`), and on the real apache2 2.4 with
 * RHEL's include line and a request, in both name orders.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../helpers.js';
import { apacheConf, getBody, listenOnFreePort, startApache } from '../real-program.js';
import { scratchTrees } from '../scratch-trees.js';
import { assertFindings, type Expected, type JsonFinding } from './finding-rows.js';

const VHOST =
  '<VirtualHost *:443>\n  ServerName app.example.com\n  SSLEngine on\n  SSLCertificateFile /etc/pki/tls/certs/app.crt\n  SSLCertificateKeyFile /etc/pki/tls/private/app.key\n  ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n';
const XFP = 'RequestHeader set X-Forwarded-Proto "https"\n';
const GUNICORN = 'bind = "127.0.0.1:8000"\nforwarded_allow_ips = "127.0.0.1"\n';
const MODULES = 'LoadModule headers_module modules/mod_headers.so\nLoadModule proxy_module modules/mod_proxy.so\n';
const MISSING: Expected = { id: 'proxy/forwarded-proto-missing', severity: 'high', line: 6 };

const rows: Array<{ name: string; files: Record<string, string>; present: Expected[]; absent: string[] }> = [
  {
    name: 'invalid: the conf.d vhost alone sets no X-Forwarded-Proto',
    files: { 'etc/httpd/conf.d/app.conf': VHOST, 'etc/httpd/conf.modules.d/00-base.conf': MODULES },
    present: [MISSING],
    absent: [],
  },
  {
    name: "valid: a server-level fragment of conf.d/ (RHEL's httpd.conf includes conf.d/*.conf) reaches the vhost",
    files: {
      'etc/httpd/conf.d/00-proxy-headers.conf': XFP,
      'etc/httpd/conf.d/app.conf': VHOST,
      'etc/httpd/conf.modules.d/00-base.conf': MODULES,
    },
    present: [],
    absent: ['proxy/forwarded-proto-missing', 'chain/scheme-lost'],
  },
  {
    name: 'valid: the fragment sorts after the vhost file (Apache merges server-level rules whatever the order)',
    files: { 'etc/httpd/conf.d/zz-proxy-headers.conf': XFP, 'etc/httpd/conf.d/app.conf': VHOST },
    present: [],
    absent: ['proxy/forwarded-proto-missing', 'chain/scheme-lost'],
  },
  {
    name: 'trap: a conf.d/ fragment with a ProxyPass of its own is no server-level prelude (read alone, as before)',
    files: {
      'etc/httpd/conf.d/other.conf': `${XFP}ProxyPass /other http://127.0.0.1:9000/\n`,
      'etc/httpd/conf.d/app.conf': VHOST,
    },
    present: [MISSING],
    absent: [],
  },
  {
    name: 'trap: a tree httpd.conf that does not include conf.d/ decides: nothing assumed',
    files: {
      'etc/httpd/conf/httpd.conf': 'ServerRoot "/etc/httpd"\nListen 443\nIncludeOptional sites/*.conf\n',
      'etc/httpd/sites/app.conf': VHOST,
      'etc/httpd/conf.d/00-proxy-headers.conf': XFP,
    },
    present: [MISSING],
    absent: [],
  },
  {
    name: 'invalid: conf.d/ of another folder is not this vhost’s server',
    files: { 'a/conf.d/app.conf': VHOST, 'b/conf.d/00-proxy-headers.conf': XFP },
    present: [MISSING],
    absent: [],
  },
];

const tree = scratchTrees('pp-apache-rhel-');
let trees = 0;

describe('RHEL/Fedora conf.d layout through the CLI', () => {
  for (const row of rows)
    test(row.name, () => {
      const r = runCli(['lint', '.', '--format', 'json'], {
        cwd: tree(`t${trees++}`, { ...row.files, 'gunicorn.conf.py': GUNICORN }),
      });
      assert.ok(r.code === 0 || r.code === 1, r.stderr);
      assertFindings((JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings, row.present, row.absent);
    });
});

describe('apache2 (real) with RHEL’s `IncludeOptional conf.d/*.conf`: the conf.d vhost inherits the fragment’s rule', () => {
  for (const fragment of ['00-proxy-headers.conf', 'zz-proxy-headers.conf'])
    test(`fragment ${fragment}`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pp-apache-rhel-real-'));
      const backend = createServer((req, res) => res.end(`XFP=${req.headers['x-forwarded-proto'] ?? ''}`));
      try {
        const back = await listenOnFreePort(backend);
        mkdirSync(join(dir, 'conf.d'));
        writeFileSync(join(dir, 'conf.d', fragment), XFP);
        const apache = await startApache(
          dir,
          'httpd',
          (port) => {
            writeFileSync(
              join(dir, 'conf.d', 'app.conf'),
              `<VirtualHost *:${port}>\n  ProxyPass / http://127.0.0.1:${back}/\n</VirtualHost>\n`,
            );
            return apacheConf(
              dir,
              'httpd',
              ['mpm_event', 'authz_core', 'headers', 'proxy', 'proxy_http'],
              port,
              'IncludeOptional conf.d/*.conf\n',
            );
          },
          async (port) => (await getBody({ port }, {}))?.startsWith('XFP=') === true,
        );
        try {
          assert.equal(await getBody({ port: apache.port }, {}), 'XFP=https');
        } finally {
          await apache.stop();
        }
      } finally {
        backend.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
});
