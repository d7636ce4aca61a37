/**
 * Caddy's forwarded-header behaviour by the version the deployment names (collectors/caddy/collector.ts
 * `applyCaddyVersion`), through the CLI. Before 2.5 reverse_proxy had no `trusted_proxies` and kept X-Forwarded-*
 * from every peer (reverseproxy.go `prepareRequest` at v2.4.6: X-Forwarded-For appended, X-Forwarded-Proto kept when
 * present; v2.0.x always wrote its own scheme); 2.5.0 added `trusted_proxies` and replaces an untrusted peer's values.
 * The version comes from the compose image, a Dockerfile `FROM caddy:…` or an `xcaddy build` pin; none -> 2.5+
 * assumed, and the fix says so. The server-wide `servers { trusted_proxies }` (JSON: the server's "trusted_proxies")
 * exists from 2.6.3: real caddy 2.6.2 (Debian's, installed here) refuses it ("unrecognized servers option
 * 'trusted_proxies'" / `json: unknown field "trusted_proxies"`, `caddy validate`), so on a Caddy named older the
 * line is reported and the per-reverse_proxy form (2.5+) offered instead; the last block checks those answers against
 * the installed caddy (skipped where caddy is not 2.6.2). Caddy 2.4.6 itself is not installable here (Debian has 2.6.2): its behaviour is
 * read from its source (`fetch github:caddyserver/caddy`, tags v2.0.0, v2.1.0, v2.4.6, v2.5.0).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../helpers.js';
import { RUN_SAFETY_TIMEOUT_MS } from '../real-program.js';

const APP = {
  'app.py': 'from flask import Flask\napp = Flask(__name__)\n',
  Dockerfile: 'FROM python:3.12\nRUN pip install gunicorn flask\nCOPY . /app\n',
};
const compose = (caddy: string) =>
  `services:\n  caddy:\n${caddy}    ports: ["80:80"]\n    volumes: ["./Caddyfile:/etc/caddy/Caddyfile"]\n  app:\n    build: .\n    command: gunicorn -b 0.0.0.0:8000 --forwarded-allow-ips=* app:app\n`;
const PLAIN = ':80 {\n\treverse_proxy app:8000\n}\n';
const GLOBAL = '{\n\tservers {\n\t\ttrusted_proxies static 10.0.0.0/8\n\t}\n}\n:80 {\n\treverse_proxy app:8000\n}\n';
const TRUSTED = ':80 {\n\treverse_proxy app:8000 {\n\t\ttrusted_proxies private_ranges\n\t}\n}\n';

interface Row {
  name: string;
  files: Record<string, string>;
  args: string[];
  /** Finding ids that must be present / absent. */
  has: string[];
  hasNot: string[];
  /** The chain's verdict for the HTTPS entry, when there is one. */
  verdict?: RegExp;
  diagnostic?: RegExp;
  fix?: RegExp;
  noTrustedProxiesFix?: true;
  /** No diagnostic may match this. */
  noDiagnostic?: RegExp;
  /** The server-wide form (`servers {` / the server's "trusted_proxies" object) is never offered. */
  noGlobalFix?: true;
}

const ROWS: Row[] = [
  {
    name: 'invalid: caddy:2.4.6 on a public :80 passes the client’s X-Forwarded-Proto to a gunicorn that trusts * (spoofable), no trusted_proxies offered',
    files: { ...APP, 'docker-compose.yml': compose('    image: caddy:2.4.6\n'), Caddyfile: PLAIN },
    args: [],
    has: ['chain/spoofable-backend'],
    hasNot: ['caddy/trusted-proxies-missing'],
    noTrustedProxiesFix: true,
  },
  {
    name: 'valid (trap): caddy:2.4.6 behind a TLS balancer without trusted_proxies: 2.4 keeps the balancer’s X-Forwarded-Proto, the app believes https',
    files: { ...APP, 'docker-compose.yml': compose('    image: caddy:2.4.6\n'), Caddyfile: PLAIN },
    args: ['--behind-tls-lb'],
    has: [],
    hasNot: ['caddy/trusted-proxies-missing'],
    verdict: /^verdict: correct/,
    noTrustedProxiesFix: true,
  },
  {
    name: 'invalid: caddy:2.5.0 behind a TLS balancer without trusted_proxies: the balancer’s https is replaced (2.5 boundary)',
    files: { ...APP, 'docker-compose.yml': compose('    image: caddy:2.5.0\n'), Caddyfile: PLAIN },
    args: ['--behind-tls-lb'],
    has: ['caddy/trusted-proxies-missing'],
    hasNot: [],
    verdict: /lost at hop 2/,
  },
  {
    name: 'invalid: caddy:2.4.6 with trusted_proxies: that Caddy refuses the config (unrecognized subdirective), said with the image line',
    files: { ...APP, 'docker-compose.yml': compose('    image: caddy:2.4.6\n'), Caddyfile: TRUSTED },
    args: [],
    has: [],
    hasNot: ['caddy/trusted-proxies-missing'],
    diagnostic:
      /Caddyfile:3 .*trusted_proxies needs Caddy 2\.5\+, but Caddy 2\.4\.6 runs here \(.*docker-compose\.yml:2: image: caddy:2\.4\.6\)/,
  },
  {
    name: 'invalid: Caddy JSON on caddy:2.4.6 with a handler trusted_proxies: refused (strict JSON: unknown field)',
    files: {
      'docker-compose.yml':
        'services:\n  caddy:\n    image: caddy:2.4.6\n    command: caddy run --config /etc/caddy/caddy.json\n    ports: ["80:80"]\n    volumes: ["./caddy.json:/etc/caddy/caddy.json"]\n',
      'caddy.json':
        '{\n "apps": {\n  "http": {\n   "servers": {\n    "srv0": {\n     "listen": [":80"],\n     "routes": [{\n      "handle": [{\n       "handler": "reverse_proxy",\n       "trusted_proxies": ["10.0.0.0/8"],\n       "upstreams": [{ "dial": "127.0.0.1:3000" }]\n      }]\n     }]\n    }\n   }\n  }\n }\n}\n',
    },
    args: [],
    has: [],
    hasNot: ['caddy/trusted-proxies-missing'],
    diagnostic: /caddy\.json:10 Caddy JSON: trusted_proxies needs Caddy 2\.5\+, .*json: unknown field "trusted_proxies"/,
  },
  {
    name: 'valid (trap): an xcaddy pin builds 2.4.5 although the final image is caddy:2.7.6: read as 2.4.5',
    files: {
      ...APP,
      'docker-compose.yml': compose('    build: {context: ., dockerfile: Dockerfile.caddy}\n'),
      'Dockerfile.caddy':
        'FROM caddy:2.7.6-builder AS builder\nRUN xcaddy build v2.4.5 --with github.com/caddy-dns/cloudflare\nFROM caddy:2.7.6\nCOPY --from=builder /usr/bin/caddy /usr/bin/caddy\n',
      Caddyfile: PLAIN,
    },
    args: ['--behind-tls-lb'],
    has: [],
    hasNot: ['caddy/trusted-proxies-missing'],
    verdict: /^verdict: correct/,
  },
  {
    name: 'invalid: caddy:2.0.0 behind a TLS balancer: 2.0 always wrote its own scheme; trusted_proxies (which it lacks) is not offered',
    files: { ...APP, 'docker-compose.yml': compose('    image: caddy:2.0.0\n'), Caddyfile: PLAIN },
    args: ['--behind-tls-lb'],
    has: [],
    hasNot: ['caddy/trusted-proxies-missing'],
    verdict: /lost at hop 2/,
    noTrustedProxiesFix: true,
  },
  {
    name: 'invalid: no version named (Caddy from a systemd unit) behind a TLS balancer: 2.5+ assumed, and the fix says so',
    files: {
      Caddyfile: ':80 {\n\treverse_proxy 127.0.0.1:8000\n}\n',
      'app.service': '[Service]\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:8000 --forwarded-allow-ips=* app:app\n',
    },
    args: ['--behind-tls-lb'],
    has: ['caddy/trusted-proxies-missing'],
    hasNot: [],
    fix: /No image tag or xcaddy pin names this Caddy's version: 2\.5\+ is assumed/,
  },
  {
    name: 'invalid: caddy:2.6.2 with the global servers { trusted_proxies }: that Caddy refuses it (2.6.3+), said with the image line; the per-reverse_proxy form is offered, never the global one',
    files: { ...APP, 'docker-compose.yml': compose('    image: caddy:2.6.2\n'), Caddyfile: GLOBAL },
    args: ['--behind-tls-lb'],
    has: ['caddy/trusted-proxies-missing'],
    hasNot: [],
    diagnostic:
      /Caddyfile:3 .*servers \{ trusted_proxies \} needs Caddy 2\.6\.3\+, but Caddy 2\.6\.2 runs here \(.*docker-compose\.yml:2: image: caddy:2\.6\.2\).*unrecognized servers option 'trusted_proxies'.*inside each reverse_proxy block/,
    fix: /^Trust the proxy in front on this directive \(Caddy 2\.5\+\)/,
    verdict: /lost at hop 2/,
    noGlobalFix: true,
  },
  {
    name: 'invalid: caddy:2.5.1 without any trusted_proxies behind a TLS balancer: the fix is per reverse_proxy, not the global form (2.6.3+)',
    files: { ...APP, 'docker-compose.yml': compose('    image: caddy:2.5.1\n'), Caddyfile: PLAIN },
    args: ['--behind-tls-lb'],
    has: ['caddy/trusted-proxies-missing'],
    hasNot: [],
    fix: /^Trust the proxy in front on this directive \(Caddy 2\.5\+\)/,
    noGlobalFix: true,
  },
  {
    name: 'valid (trap): caddy:2.6.3 with the same global servers { trusted_proxies }: accepted (the boundary), the balancer’s https survives',
    files: { ...APP, 'docker-compose.yml': compose('    image: caddy:2.6.3\n'), Caddyfile: GLOBAL },
    args: ['--behind-tls-lb'],
    has: [],
    hasNot: ['caddy/trusted-proxies-missing'],
    verdict: /^verdict: correct/,
    noDiagnostic: /trusted_proxies/,
  },
  {
    name: 'valid (trap): caddy:2.6 (a floating tag: its newest release, 2.6.4) with the global form: accepted',
    files: { ...APP, 'docker-compose.yml': compose('    image: caddy:2.6\n'), Caddyfile: GLOBAL },
    args: ['--behind-tls-lb'],
    has: [],
    hasNot: ['caddy/trusted-proxies-missing'],
    verdict: /^verdict: correct/,
    noDiagnostic: /trusted_proxies/,
  },
  {
    name: 'invalid: Caddy JSON on caddy:2.6.2 with the server’s "trusted_proxies": refused (json: unknown field), the handler form named',
    files: {
      'docker-compose.yml':
        'services:\n  caddy:\n    image: caddy:2.6.2\n    command: caddy run --config /etc/caddy/caddy.json\n    ports: ["80:80"]\n    volumes: ["./caddy.json:/etc/caddy/caddy.json"]\n',
      'caddy.json':
        '{\n "apps": {\n  "http": {\n   "servers": {\n    "srv0": {\n     "listen": [":80"],\n     "trusted_proxies": {"source": "static", "ranges": ["10.0.0.0/8"]},\n     "routes": [{\n      "handle": [{\n       "handler": "reverse_proxy",\n       "upstreams": [{ "dial": "127.0.0.1:3000" }]\n      }]\n     }]\n    }\n   }\n  }\n }\n}\n',
    },
    args: [],
    has: [],
    hasNot: [],
    diagnostic:
      /caddy\.json:7 Caddy JSON: the server's "trusted_proxies" needs Caddy 2\.6\.3\+, but Caddy 2\.6\.2 runs here .*json: unknown field "trusted_proxies".*each reverse_proxy handler/,
  },
];

for (const row of ROWS)
  test(row.name, () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-caddy-ver-'));
    try {
      for (const [f, text] of Object.entries(row.files)) {
        mkdirSync(dirname(join(dir, f)), { recursive: true });
        writeFileSync(join(dir, f), text);
      }
      const r = runCli(['doctor', '.', ...row.args, '--format', 'json'], { cwd: dir });
      assert.ok(r.code === 0 || r.code === 1, r.stderr);
      const j = JSON.parse(r.stdout) as {
        findings: Array<{ id: string; fix?: { description?: string } }>;
        diagnostics: Array<{ file: string; line?: number; message: string }>;
        chain?: unknown;
      };
      const ids = j.findings.map((f) => f.id);
      for (const id of row.has) assert.ok(ids.includes(id), `${id} missing: ${ids.join(', ')}`);
      for (const id of row.hasNot) assert.ok(!ids.includes(id), `${id} present: ${ids.join(', ')}`);
      if (row.diagnostic) {
        const texts = j.diagnostics.map((d) => `${d.file}:${d.line} ${d.message}`);
        assert.ok(
          texts.some((t) => row.diagnostic?.test(t)),
          texts.join('\n'),
        );
      }
      if (row.fix) {
        const f = j.findings.find((x) => x.id === 'caddy/trusted-proxies-missing');
        assert.match(f?.fix?.description ?? '', row.fix);
      }
      const chain = JSON.stringify(j.chain ?? {});
      if (row.verdict) {
        const verdicts = [...chain.matchAll(/"verdict":"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1] as string);
        assert.ok(
          verdicts.some((v) => row.verdict?.test(v)),
          verdicts.join('\n') || chain.slice(0, 2000),
        );
      }
      if (row.noDiagnostic)
        for (const d of j.diagnostics) assert.doesNotMatch(`${d.file}:${d.line} ${d.message}`, row.noDiagnostic);
      if (row.noGlobalFix) {
        // Every fix the output offers (the findings' and the chain plan's), not the diagnostic that names the line.
        const fixes = JSON.stringify([j.findings.map((f) => f.fix), j.chain]);
        assert.doesNotMatch(fixes, /servers \{|trusted_proxies static|\\"source\\"/);
        assert.match(fixes, /trusted_proxies/);
      }
      if (row.noTrustedProxiesFix) assert.doesNotMatch(r.stdout, /trusted_proxies (private_ranges|static)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

/** The installed caddy's own version, when it is 2.6.2 (the rows below are that version's answers). */
const REAL = spawnSync('caddy', ['version'], { encoding: 'utf8', timeout: RUN_SAFETY_TIMEOUT_MS }).stdout?.match(/^v?2\.6\.2\b/);

describe('real caddy 2.6.2 refuses the server-wide form and takes the per-handler one', {
  skip: REAL ? false : 'caddy 2.6.2 not installed',
}, () => {
  const JSON_SERVER = (member: string, handler: string) =>
    `{"apps":{"http":{"servers":{"s":{"listen":[":8080"],${member}"routes":[{"handle":[{"handler":"reverse_proxy",${handler}"upstreams":[{"dial":"127.0.0.1:9"}]}]}]}}}}}`;
  const rows: Array<{ name: string; file: string; text: string; adapter?: string; refused?: RegExp }> = [
    {
      name: 'global servers { trusted_proxies } (the form the CLI reports on 2.6.2)',
      file: 'Caddyfile',
      text: GLOBAL.replace('app:8000', '127.0.0.1:9').replace(':80 {', ':8080 {'),
      adapter: 'caddyfile',
      refused: /unrecognized servers option 'trusted_proxies'/,
    },
    {
      name: 'trusted_proxies inside reverse_proxy (the form the CLI offers)',
      file: 'Caddyfile',
      text: TRUSTED.replace('app:8000', '127.0.0.1:9').replace(':80 {', ':8080 {'),
      adapter: 'caddyfile',
    },
    {
      name: 'JSON server "trusted_proxies"',
      file: 'caddy.json',
      text: JSON_SERVER('"trusted_proxies":{"source":"static","ranges":["10.0.0.0/8"]},', ''),
      refused: /json: unknown field "trusted_proxies"/,
    },
    { name: 'JSON handler "trusted_proxies"', file: 'caddy.json', text: JSON_SERVER('', '"trusted_proxies":["10.0.0.0/8"],') },
  ];
  for (const row of rows)
    test(`caddy validate ${row.refused ? 'refuses' : 'accepts'}: ${row.name}`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'pp-caddy-ver-real-'));
      try {
        writeFileSync(join(dir, row.file), row.text);
        const env = { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir };
        const args = ['validate', '--config', join(dir, row.file), ...(row.adapter ? ['--adapter', row.adapter] : [])];
        const v = spawnSync('caddy', args, { encoding: 'utf8', timeout: RUN_SAFETY_TIMEOUT_MS, env });
        assert.equal(v.status === 0, !row.refused, v.stderr.slice(-400));
        if (row.refused) assert.match(v.stderr, row.refused);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
});
