/**
 * Fingerprints of findings, shared by SARIF (`partialFingerprints`) and baselines: a hash of the check
 * id, the primary file (or URL) and the offending text with its whitespace normalised — never the line
 * number, so an unrelated edit above a finding leaves it unchanged. Two findings with the same key in
 * the same file are told apart by their order (the second identical `proxy_set_header` block is `:2`).
 */
import { hash } from 'node:crypto';
import type { Finding } from '../model/finding.js';

/** Name of the fingerprint in SARIF `partialFingerprints` (versioned: a change of recipe is a new key). */
export const FINGERPRINT_KEY = 'proxyproofFindingHash/v1';

/**
 * The evidence text that identifies a finding: its snippet, else its message without line numbers. `normal` keeps
 * the whitespace-normalised text of each snippet already seen: the findings of one report repeat their snippets
 * (a location block the same in every server of a generated config: 11,000 findings, a few dozen snippets).
 */
export function fingerprintText(f: Finding, normal?: Map<string, string>): string {
  const e = f.evidence[0];
  const snippet = e?.snippet;
  if (snippet !== undefined && normal) {
    let n = normal.get(snippet);
    if (n === undefined) {
      n = snippet.replace(/\s+/g, ' ').trim();
      normal.set(snippet, n);
    }
    return n;
  }
  const text = snippet ?? f.message.replace(/:\d+(?::\d+)?\b/g, ':').replace(/\blines? \d+(?:-\d+)?/g, 'line');
  return text.replace(/\s+/g, ' ').trim();
}

export function fingerprintKey(f: Finding, normal?: Map<string, string>): string {
  const file = (f.evidence[0]?.file ?? '').replace(/\\/g, '/').replace(/^\.\//, '');
  // crypto.hash (Node 20.12+; we need 20.19): the same digest as createHash().update().digest() without a Hash
  // object per finding (a 10,000-server lint fingerprints ~11,000 findings).
  return hash('sha256', `${f.id}\0${file}\0${fingerprintText(f, normal)}`, 'hex').slice(0, 32);
}

/** One fingerprint per finding, in order: `<hash>:<n>` where n counts earlier findings with the same hash. */
export function fingerprints(findings: Finding[]): string[] {
  const seen = new Map<string, number>();
  const normal = new Map<string, string>();
  return findings.map((f) => {
    const k = fingerprintKey(f, normal);
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    return `${k}:${n}`;
  });
}
