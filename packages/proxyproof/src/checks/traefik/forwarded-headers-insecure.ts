/**
 * traefik/forwarded-headers-insecure: `forwardedHeaders.insecure=true` on an entrypoint. Traefik then
 * keeps every incoming X-Forwarded-* from any client: on an entrypoint the internet reaches, a client
 * claims https, any host and any IP.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
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
        if (!ep.forwardedHeaders?.insecure) continue;
        // The line that says `insecure`, rewritten in place; the table line alone when that line is unknown.
        const at = ep.forwardedHeaders.insecureRef ?? ep.forwardedHeaders.ref;
        const text = facts.sources.get(at.file)?.[at.line - 1];
        const instead = text !== undefined ? trustedIpsInstead(text) : undefined;
        out.push(
          finding(meta, {
            severity: front ? 'medium' : 'high',
            message: `entrypoint ${ep.name} sets forwardedHeaders.insecure: Traefik keeps X-Forwarded-* from any peer${front ? ` (a ${front.name} front is declared; only safe if nothing else can connect)` : ', so any client that reaches it picks its scheme, host and IP'}`,
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
