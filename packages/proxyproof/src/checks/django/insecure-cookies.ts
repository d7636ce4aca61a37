/**
 * django/insecure-cookies: SESSION_COOKIE_SECURE / CSRF_COOKIE_SECURE off (Django's default) on a
 * site served over HTTPS, so the cookies also travel over plain http.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { FrameworkFacts, SourceRef } from '../../model/facts.js';
import type { Finding, Fix } from '../../model/finding.js';
import { REFS } from '../appserver/common.js';
import { httpsEvidence } from '../appserver/context.js';
import { type CookieReach, coverSentence, hstsCover } from '../appserver/hsts-cover.js';
import { djangoApps, settingEvidence } from './common.js';

const meta: CheckMeta = {
  id: 'django/insecure-cookies',
  severity: 'medium',
  title: 'Session or CSRF cookie without Secure on an HTTPS site',
  summary: 'SESSION_COOKIE_SECURE / CSRF_COOKIE_SECURE are False on a deployment served over HTTPS.',
  references: [REFS.djangoSessionSecure, REFS.djangoCsrfSecure, REFS.djangoDeployChecklist],
};

/** A line in the settings module where a missing cookie setting belongs (next to its siblings). */
function near(fw: FrameworkFacts): SourceRef | undefined {
  for (const n of [
    'SESSION_COOKIE_SECURE',
    'CSRF_COOKIE_SECURE',
    'SECURE_SSL_REDIRECT',
    'SECURE_HSTS_SECONDS',
    'ALLOWED_HOSTS',
  ]) {
    const r = fw.settings[n]?.ref;
    if (r && r.file === fw.file) return r;
  }
  return fw.settings.DEBUG?.ref;
}

/**
 * One edit turns them on: a literal `X = False` line is replaced (with the other setting written below it
 * when that one is unset); unset settings go after their nearest sibling. Values from the environment are
 * left to the person (the variable decides).
 */
function cookieFix(fw: FrameworkFacts, off: Array<[string, { origin: string; ref?: SourceRef }]>): Fix {
  const names = off.map(([n]) => n);
  const base: Fix = {
    description: `Turn on the Secure flag for ${names.length > 1 ? 'both cookies' : 'the cookie'} in the production settings.`,
    file: fw.file,
    lines: names.map((n) => `${n} = True`),
  };
  if (off.some(([, v]) => v.origin !== 'literal' && v.origin !== 'default')) return base;
  const literal = off.filter(([, v]) => v.origin === 'literal' && v.ref?.file === fw.file);
  const unset = off.filter(([, v]) => v.origin === 'default');
  if (literal.length + unset.length !== off.length || literal.length > 1) return base;
  const first = literal[0];
  if (first?.[1].ref)
    return {
      ...base,
      file: first[1].ref.file,
      line: first[1].ref.line,
      placement: 'replace',
      lines: [`${first[0]} = True`, ...unset.map(([n]) => `${n} = True`)],
    };
  const anchor = near(fw);
  if (!anchor || anchor.file !== fw.file) return base;
  return { ...base, file: anchor.file, line: anchor.line, placement: 'after' };
}

/** MIDDLEWARE is a literal list that does not name the middleware (false when MIDDLEWARE is not known). */
function withoutMiddleware(fw: FrameworkFacts, name: string): boolean {
  const m = fw.settings.MIDDLEWARE;
  if (!m || m.origin === 'unknown' || !Array.isArray(m.value)) return false;
  const list = m.value as unknown[];
  if (!list.every((x) => typeof x === 'string')) return false;
  return !list.some((x) => (x as string).endsWith(`.${name}`));
}

/** Django's defaults (django/conf/global_settings.py): SESSION_COOKIE_AGE two weeks, CSRF_COOKIE_AGE 52 weeks. */
const DJANGO_AGE = { SESSION_COOKIE_AGE: 1_209_600, CSRF_COOKIE_AGE: 31_449_600 } as const;

/** A setting's value as the settings say it: undefined when unset, 'unknown' when not a literal. */
function literal(fw: FrameworkFacts, name: string): unknown {
  const v = fw.settings[name];
  if (!v) return undefined;
  if (v.origin !== 'literal' && v.origin !== 'default') return 'unknown';
  return v.value === undefined ? 'unknown' : v.value;
}

/** Lifetime and Domain of the session or CSRF cookie from the settings (Django's defaults when unset). */
function reachOf(fw: FrameworkFacts, setting: string): CookieReach {
  const session = setting === 'SESSION_COOKIE_SECURE';
  const prefix = session ? 'SESSION_COOKIE' : 'CSRF_COOKIE';
  const ageName = `${prefix}_AGE` as keyof typeof DJANGO_AGE;
  const age = literal(fw, ageName);
  const atClose = session ? literal(fw, 'SESSION_EXPIRE_AT_BROWSER_CLOSE') : undefined;
  const domain = literal(fw, `${prefix}_DOMAIN`);
  const lifetime: CookieReach['lifetime'] =
    atClose === true
      ? 'session'
      : atClose === 'unknown'
        ? 'unknown'
        : age === undefined
          ? DJANGO_AGE[ageName]
          : age === null
            ? 'session'
            : typeof age === 'number'
              ? age
              : 'unknown';
  return {
    name: session ? 'the session cookie' : 'the CSRF cookie',
    lifetime,
    ...(domain === undefined || domain === null ? {} : { domain: typeof domain === 'string' ? domain : 'unknown' }),
  };
}

export const insecureCookies: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    const https = httpsEvidence(facts);
    if (!https) return out;
    for (const fw of djangoApps(facts)) {
      const off = [
        ['SESSION_COOKIE_SECURE', fw.sessionCookieSecure],
        ['CSRF_COOKIE_SECURE', fw.csrfCookieSecure],
      ]
        .filter(([, v]) => v && typeof v === 'object' && v.value === false && v.origin !== 'unknown')
        // A cookie the app never sets cannot leak: MIDDLEWARE without SessionMiddleware sets no session cookie,
        // without CsrfViewMiddleware no CSRF cookie (Django sets them from those middlewares only).
        .filter(
          ([n]) => !withoutMiddleware(fw, n === 'SESSION_COOKIE_SECURE' ? 'SessionMiddleware' : 'CsrfViewMiddleware'),
        ) as Array<[string, NonNullable<typeof fw.sessionCookieSecure>]>;
      if (off.length === 0) continue;
      const names = off.map(([n]) => n);
      // HSTS on every HTTPS route keeps a host-only cookie off plain http (see hsts-cover.ts): said at info.
      const cover = hstsCover(
        facts,
        off.map(([n]) => reachOf(fw, n)),
      );
      out.push(
        finding(meta, {
          severity: cover.covered ? 'info' : names.includes('SESSION_COOKIE_SECURE') ? 'medium' : 'low',
          message: cover.covered
            ? `${names.join(' and ')} ${names.length > 1 ? 'are' : 'is'} False on a site served over HTTPS; ${coverSentence(cover)}`
            : `${names.join(' and ')} ${names.length > 1 ? 'are' : 'is'} False on a site served over HTTPS: the ${names.map((n) => (n.startsWith('SESSION') ? 'session' : 'CSRF')).join(' and ')} cookie${names.length > 1 ? 's are' : ' is'} sent over plain http too${!cover.covered && cover.evidence ? ` (HSTS does not prevent it: ${cover.reason})` : ''}`,
          evidence: [
            ...off.map(([n, v]) =>
              settingEvidence(
                fw,
                n,
                v.ref ?? near(fw),
                v.origin === 'env'
                  ? `${n} from ${v.envVar}`
                  : v.origin === 'default'
                    ? `${n} is not set (Django's default False); add it next to this line`
                    : `${n} = False`,
              ),
            ),
            https,
            ...(cover.covered ? cover.evidence : cover.evidence ? [cover.evidence] : []),
          ],
          why: 'A cookie without the Secure flag is also sent on any http:// request to the site (a typed URL, an http link, a hostile network rewriting one), where it can be read or replaced. Django leaves both flags off unless the settings turn them on.',
          fix: cookieFix(fw, off),
          data: cover.covered
            ? { settings: names, mitigatedBy: 'hsts' }
            : { settings: names, ...(cover.evidence ? { hstsNotEnough: cover.reason } : {}) },
        }),
      );
    }
    return out;
  },
};
