/**
 * Chromium's mixed-content decision for one URL, as Chromium 156 really makes it (not the W3C spec's text).
 * Every rule here is pinned against the real browser in test/scan/chromium-rules.test.ts.
 */
import { isIP } from 'node:net';
import type { Classification, RefKind } from './types.js';

/**
 * Hosts Chromium treats as potentially trustworthy over http: localhost names and loopback addresses.
 * Blockable content from them is allowed silently; images/media from them are loaded with a warning
 * ("not upgraded ... local network request" / "host is an IP address") — pinned in chromium-rules.test.ts.
 */
export function isTrustworthyHost(host: string): boolean {
  const h = host
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1';
  return false;
}

function hostIsIp(u: URL): boolean {
  const h = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return isIP(h) !== 0;
}

/** What a `<link rel=preload as=...>` loads as: images and media are upgradable, everything else blockable. */
export function preloadClassKind(as: string | undefined): 'upgradable' | 'blockable' {
  const a = (as ?? '').toLowerCase();
  return a === 'image' || a === 'audio' || a === 'video' ? 'upgradable' : 'blockable';
}

const UPGRADABLE: ReadonlySet<RefKind> = new Set<RefKind>(['img', 'media', 'poster', 'input-image', 'css-image', 'svg-image']);

/**
 * Classify a URL found on an HTTPS page. Returns undefined when it is not insecure
 * (https:, wss:, data:, a trustworthy host...). `upgradablePreload` marks a preload of an image/media.
 */
export function classify(rawUrl: string, kind: RefKind, opts: { upgradablePreload?: boolean } = {}): Classification | undefined {
  let u: URL;
  try {
    u = new URL(rawUrl);
  } catch {
    return undefined;
  }
  if (kind === 'websocket') return u.protocol === 'ws:' && !isTrustworthyHost(u.hostname) ? 'websocket' : undefined;
  if (u.protocol !== 'http:') return undefined;
  if (kind === 'link' || kind === 'meta-refresh') return 'navigation';
  if (kind === 'base') return 'base';
  const local = isTrustworthyHost(u.hostname);
  if (kind === 'form-action') return local ? undefined : 'form';
  const upgradable =
    UPGRADABLE.has(kind) || ((kind === 'preload' || kind === 'modulepreload') && opts.upgradablePreload === true);
  // Blockable content from a trustworthy (loopback) origin is not mixed content at all.
  if (!upgradable) return local ? undefined : 'blocked';
  // An IP-address or local URL is never upgraded: the image loads over http with a warning.
  if (local || hostIsIp(u)) return 'warning';
  return 'upgraded';
}

/** The https:// URL Chromium requests instead of an upgraded one: same host and port, only the scheme changes. */
export function upgradedUrl(rawUrl: string): string {
  const u = new URL(rawUrl);
  const port = u.port; // an explicit :80 is already dropped by the URL parser
  return `https://${u.hostname}${port ? `:${port}` : ''}${u.pathname}${u.search}`;
}
