/**
 * apache/remoteip-trusts-everyone: `RemoteIPHeader` without `RemoteIPTrustedProxy` /
 * `RemoteIPInternalProxy`. mod_remoteip then treats every peer as a trusted proxy ("If no
 * RemoteIPInternalProxy or RemoteIPTrustedProxy directive is given, all hosts are trusted" — the
 * module's own behaviour in modules/metadata/mod_remoteip.c: an empty proxymatch list accepts any
 * peer), so any client chooses its own address for logs, `Require ip` and the backend.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { ev, PROXY_DOCS } from '../proxy/common.js';

const meta: CheckMeta = {
  id: 'apache/remoteip-trusts-everyone',
  severity: 'high',
  title: 'mod_remoteip takes the client address from a header every client can send',
  summary:
    'RemoteIPHeader without RemoteIPTrustedProxy/RemoteIPInternalProxy trusts the header from any peer: the client address is spoofable.',
  references: [PROXY_DOCS.apacheRemoteIp],
};

export const apacheRemoteIpTrustsEveryone: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const p of facts.proxies ?? []) {
      for (const r of p.apache?.remoteIp ?? []) {
        if (r.trusted.length > 0) continue;
        const key = `${r.ref.file}:${r.ref.line}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(
          finding(meta, {
            message: `RemoteIPHeader ${r.header} with no RemoteIPTrustedProxy or RemoteIPInternalProxy: Apache takes the client address from ${r.header} whoever sends it, so any client chooses its own IP (and the real peer is dropped from what the backend sees)`,
            evidence: [ev(r.ref, 'no trusted proxy list')],
            why: 'mod_remoteip replaces the connection address with the one in the header only for peers it trusts; with no list it trusts every peer. Access rules (Require ip), logs, rate limits and the X-Forwarded-For mod_proxy sends upstream then carry an address the client picked.',
            fix: {
              description:
                'List the proxies allowed to set the header (the load balancer addresses), or remove RemoteIPHeader on a site the internet reaches directly.',
              file: r.ref.file,
              line: r.ref.line,
              lines: ['RemoteIPTrustedProxy 10.0.0.0/8'],
              placement: 'after',
            },
          }),
        );
      }
    }
    return out;
  },
};
