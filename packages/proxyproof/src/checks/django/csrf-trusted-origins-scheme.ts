/**
 * django/csrf-trusted-origins-scheme: CSRF_TRUSTED_ORIGINS entries in the wrong form for the Django
 * version (4.0+ needs scheme://host, 3.2 and older need a bare host), or http:// on an HTTPS site.
 */

import { versionAtLeast } from '../../collectors/python/versions.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
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
      out.push(
        finding(meta, {
          message: problems.join('; '),
          evidence,
          why: 'CsrfViewMiddleware compares the Origin (and, over HTTPS, the Referer) of unsafe requests with CSRF_TRUSTED_ORIGINS. Entries in the wrong form never match, so cross-origin form posts and admin logins through another host name fail with 403 "Origin checking failed".',
          fix: {
            description:
              v4 === false ? 'Before Django 4.0 list bare hosts.' : 'List full origins with the scheme the browser uses.',
            file: o.ref?.file,
            line: o.ref?.line,
            lines: [`CSRF_TRUSTED_ORIGINS = [${fixed.map((x) => JSON.stringify(x)).join(', ')}]`],
            ...(o.origin === 'literal' && o.ref && (pinned || noScheme.length === 0) ? { placement: 'replace' as const } : {}),
          },
          data: { version, pinned },
        }),
      );
    }
    return out;
  },
};
