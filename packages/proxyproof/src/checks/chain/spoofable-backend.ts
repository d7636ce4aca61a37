import { type AppServer, appById, appByLabel, type Ref } from '../../chain/model.js';
import type { Spoof } from '../../chain/verdict.js';
import type { Check, CheckMeta } from '../../model/check.js';
import { finding } from '../../model/check.js';
import type { Finding, Severity } from '../../model/finding.js';
import { analysis, evidences, fixOf, refText } from './common.js';

export const meta: CheckMeta = {
  id: 'chain/spoofable-backend',
  severity: 'high',
  title: 'Forged X-Forwarded-* headers are believed',
  summary:
    'A request with forged X-Forwarded-Proto/Host/For and Forwarded, sent straight to a reachable backend port or through a proxy that passes them on, changes what the app believes.',
  references: [
    'https://docs.gunicorn.org/en/stable/settings.html#forwarded-allow-ips',
    'https://www.uvicorn.org/settings/#http',
    'https://expressjs.com/en/guide/behind-proxies.html',
    'https://werkzeug.palletsprojects.com/en/stable/middleware/proxy_fix/',
  ],
};

const STEP_DOWN: Record<Severity, Severity> = { critical: 'high', high: 'medium', medium: 'low', low: 'info', info: 'info' };

/**
 * By reach and what is forged. A built-in trust-all that forges the scheme alone (uWSGI: no trust list to narrow, no
 * header turned into the client address) fools the app about the spoofer's own request only, so it is one step below
 * what the same reach gives gunicorn's configured trust-all (`forwarded_allow_ips = *`) — the lead's policy, issue 14.
 */
function severityOf(s: Spoof, builtInTrustAll: boolean): Severity {
  const base: Severity =
    s.reach === 'compose-network'
      ? 'low'
      : s.reach === 'subnet'
        ? 'medium'
        : s.what.includes('scheme') || s.what.includes('host')
          ? 'high'
          : 'medium';
  return builtInTrustAll && s.what.length === 1 && s.what[0] === 'scheme' ? STEP_DOWN[base] : base;
}

/**
 * A trust-all of the scheme that is the software's own default and that no setting narrows: the app server's (uWSGI's
 * `http-socket`: no trust list) or the app end's (Rack's `Request#scheme` reads X-Forwarded-Ssl/-Scheme/-Proto from
 * every peer; Rails' `trusted_proxies` governs `remote_ip` only, rack 2.2.22 `lib/rack/request.rb` `scheme`,
 * `forwarded_scheme`; Next.js keeps x-forwarded-proto from any peer). The client address such an app takes goes
 * through its own trust list, so a forgery of the scheme alone fools it about the forger's own request only.
 */
function builtInSchemeTrust(app: AppServer): boolean {
  const own = app.trusted.origin === 'default' && app.trusted.value.includes('*');
  const end = app.framework?.appEnd?.trustScheme;
  return own || (end !== undefined && end.origin === 'default' && end.value.includes('*'));
}

/**
 * Through a proxy, the hop that lets the client's forged scheme on is where it is stopped (the planned fix
 * overwrites it there) and comes first; the app's trust, often a framework default with no line of its own (Rack
 * believes X-Forwarded-Proto from every peer), follows.
 */
function passedOn(s: Spoof): Array<[Ref | undefined, string]> {
  if (s.via !== 'proxy' || !s.what.includes('scheme')) return [];
  const hop = s.trace.steps.find((x) => (x.kind === 'proxy' || x.kind === 'lb') && x.conveys?.scheme === 'https');
  if (!hop) return [];
  // Passed through unchanged, nothing of the hop's own says so: its route, or its site when the route is written in
  // a file the site includes (an Apache partial shared by :80 and :443), where an overwrite would go.
  const shared = hop.ref && hop.schemeRef && hop.ref.file !== hop.schemeRef.file;
  const at = hop.conveys?.ref ?? (shared ? hop.schemeRef : (hop.ref ?? hop.schemeRef));
  return at ? [[at, `passes the client's own scheme header on here (${hop.label})`]] : [];
}

export const spoofableBackend: Check = {
  meta,
  run(facts) {
    const a = analysis(facts);
    const out: Finding[] = [];
    const spoofs: Spoof[] = [
      ...a.verdict.backends.flatMap((b) => (b.spoof ? [b.spoof] : [])),
      ...a.verdict.entrySpoofs,
      ...a.verdict.routes.flatMap((r) => r.spoofable.filter((s) => s.via === 'proxy')),
    ];
    const seen = new Set<string>();
    for (const s of spoofs) {
      const app = s.trace.steps.find((x) => x.kind === 'app-server');
      const key = `${s.from}|${app?.label}|${s.what.join()}`;
      if (seen.has(key)) continue;
      seen.add(key);
      // A backend that trusts named networks or addresses (not '*') and that only containers/pods on its own network
      // can reach: the trust list is the deliberate narrowing a container network allows (its addresses are assigned
      // at run time), so the residual (another container forging the header) is no finding of its own.
      const appHop = s.trace.appId !== undefined ? appById(a.topology, s.trace.appId) : undefined;
      if (
        s.via === 'direct' &&
        s.reach === 'compose-network' &&
        appHop &&
        appHop.trusted.origin !== 'default' &&
        appHop.trusted.value.length > 0 &&
        !appHop.trusted.value.includes('*')
      )
        continue;
      // The planned change that closes this spoof: one aimed at this backend (bind, unpublish, narrow the trust)
      // for a direct spoof, at this proxy route (overwrite the header) for one through the proxy.
      const entry = a.topology.entries.find((e) => e.id === s.trace.entryId);
      const target = (id: string) => id.slice(id.indexOf(':') + 1);
      const aimed = (id: string) =>
        s.via === 'direct'
          ? s.trace.appId !== undefined &&
            /^(bind|unpublish|narrow|trust-proxy|django-xfh-off):/.test(id) &&
            (target(id) === s.trace.appId || target(id).startsWith(`${s.trace.appId}:`))
          : entry !== undefined && id.startsWith(`nginx-overwrite:${entry.hopId}/`);
      const fix =
        a.plan.fixes.find((f) => f.kind === 'required' && aimed(f.id)) ??
        a.plan.fixes.find((f) => f.kind === 'recommended' && aimed(f.id));
      const last = s.trace.steps[s.trace.steps.length - 1];
      // Scheme only, straight to a port only a compose `ports:` publishes, with no proxy in the files: the deployment
      // puts its own proxy in front (outside these files) and nothing shows the port is public beyond the publish.
      const bind = appHop && s.via === 'direct' ? a.verdict.backends.find((b) => b.spoof === s) : undefined;
      // Through a proxy the trace names the app by its label only.
      const appOf = appHop ?? appByLabel(a.topology, app?.label);
      const builtIn = appOf !== undefined && builtInSchemeTrust(appOf);
      const onlyPublished =
        builtIn &&
        bind !== undefined &&
        a.topology.proxies.length === 0 &&
        appHop?.binds[bind.bindIndex]?.published !== undefined &&
        appHop.placement.kind === 'container';
      // A forged host matters only where something reads it (absolute URLs, password-reset links, host checks). A Node
      // app whose code reads the host nowhere the trust decides it (collectors/node/request-reads.ts) is fooled about
      // nothing it uses: the host is left out of the severity, and the message says which files were searched.
      const reads = appOf?.framework?.requestReads;
      const hostReads = reads?.host.filter((r) => r.via === 'trust') ?? [];
      const hostUnused = s.what.includes('host') && reads !== undefined && reads.files > 0 && hostReads.length === 0;
      const weighed: Spoof = hostUnused ? { ...s, what: s.what.filter((w) => w !== 'host') } : s;
      const asForged: Severity = s.what.length === 1 && s.what[0] === 'scheme' && onlyPublished ? 'info' : severityOf(s, builtIn);
      // Through a front the files only imply, the forged host or client rests on what that front is assumed to do
      // with the client's headers: a lead to check, not a finding of the deployment's own files.
      const severity: Severity =
        weighed.what.length === 0 || s.assumedFront ? 'low' : weighed === s ? asForged : severityOf(weighed, builtIn);
      const frontNote = s.assumedFront
        ? ` That rests on ${s.assumedFront} passing a client's ${s.what.includes('host') ? 'X-Forwarded-Host' : 'X-Forwarded-For'} on (an AWS ALB does; Caddy, Traefik and an nginx that sets it do not): the files do not show which front it is.`
        : '';
      // Said only where it changed the severity (a forged scheme or client keeps its own weight).
      const hostNote =
        hostUnused && severity !== asForged
          ? ` No code in the ${reads.files} source file${reads.files === 1 ? '' : 's'} of the app read here takes the host from the request (req.hostname, request.hostname, ctx.host, ctx.origin, a relative passport callbackURL), so the forged host changes nothing those files build; code outside them or a library that reads it would.`
          : '';
      out.push(
        finding(meta, {
          severity,
          message: `${s.what.join(', ')} spoofable from ${s.from}: a forged request ${s.via === 'direct' ? `straight to ${app?.label ?? 'the backend'}` : 'through the proxy'} makes ${last?.label ?? 'the app'} believe ${[
            s.what.includes('scheme') ? 'https' : '',
            s.what.includes('host') ? `host ${last?.host}` : '',
            s.what.includes('client') ? `client ${last?.client}` : '',
          ]
            .filter(Boolean)
            .join(', ')}${s.ref ? ` (decided at ${refText(s.ref)})` : ''}.${hostNote}${frontNote}`,
          evidence: evidences(facts, [
            ...passedOn(s),
            [s.ref, 'trusts the forged header here'],
            [app?.ref, 'the backend'],
            ...(s.what.includes('host') && hostReads[0]
              ? [
                  [hostReads[0].ref, `the app reads the host here (${hostReads[0].what}): it gets the forged one`] as [
                    Ref,
                    string,
                  ],
                ]
              : []),
          ]),
          why: 'Anyone who can send that request can claim HTTPS (bypassing SECURE_SSL_REDIRECT and Secure-cookie logic), poison absolute URLs such as password-reset links with their host, or forge the client address used for logging, rate limits and allow-lists.',
          fix: fixOf(fix),
          data: { from: s.from, reach: s.reach, via: s.via, what: s.what },
        }),
      );
    }
    return out;
  },
};
