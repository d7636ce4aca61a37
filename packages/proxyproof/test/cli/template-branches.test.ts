/**
 * Template branches (issue 12: "a conditional block is analysed in each branch when that changes a finding, and the
 * finding says which branch"; engine/template-branches.ts), run as a user runs the built CLI (`npm run build`
 * first) on small temporary trees: Jinja2, ERB and Go/Helm templates, a finding found in some renderings only
 * naming its conditional and line, one found in every rendering left as it is, and the limit said when hit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_TEMPLATE_RENDERINGS } from '../../src/model/limits.js';
import { runCli } from '../helpers.js';
import { scratchTrees } from '../scratch-trees.js';

const tree = scratchTrees('proxyproof-tplbranch-');
let trees = 0;

interface JsonFinding {
  id: string;
  severity: string;
  message: string;
  evidence: Array<{ file: string; line?: number; note?: string }>;
  data?: { templateBranch?: { condition: string } };
}
interface Json {
  findings: JsonFinding[];
  diagnostics: Array<{ level: string; file: string; line?: number; message: string }>;
}

function lint(files: Record<string, string>): Json {
  const dir = tree(`t${++trees}`, files);
  const r = runCli(['lint', '.', '--format', 'json', '--min-severity', 'info'], { cwd: dir });
  assert.equal(r.stderr, '', `no error expected: ${r.stderr}`);
  return JSON.parse(r.stdout) as Json;
}

const at = (f: JsonFinding): string => `${f.id}@${f.evidence[0]?.file}:${f.evidence[0]?.line}`;

const SITE = `server {
    listen 443 ssl;
    server_name shop.example.com;
    location / {
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_pass http://127.0.0.1:8000;
    }
}
`;
const FLASK = 'from flask import Flask\napp = Flask(__name__)\n';
const UNIT = '[Service]\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:8000 app:app\n';

/** nginx's location with the scheme header written in two alternatives, the second a literal http. */
function siteWith(open: string, orElse: string, close: string): string {
  return `server {
    listen 443 ssl;
    server_name shop.example.com;
    location / {
        proxy_set_header Host $host;
${open}
        proxy_set_header X-Forwarded-Proto $scheme;
${orElse}
        proxy_set_header X-Forwarded-Proto http;
${close}
        proxy_pass http://127.0.0.1:8000;
    }
}
`;
}

interface Expect {
  /** `id@file:line` of the finding. */
  finding: string;
  /** The condition its message names (`null`: found in every rendering, no template note). */
  when: RegExp | null;
  severity?: string;
}

interface Case {
  name: string;
  files: Record<string, string>;
  expect: Expect[];
  /** `id`s (or `id@file:line`) no rendering has. */
  absent?: string[];
}

const CASES: Case[] = [
  {
    name: "invalid: Jinja2 unit: the `{% else %}` line's --forwarded-allow-ips=* on 0.0.0.0 is reported, naming the branch",
    files: {
      'site.conf': SITE,
      'app.py': FLASK,
      'app.service.j2':
        '[Service]\n{% if local_proxy %}\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:8000 app:app\n{% else %}\nExecStart=/usr/bin/gunicorn -b 0.0.0.0:8000 --forwarded-allow-ips=* app:app\n{% endif %}\n',
    },
    expect: [
      {
        finding: 'gunicorn/forwarded-allow-all@app.service.j2:5',
        when: /only when `\{% if local_proxy %\}` \(app\.service\.j2:2\) is false/,
        severity: 'high',
      },
      { finding: 'deploy/backend-port-published@app.service.j2:5', when: /app\.service\.j2:2\) is false/ },
      {
        finding: 'chain/fragile-trust@app.service.j2:3',
        when: /only when `\{% if local_proxy %\}` \(app\.service\.j2:2\) is true/,
      },
    ],
  },
  {
    name: 'invalid: nginx Jinja2 if/else: the `else` branch hard-codes http; no rendering sends both lines',
    files: {
      'site.conf.j2': siteWith('{% if legacy %}', '{% else %}', '{% endif %}'),
      'app.py': FLASK,
      'app.service': UNIT,
    },
    expect: [
      { finding: 'nginx/forwarded-proto-hardcoded@site.conf.j2:9', when: /`\{% if legacy %\}` \(site\.conf\.j2:6\) is false/ },
      { finding: 'chain/scheme-lost@site.conf.j2:9', when: /site\.conf\.j2:6\) is false/ },
      // Found in both renderings (INFO when https arrives, LOW when it is lost): the more severe, saying when.
      { finding: 'flask/proxyfix-missing@app.py:2', when: /low only when .*site\.conf\.j2:6\) is false; info in the other/ },
      { finding: 'chain/fragile-trust@app.service:2', when: null },
    ],
    absent: ['proxy/forwarded-proto-appended'],
  },
  {
    name: 'invalid: nginx ERB if/else: the same, with the ERB tag named',
    files: {
      'site.conf.erb': siteWith('<% if @legacy -%>', '<% else -%>', '<% end -%>'),
      'app.py': FLASK,
      'app.service': UNIT,
    },
    expect: [
      { finding: 'nginx/forwarded-proto-hardcoded@site.conf.erb:9', when: /`<% if @legacy -%>` \(site\.conf\.erb:6\) is false/ },
    ],
    absent: ['proxy/forwarded-proto-appended'],
  },
  {
    name: 'invalid: Helm (Go template) Deployment: the `if` branch trusts everyone; the finding says when',
    files: {
      'chart/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
      'chart/templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: example/web:1.0
          {{- if .Values.trustAll }}
          command: ["gunicorn", "-b", "0.0.0.0:8000", "--forwarded-allow-ips=*", "app:app"]
          {{- else }}
          command: ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]
          {{- end }}
`,
    },
    expect: [
      {
        finding: 'gunicorn/forwarded-allow-all@chart/templates/deployment.yaml:12',
        when: /`\{\{- if \.Values\.trustAll \}\}` \(chart\/templates\/deployment\.yaml:11\) is true/,
      },
    ],
  },
  {
    name: 'invalid: an `elif` alternative is named by its own tag and line',
    files: {
      'site.conf': SITE,
      'app.py': FLASK,
      'app.service.j2':
        '[Service]\n{% if mode == "local" %}\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:8000 app:app\n{% elif mode == "open" %}\nExecStart=/usr/bin/gunicorn -b 0.0.0.0:8000 --forwarded-allow-ips=* app:app\n{% else %}\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:8001 app:app\n{% endif %}\n',
    },
    expect: [
      {
        finding: 'gunicorn/forwarded-allow-all@app.service.j2:5',
        when: /`\{% if mode == "local" %\}` \(app\.service\.j2:2\) takes `\{% elif mode == "open" %\}` \(line 4\)/,
      },
    ],
  },
  {
    name: 'valid: trap: two conditionals on the same condition switch together: no finding from a rendering that takes one and not the other',
    files: {
      'site.conf': SITE,
      'app.py': FLASK,
      // Trusting everyone only when bound to loopback: `*` with 0.0.0.0 is no rendering of this file.
      'app.service.j2':
        '[Service]\n{% if local_proxy %}\nEnvironment=FORWARDED_ALLOW_IPS=*\n{% endif %}\n{% if local_proxy %}\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:8000 app:app\n{% else %}\nExecStart=/usr/bin/gunicorn -b 0.0.0.0:8000 app:app\n{% endif %}\n',
    },
    expect: [
      {
        finding: 'deploy/backend-port-published@app.service.j2:8',
        when: /`\{% if local_proxy %\}` \(app\.service\.j2:2\) is false \(as is the other conditional on the same condition\)/,
      },
    ],
    absent: ['gunicorn/forwarded-allow-all'],
  },
  {
    name: 'invalid: the same lines under two different conditions: the rendering that takes the second alone is analysed',
    files: {
      'site.conf': SITE,
      'app.py': FLASK,
      'app.service.j2':
        '[Service]\n{% if local_proxy %}\nEnvironment=FORWARDED_ALLOW_IPS=*\n{% endif %}\n{% if loopback %}\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:8000 app:app\n{% else %}\nExecStart=/usr/bin/gunicorn -b 0.0.0.0:8000 app:app\n{% endif %}\n',
    },
    expect: [
      {
        finding: 'gunicorn/forwarded-allow-all@app.service.j2:3',
        when: /`\{% if loopback %\}` \(app\.service\.j2:5\) is false\)/,
        severity: 'high',
      },
    ],
  },
  {
    // Audit 12 round 18, gap 13: a TLS listen only in an `if` branch; the default rendering models both ways.
    name: 'invalid: nginx `{% if ssl %} listen 443 ssl; {% endif %}` with a literal http: the HIGH names the branch',
    files: {
      'site.conf.j2':
        'server {\n    listen 80;\n{% if ssl %}\n    listen 443 ssl;\n{% endif %}\n    location / {\n        proxy_set_header X-Forwarded-Proto http;\n        proxy_pass http://127.0.0.1:8000;\n    }\n}\n',
      'app.py': FLASK,
      'app.service': UNIT,
    },
    expect: [
      {
        finding: 'nginx/forwarded-proto-hardcoded@site.conf.j2:7',
        when: /\(template: only when `\{% if ssl %\}` \(site\.conf\.j2:3\) is true\)$/,
        severity: 'high',
      },
    ],
  },
  {
    name: 'invalid: trap: the TLS listen in the `else` alternative: named once, by the rendering that takes it',
    files: {
      'site.conf.j2':
        'server {\n{% if plain_only %}\n    listen 80;\n{% else %}\n    listen 80;\n    listen 443 ssl;\n{% endif %}\n    location / {\n        proxy_set_header X-Forwarded-Proto http;\n        proxy_pass http://127.0.0.1:8000;\n    }\n}\n',
      'app.py': FLASK,
      'app.service': UNIT,
    },
    expect: [
      {
        finding: 'nginx/forwarded-proto-hardcoded@site.conf.j2:9',
        when: /plain http\. \(template: only when `\{% if plain_only %\}` \(site\.conf\.j2:2\) is false\)$/,
        severity: 'high',
      },
    ],
  },
  {
    name: 'valid: trap: both alternatives send the same header value (only a comment and a timeout differ): no branch note, as untemplated',
    files: {
      'site.conf.j2':
        'server {\n    listen 443 ssl;\n    server_name shop.example.com;\n    location / {\n        proxy_set_header Host $host;\n{% if slow %}\n        # slow backend\n        proxy_read_timeout 300s;\n{% else %}\n        proxy_read_timeout 60s;\n{% endif %}\n        proxy_pass http://127.0.0.1:8000;\n    }\n}\n',
      'app.py': FLASK,
      'app.service': UNIT,
    },
    // The missing X-Forwarded-Proto is the same mistake in both renderings.
    expect: [{ finding: 'nginx/forwarded-proto-missing@site.conf.j2:4', when: null }],
  },
  {
    name: 'valid: trap: an if-only block that adds a harmless line: findings of the file as without it, no note',
    files: {
      'site.conf': SITE,
      'app.py': FLASK,
      'app.service.j2':
        '[Service]\n{% if user %}\nUser={{ user }}\n{% endif %}\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:8000 app:app\n',
    },
    expect: [{ finding: 'chain/fragile-trust@app.service.j2:5', when: null }],
  },
];

describe('template branches through the CLI', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const out = lint(c.files);
      const got = new Map(out.findings.map((f) => [at(f), f]));
      for (const e of c.expect) {
        const f = got.get(e.finding);
        assert.ok(f, `${e.finding} expected; found ${[...got.keys()].join(', ')}`);
        if (e.severity) assert.equal(f.severity, e.severity, e.finding);
        if (e.when === null) {
          assert.doesNotMatch(f.message, /\(template: /, `${e.finding} holds in every rendering`);
          assert.equal(f.data?.templateBranch, undefined);
        } else {
          assert.match(f.message, e.when);
          assert.match(f.data?.templateBranch?.condition ?? '', /\(.+:\d+\)/);
          // An evidence line at the conditional's own line, in the template.
          const [file, line] = (/\(([^()]+):(\d+)\)/.exec(f.data?.templateBranch?.condition ?? '') ?? []).slice(1);
          assert.ok(
            f.evidence.some((ev) => ev.file === file && ev.line === Number(line) && /template conditional/.test(ev.note ?? '')),
            `${e.finding}: evidence at ${file}:${line}`,
          );
        }
      }
      for (const a of c.absent ?? []) assert.ok(![...got.keys()].some((k) => k.startsWith(a)), `${a} must not be reported`);
      // No rendering joins the alternatives: the union's "https, http" is never sent.
      assert.ok(!JSON.stringify(out).includes('https, http'));
    });
  }

  it('the else rendering finds what the same file written without the template finds', () => {
    const untemplated = lint({
      'site.conf': SITE,
      'app.py': FLASK,
      'app.service': '[Service]\nExecStart=/usr/bin/gunicorn -b 0.0.0.0:8000 --forwarded-allow-ips=* app:app\n',
    });
    const templated = lint(CASES[0]?.files ?? {});
    const onlyElse = templated.findings.filter((f) => /is false/.test(f.data?.templateBranch?.condition ?? ''));
    assert.deepEqual(
      onlyElse.map((f) => `${f.id} ${f.severity}`).sort(),
      untemplated.findings
        .filter((f) => f.id !== 'chain/fragile-trust' && f.id !== 'flask/proxyfix-missing')
        .map((f) => `${f.id} ${f.severity}`)
        .sort(),
    );
  });

  it(`more alternatives than MAX_TEMPLATE_RENDERINGS (${MAX_TEMPLATE_RENDERINGS}): a note names the conditionals left out; if/else ones are analysed first`, () => {
    const lines = ['[Service]'];
    for (let i = 1; i <= MAX_TEMPLATE_RENDERINGS + 2; i++) lines.push(`{% if opt${i} %}`, `Environment=OPT${i}=1`, '{% endif %}');
    lines.push(
      '{% if local_proxy %}',
      'ExecStart=/usr/bin/gunicorn -b 127.0.0.1:8000 app:app',
      '{% else %}',
      'ExecStart=/usr/bin/gunicorn -b 0.0.0.0:8000 --forwarded-allow-ips=* app:app',
      '{% endif %}',
    );
    const out = lint({ 'site.conf': SITE, 'app.py': FLASK, 'app.service.j2': `${lines.join('\n')}\n` });
    const note = out.diagnostics.find((d) => /template branches/.test(d.message));
    assert.ok(note, 'the limit is said');
    assert.equal(note.level, 'note');
    assert.match(note.message, new RegExp(`${MAX_TEMPLATE_RENDERINGS} other renderings analysed .*3 more alternatives were not`));
    // The if/else conditional (written last) is among those analysed: its else branch's finding is there.
    assert.ok(out.findings.some((f) => f.id === 'gunicorn/forwarded-allow-all' && /is false/.test(f.message)));
  });
});
