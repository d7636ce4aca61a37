/**
 * nginx/ssl-directive-removed: `ssl on;` (deprecated in nginx 1.15.0, removed in 1.25.1) turns TLS on for the
 * server's listeners. Not a scheme loss — the server is TLS either way — but nginx 1.25.1 and later refuse to load
 * the file, so it is reported at low (a defect that takes the site down at the next upgrade, not a note) with the equivalent `listen ... ssl`.
 */
import { type NginxRef, nginxModel } from '../../facts/nginx/index.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Finding } from '../../model/finding.js';
import { describeListen, NGINX_DOCS, refEvidence, refsEvidence, scopeName } from './common.js';

const meta: CheckMeta = {
  id: 'nginx/ssl-directive-removed',
  severity: 'low',
  title: '`ssl on;` is no longer supported (nginx 1.25.1+): use `listen ... ssl`',
  summary: 'The `ssl` directive was deprecated in nginx 1.15.0 and removed in 1.25.1; current nginx rejects the config.',
  references: [NGINX_DOCS.listen, 'https://nginx.org/en/CHANGES', 'https://nginx.org/en/docs/http/ngx_http_ssl_module.html#ssl'],
};

function run(facts: Facts): Finding[] {
  const model = nginxModel(facts);
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const server of model.servers) {
    const legacy = server.listens.filter((l) => l.sslFromLegacyDirective);
    if (legacy.length === 0) continue;
    const ref = server.sslOn;
    if (!ref || ref.source === 'builtin') continue;
    const key = `${ref.file}:${ref.line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const listens = legacy.map((l) => l.ref).filter((r): r is NginxRef => r !== undefined);
    out.push(
      finding(meta, {
        message:
          `${scopeName(facts, server, server.scopes[0] as never)} turns TLS on with \`ssl on;\` (${legacy.map(describeListen).join(', ')}): ` +
          'deprecated since nginx 1.15.0 and rejected since 1.25.1 ("the deprecated \\"ssl\\" directive is not supported anymore"). The server is TLS either way; write `ssl` on the listen lines instead.',
        evidence: [refEvidence(facts, ref, '`ssl on;`'), ...refsEvidence(facts, listens, 'add `ssl` here')],
        why: 'A config that nginx 1.25.1 or later refuses to load takes the whole site down at the next upgrade; `listen 443 ssl;` means the same on every version since 0.7.14.',
        fix: {
          description: `Not one line: add \`ssl\` to ${listens.length === 1 ? 'the listen line' : 'each listen line'} (\`listen 443 ssl;\`) and delete \`ssl on;\` in the same edit (either alone changes what nginx serves).`,
        },
        data: { server: server.index },
      }),
    );
  }
  return out;
}

export const sslDirectiveRemoved: Check = { meta, run };
