/**
 * waitress/proxy-headers-ignored: a Flask app served by waitress with neither ProxyFix nor waitress's own
 * `trusted_proxy`/`trusted_proxy_headers`: behind a TLS proxy request.scheme is http, url_for(_external=True)
 * builds http:// URLs (OAuth redirect_uri), request.remote_addr is the proxy. A per-request hook that copies
 * X-Forwarded-Proto into app.config['PREFERRED_URL_SCHEME'] does not help: inside a request url_for uses the
 * request's own scheme, and the global setting races between threads.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Evidence, Finding } from '../../model/finding.js';
import { ev, frontEvidence } from '../app/common.js';
import { proxyFixCounts } from '../flask/common.js';

const meta: CheckMeta = {
  id: 'waitress/proxy-headers-ignored',
  severity: 'high',
  title: 'waitress and Flask both ignore the proxy: the app sees http',
  summary: 'waitress serve() without trusted_proxy and a Flask app without ProxyFix: X-Forwarded-Proto/-For are ignored.',
  references: [
    'https://docs.pylonsproject.org/projects/waitress/en/stable/reverse-proxy.html',
    'https://github.com/Pylons/waitress/blob/v3.0.0/src/waitress/adjustments.py',
    'https://werkzeug.palletsprojects.com/en/stable/middleware/proxy_fix/',
    'https://flask.palletsprojects.com/en/stable/config/#PREFERRED_URL_SCHEME',
  ],
};

function linesMatching(facts: Parameters<Check['run']>[0], re: RegExp, max: number, fileRe = /\.py$/): Evidence[] {
  const out: Evidence[] = [];
  for (const [file, lines] of facts.sources) {
    if (!fileRe.test(file)) continue;
    lines.forEach((l, i) => {
      if (out.length < max && re.test(l) && !/^\s*#/.test(l)) out.push({ file, line: i + 1, snippet: l.trim() });
    });
  }
  return out;
}

export const waitressProxyHeadersIgnored: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    const servers = facts.appServers.filter((s) => s.name === 'waitress' && s.trustedProxies.value.length === 0);
    const flask = facts.frameworks.filter((f) => f.kind === 'flask' && !f.hopCounts);
    if (servers.length === 0 || flask.length === 0) return out;
    for (const s of servers) {
      const fw = flask[0];
      if (!fw) continue;
      const appLine =
        linesMatching(facts, /\bFlask\s*\(\s*__name__/, 1).find((e) => e.file === fw.file) ??
        linesMatching(facts, /\bFlask\s*\(\s*__name__/, 1)[0];
      const hook = linesMatching(facts, /config\s*\[\s*['"]PREFERRED_URL_SCHEME['"]\s*\]\s*=\s*(?!['"]https?['"]\s*$)/, 2).filter(
        (e) =>
          (facts.sources.get(e.file) ?? [])
            .slice(Math.max(0, e.line - 8), e.line)
            .some((l) => /before_(app_)?request|request\.headers/.test(l)),
      );
      const external = linesMatching(facts, /url_for\([^)]*_external\s*=\s*True/, 20).filter((e) =>
        /callback|redirect|oauth|auth/i.test(e.snippet ?? ''),
      );
      const front = frontEvidence(facts, fw);
      const evidence: Evidence[] = [ev(s.launch, 'waitress started here without trusted_proxy / trusted_proxy_headers')];
      if (appLine) evidence.push({ ...appLine, note: 'the Flask app is created here without ProxyFix' });
      for (const h of hook)
        evidence.push({
          ...h,
          note: 'sets the global PREFERRED_URL_SCHEME from an unchecked request header: no effect on url_for inside a request',
        });
      for (const e of external.slice(0, 1))
        evidence.push({ ...e, note: 'absolute URL from the request: http:// behind the TLS proxy' });
      evidence.push(...front.slice(0, 1));
      const indentOf = (e?: Evidence) => /^\s*/.exec(facts.sources.get(e?.file ?? '')?.[(e?.line ?? 1) - 1] ?? '')?.[0] ?? '';
      const varName = /(\w+)\s*=\s*Flask\s*\(/.exec(appLine?.snippet ?? '')?.[1] ?? 'app';
      const proxyFixLines = [
        `${indentOf(appLine)}from werkzeug.middleware.proxy_fix import ProxyFix`,
        `${indentOf(appLine)}${varName}.wsgi_app = ProxyFix(${varName}.wsgi_app, ${proxyFixCounts(facts)})`,
      ];
      const localOnly = s.binds.length > 0 && s.binds.every((b) => b.exposure === 'loopback' || b.exposure === 'unix');
      out.push(
        finding(meta, {
          severity: front.length > 0 || hook.length > 0 ? 'high' : 'medium',
          message:
            `waitress serves the Flask app without trusted_proxy/trusted_proxy_headers, and the app has no ProxyFix: behind a TLS proxy request.scheme is http, url_for(..., _external=True) builds http:// URLs (OAuth redirect_uri mismatch) and request.remote_addr is the proxy` +
            (hook.length > 0
              ? '. The before-request hook that sets PREFERRED_URL_SCHEME does not fix this: url_for uses the request scheme inside a request, and the global flips for every thread'
              : '') +
            '.',
          evidence,
          why: 'waitress only applies X-Forwarded-* when trusted_proxy matches the peer and trusted_proxy_headers lists them; Werkzeug applies them only through ProxyFix. PREFERRED_URL_SCHEME is used only outside a request context.',
          // ProxyFix believes the last hop of whoever connects: a mechanical fix only where nobody but a proxy
          // on the same host can connect (loopback or a unix socket); elsewhere it would make the backend spoofable.
          fix:
            appLine && localOnly
              ? {
                  description:
                    'Wrap the WSGI app in ProxyFix (one proxy in front), or give serve() trusted_proxy and trusted_proxy_headers.',
                  file: appLine.file,
                  line: appLine.line,
                  lines: proxyFixLines,
                  placement: 'after',
                }
              : {
                  description: `No mechanical fix: waitress listens where others than the proxy can connect, so ProxyFix would let them forge the scheme and address. Pass trusted_proxy='<proxy address>' and trusted_proxy_headers='x-forwarded-proto x-forwarded-for' to serve(), or bind it to 127.0.0.1 (proxy on the same host) and wrap the app: ${proxyFixLines.map((l) => l.trim()).join('; ')}.`,
                },
        }),
      );
    }
    return out;
  },
};
