/**
 * apache/vhost-never-used: a `<VirtualHost *:*>` (or `<VirtualHost *>`) in a file whose other
 * vhosts name the concrete ports. httpd picks the vhost set by the best address:port match first
 * (docs "An In-Depth Discussion of Virtual Host Matching": an exact IP:port or *:port set wins over
 * the *:* wildcard), so the catch-all never serves those ports and its directives — typically the
 * `RequestHeader set X-Forwarded-Proto` meant for every site — never apply.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Evidence, Finding } from '../../model/finding.js';
import { ev, PROXY_DOCS, setSchemeLine } from '../proxy/common.js';
import { sendsInvalidScheme } from '../proxy/forwarded-proto-invalid.js';

const meta: CheckMeta = {
  id: 'apache/vhost-never-used',
  severity: 'high',
  title: 'An Apache <VirtualHost *:*> never serves a request: its headers are dead config',
  summary:
    'A wildcard-port vhost loses to the vhosts that name the port; directives written there (RequestHeader X-Forwarded-Proto...) apply to no proxied request.',
  references: [PROXY_DOCS.apacheVhostMatching, PROXY_DOCS.apacheProxyHeaders],
};

export const apacheVhostNeverUsed: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const p of facts.proxies ?? []) {
      const vhosts = p.apache?.vhosts ?? [];
      for (const v of vhosts) {
        const wildcard = v.addrs.every((a) => /^(\*|_default_)(:\*)?$/.test(a));
        if (!wildcard || v.proxies) continue;
        const others = vhosts.filter((o) => o !== v && o.addrs.some((a) => /:\d+$/.test(a)));
        if (others.length === 0) continue;
        const serving = others.filter((o) => o.proxies);
        // Harmless once every vhost that proxies carries the same header rules itself (the fix copies them there).
        const covered = (o: (typeof vhosts)[number]) =>
          v.headerRules.every((r) => o.headerRules.some((x) => x.name.toLowerCase() === r.name.toLowerCase()));
        if (v.headerRules.length > 0 && serving.length > 0 && serving.every(covered)) continue;
        const evidence: Evidence[] = [ev(v.ref, 'matches only ports no other vhost names')];
        for (const r of v.headerRules) evidence.push(ev(r.ref, 'never applied'));
        for (const o of serving) {
          const hasScheme = o.headerRules.some((r) => /^x-forwarded-proto$/i.test(r.name));
          evidence.push(ev(o.ref, hasScheme ? 'serves the requests' : 'serves the requests, without these headers'));
        }
        out.push(
          finding(meta, {
            message: `<VirtualHost ${v.addrs.join(' ')}> never serves a request: ${others.map((o) => `<VirtualHost ${o.addrs.join(' ')}>`).join(', ')} name the ports, so ${v.headerRules.length ? `its ${v.headerRules.map((r) => r.name).join(', ')} rule${v.headerRules.length > 1 ? 's' : ''} reach${v.headerRules.length > 1 ? '' : 'es'} no proxied request` : 'its directives apply to nothing'}`,
            evidence,
            why: 'Apache first selects the vhosts whose address and port match the connection best; *:* is only used for ports no other vhost lists. Headers written in the catch-all are therefore missing from every request the real sites proxy.',
            fix: {
              description: 'Move the directives into the <VirtualHost> that proxies (or to the server level, outside any vhost).',
              file: serving[0]?.ref.file ?? v.ref.file,
              line: serving[0]?.ref.line ?? v.ref.line,
              // A rule proxy/forwarded-proto-invalid reports (`expr=%{REQUEST_SCHEME}s`) is copied corrected, so the
              // two fixes agree and a second run changes nothing.
              lines: v.headerRules
                .map((r) => (sendsInvalidScheme(r) ? setSchemeLine(p.kind, false) : (r.ref.snippet ?? '')))
                .filter(Boolean),
              placement: 'after',
            },
          }),
        );
      }
    }
    return out;
  },
};
