/**
 * nginx/proxy-header-inheritance: headers set at an outer level (http, server, an enclosing
 * location) are silently dropped for a level that writes its own proxy_set_header (or
 * *_param / grpc_set_header): nginx inherits the whole set only when a level sets none.
 */
import {
  displayFile,
  HEADER_DIRECTIVE,
  type NginxDroppedHeaders,
  type NginxHeaderEntry,
  type NginxRef,
  type NginxScope,
  nginxModel,
  passingScopes,
  schemeHeaders,
} from '../../facts/nginx/index.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Finding } from '../../model/finding.js';
import { addLinesFix, indentOf, listJoin, NGINX_DOCS, refEvidence, refsEvidence, scopeName } from './common.js';

const meta: CheckMeta = {
  id: 'nginx/proxy-header-inheritance',
  severity: 'medium',
  title: 'A level that sets its own upstream headers drops the ones set above it',
  summary:
    'proxy_set_header (and *_param, grpc_set_header) at a level replaces every one inherited from http/server/location: headers set above are not sent.',
  references: [NGINX_DOCS.proxySetHeader, NGINX_DOCS.uwsgiParam, NGINX_DOCS.fastcgiParam],
};

const LEVEL_NAME = { http: 'http', server: 'server', location: 'location', if: 'if', limit_except: 'limit_except' } as const;

/** The include at the outer level that brought every dropped entry in, when they all came from one. */
function commonInclude(dropped: NginxHeaderEntry[]): NginxRef | undefined {
  let inc: NginxRef | undefined;
  for (const e of dropped) {
    const via = e.ref?.includedVia;
    const first = via?.[via.length - 1];
    if (!first) return undefined;
    if (inc && (inc.file !== first.file || inc.line !== first.line)) return undefined;
    inc = first;
  }
  return inc;
}

function run(facts: Facts): Finding[] {
  const model = nginxModel(facts);
  const out: Finding[] = [];
  for (const server of model.servers) {
    // One finding per dropping directive, listing every passing scope it affects.
    const groups = new Map<
      string,
      { drop: NginxDroppedHeaders; kind: NginxScope['headers']['proxy']['kind']; scopes: NginxScope[] }
    >();
    for (const scope of passingScopes(server)) {
      const kind = scope.pass?.kind;
      if (!kind) continue;
      for (const drop of scope.headers[kind].drops) {
        const key = `${kind}|${drop.by.file}|${drop.by.line}`;
        const g = groups.get(key) ?? { drop, kind, scopes: [] };
        g.scopes.push(scope);
        groups.set(key, g);
      }
    }
    for (const { drop, kind, scopes } of groups.values()) {
      const directive = HEADER_DIRECTIVE[kind];
      const names = drop.dropped.map((e) => e.name);
      const dropsScheme = kind === 'proxy' && schemeHeaders({ kind, entries: drop.dropped, drops: [] }).length > 0;
      const dropsHttps =
        (kind === 'uwsgi' || kind === 'fastcgi' || kind === 'scgi') &&
        drop.dropped.some((e) => /^(HTTPS|UWSGI_SCHEME)$/i.test(e.name));
      const severity = server.tls && (dropsScheme || dropsHttps) ? 'high' : 'medium';
      const dropper = drop.byScope >= 0 ? server.scopes[drop.byScope] : undefined;
      const dropperName = dropper ? scopeName(facts, server, dropper) : 'the http level';
      const affected = scopes.map((s) => (s.kind === 'server' ? 'the server' : s.label));
      const inc = commonInclude(drop.dropped);
      const byAt = `${displayFile(facts, drop.by.file)}:${drop.by.line}`;
      const indent = indentOf(facts, drop.by);
      const evidence = [
        refEvidence(
          facts,
          drop.by,
          `${LEVEL_NAME[drop.byLevel]} level sets its own ${directive} here, so it inherits none from the ${LEVEL_NAME[drop.fromLevel]} level`,
        ),
        ...refsEvidence(
          facts,
          drop.dropped.map((e) => e.ref).filter((r): r is NginxRef => r !== undefined),
          `set at ${LEVEL_NAME[drop.fromLevel]} level, not sent to ${listJoin(affected)}`,
        ),
      ];
      out.push(
        finding(meta, {
          severity,
          message:
            `${dropperName} sets its own ${directive} (${byAt}), so nginx drops the ${names.length === 1 ? '' : `${names.length} `}` +
            `${kind === 'proxy' || kind === 'grpc' ? 'header' : 'param'}${names.length === 1 ? '' : 's'} set at the ${LEVEL_NAME[drop.fromLevel]} level: ` +
            `${listJoin(names)}. Requests to ${listJoin(affected)} reach the upstream without ${names.length === 1 ? 'it' : 'them'}.` +
            (dropsScheme ? ' Without X-Forwarded-Proto the app believes these requests are plain http.' : ''),
          evidence,
          why:
            `nginx merges ${directive} as a whole: a level that writes any ${directive} inherits none from outer levels. ` +
            'The lines above look inherited but are not sent: the app loses the scheme, the client address or the host for exactly these locations ' +
            '(often websocket or API locations that added one header).',
          fix: addLinesFix(
            `Repeat the dropped lines in ${dropper ? `\`${dropper.label}\`` : 'that level'}, next to its own ${directive} lines` +
              (inc ? ` — they come from \`${inc.text}\` at ${displayFile(facts, inc.file)}:${inc.line}` : '') +
              '.',
            { file: displayFile(facts, drop.by.file), line: drop.by.line, indent },
            drop.dropped.map((e) => e.ref?.text ?? `${directive} ${e.name} ${e.value};`),
          ),
          data: { dropped: names, kind, affected, byLevel: drop.byLevel, fromLevel: drop.fromLevel },
        }),
      );
    }
  }
  return out;
}

export const proxyHeaderInheritance: Check = { meta, run };
