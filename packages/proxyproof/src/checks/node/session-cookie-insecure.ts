/**
 * node/session-cookie-insecure: the deployment turns the session cookie's Secure flag off
 * (`if (conf.get('force_insecure_cookies')) sessionOpts.cookie.secure = false`, the switch set in the deployment's
 * config file) on a site that is served over https (a TLS-ending front or proxy in the files). The cookie then
 * travels with any plain-http request to the host. It is usually a workaround for the cookie that was "never set"
 * behind the proxy (node/secure-cookie-never-set); trusting the proxy (`trust proxy`, express-session `proxy: true`)
 * is the fix that keeps Secure.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Evidence, Finding, Fix } from '../../model/finding.js';
import { coverSentence, hstsCover } from '../appserver/hsts-cover.js';
import { evidenceOf, proxyContext, sessionCookieReach } from './common.js';
import { SESSION_REFS } from './secure-cookie-never-set.js';

const meta: CheckMeta = {
  id: 'node/session-cookie-insecure',
  severity: 'low',
  title: "The deployment turns the session cookie's Secure flag off on an https site",
  summary:
    'A switch in the deployment (force_insecure_cookies and the like) sets the session cookie secure: false although TLS ends in front of the app: the session cookie is sent over plain http too.',
  references: [SESSION_REFS.expressSessionDocs, SESSION_REFS.expressSession, SESSION_REFS.koaSession],
};

/** The switch's line in the config file, turned off in its own syntax (`key = true` -> `key = false`). */
function switchFix(facts: Facts, file: string, line: number): Fix | undefined {
  const text = facts.sources.get(file)?.[line - 1];
  if (text === undefined) return undefined;
  const m = /^(\s*["']?[\w.-]+["']?\s*[:=]\s*)(true|"true"|'true')(\s*,?\s*(#.*)?)$/.exec(text);
  if (!m) return undefined;
  const v = m[2] === 'true' ? 'false' : m[2]?.replace('true', 'false');
  return {
    description:
      'Turn the switch off so the session cookie keeps Secure; behind the proxy, trust it (trust proxy / express-session proxy: true) so the app knows the request was https.',
    file,
    line,
    placement: 'replace',
    lines: [`${m[1]}${v}${m[3]}`],
  };
}

export const sessionCookieInsecure: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const fw of facts.frameworks) {
      const off = fw.settings['session.secureForcedOff'];
      if (!off?.ref) continue;
      const ctx = proxyContext(facts, fw);
      const tls = ctx.front?.evidence ?? ctx.https ?? ctx.peers.find((p) => p.tls)?.evidence;
      if (!tls) continue;
      const evidence: Evidence[] = [evidenceOf(off.ref, off.note ?? 'turns the Secure flag off')];
      evidence.push(tls);
      // HSTS on every HTTPS route keeps the cookie off plain http (hsts-cover.ts): said at info.
      const cover = hstsCover(facts, [sessionCookieReach(fw)]);
      if (cover.covered) evidence.push(...cover.evidence);
      out.push(
        finding(meta, {
          ...(cover.covered ? { severity: 'info' as const } : {}),
          message: `${String(fw.settings.session?.value ?? 'the session middleware')} in ${fw.file}: ${off.note ?? 'the session cookie is not Secure'}, while TLS ends in front of the app: ${cover.covered ? coverSentence(cover) : 'the session cookie is also sent with plain-http requests to this host'}.`,
          evidence,
          why: 'A cookie without Secure is sent over http:// as well: one plain request (a typed URL, an http:// link before a redirect) exposes the session. The flag is normally turned off because the cookie was never set behind the proxy; trusting the proxy fixes that and keeps Secure.',
          fix: switchFix(facts, off.ref.file, off.ref.line) ?? {
            description: 'Remove the switch that sets secure: false; trust the proxy instead so the Secure cookie is set.',
            file: off.ref.file,
            line: off.ref.line,
          },
          data: { framework: fw.kind },
        }),
      );
    }
    return out;
  },
};
