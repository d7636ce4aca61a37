/**
 * SvelteKit adapter-node with an http:// ORIGIN behind a TLS proxy (issue 14). ORIGIN fixes url.origin for every
 * request (adapter-node handler.js: `base: origin || get_origin(req.headers)`), so the scheme is the app's own
 * setting: the chain's loss is at the app, whatever the proxy sends, `sveltekit/origin-http` is the headline, and
 * nginx's missing X-Forwarded-Proto is not a cause (adapter-node never reads it). The start line gets one edit with
 * everything it needs: ORIGIN=https:// and, where adapter-node binds every interface with the proxy on this host,
 * HOST=127.0.0.1 (two checks, one line: `fix` would refuse a second, different replacement). Traps: an https
 * ORIGIN (correct), a proxy on another host (127.0.0.1 would cut it off: ORIGIN only), HOST already 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runDoctor } from '../../src/chain/run.js';
import { planFixes } from '../../src/fix/plan.js';
import { ADAPTER_NODE_CONFIG, adapterNodePackage } from '../checks/sveltekit/files.js';
import { scratchTrees } from '../scratch-trees.js';

const write = scratchTrees('pp-sveltekit-origin-');

const CONFIG = ADAPTER_NODE_CONFIG;
const pkg = adapterNodePackage;
/** nginx ending TLS, passing the public Host and no X-Forwarded-Proto, to `upstream`. */
const nginx = (upstream: string) =>
  `server {\n    listen 443 ssl;\n    server_name app.example;\n    ssl_certificate /etc/ssl/app.pem;\n    ssl_certificate_key /etc/ssl/app.key;\n    location / {\n        proxy_set_header Host $host;\n        proxy_pass http://${upstream};\n    }\n}\n`;

interface Row {
  name: string;
  start: string;
  upstream?: string;
  scheme: 'correct' | 'lost';
  /** medium+ findings, `id severity`. */
  findings: string[];
  /** The one patched line of package.json (line 5), when the plan patches it. */
  line?: string;
}

const rows: Row[] = [
  {
    name: 'invalid: ORIGIN=http://, adapter-node on 0.0.0.0 with nginx on this host: one edit for ORIGIN and HOST',
    start: 'ORIGIN=http://app.example node build',
    scheme: 'lost',
    findings: ['deploy/backend-port-published medium', 'sveltekit/origin-http high'],
    line: '    "start": "ORIGIN=https://app.example HOST=127.0.0.1 node build"',
  },
  {
    name: 'invalid: ORIGIN=http:// with HOST=0.0.0.0 written on the line: both rewritten in place',
    start: 'HOST=0.0.0.0 ORIGIN=http://app.example node build',
    scheme: 'lost',
    findings: ['deploy/backend-port-published medium', 'sveltekit/origin-http high'],
    line: '    "start": "HOST=127.0.0.1 ORIGIN=https://app.example node build"',
  },
  {
    name: 'invalid (trap): HOST=127.0.0.1 already: only ORIGIN changes',
    start: 'HOST=127.0.0.1 ORIGIN=http://app.example node build',
    scheme: 'lost',
    findings: ['sveltekit/origin-http high'],
    line: '    "start": "HOST=127.0.0.1 ORIGIN=https://app.example node build"',
  },
  {
    name: 'invalid (trap): the proxy connects from another host: 127.0.0.1 would cut it off, only ORIGIN changes',
    start: 'ORIGIN=http://app.example node build',
    upstream: '10.0.0.5:3000',
    scheme: 'lost',
    findings: ['deploy/backend-port-published medium', 'sveltekit/origin-http high'],
    line: '    "start": "ORIGIN=https://app.example node build"',
  },
  {
    name: 'valid (trap): ORIGIN=https:// with no X-Forwarded-Proto from nginx is correct',
    start: 'HOST=127.0.0.1 ORIGIN=https://app.example node build',
    scheme: 'correct',
    findings: [],
  },
];

for (const row of rows)
  test(row.name, async () => {
    const dir = write(row.name.replace(/\W+/g, '-').slice(0, 60), {
      'site/svelte.config.js': CONFIG,
      'site/package.json': pkg(row.start),
      'nginx/site.conf': nginx(row.upstream ?? '127.0.0.1:3000'),
    });
    const { analysis, all, facts } = await runDoctor([dir]);
    const route = analysis.verdict.routes[0];
    assert.equal(route?.scheme.status, row.scheme, JSON.stringify(route?.scheme));
    if (row.scheme === 'lost') {
      // The loss is the app's own setting, not nginx's missing X-Forwarded-Proto.
      assert.equal(route?.scheme.lostAt?.label, 'SvelteKit (adapter-node)');
      assert.match(route?.scheme.lostAt?.reason ?? '', /ORIGIN is an http:\/\/ URL/);
    }
    const got = all.findings
      .filter((f) => f.severity === 'medium' || f.severity === 'high' || f.severity === 'critical')
      .map((f) => `${f.id} ${f.severity}`)
      .sort();
    assert.deepEqual(got, row.findings);
    assert.ok(!got.some((g) => g.startsWith('nginx/forwarded-proto-missing')));
    if (row.line) {
      const plan = planFixes(facts, all.findings, { cwd: dir });
      const patched = plan.patches.find((p) => p.file.endsWith('package.json'));
      assert.ok(patched, JSON.stringify(plan.advice));
      // One edit: nothing refused as "another fix changes line 5 too".
      assert.ok(!plan.advice.some((a) => /changes line/.test(a.reason)), JSON.stringify(plan.advice));
      assert.ok(patched.diff.split('\n').includes(`+${row.line}`), patched.diff);
    }
  });

// A systemd unit starting adapter-node: ExecStart runs without a shell, so HOST goes into the unit's environment, as
// an `Environment=HOST=127.0.0.1` line above ExecStart; the http:// ORIGIN is its own Environment= line, rewritten by
// sveltekit/origin-http. Both edits are patches of the unit (round 14 left the HOST one as advice).
const unit = (env: string[]) =>
  [
    '[Unit]',
    'Description=site',
    '',
    '[Service]',
    'WorkingDirectory=/srv/site',
    ...env,
    'ExecStart=/usr/bin/node build',
    'Restart=always',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
const bare = JSON.stringify(
  {
    name: 'site',
    scripts: { build: 'vite build' },
    devDependencies: { '@sveltejs/adapter-node': '^5.2.0', '@sveltejs/kit': '^2.5.0' },
  },
  null,
  2,
);

const unitRows: Array<{
  name: string;
  env: string[];
  upstream?: string;
  findings: string[];
  added: string[];
  removed: string[];
}> = [
  {
    name: 'invalid: systemd Environment=ORIGIN=http:// and adapter-node on 0.0.0.0 beside nginx: ORIGIN rewritten, HOST added to the unit',
    env: ['Environment=ORIGIN=http://app.example', 'Environment=PORT=3000'],
    findings: ['deploy/backend-port-published medium', 'sveltekit/origin-http high'],
    // The ExecStart line is replaced by the HOST line and itself (the planner's 'replace' of one line by two).
    added: ['Environment=ORIGIN=https://app.example', 'Environment=HOST=127.0.0.1', 'ExecStart=/usr/bin/node build'],
    removed: ['Environment=ORIGIN=http://app.example', 'ExecStart=/usr/bin/node build'],
  },
  {
    name: 'invalid (trap): the unit already sets HOST=127.0.0.1: only ORIGIN changes',
    env: ['Environment=ORIGIN=http://app.example HOST=127.0.0.1 PORT=3000'],
    findings: ['sveltekit/origin-http high'],
    added: ['Environment=ORIGIN=https://app.example HOST=127.0.0.1 PORT=3000'],
    removed: ['Environment=ORIGIN=http://app.example HOST=127.0.0.1 PORT=3000'],
  },
  {
    name: 'invalid (trap): nginx on another host: a loopback HOST would cut it off, only ORIGIN changes',
    env: ['Environment=ORIGIN=http://app.example', 'Environment=PORT=3000'],
    upstream: '10.0.0.5:3000',
    findings: ['deploy/backend-port-published medium', 'sveltekit/origin-http high'],
    added: ['Environment=ORIGIN=https://app.example'],
    removed: ['Environment=ORIGIN=http://app.example'],
  },
];

for (const row of unitRows)
  test(row.name, async () => {
    const dir = write(`unit-${row.name.replace(/\W+/g, '-').slice(0, 60)}`, {
      'site/svelte.config.js': CONFIG,
      'site/package.json': bare,
      'deploy/site.service': unit(row.env),
      'nginx/site.conf': nginx(row.upstream ?? '127.0.0.1:3000'),
    });
    const { all, facts } = await runDoctor([dir]);
    const got = all.findings
      .filter((f) => f.severity === 'medium' || f.severity === 'high' || f.severity === 'critical')
      .map((f) => `${f.id} ${f.severity}`)
      .sort();
    assert.deepEqual(got, row.findings);
    const plan = planFixes(facts, all.findings, { cwd: dir });
    const patched = plan.patches.find((p) => p.file.endsWith('site.service'));
    assert.ok(patched, JSON.stringify(plan.advice));
    const lines = patched.diff.split('\n');
    assert.deepEqual(
      lines.filter((l) => l.startsWith('+') && !l.startsWith('+++')).map((l) => l.slice(1)),
      row.added,
      patched.diff,
    );
    assert.deepEqual(
      lines.filter((l) => l.startsWith('-') && !l.startsWith('---')).map((l) => l.slice(1)),
      row.removed,
      patched.diff,
    );
  });
