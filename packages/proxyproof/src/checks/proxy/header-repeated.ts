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
 */
import type { Check, CheckMeta } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { everySite, PROXY_DOCS } from './common.js';
import { earlierOfName, nginxRepeatFinding, type RepeatJudgement } from './repeated-line.js';

const meta: CheckMeta = {
  id: 'proxy/header-repeated',
  severity: 'medium',
  title: 'nginx sends a forwarding header twice',
  summary:
    'Two proxy_set_header lines of one name in one level are both sent: the app server joins, refuses or picks one of the two lines, so the host or client address the app believes is not the one the config seems to set.',
  references: ['https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_set_header', PROXY_DOCS.mdnXfp],
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

export const proxyHeaderRepeated: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const { config, site } of everySite(facts)) {
      // nginx alone: the other proxies' appends are explicit (`add-header`, `RequestHeader append`), and
      // X-Forwarded-For appended by `option forwardfor`/mod_proxy is how that header chains.
      if (config.kind !== 'nginx' || site.mode !== 'http') continue;
      const tls = site.listeners.some((l) => l.tls);
      for (const route of site.routes) {
        for (const [k, r] of route.headers.entries()) {
          if (r.value === null || r.from === 'default') continue;
          const name = r.name.toLowerCase();
          const display = NAMES[name];
          if (display === undefined) continue;
          const earlier = earlierOfName(route.headers.slice(0, k), r);
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
