/**
 * A webapp's deployment descriptor (`WEB-INF/web.xml`, or Tomcat's `conf/web.xml`, merged into every webapp) as the
 * Tomcat app end reads it:
 * - a `<security-constraint>` over every path (`<url-pattern>/*</url-pattern>` or `/`) whose `<user-data-constraint>`
 *   has `<transport-guarantee>CONFIDENTIAL` (or INTEGRAL) redirects every request Tomcat believes is not secure to
 *   https on the Connector's redirectPort (RealmBase.hasUserDataPermission: `request.isSecure()` false -> a redirect to
 *   `https://host:redirectPort/...`): behind a TLS proxy without RemoteIpValve's protocolHeader, a loop.
 * - `<session-config><cookie-config><secure>true</secure>` makes the session cookie always Secure; without it Tomcat
 *   flags it Secure only when `request.isSecure()` (ApplicationSessionCookieConfig.createSessionCookie).
 */
import type { CollectContext } from '../../model/collector.js';
import type { FrameworkFacts, SourceRef } from '../../model/facts.js';
import { lit, MAX_APP_SOURCE_BYTES, refAt } from '../appends/lines.js';

export const TOMCAT_USER_DATA_SOURCE =
  'https://github.com/apache/tomcat/blob/10.1.x/java/org/apache/catalina/realm/RealmBase.java (hasUserDataPermission: redirect to redirectPort when !request.isSecure())';

export interface WebXmlFacts {
  /** The CONFIDENTIAL/INTEGRAL transport guarantee over every path. */
  confidential?: SourceRef;
  /** `<cookie-config><secure>` as written (true/false) and where. */
  cookieSecure?: { value: boolean; ref: SourceRef };
}

/** Reads one web.xml's text (comments blanked); undefined when it is no `<web-app>` descriptor. */
export function readWebXml(file: string, text: string): WebXmlFacts | undefined {
  const code = text.replace(/<!--[\s\S]*?-->/g, (c) => c.replace(/[^\n]/g, ' '));
  if (!/<web-app\b/.test(code)) return undefined;
  const raw = text.split(/\r?\n/);
  const lineAt = (offset: number) => code.slice(0, offset).split('\n').length;
  const out: WebXmlFacts = {};
  for (const m of code.matchAll(/<security-constraint\b[\s\S]*?<\/security-constraint>/g)) {
    const block = m[0];
    const everyPath = [...block.matchAll(/<url-pattern>\s*([^<]*?)\s*<\/url-pattern>/g)].some(
      (p) => p[1] === '/*' || p[1] === '/',
    );
    // A constraint limited to some methods (`<http-method>`) still redirects those: every page's GET is one of them
    // only when no method list narrows it.
    const methods = /<http-method>/.test(block);
    const g = /<transport-guarantee>\s*(CONFIDENTIAL|INTEGRAL)\s*<\/transport-guarantee>/i.exec(block);
    if (everyPath && !methods && g && out.confidential === undefined)
      out.confidential = refAt(file, raw, lineAt((m.index ?? 0) + g.index));
  }
  const sc = /<session-config\b[\s\S]*?<\/session-config>/.exec(code);
  const cc = sc ? /<cookie-config\b[\s\S]*?<\/cookie-config>/.exec(sc[0]) : null;
  const secure = cc ? /<secure>\s*(true|false)\s*<\/secure>/i.exec(cc[0]) : null;
  if (sc && cc && secure)
    out.cookieSecure = {
      value: (secure[1] as string).toLowerCase() === 'true',
      ref: refAt(file, raw, lineAt(sc.index + cc.index + secure.index)),
    };
  return out;
}

/** Applies the tree's web.xml descriptors to its Tomcat app ends (a Tomcat runs the webapps its tree holds). */
export function applyWebXml(ctx: CollectContext, frameworks: FrameworkFacts[]): void {
  const tomcat = frameworks.filter((f) => f.kind === 'tomcat' && f.appEnd);
  if (tomcat.length === 0) return;
  for (const f of ctx.files) {
    if (!/(?:^|\/)(?:WEB-INF|conf)\/web\.xml$/.test(f.display) || f.size > MAX_APP_SOURCE_BYTES) continue;
    const w = readWebXml(f.display, ctx.read(f).toString('utf8'));
    if (!w) continue;
    for (const fw of tomcat) {
      const a = fw.appEnd;
      if (!a) continue;
      if (w.confidential) {
        a.sslRedirect = lit(true, w.confidential, 'literal', { note: 'web.xml transport-guarantee CONFIDENTIAL on /*' });
        a.sslRedirectSetting = '<transport-guarantee>CONFIDENTIAL</transport-guarantee>';
        a.defaultsFrom = [...(a.defaultsFrom ?? []), TOMCAT_USER_DATA_SOURCE];
      }
      if (w.cookieSecure)
        a.secureCookies = w.cookieSecure.value
          ? lit<'always'>('always', w.cookieSecure.ref)
          : lit<'auto'>('auto', w.cookieSecure.ref, 'literal', {
              note: '<secure>false</secure>: Tomcat flags it Secure when request.isSecure()',
            });
    }
  }
}
