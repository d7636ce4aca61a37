/**
 * django/csrf-trusted-origins-scheme: CSRF_TRUSTED_ORIGINS entries in the wrong form for the Django
 * version (4.0+ needs scheme://host, 3.2 and older need a bare host), or http:// on an HTTPS site.
 */

import { versionAtLeast } from '../../collectors/python/versions.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts, SourceRef, Valued } from '../../model/facts.js';
import type { Finding, Fix } from '../../model/finding.js';
import { REFS } from '../appserver/common.js';
import { ev, httpsEvidence } from '../appserver/context.js';
import { djangoApps } from './common.js';

const meta: CheckMeta = {
  id: 'django/csrf-trusted-origins-scheme',
  severity: 'medium',
  title: 'CSRF_TRUSTED_ORIGINS entries in the wrong form for this Django version or site scheme',
  summary: 'Django 4.0+ needs "https://host" entries (3.2 needs bare hosts); http:// origins never match an HTTPS site.',
  references: [REFS.djangoCsrfOrigins, REFS.django40Release],
};

/**
 * Where the deployment sets a setting the settings read from the environment (`os.environ.get("X", ...)`, django-environ):
 * the app servers' env lines (an env file's `X=...`, compose `environment:`) whose value holds every entry the
 * setting was read as, one per distinct line. Empty when the value is the code's default.
 */
function deploymentLines(facts: Facts, envVar: string, entries: string[]): Array<{ ref: SourceRef; raw: string }> {
  const out: Array<{ ref: SourceRef; raw: string }> = [];
  for (const s of facts.appServers) {
    const v = s.env[envVar];
    if (!v?.ref || v.origin === 'unknown' || !entries.every((x) => v.value.includes(x))) continue;
    const ref = v.ref;
    if (!out.some((o) => o.ref.file === ref.file && o.ref.line === ref.line)) out.push({ ref, raw: v.value });
  }
  return out;
}

/**
 * The fix for a setting read from the environment: the deployment's line, with each entry replaced in place (its
 * separators and quoting kept), when every such line holds the value once; else the advice to set the variable there.
 */
function envFix(
  facts: Facts,
  o: Valued<string[]>,
  entries: string[],
  fixed: string[],
  description: string,
  mechanical: boolean,
): Fix {
  const envVar = o.envVar as string;
  const lines = deploymentLines(facts, envVar, entries);
  const edits = lines.map(({ ref, raw }) => {
    const text = facts.sources.get(ref.file)?.[ref.line - 1];
    if (text === undefined || text.indexOf(raw) < 0 || text.indexOf(raw) !== text.lastIndexOf(raw)) return undefined;
    let at = 0;
    let value = raw;
    entries.forEach((x, i) => {
      const k = value.indexOf(x, at);
      if (k < 0) return;
      value = value.slice(0, k) + (fixed[i] as string) + value.slice(k + x.length);
      at = k + (fixed[i] as string).length;
    });
    return { file: ref.file, line: ref.line, lines: [text.replace(raw, value)], placement: 'replace' as const };
  });
  const where = lines.map((l) => `${l.ref.file}:${l.ref.line}`).join(', ');
  if (edits.length > 0 && edits.every((e) => e !== undefined)) {
    const [first, ...rest] = edits as NonNullable<(typeof edits)[number]>[];
    const text = `${description} ${envVar} comes from the deployment (${where}): change it there, not the settings line that reads it.`;
    if (!first) return { description: text };
    // Not mechanical (the entries' form only suggests the Django version): the place and the line, not a patch.
    if (!mechanical) return { description: text, file: first.file, line: first.line, lines: first.lines };
    return { description: text, ...first, ...(rest.length > 0 ? { also: rest } : {}) };
  }
  return {
    description: `${description} The settings read ${envVar} from the environment: set it ${where ? `where the deployment does (${where})` : "in the deployment's environment (env file or compose environment:), which the code's default stands in for"} to ${fixed.map((x) => JSON.stringify(x)).join(', ')}.`,
  };
}

export const csrfTrustedOriginsScheme: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    const https = httpsEvidence(facts);
    for (const fw of djangoApps(facts)) {
      const o = fw.csrfTrustedOrigins;
      if (!o || o.origin === 'default' || o.origin === 'unknown') continue;
      const pinnedV4 = versionAtLeast(fw.assumedVersion, 4, 0);
      const version = fw.assumedVersion ?? 'unknown';
      const pinned = fw.settings.__versionNote?.origin === 'literal';
      // Unpinned: the entries' own form tells which version they were written for; only bare hosts are flagged.
      const v4 = pinned ? pinnedV4 : undefined;
      // An empty entry is what `os.environ.get('X', '').split(' ')` gives when X is unset: it matches no origin
      // and names no host to put a scheme on, so it is not an entry of the wrong form.
      const entries = o.value.filter((x) => x !== '');
      if (entries.length === 0) continue;
      const problems: string[] = [];
      const noScheme = entries.filter((x) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(x) && x !== '<unknown>');
      const withScheme = entries.filter((x) => /^[a-z][a-z0-9+.-]*:\/\//i.test(x));
      const plain = entries.filter((x) => /^http:\/\//i.test(x));
      if (v4 !== false && noScheme.length > 0)
        problems.push(
          pinned
            ? `${noScheme.map((x) => JSON.stringify(x)).join(', ')} ha${noScheme.length > 1 ? 've' : 's'} no scheme: Django ${version} requires "https://host" since 4.0 (system check 4_0.E001) and never matches a bare host`
            : `${noScheme.map((x) => JSON.stringify(x)).join(', ')} ha${noScheme.length > 1 ? 've' : 's'} no scheme: valid only before Django 4.0 (the version is not pinned in the linted files); 4.0+ requires "https://host" (system check 4_0.E001)`,
        );
      if (v4 === false && pinned && withScheme.length > 0)
        problems.push(
          `${withScheme.map((x) => JSON.stringify(x)).join(', ')} include${withScheme.length > 1 ? '' : 's'} a scheme, but Django ${version}${pinned ? '' : ' (assumed: Debian 12, pin Django to be sure)'} compares bare hosts before 4.0`,
        );
      if (https && plain.length > 0)
        problems.push(
          `${plain.map((x) => JSON.stringify(x)).join(', ')} ${plain.length > 1 ? 'are' : 'is'} http:// while the site is served over HTTPS: browsers send Origin: https://..., which an http:// entry never matches`,
        );
      if (problems.length === 0) continue;
      const evidence = [ev(o.ref, 'CSRF_TRUSTED_ORIGINS set here')];
      if (https && plain.length > 0) evidence.push(https);
      const fixed = entries.map((x) =>
        v4 === false
          ? x.replace(/^[a-z]+:\/\//i, '')
          : /^[a-z][a-z0-9+.-]*:\/\//i.test(x)
            ? x.replace(/^http:/i, https ? 'https:' : 'http:')
            : `https://${x}`,
      );
      const description =
        v4 === false ? 'Before Django 4.0 list bare hosts.' : 'List full origins with the scheme the browser uses.';
      out.push(
        finding(meta, {
          message: problems.join('; '),
          evidence,
          why: 'CsrfViewMiddleware compares the Origin (and, over HTTPS, the Referer) of unsafe requests with CSRF_TRUSTED_ORIGINS. Entries in the wrong form never match, so cross-origin form posts and admin logins through another host name fail with 403 "Origin checking failed".',
          // A value read from the environment is fixed where the deployment sets it: replacing the settings line
          // with a literal would drop the variable every other deployment sets.
          fix:
            o.origin === 'env' && o.envVar
              ? envFix(facts, o, entries, fixed, description, pinned || noScheme.length === 0)
              : {
                  description,
                  file: o.ref?.file,
                  line: o.ref?.line,
                  lines: [`CSRF_TRUSTED_ORIGINS = [${fixed.map((x) => JSON.stringify(x)).join(', ')}]`],
                  ...(o.origin === 'literal' && o.ref && (pinned || noScheme.length === 0)
                    ? { placement: 'replace' as const }
                    : {}),
                },
          data: { version, pinned },
        }),
      );
    }
    return out;
  },
};
