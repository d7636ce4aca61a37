/**
 * Caddy's forwarded-header behaviour by the version the deployment names (collectors/caddy/collector.ts
 * `applyCaddyVersion`), through the CLI. Before 2.5 reverse_proxy had no `trusted_proxies` and kept X-Forwarded-*
 * from every peer (reverseproxy.go `prepareRequest` at v2.4.6: X-Forwarded-For appended, X-Forwarded-Proto kept when
 * present; v2.0.x always wrote its own scheme); 2.5.0 added `trusted_proxies` and replaces an untrusted peer's values.
 * The version comes from the compose image, a Dockerfile `FROM caddy:…` or an `xcaddy build` pin; none -> 2.5+
 * assumed, and the fix says so. Caddy 2.4.6 itself is not installable here (Debian has 2.6.2): its behaviour is
 * read from its source (`fetch github:caddyserver/caddy`, tags v2.0.0, v2.1.0, v2.4.6, v2.5.0).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers.js';

const APP = {
  'app.py': 'from flask import Flask\napp = Flask(__name__)\n',
  Dockerfile: 'FROM python:3.12\nRUN pip install gunicorn flask\nCOPY . /app\n',
};
const compose = (caddy: string) =>
  `services:\n  caddy:\n${caddy}    ports: ["80:80"]\n    volumes: ["./Caddyfile:/etc/caddy/Caddyfile"]\n  app:\n    build: .\n    command: gunicorn -b 0.0.0.0:8000 --forwarded-allow-ips=* app:app\n`;
const PLAIN = ':80 {\n\treverse_proxy app:8000\n}\n';
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
      if (row.noTrustedProxiesFix) assert.doesNotMatch(r.stdout, /trusted_proxies (private_ranges|static)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
