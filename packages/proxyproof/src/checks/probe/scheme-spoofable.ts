/**
 * probe/scheme-spoofable: a plain-HTTP request to the backend with a forged X-Forwarded-Proto (and
 * X-Forwarded-Ssl, Front-End-Https, Forwarded proto=) is treated as HTTPS: the redirect to https goes
 * away, redirects or absolute URLs switch to https, or cookies turn Secure.
 */
import type { CheckMeta } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import type { ProbeFacts } from '../../probe/types.js';
import {
  cookieName,
  finding,
  isSecureCookie,
  LOCAL_NOTE,
  localOnly,
  locationOf,
  NOT_MECHANICAL,
  PROBE_REFS,
  type ProbeCheck,
  pair,
  selfUrls,
  sideBySide,
  spoofSeverity,
} from './common.js';

const meta: CheckMeta = {
  id: 'probe/scheme-spoofable',
  severity: 'high',
  title: 'The backend believes a forged X-Forwarded-Proto: https',
  summary:
    'A plain-HTTP request straight to the app with forged scheme headers is treated as HTTPS (redirect gone, https URLs, Secure cookies).',
  references: [
    PROBE_REFS.gunicornForwarded,
    PROBE_REFS.uvicornProxy,
    PROBE_REFS.djangoProxySsl,
    PROBE_REFS.expressTrustProxy,
    PROBE_REFS.rfc7239,
  ],
};

/** What changed towards https between the baseline and the forged response (empty: nothing). */
export function schemeChanges(base: ProbeFacts['exchanges'][number]['response'], forged: typeof base, host: string): string[] {
  if (!base || !forged) return [];
  const out: string[] = [];
  const bl = locationOf(base);
  const fl = locationOf(forged);
  const redirect = (s: number) => s >= 300 && s < 400;
  if (redirect(base.status) && bl && /^https:/i.test(bl) && !(redirect(forged.status) && fl && /^https:/i.test(fl)))
    out.push(`the redirect to ${bl} disappears (HTTP ${base.status} -> ${forged.status})`);
  else if (bl && fl && /^http:/i.test(bl) && /^https:/i.test(fl)) out.push(`the redirect's scheme changes: ${bl} -> ${fl}`);
  const secureBase = new Set(base.setCookies.filter(isSecureCookie).map(cookieName));
  const newlySecure = forged.setCookies.filter((c) => isSecureCookie(c) && !secureBase.has(cookieName(c))).map(cookieName);
  if (newlySecure.length > 0 && base.setCookies.some((c) => newlySecure.includes(cookieName(c))))
    out.push(
      `cookie${newlySecure.length > 1 ? 's' : ''} ${newlySecure.join(', ')} become${newlySecure.length > 1 ? '' : 's'} Secure`,
    );
  const ub = selfUrls(base.body, host);
  const uf = selfUrls(forged.body, host);
  if (ub.http > uf.http && uf.https > ub.https)
    out.push(`absolute URLs in the page switch to https (${ub.http} http:// -> ${uf.http}, ${ub.https} https:// -> ${uf.https})`);
  return out;
}

function run(facts: ProbeFacts): Finding[] {
  const p = pair(facts, 'scheme');
  if (!p) return [];
  const changes = schemeChanges(p.base, p.forged, facts.hostHeader);
  if (changes.length === 0) return [];
  return [
    finding(meta, {
      severity: spoofSeverity(facts, meta.severity),
      message: `${facts.backend}${facts.fromNetns ? ` (from ${facts.fromNetns})` : ''} takes a forged plain-HTTP request for HTTPS: ${changes.join('; ')}.${localOnly(facts) ? LOCAL_NOTE : ''}`,
      evidence: sideBySide(
        facts,
        p,
        changes.some((c) => c.startsWith('absolute URLs')) ? [`https://${facts.hostHeader.replace(/:\d+$/, '')}`] : [],
      ),
      why: "Whoever reaches the app port directly can claim HTTPS: Django's request.is_secure(), SECURE_SSL_REDIRECT, Secure cookies and CSRF referer checks all trust the claim, so the protections that depend on TLS are skipped for a plain-text connection.",
      fix: { description: NOT_MECHANICAL },
      data: { changes, status: [p.base.status, p.forged.status] },
    }),
  ];
}

export const schemeSpoofable: ProbeCheck = { meta, run };
