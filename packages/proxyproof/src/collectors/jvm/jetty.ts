/**
 * Jetty (standalone, a `jetty.base` with `start.ini` / `start.d/*.ini`, or `jetty*.xml`) as a chain hop.
 *
 * Jetty reads forwarded headers only through `ForwardedRequestCustomizer` (the `http-forwarded` module, or a
 * `<New class="org.eclipse.jetty.server.ForwardedRequestCustomizer"/>` added to the HttpConfiguration). The
 * customizer has no trusted-proxy list: it applies `Forwarded`, `X-Forwarded-Proto/-Host/-For/-Server/-Port`
 * and `X-Proxied-Https` from every peer (jetty.project ForwardedRequestCustomizer.java, Jetty 9.4-12). The HTTP
 * connector listens on `jetty.http.port` (default 8080) at `jetty.http.host` (default every interface).
 */
import { passThroughServer } from '../../model/appserver.js';
import type { AppEndFacts, AppServerFacts, BindAddress, FrameworkFacts, SourceRef, Valued } from '../../model/facts.js';
import { lit, refAt } from '../appends/lines.js';
import { exposureOf } from '../deploy/appserver.js';

export const JETTY_FORWARDED_SOURCE =
  'https://github.com/jetty/jetty.project/blob/jetty-12.0.x/jetty-core/jetty-server/src/main/java/org/eclipse/jetty/server/ForwardedRequestCustomizer.java';
export const JETTY_HTTP_MODULE_SOURCE =
  'https://github.com/jetty/jetty.project/blob/jetty-12.0.x/jetty-core/jetty-server/src/main/config/modules/http.mod';
const JETTY_DEFAULT_PORT = 8080;

export interface JettyFile {
  file: string;
  raw: string[];
  kind: 'ini' | 'xml';
}

/** A Jetty start file (`--module=` lines) or Jetty XML (`org.eclipse.jetty` classes). */
export function jettyKind(display: string, text: string): JettyFile['kind'] | undefined {
  const d = display.replace(/\\/g, '/');
  if (/(?:^|\/)(?:start\.ini|start\.d\/[^/]+\.ini)$/.test(d) && /^\s*--modules?=/m.test(text)) return 'ini';
  if (/(?:^|\/)jetty[\w.-]*\.xml$/.test(d) && /org\.eclipse\.jetty\./.test(text)) return 'xml';
  return undefined;
}

export function jettyFacts(files: JettyFile[]): { framework: FrameworkFacts; server: AppServerFacts } | undefined {
  if (files.length === 0) return undefined;
  let forwarded: SourceRef | undefined;
  let httpModule: SourceRef | undefined;
  let port: { value: number; ref: SourceRef } | undefined;
  let host: { value: string; ref: SourceRef } | undefined;
  for (const f of files)
    f.raw.forEach((l, i) => {
      const ref = refAt(f.file, f.raw, i + 1);
      if (f.kind === 'ini') {
        if (/^\s*#/.test(l)) return;
        const m = /^\s*--modules?=(.*)$/.exec(l);
        if (m) {
          const mods = (m[1] as string).split(',').map((x) => x.trim());
          if (mods.includes('http-forwarded')) forwarded = ref;
          if (mods.includes('http')) httpModule ??= ref;
        }
        const p = /^\s*jetty\.http\.port\s*=\s*(\d+)\s*$/.exec(l);
        if (p) port = { value: Number(p[1]), ref };
        const h = /^\s*jetty\.http\.host\s*=\s*(\S+)\s*$/.exec(l);
        if (h) host = { value: h[1] as string, ref };
      } else {
        if (/<!--/.test(l) && /-->/.test(l) && !/-->.*</.test(l)) return;
        if (/ForwardedRequestCustomizer/.test(l)) forwarded = ref;
        const p = /<Property\s+name="jetty\.http\.port"\s+default="(\d+)"/.exec(l) ?? /<Set\s+name="port">\s*(\d+)\s*</.exec(l);
        if (p && !port) port = { value: Number(p[1]), ref };
      }
    });
  const first = files[0] as JettyFile;
  const anchor = forwarded ?? httpModule ?? refAt(first.file, first.raw, 1);
  const trust: Valued<string[]> = forwarded
    ? lit(['*'], forwarded, 'literal', { note: 'ForwardedRequestCustomizer has no trusted-proxy list' })
    : lit([] as string[], anchor, 'default', {
        note: 'no ForwardedRequestCustomizer (http-forwarded module): forwarded headers are ignored',
      });
  const appEnd: AppEndFacts = {
    name: 'Jetty',
    ref: anchor,
    schemeHeaders: forwarded ? ['forwarded', 'x-forwarded-proto', 'x-proxied-https'] : [],
    clientHeaders: forwarded ? ['forwarded', 'x-forwarded-for'] : [],
    trustScheme: trust,
    trustClient: { ...trust },
    defaultsFrom: [JETTY_FORWARDED_SOURCE, JETTY_HTTP_MODULE_SOURCE],
  };
  const module = first.file.includes('/') ? first.file.slice(0, first.file.lastIndexOf('/')) : '.';
  const framework: FrameworkFacts = {
    kind: 'jetty',
    file: anchor.file,
    module,
    usesServerScheme: false,
    trustProxy: trust,
    settings: httpModule ? { httpModule: lit('http', httpModule) } : {},
    appEnd,
  };
  const h = host?.value ?? '0.0.0.0';
  const ref = port?.ref ?? host?.ref ?? httpModule ?? anchor;
  const bind: BindAddress = {
    kind: 'tcp',
    host: h,
    port: port?.value ?? JETTY_DEFAULT_PORT,
    exposure: exposureOf(h),
    ref,
  };
  appEnd.binds = [bind];
  const server = passThroughServer({
    name: 'jetty',
    launch: { ...ref, via: 'config' },
    appTarget: module,
    binds: [bind],
    configFiles: files.map((f) => f.file),
    notes: port ? [] : [`jetty.http.port unset: Jetty's default ${JETTY_DEFAULT_PORT}`],
  });
  return { framework, server };
}
