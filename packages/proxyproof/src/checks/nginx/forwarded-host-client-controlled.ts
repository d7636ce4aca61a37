/**
 * nginx/forwarded-host-client-controlled: X-Forwarded-Host (or -Port, -Prefix, Forwarded) sent
 * upstream is taken from the client's own forwarding headers without a guard on the peer address,
 * so any client chooses the host the app builds absolute URLs from.
 */
import { displayFile, type NginxHeaderSet, nginxModel, traceValue } from '../../facts/nginx/index.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Finding } from '../../model/finding.js';
import { entryEvidence, forEachHeaderUse, listJoin, NGINX_DOCS, refEvidence, replaceDirectiveFix, scopeName } from './common.js';

const meta: CheckMeta = {
  id: 'nginx/forwarded-host-client-controlled',
  severity: 'high',
  title: 'The forwarded host comes from the client without a trusted-source guard',
  summary:
    "X-Forwarded-Host (or -Port, -Prefix, Forwarded) is passed on from the client's own header: any client picks the host of absolute URLs.",
  references: [
    NGINX_DOCS.proxySetHeader,
    NGINX_DOCS.map,
    NGINX_DOCS.geo,
    NGINX_DOCS.realipRemoteAddr,
    'https://docs.djangoproject.com/en/stable/ref/settings/#use-x-forwarded-host',
  ],
};

const HEADERS = ['x-forwarded-host', 'x-forwarded-port', 'x-forwarded-prefix', 'x-forwarded-server', 'forwarded'];
const HEADER_LENGTHS = new Set(HEADERS.map((h) => h.length));
/** Client headers that only a proxy should set. `$http_host` is not one: nginx itself routes by Host. */
const FORWARDING_VAR = /^\$http_(x_forwarded_(host|port|prefix|server)|forwarded)$/;

/** What nginx itself knows, to send instead. */
const OWN_VALUE: Record<string, string> = {
  'x-forwarded-host': '$host',
  'x-forwarded-port': '$server_port',
  'x-forwarded-server': '$host',
  forwarded: '"for=$remote_addr;host=$host;proto=$scheme"',
};

function run(facts: Facts): Finding[] {
  const model = nginxModel(facts);
  const out: Finding[] = [];
  // The name's length first (lower-casing never shortens a name, and these are ASCII): most entries are Host,
  // X-Real-IP... of other lengths, with no lower-cased copy made for them.
  const forwarding = (set: NginxHeaderSet) =>
    set.entries.filter((e) => e.value !== '' && HEADER_LENGTHS.has(e.name.length) && HEADERS.includes(e.name.toLowerCase()));
  forEachHeaderUse(model, ['proxy'], forwarding, false, ({ server, scope, set, entry: e }) => {
    const n = e.name.toLowerCase();
    const trace = traceValue(model, server, e.value);
    const bad = trace.clientVariables.filter((v) => FORWARDING_VAR.test(v));
    if (bad.length === 0 || trace.guarded) return;
    const ref = e.ref;
    const http = model.https[server.http];
    const defs = (http?.variables ?? []).filter((d) => trace.variables.includes(d.name));
    const own = OWN_VALUE[n];
    const fix = own
      ? replaceDirectiveFix(
          facts,
          set,
          e,
          `${ref.text.split(' ')[0]} ${e.name} ${own};`,
          'with what nginx itself knows about the request',
        )
      : {
          description: `Stop passing the client's ${e.name}: remove ${displayFile(facts, ref.file)}:${ref.line}, or send it only from a map guarded by a geo on $realip_remote_addr.`,
          file: displayFile(facts, ref.file),
          line: ref.line,
          placement: 'replace' as const,
          lines: [`${ref.text.split(' ')[0]} ${e.name} "";`],
        };
    out.push(
      finding(meta, {
        message:
          `${scopeName(facts, server, scope)} sends \`${e.name}: ${e.value}\`, taken from the client's own ${listJoin(bad)} ` +
          'with no map/geo on $realip_remote_addr: any client chooses the host (or port, or prefix) the app puts in absolute URLs.',
        evidence: [
          ...entryEvidence(facts, ref, 'value chosen by the client'),
          ...defs.map((d) => refEvidence(facts, d.ref, `${d.kind} ${d.name} follows ${d.source}, not the peer address`)),
        ],
        why:
          'An app that trusts X-Forwarded-Host (Django USE_X_FORWARDED_HOST, Rails, Express trust proxy) builds password-reset links, OAuth ' +
          'redirect_uri values and redirects from it: an attacker sends `X-Forwarded-Host: evil.example` and the victim gets a link to evil.example ' +
          '(host header poisoning); cached pages can be poisoned for everyone.',
        fix,
        data: { header: e.name, clientVariables: bad },
      }),
    );
  });
  return out;
}

export const forwardedHostClientControlled: Check = { meta, run };
