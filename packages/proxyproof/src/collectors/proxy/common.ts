/**
 * Helpers shared by the proxy collectors (Caddy, HAProxy, Apache, Traefik, ingress): bounded file
 * reading, word splitting, and the checks' view of a site's effective scheme header.
 */
import type { CollectContext, DiscoveredFile } from '../../model/collector.js';
/** A proxy config is never this big; larger files are skipped with a note. */
import { MAX_CONFIG_BYTES, tooLarge } from '../../model/limits.js';
import type { HeaderRule, ProxyConfigFacts } from '../../model/proxy.js';
import { renderedName } from '../template/index.js';

export { MAX_CONFIG_BYTES as MAX_PROXY_CONFIG_BYTES };
/** Nesting bound for block parsers (hostile input cannot recurse without limit). */
export const MAX_DEPTH = 64;

/**
 * The name a file is recognised by: templates (`Caddyfile.j2`, `haproxy.config.erb`, `site.conf.tmpl`) are
 * rendered line for line by the shared template reader before any collector sees them (ctx.read), so the
 * proxy collectors match the rendered name.
 */
export function configName(p: string): string {
  return renderedName(baseName(p));
}

export function baseName(p: string): string {
  return p.split('/').pop() ?? p;
}

/** Reads a candidate as text, or returns undefined (binary, too big), leaving a note for the big ones. */
export function readText(ctx: CollectContext, f: DiscoveredFile): string | undefined {
  if (f.size > MAX_CONFIG_BYTES) {
    const message = tooLarge(f.size, MAX_CONFIG_BYTES, 'a proxy config');
    if (f.explicit) ctx.facts.diagnostics.push({ level: 'note', file: f.display, message });
    return undefined;
  }
  const b = ctx.read(f);
  if (b.includes(0)) return undefined;
  return b.toString('utf8');
}

/** Splits a config line into words: double/single-quoted strings are one word (quotes removed). */
export function splitWords(line: string): Array<{ text: string; quoted: boolean }> {
  const out: Array<{ text: string; quoted: boolean }> = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)) {
    if (m[1] !== undefined) out.push({ text: m[1].replace(/\\(.)/g, '$1'), quoted: true });
    else if (m[2] !== undefined) out.push({ text: m[2], quoted: true });
    else out.push({ text: m[3] as string, quoted: false });
  }
  return out;
}

export function addProxyFacts(ctx: CollectContext, p: ProxyConfigFacts): void {
  ctx.facts.proxies ??= [];
  ctx.facts.proxies.push(p);
}

const SCHEME_HEADERS = new Set([
  'x-forwarded-proto',
  'x-forwarded-protocol',
  'x-forwarded-scheme',
  'x-scheme',
  'x-forwarded-ssl',
  'forwarded',
  'front-end-https',
  'x-url-scheme',
]);

export function isSchemeHeader(name: string): boolean {
  return SCHEME_HEADERS.has(name.toLowerCase());
}

/** The last rule that decides header NAME (later rules win; an append after a set still leaves the set). */
export function rulesFor(rules: HeaderRule[], name: string): HeaderRule[] {
  return rules.filter((r) => r.name.toLowerCase() === name.toLowerCase());
}
