/**
 * nginx/http-not-redirected: a plain-HTTP server answers for the same names as an HTTPS server but
 * proxies to the app instead of redirecting to https.
 */
import { displayFile, type NginxServer, nginxModel, passingScopes } from '../../facts/nginx/index.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Finding } from '../../model/finding.js';
import {
  blockEvidence,
  describePass,
  indentOf,
  listenEvidence,
  NGINX_DOCS,
  outerServersOf,
  plainRedirectedToHttps,
} from './common.js';

const meta: CheckMeta = {
  id: 'nginx/http-not-redirected',
  severity: 'medium',
  title: 'The HTTP site proxies to the app instead of redirecting to HTTPS',
  summary:
    'A plain-HTTP server with the same server_name as an HTTPS server proxies requests instead of `return 301 https://...`.',
  references: [NGINX_DOCS.rewriteReturn, NGINX_DOCS.listen, 'https://nginx.org/en/docs/http/configuring_https_servers.html'],
};

/** ACME http-01 challenges must stay on plain HTTP; a location for them is not the site. */
const ACME = /^(\^~\s+|=\s+)?\/\.well-known\/acme-challenge/;

function names(s: NginxServer): string[] {
  return s.serverNames.filter((n) => n && n !== '_' && n !== '""');
}

function run(facts: Facts): Finding[] {
  const model = nginxModel(facts);
  const out: Finding[] = [];
  // TLS servers by http context and name (configs with 10,000 servers stay linear).
  const tlsByName = new Map<string, NginxServer>();
  for (const t of model.servers) {
    if (!t.tls) continue;
    for (const n of names(t)) {
      const k = `${t.http}|${n.toLowerCase()}`;
      if (!tlsByName.has(k)) tlsByName.set(k, t);
    }
  }
  for (const plain of model.servers) {
    if (plain.tls) continue;
    const plainNames = names(plain);
    let twin: NginxServer | undefined;
    for (const n of plainNames) {
      twin = tlsByName.get(`${plain.http}|${n.toLowerCase()}`);
      if (twin) break;
    }
    if (!twin || plainRedirectedToHttps(plain)) continue;
    // An inner server on loopback that only this nginx's own servers reach: no browser sends it plain HTTP, and a
    // redirect there would answer the outer server's proxied requests (a loop).
    if (outerServersOf(model, plain).length > 0) continue;
    if (!twin) continue;
    const proxying = passingScopes(plain).filter((s) => !ACME.test(s.match));
    const first = proxying[0];
    if (!first) continue;
    const lowered = new Set(plainNames.map((n) => n.toLowerCase()));
    const shared = names(twin).filter((n) => lowered.has(n.toLowerCase()));
    const top = plain.scopes[0];
    const indent = `${indentOf(facts, plain.ref)}    `;
    out.push(
      finding(meta, {
        message:
          `The plain-HTTP server for ${shared.join(', ')} proxies ${proxying.map((s) => `\`${s.label}\``).join(', ')} to ${describePass(first)} ` +
          `instead of redirecting to the HTTPS server (${displayFile(facts, twin.ref.file)}:${twin.ref.line}): the site is also served unencrypted.`,
        evidence: [
          blockEvidence(facts, first, 'proxies plain-HTTP requests'),
          ...listenEvidence(
            facts,
            plain.listens.filter((l) => l.ref),
            'plain HTTP',
          ),
          ...listenEvidence(
            facts,
            twin.listens.filter((l) => l.ssl && l.ref),
            `the HTTPS server for ${shared.join(', ')}`,
          ),
        ],
        why:
          'Visitors who type the name or follow an http:// link use the site without TLS: cookies and forms travel in clear text, and the app ' +
          'sees a mix of http and https requests (with SECURE_SSL_REDIRECT it redirects them itself only if it is told the scheme).',
        fix: {
          description:
            'Redirect every plain-HTTP request to https at the server level (keep a location for /.well-known/acme-challenge/ if certificates are issued over HTTP-01).',
          file: displayFile(facts, (top ?? plain.scopes[0])?.ref.file ?? plain.ref.file),
          line: plain.ref.line,
          placement: 'after',
          lines: [`${indent}return 301 https://$host$request_uri;`],
        },
        data: { names: shared },
      }),
    );
  }
  return out;
}

export const httpNotRedirected: Check = { meta, run };
