/**
 * A template placeholder as a header value (issue 12: "A placeholder is an opaque value (a host, a port, a header
 * value) unless a default is written"), through the built CLI (`npm run build` first): no verdict is built on the
 * reader's internal token, doctor says the value is unknown and names it as the template wrote it, and the token
 * `__tpl_…__` never shows in lint or doctor output (text or JSON).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../helpers.js';
import { scratchTrees } from '../scratch-trees.js';

const tree = scratchTrees('proxyproof-tplvalue-');
let trees = 0;

const FLASK = 'from flask import Flask\napp = Flask(__name__)\n';
const UNIT = '[Service]\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:8000 app:app\n';
const site = (host: string, value: string) => `server {
    listen 443 ssl;
    server_name ${host};
    location / {
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-Proto ${value};
        proxy_pass http://127.0.0.1:8000;
    }
}
`;

interface Row {
  name: string;
  file: string;
  host?: string;
  value: string;
  /** Check ids expected at HIGH (exactly these). */
  high: string[];
  /** The doctor's scheme status of the route. */
  status: string;
  /** Text the doctor's verdict line holds. */
  verdict?: string;
  /** How the output writes the placeholder (never the internal token). */
  shown?: string;
}

const ROWS: Row[] = [
  // Traps: the value looks like neither http nor https, but it is whatever the template is rendered with.
  {
    name: 'envsubst ${PROTO} with no default: unknown, no HIGH',
    file: 'site.conf.template',
    value: '${PROTO}',
    high: [],
    status: 'unknown',
    verdict: 'X-Forwarded-Proto: ${PROTO}',
    shown: '${PROTO}',
  },
  {
    name: 'Jinja {{ proto }} with no default: unknown, no HIGH',
    file: 'site.conf.j2',
    value: '{{ proto }}',
    high: [],
    status: 'unknown',
    verdict: 'X-Forwarded-Proto: {{ proto }}',
    shown: '{{ proto }}',
  },
  {
    name: 'a templated server name is shown as written',
    file: 'site.conf.template',
    host: '${NGINX_HOST}',
    value: '$scheme',
    high: [],
    status: 'correct',
    shown: 'https://${NGINX_HOST}/',
  },
  // Valid: the written default is the value.
  { name: 'default https: correct', file: 'site.conf.template', value: '${PROTO:-https}', high: [], status: 'correct' },
  // Invalid: the written default http is what is sent.
  {
    name: 'default http: lost',
    file: 'site.conf.j2',
    value: "{{ proto | default('http') }}",
    high: ['chain/scheme-lost', 'nginx/forwarded-proto-hardcoded'],
    status: 'lost',
  },
];

describe('a template placeholder as a header value', () => {
  for (const row of ROWS)
    it(row.name, () => {
      const dir = tree(`t${++trees}`, {
        [row.file]: site(row.host ?? 'shop.acme-widgets.com', row.value),
        'app.service': UNIT,
        'app.py': FLASK,
      });
      const outputs: string[] = [];
      const lint = runCli(['lint', '.', '--format', 'json', '--min-severity', 'info'], { cwd: dir });
      assert.equal(lint.stderr, '');
      outputs.push(lint.stdout);
      const findings = (JSON.parse(lint.stdout) as { findings: Array<{ id: string; severity: string }> }).findings;
      assert.deepEqual(
        findings
          .filter((f) => f.severity === 'high')
          .map((f) => f.id)
          .sort(),
        row.high,
      );
      const doc = runCli(['doctor', '.', '--format', 'json'], { cwd: dir });
      outputs.push(doc.stdout);
      const routes = (JSON.parse(doc.stdout) as { doctor: { routes: Array<{ verdict: { scheme: { status: string } } }> } }).doctor
        .routes;
      assert.deepEqual(
        routes.map((r) => r.verdict.scheme.status),
        [row.status],
      );
      const text = runCli(['doctor', '.'], { cwd: dir }).stdout;
      outputs.push(text);
      if (row.verdict) {
        const verdict = text.split('\n').find((l) => l.includes('verdict:')) ?? '';
        assert.match(verdict, /verdict: unknown/);
        assert.ok(verdict.includes(row.verdict), verdict);
      }
      for (const o of outputs) assert.ok(!/__tpl_/i.test(o), `internal token in output:\n${o}`);
      if (row.shown) assert.ok(text.includes(row.shown), text);
    });
});
