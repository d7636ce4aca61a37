/**
 * Which proxy config format a text is written in, judged by its content alone. Used for files named on the
 * command line, whose name says nothing (`site.conf` is nginx, Apache or HAProxy alike): an Apache vhost,
 * haproxy.cfg or Caddyfile named there is read by its own collector and never parsed as nginx.
 *
 * The four formats differ in their line shapes, so each line votes for at most one format:
 * - nginx: every simple directive ends with `;` (`listen 80;`, `proxy_set_header Host $host;`);
 * - Apache: `<VirtualHost>`-style sections and its directive names (ProxyPass, RequestHeader, ServerName), no `;`;
 * - HAProxy: `global`/`defaults`/`frontend`/`backend`/`listen` sections at the left margin, then keywords
 *   (bind, default_backend, http-request...), no `;`;
 * - Caddy: its directive names (reverse_proxy, header_up, php_fastcgi...), `{$ENV}` placeholders and site
 *   address lines (`example.com {`), no `;`.
 * A format needs at least two votes and more than any other; otherwise the answer is undefined (unknown).
 */

import { SNIFF_BYTES } from '../model/limits.js';

export type ConfigFormat = 'nginx' | 'apache' | 'haproxy' | 'caddy';

/** Characters of the file looked at (the start of a config says what it is). */
const SNIFF_CHARS = SNIFF_BYTES;

const APACHE_SECTION =
  /^<\/?(?:VirtualHost|Directory|DirectoryMatch|Location|LocationMatch|Files|FilesMatch|IfModule|IfDefine|IfVersion|Proxy|ProxyMatch|Macro)\b/i;
const APACHE_DIRECTIVE =
  /^(?:ProxyPass|ProxyPassMatch|ProxyPassReverse|ProxyPreserveHost|ProxyRequests|ProxyAddHeaders|RequestHeader|Header|ServerName|ServerAlias|ServerAdmin|DocumentRoot|RewriteEngine|RewriteRule|RewriteCond|SSLEngine|SSLCertificateFile|SSLCertificateKeyFile|SSLProxyEngine|LoadModule|ErrorLog|CustomLog|LogLevel|RemoteIPHeader|RemoteIPTrustedProxy|RemoteIPInternalProxy|Redirect|RedirectMatch|Alias|IncludeOptional|Options|AllowOverride|Require|SetEnvIf|SetEnv|DirectoryIndex)\s/;
const HAPROXY_SECTION = /^(?:global|defaults|frontend|backend|listen|resolvers|userlist|peers|cache|program)\b/;
const HAPROXY_KEYWORD =
  /^(?:bind|mode|default_backend|use_backend|balance|option|http-request|http-response|tcp-request|timeout|maxconn|stats|acl|server|default-server|redirect|log|errorfile|compression)\s/;
const CADDY_DIRECTIVE =
  /^(?:reverse_proxy|header_up|header_down|trusted_proxies|file_server|php_fastcgi|encode|handle|handle_path|handle_errors|route|redir|respond|basicauth|basic_auth|tls|import|request_header|forward_auth|lb_policy|transport)\b/;
/** A Caddy site address opening a block: `example.com {`, `:443 {`, `https://a.example, b.example {`. */
const CADDY_SITE = /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[\w*.-]+|\{\$\w+\})?(?::\d+)?(?:\s*,\s*\S+)*\s*\{$/i;
const NGINX_BLOCK = /^(?:http|events|stream|server|location|upstream|map|geo|if|types|limit_except|split_clients|mail)\b/;

/** The format the text reads as, or undefined when the lines do not say clearly. */
export function sniffConfigFormat(text: string): ConfigFormat | undefined {
  const votes: Record<ConfigFormat, number> = { nginx: 0, apache: 0, haproxy: 0, caddy: 0 };
  const head = text.length > SNIFF_CHARS ? text.slice(0, SNIFF_CHARS) : text;
  for (const raw of head.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '' || line === '{' || line === '}') continue;
    if (line.endsWith(';')) {
      votes.nginx++;
      continue;
    }
    // `key = value` is INI (php-fpm pools, supervisord, systemd): none of the four.
    if (/^[\w.-]+\s*=/.test(line)) continue;
    if (APACHE_SECTION.test(line)) votes.apache += 2;
    else if (APACHE_DIRECTIVE.test(line)) votes.apache++;
    else if (HAPROXY_SECTION.test(raw) && !line.endsWith('{')) votes.haproxy += 2;
    else if (/^\s/.test(raw) && HAPROXY_KEYWORD.test(line) && !line.endsWith('{')) votes.haproxy++;
    else if (CADDY_DIRECTIVE.test(line) || /\{\$\w+(?::[^}]*)?\}/.test(line)) votes.caddy++;
    else if (line.endsWith('{') && !NGINX_BLOCK.test(line) && CADDY_SITE.test(line)) votes.caddy++;
  }
  let best: ConfigFormat | undefined;
  let second = 0;
  for (const f of Object.keys(votes) as ConfigFormat[]) {
    if (!best || votes[f] > votes[best]) {
      second = best ? votes[best] : 0;
      best = f;
    } else if (votes[f] > second) second = votes[f];
  }
  if (!best || votes[best] < 2 || votes[best] <= second) return undefined;
  return best;
}

/** A file named like a Caddyfile (`Caddyfile`, `Caddyfile.prod`, `site.caddy`): Caddy's by its name. */
export function isCaddyfileName(name: string): boolean {
  return /^Caddyfile([.-].*)?$/.test(name) || /\.caddy(file)?$/i.test(name);
}

/**
 * A file named like a Dockerfile: `Dockerfile`, `Containerfile`, a variant after a separator (`Dockerfile.prod`,
 * `Dockerfile-dev`, `dockerfile_flyio`; `DockerFile` as some projects spell it) or run together in CamelCase (`DockerfileNginx`, `DockerfileServer`, as projects
 * name one image per program), and `app.Dockerfile`. Not a BuildKit per-Dockerfile ignore file
 * (`Dockerfile.dockerignore`) nor notes or data about one (`Dockerfile.md`, `dockerfile-lint.json`), nor a word that
 * only starts the same (`dockerfiles`).
 */
export function isDockerfileName(name: string): boolean {
  if (/\.(?:dockerignore|md|markdown|rst|txt|json|ya?ml|orig|bak|swp)$/i.test(name)) return false;
  return (
    /^(?:[Dd]ocker[Ff]ile|Container[Ff]ile)(?:$|[._-][\w.-]*$|[A-Z0-9][\w.-]*$)/.test(name) ||
    /\.(?:[Dd]ocker[Ff]ile|Container[Ff]ile)$/.test(name)
  );
}

/**
 * A shell script by its name (`*.sh`, `*.bash`) or, for a file without one, by the shebang of its first line (sh,
 * bash, dash, ash, zsh; directly or through `/usr/bin/env`). Read by the deploy collector (launches) and the nginx
 * collector (nginx written by a here-document).
 */
export function isShellScriptName(name: string, firstLine: string): boolean {
  return /\.(?:sh|bash)$/i.test(name) || SHELL_SHEBANG.test(firstLine);
}

const SHELL_SHEBANG = /^#!\s*(?:\/usr\/bin\/env\s+)?\S*\b(?:ba|da|a|z)?sh\b/;
