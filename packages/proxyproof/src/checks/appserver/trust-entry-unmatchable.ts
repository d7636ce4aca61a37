/**
 * appserver/trust-entry-unmatchable: gunicorn's forwarded_allow_ips / uvicorn's --forwarded-allow-ips holds entries
 * that can never equal a peer address, so the setting trusts nobody (or fewer peers than written). gunicorn
 * (`gunicorn/config.py` validate_string_to_list: split on commas, whitespace stripped, nothing else) and uvicorn
 * (`uvicorn/middleware/proxy_headers.py`: '*' or the peer's IP) compare entries with the peer's IP as written:
 * - quotes that reach the program are part of the value: a JSON exec-form `CMD [..., "--forwarded-allow-ips=\"*\""]`
 *   passes `"*"` (three characters; no shell removes them), which is not the wildcard;
 * - a host name (`nginx`, `proxy.internal`) is never resolved.
 */
import { isIP } from 'node:net';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { AppServerFacts } from '../../model/facts.js';
import type { Finding } from '../../model/finding.js';
import { REFS } from './common.js';
import { describeBind, ev, peerEvidence, proxyPeers } from './context.js';

const meta: CheckMeta = {
  id: 'appserver/trust-entry-unmatchable',
  severity: 'medium',
  title: 'A forwarded-allow-ips entry can never match a peer (quoted wildcard, host name)',
  summary:
    'The trust list holds an entry the server compares with the peer IP as written: a literal `"*"` from exec-form quoting, or a host name it never resolves. It trusts nobody through it, so the proxy\'s X-Forwarded-* are ignored.',
  references: [
    REFS.gunicornForwarded,
    REFS.uvicornSettings,
    'https://docs.docker.com/reference/dockerfile/#shell-and-exec-form',
    'https://github.com/benoitc/gunicorn/blob/23.0.0/gunicorn/config.py',
    'https://github.com/encode/uvicorn/blob/0.30.6/uvicorn/middleware/proxy_headers.py',
  ],
};

/** Why an entry can never equal a peer address, or undefined when it can. */
export function unmatchableEntry(entry: string): string | undefined {
  const e = entry.trim();
  if (e === '*' || e === '') return undefined;
  // A variable the files do not set (`--forwarded-allow-ips $FWD`, a keyword only the run knows): its value is not known.
  if (/\$\{?[A-Za-z_]/.test(e)) return undefined;
  if (/["']/.test(e))
    return `its quotes are part of the value (${e}): no shell removed them (JSON exec form, an env file or a config string keeps them)`;
  const bare = e.replace(/^\[|\]$/g, '');
  if (isIP(bare) !== 0) return undefined;
  const [ip, bits] = bare.split('/');
  if (ip && bits !== undefined && isIP(ip) !== 0 && /^\d+$/.test(bits)) return undefined;
  // uvicorn compares a unix socket path literal with the socket's name.
  if (e.startsWith('/') || e.startsWith('unix:')) return undefined;
  return `${e} is a host name: the server compares entries with the peer's IP address and never resolves names`;
}

function servers(s: AppServerFacts): boolean {
  if (s.kind === 'gunicorn') return true;
  return s.kind === 'uvicorn' && s.proxyHeaders.value;
}

export const trustEntryUnmatchable: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    facts.appServers.forEach((s, index) => {
      if (!servers(s) || s.trustedProxies.origin === 'default' || s.trustedProxies.origin === 'unknown') return;
      const bad = s.trustedProxies.value.map((e) => ({ e, why: unmatchableEntry(e) })).filter((x) => x.why !== undefined);
      if (bad.length === 0) return;
      const first = bad[0] as { e: string; why: string };
      const rest = s.trustedProxies.value.filter((e) => unmatchableEntry(e) === undefined);
      const wildcard = bad.some((b) => b.e.replace(/["'\s]/g, '') === '*');
      const peers = proxyPeers(facts, s);
      const where = s.binds[0] ? describeBind(s.binds[0]) : 'its port';
      const ref = s.trustedProxies.ref ?? s.launch;
      out.push(
        finding(meta, {
          message: `${s.kind} on ${where} trusts ${rest.length ? rest.join(', ') : 'no peer at all'}: ${first.why}${
            wildcard
              ? ", so the intended wildcard trusts nobody and the proxy's X-Forwarded-Proto/-For are ignored (the app sees http)"
              : ''
          }`,
          evidence: [
            ev(ref, `forwarded_allow_ips = ${s.trustedProxies.value.join(',')}`),
            ...peers.slice(0, 1).flatMap(peerEvidence),
          ],
          why: 'gunicorn applies secure_scheme_headers, and uvicorn its ProxyHeadersMiddleware, only for a peer whose IP equals an entry (or for "*"). An entry that is not an address never matches, so the setting looks done and changes nothing: url_for/build_absolute_uri keep building http:// URLs behind the TLS proxy.',
          fix: {
            description: wildcard
              ? `No mechanical fix: the value meant "*", which trusts every peer. Write it without the inner quotes (exec form: "--forwarded-allow-ips=*") only while nothing but the proxy can reach ${where}; better name the proxy's address or network (networks from gunicorn 24.1 / uvicorn 0.31).`
              : "No mechanical fix: replace the host name with the proxy's IP address (or its network, from gunicorn 24.1 / uvicorn 0.31).",
            file: ref.file,
            line: ref.line,
          },
          data: { appServer: index, entries: bad.map((b) => b.e) },
        }),
      );
    });
    return out;
  },
};
