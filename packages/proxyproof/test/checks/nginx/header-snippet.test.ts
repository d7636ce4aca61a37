/**
 * A file of bare `proxy_set_header` lines (issue 12: "a file of `location` blocks or bare `proxy_set_header` lines
 * is a `server` include"): when no file of the tree includes it, it is read as a server include whose listen is
 * unknown, and its misspelled, underscored or hard-coded scheme headers are reported at its own file:line (they were
 * "Not read: no collector reads this format yet"). When a server of the tree includes it, that real context decides.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lintFiles } from '../../python/lint-files.js';

const BAD =
  'proxy_set_header X-Fowarded-Proto $scheme;\nproxy_set_header X_Forwarded_For $remote_addr;\nproxy_set_header X-Forwarded-Proto http;\n';
const GOOD =
  'proxy_set_header Host $host;\nproxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\nproxy_set_header X-Forwarded-Proto $scheme;\n';
const site = (listen: string) =>
  `server {\n    listen ${listen};\n    server_name shop.example.com;\n    location / {\n        include snippets/proxy-headers.conf;\n        proxy_pass http://127.0.0.1:8000;\n    }\n}\n`;

const SNIPPET = 'snippets/proxy-headers.conf';

const rows: Array<{
  name: string;
  files: Record<string, string>;
  /** `severity id line` of each finding at low or above on the snippet, sorted. */
  want: string[];
  message?: RegExp;
}> = [
  {
    name: 'invalid: the audit snippet nothing includes: the misspelling and the literal http at their own lines',
    files: { [SNIPPET]: BAD },
    want: ['medium nginx/forwarded-proto-hardcoded 3', 'medium nginx/scheme-header-value 1'],
    message: /headers snippet .*proxy-headers\.conf.*wherever a server that ends TLS includes it/s,
  },
  {
    name: 'valid: a right headers snippet nothing includes is read and clean',
    files: { [SNIPPET]: GOOD },
    want: [],
  },
  {
    name: 'trap: a literal https in a snippet (the usual snippet of a TLS server) is not called wrong without its listen',
    files: { [SNIPPET]: 'proxy_set_header Host $host;\nproxy_set_header X-Forwarded-Proto https;\n' },
    want: [],
  },
  {
    name: 'trap: included by a TLS server of the tree: judged there (high), not as a snippet',
    files: { [SNIPPET]: BAD, 'sites-enabled/shop': site('443 ssl') },
    want: ['high nginx/forwarded-proto-hardcoded 3', 'high nginx/scheme-header-value 1'],
  },
  {
    name: 'trap: included by a plain-HTTP server only: the literal http is right there, the misspelling harmless (info)',
    files: { [SNIPPET]: BAD, 'sites-enabled/shop': site('80') },
    want: [],
  },
];

for (const row of rows) {
  test(`headers snippet: ${row.name}`, async () => {
    const { findings, notRead } = await lintFiles(row.files);
    assert.equal(
      notRead.some((n) => n.file.endsWith(SNIPPET)),
      false,
      `the snippet is read: ${JSON.stringify(notRead)}`,
    );
    const onSnippet = findings.filter(
      (f) => f.severity !== 'info' && f.id.startsWith('nginx/') && f.evidence[0]?.file.endsWith(SNIPPET),
    );
    assert.deepEqual(
      onSnippet.map((f) => `${f.severity} ${f.id} ${f.evidence[0]?.line}`).sort(),
      row.want,
      findings.map((f) => `${f.severity} ${f.id} ${f.evidence[0]?.file}:${f.evidence[0]?.line} ${f.message}`).join('\n'),
    );
    if (row.message) for (const f of onSnippet) assert.match(f.message, row.message);
    // Included by a server of the tree, the snippet's lines are that server's: no "snippet" wording.
    if (row.files['sites-enabled/shop']) for (const f of findings) assert.doesNotMatch(f.message, /headers snippet/);
  });
}
