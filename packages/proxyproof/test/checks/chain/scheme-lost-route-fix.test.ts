/**
 * The fix a route's chain finding carries is that route's own (issue 12 audit item 2: the planner's patch for the
 * `internal` /auth route pointed at /status's line). chain/scheme-lost, chain/host-lost and
 * django/origin-check-fails pick it with chain/plan.ts `fixForRoute`: the route's own, else one aimed at no route
 * (an app's trust setting), never another route's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixForRoute, type PlannedFix } from '../../../src/chain/plan.js';
import { lintFiles } from '../../python/lint-files.js';

const APP = {
  'app.py': 'from flask import Flask\napp = Flask(__name__)\n',
  'app.service': '[Service]\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:8000 app:app\n',
};

/** The line range of each `location X {` ... `}` in a site file, by its match. */
function locations(text: string): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  const lines = text.split('\n');
  lines.forEach((l, i) => {
    const m = /^\s*location\s+(\S+)\s*\{/.exec(l);
    if (!m) return;
    let end = i;
    while (end < lines.length && !/^\s{4}\}/.test(lines[end] as string)) end++;
    out.set(m[1] as string, [i + 1, end + 1]);
  });
  return out;
}

const block = (match: string, extra: string) =>
  `    location ${match} {\n${extra}        proxy_set_header Host $host;\n        proxy_pass http://127.0.0.1:8000;\n    }\n`;
const site = (body: string) => `server {\n    listen 443 ssl;\n    server_name shop.example.com;\n${body}}\n`;

const rows: Array<{ name: string; site: string; want: Record<string, string> }> = [
  {
    name: 'a loopback-only and an `internal` location: each finding points at its own location',
    site: site(block('/status', '        allow 127.0.0.1;\n        deny all;\n') + block('/auth', '        internal;\n')),
    want: { '/status': '/status', '/auth': '/auth' },
  },
  {
    name: 'two open locations, both without X-Forwarded-Proto: two fixes, two lines',
    site: site(block('/a', '') + block('/b', '')),
    want: { '/a': '/a', '/b': '/b' },
  },
  {
    name: 'trap: one location sends X-Forwarded-Proto, the other not: one finding, at the one that does not',
    site: site(block('/a', '        proxy_set_header X-Forwarded-Proto $scheme;\n') + block('/b', '')),
    want: { '/b': '/b' },
  },
];

for (const row of rows) {
  test(`chain/scheme-lost fix per route: ${row.name}`, async () => {
    const { findings } = await lintFiles({ ...APP, 'site.conf': row.site });
    const where = locations(row.site);
    // The chain finding of a route stands alone or joins the layer finding of the same place (data.chainFinding).
    const chain = findings.filter((f) => f.id === 'chain/scheme-lost' || f.data?.chainFinding !== undefined);
    const routes = chain.map((f) => {
      const route = /\(location (\S+)\)/.exec(f.message)?.[1] ?? String(f.data?.url);
      return { route, f };
    });
    assert.deepEqual(
      routes.map((r) => r.route).sort(),
      Object.keys(row.want).sort(),
      findings.map((f) => `${f.severity} ${f.id} ${f.message}`).join('\n'),
    );
    for (const { route, f } of routes) {
      // A merged finding carries the layer check's fix of the same place (chain/refine.ts mergeRootCauses).
      const fix = f.fix;
      const range = where.get(row.want[route] as string);
      assert.ok(fix?.line && range, `${route}: ${JSON.stringify(fix)}`);
      assert.ok(fix.line >= range[0] && fix.line <= range[1], `${route}: fix at line ${fix.line}, not in ${range.join('-')}`);
    }
  });
}

test('fixForRoute: own route first, then a fix for no route, never another route', () => {
  const fix = (id: string): PlannedFix => ({
    id,
    kind: 'required',
    title: id,
    file: 'f',
    line: 1,
    after: true,
    lines: [],
    because: '',
  });
  const routes = [
    { hopId: 'nginx:0', routeId: 's0:1' },
    { hopId: 'nginx:0', routeId: 's0:2' },
  ];
  const all = [fix('nginx-xfp:nginx:0/s0:1'), fix('nginx-xfp:nginx:0/s0:2'), fix('proxyfix:app:0')];
  const any = () => true;
  assert.equal(fixForRoute(all, routes, routes[1] as (typeof routes)[0], any)?.id, 'nginx-xfp:nginx:0/s0:2');
  assert.equal(
    fixForRoute(all.slice(0, 1).concat(all[2] as PlannedFix), routes, routes[1] as (typeof routes)[0], any)?.id,
    'proxyfix:app:0',
  );
  assert.equal(fixForRoute(all.slice(0, 1), routes, routes[1] as (typeof routes)[0], any), undefined);
});
