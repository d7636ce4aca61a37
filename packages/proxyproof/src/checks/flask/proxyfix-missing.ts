/**
 * flask/proxyfix-missing: a Flask app deployed behind a reverse proxy without Werkzeug's ProxyFix.
 * Scheme may still arrive through gunicorn's secure_scheme_headers (loopback proxy) or uWSGI (which maps
 * X-Forwarded-Proto and nginx's HTTPS param into wsgi.url_scheme from any peer); the client address and
 * X-Forwarded-Host never do.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { AppServerFacts, Facts, FrameworkFacts } from '../../model/facts.js';
import type { Evidence, Finding } from '../../model/finding.js';
import { REFS } from '../appserver/common.js';
import { ev, proxyPeers, type SchemeVerdict, schemeFromProxy, serversFor } from '../appserver/context.js';
import { flaskApps, frontRef, hasProxyFix, proxiesSeen, proxyFixCounts } from './common.js';

const meta: CheckMeta = {
  id: 'flask/proxyfix-missing',
  severity: 'medium',
  title: 'Flask app behind a proxy without ProxyFix',
  summary: 'No werkzeug ProxyFix: url_for(_external=True), redirects and request.remote_addr use the proxy connection.',
  references: [REFS.werkzeugProxyFix, REFS.flaskProxies],
};

/** An absolute URL the app's code builds from the request: in the app's own top folder (a tree may hold several apps). */
function urlUse(facts: Parameters<Check['run']>[0], appFile: string): Evidence[] {
  const top = appFile.includes('/') ? `${appFile.slice(0, appFile.indexOf('/'))}/` : '';
  const urls = (facts.codeUses ?? []).filter((u) => u.kind === 'url' && u.ref.file.startsWith(top)).slice(0, 3);
  return urls.map((u) => ev(u.ref, `${u.what}: http:// while the scheme is lost`));
}

/**
 * The uWSGI servers (collectors/uwsgi) running this Flask app: the ones whose `module`/`wsgi-file` names the app's
 * package, else every uWSGI server when the tree starts no Python app server of another kind (serversFor's rule).
 */
function uwsgiServersFor(facts: Facts, fw: FrameworkFacts, others: AppServerFacts[]): AppServerFacts[] {
  const all = facts.appServers.filter((s) => s.kind === 'other' && s.name === 'uwsgi');
  const pkg = fw.module?.split('.')[0];
  const matched = all.filter((s) => pkg && s.appTarget && s.appTarget.split(/[.:]/)[0] === pkg);
  return matched.length > 0 ? matched : others.length === 0 ? all : [];
}

/**
 * What uWSGI makes of the scheme (core/protocol.c uwsgi_proto_check_22 / _5, plugins/python/wsgi_subhandler.c, uWSGI
 * 2.0.21): X-Forwarded-Proto (an HTTP_X_FORWARDED_PROTO var, over uwsgi_pass or http-socket) becomes wsgi.url_scheme,
 * else nginx's `HTTPS on` uwsgi_param, from any peer. Lost only where an nginx that ends TLS proxies to it with no
 * X-Forwarded-Proto (proxy_pass to an http-socket).
 */
function uwsgiScheme(facts: Facts, s: AppServerFacts): SchemeVerdict {
  const peers = proxyPeers(facts, s);
  const tls = peers.filter((p) => p.schemeHeaders !== undefined && p.tls);
  const lost = tls.length > 0 && tls.every((p) => !(p.schemeHeaders ?? []).some((h) => h.toLowerCase() === 'x-forwarded-proto'));
  return lost
    ? {
        believed: 'no',
        cause: 'not-sent',
        viaLoopbackDefault: false,
        reason: `${tls[0]?.what} sends no X-Forwarded-Proto`,
        peers,
      }
    : {
        believed: 'yes',
        viaLoopbackDefault: false,
        reason: "uWSGI turns X-Forwarded-Proto, or nginx's HTTPS uwsgi_param, into wsgi.url_scheme",
        peers,
      };
}

export const proxyfixMissing: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const fw of flaskApps(facts)) {
      // ProxyFix behind an environment switch is deploy/trust-switch-off's (it names the switch and the deployment).
      if (hasProxyFix(fw) || fw.envSwitches?.some((s) => s.what === 'ProxyFix')) continue;
      const py = serversFor(facts, fw);
      const uwsgi = uwsgiServersFor(facts, fw, py);
      const servers = [...py, ...uwsgi];
      if (proxiesSeen(facts) === 0 && servers.length === 0) continue;
      const verdicts = servers.map((s) => ({ s, v: uwsgi.includes(s) ? uwsgiScheme(facts, s) : schemeFromProxy(facts, s) }));
      const schemeOk = verdicts.length > 0 && verdicts.every((x) => x.v.believed === 'yes');
      const underUwsgi = verdicts.length > 0 && verdicts.every((x) => uwsgi.includes(x.s));
      const app = fw.settings.__app;
      // An app that already wraps its WSGI app (`app.wsgi_app = PrefixMiddleware(app.wsgi_app)`): ProxyFix joins that
      // stack, outermost, on the line after it (so it runs first and the other middleware sees the corrected environ).
      const wrap = fw.settings.__wsgiWrap;
      const at = wrap?.ref?.line ? wrap : app;
      out.push(
        finding(meta, {
          severity: schemeOk ? 'low' : 'medium',
          message: schemeOk
            ? `the Flask app has no ProxyFix: the scheme comes from ${verdicts[0]?.s.name ?? verdicts[0]?.s.kind} (${verdicts[0]?.v.reason}), but request.remote_addr is ${underUwsgi ? "the REMOTE_ADDR the hop in front hands uWSGI (nginx's own address over http-socket; over uwsgi_pass the address nginx saw, a load balancer's when one is in front)" : "the proxy's address"} and X-Forwarded-Host is ignored`
            : 'the Flask app has no ProxyFix: behind the proxy, url_for(_external=True) and redirects use http:// and request.remote_addr is the proxy address',
          evidence: [
            ...(wrap?.ref?.line ? [ev(wrap.ref, 'the WSGI middleware is assembled here, without ProxyFix')] : []),
            ev(app?.ref ?? { file: fw.file, line: 0 }, 'Flask app created here'),
            ...verdicts.slice(0, 1).map((x) => ev(x.s.launch, `${x.s.name ?? x.s.kind} started here`)),
            ...(servers.length === 0 && frontRef(facts) ? [frontRef(facts) as Evidence] : []),
            // Where the lost scheme shows in the app's own code (an OAuth redirect_uri from request.host_url).
            ...(schemeOk ? [] : urlUse(facts, fw.file)),
          ],
          why: 'Werkzeug builds request.scheme, request.host and request.remote_addr from the WSGI environ, i.e. from the proxy connection, unless ProxyFix rewrites them from X-Forwarded-* (for exactly the number of proxies in front).',
          // Right after the app is created, under its own name (`application = Flask(...)`, inside a factory too:
          // the lines take the creation line's indentation); one count per proxy that sets each header.
          fix: {
            description: `Wrap the WSGI app with ProxyFix right after ${at === wrap ? 'its other middleware is applied' : 'it is created'}, one count per proxy that sets each header (${proxyFixCounts(facts)}${/x_host/.test(proxyFixCounts(facts)) ? '' : '; x_host only once the proxy sets X-Forwarded-Host itself'})${underUwsgi ? "; behind nginx's uwsgi_pass the client's own X-Forwarded-For is passed on unless nginx sets it (`uwsgi_param HTTP_X_FORWARDED_FOR $proxy_add_x_forwarded_for;`), so x_for counts only once it does" : ''}.`,
            file: at?.ref?.file ?? fw.file,
            line: at?.ref?.line,
            ...(typeof app?.value === 'string' && /^[A-Za-z_][\w.]*$/.test(app.value) && at?.ref?.line
              ? { placement: 'after' as const }
              : {}),
            lines: [
              'from werkzeug.middleware.proxy_fix import ProxyFix',
              `${app?.value ?? 'app'}.wsgi_app = ProxyFix(${app?.value ?? 'app'}.wsgi_app, ${proxyFixCounts(facts)})`,
            ],
          },
          data: { schemeFromServer: schemeOk },
        }),
      );
    }
    return out;
  },
};
