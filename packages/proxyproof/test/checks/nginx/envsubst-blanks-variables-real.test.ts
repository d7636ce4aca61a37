/**
 * nginx/envsubst-blanks-variables against the real programs (Debian's gettext-base envsubst and nginx, when
 * installed): envsubst with no list writes each line as `envsubstBlank` says (model/template.ts), nginx -t refuses the
 * rendered `proxy_set_header Host ;`, and the check's fix (the explicit list) renders a config nginx accepts with its
 * own variables kept.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { envsubstBlanksVariables } from '../../../src/checks/nginx/envsubst-blanks-variables.js';
import { ENVSUBST_REF, envsubstBlank } from '../../../src/model/template.js';
import { lintFiles } from '../../python/lint-files.js';
import { NGINX, nginxConf } from '../../real-nginx.js';

const ENVSUBST = spawnSync('envsubst', ['--version']).status === 0 ? 'envsubst' : undefined;

/** Real envsubst over `text` with an empty environment (PATH aside) plus `env`. */
function envsubst(text: string, args: string[] = [], env: Record<string, string> = {}): string {
  const r = spawnSync(ENVSUBST as string, args, { input: text, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

const TEMPLATE =
  'server {\n  listen 127.0.0.1:8080;\n  location / {\n    proxy_pass http://${BACKEND};\n' +
  '    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-Proto "$scheme";\n  }\n}\n';

describe('envsubst with no list, real programs', {
  skip: NGINX && ENVSUBST ? false : 'nginx or envsubst is not installed',
}, () => {
  test('envsubstBlank writes each line as GNU envsubst does with those names unset', () => {
    const lines = [
      'proxy_set_header Host $host;',
      'proxy_set_header X-Forwarded-Proto "${scheme}";',
      'return 301 https://$host$request_uri;',
      'proxy_set_header Host $$host;',
      'proxy_set_header Host \\$host;',
      'set $x ${host:-d};',
      'rewrite ^/(.*)$ /$1 break;',
      'if ($request_method = OPTIONS) { return 204; }',
      'proxy_set_header X-Up $UPPER_CASE$_under;',
    ];
    for (const l of lines) {
      const names = new Set([...l.matchAll(ENVSUBST_REF)].map((m) => (m[1] ?? m[2]) as string));
      assert.equal(envsubstBlank(l, names), envsubst(`${l}\n`).replace(/\n$/, ''), l);
    }
  });

  test("nginx -t refuses the render without a list and accepts the render with the check's list", async () => {
    const { findings } = await lintFiles(
      {
        'nginx/nginx.conf.template': TEMPLATE,
        'nginx/start.sh': '#!/bin/sh\nenvsubst < nginx.conf.template > /etc/nginx/conf.d/default.conf\n',
      },
      [envsubstBlanksVariables],
    );
    const f = findings.find((x) => x.id === 'nginx/envsubst-blanks-variables');
    assert.ok(f, 'the finding');
    const list = /envsubst '([^']*)'/.exec(f.fix?.lines?.[0] ?? '')?.[1];
    assert.equal(list, '${BACKEND}');
    const dir = mkdtempSync(join(tmpdir(), 'pp-envsubst-'));
    try {
      mkdirSync(join(dir, 'logs'));
      mkdirSync(join(dir, 'tmp'));
      const nginxT = (servers: string) => {
        writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir, servers));
        return spawnSync(NGINX as string, ['-t', '-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr'], {
          encoding: 'utf8',
        });
      };
      const env = { BACKEND: '127.0.0.1:8000' };
      const bad = nginxT(envsubst(TEMPLATE, [], env));
      assert.notEqual(bad.status, 0);
      assert.match(bad.stderr, /invalid number of arguments in "proxy_set_header"/);
      const rendered = envsubst(TEMPLATE, [list as string], env);
      assert.match(rendered, /proxy_set_header Host \$host;/);
      assert.match(rendered, /proxy_pass http:\/\/127\.0\.0\.1:8000;/);
      const good = nginxT(rendered);
      assert.equal(good.status, 0, good.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
