/**
 * The certificates a scan trusts, the same for both engines: the system store (the distribution's CA bundle,
 * or SSL_CERT_FILE), NODE_EXTRA_CA_CERTS, and every `--ca-cert` file. The static engine adds them to Node's
 * bundled roots; the browser engine imports them into the NSS database of its fresh profile (Chromium on Linux
 * reads locally trusted CAs from $HOME/.pki/nssdb, never from /etc/ssl/certs). `--insecure` is the only way to
 * accept any certificate.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { InputError } from '../model/finding.js';

/** Debian/Ubuntu, Fedora/RHEL, openSUSE, Alpine/macOS: the first that exists is the system store. */
export const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/ssl/cert.pem',
];

export interface TrustAnchor {
  pem: string;
  /** The file it came from. */
  file: string;
  /** A CA certificate (basicConstraints CA:TRUE); else a self-signed server certificate trusted as itself. */
  ca: boolean;
  subject: string;
}

export interface Trust {
  /** Accept any certificate (--insecure): nothing is verified, in either engine. */
  insecure: boolean;
  /** Certificates trusted beyond the engine's own roots, deduplicated, in the order found. */
  anchors: TrustAnchor[];
  /** Where they came from (for the report). */
  systemStore?: string;
  nodeExtraCaCerts?: string;
  caCerts: string[];
  /** Trust sources that could not be read (the system store, NODE_EXTRA_CA_CERTS): not fatal, as for Node itself. */
  warnings: string[];
}

export interface TrustOptions {
  /** `--ca-cert` files (PEM). */
  caCerts?: string | string[];
  insecure?: boolean;
  /** Environment read for SSL_CERT_FILE and NODE_EXTRA_CA_CERTS; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** System bundles tried in order; default SYSTEM_BUNDLES. */
  systemBundles?: string[];
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----/g;

/** The base64 body of a PEM certificate, without line breaks: the same certificate gives the same string. */
export function pemBody(pem: string): string {
  return pem.replace(/-----[A-Z ]+-----|\s/g, '');
}

type Parsed = Array<{ pem: string; ca: boolean; subject: string; der: string }>;

/** Node's bundled roots by PEM body (the same certificate gives the same body), made on first use. */
let bundledBodies: Set<string> | undefined;
/**
 * Node's bundled roots by PEM body, made once per process: the trust store's reading and the static engine's TLS
 * context (collectors/crawl/http.ts trustContext) both ask (144 roots; making the set took ~1-2 ms each time).
 */
export function bundledRootBodies(): ReadonlySet<string> {
  bundledBodies ??= new Set(rootCertificates.map(pemBody));
  return bundledBodies;
}
/** System bundles parsed once per process (by path, size and mtime): ~150 certificates cost ~0.1 s of CPU. */
const parsedFiles = new Map<string, { key: string; certs: Parsed }>();

function parseFileCached(file: string, text: string): Parsed {
  let key = '';
  try {
    const st = statSync(file);
    key = `${st.size}:${st.mtimeMs}`;
  } catch {
    return parsePemFile(text);
  }
  const hit = parsedFiles.get(file);
  if (hit && hit.key === key) return hit.certs;
  const certs = parsePemFile(text);
  parsedFiles.set(file, { key, certs });
  return certs;
}

/** The certificates of a PEM file; throws a one-line message for unusable content. */
export function parsePemFile(text: string): Parsed {
  const out: Parsed = [];
  const bundled = bundledRootBodies();
  for (const m of text.match(PEM_BLOCK) ?? []) {
    const body = pemBody(m);
    const pem = `${m.trim()}\n`;
    if (bundled.has(body)) {
      // One of Node's own roots (most of a system store): valid, and only the browser engine reads what it is,
      // so it is parsed then (about 0.1 s of CPU for a whole store at every scan's start otherwise).
      let x: X509Certificate | undefined;
      const cert = () => (x ??= new X509Certificate(m));
      out.push({
        pem,
        der: body,
        get ca() {
          return cert().ca;
        },
        get subject() {
          return cert().subject.replace(/\n/g, ', ');
        },
      });
      continue;
    }
    let x: X509Certificate;
    try {
      x = new X509Certificate(m);
    } catch (e) {
      throw new Error(`a certificate in it cannot be parsed (${(e as Error).message})`);
    }
    out.push({ pem, ca: x.ca, subject: x.subject.replace(/\n/g, ', '), der: body });
  }
  return out;
}

/** Reads every trust source once per scan. `--ca-cert` problems are InputErrors (the user asked for them). */
export function loadTrust(opts: TrustOptions = {}): Trust {
  const env = opts.env ?? process.env;
  const caCerts = opts.caCerts === undefined ? [] : Array.isArray(opts.caCerts) ? opts.caCerts : [opts.caCerts];
  const trust: Trust = { insecure: Boolean(opts.insecure), anchors: [], caCerts, warnings: [] };
  const seen = new Set<string>();
  const add = (file: string, text: string, cached = false) => {
    for (const c of cached ? parseFileCached(file, text) : parsePemFile(text)) {
      if (seen.has(c.der)) continue;
      seen.add(c.der);
      // ca and subject read through: a bundled root is parsed only when they are read (the browser engine).
      const anchor = { pem: c.pem, file } as TrustAnchor;
      Object.defineProperties(anchor, {
        ca: { get: () => c.ca, enumerable: true },
        subject: { get: () => c.subject, enumerable: true },
      });
      trust.anchors.push(anchor);
    }
  };
  const readOptional = (file: string, what: string): string | undefined => {
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      trust.warnings.push(`${what} ${file} not read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return undefined;
    }
  };

  const explicitSystem = env.SSL_CERT_FILE;
  for (const file of explicitSystem ? [explicitSystem] : (opts.systemBundles ?? SYSTEM_BUNDLES)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if (explicitSystem) trust.warnings.push(`SSL_CERT_FILE ${file} not read: ${(e as NodeJS.ErrnoException).code}`);
      continue;
    }
    try {
      add(file, text, true);
      trust.systemStore = file;
    } catch (e) {
      trust.warnings.push(`system store ${file} not used: ${(e as Error).message}`);
    }
    break;
  }
  const extra = env.NODE_EXTRA_CA_CERTS;
  if (extra) {
    const text = readOptional(extra, 'NODE_EXTRA_CA_CERTS');
    if (text !== undefined) {
      try {
        add(extra, text, true);
        trust.nodeExtraCaCerts = extra;
      } catch (e) {
        trust.warnings.push(`NODE_EXTRA_CA_CERTS ${extra} not used: ${(e as Error).message}`);
      }
    }
  }
  for (const file of caCerts) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new InputError(`cannot read CA certificate: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, file);
    }
    if (!text.includes('BEGIN CERTIFICATE')) throw new InputError('not a PEM certificate (no BEGIN CERTIFICATE)', file);
    try {
      add(file, text);
    } catch (e) {
      throw new InputError(`not a usable PEM certificate: ${(e as Error).message}`, file);
    }
  }
  return trust;
}

/** One line for the report: what the scan trusted. */
export function describeTrust(t: Trust): string {
  if (t.insecure) return '--insecure: certificates NOT verified (any certificate accepted)';
  const from = [
    t.systemStore ? `system store ${t.systemStore}` : 'no system store',
    t.nodeExtraCaCerts ? `NODE_EXTRA_CA_CERTS ${t.nodeExtraCaCerts}` : '',
    ...t.caCerts.map((f) => `--ca-cert ${f}`),
  ].filter(Boolean);
  return `certificates verified against ${from.join(', ')} (${t.anchors.length} trusted certificates beyond the engines' own roots)`;
}
