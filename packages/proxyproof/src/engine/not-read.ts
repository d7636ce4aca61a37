/**
 * "Not read": every file under the given paths that looks like deployment material but was not used,
 * with the reason. General on purpose: collectors only claim what they use (`ctx.claimed`) and record
 * what they recognised but could not use (`ctx.skip`); a file is "used" when it is claimed or named by
 * any fact (a `file` field anywhere in Facts), so a new collector is covered without code here. The rest
 * is judged by name and content: deployment-looking files nobody used are listed, never dropped silently.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { isDocumentation, looksLikeKamalDeploy } from '../collectors/claims.js';
import type { DiscoveredFile, NotRead } from '../model/collector.js';
import type { Facts } from '../model/facts.js';
import { MAX_FILE_BYTES, SNIFF_BYTES, tooLarge } from '../model/limits.js';
import { type Collected, utf16AsUtf8 } from './collect.js';

/** Names that are deployment material whatever their content. */
const DEPLOY_NAME =
  /^(?:Dockerfile|Containerfile|Procfile|Caddyfile|Vagrantfile|docker-compose|compose\.|fly\.toml$|render\.ya?ml$|app\.ya?ml$|app\.json$|Chart\.ya?ml$|netlify\.toml$|vercel\.json$|nginx|haproxy|httpd|apache|traefik|envoy|gunicorn|uwsgi|supervisord|\.env)|(?:\.service|\.socket|\.caddyfile|\.vhost|\.nginx|\.j2|\.jinja2?|\.tpl|\.tmpl|\.erb|\.template)$/i;

/**
 * Documentation, not configuration: prose about a deployment (a README that shows `proxy_pass` lines, a
 * LICENSE, a changelog) is never listed, even when its words are about proxies. A config example in a docs
 * folder (`docs/nginx.conf`) is still configuration and is judged like any other file.
 */
export { isDocumentation };

/** Python modules that carry deployment settings. */
const DEPLOY_PY = /^(?:settings|.*_settings|gunicorn.*|wsgi|asgi|config|production|prod)\.py$/i;
/** Generic config extensions: listed only when the content is about serving HTTP. */
const GENERIC_EXT = new Set(['.conf', '.cfg', '.ini', '.yml', '.yaml', '.toml', '.json', '.tf', '.env', '.properties', '.xml']);
const DEPLOY_WORDS_ANYWHERE =
  /proxy_pass|proxy_set_header|server_name|\bupstream\b|reverse_proxy|ProxyPass|<VirtualHost|ingress|traefik|gunicorn|uvicorn|uwsgi|forwarded|X-Forwarded|trusted_?proxies|SECURE_PROXY_SSL_HEADER|containerPort|\bports:/i;
/** In a config file, "frontend"/"backend" anywhere are about serving (HAProxy sections, a values file's keys). */
const SECTION_WORDS = /\bfrontend\b|\bbackend\b/i;
/** A path inside a vendored-dependency folder. */
const VENDORED = /(?:^|[\\/])vendor[\\/]/;
/** In source code they are only a comment's or a name's words ("# Backend Extras" in a Ruby initializer). */
const SOURCE_CODE = /\.(?:rb|py|js|mjs|cjs|ts|tsx|jsx|rs|go|java|kt|cs|php|ex|exs)$/i;
/**
 * A Kamal deploy file's top-level keys (`service:` with `image:` and `servers:`/`proxy:`): collectors/kamal reads
 * one by its name (config/deploy.yml); one it could not read (another name, YAML it cannot parse) is listed.
 */
const KAMAL = looksLikeKamalDeploy;
/** Content that makes a file deployment material (`name` decides whether section words count). */
function deployWords(name: string, t: string): boolean {
  return DEPLOY_WORDS_ANYWHERE.test(t) || (!SOURCE_CODE.test(name) && SECTION_WORDS.test(t)) || KAMAL(t);
}
/** Jinja/Ansible, Go/Helm, Mustache, ERB and envsubst placeholders. */
const TEMPLATE = /\{\{[^{}\n]{1,80}\}\}|\{%[^\n]{1,200}%\}|<%=?[^\n]{1,200}%>|\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-[^}]*)?\}/;

function sniff(f: DiscoveredFile): Buffer | null {
  let fd: number | undefined;
  try {
    fd = openSync(f.abs, 'r');
    const b = Buffer.alloc(Math.min(SNIFF_BYTES, Math.max(0, f.size)));
    const n = readSync(fd, b, 0, b.length, 0);
    return b.subarray(0, n);
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Deployment-looking by name alone, or (generic extension) by content too. */
function looksLikeDeployment(f: DiscoveredFile, head: () => string): boolean {
  const name = basename(f.abs);
  if (DEPLOY_NAME.test(name) || DEPLOY_PY.test(name)) return true;
  if (
    /(^|\/)(nginx|sites-enabled|sites-available|conf\.d|systemd|supervisor|haproxy|apache2?|httpd|caddy|traefik|k8s|kubernetes|helm|charts?|deploy|ansible)(\/|$)/i.test(
      f.display.replace(/\\/g, '/').split('/').slice(0, -1).join('/'),
    ) &&
    !/\.(md|txt|rst|png|jpe?g|gif|svg|ico|lock|sum)$/i.test(name)
  )
    return deployWords(name, head()) || GENERIC_EXT.has(extname(name).toLowerCase()) || extname(name) === '';
  return GENERIC_EXT.has(extname(name).toLowerCase()) && deployWords(name, head());
}

/** Every `file` string named anywhere in the facts (refs, config entries, compose files). */
export function filesNamedByFacts(facts: Facts): Set<string> {
  const out = new Set<string>();
  const seen = new Set<object>();
  const walk = (v: unknown, depth: number): void => {
    if (depth > 14 || v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    if (v instanceof Map || v instanceof Set) return;
    for (const [k, x] of Object.entries(v)) {
      // A parsed nginx tree repeats its file per directive; its entry already names it.
      if (k === 'parsed' || k === 'block') continue;
      if (k === 'file' && typeof x === 'string') out.add(x);
      else if (typeof x === 'object') walk(x, depth + 1);
    }
  };
  walk({ ...facts, sources: undefined, diagnostics: undefined }, 0);
  return out;
}

export interface NotReadInput {
  files: DiscoveredFile[];
  collected: Collected;
  /** Display paths used outside the collectors (proxy files the chain reads itself). */
  usedElsewhere: Set<string>;
  /** Reasons known outside the collectors (configs the chain does not model yet). */
  known: NotRead[];
  /** `filesUsed(files, collected)` when the caller has it (the proxy files of `usedElsewhere` are added to it). */
  usage?: FilesUsed;
}

/** The files the analysis used: named by a fact (`named`), or that plus claimed by a collector (`used`). */
export interface FilesUsed {
  named: Set<string>;
  used: Set<string>;
}

/** Computed once per analysis (one walk over the facts): `notReadFiles` and the encoding warnings share it. */
export function filesUsed(files: DiscoveredFile[], collected: Collected): FilesUsed {
  const named = filesNamedByFacts(collected.facts);
  const used = new Set(named);
  for (const f of files) if (collected.claimed.has(f.abs)) used.add(f.display);
  return { named, used };
}

export function notReadFiles(input: NotReadInput): NotRead[] {
  const { files, collected } = input;
  const facts = collected.facts;
  const { named, used } = input.usage ?? filesUsed(files, collected);
  for (const u of input.usedElsewhere) used.add(u);
  const known = new Map(input.known.map((k) => [k.file, k]));
  // The most severe diagnostic about a file says why it was not used.
  const errors = new Map<string, { line?: number; message: string; rank: number }>();
  const RANK = { error: 2, warning: 1, note: 0 } as const;
  for (const d of facts.diagnostics) {
    const had = errors.get(d.file);
    if (!had || RANK[d.level] > had.rank) errors.set(d.file, { line: d.line, message: d.message, rank: RANK[d.level] });
  }
  const out: NotRead[] = [];
  for (const f of files) {
    // A collector's skip stands unless another collector's facts use the file after all.
    const skipped = collected.skipped.get(f.display);
    if (skipped && !named.has(f.display)) {
      out.push(skipped);
      continue;
    }
    const unreadable = collected.unreadable.get(f.display);
    if (unreadable) {
      out.push({ file: f.display, reason: `unreadable: ${unreadable}` });
      continue;
    }
    // A file some collector read is not "not read", whatever discovery guessed of its kind.
    if (used.has(f.display)) continue;
    const k = known.get(f.display);
    if (k) {
      out.push(k);
      continue;
    }
    // Prose is not deployment material; named on the command line it is still said why nothing was read.
    if (isDocumentation(basename(f.abs))) {
      if (f.explicit) out.push({ file: f.display, reason: 'documentation, not a configuration: not analysed' });
      continue;
    }
    // Source code of a dependency a package manager vendored (composer's and Go's `vendor/`, Bundler's
    // `vendor/bundle`) is a library's, not the deployment's: its words about proxies are its own.
    if (!f.explicit && SOURCE_CODE.test(f.display) && VENDORED.test(f.display)) continue;
    let headBytes: Buffer | null | undefined;
    const bytes = () => {
      if (headBytes === undefined) headBytes = sniff(f);
      return headBytes;
    };
    // A UTF-16 head is judged by its text (a Windows shell's `>` writes UTF-16 with a byte-order mark).
    const head = () => {
      const b = bytes();
      return b ? utf16AsUtf8(b).toString('utf8') : '';
    };
    // A file some collector read and found nothing in (a wsgi.py, a shell script) is listed only when its
    // content is about serving HTTP; one nobody read, when its name or content says it is deployment material.
    const read = facts.sources.has(f.display);
    if (!f.explicit && !(read ? deployWords(basename(f.abs), head()) : looksLikeDeployment(f, head))) continue;
    const b = bytes();
    if (b === null) {
      out.push({ file: f.display, reason: 'unreadable' });
      continue;
    }
    if (f.size > MAX_FILE_BYTES) {
      out.push({ file: f.display, reason: tooLarge(f.size, MAX_FILE_BYTES, 'any file') });
      continue;
    }
    if (utf16AsUtf8(b) !== b) {
      out.push({
        file: f.display,
        reason:
          'UTF-16 text (it starts with a byte-order mark): read as such, but nothing here used it; a proxy reads its config as bytes and would not understand UTF-16: save it as UTF-8',
      });
      continue;
    }
    if (b.includes(0)) {
      out.push({ file: f.display, reason: 'a binary file (it contains NUL bytes)' });
      continue;
    }
    const err = errors.get(f.display);
    if (err) {
      out.push({ file: f.display, reason: `not analysed: ${err.message}`, ...(err.line ? { line: err.line } : {}) });
      continue;
    }
    const text = head();
    const t = TEMPLATE.exec(text);
    if (t) {
      const line = text.slice(0, t.index).split('\n').length;
      out.push({ file: f.display, line, reason: `a template (${t[0]} on line ${line}): lint the rendered file` });
      continue;
    }
    out.push({ file: f.display, reason: notLoadedByNginx(f.display, text) ?? 'no collector reads this format yet' });
  }
  return out;
}

/**
 * nginx server blocks in a `conf.d/` folder under a name without `.conf`: the stock nginx.conf of Debian and of the
 * official image includes only `conf.d/*.conf`, so nginx never loads this file (and the site it describes is not
 * served). Said instead of "no collector reads this format".
 */
export function notLoadedByNginx(display: string, text: string): string | undefined {
  const m = /(?:^|\/)conf\.d\/([^/]+)$/.exec(display);
  if (
    !m ||
    m[1]?.endsWith('.conf') ||
    !/^\s*server\s*\{/m.test(text) ||
    !/^\s*(?:listen|server_name|proxy_pass|location)\b/m.test(text)
  )
    return undefined;
  return `nginx server blocks in conf.d/ without the .conf ending: the stock nginx.conf (Debian, the nginx image) includes only conf.d/*.conf, so nginx does not load this file; rename it to ${m[1]}.conf`;
}

export function notReadLine(n: NotRead): string {
  return `${n.file}${n.line ? `:${n.line}` : ''}: ${n.reason}`;
}
