/**
 * front/trust-list-omits-front: a cloud load balancer or CDN with documented source ranges (Google's front ends
 * 130.211.0.0/22 and 35.191.0.0/16; Cloudflare's published IPv4 and IPv6 lists) connects to the app, and the app's
 * trusted-proxy setting (`trusted_proxy_ip`, `TRUSTED_PROXIES`... in Helm values, a ConfigMap or container env)
 * leaves out one or more of them (the front connects from any of its ranges). The app then takes the front for the client: every request shares the front's addresses (rate
 * limits, audit logs), and apps that cross-check X-Forwarded-For against the peer (Rails' IP spoofing
 * check, which Mastodon turns into an error) reject requests. A Terraform `templatefile()` variable is
 * followed to the expression it is bound to; a value we cannot see is never judged.
 */
import { rangeCovered } from '../../chain/addr.js';
import { FRONTS } from '../../collectors/front/fronts.js';
import { bindingFor } from '../../collectors/front/terraform.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Evidence, Finding } from '../../model/finding.js';
import { ev } from '../proxy/common.js';

const meta: CheckMeta = {
  id: 'front/trust-list-omits-front',
  severity: 'high',
  title: "The app's trusted proxies leave out the load balancer that connects to it",
  summary:
    "A cloud load balancer connects from its documented ranges, and the app's trusted-proxy list leaves out one or more of them: the app sees the load balancer as the client.",
  references: [
    'https://cloud.google.com/load-balancing/docs/https#source-ip-addresses',
    'https://cloud.google.com/load-balancing/docs/https#x-forwarded-for_header',
    'https://api.rubyonrails.org/classes/ActionDispatch/RemoteIp.html',
    'https://www.cloudflare.com/ips-v4',
    'https://www.cloudflare.com/ips-v6',
  ],
};

/** Whose addresses the app sees as its clients', by front (the fronts with published ranges). */
const FRONT_OWNER: Partial<Record<string, string>> = { 'gcp-lb': 'a Google', cloudflare: 'a Cloudflare' };

/** One entry of the list: a literal address/range, a Terraform expression it is bound to, or unknown. */
type Part = { kind: 'literal'; text: string } | { kind: 'bound'; expr: string; ev: Evidence } | { kind: 'unknown' };

const PLACEHOLDER = /^(?:\$\{([A-Za-z_][\w]*)\}|__tpl_([A-Za-z0-9_]+)__)$/;

export function trustParts(raw: string, file: string, bindings: Parameters<typeof bindingFor>[0]): Part[] {
  const out: Part[] = [];
  for (const word of raw.split(/[\s,]+/).filter(Boolean)) {
    const m = PLACEHOLDER.exec(word);
    if (!m) {
      out.push(/\$\{|__tpl_|\{\{/.test(word) ? { kind: 'unknown' } : { kind: 'literal', text: word });
      continue;
    }
    const b = bindingFor(bindings, file, (m[1] ?? m[2]) as string);
    if (!b) {
      out.push({ kind: 'unknown' });
      continue;
    }
    const lit = /^"([^"$]*)"$/.exec(b.expr);
    if (lit) for (const t of (lit[1] as string).split(/[\s,]+/).filter(Boolean)) out.push({ kind: 'literal', text: t });
    else if (/\$\{|"/.test(b.expr)) out.push({ kind: 'unknown' });
    else out.push({ kind: 'bound', expr: b.expr, ev: ev(b.ref, `${m[1] ?? m[2]} is ${b.expr}`) });
  }
  return out;
}

export const frontTrustListOmitsFront: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    const fronts = (facts.fronts ?? []).filter((f) => f.ranges.length > 0 && f.sends.length > 0);
    if (fronts.length === 0) return out;
    for (const list of facts.kube?.trustLists ?? []) {
      const parts = trustParts(list.raw, list.ref.file, facts.templateBindings);
      if (parts.length === 0 || parts.some((p) => p.kind === 'unknown')) continue;
      const literals = parts.flatMap((p) => (p.kind === 'literal' ? [p.text] : []));
      if (literals.some((t) => t === '*' || /^(0\.0\.0\.0|::)\/0$/.test(t))) continue;
      for (const f of fronts) {
        // The front connects from any of its ranges (Cloudflare's edge from each of its 22): one left out is a share of
        // the requests whose peer the app does not trust, so every range must be covered, not any one of them.
        const missing = f.ranges.filter((r) => !rangeCovered(r, literals));
        if (missing.length === 0) continue;
        const partial = missing.length < f.ranges.length;
        const bound = parts.flatMap((p) => (p.kind === 'bound' ? [p] : []));
        const trusts = [...literals, ...bound.map((b) => b.expr)].join(', ');
        out.push(
          finding(meta, {
            message: partial
              ? `${list.key} trusts ${trusts}, which covers only ${f.ranges.length - missing.length} of the ${f.ranges.length} ranges ${FRONTS[f.name].what} connects to the app from; it leaves out ${missing.join(' and ')}: for requests arriving from those, the app takes the ${f.name === 'cloudflare' ? 'Cloudflare edge' : 'load balancer'} for the client (apps that check X-Forwarded-For against the peer reject them)`
              : `${list.key} trusts ${trusts}, but ${FRONTS[f.name].what} connects to the app from ${f.ranges.join(' and ')}: the app takes the ${f.name === 'cloudflare' ? 'Cloudflare edge' : 'load balancer'} for the client (every request from ${FRONT_OWNER[f.name] ?? "the provider's"} address; apps that check X-Forwarded-For against the peer reject requests)`,
            evidence: [
              ev(list.ref, `trusted proxies: ${trusts}`),
              ...bound.map((b) => b.ev),
              ...f.evidence.map((r) => ev(r, f.why)),
            ],
            why: `The load balancer opens its own connection to the backend, from ${f.ranges.join(', ')}; the address the client connected to (the load balancer's public IP) appears only inside X-Forwarded-For. An app that trusts only that public IP never trusts the actual peer, so it ignores the forwarded client address.`,
            fix: {
              description: `Add the load balancer's source ranges to ${list.key}: ${missing.join(',')} (keep the load balancer's own address, which it appends to X-Forwarded-For).`,
              file: list.ref.file,
              line: list.valueAt.line,
              lines: [`${list.valueAt.key}: ${list.raw},${missing.join(',')}`],
              placement: 'replace',
            },
            data: { front: f.name, missing },
          }),
        );
      }
    }
    return out;
  },
};
