/**
 * traefik/forwarded-headers-insecure: `forwardedHeaders.insecure=true` on an entrypoint. Traefik then
 * keeps every incoming X-Forwarded-* from any client: on an entrypoint the internet reaches, a client
 * claims https, any host and any IP. Also Traefik 1.x's default: a 1.x entrypoint without `forwardedHeaders` is
 * insecure (the collector records it with `origin: 'default'`), unless it only redirects (nothing reaches a backend).
 */
import { frontName } from '../../collectors/front/fronts.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import type { TraefikEntryPoint } from '../../model/proxy.js';
import { ev } from '../proxy/common.js';
import { TRAEFIK_DOCS } from './common.js';

const meta: CheckMeta = {
  id: 'traefik/forwarded-headers-insecure',
  severity: 'high',
  title: 'A Traefik entrypoint trusts forwarded headers from everyone',
  summary: 'forwardedHeaders.insecure keeps client-sent X-Forwarded-Proto/-For/-Host: spoofable scheme, host and client IP.',
  references: [TRAEFIK_DOCS.forwardedHeaders],
};

/**
 * The line that sets `insecure`, rewritten to set `trustedIPs` instead in the same syntax and place: a TOML key
 * (`insecure = true`, `forwardedHeaders.insecure = true`), a YAML key, a CLI flag
 * (`--entrypoints.web.forwardedheaders.insecure[=true]`) or an environment variable (`..._INSECURE=true`).
 * Undefined when the line is not one of these (the fix is then advice).
 */
export function trustedIpsInstead(text: string): string | undefined {
  const m = /^(.*?)insecure(\s*)(?:([:=])(\s*)(["']?)(?:true|1)\5)?(.*)$/i.exec(text.trim());
  if (!m) return undefined;
  const [, pre = '', sp1 = '', sep, sp2 = '', , rest = ''] = m;
  // An environment variable keeps its own spacing; a key is written in the usual `k = v` / `k: v` form.
  if (/TRAEFIK_[A-Z0-9_]*_$/.test(pre))
    return sep === '=' || sep === ':' ? `${pre}TRUSTEDIPS${sp1}${sep}${sp2}"<the proxy subnet>"${rest}` : undefined;
  if (/(?:^|[\s"'=[,-])--[A-Za-z]/.test(pre) && /\.$/.test(pre)) return `${pre}trustedIPs=<the proxy subnet>${rest}`;
  if (sep === ':') return `${pre}trustedIPs: ["<the proxy subnet>"]${rest}`;
  if (sep === '=') return `${pre}trustedIPs = ["<the proxy subnet>"]${rest}`;
  return undefined;
}

export const traefikForwardedHeadersInsecure: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    const front = (facts.fronts ?? []).find((f) => f.name !== 'none');
    for (const p of facts.proxies ?? [])
      for (const ep of p.traefik?.entryPoints ?? []) {
        const v1 = p.assumedVersion === '1.x';
        if (v1 && (ep.forwardedHeaders?.ref.origin === 'default' || (ep.forwardedHeaders && !ep.forwardedHeaders.insecure))) {
          // Nothing reaches a backend through an entrypoint that redirects every request.
          if (!p.sites.find((s) => s.id === `traefik:${p.file}:${ep.name}`)?.redirectsToHttps)
            out.push(v1Trust(meta, ep, front?.name));
          continue;
        }
        if (!ep.forwardedHeaders?.insecure) continue;
        // The line that says `insecure`, rewritten in place; the table line alone when that line is unknown.
        const at = ep.forwardedHeaders.insecureRef ?? ep.forwardedHeaders.ref;
        const text = facts.sources.get(at.file)?.[at.line - 1];
        const instead = text !== undefined ? trustedIpsInstead(text) : undefined;
        out.push(
          finding(meta, {
            severity: front ? 'medium' : 'high',
            message: `entrypoint ${ep.name} sets forwardedHeaders.insecure: Traefik keeps X-Forwarded-* from any peer${front ? ` (a ${frontName(front)} front is declared; only safe if nothing else can connect)` : ', so any client that reaches it picks its scheme, host and IP'}`,
            evidence: [ev(at, 'insecure = true')],
            why: 'With insecure, Traefik skips its trusted-IP test and forwards whatever X-Forwarded-* the client sent. Apps that trust Traefik then believe forged values.',
            fix: instead
              ? {
                  description: front
                    ? 'List the proxy in front instead: forwardedHeaders.trustedIPs.'
                    : 'List the proxy in front instead (forwardedHeaders.trustedIPs); with no proxy in front, delete the insecure line.',
                  file: at.file,
                  line: at.line,
                  lines: [instead],
                  placement: 'replace',
                }
              : {
                  description: `List the proxy in front instead of insecure: entryPoints.${ep.name}.forwardedHeaders.trustedIPs = [its subnet] (${at.file}:${at.line}).`,
                },
          }),
        );
      }
    return out;
  },
};

/**
 * A Traefik 1.x entrypoint without `forwardedHeaders` (1.4-1.7 make it `insecure`: configuration.go
 * `SetEffectiveConfiguration`), or with `trustedIPs`, which 1.x also tests against every X-Forwarded-For entry
 * (server/header_rewriter.go: `whitelist.NewIP(trustedIPs, insecure, true)`, `IsAuthorized` accepts a listed address
 * found there): either way a client's own X-Forwarded-* is kept. No 1.x setting closes it (an empty list with
 * `insecure = false` fails the frontend: "no white list provided"), so the fix is advice: Traefik 2.x, whose
 * forwardedHeaders test only the connection's address.
 */
function v1Trust(m: CheckMeta, ep: TraefikEntryPoint, front: string | undefined): Finding {
  const listed = ep.forwardedHeaders && ep.forwardedHeaders.ref.origin !== 'default' ? ep.forwardedHeaders : undefined;
  return finding(m, {
    severity: front || listed ? 'medium' : 'high',
    message: listed
      ? `Traefik 1.x entrypoint ${ep.name}: forwardedHeaders.trustedIPs is also satisfied by a client-sent X-Forwarded-For naming a listed address, so any client can keep its own X-Forwarded-Proto/-Host`
      : `Traefik 1.x entrypoint ${ep.name} has no forwardedHeaders: 1.x then keeps X-Forwarded-* from any peer${front ? ` (a ${front} front is declared; only safe if nothing else can connect)` : ', so any client that reaches it picks its scheme, host and IP'}`,
    evidence: [
      listed
        ? ev(listed.ref, 'forwardedHeaders.trustedIPs (Traefik 1.x also matches X-Forwarded-For entries)')
        : ev(ep.ref, 'entrypoint without forwardedHeaders (Traefik 1.x default: insecure)'),
    ],
    why: listed
      ? "Traefik 1.x's header rewriter trusts a request when the connection's address OR any X-Forwarded-For entry is in trustedIPs (whitelist.IsAuthorized with useXForwardedFor), so a client that sends X-Forwarded-For: <a listed address> has its X-Forwarded-Proto and -Host kept."
      : 'Traefik 1.4-1.7 give an entrypoint without a forwardedHeaders section ForwardedHeaders{Insecure: true} (2.0 reversed the default): its header rewriter keeps whatever X-Forwarded-Proto, -Host and -For the client sent. Apps that trust Traefik then believe forged values.',
    fix: {
      description: `Move to Traefik 2.x (its forwardedHeaders.trustedIPs test only the connection's address)${front ? ', listing the proxy in front on this entrypoint' : ''}; in 1.x no setting of entryPoints.${ep.name} refuses a forged X-Forwarded-For, and an empty trustedIPs with insecure = false fails the frontend ("no white list provided"). Meanwhile make sure only the proxy in front can connect to this entrypoint (${ep.ref.file}:${ep.ref.line}).`,
    },
  });
}
