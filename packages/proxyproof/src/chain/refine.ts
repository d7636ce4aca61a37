/**
 * Per-layer findings refined by the chain verdict. A layer check sees one file; the chain knows
 * whether its finding matters here: a missing SECURE_PROXY_SSL_HEADER is harmless while gunicorn
 * on 127.0.0.1 trusts nginx's header, and the cause once the proxy sits in another container.
 * Refinement never deletes a finding: it adjusts severity and says why in `data.chain`.
 */

import type { Facts } from '../model/facts.js';
import { type Evidence, type Finding, type Severity, severityRank } from '../model/finding.js';
import type { ChainAnalysis } from './analyze.js';
import { proxyById } from './model.js';

/** Layer findings about the app not learning the scheme from the proxy. */
const SCHEME_SOURCE =
  /ssl-redirect-without-scheme-source|proxy-ssl-header-missing|proxy-not-trusted|proxy-headers-off|proxyfix-missing|trust-proxy-unset|forwarded-proto-missing|proxy-header-inheritance|forwarded-headers-off-behind-l7|scheme-behind-tls-terminator|uwsgi-scheme-missing|fastcgi-https-missing|origin-check-fails|sveltekit\/origin-http/;
/** Layer findings about trusting forwarded headers from anyone / exposing the backend. */
const SPOOF =
  /forwarded-allow-all|trust-proxy-all|backend-port-published|forwarded-proto-client-controlled|forwarded-host-trusted|proxy-headers-all/;

function lower(_s: Severity): Severity {
  return 'info';
}

/**
 * A published app port no proxy of the tree reaches, while the tree's proxies reach other app servers and nothing
 * says a proxy outside the files sits in front of it (compose `outsideProxy` signs): a stand-alone stack (a
 * development compose file running the image with its own command), so no proxy is bypassed there.
 */
function standAlonePublished(f: Finding, a: ChainAnalysis, facts: Facts | undefined): boolean {
  if (f.id !== 'deploy/backend-port-published' || typeof f.data?.appServer !== 'number' || !facts) return false;
  const index = f.data.appServer;
  const s = facts.appServers[index];
  if (!s?.service || s.launch.via !== 'compose' || s.platform) return false;
  const linked = new Set(a.topology.links.flatMap((l) => (l.target.kind === 'app' ? [l.target.appId] : [])));
  if (linked.has(`app:${index}`) || linked.size === 0) return false;
  const svc = facts.compose?.files.flatMap((c) => c.services).find((x) => x.name === s.service && x.file === s.launch.file);
  return Boolean(svc && !svc.outsideProxy?.length);
}

export function refineFindings(findings: Finding[], a: ChainAnalysis, facts?: Facts): Finding[] {
  const routes = a.verdict.routes;
  // Routes whose app's belief is known: a `delivered` route (https arrives at an app the chain could not link) is
  // the app's to decide, so it neither confirms nor clears a scheme finding elsewhere.
  const known = routes.filter((r) => r.scheme.status === 'correct' || r.scheme.status === 'lost');
  const allCorrect = known.length > 0 && known.every((r) => r.scheme.status === 'correct');
  const lostLabels = new Set(routes.flatMap((r) => (r.scheme.lostAt ? [r.scheme.lostAt.label] : [])));
  // The app's own https redirect looping (a proxy's redirect loop is the proxy's, not SECURE_SSL_REDIRECT's).
  const loopRoute = routes.find((r) => r.redirect?.loop && r.redirect.by !== 'proxy');
  const anyLoop = loopRoute !== undefined;
  const loopText = loopRoute?.redirect
    ? `; with ${loopRoute.redirect.setting ?? "the app's https redirect"} this is a redirect loop${loopRoute.redirect.paths ? ` on ${loopRoute.redirect.paths.join(' and ')}` : ''}`
    : '';
  const spoofs = [
    ...a.verdict.backends.flatMap((b) => (b.spoof ? [b.spoof] : [])),
    ...a.verdict.entrySpoofs,
    ...routes.flatMap((r) => r.spoofable),
  ];
  const robust = a.plan.fixes.some((f) => f.kind === 'robustness');
  // Every lost route is lost at an app whose own setting fixes the scheme (an http:// SvelteKit ORIGIN): what a proxy
  // sends or omits changes nothing there, so a proxy-side scheme finding is not the cause.
  const ownLosses = known.filter((r) => r.scheme.status === 'lost');
  const ownOnly =
    ownLosses.length > 0 &&
    ownLosses.every((r) => r.scheme.lostAt && r.trace.steps[r.scheme.lostAt.step]?.schemeOwnSetting === true);
  // Every route that loses the scheme is one no browser reaches (nginx `internal`, allow/deny of loopback only):
  // chain/scheme-lost and nginx/forwarded-proto-missing say info there, and so does the app-side finding on the loss.
  const lostRestricted = ownLosses.map((r) => proxyById(a.topology, r.hopId)?.routes.find((x) => x.id === r.routeId)?.restricted);
  const allLostRestricted = lostRestricted.length > 0 && lostRestricted.every((x) => x !== undefined);
  const ownPlaces = new Set(ownLosses.flatMap((r) => (r.scheme.lostAt?.ref ? [at(r.scheme.lostAt.ref)] : [])));
  return findings.map((f) => {
    if (f.id.startsWith('chain/')) return f;
    if (SCHEME_SOURCE.test(f.id)) {
      if (allCorrect) {
        const note = robust
          ? "harmless in this chain today: the app server trusts the proxy's header from loopback by default; it becomes the cause once the proxy moves to another host or container (see chain/fragile-trust)"
          : 'harmless in this chain: the chain verdict shows the app believes https';
        return {
          ...f,
          severity: lower(f.severity),
          message: `${f.message}\n(chain: ${note})`,
          data: { ...f.data, chain: 'harmless' },
        };
      }
      if (ownOnly && !anyLoop && ![...places(f)].some((p) => ownPlaces.has(p))) {
        const cause = ownLosses[0]?.scheme.lostAt;
        return {
          ...f,
          severity: lower(f.severity),
          message: `${f.message}
(chain: not the cause here: ${cause?.reason ?? "the app's own setting decides the scheme"})`,
          data: { ...f.data, chain: 'harmless' },
        };
      }
      if (known.length > 0) {
        const cause = [...lostLabels].join(', ');
        const restricted = allLostRestricted && !anyLoop;
        const sev: Severity = /ssl-redirect/.test(f.id) && anyLoop ? 'critical' : restricted ? 'info' : f.severity;
        return {
          ...f,
          severity: sev,
          message: `${f.message}\n(chain: the scheme is lost at ${cause || 'a hop'}${loopText}${restricted ? `, only on ${lostRestricted.length === 1 ? 'a route' : 'routes'} no browser reaches (nginx \`internal\`, or allow/deny of loopback clients only)` : ''})`,
          data: { ...f.data, chain: 'confirmed' },
        };
      }
      return f;
    }
    if (SPOOF.test(f.id)) {
      if (standAlonePublished(f, a, facts))
        return {
          ...f,
          severity: 'info',
          message: `${f.message}\n(chain: no proxy of these files reaches this server, they reach another one; nothing says a proxy sits in front of this stack, so the published port is its own entry, not a way around a proxy)`,
          data: { ...f.data, chain: 'stand-alone' },
        };
      if (spoofs.length > 0)
        return {
          ...f,
          message: `${f.message}\n(chain: confirmed — ${spoofs[0]?.what.join(', ')} spoofable from ${spoofs[0]?.from})`,
          data: { ...f.data, chain: 'confirmed' },
        };
      if (known.length > 0)
        return {
          ...f,
          message: `${f.message}\n(chain: no forged header was believed in the simulation)`,
          data: { ...f.data, chain: 'not-spoofable' },
        };
    }
    return f;
  });
}

/** Layer findings about the host the app builds URLs with. */
const HOST = /host-port-lost|host-lost|preserve-host|host-header/;

type Cause = 'scheme' | 'spoof' | 'host';

const CHAIN_CAUSE: Record<string, Cause> = {
  'chain/scheme-lost': 'scheme',
  'chain/spoofable-backend': 'spoof',
  'chain/host-lost': 'host',
};

/**
 * Layer findings about a proxy's own trust of the proxy in front (Caddy's trusted_proxies, a Traefik entrypoint's
 * forwardedHeaders): the scheme lost at that hop for want of trust is theirs (LostAt.trustRef). Not SCHEME_SOURCE:
 * they are not "harmless" when the scheme survives, the client address is lost all the same.
 */
const TRUST_SETTING = /caddy\/trusted-proxies-missing|traefik\/entrypoint-untrusted-behind-proxy/;

/**
 * A finding that only describes what a lost scheme does to the app (its cookie sent without Secure): merged with the
 * loss as one more "same cause", never its headline — the headline is the place where the scheme is lost.
 */
function isConsequence(f: Finding): boolean {
  return f.id === 'app/secure-cookie-never-set' && (f.data?.mode === 'auto' || f.data?.mode === 'skipped');
}

function causeOf(f: Finding): Cause | undefined {
  if (f.id.startsWith('chain/')) return CHAIN_CAUSE[f.id];
  // A scheme header written with underscores (`X_Forwarded_Proto`) is why the scheme is lost at that location: its
  // replacement is the fix (a wrong value or a misspelling beside a right header is not a loss, so not these).
  if (f.id === 'nginx/scheme-header-value' && f.data?.underscore === true && f.severity === 'high') return 'scheme';
  if (SCHEME_SOURCE.test(f.id) || TRUST_SETTING.test(f.id)) return 'scheme';
  // A session cookie whose Secure follows the request's scheme is one more consequence of that scheme's loss.
  if (isConsequence(f)) return 'scheme';
  if (SPOOF.test(f.id)) return 'spoof';
  if (HOST.test(f.id)) return 'host';
  return undefined;
}

const at = (e: { file: string; line: number }) => `${e.file}:${e.line}`;

function places(f: Finding): Set<string> {
  return new Set(f.evidence.filter((e) => e.line > 0).map(at));
}

/**
 * The merged finding's one fix: the headline's when it writes at the place the chain's planned fix does (it keeps
 * the file's indentation and says insert or replace), else the chain's (simulated on the whole chain).
 */
function pickFix(head: Finding, c: Finding): Finding['fix'] {
  const h = head.fix;
  const p = c.fix;
  // A mechanical fix of the layer check (it knows the file's syntax and says insert or replace) is the one
  // `fix` can apply; the chain's planned edit is only used when the headline has none.
  if (head !== c && isMechanical(h)) return h;
  if (!p?.lines?.length) return h ?? p;
  if (h?.lines?.length && h.file === p.file && h.line === p.line) return h;
  return p;
}

function isMechanical(f: Finding['fix']): f is NonNullable<Finding['fix']> {
  return Boolean(f?.file && f.line !== undefined && f.lines?.length && f.placement);
}

function sameEdit(a: Finding['fix'], b: Finding['fix']): boolean {
  return (
    Boolean(a && b) &&
    a?.file === b?.file &&
    a?.line === b?.line &&
    a?.placement === b?.placement &&
    JSON.stringify(a?.lines) === JSON.stringify(b?.lines)
  );
}

/** The refinement's own "(chain: ...)" note, dropped when the chain's message is attached in full. */
const REFINE_NOTE = /\n\(chain: [^\n]*\)$/;

/**
 * The merged headline (a layer finding with its chain explanation) that chain finding `c` repeats: a headline that
 * took in several copies of its own layer finding at one place (one launch line several app servers share: the
 * same service in alternative compose files, each its own stack), the same kind of loss, `c`'s first place is one
 * of the headline's places, and the same fix (or neither has one). Routes of one stack lost at one server stay
 * findings of their own (each names its route).
 */
function sameLossHeadline(out: Finding[], c: Finding, cause: Cause): number | undefined {
  const first = c.evidence[0];
  if (!first || first.line <= 0) return undefined;
  const copies = (o: Finding) =>
    Array.isArray(o.data?.merged) ? (o.data.merged as Array<{ id?: string }>).filter((m) => m.id === o.id).length : 0;
  const i = out.findIndex(
    (o) =>
      copies(o) >= 2 &&
      causeOf(o) === cause &&
      places(o).has(at(first)) &&
      (sameEdit(o.fix, c.fix) || (!o.fix?.lines?.length && !c.fix?.lines?.length)),
  );
  return i >= 0 ? i : undefined;
}

/** Chain finding `c` folded into headline `out[i]`: its evidence joins, its route is named once, same severity or higher. */
function foldInto(out: Finding[], i: number, c: Finding): void {
  const o = out[i] as Finding;
  const evidence = [...o.evidence];
  const seenAt = new Set(evidence.map(at));
  for (const e of c.evidence) {
    if (e.line > 0 && seenAt.has(at(e))) continue;
    seenAt.add(at(e));
    evidence.push(e);
  }
  const merged = Array.isArray(o.data?.merged) ? (o.data.merged as unknown[]) : [];
  out[i] = {
    ...o,
    severity: severityRank(c.severity) > severityRank(o.severity) ? c.severity : o.severity,
    message: `${o.message}\nsame cause: ${c.id}: ${c.message.split('\n')[0]}`,
    evidence,
    data: {
      ...o.data,
      merged: [...merged, { id: c.id, severity: c.severity, at: c.evidence[0] ? at(c.evidence[0]) : null }],
    },
  };
}

/**
 * One root cause, one headline. A chain finding (the scheme lost, a spoofable backend, the host lost) and the
 * layer findings that describe the same loss at the same place (a location of the layer finding is one of the
 * chain finding's evidence places, for the same kind of loss) become one finding: the layer finding at the place
 * where it goes wrong is the headline (its id, docs and message), the chain is its explanation (appended to the
 * message, `data.chainFinding`), the severity is the highest of them, the evidence is their union, and there is
 * one fix (pickFix). Findings of different causes or
 * different places are never merged.
 */
export function mergeRootCauses(layer: Finding[], chain: Finding[]): Finding[] {
  const consumed = new Set<Finding>();
  const out: Finding[] = [];
  for (const c of chain) {
    const cause = causeOf(c);
    const where = places(c);
    const related = cause
      ? layer.filter(
          (l) => !consumed.has(l) && causeOf(l) === cause && l.severity !== 'info' && [...places(l)].some((p) => where.has(p)),
        )
      : [];
    // The chain's fix names a place but is only a plan ("do not publish port 3000", at compose.yaml:23, no insert or
    // replace): a layer finding of the same cause whose mechanical edit is at that very line is that change written
    // out. It is related even when the chain's evidence does not cite the line, becomes the one fix, and joins the
    // headline instead of standing beside it as a second headline for the same cause.
    const plan = c.fix;
    const concrete =
      cause && plan?.file && plan.line !== undefined && !(plan.lines?.length && plan.placement)
        ? layer.find(
            (l) =>
              !consumed.has(l) &&
              causeOf(l) === cause &&
              l.severity !== 'info' &&
              isMechanical(l.fix) &&
              l.fix.file === plan.file &&
              l.fix.line === plan.line,
          )
        : undefined;
    if (concrete && !related.includes(concrete)) related.push(concrete);
    if (related.length === 0) {
      // The same loss on another route (an alternative compose file's stack, a second host name) at the place an
      // earlier headline already names, with the same fix: one root cause, one headline.
      const into = cause ? sameLossHeadline(out, c, cause) : undefined;
      if (into !== undefined) foldInto(out, into, c);
      else out.push(c);
      continue;
    }
    const primary = c.evidence[0] ? at(c.evidence[0]) : '';
    // A layer finding about the forged host alone (app/forwarded-host-trusted: its fix is the app's host allow-list)
    // heads a spoof only when the host is all that is forged; with a forged scheme or client too, the chain's finding
    // and its fix (bind, unpublish, overwrite the headers) lead and the host finding is its "same cause".
    const what = (c.data?.what as string[] | undefined) ?? [];
    // A consequence of the loss (a cookie sent without Secure) is named under the loss, never the headline of it.
    const canHead = (l: Finding) => !isConsequence(l) && (l.data?.hostOnly !== true || what.every((w) => w === 'host'));
    // A scheme lost for want of trust names the setting that decides it (LostAt.trustRef): a layer check about that
    // setting (its first place), with its mechanical edit there, heads when the chain offers no edit of its own.
    // It comes before a finding that only names the loss's place among others (the app's own trust setting, a later
    // hop: a second cause, which keeps its own fix below).
    const trustRef = (c.data?.lostAt as { trustRef?: Evidence } | undefined)?.trustRef;
    const byTrust =
      trustRef && !isMechanical(c.fix) ? related.find((l) => isMechanical(l.fix) && places(l).has(at(trustRef))) : undefined;
    const head =
      related.find((l) => canHead(l) && l.evidence[0] && at(l.evidence[0]) === primary) ??
      byTrust ??
      related.find((l) => canHead(l) && places(l).has(primary)) ??
      null;
    const base = head ?? c;
    // A related finding whose own mechanical fix is another edit in the same file as the headline's (another
    // location that drops the header, say) stays a finding of its own: merging it would lose a change the loss
    // needs. Consequences in other layers (Django's redirect loop behind nginx's missing header) are merged.
    const planned = pickFix(base, c);
    const headFix = concrete && concrete !== head && !isMechanical(planned) ? concrete.fix : planned;
    // Headed by the hop's trust setting, a related finding with a mechanical edit in another file is another hop's
    // own cause (the app that trusts no proxy behind a Caddy that trusts none): both edits are needed, so it stays.
    const others = related.filter(
      (l) =>
        l !== head &&
        !(isMechanical(l.fix) && l.fix.file === headFix?.file && !sameEdit(l.fix, headFix)) &&
        !(head === byTrust && byTrust !== undefined && isMechanical(l.fix) && l.fix.file !== headFix?.file),
    );
    if (head) consumed.add(head);
    for (const l of others) consumed.add(l);
    if (!head && others.length === 0) {
      out.push(c);
      continue;
    }
    const merged = head ? [head, ...others] : others;
    const evidence = [...base.evidence];
    const seen = new Set(evidence.map((e) => `${at(e)}|${e.note ?? ''}`));
    const seenAt = new Set(evidence.map(at));
    for (const f of head ? [c, ...others] : others)
      for (const e of f.evidence) {
        const k = `${at(e)}|${e.note ?? ''}`;
        if (seen.has(k) || (seenAt.has(at(e)) && e.line > 0)) continue;
        seen.add(k);
        seenAt.add(at(e));
        evidence.push(e);
      }
    const severity = [c, ...merged].reduce(
      (s, f) => (severityRank(f.severity) > severityRank(s) ? f.severity : s),
      base.severity,
    );
    const message = head ? `${head.message.replace(REFINE_NOTE, '')}\nchain: ${c.message}` : c.message;
    // A repeat of the headline itself (the same server launched by several compose files) is not named again.
    const firstLine = (o: Finding) => `${o.id}: ${o.message.replace(REFINE_NOTE, '').split('\n')[0]}`;
    const also = [...new Set(others.map(firstLine))].filter((x) => !head || x !== firstLine(head));
    out.push({
      ...base,
      severity,
      message: also.length ? `${message}\nsame cause: ${also.join('\nsame cause: ')}` : message,
      evidence,
      fix: headFix,
      data: {
        ...base.data,
        ...(head ? { chainFinding: { id: c.id, severity: c.severity, message: c.message, ...(c.data ?? {}) } } : {}),
        merged: merged.map((l) => ({ id: l.id, severity: l.severity, at: l.evidence[0] ? at(l.evidence[0]) : null })),
      },
    });
  }
  pushCopies(
    out,
    layer.filter((l) => !consumed.has(l)),
  );
  return out;
}

/**
 * Layer findings pushed as headlines, each folded into an earlier one that says the same thing at the same place
 * with the same fix: one server launched by one line in several alternative compose stacks (each stack's app server
 * gives its own copy; evidence naming each stack's compose file is kept). The earlier headlines are found through an
 * index by id, severity, first place and message length (a fold keeps all four), not by scanning every earlier finding:
 * the scan was quadratic (11,000 findings at 10,000 nginx servers: a quarter of lint's CPU).
 */
function pushCopies(out: Finding[], layer: Finding[]): void {
  const byKey = new Map<string, number[]>();
  // The message's length, not the message: the test below compares messages, and a key holding the whole message
  // (hundreds of characters, a rope until the map hashes it) was flattened and hashed once per finding.
  const keyOf = (f: Finding, first: Evidence) => `${f.id}\n${f.severity}\n${at(first)}\n${f.message.length}`;
  const note = (i: number) => {
    const o = out[i] as Finding;
    const first = o.evidence[0];
    if (!first) return;
    const k = keyOf(o, first);
    const list = byKey.get(k);
    if (list) list.push(i);
    else byKey.set(k, [i]);
  };
  for (let i = 0; i < out.length; i++) note(i);
  for (const l of layer) {
    const first = l.evidence[0];
    // The first earlier headline (in output order) that l repeats; the key narrows, the test decides.
    const i =
      first && first.line > 0
        ? (byKey.get(keyOf(l, first)) ?? []).find((k) => {
            const o = out[k] as Finding;
            return (
              o.id === l.id &&
              o.message === l.message &&
              o.severity === l.severity &&
              o.evidence[0] !== undefined &&
              at(o.evidence[0]) === at(first) &&
              (sameEdit(o.fix, l.fix) ||
                (o.fix === undefined && l.fix === undefined) ||
                o.fix?.description === l.fix?.description)
            );
          })
        : undefined;
    if (i === undefined) {
      out.push(l);
      note(out.length - 1);
      continue;
    }
    const o = out[i] as Finding;
    const seen = new Set(o.evidence.map((e) => `${at(e)}|${e.note ?? ''}`));
    const copies = Array.isArray(o.data?.merged)
      ? (o.data.merged as unknown[])
      : [{ id: o.id, severity: o.severity, at: at(first as Evidence) }];
    out[i] = {
      ...o,
      evidence: [...o.evidence, ...l.evidence.filter((e) => !seen.has(`${at(e)}|${e.note ?? ''}`))],
      data: { ...o.data, merged: [...copies, { id: l.id, severity: l.severity, at: at(first as Evidence) }] },
    };
  }
}
