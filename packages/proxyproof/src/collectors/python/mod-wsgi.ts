/**
 * Apache mod_wsgi as the chain's app server: a vhost with `WSGIScriptAlias URL /path/to/wsgi.py` runs the Python app
 * inside Apache (embedded, or in a `WSGIDaemonProcess` named by `WSGIProcessGroup`: the same environ either way).
 *
 * What decides wsgi.url_scheme (GrahamDumpleton/mod_wsgi@dbaca2e, src/server/wsgi_adapter.c and wsgi_environ.c):
 * - `https` only when Apache's HTTPS variable is `On` (any case) or exactly `1`, else `http`; mod_ssl sets it on the
 *   vhost's own TLS connection only. The HTTPS variable is then removed from the environ.
 * - `SetEnvIf X-Forwarded-Proto https HTTPS=1` (mod_setenvif) sets that variable from a request header, from ANY
 *   peer: a client's forged header on a plain vhost is believed.
 * - `WSGITrustedProxyHeaders X-Forwarded-Proto` (4.x): mod_wsgi itself sets HTTPS=1 on `https` and unsets it on
 *   `http` (`X-Forwarded-SSL`/`X-Forwarded-HTTPS`/`X-HTTPS`: On/true/1 and Off/false/0), only from the peers of
 *   `WSGITrustedProxies` when that list is given, from any peer when it is not.
 * Request headers otherwise reach the app unchanged as HTTP_* and the framework decides (Django's
 * SECURE_PROXY_SSL_HEADER, Flask's ProxyFix). REMOTE_ADDR is Apache's own client.
 */
import { passThroughServer } from '../../model/appserver.js';
import type { AppServerFacts, SourceRef } from '../../model/facts.js';

/** Scheme headers mod_wsgi reads under WSGITrustedProxyHeaders, by their kind of value (wsgi_environ.c registry). */
const SCHEME_STRING = ['x-forwarded-proto', 'x-forwarded-scheme', 'x-scheme'];
const SCHEME_BOOL = ['x-forwarded-ssl', 'x-forwarded-https', 'x-https'];

/** What one vhost's mod_wsgi directives say. */
export interface WsgiScope {
  /** `WSGIScriptAlias URL PATH`: the mount point and the script. */
  alias?: { url: string; script: string; ref: SourceRef };
  /** `WSGITrustedProxyHeaders` names, lower-case. */
  trustedHeaders: string[];
  /** `WSGITrustedProxies` addresses; undefined when not written (every peer). */
  trustedProxies?: string[];
  trustRef?: SourceRef;
  /** `SetEnvIf <scheme header> REGEX HTTPS=on|1`: the header, the pattern, the line. */
  setEnvIf?: { header: string; pattern: string; ref: SourceRef };
}

/**
 * Reads one directive of a vhost (or the server config it inherits) into the scope; false when it is not a
 * mod_wsgi/mod_setenvif directive this reader uses.
 */
export function applyWsgiDirective(scope: WsgiScope, key: string, args: string[], ref: SourceRef): boolean {
  const unq = (a: string) => a.replace(/^["']|["']$/g, '');
  if (key === 'wsgiscriptalias' && args[0] && args[1]) {
    scope.alias = { url: unq(args[0]), script: unq(args[1]), ref };
    return true;
  }
  if (key === 'wsgitrustedproxyheaders') {
    scope.trustedHeaders = args.map((a) => unq(a).toLowerCase());
    scope.trustRef = ref;
    return true;
  }
  if (key === 'wsgitrustedproxies') {
    scope.trustedProxies = args.map(unq);
    return true;
  }
  if (key === 'setenvif' || key === 'setenvifnocase') {
    const header = unq(args[0] ?? '').toLowerCase();
    // Only a scheme header that sets HTTPS to a value mod_wsgi takes as https (On, any case, or 1).
    const sets = args.slice(2).some((a) => /^HTTPS=(on|1)$/i.test(unq(a)));
    if (![...SCHEME_STRING, ...SCHEME_BOOL].includes(header) || !sets || !args[1]) return false;
    scope.setEnvIf = { header, pattern: `${key === 'setenvifnocase' ? '(?i)' : ''}${unq(args[1])}`, ref };
    return true;
  }
  return false;
}

/** The chain's socket path of mod_wsgi in an Apache vhost (what the vhost's WSGI route points at). */
export function modWsgiSocket(script: string): string {
  return `mod_wsgi:${script}`;
}

/**
 * The app target a WSGI script names, as a dotted module for the framework attachment: `/srv/mysite/mysite/wsgi.py`
 * -> `mysite.wsgi` (its folder and its name), the Django layout; `/var/www/app/app.wsgi` -> `app.app`.
 */
function scriptTarget(script: string): string {
  const parts = script.split('/').filter(Boolean);
  const name = (parts.pop() ?? '').replace(/\.(py|wsgi)$/, '');
  const dir = parts.pop();
  return dir ? `${dir}.${name}` : name;
}

/**
 * The scheme headers mod_wsgi (or mod_setenvif in front of it) turns into HTTPS, as `schemeHeaders`: header -> the
 * rule its value follows: `string` (https / http), `bool` (On/true/1, Off/false/0), `re:PATTERN` (SetEnvIf: a match
 * sets HTTPS=1, no match leaves it). The simulator (chain/simulate.ts, mod_wsgi) applies them in this order.
 */
function schemeRules(w: WsgiScope): Record<string, string> {
  const out: Record<string, string> = {};
  if (w.setEnvIf) out[w.setEnvIf.header] = `re:${w.setEnvIf.pattern}`;
  for (const h of w.trustedHeaders) {
    if (SCHEME_STRING.includes(h)) out[h] = 'string';
    else if (SCHEME_BOOL.includes(h)) out[h] = 'bool';
  }
  return out;
}

export function modWsgiServer(w: WsgiScope & { alias: NonNullable<WsgiScope['alias']> }): AppServerFacts {
  const { script, ref } = w.alias;
  const server = passThroughServer({
    name: 'mod_wsgi',
    launch: { ...ref, via: 'config' },
    appTarget: scriptTarget(script),
    binds: [{ kind: 'unix', path: modWsgiSocket(script), exposure: 'unix', ref }],
    configFiles: [ref.file],
    notes: [
      `mod_wsgi inside Apache runs ${script}: wsgi.url_scheme is https only when Apache's HTTPS variable is On/1 (its own TLS connection${w.setEnvIf ? ', or SetEnvIf' : ''}${w.trustedHeaders.length ? ', or WSGITrustedProxyHeaders' : ''}); other headers reach the app unchanged`,
    ],
  });
  const rules = schemeRules(w);
  if (Object.keys(rules).length === 0) return server;
  // SetEnvIf has no peer condition; WSGITrustedProxyHeaders without WSGITrustedProxies trusts every peer too. With
  // SetEnvIf and a WSGITrustedProxies list both, one trust list serves every rule: SetEnvIf's (every peer) is kept.
  const trustRef = w.setEnvIf && !w.trustedProxies ? w.setEnvIf.ref : (w.trustRef ?? w.setEnvIf?.ref ?? ref);
  const everyone = Boolean(w.setEnvIf) || !w.trustedProxies;
  server.proxyHeaders = { value: true, origin: 'literal', ref: trustRef };
  server.trustedProxies = { value: everyone ? ['*'] : (w.trustedProxies ?? []), origin: 'literal', ref: trustRef };
  server.schemeHeaders = { value: rules, origin: 'literal', ref: trustRef };
  return server;
}
