/**
 * The trust-proxy-unset / trust-proxy-all pair for Express and Fastify (NestJS counts by its platform). Both
 * frameworks compile the setting the same way (proxy-addr); they differ in wording, in how the scheme is read
 * (Express: left-most X-Forwarded-Proto from a trusted peer; Fastify 4: last X-Forwarded-Proto from ANY peer once
 * trustProxy is set) and in the default listen host (Express: all interfaces; Fastify: localhost).
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts, FrameworkFacts, Valued } from '../../model/facts.js';
import type { Evidence, Finding, Fix, Severity } from '../../model/finding.js';
import { leakText, leakyRoutes } from '../app/front-routes.js';
import {
  bindText,
  evidenceOf,
  forgeable,
  forgedReadsEvidence,
  forwardedSnippet,
  frameworksOf,
  NODE_REFS,
  proxyContext,
  recommendedTrust,
  remotePeer,
  tlsInFront,
  trustClass,
  usesForwardedLib,
} from './common.js';
import { secureCookieNeverSet } from './secure-cookie-never-set.js';

type Family = 'express' | 'fastify';

interface Wording {
  name: string;
  setting: string;
  /** The setting as its own statement; `nest`: a NestJS app on this platform. */
  ownFix: (trust: string, nest?: boolean) => string;
  scheme: string;
  refs: string[];
}

const WORDING: Record<Family, Wording> = {
  express: {
    name: 'Express',
    setting: "'trust proxy'",
    ownFix: (t) => `app.set('trust proxy', ${/^\d+$/.test(t) ? t : `'${t}'`});`,
    scheme: 'req.protocol is http, req.secure is false, and res.redirect()/links built from req come out http://',
    refs: [NODE_REFS.expressBehindProxies, NODE_REFS.expressTrustProxy, NODE_REFS.proxyAddr, NODE_REFS.forwarded],
  },
  fastify: {
    name: 'Fastify',
    setting: 'trustProxy',
    // NestJS: @nestjs/platform-fastify's FastifyAdapter hands its options to fastify(), trustProxy among them.
    ownFix: (t, nest) =>
      `${nest ? 'new FastifyAdapter(' : 'const app = Fastify('}{ trustProxy: ${/^\d+$/.test(t) ? t : `'${t}'`} })${nest ? '' : ';'}`,
    scheme: 'request.protocol is http and links/redirects built from it come out http://',
    refs: [NODE_REFS.fastifyTrustProxy, NODE_REFS.fastifyRequest, NODE_REFS.proxyAddr, NODE_REFS.forwarded],
  },
};

/** The end (exclusive) of a JavaScript expression starting at `from`: a `,` or an unopened closer at depth 0. */
function expressionEnd(text: string, from: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const ch = text[i] as string;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (ch === '/' && text[i + 1] === '/') return i;
    else if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') {
      if (depth === 0) return i;
      depth--;
    } else if (ch === ',' && depth === 0) return i;
  }
  return quote ? -1 : text.length;
}

/**
 * The setting's line with only its value changed (`trustProxy: X,` inside an options object,
 * `app.set('trust proxy', X)`), so the replacement stays valid wherever the setting sits; undefined when the line
 * is not one of those shapes (a multi-line value, a variable).
 */
export function valueReplacedLine(facts: Facts, file: string, line: number | undefined, trust: string): string | undefined {
  const text = line ? facts.sources.get(file)?.[line - 1] : undefined;
  if (!text) return undefined;
  const m = /\btrustProxy\s*:\s*/.exec(text) ?? /\.set\(\s*(['"])trust proxy\1\s*,\s*/.exec(text);
  if (!m) return undefined;
  const start = m.index + m[0].length;
  const end = expressionEnd(text, start);
  if (end < 0 || text.slice(start, end).trim() === '') return undefined;
  const value = /^\d+$/.test(trust) ? trust : `'${trust}'`;
  return `${text.slice(0, start)}${value}${text.slice(end).replace(/^\s+(?=[,)}\]])/, '')}`;
}

/**
 * Where and what the fix writes: after the app's creation when the setting is absent (`insertAfter`); else the
 * setting's own line with only its value changed. A setting written as a whole statement on its line
 * (`app.set('trust proxy', true);`) also gets the commented @proxyproof/forwarded alternative; a property inside
 * an options object gets just the changed line (a statement there would break the file). A line of another shape
 * gets no placement: the fix is then advice.
 */
function ownFixAt(
  facts: Facts,
  fw: FrameworkFacts,
  family: Family,
  trust: string,
  insertAfter: boolean,
  statement: string[],
  open = false,
): Pick<Fix, 'placement' | 'lines'> {
  if (family === 'fastify' && open && (fw.assumedVersion === undefined || fw.assumedVersion === '4')) return {};
  if (insertAfter) return { placement: 'after', lines: statement };
  const line = trustRef(fw)?.line;
  const replaced = valueReplacedLine(facts, settingFile(fw), line, trust) ?? adapterOptionsLine(facts, fw, line, trust);
  if (!replaced) return { lines: statement };
  const own = WORDING[family].ownFix(trust, fw.kind === 'nestjs');
  const whole = replaced.trim() === own || /^\s*[\w.$]+\.set\(/.test(replaced);
  return {
    placement: 'replace',
    lines: whole ? [replaced.trim(), ...statement.filter((l) => l.startsWith('//'))] : [replaced.trim()],
  };
}

/**
 * NestJS on Fastify created with an adapter that has no options (`new FastifyAdapter()` on the app's line): that
 * line with the option written into the adapter, the place FastifyAdapter reads it from.
 */
function adapterOptionsLine(facts: Facts, fw: FrameworkFacts, line: number | undefined, trust: string): string | undefined {
  if (fw.kind !== 'nestjs' || !line) return undefined;
  const text = facts.sources.get(settingFile(fw))?.[line - 1];
  const m = text ? /\bnew\s+FastifyAdapter\(\s*\)/.exec(text) : null;
  if (!text || !m) return undefined;
  return `${text.slice(0, m.index)}${WORDING.fastify.ownFix(trust, true)}${text.slice(m.index + m[0].length)}`;
}

function commented(lines: string[]): string[] {
  return lines.map((l) => (l.startsWith('//') ? l : `// ${l}`));
}

function label(fw: FrameworkFacts, family: Family): string {
  return fw.kind === 'nestjs' ? `NestJS (${WORDING[family].name})` : WORDING[family].name;
}

function trustRef(fw: FrameworkFacts) {
  return fw.trustProxy?.ref;
}

/**
 * The file the setting is written in: the app's own file, or the module that sets it on an app another module
 * created (`app.set('trust proxy', true)` in server.mjs on the app app.mjs exports): the fix edits that line.
 */
function settingFile(fw: FrameworkFacts): string {
  return fw.trustProxy?.origin !== 'default' && fw.trustProxy?.ref?.file ? fw.trustProxy.ref.file : fw.file;
}

/**
 * When the trust value comes from a config file (`trust_proxy = 0` read by `conf.get`), the fix is that line with
 * the hop count the front needs, in the file's own syntax (TOML `=`, JSON/YAML `:`; a trailing comma kept).
 */
function configFix(facts: Facts, fromConfig: Valued<unknown> | undefined, hops: number | undefined): Fix | undefined {
  if (!fromConfig?.ref || fromConfig.origin !== 'literal' || hops === undefined) return undefined;
  const text = facts.sources.get(fromConfig.ref.file)?.[fromConfig.ref.line - 1];
  if (text === undefined) return undefined;
  const m = /^(\s*["']?[\w.-]+["']?\s*[:=]\s*)(-?\d+|true|false|"[^"]*"|'[^']*')(\s*,?\s*(#.*)?)$/.exec(text);
  if (!m) return undefined;
  return {
    description:
      `Trust the ${hops} hop${hops === 1 ? '' : 's'} the proxy in front writes (a hop count, never true): ${fromConfig.note ?? ''}`.trim(),
    file: fromConfig.ref.file,
    line: fromConfig.ref.line,
    placement: 'replace',
    lines: [`${m[1]}${hops}${m[3]}`],
  };
}

export function unsetCheck(family: Family): Check {
  const w = WORDING[family];
  const meta: CheckMeta = {
    id: `${family}/trust-proxy-unset`,
    severity: 'medium',
    title: `${w.name} behind a reverse proxy without ${w.setting} for it`,
    summary: `A reverse proxy forwards to the app, but ${w.name}'s ${w.setting} is unset (or does not include the proxy's address): X-Forwarded-Proto is ignored and the app thinks every request is plain HTTP.`,
    references: w.refs,
  };
  return {
    meta,
    run(facts: Facts): Finding[] {
      const out: Finding[] = [];
      for (const fw of frameworksOf(facts, family)) {
        if (usesForwardedLib(fw)) continue;
        const cls = trustClass(fw);
        const ctx = proxyContext(facts, fw);
        const peer = ctx.peers[0];
        const remote = remotePeer(ctx);
        let problem: string | undefined;
        let severity: Severity = meta.severity;
        let plainOnly = false;
        const limiter = fw.settings.rateLimiter;
        const hops = fw.settings.trustHops?.value as number | undefined;
        if (cls === 'none') {
          if (!peer && !ctx.weak) continue;
          // A Secure session cookie that is never set is the headline of this cause (node/secure-cookie-never-set).
          if (secureCookieNeverSet(facts, fw)) continue;
          problem = `${w.setting} is ${fw.trustProxy?.origin === 'default' ? 'not set' : `set to ${JSON.stringify(fw.trustProxy?.value ?? null)}`}`;
          if (!peer && !ctx.front) severity = 'low';
          else if (limiter) severity = 'high';
          else if (!ctx.front && !tlsInFront(facts, ctx)) {
            // No front of the files ends TLS: the site is http, so the ignored X-Forwarded-Proto says http too.
            severity = 'low';
            plainOnly = true;
          }
        } else if (cls === 'hops' && ctx.front && hops !== undefined && hops < ctx.front.hops) {
          problem = `${w.setting} is ${hops}, but ${ctx.front.what} — it writes ${ctx.front.hops} X-Forwarded-For entries on its side, so ${family === 'express' ? 'req.ip' : 'request.ip'} is the platform's own address, not the client's`;
        } else if (cls === 'list' && remote) {
          const v = fw.trustProxy?.value;
          const list = Array.isArray(v)
            ? v.map(String)
            : String(v)
                .split(',')
                .map((s) => s.trim());
          const loopbackOnly = list.every((x) => x === 'loopback' || /^127\./.test(x) || x === '::1' || x === '::1/128');
          if (!loopbackOnly) continue; // a concrete list: whether it matches the proxy is the doctor's job
          problem = `${w.setting} trusts only ${list.join(', ')}, but ${remote.what}`;
        } else continue;
        const trust = ctx.front && cls !== 'list' ? String(ctx.front.hops) : recommendedTrust(ctx);
        const where = peer ? peer.what : ctx.front ? ctx.front.what : 'a reverse proxy is configured in the linted files';
        const evidence: Evidence[] = [
          evidenceOf(
            trustRef(fw) ?? { file: fw.file, line: 1 },
            cls === 'none' && fw.trustProxy?.origin === 'default'
              ? `${w.name} app created here, ${w.setting} not set`
              : `${w.setting} set here`,
          ),
        ];
        const fromConfig = Object.entries(fw.settings).find(([k]) => k.endsWith(' (config)'))?.[1];
        if (fromConfig?.ref) evidence.push(evidenceOf(fromConfig.ref, fromConfig.note ?? 'the configured value'));
        if (peer) evidence.push(peer.evidence);
        else if (ctx.weak) evidence.push(ctx.weak);
        if (ctx.https) evidence.push(ctx.https);
        // Where the app's own code uses what is lost (collectors/node/request-reads.ts), when it does.
        const schemeRead = fw.requestReads?.scheme.find((r) => r.via === 'trust');
        if (schemeRead && severity !== 'low')
          evidence.push(evidenceOf(schemeRead.ref, `the app reads the scheme here (${schemeRead.what}): it gets http`));
        if (limiter?.ref && severity !== 'low')
          evidence.push(
            evidenceOf(
              limiter.ref,
              `${String(limiter.value)} keys on the client address: every client shares the proxy's bucket`,
            ),
          );
        out.push(
          finding(meta, {
            severity,
            message:
              cls === 'hops'
                ? `${label(fw, family)} app in ${fw.file}: ${problem}; per-IP rate limits and logs see one address`
                : plainOnly
                  ? `${label(fw, family)} app in ${fw.file}: ${problem}; ${where}, but no front in the files serves HTTPS: the scheme is http either way today, and ${family === 'express' ? 'req.ip' : 'request.ip'} is the proxy's address; once TLS ends at the proxy, X-Forwarded-Proto is ignored and ${w.scheme}`
                  : `${label(fw, family)} app in ${fw.file}: ${problem}; ${where}, so X-Forwarded-Proto is ignored and ${w.scheme}${limiter ? `; ${String(limiter.value)} keys every client on the proxy's address` : ''}`,
            evidence,
            why: `${w.name} believes X-Forwarded-* only from peers its ${w.setting} trusts. Without the proxy's address there, a TLS-terminating proxy's requests look like plain HTTP: ${w.scheme}; HTTPS-only redirects loop; cookies set with secure: true are refused or dropped; req.ip is the proxy's address.`,
            fix: configFix(facts, fromConfig, ctx.front ? ctx.front.hops : cls === 'none' && peer ? 1 : undefined) ?? {
              description: `Trust exactly the proxy (${trust === 'loopback' ? 'nginx on the same host connects from 127.0.0.1' : trust === 'unix' ? 'a unix-socket peer' : "replace with the proxy's address or its network"}). With @proxyproof/forwarded the policy also covers RFC 7239 Forwarded, walks X-Forwarded-For from the right and never lets an untrusted peer change scheme, host or client address.`,
              file: settingFile(fw),
              line: trustRef(fw)?.line,
              ...ownFixAt(
                facts,
                fw,
                family,
                trust,
                family === 'express' && cls === 'none' && fw.trustProxy?.origin === 'default',
                [
                  `// ${w.name}'s own setting:`,
                  w.ownFix(trust, fw.kind === 'nestjs'),
                  '// or @proxyproof/forwarded (strict per-address policy):',
                  ...commented(forwardedSnippet(family, trust)),
                ],
              ),
            },
            data: {
              framework: fw.kind,
              trustClass: cls,
              proxy: peer?.place ?? (ctx.weak ? 'configured' : undefined),
              recommendedTrust: trust,
            },
          }),
        );
      }
      return out;
    },
  };
}

export function allCheck(family: Family): Check {
  const w = WORDING[family];
  const meta: CheckMeta = {
    id: `${family}/trust-proxy-all`,
    severity: 'high',
    title: `${w.name} trusts forwarded headers from any peer`,
    summary: `${w.setting} is true, a hop count larger than the proxy chain, or a value ${w.name} cannot use: clients can set the scheme, host and client address the app believes.`,
    references: w.refs,
  };
  return {
    meta,
    run(facts: Facts): Finding[] {
      const out: Finding[] = [];
      for (const fw of frameworksOf(facts, family)) {
        if (usesForwardedLib(fw) && trustClass(fw) === 'none') continue;
        const cls = trustClass(fw);
        const ctx = proxyContext(facts, fw);
        const value = fw.trustProxy?.value;
        const hops = fw.settings.trustHops?.value as number | undefined;
        const openNote = ctx.open ? `; the app listens on ${bindText(ctx.open)}, reachable without the proxy` : '';
        let severity: Severity = ctx.open ? 'high' : 'medium';
        let message: string;
        const leaky = ctx.routes ? leakyRoutes(ctx.routes) : [];
        let routeNote = '';
        if (cls === 'all') {
          message = `${w.setting} is ${JSON.stringify(value)}: every peer is a trusted proxy, so ${w.name === 'Express' ? 'req.ip' : 'request.ip'} is the left-most X-Forwarded-For entry — whatever the client wrote${openNote}`;
          if (!ctx.open && ctx.routes && leaky.length === 0) {
            // Every proxy of the tree that may reach the app writes X-Forwarded-For/-Host/-Proto itself (Caddy
            // replaces them from untrusted peers): what the app believes is the proxy's, not the client's.
            severity = 'low';
            const names = [...new Set(ctx.routes.map((r) => r.hop.label))].join(', ');
            message = `${w.setting} is ${JSON.stringify(value)}: every peer is trusted. Safe only while ${names} stays the only way in: it writes X-Forwarded-For/-Host/-Proto itself, so a client's forged values never reach the app; any other peer that can connect (a port published later, a neighbour container) sets the client address and scheme`;
          } else if (leaky.length > 0) {
            const first = leaky[0] as (typeof leaky)[number];
            routeNote = `; ${first.hop.label} ${leakText(first.forged)}, so the client's own value is what the app takes`;
          }
        } else if (cls === 'hops' && hops !== undefined) {
          if (ctx.open)
            message = `${w.setting} is ${hops}: any peer within ${hops} hop${hops === 1 ? '' : 's'} is trusted by position alone${openNote}, so a direct client is its own "proxy" and sets X-Forwarded-Proto/-For`;
          else if (ctx.chainLength !== undefined && hops > ctx.chainLength)
            message = `${w.setting} is ${hops} but the linted files show ${ctx.chainLength} proxy in front: the extra hop is the client's own X-Forwarded-For entry, so the client address is spoofable`;
          else continue;
        } else if (cls === 'invalid') {
          severity = 'medium';
          message = `${w.setting} is ${JSON.stringify(value)}, which ${w.name} rejects at start-up (${fw.trustProxy?.note ?? 'proxy-addr cannot compile it'}); to trust everyone you would need true — trust the proxy's address instead`;
        } else if (
          family === 'fastify' &&
          (cls === 'list' || cls === 'hops') &&
          ctx.open &&
          (fw.assumedVersion === undefined || fw.assumedVersion === '4')
        ) {
          // Verified on Fastify 4.29: request.protocol / request.hostname read X-Forwarded-Proto/-Host without the trust function.
          message = `${w.setting} is ${JSON.stringify(value)}, but Fastify ${fw.assumedVersion ?? '4'} reads X-Forwarded-Proto and X-Forwarded-Host from any peer once trustProxy is set (only request.ip checks the address)${openNote}`;
        } else continue;
        // Behind a platform front (Fly, Heroku...) with no proxy of ours the address is the platform's: the
        // hop count it writes is what to trust (as the unset check recommends), never loopback.
        const trust = ctx.front && cls !== 'list' && ctx.peers.length === 0 ? String(ctx.front.hops) : recommendedTrust(ctx);
        const evidence: Evidence[] = [evidenceOf(fw.trustProxy?.ref ?? { file: fw.file, line: 1 }, `${w.setting} set here`)];
        const other = Object.entries(fw.settings).find(([k]) => k.endsWith(' (other branch)'))?.[1];
        if (other?.ref) evidence.push(evidenceOf(other.ref, `the same app created again here (its own TLS), same ${w.setting}`));
        if (ctx.open) evidence.push(evidenceOf(ctx.open.published?.ref ?? ctx.open.ref, 'reachable without the proxy'));
        if (ctx.peers[0]) evidence.push(ctx.peers[0].evidence);
        // What a forged header changes in this app's own code (the chain's spoofable-backend reads the same fact).
        evidence.push(...forgedReadsEvidence(fw, forgeable(facts, fw, ctx, ctx.open !== undefined)));
        for (const r of leaky.slice(0, 4)) {
          const ref = r.forged.refs.client ?? r.forged.refs.host ?? r.forged.refs.scheme ?? r.route.ref;
          evidence.push(
            evidenceOf({ file: ref.file, line: ref.line, snippet: ref.snippet }, `${r.hop.label} ${leakText(r.forged)}`),
          );
        }
        out.push(
          finding(meta, {
            severity,
            message: `${label(fw, family)} app in ${fw.file}: ${message}${routeNote}`,
            evidence,
            why: `A trusted peer's X-Forwarded-Proto, X-Forwarded-Host and X-Forwarded-For become the request's scheme, host and client address. Trusting peers that are not your proxy lets a client claim https (defeating HTTPS-only redirects and secure-cookie logic), poison absolute links with its own host, and forge the client IP used for rate limits and logs.`,
            fix: {
              description: `Trust only the proxy's address (${trust}). @proxyproof/forwarded does this with a strict policy (addresses/CIDRs, hop limit, Forwarded and X-Forwarded-*), and its resolution never takes values from an untrusted hop.`,
              file: settingFile(fw),
              line: fw.trustProxy?.ref?.line,
              // Fastify 4 on a port clients reach directly: no trustProxy value keeps them from setting the scheme
              // and host (the message above), so the fix is the bind, not a value this check calls wrong again.
              ...(family === 'fastify' && ctx.open && (fw.assumedVersion === undefined || fw.assumedVersion === '4')
                ? {
                    description: `Fastify ${fw.assumedVersion ?? '4'} reads X-Forwarded-Proto/-Host from any peer once trustProxy is set, so no trustProxy value is safe while the app listens on ${bindText(ctx.open)}: bind it where only the proxy connects (127.0.0.1, a private address, a unix socket), then trust only the proxy (${trust}).`,
                  }
                : {}),
              ...ownFixAt(
                facts,
                fw,
                family,
                trust,
                false,
                [
                  w.ownFix(trust, fw.kind === 'nestjs'),
                  '// or @proxyproof/forwarded:',
                  ...commented(forwardedSnippet(family, trust)),
                ],
                ctx.open !== undefined,
              ),
            },
            data: {
              framework: fw.kind,
              trustClass: cls,
              value,
              hops,
              directlyReachable: ctx.open !== undefined,
              chainLength: ctx.chainLength,
            },
          }),
        );
      }
      return out;
    },
  };
}
