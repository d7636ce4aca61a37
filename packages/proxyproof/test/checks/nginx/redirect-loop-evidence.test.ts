/**
 * The app's own HTTPS redirect as evidence of where a lost scheme loops (checks/nginx/common.ts
 * redirectLoopEvidence), on nginx/forwarded-proto-missing and nginx/scheme-behind-tls-terminator.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { forwardedProtoMissing } from '../../../src/checks/nginx/forwarded-proto-missing.js';
import { schemeBehindTlsTerminator } from '../../../src/checks/nginx/scheme-behind-tls-terminator.js';
import type { Facts, FrameworkFacts, Valued } from '../../../src/model/facts.js';
import { factsFromText } from './harness.js';

const TLS_NO_XFP =
  'server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header Host $host;\n    proxy_pass http://app:8000;\n  }\n}';
const INTERNAL =
  'server {\n  listen 443 ssl;\n  location /x {\n    internal;\n    proxy_set_header Host $host;\n    proxy_pass http://app:8000;\n  }\n}';
const BEHIND_LB =
  'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  real_ip_header X-Forwarded-For;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app:8000;\n  }\n}';

function django(ssl: Valued<boolean> | undefined, kind: FrameworkFacts['kind'] = 'django'): FrameworkFacts {
  const f: FrameworkFacts = { kind, file: 'settings.py', usesServerScheme: true, settings: {} };
  if (ssl) f.sslRedirect = ssl;
  return f;
}
const ref = { file: 'settings.py', line: 12, snippet: 'SECURE_SSL_REDIRECT = True' };

function withApps(config: string, apps: FrameworkFacts[]): Facts {
  const facts = factsFromText(config);
  facts.frameworks.push(...apps);
  return facts;
}

function loopEvidence(facts: Facts, check: typeof forwardedProtoMissing): string[] {
  return check
    .run(facts)
    .flatMap((f) => f.evidence)
    .filter((e) => /loops \(ERR_TOO_MANY_REDIRECTS\)/.test(e.note ?? ''))
    .map((e) => `${e.file}:${e.line}`);
}

describe('redirect-loop evidence', () => {
  const cases: {
    name: string;
    config: string;
    apps: FrameworkFacts[];
    check?: typeof forwardedProtoMissing;
    expect: string[];
  }[] = [
    {
      name: 'SECURE_SSL_REDIRECT = True: the loop is shown where it is turned on',
      config: TLS_NO_XFP,
      apps: [django({ value: true, origin: 'literal', ref })],
      expect: ['settings.py:12'],
    },
    {
      name: "decided by the environment (env.bool(..., default=True), = is_prod): shown, as production's setting",
      config: TLS_NO_XFP,
      apps: [django({ value: false, origin: 'env', ref, envVar: 'DJANGO_ENV' })],
      expect: ['settings.py:12'],
    },
    {
      name: 'scheme-behind-tls-terminator: $scheme behind a balancer loops the same way',
      config: BEHIND_LB,
      apps: [django({ value: true, origin: 'literal', ref })],
      check: schemeBehindTlsTerminator,
      expect: ['settings.py:12'],
    },
    // valid (no evidence)
    {
      name: 'trap: SECURE_SSL_REDIRECT = False',
      config: TLS_NO_XFP,
      apps: [django({ value: false, origin: 'literal', ref })],
      expect: [],
    },
    {
      name: "trap: Django's default (off)",
      config: TLS_NO_XFP,
      apps: [django({ value: false, origin: 'default', ref })],
      expect: [],
    },
    {
      name: 'trap: two frameworks in the tree: which one this upstream is, is not known',
      config: TLS_NO_XFP,
      apps: [django({ value: true, origin: 'literal', ref }), django(undefined, 'flask')],
      expect: [],
    },
    {
      name: 'trap: an internal location (no browser reaches it, info): no loop to show',
      config: INTERNAL,
      apps: [django({ value: true, origin: 'literal', ref })],
      expect: [],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(loopEvidence(withApps(c.config, c.apps), c.check ?? forwardedProtoMissing), c.expect);
    });
  }
});
