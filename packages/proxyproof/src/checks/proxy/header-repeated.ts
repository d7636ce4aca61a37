/**
 * proxy/header-repeated: nginx sends a forwarding header other than X-Forwarded-Proto (Host, X-Forwarded-For,
 * X-Forwarded-Host, X-Real-IP, ...) twice, because two `proxy_set_header` lines of the level a location takes its
 * headers from name it (often the user's own line next to `include proxy_params`, which already sets Host,
 * X-Real-IP and X-Forwarded-For). The twin of `proxy/forwarded-proto-appended`'s nginx rule for the scheme header.
 *
 * What the app server makes of two lines, checked by sending two lines to each (test/checks/proxy/header-repeated-real.test.ts):
 * gunicorn 20.1 joins them with "," into one environ value (`HTTP_HOST = "a.example,a.example:443"`, which Django's
 * host validation refuses), uvicorn 0.17 (h11) answers 400 to a request with two Host lines and its proxy-headers
 * middleware keeps the last X-Forwarded-For line, Node 20 keeps the first Host and joins the rest with ", ".
 *
 * Apache and HAProxy send a second line where a rule adds one (`RequestHeader add`, `add-header`, `option forwardfor`)
 * beside a line of the config's own, with no `set` between (test/checks/proxy/header-repeated-proxies-real.test.ts).
 */
import type { Check, CheckMeta } from '../../model/check.js';
import { finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import type { HeaderRule, ProxySite } from '../../model/proxy.js';
import { ev, everySite, PROXY_DOCS, valueFor } from './common.js';
import { earlierOfName, nginxRepeatFinding, type RepeatJudgement } from './repeated-line.js';

const meta: CheckMeta = {
  id: 'proxy/header-repeated',
  severity: 'medium',
  title: 'The proxy sends a forwarding header twice',
  summary:
    'Two proxy_set_header lines of one name in one level (nginx), or a RequestHeader add (Apache) or add-header / option forwardfor (HAProxy) beside a line the config already sends, are all sent: the app server joins, refuses or picks one of the lines, so the host or client address the app believes is not the one the config seems to set.',
  references: [
    'https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_set_header',
    PROXY_DOCS.apacheRequestHeader,
    PROXY_DOCS.haproxySetHeader,
    PROXY_DOCS.mdnXfp,
  ],
};

/** The forwarding headers judged here, as the message writes them (X-Forwarded-Proto is the appended check's). */
const NAMES: Record<string, string> = {
  host: 'Host',
  'x-forwarded-host': 'X-Forwarded-Host',
  'x-forwarded-for': 'X-Forwarded-For',
  'x-real-ip': 'X-Real-IP',
  'x-forwarded-port': 'X-Forwarded-Port',
  'x-forwarded-server': 'X-Forwarded-Server',
  forwarded: 'Forwarded',
  'x-forwarded-ssl': 'X-Forwarded-Ssl',
  'x-forwarded-scheme': 'X-Forwarded-Scheme',
  'x-forwarded-protocol': 'X-Forwarded-Protocol',
  'x-scheme': 'X-Scheme',
  'x-url-scheme': 'X-Url-Scheme',
  'front-end-https': 'Front-End-Https',
};

const WHY =
  'nginx adds one header line per proxy_set_header, duplicates included, in the order written (checked on nginx 1.22.1 with Host and X-Forwarded-For). App servers do not agree on two lines of one name: gunicorn 20.1 joins them with "," into one value, uvicorn 0.17 (h11) refuses a request with two Host lines with a 400 and keeps only the last line of the others for its proxy headers, Node 20 keeps the first Host and joins the other names with ", ".';

/** Values that each end with the client's address as nginx saw it: a repeat only lists that address again. */
const endsWithPeer = (v: string | null) => v === '{remote_addr}' || v === '{xff_append}';

function judge(name: string, values: string[], same: boolean, allPeer: boolean): RepeatJudgement {
  const list = `"${values.join(', ')}"`;
  if (name === 'host')
    // Even one value twice breaks the request: gunicorn's "a,a" is no valid host for Django, h11 refuses two Hosts.
    return {
      severity: 'medium',
      consequence: `the app server gets two Host lines (${list}): gunicorn joins them into "${values.join(',')}", which Django's host check refuses (400), uvicorn answers 400 to every such request, Node keeps the first`,
    };
  if (name === 'x-forwarded-for')
    return {
      // The rightmost item is still the address nginx saw when every line ends with it: a list with repeats.
      severity: same || allPeer ? 'low' : 'medium',
      consequence: `the app gets the list ${list} (gunicorn and Node join the lines, uvicorn's proxy headers keep the last line only), and a trust that counts hops from the right reads ${allPeer ? 'the same address' : 'another item than the one the last line sets'}`,
    };
  return {
    severity: same ? 'low' : 'medium',
    consequence: `the app gets ${list} (gunicorn and Node join the lines, uvicorn's proxy headers keep the last line only) and reads ${same ? 'a list of one value repeated' : 'whichever value its server and framework take'}`,
  };
}

const LINE_WHY =
  'Apache `RequestHeader add` and HAProxy `add-header` (and `option forwardfor`) write a header line of their own beside any line of that name already there, while `set`/`set-header` replace every earlier line (checked on Apache 2.4.62 and HAProxy 2.6.12, Debian). App servers do not agree on two lines of one name: gunicorn 20.1 joins them with "," into one value, uvicorn 0.17 (h11) refuses a request with two Host lines with a 400 and keeps only the last line of the others for its proxy headers, Node 20 keeps the first Host and joins the other names with ", ".';

/** The two rules can apply to one request (neither is limited to TLS while the other is limited to plain HTTP). */
const together = (a: HeaderRule, b: HeaderRule) => !a.when || !b.when || a.when === b.when;

/** HAProxy's `option forwardfor` line (HAProxy adds it after the http-request rules; the model lists it there). */
const isForwardfor = (h: HeaderRule) => /^option\s+forwardfor\b/.test(h.ref.snippet ?? '');

/**
 * Apache and HAProxy: the earlier rules of `headers[k]`'s name whose line is still sent when `headers[k]` adds a line
 * of its own (a `set`/`set-header`/`unset`/`del-header` in between replaces or removes every earlier line). The
 * proxy's own defaults (mod_proxy's X-Forwarded-For) merge into whichever line is there and are left out.
 */
function earlierLines(headers: HeaderRule[], k: number): HeaderRule[] {
  const r = headers[k] as HeaderRule;
  if (!r.newLine || r.value === null || r.ifPresent || r.from === 'default') return [];
  const name = r.name.toLowerCase();
  let earlier: HeaderRule[] = [];
  for (let i = 0; i < k; i++) {
    const h = headers[i] as HeaderRule;
    // `option forwardfor if-none` (ifAbsent) adds nothing once a line is there.
    if (h.from === 'default' || h.ifPresent || h.ifAbsent || h.name.toLowerCase() !== name || !together(h, r)) continue;
    if (h.value === null || !h.append) earlier = [];
    if (h.value !== null) earlier.push(h);
  }
  return earlier;
}

function lineRepeatFinding(
  kind: 'apache' | 'haproxy',
  site: ProxySite,
  earlier: HeaderRule[],
  r: HeaderRule,
  tls: boolean,
  display: string,
): Finding {
  const name = r.name.toLowerCase();
  const shown = (h: HeaderRule) => valueFor(h, tls) ?? h.ref.snippet ?? '?';
  // In the order sent: HAProxy's forwardfor line goes last whatever line the model lists it on.
  const sent = [...earlier.filter((h) => !isForwardfor(h)), r, ...earlier.filter(isForwardfor)];
  const values = sent.map(shown);
  const same = values.every((v) => v === values[values.length - 1]);
  const allPeer = sent.every((h) => endsWithPeer(h.value));
  const peerLast = name === 'x-forwarded-for' && !allPeer && earlier.some(isForwardfor);
  const { severity, consequence } = peerLast
    ? {
        severity: 'low' as const,
        consequence: `the app gets the list "${values.join(', ')}" with HAProxy's own line last: a trust of one hop from the right still reads the peer's address, one that counts more hops reads ${shown(r)}, which no connection gave`,
      }
    : judge(name, values, same, allPeer);
  const program = kind === 'apache' ? 'Apache' : 'HAProxy';
  const lines = earlier.map((h) => (h.ref.file === r.ref.file ? `line ${h.ref.line}` : `${h.ref.file}:${h.ref.line}`)).join(', ');
  const snippet = r.ref.snippet ?? '';
  // `option forwardfor` already sends the peer's address: the added line only repeats it.
  const byForwardfor = kind === 'haproxy' && earlier.every(isForwardfor) && endsWithPeer(r.value);
  // A `set-header` the forwardfor line comes after (r writes no line of its own): it replaces the client's lines only.
  const setBeforeForwardfor = !r.newLine;
  // Deleting the client's lines instead leaves forwardfor's one line of the peer's address: what the set-header meant.
  const deleted = snippet.replace(/^(\s*http-request\s+)set-header\s+(\S+)\s+\S+/, '$1del-header $2');
  const replaced =
    kind === 'apache'
      ? snippet.replace(/^(\s*RequestHeader\s+)add\b/i, '$1set')
      : snippet.replace(/^(\s*http-request\s+)add-header\b/, '$1set-header');
  const mechanical = !byForwardfor && replaced !== snippet && !earlier.some(isForwardfor);
  return finding(meta, {
    severity,
    message: setBeforeForwardfor
      ? `${site.label} sets ${display}, and \`option forwardfor\` (${lines}) adds a line of its own after every http-request rule: ${program} sends both lines, so ${consequence}`
      : `${site.label} adds ${display} as a line of its own beside ${lines}: ${program} sends every line, so ${consequence}`,
    evidence: [
      ev(
        r.ref,
        setBeforeForwardfor
          ? "replaces the client's lines, not the one option forwardfor adds after it"
          : 'adds a second line: both are sent',
      ),
      ...earlier.map((h) =>
        ev(
          h.ref,
          isForwardfor(h)
            ? `${display}: the peer's address, a line HAProxy adds after the http-request rules`
            : `${display}: ${shown(h)}, also sent`,
        ),
      ),
    ],
    why: LINE_WHY,
    fix:
      setBeforeForwardfor && byForwardfor && deleted !== snippet
        ? {
            description: `Keep one line: delete the client's ${display} here instead of setting it; \`option forwardfor\` then sends the peer's address as the only line.`,
            file: r.ref.file,
            line: r.ref.line,
            lines: [deleted],
            placement: 'replace',
          }
        : byForwardfor && !setBeforeForwardfor
          ? {
              description: `Keep one line: \`option forwardfor\` already sends the client's address as an ${display} line; comment out this one.`,
              file: r.ref.file,
              line: r.ref.line,
              lines: [`# ${snippet.trim()}`],
              placement: 'replace',
            }
          : mechanical
            ? {
                description: `Keep one line: make this rule replace the earlier ${earlier.length > 1 ? 'lines' : 'line'} (${kind === 'apache' ? '`RequestHeader set`' : '`set-header`'}), so its value is the one sent.`,
                file: r.ref.file,
                line: r.ref.line,
                lines: [replaced],
                placement: 'replace',
              }
            : {
                description: `Keep one line of ${display}: drop the earlier rule or this one${earlier.some(isForwardfor) ? ' (`option forwardfor` adds its line after every http-request rule, so a set-header does not replace it)' : ''}.`,
                file: r.ref.file,
                line: r.ref.line,
              },
    data: { proxy: kind, site: site.id },
  });
}

export const proxyHeaderRepeated: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const { config, site } of everySite(facts)) {
      if (site.mode !== 'http') continue;
      const tls = site.listeners.some((l) => l.tls);
      if (config.kind === 'apache' || config.kind === 'haproxy') {
        // A line added beside a line the config already sends (a client's own line is the spoofing checks'; the
        // scheme header is proxy/forwarded-proto-appended's).
        for (const route of site.routes) {
          // HAProxy's forwardfor line first: it comes after every http-request rule, so the lines still sent before it
          // are all the config's own (a `set-header` included, which replaces the client's lines but not this one).
          // The finding goes on the last of them, the user's line, with forwardfor's listed beside it.
          const ffAt = route.headers.findIndex((h) => isForwardfor(h) && h.newLine);
          const ff = route.headers[ffAt];
          const beforeFf = ff ? earlierLines(route.headers, ffAt) : [];
          const last = beforeFf.at(-1);
          if (ff && last) {
            seen.add(`${last.ref.file}:${last.ref.line}`);
            out.push(
              lineRepeatFinding(config.kind, site, [...beforeFf.slice(0, -1), ff], last, tls, NAMES['x-forwarded-for'] as string),
            );
          }
          for (const [k, h] of route.headers.entries()) {
            const display = NAMES[h.name.toLowerCase()];
            if (display === undefined || isForwardfor(h)) continue;
            const earlier = earlierLines(route.headers, k);
            if (earlier.length === 0) continue;
            const key = `${h.ref.file}:${h.ref.line}`;
            if (seen.has(key)) continue;
            seen.add(key);
            out.push(lineRepeatFinding(config.kind, site, earlier, h, tls, display));
          }
        }
        continue;
      }
      if (config.kind !== 'nginx') continue;
      for (const route of site.routes) {
        // Indexed: every route of every nginx server comes here (10,000 servers: ~400,000 rules), and an entries()
        // iterator still in V8's interpreter allocates a pair and an iterator result per rule.
        const headers = route.headers;
        for (let k = 0; k < headers.length; k++) {
          const r = headers[k] as HeaderRule;
          if (r.value === null || r.from === 'default') continue;
          const name = r.name.toLowerCase();
          const display = NAMES[name];
          if (display === undefined) continue;
          const earlier = earlierOfName(headers, r, k);
          if (earlier.length === 0) continue;
          const key = `${r.ref.file}:${r.ref.line}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const allPeer = [...earlier, r].every((h) => endsWithPeer(h.value));
          out.push(
            nginxRepeatFinding(meta, site, earlier, r, tls, display, WHY, (values, same) => judge(name, values, same, allPeer)),
          );
        }
      }
    }
    return out;
  },
};
