/**
 * nginx/redirect-server-name-pattern: a redirect builds its URL from `$server_name` while the server's first
 * (primary) name is a pattern — a wildcard (`auth.*`, `*.example.com`), a regular expression (`~^...`), the
 * catch-all `_` or empty — so the browser is sent to that literal text (`https://auth.*` followed by the path).
 */

import { type NginxRedirect, nginxModel } from '../../facts/nginx/index.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Finding } from '../../model/finding.js';
import { indentOf, NGINX_DOCS, refEvidence, scopeName } from './common.js';

const meta: CheckMeta = {
  id: 'nginx/redirect-server-name-pattern',
  severity: 'medium',
  title: 'A redirect uses $server_name, which is a wildcard, regex or `_` here',
  summary:
    "$server_name is the server's first server_name as written: for `auth.*`, `*.example.com`, a regex or `_` the redirect points at that literal text, not at the host the browser asked for.",
  references: [
    'https://nginx.org/en/docs/http/ngx_http_core_module.html#var_server_name',
    'https://nginx.org/en/docs/http/server_names.html',
    NGINX_DOCS.rewriteReturn,
    NGINX_DOCS.varHost,
  ],
};

/** Why a server name is not a host a browser can go to, or undefined when it is one. */
function patternKind(name: string | undefined): string | undefined {
  if (name === undefined || name === '' || name === '""') return 'empty';
  if (name === '_') return 'the catch-all `_`';
  if (name.startsWith('~')) return 'a regular expression';
  if (name.includes('*') || name.startsWith('.')) return 'a wildcard';
  return undefined;
}

function run(facts: Facts): Finding[] {
  const model = nginxModel(facts);
  const out: Finding[] = [];
  for (const server of model.servers) {
    if (server.fragment) continue;
    const primary = server.serverNames[0];
    const kind = patternKind(primary);
    if (!kind) continue;
    const redirects: NginxRedirect[] = server.scopes.flatMap((s) => s.redirects);
    const seen = new Set<string>();
    for (const r of redirects) {
      if (!/\$(?:\{server_name\}|server_name\b)/.test(r.target)) continue;
      const key = `${r.ref.file}:${r.ref.line}:${r.ref.column ?? 0}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (r.ref.source === 'builtin') continue;
      const fixed = r.ref.text.replace(/\$\{server_name\}|\$server_name\b/g, '$host');
      out.push(
        finding(meta, {
          message:
            `${scopeName(facts, server, server.scopes[0] as never)}: \`${r.ref.text}\` sends the browser to \`${r.target.replace(/\$\{server_name\}|\$server_name\b/g, primary ?? '')}\`: ` +
            `$server_name is the server's first server_name (${primary === undefined ? 'none' : `\`${primary}\``}), ${kind}, not the host the browser asked for.`,
          evidence: [refEvidence(facts, r.ref, 'redirect built from $server_name')],
          why:
            "nginx sets $server_name to the primary server_name as written; it never substitutes the request's host into a wildcard or regex name. " +
            'The redirect (often the http->https one) then points at a host that does not exist, so the site cannot be reached over http and links that go through it break.',
          fix: {
            description: 'Build the redirect from $host, the host the browser asked for.',
            file: refEvidence(facts, r.ref).file,
            line: r.ref.line,
            placement: 'replace',
            lines: [`${indentOf(facts, r.ref)}${fixed}`],
          },
          data: { server: server.index, serverName: primary ?? '' },
        }),
      );
    }
  }
  return out;
}

export const redirectServerNamePattern: Check = { meta, run };
