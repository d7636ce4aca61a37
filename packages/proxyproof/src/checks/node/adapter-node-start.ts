/**
 * The start line of a SvelteKit adapter-node server (`"start": "ORIGIN=http://x node build"`) with every change it
 * needs, written once. Two checks edit that one line: `sveltekit/origin-http` (an http:// ORIGIN on an HTTPS site)
 * and `deploy/backend-port-published` (adapter-node's HOST default 0.0.0.0 with the proxy on this host). Two
 * different replacements of one line make `fix` refuse the second ("run fix again"); both checks write this same
 * line, so `fix` applies one edit that carries both.
 */
import type { AppServerFacts, Facts, FrameworkFacts, SourceRef } from '../../model/facts.js';
import type { Evidence } from '../../model/finding.js';
import { proxyPeers } from '../appserver/context.js';

export interface AdapterNodeStart {
  file: string;
  line: number;
  text: string;
  /**
   * What replaces the line: `text`, after an `Environment=HOST=127.0.0.1` line when the start line is a systemd
   * unit's ExecStart (the unit's environment is where adapter-node's HOST goes; the service's ORIGIN line, if any,
   * is another line, edited by sveltekit/origin-http on its own).
   */
  lines: string[];
  /** What the line changes, for the fix's description. */
  changes: Array<'host' | 'origin'>;
}

/** The server's framework is SvelteKit adapter-node (collectors/node: `appTarget` names it). */
export function isAdapterNodeServer(s: AppServerFacts): boolean {
  return s.kind === 'node' && (s.appTarget ?? '').startsWith('SvelteKit adapter-node');
}

/** The adapter-node servers the tree starts for this SvelteKit project (collectors/node names the config file). */
export function adapterNodeServersOf(facts: Facts, fw: FrameworkFacts): AppServerFacts[] {
  return facts.appServers.filter((s) => isAdapterNodeServer(s) && s.appTarget === `SvelteKit adapter-node (${fw.file})`);
}

/** The SvelteKit project a server runs. */
export function adapterNodeFrameworkOf(facts: Facts, s: AppServerFacts): FrameworkFacts | undefined {
  return facts.frameworks.find((f) => f.kind === 'sveltekit' && s.appTarget === `SvelteKit adapter-node (${f.file})`);
}

/**
 * The rewritten start line, or undefined when nothing on it can be rewritten in place. `https`: the site is served
 * over HTTPS in front (the origin-http check's own test). The bind changes only where the proxy connects from this
 * host (a loopback bind would cut off a proxy elsewhere or in another container) and only in a package.json script,
 * which a shell runs (`HOST=127.0.0.1 node build`); a HOST the line writes as 0.0.0.0 is rewritten in any file.
 */
export function adapterNodeStartLine(
  facts: Facts,
  server: AppServerFacts,
  origin: { value: string; ref?: SourceRef } | undefined,
  https: Evidence | undefined,
): AdapterNodeStart | undefined {
  if (!isAdapterNodeServer(server)) return undefined;
  const { file, line } = server.launch;
  const original = facts.sources.get(file)?.[line - 1];
  if (original === undefined) return undefined;
  let text = original;
  const changes: AdapterNodeStart['changes'] = [];
  const before: string[] = [];
  const value = origin?.value ?? '';
  if (https && /^http:\/\//i.test(value) && origin?.ref?.file === file && origin.ref.line === line) {
    const at = text.indexOf(value);
    if (at >= 0 && text.indexOf(value, at + 1) === -1) {
      text = `${text.slice(0, at)}https://${value.slice('http://'.length)}${text.slice(at + value.length)}`;
      changes.push('origin');
    }
  }
  const bind = server.binds[0];
  const peers = proxyPeers(facts, server);
  const open =
    bind?.kind === 'tcp' && bind.exposure === 'all-interfaces' && !bind.container && bind.reach === 'network' && !bind.published;
  if (open && peers.length > 0 && peers.every((p) => p.place === 'same-host')) {
    const zeros = text.match(/(?<![\d.])0\.0\.0\.0(?![\d.])/g) ?? [];
    const builds = text.match(/\bnode\s+build\b/g) ?? [];
    const hostWritten = bind.ref && (bind.ref.file !== file || bind.ref.line !== line);
    if (!hostWritten && zeros.length === 1) {
      text = text.replace(/(?<![\d.])0\.0\.0\.0(?![\d.])/, '127.0.0.1');
      changes.push('host');
    } else if (
      !hostWritten &&
      zeros.length === 0 &&
      builds.length === 1 &&
      /(^|\/)package\.json$/.test(file) &&
      !/\bHOST=/.test(text)
    ) {
      text = text.replace(/\bnode\s+build\b/, 'HOST=127.0.0.1 $&');
      changes.push('host');
    } else if (
      !hostWritten &&
      zeros.length === 0 &&
      server.launch.via === 'systemd' &&
      /^\s*ExecStart=/.test(original) &&
      !/\bHOST=/.test(text)
    ) {
      // systemd runs ExecStart without a shell: the variable goes into the unit's environment, above the line.
      before.push(`${/^\s*/.exec(original)?.[0] ?? ''}Environment=HOST=127.0.0.1`);
      changes.push('host');
    }
  }
  return changes.length > 0 ? { file, line, text, lines: [...before, text], changes } : undefined;
}
