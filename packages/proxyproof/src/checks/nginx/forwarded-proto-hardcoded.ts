/**
 * nginx/forwarded-proto-hardcoded: the scheme header is a literal that is wrong for some listener —
 * `https` on a server that answers plain HTTP, or `http` on a server that ends TLS.
 */
import {
  displayFile,
  frontProxyEvidence,
  type NginxHeaderEntry,
  type NginxServer,
  nginxModel,
  plainListens,
  schemeExpression,
  schemeHeaders,
  tlsListens,
} from '../../facts/nginx/index.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Evidence, Finding } from '../../model/finding.js';
import {
  describeListen,
  entryEvidence,
  forEachHeaderUse,
  INCLUDED_SOMEWHERE,
  listenEvidence,
  listenUnknown,
  NGINX_DOCS,
  plainRedirectedToHttps,
  replaceDirectiveFix,
  scopeName,
} from './common.js';

const meta: CheckMeta = {
  id: 'nginx/forwarded-proto-hardcoded',
  severity: 'medium',
  title: 'The forwarded scheme is a literal that is wrong for some requests',
  summary: 'X-Forwarded-Proto (or Forwarded proto=) is a literal `https` on a plain-HTTP listener, or `http` on a TLS listener.',
  references: [NGINX_DOCS.proxySetHeader, NGINX_DOCS.varScheme, NGINX_DOCS.listen],
};

/** The scheme a literal claims, or undefined when the value is not a literal scheme. */
function claimedScheme(e: NginxHeaderEntry): 'http' | 'https' | undefined {
  const expr = schemeExpression(e).trim().toLowerCase();
  if (expr.includes('$')) return undefined;
  const n = e.name.toLowerCase();
  if (n === 'x-forwarded-ssl' || n === 'front-end-https') return expr === 'on' ? 'https' : expr === 'off' ? 'http' : undefined;
  if (n === 'x-forwarded-protocol') return expr === 'ssl' || expr === 'https' ? 'https' : expr === 'http' ? 'http' : undefined;
  return expr === 'https' || expr === 'http' ? expr : undefined;
}

const HTTP_ON_TLS_WHY =
  'HTTPS requests marked http make the app redirect to https again (ERR_TOO_MANY_REDIRECTS with SECURE_SSL_REDIRECT), build http:// ' +
  'URLs (mixed content) and drop Secure from cookies.';

/**
 * A server whose TLS only a template branch switches on (`{% if ssl %} listen 443 ssl; {% endif %}`) ends TLS only in
 * the renderings that take that branch: a finding that says "the server ends TLS" names the branch as
 * engine/template-branches.ts does for the findings of other renderings (the default rendering models both ways, so
 * no other rendering is analysed for it).
 */
function tlsBranchNote(facts: Facts, server: NginxServer): { condition: string; at: Evidence } | undefined {
  const by = server.tlsOnlyInBranch;
  const b = by?.templateBranch;
  if (!by || !b) return undefined;
  const tag = b.tag.replace(/\s+/g, ' ').trim();
  // Only an opening `if`/`unless`: the default rendering takes the first alternative of every conditional, and a
  // TLS listen in an `elif`/`else` is only in another rendering, whose findings engine/template-branches.ts names.
  if (!/^(?:\{%|<%|\{\{)[-+~=]?\s*(?:if|unless)\b/.test(tag)) return undefined;
  const where = `${displayFile(facts, by.file)}:${b.line}`;
  return {
    condition: `\`${tag}\` (${where}) is true`,
    at: {
      file: displayFile(facts, by.file),
      line: b.line,
      note: 'template conditional: the finding holds only when it is true: TLS is on only in that branch',
    },
  };
}

/** The entry's line with the scheme variable in place of the literal. */
function literalFixLine(e: NginxHeaderEntry & { ref: { text: string } }): string {
  return `${e.ref.text.split(' ')[0]} ${e.name} ${e.name.toLowerCase() === 'forwarded' ? `"${e.value.replace(/proto=[^;,"\s]*/i, 'proto=$scheme')}"` : /^(x-forwarded-ssl|front-end-https)$/i.test(e.name) ? '$https' : '$scheme'};`;
}

function run(facts: Facts): Finding[] {
  const model = nginxModel(facts);
  const out: Finding[] = [];
  // ACME challenge locations answer the CA over plain HTTP whatever the header says.
  forEachHeaderUse(model, ['proxy'], schemeHeaders, true, ({ server, scope, entry: e }) => {
    const claim = claimedScheme(e);
    if (!claim) return;
    let wrong: ReturnType<typeof plainListens> = [];
    let severity: Finding['severity'] = meta.severity;
    if (claim === 'https') {
      // Behind a TLS-terminating balancer (realip / PROXY protocol) a literal https on the
      // plain listener is the usual, deliberate setup: see nginx/scheme-behind-tls-terminator.
      if (frontProxyEvidence(server).length > 0 || plainRedirectedToHttps(server)) return;
      wrong = plainListens(server);
    } else {
      wrong = tlsListens(server);
      severity = 'high';
    }
    // `http` in a headers snippet no linted file includes: wrong in every server that ends TLS and includes it (a
    // literal `https` there is the usual snippet of a TLS server: not said without its listen).
    if (claim === 'http' && listenUnknown(server)) {
      out.push(
        finding(meta, {
          severity: 'medium',
          message: `${scopeName(facts, server, scope)} sends \`${e.name}: ${e.value}\` whatever the client used: wherever a server that ends TLS includes it, the app believes HTTPS requests are plain http (${INCLUDED_SOMEWHERE}).`,
          evidence: entryEvidence(facts, e.ref, 'a literal http, whatever the client used'),
          why: HTTP_ON_TLS_WHY,
          fix: replaceDirectiveFix(facts, scope.headers.proxy, e, literalFixLine(e), 'with the scheme of the client connection'),
          data: { claimed: claim, header: e.name },
        }),
      );
      return;
    }
    if (wrong.length === 0) return;
    const ref = e.ref;
    const listens = wrong.map(describeListen).join(', ');
    const mixed = server.tls && server.plain;
    // `http` judged against TLS listeners that only a template branch writes: true in the renderings that take it.
    const branch = claim === 'http' ? tlsBranchNote(facts, server) : undefined;
    out.push(
      finding(meta, {
        severity,
        message:
          claim === 'https'
            ? `${scopeName(facts, server, scope)} sends \`${e.name}: ${e.value}\`, but the server also answers plain HTTP on ${listens}: ` +
              'those requests reach the app claiming https.'
            : `${scopeName(facts, server, scope)} sends \`${e.name}: ${e.value}\` although the server ends TLS on ${listens}: ` +
              `the app believes HTTPS requests are plain http.${branch ? ` (template: only when ${branch.condition})` : ''}`,
        evidence: [
          ...entryEvidence(facts, ref, `a literal ${claim}, whatever the client used`),
          ...listenEvidence(
            facts,
            wrong.filter((l) => l.ref),
            claim === 'https' ? 'plain HTTP listener' : 'TLS listener',
          ),
          ...(branch ? [branch.at] : []),
        ],
        why:
          claim === 'https'
            ? 'A plain-HTTP request marked https is never redirected to https by the app (SECURE_SSL_REDIRECT, force_ssl), gets Secure cookies ' +
              'it cannot send back, and HSTS/CSRF decisions are made on a false premise.'
            : HTTP_ON_TLS_WHY,
        fix: replaceDirectiveFix(
          facts,
          scope.headers.proxy,
          e,
          literalFixLine(e),
          'with the scheme of the client connection' +
            (mixed ? ' (the server has both plain and TLS listeners, so it must be a variable)' : ''),
        ),
        data: {
          claimed: claim,
          header: e.name,
          ...(branch ? { templateBranch: { condition: branch.condition, renderings: ['default'] } } : {}),
        },
      }),
    );
  });
  return out;
}

export const forwardedProtoHardcoded: Check = { meta, run };
