/**
 * nginx/scheme-header-value: a scheme header is sent with a value its readers do not take for https
 * (`X-Forwarded-Protocol $scheme`: gunicorn wants `ssl`; `X-Forwarded-Ssl https`: gunicorn and Rack want `on`),
 * or under a misspelled name (`X-Fowarded-Proto`) that no application reads.
 */
import { hasTemplateValue } from '../../chain/addr.js';
import {
  type NginxHeaderEntry,
  type NginxHeaderSet,
  nginxModel,
  SCHEME_HEADER_NAMES,
  schemeHeaders,
  traceValue,
} from '../../facts/nginx/index.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Finding, Fix } from '../../model/finding.js';
import {
  blockEvidence,
  describePass,
  entryEvidence,
  forEachHeaderUse,
  INCLUDED_SOMEWHERE,
  innerServersOf,
  listenUnknown,
  NGINX_DOCS,
  replaceDirectiveFix,
  scopeName,
} from './common.js';

const meta: CheckMeta = {
  id: 'nginx/scheme-header-value',
  severity: 'high',
  title: 'A scheme header is sent with a value (or a name) its readers do not take for https',
  summary:
    'X-Forwarded-Protocol must say `ssl`, X-Forwarded-Ssl and Front-End-Https `on`, X-Forwarded-Proto `https`; any other value (or a misspelled name) tells the app http.',
  references: [
    NGINX_DOCS.proxySetHeader,
    NGINX_DOCS.varScheme,
    NGINX_DOCS.varHttps,
    'https://docs.gunicorn.org/en/stable/settings.html#secure-scheme-headers',
    'https://github.com/rack/rack/blob/main/lib/rack/request.rb',
  ],
};

/**
 * The value that means https for each scheme header, as its readers compare it: gunicorn's default
 * `secure_scheme_headers` ({"X-FORWARDED-PROTOCOL": "ssl", "X-FORWARDED-PROTO": "https", "X-FORWARDED-SSL": "on"},
 * an exact comparison), Rack's `scheme` (X-Forwarded-Ssl `on`; X-Forwarded-Scheme / X-Forwarded-Proto `https`),
 * Microsoft's Front-End-Https `on`.
 */
const SECURE_VALUE: Record<string, string> = {
  'x-forwarded-proto': 'https',
  'x-forwarded-protocol': 'ssl',
  'x-forwarded-ssl': 'on',
  'front-end-https': 'on',
  'x-forwarded-scheme': 'https',
  'x-url-scheme': 'https',
  'x-scheme': 'https',
};

/**
 * The words of each header's own language. A value in it that claims the wrong scheme (`X-Forwarded-Proto http`
 * on TLS) is nginx/forwarded-proto-hardcoded's; this check reports values from another header's language.
 */
const VOCABULARY: Record<string, string[]> = {
  'x-forwarded-proto': ['http', 'https'],
  'x-forwarded-protocol': ['ssl', 'http'],
  'x-forwarded-ssl': ['on', 'off'],
  'front-end-https': ['on', 'off'],
  'x-forwarded-scheme': ['http', 'https'],
  'x-url-scheme': ['http', 'https'],
  'x-scheme': ['http', 'https'],
};

/** The variable (or literal) that gives the right value for a header, for the fix. */
const RIGHT_EXPRESSION: Record<string, string> = {
  'x-forwarded-ssl': '$https',
  'front-end-https': '$https',
};

/** The values an expression takes for a request that arrived over TLS at this nginx (undefined: unknown). */
function valuesOverTls(model: ReturnType<typeof nginxModel>, server: Parameters<typeof traceValue>[1], expr: string) {
  const e = expr.trim();
  // A template placeholder with no default (`${PROTO}`, `{{ proto }}`) is whatever the template is rendered with.
  if (hasTemplateValue(e)) return undefined;
  if (e === '$scheme') return ['https'];
  if (e === '$https') return ['on'];
  const t = traceValue(model, server, e);
  if (t.variables.length === 0) return [e];
  return t.literals.length > 0 && t.clientVariables.length === 0 ? t.literals : undefined;
}

/** Levenshtein distance, bounded (names are short). */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number;
      prev[j] = Math.min(up + 1, (prev[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] as number;
}

/** meantName's answers by name (a pure function of the name; a 10,000-server config asks it 90,000 times for a dozen names). */
const meantNames = new Map<string, string | undefined>();

/** The scheme header a misspelled name was meant to be (`X-Fowarded-Proto` -> X-Forwarded-Proto). */
function meantName(name: string): string | undefined {
  if (meantNames.has(name)) return meantNames.get(name);
  const meant = meantNameOf(name);
  if (meantNames.size < 10_000) meantNames.set(name, meant);
  return meant;
}

function meantNameOf(name: string): string | undefined {
  const n = name.toLowerCase().replace(/_/g, '-');
  if (SCHEME_HEADER_NAMES.some((s) => s.toLowerCase() === name.toLowerCase())) return undefined;
  // Underscores for dashes (`X_Forwarded_Proto`): nginx sends the name as written, and no reader takes it for the
  // dashed header (underscoreNote): it was meant as the dashed name.
  const dashed = n !== name.toLowerCase() ? SCHEME_HEADER_NAMES.find((s) => s.toLowerCase() === n) : undefined;
  if (dashed) return dashed;
  let best: string | undefined;
  let bestD = 3;
  for (const s of SCHEME_HEADER_NAMES) {
    if (s === 'Forwarded') continue;
    const d = distance(n, s.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = s;
    }
  }
  return bestD <= 2 && n.length >= 10 ? best : undefined;
}

/** The scheme header this name writes with underscores for its dashes (`X_Forwarded_Proto`), or undefined. */
export function underscoreSchemeHeader(name: string): string | undefined {
  if (!name.includes('_')) return undefined;
  const n = name.toLowerCase().replace(/_/g, '-');
  return SCHEME_HEADER_NAMES.find((s) => s.toLowerCase() === n);
}

/**
 * What the readers make of a scheme header written with underscores (checked with Debian's gunicorn 20.1: the header
 * `X_Forwarded_Proto: https` from a loopback peer leaves wsgi.url_scheme http and lands in the environ as
 * HTTP_X_FORWARDED_PROTO; gunicorn 22.0 drops such names, commit 72b8970; uvicorn and Node match the dashed name only).
 */
function underscoreNote(name: string, meant: string): string {
  return (
    `\`${name}\` writes ${meant} with underscores, and nginx sends the name as written: gunicorn 22+ drops a header name with an ` +
    `underscore, gunicorn's secure_scheme_headers, uvicorn's --proxy-headers and Node apps match only ${meant}, and Django's ` +
    `development server drops it (gunicorn before 22 passes it to the WSGI environ as HTTP_${meant.toUpperCase().replace(/-/g, '_')}, ` +
    `read only by Django's SECURE_PROXY_SSL_HEADER or Werkzeug's ProxyFix, while wsgi.url_scheme stays http)`
  );
}

function run(facts: Facts): Finding[] {
  const model = nginxModel(facts);
  const out: Finding[] = [];
  const written = (set: NginxHeaderSet) => set.entries.filter((e) => e.origin === 'directive' && e.value !== '');
  forEachHeaderUse(model, ['proxy'], written, false, ({ server, scope, set, entry: e }) => {
    const correct = (x: NginxHeaderEntry): boolean => {
      const want = SECURE_VALUE[x.name.toLowerCase()];
      const values = want ? valuesOverTls(model, server, x.value) : undefined;
      return want !== undefined && (values === undefined || values.includes(want));
    };
    const lower = e.name.toLowerCase();
    const want = SECURE_VALUE[lower];
    const meant = want ? undefined : meantName(e.name);
    if (!want && !meant) return;
    const values = want ? valuesOverTls(model, server, e.value) : undefined;
    if (want && (values === undefined || values.includes(want))) return;
    if (want && values?.every((v) => VOCABULARY[lower]?.includes(v.toLowerCase()))) return;
    const ref = e.ref;
    const alone = schemeHeaders(set).filter((x) => x !== e && correct(x)).length === 0;
    // On a server that only answers plain HTTP the wrong value still says http: harmless until TLS is added.
    // Beside a right header, a wrong one matters to a reader of both: gunicorn (400, contradictory headers).
    const gunicorn = facts.appServers.some((a) => a.kind === 'gunicorn');
    // A snippet no linted file includes: its server's listen is unknown, so the header is as wrong as on TLS, one step
    // lower (the including server may be plain HTTP only).
    const unknown = listenUnknown(server);
    const severity: Finding['severity'] = unknown
      ? alone
        ? 'medium'
        : 'low'
      : !server.tls
        ? 'info'
        : alone
          ? 'high'
          : gunicorn
            ? 'medium'
            : 'low';
    const over = server.tls || unknown ? 'for an HTTPS request' : 'here (this server only answers plain HTTP)';
    const underscore = meant !== undefined && underscoreSchemeHeader(e.name) === meant;
    // To an inner server of this nginx that keeps underscored names (`underscores_in_headers on`): its
    // `$http_x_forwarded_proto` reads the line (real nginx 1.22), so the header arrives where it is read.
    const inner = underscore ? innerServersOf(model, server, scope) : [];
    if (inner.length > 0 && inner.every((s) => s.underscoreHeaders !== undefined)) return;
    const problem = underscore
      ? underscoreNote(e.name, meant)
      : meant
        ? `\`${e.name}\` is not a header any application reads: it looks like a misspelling of ${meant}`
        : `${e.name} ${over} carries \`${(values ?? []).join('` or `')}\`, but its readers take only \`${want}\` for https ` +
          `(gunicorn's default secure_scheme_headers compare exactly; any other value sets the scheme to http)`;
    const consequence = !alone
      ? ` Another scheme header says https, so gunicorn answers 400 "Contradictory scheme headers"${gunicorn ? ' (gunicorn runs the app here)' : '; an app that reads only the right header is not affected'}.`
      : unknown
        ? ` No other scheme header is sent, so wherever a server that ends TLS includes it, the application believes every request is plain http (${INCLUDED_SOMEWHERE}).`
        : server.tls
          ? ' No other scheme header is sent, so the application believes every request is plain http.'
          : ' Harmless while the server is plain HTTP, wrong as soon as it ends TLS.';
    const target = meant ?? e.name;
    const right =
      RIGHT_EXPRESSION[target.toLowerCase()] ?? (target.toLowerCase() === 'x-forwarded-protocol' ? undefined : '$scheme');
    const replacement =
      right !== undefined ? `proxy_set_header ${target} ${right};` : 'proxy_set_header X-Forwarded-Proto $scheme;';
    const sentName = right === undefined ? 'x-forwarded-proto' : target.toLowerCase();
    const hasProto = set.entries.some((x) => x !== e && x.name.toLowerCase() === sentName && x.value !== '');
    let fix: Fix;
    if (hasProto) {
      // Commented out rather than deleted: the edit stays visible and reversible.
      fix = replaceDirectiveFix(
        facts,
        set,
        e,
        `# ${ref.text} # X-Forwarded-Proto carries the scheme`,
        'commented out: X-Forwarded-Proto already carries the scheme, and the two would disagree',
      );
    } else {
      fix = replaceDirectiveFix(
        facts,
        set,
        e,
        replacement,
        right === undefined
          ? `to send X-Forwarded-Proto $scheme, which gunicorn, Django, Rails and Express all read (X-Forwarded-Protocol would need the literal \`ssl\`)`
          : `to send ${target} ${right}`,
      );
    }
    if (fix.file === undefined || fix.lines?.length === 1)
      fix.description = hasProto
        ? `Comment out \`${ref.text}\`: ${right === undefined ? 'X-Forwarded-Proto' : target} is already sent.`
        : underscore
          ? `Write the header with dashes: ${meant}${right !== undefined ? ` ${right}` : ''} (replacing \`${ref.text}\`).`
          : meant
            ? `Spell the header ${meant}${right !== undefined ? ` with ${right}` : ''}.`
            : right === undefined
              ? `Send X-Forwarded-Proto $scheme instead, which gunicorn, Django, Rails and Express all read (X-Forwarded-Protocol would need the literal \`ssl\`).`
              : `Send ${target} ${right}.`;
    out.push(
      finding(meta, {
        severity,
        message: `${scopeName(facts, server, scope)}: ${problem}.${consequence}`,
        evidence: [
          ...entryEvidence(
            facts,
            ref,
            underscore
              ? 'scheme header written with underscores'
              : meant
                ? 'misspelled scheme header'
                : `${e.name} wants \`${want}\``,
          ),
          // The proxying block, the place the chain names when the scheme is lost there: the two become one finding
          // (chain/refine.ts), whose fix is this line's replacement rather than a second X-Forwarded-Proto line.
          ...(underscore && server.tls && scope.pass ? [blockEvidence(facts, scope, `proxies to ${describePass(scope)}`)] : []),
        ],
        why:
          'The application decides http or https from the header it knows and the exact value it expects. A header under another ' +
          'name, or with another value, is read as http (or ignored): http:// URLs, redirect loops with an SSL redirect, cookies without Secure.',
        fix,
        data: { header: e.name, ...(meant ? { meant, ...(underscore ? { underscore: true } : {}) } : { expected: want }) },
      }),
    );
  });
  return out;
}

export const schemeHeaderValue: Check = { meta, run };
