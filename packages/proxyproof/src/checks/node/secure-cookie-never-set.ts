/**
 * node/secure-cookie-never-set: a session cookie configured `secure: true` on an app that never learns the request
 * was https. express-session (index.js, `shouldSetCookie`/`issecure`) silently skips Set-Cookie when the cookie is
 * secure and `req.secure` is false ("not secured"); with `secure: 'auto'` it sets the cookie WITHOUT Secure.
 * koa-session sets it through the `cookies` module, which Koa builds with `secure: ctx.request.secure` and which
 * throws "Cannot send secure cookie over unencrypted connection". Behind a TLS-ending proxy, req.secure/ctx.secure
 * come only from a trusted X-Forwarded-Proto: Express `trust proxy` (or express-session's own `proxy: true`), Koa
 * `app.proxy`. cookie-session (v2.1.1 index.js) sets it through the same `cookies` module, whose `secure` is
 * `req.protocol === 'https'` (Express: from a trusted X-Forwarded-Proto); the throw is caught in its on-headers hook and
 * only logged with `debug`, so the Set-Cookie is silently missing.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts, FrameworkFacts, Valued } from '../../model/facts.js';
import type { Evidence, Finding, Fix, Severity } from '../../model/finding.js';
import { coverSentence, hstsCover } from '../appserver/hsts-cover.js';
import {
  evidenceOf,
  NODE_REFS,
  proxyContext,
  recommendedTrust,
  sessionCookieReach,
  trustClass,
  usesForwardedLib,
} from './common.js';

export const SESSION_REFS = {
  expressSession: 'https://github.com/expressjs/session/blob/v1.18.1/index.js',
  expressSessionDocs: 'https://github.com/expressjs/session#cookiesecure',
  cookies: 'https://github.com/pillarjs/cookies/blob/0.9.1/index.js',
  koaContext: 'https://github.com/koajs/koa/blob/2.15.3/lib/context.js',
  koaSession: 'https://github.com/koajs/session#options',
  cookieSession: 'https://github.com/expressjs/cookie-session/blob/v2.1.1/index.js',
};

const meta: CheckMeta = {
  id: 'node/secure-cookie-never-set',
  severity: 'high',
  title: 'The Secure session cookie is never set: the app does not know the request was https',
  summary:
    'express-session / koa-session / cookie-session with secure: true on an app that ignores X-Forwarded-Proto: behind a TLS-ending proxy express-session and cookie-session drop the Set-Cookie and koa-session throws, so logins never stick.',
  references: [
    SESSION_REFS.expressSession,
    SESSION_REFS.expressSessionDocs,
    SESSION_REFS.cookies,
    SESSION_REFS.koaContext,
    SESSION_REFS.cookieSession,
    NODE_REFS.expressBehindProxies,
    NODE_REFS.koaProxy,
  ],
};

interface Dropped {
  lib: string;
  secure: Valued<unknown>;
  /** 'on' (secure: true, or a switch that turns it on) / 'auto' */
  mode: 'on' | 'auto';
  when?: string;
}

/** The session cookie of this app is Secure (or 'auto') while the framework never sees https behind a proxy. */
export function secureCookieNeverSet(_facts: Facts, fw: FrameworkFacts): Dropped | undefined {
  const lib = fw.settings.session?.value;
  const secure = fw.settings['session.secure'];
  if (typeof lib !== 'string' || !secure) return undefined;
  if (usesForwardedLib(fw) || trustClass(fw) !== 'none') return undefined;
  // TLS ends in the app on every listener it has: req.secure / ctx.secure come from the encrypted socket.
  if (fw.settings['listen.tls-only']?.value === true) return undefined;
  // express-session's own `proxy: true` reads X-Forwarded-Proto itself.
  const proxyOpt = fw.settings['session.proxy'];
  if (lib === 'express-session' && proxyOpt && proxyOpt.value !== false && proxyOpt.value !== undefined) return undefined;
  if (secure.value === 'auto') return { lib, secure, mode: 'auto' };
  if (secure.value === true) return { lib, secure, mode: 'on' };
  const unless = /true unless (\S+)/.exec(secure.note ?? '')?.[1];
  if (secure.origin === 'env' && secure.envVar && secure.value !== false)
    return {
      lib,
      secure,
      mode: 'on',
      when: unless ? `unless ${unless} (so in production)` : `when ${secure.envVar} turns it on`,
    };
  if (secure.origin === 'env' && secure.envVar && secure.value === false && /true when/.test(secure.note ?? ''))
    return { lib, secure, mode: 'on', when: `when ${secure.envVar} turns it on (production)` };
  return undefined;
}

function indentOf(facts: Facts, file: string, line: number | undefined): string {
  return /^\s*/.exec(facts.sources.get(file)?.[(line ?? 1) - 1] ?? '')?.[0] ?? '';
}

export const secureCookieNeverSetCheck: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const fw of facts.frameworks) {
      if (fw.kind !== 'express' && fw.kind !== 'koa' && fw.kind !== 'nestjs') continue;
      const d = secureCookieNeverSet(facts, fw);
      if (!d) continue;
      const ctx = proxyContext(facts, fw);
      const peer = ctx.peers[0];
      const behind = peer?.evidence ?? ctx.front?.evidence ?? ctx.weak;
      const koa = fw.kind === 'koa';
      const setting = koa ? 'app.proxy' : "'trust proxy'";
      // 'auto' sets the cookie without Secure: HSTS on every HTTPS route keeps it off plain http (hsts-cover.ts).
      const cover = d.mode === 'auto' ? hstsCover(facts, [sessionCookieReach(fw)]) : undefined;
      const severity: Severity = cover?.covered ? 'info' : d.mode === 'auto' ? 'medium' : behind ? 'high' : 'medium';
      const cookieSession = d.lib === 'cookie-session';
      const effect =
        d.mode === 'auto'
          ? "secure: 'auto' follows req.secure, which is false behind the proxy: the cookie is set WITHOUT Secure on an https site"
          : koa
            ? 'the cookies module refuses it and throws "Cannot send secure cookie over unencrypted connection" on every request that touches the session'
            : cookieSession
              ? 'the cookies module refuses it ("Cannot send secure cookie over unencrypted connection"), which cookie-session catches and only logs with debug: no Set-Cookie goes out, so no session survives a request'
              : 'express-session skips the Set-Cookie ("not secured") on every response, so no session survives a request';
      const where = behind
        ? `behind ${peer ? peer.what : ctx.front ? ctx.front.what : 'the reverse proxy configured in the linted files'}`
        : 'wherever TLS ends before this process (a proxy, a load balancer, a PaaS router) or on a plain-HTTP listener';
      const evidence: Evidence[] = [
        evidenceOf(fw.settings.session?.ref, `${d.lib} installed here`),
        evidenceOf(
          d.secure.ref,
          d.secure.value === undefined && d.when
            ? `cookie secure ${d.when}`
            : `cookie secure: ${JSON.stringify(d.secure.value ?? null)}${d.when ? ` (${d.when})` : ''}`,
        ),
        evidenceOf(
          fw.trustProxy?.ref,
          fw.trustProxy?.origin === 'default'
            ? `${koa ? 'Koa' : 'Express'} app created here; ${setting} not set`
            : `${setting} set here`,
        ),
      ];
      if (behind) evidence.push(behind);
      // The app serves its own TLS on one listener and plain HTTP on another: the plain one is where it sees http.
      const plain = fw.settings['listen.plain-http'];
      if (!behind && plain?.ref)
        evidence.push(
          evidenceOf(plain.ref, 'served over plain HTTP here: behind a TLS-ending front this is the hop that sees http'),
        );
      if (ctx.https) evidence.push(ctx.https);
      if (cover?.covered) evidence.push(...cover.evidence);
      const trust = ctx.front ? String(ctx.front.hops) : recommendedTrust(ctx);
      const createdAt = fw.trustProxy?.origin === 'default' ? fw.trustProxy.ref?.line : undefined;
      const indent = indentOf(facts, fw.file, fw.trustProxy?.ref?.line);
      const app = koa ? 'app' : 'app';
      const fix: Fix = koa
        ? {
            description:
              "Let Koa believe the proxy's X-Forwarded-Proto: app.proxy = true — Koa then trusts it from ANY peer, so only when nothing but the proxy can reach the app (with maxIpsCount = 1); otherwise end TLS in the app, or resolve the scheme with @proxyproof/forwarded's koaForwarded and its per-address policy.",
            file: fw.file,
            line: fw.trustProxy?.ref?.line,
          }
        : {
            description: `Trust the proxy so req.secure is true for its https requests (${trust === 'loopback' ? 'nginx on the same host connects from 127.0.0.1' : /^\d+$/.test(trust) ? `the front writes ${trust} X-Forwarded-For entries` : "put the proxy's address or network here"}); ${d.lib} then sends the Secure cookie.`,
            file: fw.file,
            line: fw.trustProxy?.ref?.line,
            placement: createdAt !== undefined ? 'after' : 'replace',
            lines: [`${indent}${app}.set('trust proxy', ${/^\d+$/.test(trust) ? trust : `'${trust}'`});`],
          };
      out.push(
        finding(meta, {
          severity,
          message: `${d.lib} in ${fw.file} marks the session cookie Secure${d.when ? ` ${d.when}` : ''}, but ${setting} is ${fw.trustProxy?.origin === 'default' ? 'not set' : JSON.stringify(fw.trustProxy?.value ?? null)}: ${where} the app sees http, and ${effect}${cover?.covered ? `; ${coverSentence(cover)}` : ''}.`,
          evidence,
          why: `A TLS-ending proxy talks plain HTTP to the app; only a trusted X-Forwarded-Proto makes ${koa ? 'ctx.secure' : cookieSession ? 'req.protocol https' : 'req.secure'} true. ${d.lib} decides on that value: ${koa ? 'Koa hands ctx.request.secure to the cookies module, which throws for secure cookies on a connection it believes is unencrypted' : cookieSession ? "cookie-session writes through the cookies module, which takes the connection as encrypted only when req.protocol is 'https' and throws for a secure cookie otherwise; cookie-session swallows that error" : 'express-session sends a secure cookie only when issecure(req) holds (req.secure, or X-Forwarded-Proto with its own proxy: true)'}.`,
          fix,
          data: { lib: d.lib, mode: d.mode, behindProxy: behind !== undefined },
        }),
      );
    }
    return out;
  },
};
