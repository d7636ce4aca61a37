/**
 * Spring Security's channel security as an app-side redirect to https: `http.requiresChannel(c ->
 * c.anyRequest().requiresSecure())` (the lambda DSL) or `http.requiresChannel().anyRequest().requiresSecure()` (the
 * older chained one). ChannelProcessingFilter asks SecureChannelProcessor, which redirects through
 * RetryWithHttpsEntryPoint whenever `request.isSecure()` is false (spring-security
 * web/src/main/java/org/springframework/security/web/access/channel/SecureChannelProcessor.java). Behind a TLS proxy
 * `isSecure()` is the embedded Tomcat's, true only when RemoteIpValve (forward-headers-strategy native) believed the
 * proxy's X-Forwarded-Proto: without it every proxied HTTPS request is redirected again (a loop), as Rails' force_ssl.
 * A matcher for some paths only (`requestMatchers("/login").requiresSecure()`) is not read: the loop is on those paths.
 */
import type { CollectContext } from '../../model/collector.js';
import type { FrameworkFacts } from '../../model/facts.js';
import { codeLines, lit, MAX_APP_SOURCE_BYTES, refAt } from '../appends/lines.js';

export const SPRING_SECURE_CHANNEL_SOURCE =
  'https://github.com/spring-projects/spring-security/blob/6.3.0/web/src/main/java/org/springframework/security/web/access/channel/SecureChannelProcessor.java (redirects when !request.isSecure())';

/** Every request must be secure: `requiresChannel` ... `anyRequest()` ... `requiresSecure()` in one statement. */
const ANY_SECURE = /\brequiresChannel\s*\([^;]*?\banyRequest\s*\(\s*\)\s*\.\s*requiresSecure\s*\(/;

/** The Java/Kotlin source root of a Spring config file (`svc/src/main/resources/application.yml` -> `svc/`). */
function projectRoot(configFile: string): string {
  const i = configFile.replace(/\\/g, '/').lastIndexOf('src/main/');
  return i < 0 ? '' : configFile.slice(0, i);
}

/** Marks each Spring app end whose project requires a secure channel for every request as redirecting to https. */
export function springSecureChannel(ctx: CollectContext, frameworks: FrameworkFacts[]): void {
  const spring = frameworks.filter((f) => f.kind === 'spring' && f.appEnd);
  if (spring.length === 0) return;
  for (const f of ctx.files) {
    if (!/\.(?:java|kt)$/.test(f.display) || f.size > MAX_APP_SOURCE_BYTES || /(?:^|\/)src\/test\//.test(f.display)) continue;
    const text = ctx.read(f).toString('utf8');
    if (!text.includes('requiresChannel')) continue;
    // Comments blanked, lines kept: the statement is matched on the code joined, its line found by offset.
    const code = codeLines(text, 'c').join('\n');
    const m = ANY_SECURE.exec(code);
    if (!m) continue;
    const line = code.slice(0, m.index).split('\n').length;
    const ref = refAt(f.display, text.split(/\r?\n/), line);
    for (const fw of spring) {
      const a = fw.appEnd;
      if (!a || !f.display.startsWith(projectRoot(fw.file))) continue;
      a.sslRedirect = lit(true, ref, 'literal', { note: 'Spring Security requiresChannel: anyRequest().requiresSecure()' });
      a.sslRedirectSetting = 'requiresChannel(...anyRequest().requiresSecure())';
      a.defaultsFrom = [...(a.defaultsFrom ?? []), SPRING_SECURE_CHANNEL_SOURCE];
    }
  }
}
