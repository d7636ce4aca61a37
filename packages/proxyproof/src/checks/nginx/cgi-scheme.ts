/**
 * Shared logic of nginx/uwsgi-scheme-missing and nginx/fastcgi-https-missing: a server that ends
 * TLS passes requests to a CGI-style upstream (uwsgi, FastCGI) without any param the application
 * server reads the scheme from.
 */
import { includesThatMayChange, type NginxHeaderEntry, nginxModel, passingScopes, tlsListens } from '../../facts/nginx/index.js';
import { type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Finding } from '../../model/finding.js';
import { addLinesFix, blockEvidence, describePass, fixPlacement, listenEvidence, scopeName } from './common.js';

export interface CgiSchemeSpec {
  kind: 'uwsgi' | 'fastcgi';
  /** Params any of which tells the app the scheme. */
  schemeParams: readonly string[];
  /** The stock params file to include when no params are set at all. */
  stockFile: string;
  /** The lines to add. */
  fixLines: string[];
  /** Lines that also go after the stock include (uwsgi: the client's own X-Forwarded-Proto replaced). */
  clientHeaderLines?: string[];
  why: string;
}

function hasScheme(entries: NginxHeaderEntry[], names: readonly string[]): boolean {
  return entries.some((e) => e.value !== '' && names.some((n) => n.toLowerCase() === e.name.toLowerCase()));
}

export function runCgiScheme(meta: CheckMeta, spec: CgiSchemeSpec, facts: Facts): Finding[] {
  const model = nginxModel(facts);
  const out: Finding[] = [];
  for (const server of model.servers) {
    if (!server.tls) continue;
    for (const scope of passingScopes(server)) {
      if (scope.pass?.kind !== spec.kind) continue;
      const set = scope.headers[spec.kind];
      if (hasScheme(set.entries, spec.schemeParams)) continue;
      if (set.drops.some((d) => hasScheme(d.dropped, spec.schemeParams))) continue; // nginx/proxy-header-inheritance
      if (includesThatMayChange(server, scope, set).length > 0) continue;
      const place = fixPlacement(facts, server, scope, set);
      const none = set.entries.length === 0;
      out.push(
        finding(meta, {
          message:
            `${scopeName(facts, server, scope)} is reached over TLS but passes to ${describePass(scope)} ` +
            (none
              ? `without any ${spec.kind}_param (not even \`include ${spec.stockFile};\`)`
              : `with ${set.entries.length} ${spec.kind}_param line${set.entries.length === 1 ? '' : 's'} but ` +
                (spec.schemeParams.length > 1
                  ? `neither ${spec.schemeParams.slice(0, 2).join(' nor ')}`
                  : `no ${spec.schemeParams[0]}`)) +
            ': the application sees every request as http.',
          evidence: [
            blockEvidence(facts, scope, `passes to ${describePass(scope)}`),
            ...listenEvidence(facts, tlsListens(server), 'TLS ends here'),
          ],
          why: spec.why,
          fix: addLinesFix(
            none
              ? `Include the stock ${spec.stockFile}: it sets HTTPS $https if_not_empty, and the other params the app needs.`
              : `Add the scheme params in ${place.where}, where the other ${spec.kind}_param lines are.`,
            place,
            none ? [`include ${spec.stockFile};`, ...(spec.clientHeaderLines ?? [])] : spec.fixLines,
          ),
          data: { kind: spec.kind },
        }),
      );
    }
  }
  return out;
}
