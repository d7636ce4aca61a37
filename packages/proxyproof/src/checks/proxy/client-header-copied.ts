/**
 * proxy/client-header-copied: a header rule copies a header the client controls into a forwarding
 * header (`header_up X-Real-IP {http.request.header.X-Real-IP}`, `http-request set-header
 * X-Forwarded-Proto %[req.hdr(x-forwarded-proto)]`, `RequestHeader set X-Forwarded-Proto
 * expr=%{HTTP:X-Forwarded-Proto}`). On a site the internet reaches, the client then chooses the
 * value the app trusts. A proxy's trusted_proxies does not gate such rules (Caddy applies header_up
 * after its own logic).
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding, Severity } from '../../model/finding.js';
import { ev, everySite, fedByOwnSites, PROXY_DOCS } from './common.js';

const meta: CheckMeta = {
  id: 'proxy/client-header-copied',
  severity: 'medium',
  title: 'The proxy copies a client-controlled header into a forwarding header',
  summary:
    'A header rule forwards a value read from the incoming request: whoever connects chooses the scheme, host or client address the app trusts.',
  references: [PROXY_DOCS.caddyHeaderUp, PROXY_DOCS.haproxySetHeader, PROXY_DOCS.apacheRequestHeader],
};

const FORWARDING = /^(x-forwarded-(proto|for|host|port|ssl|scheme)|x-real-ip|forwarded|x-client-ip|true-client-ip|x-scheme)$/i;
const SCHEME = /^(x-forwarded-(proto|ssl|scheme)|x-scheme|forwarded)$/i;

export const proxyClientHeaderCopied: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const { config, site } of everySite(facts)) {
      if (site.mode !== 'http') continue;
      for (const route of site.routes)
        for (const r of route.headers) {
          // `{in:` first: most rules copy nothing from the request (and a default rule never does).
          if (r.value === null || !r.value.includes('{in:') || !FORWARDING.test(r.name)) continue;
          const reads = [...r.value.matchAll(/\{in:([^}]+)\}/g)].map((m) => m[1] as string);
          if (reads.length === 0) continue;
          // Only this config's own sites reach the site, and each sets every header copied here: no client chooses it.
          if (reads.every((n) => fedByOwnSites(config, site, n))) continue;
          const key = `${r.ref.file}:${r.ref.line}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const severity: Severity = SCHEME.test(r.name) ? 'medium' : 'low';
          out.push(
            finding(meta, {
              severity,
              message: `${site.label} sends ${r.name} copied from the request's own ${reads.join(', ')} header: any client that reaches it chooses the value${config.kind === 'caddy' ? " (header_up runs after Caddy's trusted_proxies logic and is not gated by it)" : ''}`,
              evidence: [ev(r.ref, `copies the incoming ${reads[0]}`)],
              why: 'A header copied from the incoming request is whatever the client sent. Unless every peer of this site is a proxy that overwrites that header, the app trusts a value an attacker picked: a forged client IP defeats bans and rate limits, a forged scheme or host poisons redirects and links.',
              fix: {
                description:
                  config.kind === 'caddy'
                    ? "Drop the header_up line: Caddy sets X-Forwarded-For/-Proto/-Host itself and keeps incoming values only from trusted_proxies; use {client_ip} for the client's address."
                    : 'Set the header from the connection (the peer address, the connection scheme) instead of copying it from the request.',
                file: r.ref.file,
                line: r.ref.line,
                lines:
                  config.kind === 'caddy'
                    ? [
                        `header_up ${r.name} ${SCHEME.test(r.name) ? '{scheme}' : /host/i.test(r.name) ? '{host}' : '{client_ip}'}`,
                      ]
                    : undefined,
                placement: config.kind === 'caddy' ? 'replace' : undefined,
              },
              data: { proxy: config.kind, site: site.id, reads },
            }),
          );
        }
    }
    return out;
  },
};
