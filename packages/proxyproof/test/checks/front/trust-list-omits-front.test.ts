import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { frontTrustListOmitsFront as check } from '../../../src/checks/front/trust-list-omits-front.js';
import { CLOUDFLARE_RANGES } from '../../../src/collectors/front/fronts.js';
import { runCli } from '../../helpers.js';
import { type Case, runCase } from '../../python/lint-files.js';

const gceValues = (trust: string) =>
  `app:\n  trusted_proxy_ip: ${trust}\ningress:\n  enabled: true\n  annotations:\n    kubernetes.io/ingress.class: "gce"\n    networking.gke.io/managed-certificates: web-cert\n  tls: []\n`;
const cfDeploy = (trust: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: example/web:1\n          command: [gunicorn, -b, "0.0.0.0:8000", app:app]\n          env:\n            - name: TRUSTED_PROXIES\n              value: "${trust}"\n`;
const tf =
  'locals {\n  values = templatefile(\n    "${path.module}/helm/values.yaml",\n    {\n      LB_IP : google_compute_global_address.lb.address\n      NAME : var.name\n    }\n  )\n}\n';

const cases: Case[] = [
  {
    name: 'invalid: GCE Ingress, trust list bound by Terraform to the LB global address only',
    files: { 'helm/values.yaml': gceValues('${LB_IP}'), 'main.tf': tf },
    expect: { count: 1, severity: 'high', file: 'helm/values.yaml', line: 2, message: /google_compute_global_address/ },
  },
  {
    name: 'invalid: an Ingress manifest of class gce and a container env TRUSTED_PROXIES of private ranges',
    files: {
      'ingress.yaml':
        'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  ingressClassName: gce\n  rules: []\n',
      'deploy.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - name: TRUSTED_PROXIES\n              value: "10.0.0.0/8,172.16.0.0/12"\n',
    },
    expect: { count: 1, file: 'deploy.yaml', line: 9 },
  },
  {
    name: "valid (trap): Google's front-end ranges are in the list next to the LB address (public ranges, not the internet)",
    files: { 'helm/values.yaml': gceValues('${LB_IP},130.211.0.0/22,35.191.0.0/16'), 'main.tf': tf },
    expect: { count: 0 },
  },
  {
    name: 'valid: a placeholder no templatefile() binds is unknown, never judged',
    files: { 'helm/values.yaml': gceValues('${LB_IP}') },
    expect: { count: 0 },
  },
  {
    name: 'valid: a Terraform binding to a string we cannot evaluate is unknown',
    files: {
      'helm/values.yaml': gceValues('${LB_IP}'),
      'main.tf': 'x = templatefile("helm/values.yaml", {\n  LB_IP : "${var.ranges}"\n})\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: no load balancer with documented ranges (an nginx Ingress)',
    files: {
      'values.yaml': 'app:\n  trusted_proxy_ip: 10.0.0.1\ningress:\n  enabled: true\n  className: nginx\n  annotations: {}\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): trust everyone is another finding, not this one',
    files: { 'helm/values.yaml': gceValues('"0.0.0.0/0"') },
    expect: { count: 0 },
  },
];

for (const c of cases) test(c.name, async () => void (await runCase(check, c)));

// r17edge: Cloudflare's published ranges (collectors/front/fronts.ts CLOUDFLARE_RANGES), through the CLI as a user
// declares the front: `--front cloudflare` or the tree's .proxyproof.json.
const tmp = mkdtempSync(join(tmpdir(), 'pp-cf-ranges-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const TUNNEL =
  'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cloudflared\nspec:\n  template:\n    spec:\n      containers:\n        - name: cloudflared\n          image: cloudflare/cloudflared:2024.6.1\n          args: [tunnel, --no-autoupdate, --url, "http://web:8000"]\n';
const cfCases: Array<{
  name: string;
  files: Record<string, string>;
  args?: string[];
  count: number;
  message?: RegExp;
  /** What the fix's lines must not add again (a range the list already covers). */
  fixNot?: RegExp;
  file?: string;
  line?: number;
}> = [
  {
    name: 'invalid: .proxyproof.json front cloudflare, TRUSTED_PROXIES of private ranges only',
    files: { '.proxyproof.json': '{"front": "cloudflare"}\n', 'deploy.yaml': cfDeploy('10.0.0.0/8,172.16.0.0/12') },
    count: 1,
    message:
      /Cloudflare proxy connects to the app from 173\.245\.48\.0\/20 and .* and 2c0f:f248::\/32: the app takes the Cloudflare edge for the client \(every request from a Cloudflare address/,
  },
  {
    name: 'invalid: --front cloudflare on the command line, a list narrower than every published range',
    files: { 'deploy.yaml': cfDeploy('173.245.48.0/24,2606:4700::/48') },
    args: ['--front', 'cloudflare'],
    count: 1,
  },
  {
    // Round 17's audit: this row once passed with count 0 (any one range covered counted as all of them).
    name: 'invalid: two of the 7 IPv6 ranges only (IPv6 written in another form): the other 20 ranges are named',
    files: { 'deploy.yaml': cfDeploy('10.0.0.0/8,2400:CB00:0:0::/32,2606:4700::/32') },
    args: ['--front', 'cloudflare'],
    count: 1,
    message:
      /covers only 2 of the 22 ranges Cloudflare proxy connects to the app from; it leaves out 173\.245\.48\.0\/20 and .* and 2c0f:f248::\/32:/,
    fixNot: /2606:4700::\/32.*2606:4700::\/32/,
  },
  {
    name: "valid (trap): every one of Cloudflare's 22 ranges in the list, IPv6 written in another form (2400:CB00:0:0::/32)",
    files: {
      'deploy.yaml': cfDeploy(
        ['10.0.0.0/8', ...CLOUDFLARE_RANGES.map((r) => (r === '2400:cb00::/32' ? '2400:CB00:0:0::/32' : r))].join(','),
      ),
    },
    args: ['--front', 'cloudflare'],
    count: 0,
  },
  {
    name: 'valid (trap): a wider range covering several published ones counts (173.245.0.0/16 for 173.245.48.0/20)',
    files: {
      'deploy.yaml': cfDeploy(['173.245.0.0/16', ...CLOUDFLARE_RANGES.filter((r) => r !== '173.245.48.0/20')].join(',')),
    },
    args: ['--front', 'cloudflare'],
    count: 0,
  },
  {
    name: 'invalid: Google, one of the two front-end ranges only: 35.191.0.0/16 left out, the fix adds that one',
    files: { 'helm/values.yaml': gceValues('130.211.0.0/22') },
    count: 1,
    message: /covers only 1 of the 2 ranges .* it leaves out 35\.191\.0\.0\/16:/,
    file: 'helm/values.yaml',
    line: 2,
    fixNot: /130\.211\.0\.0\/22.*130\.211/,
  },
  {
    name: "valid (trap): a Cloudflare Tunnel connects from cloudflared, not from Cloudflare's ranges",
    files: { 'deploy.yaml': cfDeploy('10.0.0.0/8'), 'tunnel.yaml': TUNNEL },
    count: 0,
  },
];
for (const [i, c] of cfCases.entries())
  test(`CLI: ${c.name}`, () => {
    const dir = join(tmp, String(i));
    for (const [f, text] of Object.entries(c.files)) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      writeFileSync(join(dir, f), text);
    }
    const r = runCli(['lint', '.', '--format', 'json', ...(c.args ?? [])], { cwd: dir });
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    const mine = (
      JSON.parse(r.stdout).findings as Array<{
        id: string;
        message: string;
        evidence: Array<{ file: string; line: number }>;
        fix?: { lines?: string[] };
      }>
    ).filter((f) => f.id === 'front/trust-list-omits-front');
    assert.equal(mine.length, c.count, JSON.stringify(mine, null, 1));
    if (c.count > 0) {
      assert.equal(mine[0]?.evidence[0]?.file, c.file ?? 'deploy.yaml');
      assert.equal(mine[0]?.evidence[0]?.line, c.line ?? 13);
    }
    if (c.message) assert.match(mine[0]?.message ?? '', c.message);
    if (c.fixNot) {
      const lines = (mine[0]?.fix?.lines ?? []).join('\n');
      assert.ok(lines.length > 0, 'a fix with lines');
      assert.doesNotMatch(lines, c.fixNot);
    }
  });
