/**
 * authjs/untrusted-host: Auth.js (next-auth v5, @auth/express) deployed behind a proxy without `trustHost`.
 * @auth/core's setEnvDefaults does `config.trustHost ??= !!(AUTH_URL ?? AUTH_TRUST_HOST ?? VERCEL ?? CF_PAGES ??
 * NODE_ENV !== "production")`, and assertConfig answers every /api/auth request with `UntrustedHost` while it is
 * false. `next start` and the standalone server.js run with NODE_ENV=production, so a self-hosted deployment
 * (container, Kubernetes, compose) needs AUTH_TRUST_HOST or AUTH_URL (NEXTAUTH_URL alone does not set trustHost).
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts, SourceRef, Valued } from '../../model/facts.js';
import type { Evidence, Finding, Fix, Severity } from '../../model/finding.js';
import { evidenceOf } from './common.js';

export const AUTHJS_REFS = {
  coreEnv: 'https://github.com/nextauthjs/next-auth/blob/main/packages/core/src/lib/utils/env.ts',
  coreAssert: 'https://github.com/nextauthjs/next-auth/blob/main/packages/core/src/lib/utils/assert.ts',
  nextAuthEnv: 'https://github.com/nextauthjs/next-auth/blob/main/packages/next-auth/src/lib/env.ts',
  docs: 'https://authjs.dev/getting-started/deployment#auth_trust_host',
  error: 'https://errors.authjs.dev#untrustedhost',
};

const meta: CheckMeta = {
  id: 'authjs/untrusted-host',
  severity: 'high',
  title: 'Auth.js refuses every request: the host is not trusted in production',
  summary:
    'Auth.js v5 (next-auth 5, @auth/*) trusts the request host only with trustHost, AUTH_TRUST_HOST, AUTH_URL, VERCEL or CF_PAGES, or outside production; self-hosted behind a proxy without them, /api/auth/* fails with UntrustedHost.',
  references: [AUTHJS_REFS.coreEnv, AUTHJS_REFS.coreAssert, AUTHJS_REFS.nextAuthEnv, AUTHJS_REFS.docs],
};

interface Deployment {
  via: string;
  file: string;
  line: number;
  snippet?: string;
  openEnv?: SourceRef;
}

const TRUST_VARS = ['AUTH_URL', 'AUTH_TRUST_HOST', 'VERCEL', 'CF_PAGES'] as const;

function fixFor(facts: Facts, dep: Deployment | undefined): Fix {
  const description =
    'Tell Auth.js to trust the host the proxy forwards (AUTH_TRUST_HOST=true; safe when only the proxy can reach the app) or give it the public URL (AUTH_URL=https://your.site).';
  if (!dep) return { description: `${description} No deployment file was found to put it in.` };
  const lines = facts.sources.get(dep.file) ?? [];
  const text = lines[dep.line - 1] ?? '';
  if (/^\s*env:\s*$/.test(text)) {
    // The next line is the first entry: `- name: X` at the list's indentation.
    const next = lines[dep.line] ?? '';
    const indent = /^(\s*)-\s/.exec(next)?.[1] ?? `${/^\s*/.exec(text)?.[0] ?? ''}  `;
    return {
      description,
      file: dep.file,
      line: dep.line,
      placement: 'after',
      lines: [`${indent}- name: AUTH_TRUST_HOST`, `${indent}  value: "true"`],
    };
  }
  if (/^\s*ENV\s/.test(text) || /^\s*CMD\s/.test(text)) {
    return { description, file: dep.file, line: dep.line, placement: 'after', lines: ['ENV AUTH_TRUST_HOST=true'] };
  }
  return { description, file: dep.file, line: dep.line };
}

export const authjsUntrustedHost: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const fw of facts.frameworks) {
      const auth = fw.settings.authjs;
      if (!auth) continue;
      const th = fw.settings.trustHost as Valued<unknown> | undefined;
      // trustHost written in code: a literal false is the only value we can judge; anything else is the app's decision.
      if (th && !(th.origin === 'literal' && th.value === false)) continue;
      if (TRUST_VARS.some((k) => fw.settings[`env ${k}`] !== undefined)) continue;
      const deployments = (fw.settings.deployments?.value ?? []) as Deployment[];
      // Nothing self-hosted in view (Vercel and Cloudflare Pages set VERCEL / CF_PAGES themselves).
      if (deployments.length === 0) continue;
      const nodeEnv = fw.settings['env NODE_ENV'] as Valued<string> | undefined;
      if (nodeEnv && nodeEnv.value !== 'production') continue;
      const dep = deployments[0] as Deployment;
      const front = fw.settings['front (kubernetes)'];
      const severity: Severity = dep.openEnv ? 'medium' : 'high';
      const evidence: Evidence[] = [
        evidenceOf(
          { file: dep.file, line: dep.line, snippet: dep.snippet },
          `${dep.via}: no AUTH_TRUST_HOST or AUTH_URL in its environment`,
        ),
        evidenceOf(auth.ref, `${String(auth.value)} set up here${th ? '' : ' without trustHost'}`),
      ];
      if (nodeEnv?.ref)
        evidence.push(evidenceOf(nodeEnv.ref, 'NODE_ENV=production: Auth.js no longer trusts the host by default'));
      if (front?.ref) evidence.push(evidenceOf(front.ref, `${String(front.value)}: Auth.js sees the forwarded host`));
      if (dep.openEnv)
        evidence.push(evidenceOf(dep.openEnv, 'envFrom: a ConfigMap/Secret not in view could set AUTH_TRUST_HOST'));
      const nextauthUrl = fw.settings['env NEXTAUTH_URL'];
      out.push(
        finding(meta, {
          severity,
          message: `${String(auth.value)} (${fw.file}) runs in production (${dep.via}) with neither trustHost, AUTH_TRUST_HOST nor AUTH_URL${nextauthUrl ? ' (NEXTAUTH_URL alone does not set trustHost in v5)' : ''}: Auth.js answers every /api/auth/* request with "UntrustedHost: Host must be trusted"${front ? ' behind the TLS-ending route in front' : ''}${dep.openEnv ? ', unless the ConfigMap/Secret loaded with envFrom sets one' : ''}.`,
          evidence,
          why: 'Auth.js builds its callback and redirect URLs from the request (X-Forwarded-Host / Host and X-Forwarded-Proto). It only believes them when trustHost is true, which @auth/core sets from AUTH_URL, AUTH_TRUST_HOST, VERCEL or CF_PAGES, or when NODE_ENV is not production. A self-hosted production build behind a proxy has none of these, so sign-in and session calls fail.',
          fix: fixFor(facts, dep),
          data: { lib: auth.value, deployment: dep.via, envFrom: dep.openEnv !== undefined },
        }),
      );
    }
    return out;
  },
};
