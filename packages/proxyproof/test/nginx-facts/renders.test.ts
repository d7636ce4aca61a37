/**
 * Start-up scripts that render an nginx config of the tree into place (facts/nginx/renders.ts): sed / envsubst from a
 * file or a `cat` pipe into a destination; whether the sed substitutions touch a line; and the evidence every nginx
 * finding on such a file gains (checks/nginx/index.ts withRenderEvidence), through the real engine.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NGINX_CHECKS } from '../../src/checks/nginx/index.js';
import { nginxRenders, renderTouches } from '../../src/facts/nginx/renders.js';
import type { Facts } from '../../src/model/facts.js';
import { lintFiles } from '../python/lint-files.js';

function factsOf(configs: string[], scripts: Record<string, string>): Pick<Facts, 'nginx' | 'sources'> {
  return {
    nginx: {
      configs: [{ status: 'ok', errors: [], config: configs.map((file) => ({ file, status: 'ok', errors: [], parsed: [] })) }],
    },
    sources: new Map(Object.entries(scripts).map(([k, v]) => [k, v.split('\n')])),
  } as Pick<Facts, 'nginx' | 'sources'>;
}

const cases: Array<{
  name: string;
  configs: string[];
  scripts: Record<string, string>;
  want: Array<{ source: string; line: number; tool: string; dest: string }>;
}> = [
  {
    name: 'sed -e ... < file > dest, a `;` inside a quoted expression',
    configs: ['contrib/nginx/site.conf'],
    scripts: {
      'docker-entrypoint.sh':
        '#!/bin/bash\nset -e\nsed -e "s#server_name .*#server_name ${NAME};#g" < contrib/nginx/site.conf > /etc/nginx/sites-enabled/default\nexec nginx\n',
    },
    want: [{ source: 'contrib/nginx/site.conf', line: 3, tool: 'sed', dest: '/etc/nginx/sites-enabled/default' }],
  },
  {
    name: 'envsubst through a cat pipe, after `&&`, continued with a backslash',
    configs: ['nginx/default.conf.template'],
    scripts: {
      'start.sh':
        '#!/bin/sh\ntest -n "$PORT" && cat /app/nginx/default.conf.template \\\n  | envsubst \'$PORT\' > /etc/nginx/conf.d/default.conf\n',
    },
    want: [{ source: 'nginx/default.conf.template', line: 2, tool: 'envsubst', dest: '/etc/nginx/conf.d/default.conf' }],
  },
  {
    name: 'sed with the file as its argument',
    configs: ['site.conf'],
    scripts: { 'run.sh': "sed 's/8000/9000/' ./site.conf > /etc/nginx/conf.d/site.conf\n" },
    want: [{ source: 'site.conf', line: 1, tool: 'sed', dest: '/etc/nginx/conf.d/site.conf' }],
  },
  {
    name: 'trap: sed -i edits in place (no rendered copy), and a render of a file not in the tree',
    configs: ['site.conf'],
    scripts: { 'run.sh': "sed -i 's/a/b/' site.conf\nenvsubst < other.conf.template > /etc/nginx/conf.d/other.conf\n" },
    want: [],
  },
  {
    name: 'trap: a commented-out render, and a file that is not a script',
    configs: ['site.conf'],
    scripts: {
      'run.sh': '# sed -e s/a/b/ < site.conf > /etc/nginx/x.conf\n',
      'notes.txt': 'sed -e s/a/b/ < site.conf > /etc/nginx/x.conf\n',
    },
    want: [],
  },
];

for (const c of cases)
  test(`nginx renders: ${c.name}`, () => {
    const got = nginxRenders(factsOf(c.configs, c.scripts)).map((r) => ({
      source: r.source,
      line: r.line,
      tool: r.tool,
      dest: r.dest,
    }));
    assert.deepEqual(got, c.want);
  });

test('nginx renders: a sed substitution rewrites the lines its pattern matches (BRE groups), keeps the others', () => {
  const [r] = nginxRenders(
    factsOf(['site.conf'], {
      'run.sh':
        "sed -e 's#server .*:3000#server app:3000#' -e 's#/var/log/nginx/x.\\(access\\|error\\).log#/dev/stdout#' < site.conf > /etc/nginx/site.conf\n",
    }),
  );
  assert.ok(r);
  assert.equal(renderTouches(r, '    server 127.0.0.1:3000;'), 'rewrites');
  assert.equal(renderTouches(r, '    access_log /var/log/nginx/x.error.log;'), 'rewrites');
  assert.equal(renderTouches(r, '    proxy_set_header X-Forwarded-Proto $scheme;'), 'keeps');
});

test('nginx renders: envsubst may empty a line with $ variables (unknown), keeps a line without', () => {
  const [r] = nginxRenders(factsOf(['t.conf'], { 'run.sh': 'envsubst < t.conf > /etc/nginx/conf.d/t.conf\n' }));
  assert.ok(r);
  assert.equal(renderTouches(r, 'proxy_set_header X-Forwarded-Proto $scheme;'), 'unknown');
  assert.equal(renderTouches(r, 'listen 80;'), 'keeps');
});

test('nginx renders: a finding on the rendered file points at the script line (real engine)', async () => {
  const check = NGINX_CHECKS.find((c) => c.meta.id === 'nginx/forwarded-proto-missing');
  assert.ok(check);
  const { findings } = await lintFiles(
    {
      'contrib/site.conf':
        'server {\n    listen 443 ssl;\n    server_name app.example.com;\n    ssl_certificate /etc/ssl/a.pem;\n    ssl_certificate_key /etc/ssl/a.key;\n    location / {\n        proxy_pass http://app:3000;\n    }\n}\n',
      'docker-entrypoint.sh':
        '#!/bin/sh\nsed -e "s#server_name .*#server_name ${NAME};#" < contrib/site.conf > /etc/nginx/conf.d/default.conf\nexec nginx -g "daemon off;"\n',
    },
    [check],
  );
  const f = findings.find((x) => x.id === 'nginx/forwarded-proto-missing');
  assert.ok(f, JSON.stringify(findings.map((x) => x.id)));
  const ev = f.evidence.find((e) => e.file === 'docker-entrypoint.sh');
  assert.ok(ev, JSON.stringify(f.evidence));
  assert.equal(ev.line, 2);
  assert.match(ev.note ?? '', /renders contrib\/site\.conf into \/etc\/nginx\/conf\.d\/default\.conf with sed/);
  assert.match(ev.note ?? '', /leave line \d+ as written/);
});
