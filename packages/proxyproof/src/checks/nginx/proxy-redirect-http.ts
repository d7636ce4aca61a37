/**
 * nginx/proxy-redirect-http: redirects that leave HTTPS. Either `proxy_redirect` rewrites the app's
 * Location to an http:// URL on a server that ends TLS, or nginx builds absolute redirects itself
 * (absolute_redirect on, the default) on a plain-HTTP server behind a TLS-terminating balancer, where
 * its own scheme (and port) is the internal one.
 */
import {
  displayFile,
  frontProxyEvidence,
  type NginxRef,
  type NginxScope,
  type NginxServer,
  nginxModel,
  passingScopes,
} from '../../facts/nginx/index.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Finding, Fix } from '../../model/finding.js';
import { alsoEdits, indentOf, NGINX_DOCS, refEvidence, refsEvidence, scopeName, terminatorEvidence } from './common.js';

const meta: CheckMeta = {
  id: 'nginx/proxy-redirect-http',
  severity: 'medium',
  title: 'Redirects leave HTTPS',
  summary:
    "`proxy_redirect` rewrites Location to http:// on a TLS server, or nginx's own absolute redirects use http behind a TLS-terminating balancer.",
  references: [NGINX_DOCS.proxyRedirect, NGINX_DOCS.absoluteRedirect, NGINX_DOCS.portInRedirect],
};

function run(facts: Facts): Finding[] {
  const model = nginxModel(facts);
  const out: Finding[] = [];
  const seen = new Set<string>();
  // A server whose TLS a template branch switches on is plain in the other rendering: not a TLS end for the tree.
  const anyNginxTls = model.servers.some((s) => s.tls && !s.tlsOnlyInBranch);
  for (const server of model.servers) {
    // 1. proxy_redirect ... http://... on a TLS-only server.
    if (server.tls && !server.plain) {
      for (const scope of passingScopes(server)) {
        if (scope.pass?.kind !== 'proxy') continue;
        for (const r of scope.proxyRedirect) {
          const replacement = r.value[1];
          if (!r.ref || !replacement || !/^http:\/\//i.test(replacement)) continue;
          const key = `${r.ref.file}|${r.ref.line}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const ref = r.ref as NginxRef;
          out.push(
            finding(meta, {
              message:
                `${scopeName(facts, server, scope)} rewrites the app's redirects to \`${replacement}\` although the server only speaks HTTPS: ` +
                'every redirect sends the browser to plain http.',
              evidence: [refEvidence(facts, ref, 'Location rewritten to http://')],
              why: 'Browsers follow the redirect to http:// — a downgrade (or a second redirect back, if port 80 redirects), form posts lose their body, HSTS-less visitors are exposed.',
              fix: {
                description: 'Rewrite to https (or to $scheme), or to a relative path.',
                file: displayFile(facts, ref.file),
                line: ref.line,
                placement: 'replace',
                lines: [`${indentOf(facts, ref)}proxy_redirect ${r.value[0]} ${replacement.replace(/^http:\/\//i, 'https://')};`],
              },
              data: { kind: 'proxy_redirect' },
            }),
          );
        }
      }
    }
    // 2. nginx's own absolute redirects behind a balancer that ends TLS (a plain server, or one whose TLS only a
    // template branch switches on), with evidence written in the server or inferred from the tree.
    if (!server.tls || server.tlsOnlyInBranch) {
      const direct = frontProxyEvidence(server);
      const term = direct.length > 0 ? undefined : terminatorEvidence(facts, server, anyNginxTls);
      const front = direct.length > 0 ? direct : (term?.refs ?? []);
      if (direct.length === 0 && !term) continue;
      const top = server.scopes[0] as NginxScope;
      if (top.returns) continue;
      // Requests nginx answers itself and may redirect: static locations (a directory without its
      // trailing slash gets a 301), return/rewrite with a relative target, and a proxied prefix location
      // ending in `/` (nginx answers its name without the slash with a 301 to it, checked with nginx 1.22).
      // `= /x` exact matches name files; the server level only serves requests when no `location /`
      // catches them all.
      const catchAll = server.scopes.some(
        (s) => s.kind === 'location' && s.parent === 0 && (s.match === '/' || s.match.startsWith('~')),
      );
      const slashPrefix = (s: NginxScope): string | undefined => {
        const m = /^(?:\^~\s+)?(\/\S*\/)$/.exec(s.match);
        return s.kind === 'location' && s.pass && m && m[1] !== '/' ? m[1] : undefined;
      };
      const selfRedirecting = server.scopes.filter((s) => {
        if (!s.absoluteRedirect.value) return false;
        if (s.redirects.some((r) => r.target.startsWith('/'))) return true;
        if (slashPrefix(s)) return true;
        if (s.pass || s.returns) return false;
        if (s.kind === 'server') return !catchAll;
        return s.kind === 'location' && !s.match.startsWith('=') && !s.match.startsWith('@') && !/acme-challenge/.test(s.match);
      });
      if (selfRedirecting.length === 0) continue;
      const proxied = selfRedirecting.map(slashPrefix).find((p) => p !== undefined);
      const example = proxied ? `${proxied.slice(0, -1)} → ${proxied}` : '/static → /static/';
      const at = selfRedirecting.some((s) => s.absoluteRedirect.ref)
        ? selfRedirecting.find((s) => s.absoluteRedirect.ref)?.absoluteRedirect.ref
        : undefined;
      const odd = server.listens.some((l) => l.port !== undefined && l.port !== 80 && top.portInRedirect.value);
      out.push(
        finding(meta, {
          severity: 'low',
          message:
            `${scopeName(facts, server, top)} listens for plain HTTP behind a load balancer and builds its own redirects as absolute URLs ` +
            `(absolute_redirect is on${at ? '' : ' by default'}): a redirect such as ${example} points to http://` +
            `${odd ? ' with the internal port' : ''} even when the browser used https.`,
          evidence: [
            refEvidence(facts, at ?? server.ref, at ? 'absolute redirects on' : 'no absolute_redirect: on by default'),
            ...refsEvidence(facts, front, 'nginx sits behind a load balancer'),
            ...(term?.evidence ?? []),
          ],
          why:
            'Redirects nginx makes itself (a proxied prefix location such as /app/ answering /app, trailing-slash redirects for static ' +
            'directories, `return 301 /path`, error_page redirects) take the scheme and ' +
            'port of its own connection: the browser leaves HTTPS or hits an internal port.',
          fix: relativeRedirectsFix(facts, server, selfRedirecting),
          data: { kind: 'absolute_redirect' },
        }),
      );
    }
  }
  return out;
}

/**
 * `absolute_redirect off;`: a written `absolute_redirect on;` line in the server is changed where it is (a second one
 * in the same block is a duplicate nginx -t rejects), every such line the redirecting scopes take their value from;
 * a scope that has it on by default, or from the http level (shared by other servers), gets the line after the
 * server's own `server {`.
 */
function relativeRedirectsFix(facts: Facts, server: NginxServer, scopes: NginxScope[]): Fix {
  const description = 'Send relative Location headers (nginx 1.11.8+): the browser keeps the scheme, host and port it used.';
  const serverRef = server.ref;
  const last = server.scopes[0]?.lastLine ?? serverRef.line;
  const inServer = (r: NginxRef) =>
    r.source !== 'builtin' && r.file === serverRef.file && r.line > serverRef.line && r.line <= last;
  const own = (s: NginxScope) =>
    s.absoluteRedirect.ref && inServer(s.absoluteRedirect.ref) ? s.absoluteRedirect.ref : undefined;
  const written = [...new Map(scopes.flatMap((s) => own(s) ?? []).map((r) => [`${r.file}:${r.line}`, r])).values()];
  const edits: Fix[] = written.map((r) => ({
    description,
    file: displayFile(facts, r.file),
    line: r.line,
    placement: 'replace',
    lines: [`${indentOf(facts, r)}absolute_redirect off;`],
  }));
  if (written.length === 0 || scopes.some((s) => !own(s))) {
    // Bare: fix writes it at the server block's own indentation.
    edits.push({
      description,
      file: displayFile(facts, serverRef.file),
      line: serverRef.line,
      placement: 'after',
      lines: ['absolute_redirect off;'],
    });
  }
  const [main, ...rest] = edits as [Fix, ...Fix[]];
  const also = alsoEdits(main, rest);
  return also ? { ...main, also } : main;
}

export const proxyRedirectHttp: Check = { meta, run };
