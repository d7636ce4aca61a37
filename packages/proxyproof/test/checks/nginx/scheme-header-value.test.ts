import assert from 'node:assert/strict';
import { test } from 'node:test';
import { schemeHeaderValue } from '../../../src/checks/nginx/scheme-header-value.js';
import { lintFiles } from '../../python/lint-files.js';
import { caseTable, factsFromText } from './harness.js';

const ID = 'nginx/scheme-header-value';
const tls = (inner: string) => `server {\n  listen 443 ssl;\n  location / {\n${inner}\n    proxy_pass http://app;\n  }\n}`;

caseTable(schemeHeaderValue, [
  {
    name: 'X-Forwarded-Protocol $scheme on TLS: gunicorn wants ssl, reads https as http',
    config: tls('    proxy_set_header X-Forwarded-Protocol $scheme;'),
    expect: [`${ID}@4`],
    severity: 'high',
  },
  {
    name: 'upper-case X-FORWARDED-PROTOCOL $scheme (the name is case-insensitive)',
    config: tls('    proxy_set_header X-FORWARDED-PROTOCOL $scheme;'),
    expect: [`${ID}@4`],
    severity: 'high',
  },
  {
    name: 'X-Forwarded-Ssl $scheme on TLS: readers want on',
    config: tls('    proxy_set_header X-Forwarded-Ssl $scheme;'),
    expect: [`${ID}@4`],
  },
  {
    name: 'X-Forwarded-Ssl https literal on TLS',
    config: tls('    proxy_set_header X-Forwarded-Ssl https;'),
    expect: [`${ID}@4`],
  },
  {
    name: 'a misspelled X-Fowarded-Proto is read by nobody',
    config: tls('    proxy_set_header X-Fowarded-Proto $scheme;'),
    expect: [`${ID}@4`],
    severity: 'high',
  },
  {
    name: 'X-Forwarded-Protocal (misspelled) next to a correct X-Forwarded-Proto, no gunicorn here: low',
    config: tls('    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_set_header X-Forwarded-Protocal $scheme;'),
    expect: [`${ID}@5`],
    severity: 'low',
  },
  {
    name: 'X-Forwarded-Protocol $scheme beside X-Forwarded-Proto $scheme, no gunicorn in the files: low (an extra header)',
    config: tls('    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_set_header X-Forwarded-Protocol $scheme;'),
    expect: [`${ID}@5`],
    severity: 'low',
  },
  {
    name: 'on a plain-HTTP-only server the wrong value still says http: info',
    config:
      'server {\n  listen 80;\n  location / {\n    proxy_set_header X-Forwarded-Protocol $scheme;\n    proxy_pass http://app;\n  }\n}',
    expect: [`${ID}@4`],
    severity: 'info',
  },
  {
    name: 'trap: X-Forwarded-Protocol ssl literal on TLS',
    config: tls('    proxy_set_header X-Forwarded-Protocol ssl;'),
    expect: [],
  },
  { name: 'trap: X-Forwarded-Ssl $https (on over TLS)', config: tls('    proxy_set_header X-Forwarded-Ssl $https;'), expect: [] },
  { name: 'trap: X-Forwarded-Ssl on literal', config: tls('    proxy_set_header X-Forwarded-Ssl on;'), expect: [] },
  { name: 'trap: X-Forwarded-Proto $scheme', config: tls('    proxy_set_header X-Forwarded-Proto $scheme;'), expect: [] },
  {
    name: 'trap: a map of literals that includes the right value',
    config:
      'map $server_port $xfssl {\n  443 on;\n  default off;\n}\nserver {\n  listen 443 ssl;\n  location / {\n    proxy_set_header X-Forwarded-Ssl $xfssl;\n    proxy_pass http://app;\n  }\n}',
    expect: [],
  },
  {
    name: 'trap: a client-controlled value is another check (forwarded-proto-client-controlled)',
    config: tls('    proxy_set_header X-Forwarded-Ssl $http_x_forwarded_ssl;'),
    expect: [],
  },
  {
    name: 'trap: unrelated headers with similar words',
    config: tls('    proxy_set_header X-Forwarded-Prefix /app;\n    proxy_set_header X-Forwarded-Port 443;'),
    expect: [],
  },
  { name: 'trap: an emptied header is not sent', config: tls('    proxy_set_header X-Forwarded-Protocol "";'), expect: [] },
  // Underscores for dashes: nginx sends `X_Forwarded_Proto` as written; gunicorn 22+ drops it, and gunicorn 20.1 (Debian,
  // run by hand) leaves wsgi.url_scheme http for it (only its WSGI variable HTTP_X_FORWARDED_PROTO carries the value).
  {
    name: 'X_Forwarded_Proto $scheme (underscores) on TLS, alone: high, named as the underscore spelling',
    config: tls('    proxy_set_header X_Forwarded_Proto $scheme;'),
    expect: [`${ID}@4`],
    severity: 'high',
  },
  {
    name: 'X_Forwarded_Proto beside a right X-Forwarded-Proto, no gunicorn here: low',
    config: tls('    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_set_header X_Forwarded_Proto $scheme;'),
    expect: [`${ID}@5`],
    severity: 'low',
  },
  {
    name: 'trap: X_Forwarded_For (an underscore name, but not a scheme header) is not this check',
    config: tls('    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_set_header X_Forwarded_For $remote_addr;'),
    expect: [],
  },
]);

test('a scheme header written with underscores: the message names the spelling, the fix replaces that line', () => {
  const [f] = schemeHeaderValue.run(factsFromText(tls('    proxy_set_header X_Forwarded_Proto $scheme;')));
  assert.match(f?.message ?? '', /`X_Forwarded_Proto` writes X-Forwarded-Proto with underscores/);
  assert.equal(f?.data?.underscore, true);
  assert.equal(f?.fix?.placement, 'replace');
  assert.equal(f?.fix?.line, 4);
  assert.deepEqual(f?.fix?.lines, ['    proxy_set_header X-Forwarded-Proto $scheme;']);
  const [beside] = schemeHeaderValue.run(
    factsFromText(tls('    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_set_header X_Forwarded_Proto $scheme;')),
  );
  assert.match(beside?.fix?.lines?.[0] ?? '', /^\s*# proxy_set_header X_Forwarded_Proto \$scheme;/);
});

test('lint: X_Forwarded_Proto in front of gunicorn is one finding (the chain joins it), and its fix is the only edit', async () => {
  const { findings } = await lintFiles({
    'app.py': 'from flask import Flask\napp = Flask(__name__)\n',
    'app.service': '[Service]\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:8000 app:app\n',
    'site.conf':
      'server {\n    listen 443 ssl;\n    server_name shop.example.com;\n    location / {\n        proxy_set_header Host $host;\n        proxy_set_header X_Forwarded_Proto $scheme;\n        proxy_pass http://127.0.0.1:8000;\n    }\n}\n',
  });
  const scheme = findings.filter((f) => /forwarded-proto-missing|scheme-lost|scheme-header-value/.test(f.id));
  assert.deepEqual(
    scheme.map((f) => `${f.id} ${f.severity}`),
    [`${ID} high`],
    findings.map((f) => `${f.id} ${f.message.split('\n')[0]}`).join('\n'),
  );
  assert.match(scheme[0]!.message, /reaches Flask as http/, 'the chain explanation is attached');
  assert.deepEqual(
    [scheme[0]!.fix?.file, scheme[0]!.fix?.line, scheme[0]!.fix?.placement, scheme[0]!.fix?.lines],
    ['site.conf', 6, 'replace', ['        proxy_set_header X-Forwarded-Proto $scheme;']],
  );
});

test('the fixes: the right value, the right name, or X-Forwarded-Proto in place of X-Forwarded-Protocol', () => {
  const fix = (inner: string) => schemeHeaderValue.run(factsFromText(tls(inner)))[0]?.fix;
  assert.deepEqual(fix('    proxy_set_header X-Forwarded-Ssl $scheme;')?.lines, ['    proxy_set_header X-Forwarded-Ssl $https;']);
  assert.deepEqual(fix('    proxy_set_header X-Fowarded-Proto $scheme;')?.lines, [
    '    proxy_set_header X-Forwarded-Proto $scheme;',
  ]);
  assert.deepEqual(fix('    proxy_set_header X-Forwarded-Protocol $scheme;')?.lines, [
    '    proxy_set_header X-Forwarded-Proto $scheme;',
  ]);
  const misspelt = fix('    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_set_header X-Forwarded-Protocal $scheme;');
  assert.match(misspelt?.lines?.[0] ?? '', /^\s*# proxy_set_header X-Forwarded-Protocal/);
  const both = fix('    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_set_header X-Forwarded-Protocol $scheme;');
  assert.equal(both?.placement, 'replace');
  assert.equal(both?.line, 5);
  assert.match(both?.lines?.[0] ?? '', /^\s*# proxy_set_header X-Forwarded-Protocol \$scheme;/);
});

test('beside a right header, the wrong one is medium when gunicorn runs the app (400 Contradictory scheme headers)', () => {
  const facts = factsFromText(
    tls('    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_set_header X-Forwarded-Protocol $scheme;'),
  );
  facts.appServers.push({ kind: 'gunicorn' } as unknown as (typeof facts.appServers)[number]);
  const [f] = schemeHeaderValue.run(facts);
  assert.equal(f?.severity, 'medium');
  assert.match(f?.message ?? '', /Contradictory scheme headers/);
});
