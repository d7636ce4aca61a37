/**
 * Next.js (`next start`) as an app server and app end (issue 14). Next.js serves HTTP itself, so no app code calls
 * `listen()`: the server is the `next start` a systemd unit runs (WorkingDirectory: the package's folder), on `-H/--hostname`
 * (default every interface) and `-p/--port` (else PORT, else 3000).
 *
 * Trust model, read in next 15.5's source (dist/server/base-server.js `handleRequestImpl`, "Update the
 * `x-forwarded-*` headers", and dist/server/lib/router-utils/resolve-routes.js `initProtocol`): the request's
 * X-Forwarded-Proto/-Host/-For are kept as they arrive, from any peer, and only filled in when absent (proto `http`
 * on a plain connection); `headers()` in a page and Auth.js's action URLs (`x-forwarded-proto ?? protocol`) read
 * them. So the scheme the app believes is the proxy's X-Forwarded-Proto, or `http` without it.
 */
import { basename, dirname } from 'node:path';
import type { AppServerFacts, BindAddress, FrameworkFacts, SourceRef, Valued } from '../../model/facts.js';
import { exposureOf, reachOf } from '../deploy/appserver.js';
import { parseSystemdUnit, systemdEnvironment } from '../deploy/formats.js';

export const NEXT_SOURCE =
  'https://github.com/vercel/next.js/blob/v15.5.7/packages/next/src/server/base-server.ts (x-forwarded-* kept from any peer, filled when absent)';

interface PackageLike {
  dir: string;
  file: string;
  deps: Record<string, string>;
  scripts: Array<{ name: string; command: string; ref: SourceRef }>;
}

interface Launch {
  argv: string[];
  ref: SourceRef;
  via: 'systemd';
  env: Record<string, Valued<string>>;
}

/** `next start -p 3000 -H 127.0.0.1` (or node_modules/next/dist/bin/next start ...): the options, or null. */
export function nextStartOptions(argv: string[]): { port?: string; host?: string } | null {
  const i = argv.findIndex((a, k) => /(?:^|\/)next$/.test(a) && argv[k + 1] === 'start');
  if (i < 0) return null;
  const out: { port?: string; host?: string } = {};
  const rest = argv.slice(i + 2);
  for (let k = 0; k < rest.length; k++) {
    const a = rest[k] as string;
    const eq = /^(--port|--hostname|-p|-H)=(.*)$/.exec(a);
    const [flag, value] = eq ? [eq[1], eq[2]] : [a, rest[k + 1]];
    if (flag === '-p' || flag === '--port') out.port = value;
    else if (flag === '-H' || flag === '--hostname') out.host = value;
    else continue;
    if (!eq) k++;
  }
  return out;
}

/** The Next.js servers of one package (a package.json that depends on `next`), with their app end. */
export function nextServers(
  pkg: PackageLike,
  units: Array<{ display: string; dir: string; text: string }>,
  sources: Map<string, string[]>,
): { servers: AppServerFacts[]; fw?: FrameworkFacts } {
  if (!pkg.deps.next) return { servers: [] };
  const launches: Launch[] = [];
  for (const u of units) {
    const service = parseSystemdUnit(u.text).sections.get('Service');
    const exec = service?.get('ExecStart')?.[0];
    if (!exec) continue;
    const argv = exec.value.replace(/^[-@:+!]+/, '').split(/\s+/);
    const wd = service?.get('WorkingDirectory')?.[0]?.value;
    // The unit runs this package: its WorkingDirectory's last folder is the package's, or the unit sits beside it.
    if (!(u.dir === pkg.dir || (wd && basename(wd.replace(/\/+$/, '')) === basename(pkg.dir)))) continue;
    if (!nextStartOptions(argv)) continue;
    const env: Record<string, Valued<string>> = {};
    for (const [k, v] of Object.entries(systemdEnvironment(service?.get('Environment') ?? [])))
      env[k] = {
        value: v.value,
        origin: 'literal',
        ref: { file: u.display, line: v.line, snippet: sources.get(u.display)?.[v.line - 1]?.trim() },
      };
    launches.push({
      argv,
      via: 'systemd',
      env,
      ref: { file: u.display, line: exec.line, snippet: sources.get(u.display)?.[exec.line - 1]?.trim() },
    });
  }
  // A package's own `"start": "next start"` script says how `npm start` runs it, not how it is deployed (an image may
  // run the standalone server.js behind a NetworkPolicy): it makes no server here.
  const servers: AppServerFacts[] = [];
  for (const l of launches) {
    const o = nextStartOptions(l.argv) ?? {};
    const host = o.host ?? '0.0.0.0';
    const portText = o.port ?? l.env.PORT?.value ?? '3000';
    const bind: BindAddress = { kind: 'tcp', host, exposure: exposureOf(host), ref: l.ref };
    if (/^\d+$/.test(portText)) bind.port = Number(portText);
    bind.reach = reachOf(bind, { container: false }).reach;
    servers.push({
      kind: 'node',
      name: 'next',
      launch: { ...l.ref, via: l.via },
      appTarget: `Next.js (${pkg.file})`,
      binds: [bind],
      proxyHeaders: { value: true, origin: 'default', ref: l.ref, note: 'next start keeps X-Forwarded-* from any peer' },
      trustedProxies: { value: ['*'], origin: 'default', ref: l.ref, note: 'Next.js believes X-Forwarded-Proto from every peer' },
      schemeHeaders: { value: { 'X-Forwarded-Proto': 'https' }, origin: 'default', ref: l.ref },
      clientAddressHeaders: [],
      configFiles: [],
      env: l.env,
      notes: [`next start listens on -H (default every interface) and -p (else PORT, else 3000); ${NEXT_SOURCE}`],
    });
  }
  if (servers.length === 0) return { servers };
  const ref = servers[0]?.launch as SourceRef;
  const fw: FrameworkFacts = {
    kind: 'nextjs',
    file: pkg.file,
    module: dirname(pkg.file),
    usesServerScheme: false,
    assumedVersion: `next ${pkg.deps.next}`,
    settings: {},
    appEnd: {
      name: 'Next.js',
      ref,
      schemeHeaders: ['x-forwarded-proto'],
      clientHeaders: [],
      trustScheme: { value: ['*'], origin: 'default', ref, note: 'x-forwarded-proto is kept from any peer' },
      trustClient: { value: [], origin: 'default', ref },
      defaultsFrom: [NEXT_SOURCE],
    },
  };
  return { servers, fw };
}
