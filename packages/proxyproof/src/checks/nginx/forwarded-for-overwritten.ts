/**
 * nginx/forwarded-for-overwritten (info): `X-Forwarded-For $remote_addr` behind another proxy
 * replaces the chain the front proxy sent with one address.
 */
import { displayFile, frontProxyEvidence, type NginxRef, nginxModel, passingScopes } from '../../facts/nginx/index.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Finding } from '../../model/finding.js';
import { entryEvidence, indentOf, NGINX_DOCS, refsEvidence, scopeName } from './common.js';

const meta: CheckMeta = {
  id: 'nginx/forwarded-for-overwritten',
  severity: 'info',
  title: 'X-Forwarded-For is overwritten with $remote_addr behind another proxy',
  summary: '`X-Forwarded-For $remote_addr` drops the chain of addresses a proxy in front of nginx sent.',
  references: [NGINX_DOCS.proxyAddXff, NGINX_DOCS.realip, NGINX_DOCS.proxyProtocol],
};

function run(facts: Facts): Finding[] {
  const model = nginxModel(facts);
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const server of model.servers) {
    // At the edge $remote_addr is the client and overwriting is the safe choice: nothing to report.
    const front = frontProxyEvidence(server);
    if (front.length === 0) continue;
    const realIpFromProxyProtocol = server.realIp.header?.value === 'proxy_protocol' && server.realIp.from.length > 0;
    const ppWithoutRealIp = server.listens.some((l) => l.proxyProtocol) && server.realIp.from.length === 0;
    for (const scope of passingScopes(server)) {
      if (scope.pass?.kind !== 'proxy') continue;
      const e = scope.headers.proxy.entries.find((x) => x.name.toLowerCase() === 'x-forwarded-for' && x.origin === 'directive');
      if (!e?.ref || (e.value !== '$remote_addr' && e.value !== '$realip_remote_addr')) continue;
      const key = `${server.index}|${e.ref.file}|${e.ref.line}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const ref = e.ref as NginxRef;
      const lostClient = ppWithoutRealIp || e.value === '$realip_remote_addr';
      out.push(
        finding(meta, {
          severity: lostClient ? 'low' : 'info',
          message: lostClient
            ? `${scopeName(facts, server, scope)} sends \`X-Forwarded-For: ${e.value}\`, which is the load balancer's address here` +
              `${ppWithoutRealIp ? ' (PROXY protocol without set_real_ip_from / real_ip_header proxy_protocol)' : ''}: the app logs and rate-limits the balancer, not the client.`
            : `${scopeName(facts, server, scope)} sends \`X-Forwarded-For: ${e.value}\` behind another proxy: ` +
              `the app gets the client address${realIpFromProxyProtocol ? ' from PROXY protocol' : ' realip recovered'} but loses the chain of proxies it came through.`,
          evidence: [
            ...entryEvidence(facts, ref, 'replaces the incoming X-Forwarded-For'),
            ...refsEvidence(facts, front, 'a proxy sits in front of nginx'),
          ],
          why:
            'X-Forwarded-For is a list each proxy appends to. Overwriting it keeps one address: fine for a single hop, but audit logs, rate limits ' +
            'and apps that walk the chain against their trusted-proxy list lose the earlier hops.',
          fix: {
            description:
              "Append to the incoming chain instead; the app must then trust only your proxies' addresses when it reads the list.",
            file: displayFile(facts, ref.file),
            line: ref.line,
            placement: 'replace',
            lines: [`${indentOf(facts, ref)}proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`],
          },
          data: { value: e.value },
        }),
      );
    }
  }
  return out;
}

export const forwardedForOverwritten: Check = { meta, run };
