/**
 * Tomcat's `server.xml` (also as an Ansible/Chef template: `server.xml.j2`, `.erb`): the HTTP Connectors it
 * listens on (an app-server hop of the chain, so the doctor can say "lost at hop N" for Tomcat) and the
 * `RemoteIpValve` that decides which forwarded headers it believes, from whom.
 *
 * Defaults, read from Debian bookworm's Tomcat 10.1.60 (`libtomcat10-java`, RemoteIpValve.class string constants):
 * internalProxies = 10/8, 192.168/16, 169.254/16, 127/8, 100.64/10, 172.16/12, ::1, fe80::/10, fc00::/7 (a
 * regular expression over the peer address); remoteIpHeader = X-Forwarded-For; protocolHeader = X-Forwarded-Proto;
 * protocolHeaderHttpsValue = https; trustedProxies empty. Without the valve Tomcat reads no forwarded header at
 * all: request.getScheme() is the Connector's `scheme` attribute (http unless written). Tomcat 6/7's valve had
 * no protocolHeader default (null: the scheme was never changed); we follow the Debian version.
 *
 * XML is read with a small tag scanner (comments blanked, line numbers kept): only Connector and Valve
 * attributes are needed, and a template's `{{ ... }}` attribute values must not stop the reading.
 */
import { passThroughServer } from '../../model/appserver.js';
import type { AppServerFacts, BindAddress, FrameworkFacts, SourceRef, Valued } from '../../model/facts.js';
import { lit, refAt } from '../appends/lines.js';
import { TOMCAT_INTERNAL_PROXIES } from './defaults.js';

export const TOMCAT_VALVE_DOC = 'https://tomcat.apache.org/tomcat-10.1-doc/config/valve.html#Remote_IP_Valve';
/** Where Tomcat decides the session cookie's Secure flag: `scc.isSecure() || secure` (the request's isSecure()). */
export const TOMCAT_SESSION_COOKIE_SOURCE =
  'https://github.com/apache/tomcat/blob/10.1.x/java/org/apache/catalina/core/ApplicationSessionCookieConfig.java (createSessionCookie)';
export const TOMCAT_VALVE_SOURCE =
  'https://github.com/apache/tomcat/blob/10.1.x/java/org/apache/catalina/valves/RemoteIpValve.java';
export const TOMCAT_CONNECTOR_DOC = 'https://tomcat.apache.org/tomcat-10.1-doc/config/http.html';

/** A server.xml by name (templates included) whose text has a Server or Service element. */
export function isTomcatServerXml(display: string, text: string): boolean {
  if (!/(?:^|\/)server\.xml(?:\.(?:j2|jinja2?|erb|tpl|tmpl|template))?$/.test(display)) return false;
  return /<(?:Server|Service)\b/.test(text) && /<Connector\b/.test(text);
}

/** XML comments blanked, newlines kept (so every offset keeps its line). */
function blankComments(text: string): string {
  return text.replace(/<!--[\s\S]*?-->/g, (m) => m.replace(/[^\n]/g, ' '));
}

interface Tag {
  name: string;
  attrs: Map<string, { value: string; line: number }>;
  line: number;
}

const MAX_TAGS = 5000;

function tags(text: string, names: string[]): Tag[] {
  const out: Tag[] = [];
  const re = new RegExp(`<(${names.join('|')})\\b`, 'g');
  let m: RegExpExecArray | null = re.exec(text);
  while (m !== null && out.length < MAX_TAGS) {
    const start = m.index;
    const line = text.slice(0, start).split('\n').length;
    // The tag ends at the first `>` outside quotes (a template's `{{ a > b }}` is inside quotes in practice).
    let i = start + m[0].length;
    let quote: string | null = null;
    for (; i < text.length && i - start < 20000; i++) {
      const c = text[i];
      if (quote) {
        if (c === quote) quote = null;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '>') break;
    }
    const body = text.slice(start + m[0].length, i);
    const attrs = new Map<string, { value: string; line: number }>();
    const ar = /([A-Za-z_:][\w:.-]*)\s*=\s*("([^"]*)"|'([^']*)')/g;
    let a: RegExpExecArray | null = ar.exec(body);
    while (a !== null) {
      const at = start + m[0].length + a.index;
      attrs.set(a[1] as string, { value: a[3] ?? a[4] ?? '', line: text.slice(0, at).split('\n').length });
      a = ar.exec(body);
    }
    out.push({ name: m[1] as string, attrs, line });
    re.lastIndex = i;
    m = re.exec(text);
  }
  return out;
}

/**
 * The valve's internalProxies regular expression as trust entries: each `|` alternative that is a literal address
 * (`192\.168\.0\.10`) becomes that address, an octet prefix followed by `\d{1,3}` groups (`10\.\d{1,3}\...`)
 * becomes its CIDR, `.*` trusts everyone. Anything else is kept as written (`re:` prefix), which no address
 * matches in the simulation.
 */
export function internalProxiesToList(regex: string): string[] {
  const out: string[] = [];
  for (const alt of regex.split('|').map((s) => s.trim().replace(/^\^|\$$/g, ''))) {
    if (!alt) continue;
    if (alt === '.*' || alt === '.+') {
      out.push('*');
      continue;
    }
    const parts = alt.split('\\.');
    if (parts.length === 4) {
      const fixed: string[] = [];
      let ok = true;
      let wild = false;
      for (const p of parts) {
        if (/^\d{1,3}$/.test(p) && !wild) fixed.push(p);
        else if (/^\\d(\{1,3\}|\+)$/.test(p)) wild = true;
        else ok = false;
      }
      if (ok) {
        const bits = fixed.length * 8;
        out.push(bits === 32 ? fixed.join('.') : `${[...fixed, ...Array(4 - fixed.length).fill('0')].join('.')}/${bits}`);
        continue;
      }
    }
    out.push(`re:${alt}`);
  }
  return out;
}

export interface TomcatResult {
  server?: AppServerFacts;
  framework: FrameworkFacts;
}

export function readServerXml(display: string, text: string): TomcatResult | undefined {
  const raw = text.split(/\r?\n/);
  const code = blankComments(text);
  const all = tags(code, ['Connector', 'Valve', 'Engine', 'Host']);
  const connectors = all.filter((t) => t.name === 'Connector');
  if (connectors.length === 0) return undefined;
  const refOf = (line: number): SourceRef => refAt(display, raw, line);
  const binds: BindAddress[] = [];
  let assumeHttps: Valued<boolean> | undefined;
  let anyTls = false;
  for (const c of connectors) {
    const protocol = c.attrs.get('protocol')?.value ?? 'HTTP/1.1';
    if (/ajp/i.test(protocol)) continue; // AJP is not HTTP: a proxy_pass cannot reach it
    const portText = c.attrs.get('port')?.value;
    const port = portText && /^\d+$/.test(portText) ? Number(portText) : undefined;
    const address = c.attrs.get('address')?.value;
    const tls = c.attrs.get('SSLEnabled')?.value === 'true';
    if (tls) anyTls = true;
    const ref = refOf(c.attrs.get('port')?.line ?? c.line);
    const host = address && !/[{}$]/.test(address) ? address : undefined;
    const loop = host !== undefined && (/^127\./.test(host) || host === 'localhost' || host === '::1');
    const b: BindAddress = {
      kind: 'tcp',
      exposure: host === undefined || host === '0.0.0.0' || host === '::' ? 'all-interfaces' : loop ? 'loopback' : 'specific',
      ref,
    };
    if (host !== undefined) b.host = host;
    if (port !== undefined) b.port = port;
    if (!tls) binds.push(b);
    // A plain Connector told the public scheme (`scheme="https" secure="true"` or `proxyPort="443"` with https):
    // every request on it is https, whatever the proxy sends.
    const scheme = c.attrs.get('scheme');
    if (!tls && scheme?.value.toLowerCase() === 'https' && !assumeHttps)
      assumeHttps = lit(true, refOf(scheme.line), 'literal', {
        note: `Connector scheme="https": request.getScheme() is https on port ${portText ?? '?'}`,
      });
  }
  const valve = all.find((t) => t.name === 'Valve' && /RemoteIpValve$/.test(t.attrs.get('className')?.value ?? ''));
  const valveRef = valve ? refOf(valve.line) : undefined;
  const anchor = valveRef ?? refOf(connectors[0]?.line ?? 1);
  const attr = (k: string) => valve?.attrs.get(k);
  const internal = attr('internalProxies');
  const trustedExtra = attr('trustedProxies');
  const trustList = internal ? internalProxiesToList(internal.value) : TOMCAT_INTERNAL_PROXIES;
  const trust: Valued<string[]> = valve
    ? lit(trustList, internal ? refOf(internal.line) : anchor, internal ? 'literal' : 'default', {
        note: internal
          ? `internalProxies="${internal.value}"`
          : "RemoteIpValve's default internalProxies: loopback and the private ranges",
      })
    : lit([] as string[], anchor, 'default', { note: 'no RemoteIpValve: Tomcat reads no forwarded header' });
  const protocolHeader = attr('protocolHeader');
  const schemeHeader = protocolHeader ? protocolHeader.value.trim() : 'X-Forwarded-Proto';
  const remoteIpHeader = attr('remoteIpHeader')?.value.trim() || 'X-Forwarded-For';
  const settings: Record<string, Valued<unknown>> = {};
  if (valveRef) settings.RemoteIpValve = lit(true, valveRef);
  if (internal) settings.internalProxies = lit(internal.value, refOf(internal.line));
  if (trustedExtra) settings.trustedProxies = lit(trustedExtra.value, refOf(trustedExtra.line));
  if (protocolHeader) settings.protocolHeader = lit(protocolHeader.value, refOf(protocolHeader.line));
  if (anyTls) settings.tlsConnector = lit(true, anchor);
  // Where a valve goes: right after an `<Engine ...>` (or `<Host ...>`) start tag that ends on its own line.
  const container = all.find(
    (t) => (t.name === 'Engine' || t.name === 'Host') && /<(?:Engine|Host)\b[^<]*[^/]>\s*$/.test(raw[t.line - 1] ?? ''),
  );
  if (container) settings.valveGoesAfter = lit(container.name, refOf(container.line));
  const framework: FrameworkFacts = {
    kind: 'tomcat',
    file: display,
    module: `tomcat:${display}`,
    usesServerScheme: true,
    trustProxy: trust,
    settings,
    appEnd: {
      name: valve ? 'Tomcat (RemoteIpValve)' : 'Tomcat',
      ref: anchor,
      schemeHeaders: valve && schemeHeader ? [schemeHeader.toLowerCase()] : [],
      clientHeaders: valve ? [remoteIpHeader.toLowerCase()] : [],
      trustScheme: trust,
      trustClient: trust,
      defaultsFrom: [TOMCAT_VALVE_DOC, TOMCAT_VALVE_SOURCE, 'Debian bookworm libtomcat10-java 10.1.60 (RemoteIpValve.class)'],
      binds,
    },
  };
  if (assumeHttps && framework.appEnd) framework.appEnd.assumeHttps = assumeHttps;
  if (framework.appEnd) {
    // server.xml does not set the session cookie's Secure flag (web.xml's <cookie-config><secure> does): Tomcat's rule.
    framework.appEnd.secureCookies = lit<'auto'>('auto', anchor, 'default', {
      note: 'Tomcat flags it Secure when request.isSecure()',
    });
    framework.appEnd.secureCookieName = 'the JSESSIONID session cookie';
    framework.appEnd.secureCookieLifetime = 'session';
    framework.appEnd.secureCookieFix = "<secure>true</secure> in web.xml's <session-config><cookie-config>";
    framework.appEnd.defaultsFrom?.push(TOMCAT_SESSION_COOKIE_SOURCE);
  }
  const first = binds[0]?.ref ?? anchor;
  const server: AppServerFacts | undefined =
    binds.length > 0
      ? // Tomcat itself hands the request to the valve chain: the valve (the app end) decides.
        passThroughServer({
          name: 'tomcat',
          launch: { ...first, via: 'config' },
          appTarget: `tomcat:${display}`,
          binds,
          configFiles: [display],
          notes: ['Tomcat Connector: the RemoteIpValve (or its absence) decides the scheme and client address'],
        })
      : undefined;
  return server ? { server, framework } : { framework };
}
