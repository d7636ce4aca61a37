import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { verdictLine } from '../../../src/chain/render.js';
import { runDoctor } from '../../../src/chain/run.js';
import { type Case, deployment, findingsFor, gunicornUnit, site } from './cases.js';

const ID = 'chain/link-unresolved';
const HAPROXY_TLS_BACKEND = (server: string) =>
  `defaults\n  mode http\nfrontend fe\n  bind :443 ssl crt /etc/ssl/a.pem\n  http-request set-header X-Forwarded-Proto https\n  default_backend be\nbackend be\n  ${server}\n`;
const CASES: Case[] = [
  {
    // The link may be TLS (`server ... ssl`): the text names both ways the app can believe https, never "plain HTTP".
    name: 'invalid: HAProxy to an unlinked TLS backend (server ... ssl)',
    files: { 'haproxy.cfg': HAPROXY_TLS_BACKEND('server s 127.0.0.1:8001 ssl verify none') },
    expect: 1,
    match: /^(?!.*over plain HTTP).*X-Forwarded-Proto: https from .*or the link to it is TLS/s,
  },
  {
    name: 'invalid: proxy_pass to a compose name with no compose file',
    files: deployment(site({ pass: 'http://web:8000' })),
    expect: 1,
    match: /could not find the app server listening on web:8000/,
  },
  {
    name: 'invalid: gunicorn binds ::1 but nginx proxies to 127.0.0.1',
    files: deployment(site(), gunicornUnit({ bind: '[::1]:8000' })),
    expect: 1,
    match: /127\.0\.0\.1:8000/,
  },
  { name: 'invalid: the port differs', files: deployment(site({ pass: 'http://127.0.0.1:8001' })), expect: 1 },
  { name: 'valid: localhost reaches 127.0.0.1', files: deployment(site({ pass: 'http://localhost:8000' })), expect: 0 },
  {
    name: 'valid: 127.0.0.1 reaches a 0.0.0.0 bind',
    files: deployment(site(), gunicornUnit({ bind: '0.0.0.0:8000' })),
    expect: 0,
  },
  {
    name: 'trap: an upstream block naming the socket',
    files: deployment(
      `upstream app { server unix:/run/g.sock; }\n${site({ pass: 'http://app' })}`,
      gunicornUnit({ bind: 'unix:/run/g.sock' }),
    ),
    expect: 0,
  },
];

describe(ID, () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const got = await findingsFor(ID, c);
      assert.equal(got.length, c.expect, got.map((f) => f.message).join('\n'));
      if (c.match) assert.match(got[0]?.message ?? '', c.match);
    });
  }
});

/** The generic app hop in the doctor's verdict line: an unlinked app does not make the verdict "unknown". */
describe('verdict line at an unresolved app (chain/generic-app.ts)', () => {
  const verdicts = async (files: Record<string, string>): Promise<string[]> => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-generic-app-'));
    try {
      for (const [p, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, p)), { recursive: true });
        writeFileSync(join(dir, p), text);
      }
      const r = await runDoctor([dir], { cwd: dir });
      return r.analysis.verdict.routes.filter((v) => v.trace.kind === 'browser').map(verdictLine);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  it('no X-Forwarded-Proto to an unlinked app: https is lost at the proxy, whatever the app', async () => {
    const got = await verdicts(deployment(site({ pass: 'http://web:8000', headers: ['proxy_set_header Host $host;'] })));
    assert.equal(got.length, 1);
    assert.match(
      got[0] ?? '',
      /^verdict: https is lost at hop 1 \(nginx .*\): it sends no X-Forwarded-Proto, so any app behind it builds http:\/\/ URLs/,
    );
    assert.match(got[0] ?? '', /the app there is not linked: could not find the app server listening on web:8000/);
  });
  it('X-Forwarded-Proto $scheme on a TLS server: the app must trust it from the proxy', async () => {
    const got = await verdicts(deployment(site({ pass: 'http://web:8000' })));
    assert.match(
      got[0] ?? '',
      /^verdict: https reaches the backend as X-Forwarded-Proto: https from hop 1 .*trusts X-Forwarded-Proto from that proxy's address/,
    );
    assert.doesNotMatch(got[0] ?? '', /unknown/);
  });
});
