/**
 * nextjs/server-action-origin: Next.js 14+ refuses a Server Action whose Origin host is neither the first
 * X-Forwarded-Host value nor (without one) the Host that reaches it, unless serverActions.allowedOrigins lists it
 * (next 15.5.29 dist/server/app-render/action-handler.js). The headers are the chain simulation's of nginx.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextServerActionOrigin as check, originAllowed } from '../../../src/checks/node/next-server-action-origin.js';
import { nextSource } from '../../../src/collectors/node/next.js';
import { type Case, runCase } from '../../python/lint-files.js';

const PKG = (version = '15.5.29') =>
  `{\n  "name": "web",\n  "scripts": { "start": "next start" },\n  "dependencies": { "next": "${version}", "react": "19.2.9" }\n}\n`;
const UNIT =
  '[Unit]\nDescription=web\n\n[Service]\nWorkingDirectory=/srv/web\nExecStart=/usr/bin/node node_modules/next/dist/bin/next start -H 127.0.0.1 -p 3000\n';
const ACTIONS = "'use server';\n\nexport async function bump() {\n  return 1;\n}\n";
const SITE = (headers: string[], listen = '443 ssl') =>
  [
    'server {',
    `    listen ${listen};`,
    '    server_name app.example.org;',
    '    ssl_certificate /etc/ssl/a.pem;',
    '    ssl_certificate_key /etc/ssl/a.key;',
    '    location / {',
    '        proxy_pass http://127.0.0.1:3000;',
    '        proxy_set_header X-Forwarded-Proto $scheme;',
    ...headers.map((h) => `        ${h}`),
    '    }',
    '}',
    '',
  ].join('\n');
const tree = (site: string, extra: Record<string, string> = {}, version?: string) => ({
  'web/package.json': PKG(version),
  'web/web.service': UNIT,
  'web/app/actions.ts': ACTIONS,
  'nginx/site.conf': site,
  ...extra,
});
const CONFIG = (list: string) =>
  `/** @type {import('next').NextConfig} */\nconst nextConfig = {\n  experimental: {\n    serverActions: {\n      allowedOrigins: ${list},\n    },\n  },\n};\n\nexport default nextConfig;\n`;

const cases: Case[] = [
  {
    name: "invalid: nginx's default Host ($proxy_host) reaches Next.js, no X-Forwarded-Host",
    files: tree(SITE([])),
    expect: {
      count: 1,
      severity: 'medium',
      file: 'web/app/actions.ts',
      line: 1,
      message: /Host: 127\.0\.0\.1:3000.*compares its host app\.example\.org.*Invalid Server Actions request/,
      fixLine: 'proxy_set_header Host $http_host;',
    },
  },
  {
    name: 'invalid: a non-default port (8443) dropped by Host $host',
    files: tree(SITE(['proxy_set_header Host $host;'], '8443 ssl')),
    expect: { count: 1, message: /compares its host app\.example\.org:8443 with app\.example\.org,/ },
  },
  {
    name: 'invalid (trap): Host $http_host is right, but X-Forwarded-Host $host drops the port and Next.js compares it first',
    files: tree(SITE(['proxy_set_header Host $http_host;', 'proxy_set_header X-Forwarded-Host $host;'], '8443 ssl')),
    expect: { count: 1, message: /X-Forwarded-Host: app\.example\.org / },
  },
  {
    name: 'invalid: serverActions.allowedOrigins lists another host',
    files: tree(SITE([]), { 'web/next.config.mjs': CONFIG("['admin.example.org']") }),
    expect: { count: 1, message: /allowedOrigins does not list it/ },
  },
  {
    name: "invalid: a function-level 'use server' in a page",
    files: {
      ...tree(SITE([])),
      'web/app/actions.ts': 'export const x = 1;\n',
      'web/app/page.tsx':
        "export default function Page() {\n  async function bump() {\n    'use server';\n    return 1;\n  }\n  return <form action={bump}><button>Bump</button></form>;\n}\n",
    },
    expect: { count: 1, file: 'web/app/page.tsx', line: 3 },
  },
  {
    name: 'valid: Host $host on 443',
    files: tree(SITE(['proxy_set_header Host $host;'])),
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): Host stays $proxy_host, but X-Forwarded-Host $host is what Next.js compares',
    files: tree(SITE(['proxy_set_header X-Forwarded-Host $host;'])),
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): the scheme is lost (no X-Forwarded-Proto) but the host is right: only the host is compared',
    files: tree(SITE(['proxy_set_header Host $host;']).replace('        proxy_set_header X-Forwarded-Proto $scheme;\n', '')),
    expect: { count: 0 },
  },
  {
    name: 'valid: allowedOrigins lists the public host',
    files: tree(SITE([]), { 'web/next.config.mjs': CONFIG("['app.example.org']") }),
    expect: { count: 0 },
  },
  {
    name: 'valid: an allowedOrigins wildcard covers it',
    files: tree(SITE([]), { 'web/next.config.mjs': CONFIG("['*.example.org']") }),
    expect: { count: 0 },
  },
  {
    name: 'valid (unknown): allowedOrigins computed from the environment',
    files: tree(SITE([]), { 'web/next.config.mjs': CONFIG("process.env.ALLOWED_ORIGINS.split(',')") }),
    expect: { count: 0 },
  },
  {
    name: "valid (trap): no Server Action in the package (a commented-out 'use server' is none)",
    files: tree(SITE([]), { 'web/app/actions.ts': "// 'use server';\nexport const x = 1;\n" }),
    expect: { count: 0 },
  },
  {
    name: "valid (trap): next 13.5's experimental actions are not judged",
    files: tree(SITE([]), {}, '13.5.6'),
    expect: { count: 0 },
  },
];

for (const c of cases) test(`nextjs/server-action-origin: ${c.name}`, () => runCase(check, c).then(() => undefined));

test('originAllowed follows csrf-protection.js isCsrfOriginAllowed', () => {
  const rows: Array<[string, string[], boolean]> = [
    ['app.example.org', ['app.example.org'], true],
    ['app.example.org:8443', ['app.example.org'], false],
    ['app.example.org', ['*.example.org'], true],
    ['example.org', ['*.example.org'], false],
    ['a.b.example.org', ['*.example.org'], false],
    ['a.b.example.org', ['**.example.org'], true],
    ['example.org', ['*'], false],
    ['example.org', ['**'], false],
    ['example.org', [''], false],
  ];
  for (const [host, list, want] of rows) assert.equal(originAllowed(host, list), want, `${host} ${JSON.stringify(list)}`);
});

test('nextSource reads allowedOrigins literals, marks a computed list unknown, finds directive lines only', () => {
  const lit = nextSource(
    '/p/next.config.js',
    'next.config.js',
    CONFIG('[\n        \'a.example.org\', // admin\n        "*.b.example.org",\n      ]'),
  );
  assert.deepEqual(lit?.kind === 'config' ? [lit.allowedOrigins.value, lit.allowedOrigins.origin, lit.ref.line] : undefined, [
    ['a.example.org', '*.b.example.org'],
    'literal',
    5,
  ]);
  const env = nextSource('/p/next.config.ts', 'next.config.ts', CONFIG('origins'));
  assert.equal(env?.kind === 'config' ? env.allowedOrigins.origin : undefined, 'unknown');
  assert.equal(nextSource('/p/next.config.js', 'next.config.js', 'export default {};\n'), undefined);
  assert.equal(nextSource('/p/a.ts', 'a.ts', 'const s = "use server";\n'), undefined);
  assert.deepEqual(nextSource('/p/a.ts', 'a.ts', '\n"use server"\nexport async function f() {}\n')?.ref.line, 2);
});
