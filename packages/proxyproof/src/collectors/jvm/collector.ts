/**
 * Java app ends: Spring Boot `application[-PROFILE].yml|yaml|properties` (`server.forward-headers-strategy`,
 * the older `server.use-forward-headers`, `server.tomcat.remoteip.*`). YAML is read with `yaml` (line
 * positions), properties files line by line.
 *
 * Defaults (cited in docs/checks/app/*.md): the strategy is NONE unless Spring Boot detects a cloud platform
 * (then NATIVE) — spring-boot ServerProperties.ForwardHeadersStrategy and CloudPlatform#isUsingForwardHeaders.
 * NATIVE on Tomcat installs RemoteIpValve, whose internalProxies default to loopback and private ranges.
 */

import { isMap, isScalar, LineCounter, type Node, type Pair, parseDocument } from 'yaml';
import { passThroughServer } from '../../model/appserver.js';
import type { CollectContext, Collector } from '../../model/collector.js';
import type { AppEndFacts, AppServerFacts, BindAddress, FrameworkFacts, SourceRef, Valued } from '../../model/facts.js';
import { envVarIn, lit, MAX_APP_SOURCE_BYTES, refAt } from '../appends/lines.js';
import { exposureOf } from '../deploy/appserver.js';
import { TOMCAT_INTERNAL_PROXIES } from './defaults.js';
import { type JettyFile, jettyFacts, jettyKind } from './jetty.js';
import { placeSpringServers } from './launch.js';
import { springSecureChannel } from './security.js';
import { isTomcatServerXml, readServerXml, TOMCAT_SESSION_COOKIE_SOURCE } from './tomcat.js';
import { applyWebXml } from './webxml.js';

export const SPRING_FORWARD_SOURCE =
  'https://github.com/spring-projects/spring-boot/blob/v3.3.0/spring-boot-project/spring-boot-autoconfigure/src/main/java/org/springframework/boot/autoconfigure/web/ServerProperties.java';
export { TOMCAT_INTERNAL_PROXIES } from './defaults.js';

const KEYS = ['server.forward-headers-strategy', 'server.use-forward-headers', 'server.tomcat.remoteip.internal-proxies'];

/**
 * JSESSIONID's Secure flag in Spring Boot's embedded servlet container: `server.servlet.session.cookie.secure=true`
 * (Boot 1.x `server.session.cookie.secure`) makes it always Secure; unset or false leaves Tomcat's own rule, Secure
 * whenever request.isSecure() (ApplicationSessionCookieConfig.createSessionCookie: `scc.isSecure() || secure`, the
 * request's flag), which behind a proxy is what RemoteIpValve (forward-headers-strategy native) made of its header.
 */
function springSessionCookie(
  appEnd: AppEndFacts,
  flat: Map<string, { value: unknown; ref: SourceRef }>,
  anchor: SourceRef,
): void {
  const cs = flat.get('server.servlet.session.cookie.secure') ?? flat.get('server.session.cookie.secure');
  const text = cs ? String(cs.value).trim() : undefined;
  appEnd.secureCookieName = 'the JSESSIONID session cookie';
  // No Max-Age unless server.servlet.session.cookie.max-age says so: it ends with the browser.
  if (!flat.get('server.servlet.session.cookie.max-age')) appEnd.secureCookieLifetime = 'session';
  appEnd.secureCookieFix = 'server.servlet.session.cookie.secure=true';
  appEnd.defaultsFrom = [...(appEnd.defaultsFrom ?? []), TOMCAT_SESSION_COOKIE_SOURCE];
  if (cs && text === 'true') appEnd.secureCookies = lit<'always'>('always', cs.ref);
  else if (cs && envVarIn(text ?? ''))
    appEnd.secureCookies = lit<'auto'>('auto', cs.ref, 'unknown', { note: `${text}: decided at start-up` });
  else
    appEnd.secureCookies = lit<'auto'>('auto', cs?.ref ?? anchor, cs ? 'literal' : 'default', {
      note: 'Tomcat flags it Secure when request.isSecure(); server.servlet.session.cookie.secure is not true',
    });
}

/** Spring Boot's embedded server listens on `server.port` (default 8080) at `server.address` (default every interface). */
const SPRING_DEFAULT_PORT = 8080;

function springServer(
  file: string,
  module: string,
  flat: Map<string, { value: unknown; ref: SourceRef }>,
  anchor: SourceRef,
): AppServerFacts | undefined {
  const port = flat.get('server.port');
  const address = flat.get('server.address');
  const portText = port ? String(port.value) : undefined;
  // `${PORT:8080}`: the environment's PORT, else 8080.
  const envVar = portText ? envVarIn(portText) : undefined;
  const n = portText
    ? /^\d+$/.test(portText)
      ? Number(portText)
      : /\$\{[A-Za-z_][\w.]*:(\d+)\}/.exec(portText)?.[1]
    : SPRING_DEFAULT_PORT;
  if (n === undefined || Number(n) === 0 || Number(n) < 0) return undefined;
  const host = address ? String(address.value) : '0.0.0.0';
  const ref = port?.ref ?? address?.ref ?? anchor;
  const bind: BindAddress = {
    kind: 'tcp',
    host,
    port: Number(n),
    exposure: exposureOf(host),
    ref,
  };
  const notes = ['the embedded server hands forwarded headers to Spring unchanged; server.forward-headers-strategy decides'];
  if (!port) notes.push(`server.port unset: Spring Boot's default ${SPRING_DEFAULT_PORT}`);
  if (envVar) notes.push(`server.port from ${envVar} (default ${n})`);
  return passThroughServer({
    name: 'spring-boot',
    launch: { ...ref, via: 'config' },
    appTarget: module,
    binds: [bind],
    configFiles: [file],
    notes,
  });
}

function flattenYaml(
  file: string,
  raw: string[],
  onError?: (message: string, line: number) => void,
): Map<string, { value: unknown; ref: SourceRef }> {
  const out = new Map<string, { value: unknown; ref: SourceRef }>();
  const lc = new LineCounter();
  const docs = (() => {
    try {
      return [parseDocument(raw.join('\n'), { lineCounter: lc, strict: false, uniqueKeys: false })];
    } catch {
      return [];
    }
  })();
  // A YAML error stops Spring Boot at start-up (SnakeYAML): the file is reported, not read as an unset strategy.
  // Maven/Gradle resource filtering replaces `@project.version@` tokens (invalid YAML as written) before the jar is
  // built, so an error on such a line is not the deployed file's.
  const err = docs[0]?.errors.find((e) => !/@[\w.-]+@/.test(raw[lc.linePos(e.pos[0]).line - 1] ?? ''));
  if (err && onError) {
    onError(err.message.split('\n')[0] ?? err.message, lc.linePos(err.pos[0]).line);
    return out;
  }
  const walk = (node: unknown, prefix: string, depth: number) => {
    if (!isMap(node) || depth > 12) return;
    for (const p of node.items as Pair[]) {
      if (!isScalar(p.key)) continue;
      const key = prefix ? `${prefix}.${String(p.key.value)}` : String(p.key.value);
      const line = lc.linePos((p.key as Node).range?.[0] ?? 0).line;
      if (isScalar(p.value)) out.set(key, { value: p.value.value, ref: refAt(file, raw, line) });
      else walk(p.value, key, depth + 1);
    }
  };
  for (const d of docs) walk(d.contents, '', 0);
  return out;
}

function flattenProperties(file: string, raw: string[]): Map<string, { value: unknown; ref: SourceRef }> {
  const out = new Map<string, { value: unknown; ref: SourceRef }>();
  raw.forEach((l, i) => {
    const m = /^\s*([A-Za-z0-9_.\-[\]]+)\s*[=:]\s*(.*?)\s*$/.exec(l);
    if (m && !/^\s*[#!]/.test(l)) out.set(m[1] as string, { value: m[2], ref: refAt(file, raw, i + 1) });
  });
  return out;
}

/** Where Spring Boot reads its platform detection (CLOUD_FOUNDRY, HEROKU, SAP, KUBERNETES; isUsingForwardHeaders). */
export const SPRING_CLOUD_PLATFORM_SOURCE =
  'https://github.com/spring-projects/spring-boot/blob/v2.7.0/spring-boot-project/spring-boot/src/main/java/org/springframework/boot/cloud/CloudPlatform.java';

/**
 * The cloud platform Spring Boot would detect where the tree deploys the app, and the line that shows it. With
 * `server.forward-headers-strategy` unset, ServletWebServerFactoryCustomizer asks CloudPlatform.getActive(): every
 * platform it detects answers isUsingForwardHeaders() true, so the strategy is NATIVE. Detection is by the
 * environment: KUBERNETES_SERVICE_HOST/_PORT (set in every pod), DYNO (Heroku), VCAP_APPLICATION/VCAP_SERVICES
 * (Cloud Foundry). `spring.main.cloud-platform` forces one, or `none` turns detection off.
 */
function cloudPlatform(
  ctx: CollectContext,
  flat: Map<string, { value: unknown; ref: SourceRef }>,
): { name: string; ref: SourceRef; why: string } | undefined {
  const forced = flat.get('spring.main.cloud-platform');
  if (forced) {
    const v = String(forced.value).trim().toLowerCase();
    return v === 'none' || v === '' ? undefined : { name: v, ref: forced.ref, why: `spring.main.cloud-platform=${v}` };
  }
  for (const w of ctx.facts.workloads?.workloads ?? [])
    if (w.containers.some((c) => !c.proxy))
      return {
        name: 'Kubernetes',
        ref: w.ref,
        why: `the app runs in a Kubernetes ${w.kind} (${w.name}): KUBERNETES_SERVICE_HOST/PORT are set in every pod`,
      };
  const heroku = ctx.facts.fronts?.find((f) => f.name === 'heroku');
  if (heroku?.evidence[0])
    return {
      name: 'Heroku',
      ref: heroku.evidence[0] as SourceRef,
      why: 'the app runs on Heroku: DYNO is set in every dyno',
    };
  for (const f of ctx.files) {
    if (!/(?:^|\/)manifest\.ya?ml$/.test(f.display) || f.size > MAX_APP_SOURCE_BYTES) continue;
    const raw = ctx.read(f).toString('utf8').split(/\r?\n/);
    const i = raw.findIndex((l) => /^applications\s*:/.test(l));
    if (i >= 0)
      return {
        name: 'Cloud Foundry',
        ref: refAt(f.display, raw, i + 1),
        why: 'a Cloud Foundry manifest (cf push): VCAP_APPLICATION is set in every app instance',
      };
  }
  return undefined;
}

export const jvmCollector: Collector = {
  name: 'jvm',
  collect(ctx: CollectContext) {
    const jetty: JettyFile[] = [];
    for (const f of ctx.files) {
      if (ctx.claimed.has(f.abs) || f.size > MAX_APP_SOURCE_BYTES) continue;
      const d = f.display.replace(/\\/g, '/');
      if (/\.(?:ini|xml)$/.test(d) && /(?:^|\/)(?:start\.ini|start\.d\/[^/]+|jetty[\w.-]*\.xml)$/.test(d)) {
        const text = ctx.read(f).toString('utf8');
        const kind = jettyKind(d, text);
        if (kind) {
          jetty.push({ file: f.display, raw: text.split(/\r?\n/), kind });
          ctx.claimed.add(f.abs);
          continue;
        }
      }
      if (/(?:^|\/)server\.xml(?:\.\w+)?$/.test(d)) {
        const text = ctx.read(f).toString('utf8');
        if (!isTomcatServerXml(d, text)) continue;
        const res = readServerXml(f.display, text);
        if (!res) continue;
        ctx.claimed.add(f.abs);
        if (res.server) ctx.facts.appServers.push(res.server);
        ctx.facts.frameworks.push(res.framework);
        continue;
      }
      const m = /(?:^|\/)application(?:-([A-Za-z0-9_]+))?\.(ya?ml|properties)$/.exec(d);
      // Test resources configure the test run, not the deployed app.
      if (!m || /(?:^|\/)src\/test\//.test(d)) continue;
      const raw = ctx.read(f).toString('utf8').split(/\r?\n/);
      let invalid = false;
      const flat =
        m[2] === 'properties'
          ? flattenProperties(f.display, raw)
          : flattenYaml(f.display, raw, (message, line) => {
              invalid = true;
              ctx.skip(f, `invalid YAML, Spring Boot would not start: ${message}`, line);
            });
      if (invalid) {
        ctx.claimed.add(f.abs);
        continue;
      }
      // Spring configuration: a `server.*` or `spring.*` key.
      if (![...flat.keys()].some((k) => k.startsWith('server.') || k.startsWith('spring.'))) continue;
      ctx.claimed.add(f.abs);
      const settings: Record<string, Valued<unknown>> = {};
      for (const k of KEYS) {
        const v = flat.get(k);
        if (!v) continue;
        const envVar = envVarIn(String(v.value));
        settings[k] = lit(v.value, v.ref, envVar ? 'env' : 'literal', envVar ? { envVar } : {});
      }
      const strategy = settings['server.forward-headers-strategy'];
      const legacy = settings['server.use-forward-headers'];
      const decided = strategy ?? legacy;
      const platform = decided ? undefined : cloudPlatform(ctx, flat);
      const mode = strategy
        ? String(strategy.value).toLowerCase()
        : legacy
          ? String(legacy.value) === 'true'
            ? 'native'
            : 'none'
          : platform
            ? 'native'
            : 'none';
      const anchorLine = flat.get('server.port')?.ref ?? decided?.ref ?? refAt(f.display, raw, 1);
      const anchor = decided?.ref ?? anchorLine;
      const origin: Valued<string[]>['origin'] = decided ? (decided.origin === 'env' ? 'env' : 'literal') : 'default';
      const internal = settings['server.tomcat.remoteip.internal-proxies'];
      const trust: Valued<string[]> =
        mode === 'framework'
          ? lit(['*'], anchor, origin, { note: 'ForwardedHeaderFilter reads the headers from every peer' })
          : mode === 'native'
            ? lit(
                internal ? [String(internal.value)] : TOMCAT_INTERNAL_PROXIES,
                internal?.ref ?? anchor,
                origin,
                platform ? { note: `forward-headers-strategy unset: NATIVE, since ${platform.why} (CloudPlatform)` } : {},
              )
            : lit([] as string[], anchor, origin, {
                note: decided
                  ? 'forward-headers-strategy none'
                  : 'forward-headers-strategy unset: NONE outside a detected cloud platform',
              });
      if (decided?.origin === 'env') trust.envVar = decided.envVar;
      const fw: FrameworkFacts = {
        kind: 'spring',
        file: f.display,
        module: m[1] ?? 'default',
        usesServerScheme: true,
        trustProxy: trust,
        settings: { ...settings, profile: lit(m[1] ?? 'default', anchor) },
        appEnd: {
          name: 'Spring Boot',
          ref: anchor,
          schemeHeaders: mode === 'none' ? [] : ['x-forwarded-proto', 'forwarded'],
          clientHeaders: mode === 'none' ? [] : ['x-forwarded-for'],
          trustScheme: trust,
          trustClient: trust,
          defaultsFrom: [
            SPRING_FORWARD_SOURCE,
            'https://tomcat.apache.org/tomcat-10.1-doc/api/org/apache/catalina/valves/RemoteIpValve.html',
          ],
        },
      };
      if (!decided)
        fw.settings['forward-headers-strategy'] = platform
          ? lit('native', platform.ref, 'default', { note: `${platform.name}: ${platform.why}` })
          : lit('none', anchor, 'default');
      if (platform && fw.appEnd) {
        fw.appEnd.defaultsFrom = [...(fw.appEnd.defaultsFrom ?? []), SPRING_CLOUD_PLATFORM_SOURCE];
        fw.appEnd.notes = [
          ...(fw.appEnd.notes ?? []),
          `forward-headers-strategy unset: NATIVE on ${platform.name} (${platform.why}; ${platform.ref.file}:${platform.ref.line})`,
        ];
      }
      if (fw.appEnd) springSessionCookie(fw.appEnd, flat, anchorLine);
      ctx.facts.frameworks.push(fw);
      // The listener of the main configuration (not a profile's, not a test resource) is the chain's app hop.
      if (!m[1]) {
        const server = springServer(f.display, fw.module as string, flat, anchorLine);
        if (server) ctx.facts.appServers.push(server);
      }
    }
    springSecureChannel(ctx, ctx.facts.frameworks);
    applyWebXml(ctx, ctx.facts.frameworks);
    // Where a `java -jar` launch runs the Spring servers read above (a compose service's container, an image).
    placeSpringServers(
      ctx,
      ctx.facts.appServers.filter((s) => s.name === 'spring-boot'),
    );
    const j = jettyFacts(jetty);
    if (j) {
      ctx.facts.frameworks.push(j.framework);
      ctx.facts.appServers.push(j.server);
    }
  },
};
