/**
 * django/forwarded-host-trusted: USE_X_FORWARDED_HOST = True makes Django's host (absolute URLs,
 * password-reset links, ALLOWED_HOSTS check) come from X-Forwarded-Host. Safe only when the proxy
 * sets or strips that header and nothing else can reach the app; the chain check (doctor) decides.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding, Severity } from '../../model/finding.js';
import { nginxFeeds } from '../app/common.js';
import { REFS } from '../appserver/common.js';
import { describeBind, ev, serversFor } from '../appserver/context.js';
import { djangoApps } from './common.js';

const meta: CheckMeta = {
  id: 'django/forwarded-host-trusted',
  severity: 'medium',
  title: 'Django takes the host from X-Forwarded-Host (USE_X_FORWARDED_HOST = True)',
  summary: 'USE_X_FORWARDED_HOST = True: safe only if the proxy sets or strips X-Forwarded-Host and only it reaches the app.',
  references: [
    REFS.djangoForwardedHost,
    'https://docs.djangoproject.com/en/stable/topics/security/#host-headers-virtual-hosting',
  ],
};

export const forwardedHostTrusted: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const fw of djangoApps(facts)) {
      if (fw.useForwardedHost?.value !== true) continue;
      const servers = serversFor(facts, fw);
      const open = servers.flatMap((s) => s.binds.filter((b) => b.reach === 'network').map((b) => ({ s, b })));
      const wildcard = (fw.allowedHosts?.value ?? []).includes('*');
      let severity: Severity = meta.severity;
      const notes: string[] = [];
      if (open.length > 0) {
        severity = 'high';
        notes.push(
          `${open[0]?.s.kind} listens on ${describeBind(open[0]?.b as never)}, reachable without the proxy, so any client can send X-Forwarded-Host`,
        );
      }
      if (wildcard) {
        severity = 'high';
        notes.push("ALLOWED_HOSTS contains '*', so no host is rejected");
      }
      // nginx overwrites X-Forwarded-Host (with a value of its own, not the client's) on every route to the app, and
      // only it can reach the app: Django's host is then the browser's Host as nginx saw it (ALLOWED_HOSTS applies).
      const feeds = nginxFeeds(
        facts,
        servers.flatMap((s) => s.binds),
      );
      const setByProxy =
        open.length === 0 &&
        !wildcard &&
        feeds.length > 0 &&
        feeds.every((f) => !f.uncertain && f.forwardedHost !== '' && !/\$http_x_forwarded_host\b/i.test(f.forwardedHost));
      if (setByProxy) {
        severity = 'info';
        notes.push(
          `nginx sets it on every route to the app (${feeds[0]?.scope.file}:${feeds[0]?.scope.line}) and only nginx reaches the app`,
        );
      }
      const evidence = [ev(fw.useForwardedHost.ref, 'USE_X_FORWARDED_HOST = True')];
      if (setByProxy) for (const f of feeds.slice(0, 3)) evidence.push(f.scope);
      if (open[0])
        evidence.push(ev(open[0].b.published?.ref ?? open[0].b.ref ?? open[0].s.launch, 'the app server is reachable directly'));
      if (wildcard) evidence.push(ev(fw.allowedHosts?.ref, "ALLOWED_HOSTS = ['*']"));
      out.push(
        finding(meta, {
          severity,
          message: `Django builds absolute URLs from X-Forwarded-Host${notes.length ? `: ${notes.join('; ')}` : '; make sure the proxy sets or clears it on every request'}`,
          evidence,
          why: 'With USE_X_FORWARDED_HOST, request.get_host() is the X-Forwarded-Host header. If a client can supply it (a proxy that passes it through, or a directly reachable app port), it controls the host in password-reset e-mails, redirects and build_absolute_uri() — host header poisoning, limited only by ALLOWED_HOSTS.',
          fix: {
            description:
              'Keep it only if the proxy sets X-Forwarded-Host itself (proxy_set_header X-Forwarded-Host $host;) and only the proxy can reach the app; otherwise remove it and let the proxy pass Host.',
            file: fw.useForwardedHost.ref?.file,
            line: fw.useForwardedHost.ref?.line,
            lines: ['# USE_X_FORWARDED_HOST = True  (only with a proxy that sets X-Forwarded-Host)'],
          },
          data: {
            chain: 'proxy must set or strip X-Forwarded-Host',
            directlyReachable: open.length > 0,
            allowedHostsWildcard: wildcard,
          },
        }),
      );
    }
    return out;
  },
};
