/**
 * Inline ignores, a table over each format's comment syntax: applied on the finding's line or in the
 * comment block right above it, never across a blank or code line, never in another format's syntax,
 * never without a reason (that is a warning instead).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Diagnostic, Finding } from '../../src/model/finding.js';
import { applyIgnores, parseIgnoreComments } from '../../src/settings/ignore.js';

function finding(id: string, file: string, line: number): Finding {
  return {
    id,
    severity: 'high',
    title: 't',
    message: 'm',
    evidence: [{ file, line }],
    why: 'w',
    references: [],
    docs: `docs/checks/${id}.md`,
  };
}

interface Case {
  name: string;
  file: string;
  lines: string[];
  id: string;
  line: number;
  ignored: boolean;
  reason?: string;
  warning?: RegExp;
}

const CASES: Case[] = [
  {
    name: 'nginx: # comment on the line above',
    file: 'sites/mysite.conf',
    lines: ['server {', '  # proxyproof-ignore nginx/host-port-lost: only 443 is public', '  proxy_set_header Host $host;', '}'],
    id: 'nginx/host-port-lost',
    line: 3,
    ignored: true,
    reason: 'only 443 is public',
  },
  {
    name: 'nginx: trailing # comment on the finding line',
    file: 'nginx.conf',
    lines: ['proxy_set_header Host $host; # proxyproof-ignore nginx/host-port-lost: port 443 only'],
    id: 'nginx/host-port-lost',
    line: 1,
    ignored: true,
  },
  {
    name: 'nginx: a comment block above (the ignore is its first line)',
    file: 'nginx.conf',
    lines: ['# proxyproof-ignore nginx/host-port-lost: port 443 only', '# (see ticket 12)', 'proxy_set_header Host $host;'],
    id: 'nginx/host-port-lost',
    line: 3,
    ignored: true,
  },
  {
    name: 'trap: a blank line between the comment and the finding',
    file: 'nginx.conf',
    lines: ['# proxyproof-ignore nginx/host-port-lost: port 443 only', '', 'proxy_set_header Host $host;'],
    id: 'nginx/host-port-lost',
    line: 3,
    ignored: false,
  },
  {
    name: 'trap: a code line between',
    file: 'nginx.conf',
    lines: ['# proxyproof-ignore nginx/host-port-lost: x', 'proxy_pass http://a;', 'proxy_set_header Host $host;'],
    id: 'nginx/host-port-lost',
    line: 3,
    ignored: false,
  },
  {
    name: 'trap: another id',
    file: 'nginx.conf',
    lines: ['# proxyproof-ignore nginx/forwarded-proto-missing: x', 'proxy_set_header Host $host;'],
    id: 'nginx/host-port-lost',
    line: 2,
    ignored: false,
  },
  {
    name: 'several ids, one of them',
    file: 'nginx.conf',
    lines: [
      '# proxyproof-ignore nginx/forwarded-proto-missing, nginx/host-port-lost: both known',
      'proxy_set_header Host $host;',
    ],
    id: 'nginx/host-port-lost',
    line: 2,
    ignored: true,
  },
  {
    name: 'a family wildcard',
    file: 'docker-compose.yml',
    lines: ['services:', '  web:', '    # proxyproof-ignore deploy/*: development only', '    ports: ["8000:8000"]'],
    id: 'deploy/backend-port-published',
    line: 4,
    ignored: true,
  },
  {
    name: 'Python settings: # comment',
    file: 'mysite/settings.py',
    lines: ['# proxyproof-ignore django/ssl-redirect-without-scheme-source: the LB redirects', 'SECURE_SSL_REDIRECT = True'],
    id: 'django/ssl-redirect-without-scheme-source',
    line: 2,
    ignored: true,
  },
  {
    name: 'JavaScript: // comment',
    file: 'app.js',
    lines: ['const app = express(); // proxyproof-ignore express/trust-proxy-unset: behind our gateway'],
    id: 'express/trust-proxy-unset',
    line: 1,
    ignored: true,
  },
  {
    name: 'TypeScript: /* block comment */ above',
    file: 'src/server.ts',
    lines: ['/* proxyproof-ignore fastify/trust-proxy-unset: tests only */', 'const app = Fastify();'],
    id: 'fastify/trust-proxy-unset',
    line: 2,
    ignored: true,
    reason: 'tests only',
  },
  {
    name: 'trap: # is not a comment in JavaScript',
    file: 'app.js',
    lines: ['# proxyproof-ignore express/trust-proxy-unset: x', 'const app = express();'],
    id: 'express/trust-proxy-unset',
    line: 2,
    ignored: false,
  },
  {
    name: 'trap: // is not a comment in Python',
    file: 'settings.py',
    lines: ['// proxyproof-ignore django/x: y', 'SECURE_SSL_REDIRECT = True'],
    id: 'django/x',
    line: 2,
    ignored: false,
  },
  {
    name: 'supervisord: ; comment',
    file: 'supervisord.conf',
    lines: ['[program:web]', '; proxyproof-ignore gunicorn/proxy-not-trusted: unix socket', 'command=gunicorn app:app'],
    id: 'gunicorn/proxy-not-trusted',
    line: 3,
    ignored: true,
  },
  {
    name: 'XML: <!-- comment -->',
    file: 'server.xml',
    lines: ['<!-- proxyproof-ignore tomcat/remote-ip-valve-missing: the LB sets the scheme -->', '<Connector port="8080"/>'],
    id: 'tomcat/remote-ip-valve-missing',
    line: 2,
    ignored: true,
    reason: 'the LB sets the scheme',
  },
  {
    name: 'whole file: proxyproof-ignore-file',
    file: 'settings.py',
    lines: [
      '# proxyproof-ignore-file django/insecure-cookies: internal admin site',
      'A = 1',
      '',
      'SESSION_COOKIE_SECURE = False',
    ],
    id: 'django/insecure-cookies',
    line: 4,
    ignored: true,
  },
  {
    name: 'no reason: not applied, a warning with file:line',
    file: 'nginx.conf',
    lines: ['# proxyproof-ignore nginx/host-port-lost', 'proxy_set_header Host $host;'],
    id: 'nginx/host-port-lost',
    line: 2,
    ignored: false,
    warning: /needs a reason/,
  },
];

for (const c of CASES) {
  test(c.name, () => {
    const diagnostics: Diagnostic[] = [];
    const f = finding(c.id, c.file, c.line);
    const r = applyIgnores(
      [f],
      { ignore: [], dir: '/p' },
      { cwd: '/p', read: (file) => (file === c.file ? c.lines : undefined), diagnostics },
    );
    assert.equal(r.suppressed.length === 1, c.ignored);
    assert.equal(r.kept.length === 1, !c.ignored);
    if (c.ignored) {
      assert.equal(r.suppressed[0]?.kind, 'inSource');
      if (c.reason) assert.equal(r.suppressed[0]?.justification, c.reason);
    }
    if (c.warning) {
      assert.equal(diagnostics.length, 1);
      assert.match(diagnostics[0]?.message ?? '', c.warning);
      assert.equal(diagnostics[0]?.file, c.file);
      assert.equal(diagnostics[0]?.line, 1);
    } else assert.deepEqual(diagnostics, []);
  });
}

test('parse: ids and reason of a comment', () => {
  assert.deepEqual(parseIgnoreComments('a.conf', ['  # proxyproof-ignore a/b,c/d: why not']), [
    { ids: ['a/b', 'c/d'], reason: 'why not', line: 1, wholeFile: false },
  ]);
});
