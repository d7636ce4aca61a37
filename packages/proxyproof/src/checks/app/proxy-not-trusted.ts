/**
 * app/proxy-not-trusted: the app end takes forwarded headers only from a trust list that leaves out the
 * proxy in front: nobody (Laravel/Symfony defaults, Spring `forward-headers-strategy: none`), loopback only
 * (ASP.NET Core's KnownNetworks/KnownProxies default) while the proxy is another container or host, or a
 * hard-coded address that is not the proxy's. The app then believes every request is plain http from the
 * proxy's address: http:// URLs (mixed content), http OAuth redirect_uri, no Secure cookies, one client IP.
 */
import { everyPeerEntry, ipInList } from '../../chain/addr.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Evidence, Finding, Fix, Severity } from '../../model/finding.js';
import type { AppEndFramework } from './common.js';
import {
  APP_REFS,
  appEnds,
  appServices,
  containerEvidence,
  coversOnlyLoopback,
  ev,
  fastcgiClientPeers,
  frontEvidence,
  httpProxyPeers,
  keyLine,
  NOT_APP_IMAGE,
  trustText,
} from './common.js';

const meta: CheckMeta = {
  id: 'app/proxy-not-trusted',
  severity: 'high',
  title: "The app does not trust the proxy's forwarded headers",
  summary:
    'Laravel/Symfony trust nobody by default, Spring Boot with forward-headers-strategy none reads nothing, ASP.NET Core trusts loopback only: behind a proxy elsewhere the app sees http and the proxy as client.',
  references: [
    APP_REFS.laravelTrust,
    APP_REFS.laravelDocs,
    APP_REFS.symfonyProxies,
    APP_REFS.springProxy,
    APP_REFS.aspnetProxy,
    APP_REFS.aspnetOptions,
    APP_REFS.jettyForwarded,
  ],
};

/** Addresses a proxy in another container usually connects from (Docker's default bridge and user networks). */
const DOCKER_PEERS = ['172.17.0.1', '172.18.0.2', '172.19.0.2', '172.20.0.2'];

/** App ends that run under PHP (php-fpm behind FastCGI: REMOTE_ADDR is what nginx passes). */
const PHP_KINDS = new Set(['laravel', 'symfony', 'wordpress']);

/** The private networks a proxy in another container or on the LAN connects from (Laravel's usual list). */
const PRIVATE_NETWORKS = ['127.0.0.1', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

/** A PHP array literal of addresses: ['127.0.0.1', '10.0.0.0/8']. */
function phpList(addrs: string[]): string {
  return `[${addrs.map((x) => `'${x}'`).join(', ')}]`;
}

/** Line `n` (1-based) begins a PHP statement: the code above it ends one (`;`, `{`, `}`), or nothing is above it. */
function statementStartsAt(lines: string[], n: number): boolean {
  for (let i = n - 2; i >= 0; i--) {
    const t = (lines[i] ?? '').replace(/\/\/.*$|#.*$/, '').trim();
    if (t === '' || /^(\*|\/\*)/.test(t) || /\*\/$/.test(t)) continue;
    return /[;{}]$/.test(t) || /^<\?php$/.test(t);
  }
  return true;
}

/** Why the trust line of a PHP or other app end cannot be patched mechanically, as the line shows it. */
function noMechanicalFix(fw: AppEndFramework, text: string): string {
  const t = text.trim();
  if (/\$proxies\s*=/.test(t) && !/;\s*$/.test(t)) return 'the $proxies value spans several lines here';
  if (/\$proxies\s*=/.test(t))
    return 'the $proxies list already names addresses: which to add depends on where the proxy connects from';
  if (/trustProxies\s*\(|TrustProxies::at\s*\(/.test(t))
    return 'trustProxies(at:) already names addresses: which to add depends on where the proxy connects from';
  if (/setTrustedProxies\s*\(/.test(t))
    return 'setTrustedProxies() already names addresses: which to add depends on where the proxy connects from';
  if (/trusted_proxies/.test(t))
    return 'trusted_proxies already names addresses: which to add depends on where the proxy connects from';
  if (fw.kind === 'laravel' && /\bclass\s+\w+/.test(t)) return 'the middleware declares no $proxies property to set';
  return `the setting is not written at ${t ? `\`${t.slice(0, 60)}\`` : 'this line'}, so the files show no place to change`;
}

/**
 * The trust line with the proxy's address added to the addresses it already names, when that list is written on this
 * one line: Laravel `$proxies = [...]`, `trustProxies(at: [...])` or `at: '...'`, Symfony `trusted_proxies: '...'`
 * (comma-separated). `<proxy address>` is filled by `fix --proxy-address ADDR`; without it the fix is advice naming
 * the option (fix/plan.ts). Undefined for any other shape (several lines, an environment value).
 */
function withProxyAddress(fw: AppEndFramework, text: string): string | undefined {
  if (/%env\(|\benv\s*\(|getenv\s*\(|\$_(?:ENV|SERVER)\b/.test(text)) return undefined;
  const addToList = (m: RegExpExecArray) => {
    const items = (m[2] ?? '').trim().replace(/,\s*$/, '');
    return `${m[1]}${items === '' ? '' : `${items}, `}'${PROXY_ADDRESS}'${m[3]}`;
  };
  if (fw.kind === 'laravel') {
    const list = /(\$proxies\s*=\s*\[)([^\]]*)(\]\s*;)/.exec(text) ?? /(trustProxies\s*\(\s*at:\s*\[)([^\]]*)(\])/.exec(text);
    if (list) return text.slice(0, list.index) + addToList(list) + text.slice(list.index + list[0].length);
    const one = /(trustProxies\s*\(\s*at:\s*)(['"])([^'"]*)\2/.exec(text);
    if (one && one[3] !== '*' && one[3] !== '**')
      return `${text.slice(0, one.index)}${one[1]}['${one[3]}', '${PROXY_ADDRESS}']${text.slice(one.index + one[0].length)}`;
  }
  if (fw.kind === 'symfony') {
    const str = /(trusted_proxies\s*:\s*)(['"])([^'"]*)\2/.exec(text);
    if (str && str[3] !== '')
      return `${text.slice(0, str.index)}${str[1]}${str[2]}${str[3]},${PROXY_ADDRESS}${str[2]}${text.slice(str.index + str[0].length)}`;
  }
  return undefined;
}

const PROXY_ADDRESS = '<proxy address>';

/**
 * A Laravel list opened on the trust line and closed on a later one (`protected $proxies = [` ... `];`,
 * `->trustProxies(at: [` ... `])`): the edit that adds `'<proxy address>'` as its last item, written at the last item's
 * line (a comma added to it when it has none) or after the opening line of an empty list. Undefined when the items
 * start on the opening line, an item reads the environment, the last item ends in a comment without a comma, or the
 * list does not close within 50 lines (nothing is guessed).
 */
function multiLineListEdit(
  fw: AppEndFramework,
  lines: string[],
  n: number,
): { line: number; lines: string[]; placement: 'after' | 'replace' } | undefined {
  if (fw.kind !== 'laravel') return undefined;
  const open = lines[n - 1] ?? '';
  if (!/(\$proxies\s*=\s*\[|trustProxies\s*\(\s*at:\s*\[)\s*(\/\/.*)?$/.test(open)) return undefined;
  const closeAt = lines.findIndex((l, i) => i >= n && i < n + 50 && /^\s*\]/.test(l));
  if (closeAt < 0) return undefined;
  const items = lines.slice(n, closeAt);
  if (items.some((l) => /%env\(|\benv\s*\(|getenv\s*\(|\$_(?:ENV|SERVER)\b|\[|\]/.test(l))) return undefined;
  let last = -1;
  items.forEach((l, i) => {
    const t = l.trim();
    if (t !== '' && !t.startsWith('//') && !t.startsWith('#') && !t.startsWith('/*') && !t.startsWith('*')) last = i;
  });
  const closeIndent = /^\s*/.exec(lines[closeAt] ?? '')?.[0] ?? '';
  if (last < 0) return { line: n, lines: [open, `${closeIndent}    '${PROXY_ADDRESS}',`], placement: 'replace' };
  const text = items[last] as string;
  const indent = /^\s*/.exec(text)?.[0] ?? '';
  const code = text.replace(/\s*(\/\/|#).*$/, '');
  if (!/^\s*(['"])[^'"]*\1\s*,?\s*$/.test(code)) return undefined;
  const withComma = /,\s*$/.test(code) ? text : code !== text ? undefined : `${text.trimEnd()},`;
  if (withComma === undefined) return undefined;
  return { line: n + 1 + last, lines: [withComma, `${indent}'${PROXY_ADDRESS}',`], placement: 'replace' };
}

/** A compose environment line setting Bitnami's ODOO_ENABLE_PROXY_MODE (`- K=v`, `K: v`, quoted or not): the value. */
const BITNAMI_PROXY_MODE_VALUE = /(ODOO_ENABLE_PROXY_MODE["']?\s*[=:]\s*["']?)[^"'\s#]*/;

function fixFor(fw: AppEndFramework, facts: Parameters<Check['run']>[0]): Fix {
  const a = fw.appEnd;
  const r = a.ref;
  const lines = facts.sources.get(r.file) ?? [];
  const text = lines[r.line - 1] ?? '';
  const indent = /^\s*/.exec(text)?.[0] ?? '';
  if (fw.kind === 'odoo') {
    // Odoo has no list of peers, only the proxy_mode switch (collectors/odoo): written in place, or under [options].
    const written = /^\s*proxy_mode\s*[=:]/.test(text);
    const section = /^\s*\[options\]\s*$/.test(text);
    // Bitnami's image: the compose line that sets ODOO_ENABLE_PROXY_MODE, its value turned to yes.
    const bitnami = BITNAMI_PROXY_MODE_VALUE.test(text);
    if (bitnami)
      return {
        description:
          "Set ODOO_ENABLE_PROXY_MODE=yes (Bitnami's image then writes proxy_mode = True: Odoo believes X-Forwarded-For/-Proto from every peer on requests with X-Forwarded-Host), and let only the proxy reach Odoo's port. The image writes odoo.conf at the first start only: on an initialised volume, set proxy_mode = True in /bitnami/odoo/conf/odoo.conf too.",
        file: r.file,
        line: r.line,
        lines: [text.replace(BITNAMI_PROXY_MODE_VALUE, '$1yes')],
        placement: 'replace',
      };
    return {
      description:
        "Turn on Odoo's proxy_mode (it has no trusted-proxy list: it then believes X-Forwarded-For/-Proto from every peer on requests with X-Forwarded-Host), and let only the proxy reach Odoo's port.",
      file: r.file,
      line: r.line,
      ...(written || section
        ? { lines: ['proxy_mode = True'], placement: written ? ('replace' as const) : ('after' as const) }
        : {}),
    };
  }
  if (fw.kind === 'jetty')
    return /^\s*--modules?=/.test(text)
      ? {
          description:
            'Enable the http-forwarded module (ForwardedRequestCustomizer). It believes X-Forwarded-* from every peer, so let only the proxy reach the Jetty port.',
          file: r.file,
          line: r.line,
          lines: ['--module=http-forwarded'],
          placement: 'after',
        }
      : {
          description:
            'Add a ForwardedRequestCustomizer to the HttpConfiguration (or start Jetty with --module=http-forwarded); it believes X-Forwarded-* from every peer, so let only the proxy reach the Jetty port.',
          file: r.file,
          line: r.line,
        };
  if (fw.kind === 'spring' && /forward-headers-strategy/.test(text))
    return {
      description: 'Let Tomcat/Jetty apply X-Forwarded-* from the proxy (native: trusted internal proxies only).',
      file: r.file,
      line: r.line,
      lines: [text.replace(/(forward-headers-strategy\s*[:=]\s*).*/, '$1native')],
      placement: 'replace',
    };
  // Symfony's trusted_proxies already written under `framework:` (the app end's line): add the proxy there, never a
  // second key (a YAML mapping with a duplicate key does not load).
  const symfonyTrust =
    fw.kind === 'symfony' && /^framework\s*:/.test(text)
      ? lines.findIndex((l, i) => i >= r.line && /^\s+trusted_proxies\s*:/.test(l))
      : -1;
  const symfonyAdded = symfonyTrust >= 0 ? withProxyAddress(fw, lines[symfonyTrust] ?? '') : undefined;
  if (symfonyAdded)
    return {
      description: `Add the address the proxy connects from to the addresses ${a.name} already trusts (give it with fix --proxy-address ADDR; on the proxy host, \`ip route get <app address>\` prints it after "src").`,
      file: r.file,
      line: symfonyTrust + 1,
      lines: [symfonyAdded],
      placement: 'replace',
    };
  if (fw.kind === 'symfony' && /^framework\s*:/.test(text) && symfonyTrust < 0)
    return {
      description:
        "Trust the proxy's network (private_ranges needs Symfony 5.2+; or list the proxy's address) and the headers it sends.",
      file: r.file,
      line: r.line,
      lines: [
        "    trusted_proxies: '127.0.0.1,private_ranges'",
        "    trusted_headers: ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-port', 'x-forwarded-host']",
      ],
      placement: 'after',
    };
  const peers = fastcgiClientPeers(facts);
  const trusted = phpList(peers ?? PRIVATE_NETWORKS);
  const whom = peers
    ? `the TLS front (it reaches PHP through nginx on loopback: REMOTE_ADDR ${peers.join(', ')})`
    : "the proxy's address or network";
  if (fw.kind === 'symfony' && /^\s*\$\w+\s*=\s*Request::createFromGlobals\s*\(\s*\)\s*;\s*$/.test(text)) {
    // A front controller that builds the Request itself: trust before createFromGlobals(). Only the headers
    // a front sets (scheme, client): trusting X-Forwarded-Host/-Port too would let a client's own values
    // through every proxy that does not overwrite them.
    if (!statementStartsAt(lines, r.line))
      return {
        description: `Call Request::setTrustedProxies(${trusted}, Request::HEADER_X_FORWARDED_FOR | Request::HEADER_X_FORWARDED_PROTO) before Request::createFromGlobals() (no mechanical fix: line ${r.line} continues the statement above it).`,
        file: r.file,
        line: r.line,
      };
    return {
      description: `Trust X-Forwarded-For/-Proto from ${whom} before the Request is built (Symfony believes them only from trusted proxies; Request::isSecure()).`,
      file: r.file,
      line: r.line,
      lines: [
        `Request::setTrustedProxies(${trusted}, Request::HEADER_X_FORWARDED_FOR | Request::HEADER_X_FORWARDED_PROTO);`,
        '',
        text.trim(),
      ],
      placement: 'replace',
    };
  }
  const closure = /->withMiddleware\s*\(\s*(?:static\s+)?function\s*\(\s*(?:\??[\w\\]+\s+)?(\$\w+)\s*\)[^{]*\{\s*$/.exec(text);
  if (fw.kind === 'laravel' && closure)
    return {
      description: `Laravel 11+: trust ${whom} in bootstrap/app.php.`,
      file: r.file,
      line: r.line,
      lines: [`${indent}    ${closure[1]}->trustProxies(at: ${trusted});`],
      placement: 'after',
    };
  if (fw.kind === 'laravel' && /\$proxies\s*(=\s*(['"][^'"]*['"]|null)\s*)?;/.test(text))
    return {
      description: `Trust ${whom} in the TrustProxies middleware (or read it from the environment: env('TRUSTED_PROXIES')).`,
      file: r.file,
      line: r.line,
      lines: [text.replace(/\$proxies\s*(=.*)?;/, `$proxies = ${trusted};`)],
      placement: 'replace',
    };
  const multi = multiLineListEdit(fw, lines, r.line);
  if (multi)
    return {
      description: `Add the address the proxy connects from to the addresses ${a.name} already trusts (give it with fix --proxy-address ADDR; on the proxy host, \`ip route get <app address>\` prints it after "src").`,
      file: r.file,
      ...multi,
    };
  const added = withProxyAddress(fw, text);
  if (added)
    return {
      description: `Add the address the proxy connects from to the addresses ${a.name} already trusts (give it with fix --proxy-address ADDR; on the proxy host, \`ip route get <app address>\` prints it after "src").`,
      file: r.file,
      line: r.line,
      lines: [added],
      placement: 'replace',
    };
  const after = fw.settings.valveGoesAfter?.ref;
  if (fw.kind === 'tomcat' && after) {
    const at = /^\s*/.exec(lines[after.line - 1] ?? '')?.[0] ?? '';
    return {
      description:
        "Add Tomcat's RemoteIpValve: it believes X-Forwarded-For/-Proto only from internalProxies (loopback and the private ranges by default); protocolHeader is written out because older releases (the Tomcat 6/7 valve) had no default for it. The proxy must set X-Forwarded-For itself (nginx $proxy_add_x_forwarded_for): the valve takes the right-most address that is not an internal proxy.",
      file: after.file,
      line: after.line,
      lines: [`${at}  <Valve className="org.apache.catalina.valves.RemoteIpValve" protocolHeader="X-Forwarded-Proto" />`],
      placement: 'after',
    };
  }
  return {
    description:
      fw.kind === 'aspnet'
        ? 'Add the proxy\'s address or network: options.KnownNetworks.Add(new IPNetwork(IPAddress.Parse("172.16.0.0"), 12)) (or KnownProxies.Add(...)); no mechanical fix because the options object is built in code.'
        : `List the proxy's address or network in ${a.name}'s trusted proxies (no mechanical fix: ${noMechanicalFix(fw, text)}).`,
    file: r.file,
    line: r.line,
  };
}

export const proxyNotTrusted: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const fw of appEnds(facts)) {
      const a = fw.appEnd;
      const t = a.trustScheme.value.length > 0 || a.schemeHeaders.length > 0 ? a.trustScheme : a.trustClient;
      if (t.origin === 'env' || t.origin === 'unknown' || everyPeerEntry(t.value) !== undefined) continue;
      // uvicorn's ProxyHeadersMiddleware in a FastAPI/Starlette app runs after the server's own --proxy-headers, whose
      // trust list decides first: uvicorn/proxy-not-trusted and the chain judge the pair, not this list alone.
      if (fw.kind === 'fastapi' || fw.kind === 'starlette') continue;
      if (
        a.schemeHeaders.length === 0 &&
        a.clientHeaders.length === 0 &&
        fw.kind !== 'spring' &&
        fw.kind !== 'tomcat' &&
        fw.kind !== 'jetty'
      )
        continue;
      if (a.assumeHttps?.value === true && a.assumeHttps.origin === 'literal') continue;
      const front = frontEvidence(facts, fw);
      const container = containerEvidence(facts);
      let severity: Severity;
      let problem: string;
      if (t.value.length === 0) {
        problem =
          fw.kind === 'tomcat'
            ? `no RemoteIpValve in ${fw.file}: Tomcat ignores X-Forwarded-Proto/-For, request.getScheme() is the Connector's http`
            : fw.kind === 'jetty'
              ? "no ForwardedRequestCustomizer (the http-forwarded module is not enabled): Jetty ignores Forwarded/X-Forwarded-*, request.getScheme() is the connector's http"
              : fw.kind === 'spring'
                ? `server.forward-headers-strategy is ${t.origin === 'default' ? 'unset (NONE unless Spring Boot detects a cloud platform)' : 'none'}: Tomcat/Jetty ignore X-Forwarded-Proto/-For`
                : `${a.name} trusts no proxy (${t.note ?? 'no trusted proxies configured'})`;
        // The app's own plain-HTTP listener (Octane, Kestrel...) on every interface: TLS, if any, ends in front of it.
        const own = (a.binds ?? []).filter((b) => b.kind === 'tcp' && b.exposure === 'all-interfaces');
        severity = front.length > 0 ? 'high' : t.origin === 'default' && own.length === 0 ? 'low' : 'medium';
        if (front.length === 0 && own[0])
          front.push(ev(own[0].ref, `${a.name} serves plain HTTP on ${own[0].host}:${own[0].port}: TLS ends in front of it`));
        // The app's container publishes a plain-HTTP port: whatever ends TLS for the site sits in front of it.
        const svc =
          front.length === 0
            ? (facts.compose?.files ?? [])
                .flatMap((f) => f.services)
                .find((x) => x.role !== 'proxy' && x.ports.length > 0 && !NOT_APP_IMAGE.test(x.image ?? ''))
            : undefined;
        if (svc)
          front.push(
            ev(
              svc.ref,
              `compose service ${svc.name} serves the app over plain HTTP (${svc.ports.map((p) => p.raw).join(', ')}): TLS ends in front of it`,
            ),
          );
      } else if (coversOnlyLoopback(t.value)) {
        if (!container && front.length === 0) continue;
        // PHP behind nginx on loopback: REMOTE_ADDR is nginx's client, a program on this host (the TLS front). An HTTP
        // app server behind nginx's proxy_pass to a loopback address: the peer is nginx itself, on this host.
        const peers = PHP_KINDS.has(fw.kind) ? fastcgiClientPeers(facts) : httpProxyPeers(facts);
        if (!container && peers?.every((p) => ipInList(p, t.value))) continue;
        problem = `${a.name} trusts forwarded headers only from loopback (${trustText(t.value)}${t.origin === 'default' ? ', the default' : ''}), and the proxy connects from another container or host`;
        severity = container ? 'high' : 'medium';
      } else {
        // A concrete list: only judge it when the app runs in containers and no Docker network address is covered.
        if (!container || DOCKER_PEERS.some((ip) => ipInList(ip, t.value))) continue;
        problem = `${a.name} trusts only ${trustText(t.value)}, which covers neither loopback-to-container nor Docker's networks: the proxy's requests come from another address`;
        severity = 'high';
      }
      const evidence: Evidence[] = [ev(t.ref ?? a.ref, problem)];
      if (t.ref && (t.ref.file !== a.ref.file || t.ref.line !== a.ref.line)) evidence.push(ev(a.ref));
      evidence.push(...front.slice(0, 2));
      if (container && t.value.length > 0) evidence.push(container);
      const fromEnv = fw.settings.optionsFromEnvironment;
      if (fromEnv?.ref)
        evidence.push(
          ev(fromEnv.ref, 'forwarded-header options come from the environment here; the trust lists keep their defaults'),
        );
      const octaneHttps = fw.settings.OCTANE_HTTPS;
      if (octaneHttps && octaneHttps.origin === 'env' && String(octaneHttps.value) !== 'true')
        evidence.push(
          ev(
            keyLine(facts, octaneHttps.ref?.file ?? '', 'OCTANE_HTTPS') ?? octaneHttps.ref,
            `OCTANE_HTTPS defaults to ${String(octaneHttps.value) || 'false'}: Octane does not mark requests https either`,
          ),
        );
      // Nothing lets the deployment set the trust from outside: say where the app's environment is.
      {
        const svc = appServices(facts).find((s) => Object.keys(s.environment).length > 0);
        const first = svc
          ? Object.entries(svc.environment)
              .map(([k, e]) => keyLine(facts, e.ref.file, k) ?? e.ref)
              .sort((x, y) => x.line - y.line)[0]
          : undefined;
        if (svc && first && !Object.keys(svc.environment).some((k) => /TRUSTED_PROX/i.test(k)))
          evidence.push(
            ev(
              { ...first, line: Math.max(1, first.line - 1) },
              `compose service ${svc.name}'s environment offers no trusted-proxy setting`,
            ),
          );
      }
      out.push(
        finding(meta, {
          severity,
          message: `${problem}. Behind a TLS-terminating proxy ${a.name} then sees every request as http from the proxy's address: http:// URLs and redirects, OAuth redirect_uri mismatches, cookies without Secure, one client IP for everyone.`,
          evidence,
          why: 'Forwarded headers are only believed from trusted peers. The proxy that ends TLS connects from its own address (another container, pod or host); when that address is not trusted, the scheme and client address it forwards are dropped.',
          fix: fixFor(fw, facts),
          data: { app: a.name, trusted: t.value, origin: t.origin },
        }),
      );
    }
    return out;
  },
};
