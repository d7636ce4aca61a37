/**
 * proxy/client-ip-leftmost-spoofable: the edge proxy appends the client address to the X-Forwarded-For the
 * client sent (Apache mod_proxy_http, HAProxy `option forwardfor`, nginx `$proxy_add_x_forwarded_for`), and the
 * app behind it takes the LEFT-most entry (Synapse's `x_forwarded`, MinIO's source IP). The left-most entry is then whatever the
 * client wrote: any client can pick its own address (rate limits, IP bans, audit logs).
 * Runs on every proxy's neutral sites, nginx's included (facts/proxy-configs.ts): no nginx check says this.
 */
import { isLoopbackHost, isWildcardHost } from '../../chain/addr.js';
import { proxyConfigs } from '../../facts/proxy-configs.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Finding, Fix } from '../../model/finding.js';
import type { ForwardedForReader, ProxyConfigFacts, ProxySite } from '../../model/proxy.js';
import { ev, PROXY_DOCS } from './common.js';

const meta: CheckMeta = {
  id: 'proxy/client-ip-leftmost-spoofable',
  severity: 'medium',
  title: 'The app takes the left-most X-Forwarded-For entry, which the edge proxy lets the client write',
  summary:
    "The edge proxy appends to the client's own X-Forwarded-For and the app reads the left-most entry: clients choose their address.",
  references: [
    PROXY_DOCS.apacheProxyHeaders,
    'https://github.com/element-hq/synapse/blob/develop/synapse/http/site.py',
    'https://github.com/minio/minio/blob/master/internal/handlers/proxy.go',
    'https://element-hq.github.io/synapse/latest/reverse_proxy.html',
  ],
};

type Rule = ProxySite['routes'][number]['headers'][number];

/** The rule that appends to the client's own X-Forwarded-For, when no earlier rule removed or replaced it. */
function appendsClientValue(rules: Rule[]): Rule | undefined {
  let fromClient = true;
  let last: Rule | undefined;
  for (const r of rules) {
    if (r.name.toLowerCase() !== 'x-forwarded-for') continue;
    if (r.value !== null && (r.append || /\{xff_append\}/.test(r.value))) last = r;
    else {
      // Removed, or replaced by the proxy's own value: what follows no longer carries the client's list.
      fromClient = false;
      last = undefined;
    }
  }
  return fromClient ? last : undefined;
}

function reaches(reader: ForwardedForReader, host: string, port: number): boolean {
  if (port !== reader.port) return false;
  // A compose service's app: the proxy names its service (or an alias) as the upstream host.
  if (reader.serviceNames?.includes(host)) return true;
  if (!isLoopbackHost(host)) return false;
  return reader.hosts.length === 0 || reader.hosts.some((h) => isLoopbackHost(h) || isWildcardHost(h));
}

/** nginx: the one-line `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;` of the tree, replaced in place. */
const NGINX_APPEND = /^\s*proxy_set_header\s+X-Forwarded-For\s+["']?\$proxy_add_x_forwarded_for["']?\s*;\s*(#.*)?$/i;

function fixFor(facts: Facts, p: ProxyConfigFacts, site: ProxySite, rule: Rule, reader: ForwardedForReader): Fix {
  if (p.kind === 'nginx') {
    // Only a line of the server's own files: an included params file (proxy_params, /etc/nginx's or a snippet
    // other servers include too) is not this site's to rewrite.
    const own = rule.ref.origin === 'literal' && (rule.from === 'route' || rule.from === 'inherited');
    const line = own ? facts.sources.get(rule.ref.file)?.[rule.ref.line - 1] : undefined;
    if (line !== undefined && NGINX_APPEND.test(line))
      return {
        description: `Send the peer address nginx sees instead of appending it to the list the client sent${reader.app === 'Synapse' ? " (what Synapse's reverse-proxy docs configure)" : ''}, so the left-most entry is the client's real address.`,
        file: rule.ref.file,
        line: rule.ref.line,
        lines: ['proxy_set_header X-Forwarded-For $remote_addr;'],
        placement: 'replace',
      };
    return {
      description:
        'Replace `$proxy_add_x_forwarded_for` with `$remote_addr` in the proxy_set_header X-Forwarded-For line this route sends (written in an included params file, or not a one-line statement), or make the app take the right-most untrusted entry.',
    };
  }
  if (p.kind === 'apache')
    return {
      description:
        "Drop the client's X-Forwarded-For before mod_proxy adds the real peer (RequestHeader runs before the proxy handler), so the app's left-most entry is the client's address.",
      file: site.ref.file,
      line: site.ref.line,
      lines: ['RequestHeader unset X-Forwarded-For'],
      placement: 'after',
    };
  return {
    description:
      'Replace X-Forwarded-For with the peer address at this edge proxy instead of appending (or make the app take the right-most untrusted entry).',
  };
}

export const proxyClientIpLeftmostSpoofable: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    const readers = facts.forwardedForReaders ?? [];
    if (readers.length === 0) return out;
    const fronted = (facts.fronts ?? []).some((f) => f.name !== 'none');
    for (const p of proxyConfigs(facts)) {
      for (const site of p.sites) {
        // The edge: it trusts no peer's forwarded headers and nothing is known in front of it (a front in the tree,
        // or the site's own signs of one: nginx real_ip / proxy_protocol).
        if (site.mode !== 'http' || site.trust.mode === 'list' || site.trust.mode === 'all' || fronted) continue;
        if (site.frontEvidence?.length) continue;
        for (const route of site.routes) {
          const rule = appendsClientValue(route.headers);
          const up = route.upstreams[0]?.address;
          if (!rule || !up || up.kind !== 'tcp') continue;
          const reader = readers.find((r) => reaches(r, up.host, up.port));
          if (!reader) continue;
          out.push(
            finding(meta, {
              message: `${site.label} appends the client address to the X-Forwarded-For the client sent, and ${reader.app} (${up.host}:${up.port}) takes the left-most entry: a client that sends "X-Forwarded-For: 1.2.3.4" is seen as 1.2.3.4`,
              evidence: [
                ev(site.ref, 'edge: the client connects here'),
                ev(rule.ref, 'appends to the incoming X-Forwarded-For'),
                ev(reader.ref, `${reader.app} takes the left-most X-Forwarded-For entry`),
              ],
              why: `An appending proxy leaves the client's own list in front: "<what the client wrote>, <real address>". ${reader.app} believes the first entry (${reader.source}).`,
              fix: fixFor(facts, p, site, rule, reader),
            }),
          );
          break;
        }
      }
    }
    return out;
  },
};
