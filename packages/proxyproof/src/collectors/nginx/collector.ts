/**
 * The nginx collector: finds the nginx entry files among the discovered files, parses each entry once with
 * its includes, and adds the trees to facts.nginx.configs. Problems become Diagnostics with file:line.
 *
 * Entry files, in this order:
 * - files named on the command line (always; an explicit file that is not nginx gets a clear error);
 * - `nginx.conf`;
 * - `sites-enabled/*`, `conf.d/*.conf`, and `sites-available/*` when there is no sites-enabled next to it
 *   (in a folder with no sign of nginx, or one named like apache/httpd/supervisor, only when the content
 *   reads as nginx: Apache and supervisord use the same folder names);
 * - any other `*.conf`, and extension-less files under a folder whose name contains "nginx", when the file
 *   parses as nginx and has a top-level http/server/location/upstream/events/stream block (a supervisord or
 *   Apache .conf does not parse), or is a headers snippet of bare `proxy_set_header` lines (isHeaderSnippet: read
 *   as a server include when no entry includes it);
 * - a file named after a host (`deploy/quote.example.com`, as Debian's sites-available names sites) anywhere,
 *   on the same content test.
 * A file that another entry includes is not an entry itself. A missing absolute include (a path on the server,
 * `/etc/letsencrypt/options-ssl-nginx.conf` of a site copied off it) is a warning, not an error. The config prefix of a file in sites-enabled,
 * sites-available or conf.d is the folder above it (where nginx.conf lives); otherwise its own folder.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, sep } from 'node:path';
import { displayFile, nginxModel } from '../../facts/nginx/index.js';
import type { CollectContext, Collector, DiscoveredFile } from '../../model/collector.js';
import type { Diagnostic } from '../../model/finding.js';
import { fencedBlocks, fencedConfigs, isMarkdownName, quotesText, SHELL_TAGS } from '../fenced.js';
import { isDockerGenTemplate } from '../nginx-proxy/docker-gen.js';
import { passengerServer } from '../ruby/passenger.js';
import { isCaddyfileName, sniffConfigFormat } from '../sniff.js';
import { detemplate, isPlaceholder, isTemplateName, renderedName } from '../template/index.js';
import type { NginxConfigTree, NginxDirective } from './ast.js';
import { allowedIn, analysedBlock, isKnownDirective, suggestDirective } from './directives.js';
import { type EmbeddedNginx, embeddedNginx, mayEmbedNginx } from './embedded.js';
import { heredocNginx, mayWriteNginx } from './heredoc.js';
import { errorReason, MAX_CONFIG_BYTES, parseNginxFile, relabelTree } from './parser.js';
import { STOCK_FILES, stockFileFor, stockSummary } from './stock.js';

const SITE_DIRS = new Set(['sites-enabled', 'sites-available', 'conf.d']);
/** Block directives that make a file an nginx config of its own (a snippet of `proxy_set_header` lines: isHeaderSnippet). */
const ENTRY_BLOCKS = new Set(['http', 'server', 'location', 'upstream', 'events', 'stream']);
/** Reads like nginx (for explicit files, and broken files under an nginx folder that do not parse). */
const LOOKS_NGINX =
  /^\s*(?:(?:http|server|location|upstream|events)\b[^;{}]*\{|(?:listen|server_name|proxy_pass|proxy_set_header|uwsgi_pass|fastcgi_pass)\s[^;{}]*;)/m;
const OPENS_BLOCK = /^\s*(?:http|server|location|upstream|events)\b[^;{}]*\{/m;

/** Jinja/Ansible, Go, Mustache or ERB placeholders: a template of a config, not a config. */
const TEMPLATE = /\{\{[^{}\n]{1,80}\}\}|\{%[^\n]{1,200}%\}|<%=?[^\n]{1,200}%>/;

type Kind = 'explicit' | 'main' | 'site' | 'heuristic';

interface Candidate {
  file: DiscoveredFile;
  kind: Kind;
  prefix: string;
  /** An nginx config embedded in this YAML file (a ConfigMap key): parsed from its line-preserving text, never claimed. */
  embedded?: EmbeddedNginx;
}

function parentName(abs: string): string {
  return basename(dirname(abs));
}

function classify(f: DiscoveredFile, sniff: (f: DiscoveredFile) => string): Kind | undefined {
  const kind = classifyByName(f);
  if (!f.explicit) {
    if (kind) return kind;
    // A template whose name says nothing of what it renders (`sf4_https.tpl`, `site.j2`: Ansible roles name
    // templates after their purpose): the content decides, and only when it reads as nginx, not as another
    // proxy's config or as something else entirely.
    const base = basename(f.abs);
    if (isTemplateName(base) && extname(renderedName(base)) === '' && sniffConfigFormat(sniff(f)) === 'nginx') return 'heuristic';
    return undefined;
  }
  // Named on the command line: ours when it is named like an nginx file or reads like one, unless its content
  // reads as another proxy's config (an Apache vhost or haproxy.cfg named `site.conf`): its collector reads it.
  const text = sniff(f);
  const format = sniffConfigFormat(text);
  if (format && format !== 'nginx') return undefined;
  if (kind || LOOKS_NGINX.test(text)) return 'explicit';
  return undefined;
}

function classifyByName(f: DiscoveredFile): Kind | undefined {
  // A template (`server.conf.erb`, `nginx.conf.j2`) is classified by the file it renders to.
  const name = renderedName(basename(f.abs));
  if (name.startsWith('.')) return undefined;
  // A Caddyfile is Caddy's by its name, even in a folder whose path mentions nginx (a lab or project folder
  // named `nginx-edge-caddy`): the extension-less heuristic below must not parse it as nginx.
  if (isCaddyfileName(name)) return undefined;
  if (name === 'nginx.conf') return 'main';
  const dir = dirname(f.abs);
  const parent = basename(dir);
  if (SITE_DIRS.has(parent)) {
    if (parent === 'conf.d' && !name.endsWith('.conf')) return undefined;
    if (parent === 'sites-available' && existsSync(join(dirname(dir), 'sites-enabled'))) return undefined;
    // Apache and supervisord use the same folder names: without a sign of nginx, the content decides.
    if (/apache|httpd|supervisor/i.test(dir)) return 'heuristic';
    return /nginx/i.test(dir) || existsSync(join(dirname(dir), 'nginx.conf')) ? 'site' : 'heuristic';
  }
  if (name.endsWith('.conf')) return 'heuristic';
  // A site file named after the host it serves (`deploy/quote.example.com`, as Debian's sites-available names
  // them, kept anywhere in a repository): the content decides.
  if (namedAfterHost(name)) return 'heuristic';
  // An Ansible/Salt template named after nginx (`nginx.j2`, `nginx_ssl.j2`, `nginx-site.erb`): the content decides.
  if (isTemplateName(basename(f.abs)) && /nginx/i.test(name)) return 'heuristic';
  if (extname(name) === '' && /nginx/i.test(dir)) return 'heuristic';
  return undefined;
}

/** Extensions of files that are not nginx sites, though their names look like host names (`app.py`, `site.yml`). */
const NOT_SITE_EXT = new Set(
  'py js mjs cjs ts tsx jsx json yml yaml toml ini cfg txt md rst html htm css scss sh bash rb php xml lock sum key pem crt csr der p12 log j2 erb tpl tmpl template service socket timer env example sample bak orig old dist png jpg jpeg gif svg ico webp map min gz zip tar tgz bz2 xz pdf go rs java kt cs c h cc cpp swift lua pl sql db sqlite csv tsv properties gradle mod vue svelte dockerfile'.split(
    ' ',
  ),
);

/** `quote.example.com`, `www.example.org`: two or more DNS labels ending in an alphabetic top-level label. */
function namedAfterHost(name: string): boolean {
  if (!/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}$/i.test(name)) return false;
  return !NOT_SITE_EXT.has(extname(name).slice(1).toLowerCase());
}

function looksLikeConfRoot(dir: string): boolean {
  return ['nginx.conf', 'sites-enabled', 'sites-available', 'conf.d'].some((n) => existsSync(join(dir, n)));
}

function prefixFor(abs: string): string {
  const dir = dirname(abs);
  return SITE_DIRS.has(basename(dir)) ? dirname(dir) : dir;
}

/** What a missing include is taken to mean: the checks judge the blocks that include it as if it set nothing. */
const MISSING_INCLUDE_ASSUMED = 'assumed to set nothing: the blocks that include it are judged without it';

/** Notes at each `include` that was read from a built-in stock file (stock.ts), naming who ships it and what it sets. */
function assumedStockNotes(tree: NginxConfigTree): Diagnostic[] {
  const out: Diagnostic[] = [];
  tree.config.forEach((c) => {
    if (c.source === 'builtin') return;
    const walk = (list: NginxDirective[]): void => {
      // Indexed loops in the two walks of every directive (here and `misspellings`): a `for...of` still in V8's
      // interpreter (commands/tier-up.ts delays optimisation) allocates an iterator result per step, ~5 MB each on
      // the 10,000-server bench.
      for (let k = 0; k < list.length; k++) {
        const d = list[k] as NginxDirective;
        if (d.directive === 'include')
          for (const i of d.includes ?? []) {
            const inc = tree.config[i];
            if (!inc) continue;
            const stock = stockFileFor(d.args[0] ?? '') ?? stockFileFor(inc.abs ?? inc.file);
            if (!stock) continue;
            // mime.types moves no header; a file read from this machine's /etc/nginx is the server's own on a server.
            if (inc.source !== 'builtin' || stock.name === 'mime.types') continue;
            out.push({
              level: 'note',
              file: c.file,
              line: d.line,
              message: `nginx: include "${d.args[0]}": not in the linted files nor on this machine; ${stock.origin ?? "Debian's"} ${stock.path} assumed (${stockSummary(stock)})`,
            });
          }
        if (d.block) walk(d.block);
      }
    };
    walk(c.parsed);
  });
  return out;
}

/** Unknown directives one edit from a known one (`proxy_passs`): nginx -t rejects them; we would not notice. */
function misspellings(tree: NginxConfigTree): { file: string; line: number; column?: number; name: string; known: string }[] {
  const out: { file: string; line: number; column?: number; name: string; known: string }[] = [];
  for (const c of tree.config) {
    if (c.source === 'builtin') continue;
    const walk = (list: NginxDirective[], depth: number): void => {
      for (let k = 0; k < list.length; k++) {
        const d = list[k] as NginxDirective;
        const known = suggestDirective(d.directive);
        if (known) out.push({ file: c.file, line: d.line, column: d.column, name: d.directive, known });
        if (d.block && depth < 50 && analysedBlock(d.directive)) walk(d.block, depth + 1);
      }
    };
    walk(c.parsed, 0);
  }
  return out;
}

function hasEntryBlock(list: NginxDirective[]): boolean {
  return list.some((d) => d.block !== undefined && ENTRY_BLOCKS.has(d.directive));
}

/**
 * A file of bare `proxy_set_header` lines (a headers snippet, `proxy-headers.conf`): nginx directives only, each one a
 * server or location may hold, at least one of them `proxy_set_header`. When no file of the tree includes it, it is
 * analysed as a server include (facts/nginx/build.ts), its lines keeping their own file:line; an entry that includes
 * it reads it in that real context instead.
 */
function isHeaderSnippet(list: NginxDirective[]): boolean {
  let headers = false;
  for (const d of list) {
    if (d.directive === '#') continue;
    if (d.block !== undefined || !isKnownDirective(d.directive)) return false;
    if (!allowedIn(d.directive, ['http', 'server']) && !allowedIn(d.directive, ['http', 'location'])) return false;
    if (d.directive === 'proxy_set_header') headers = true;
  }
  return headers;
}

/** The cwd the display paths are relative to (discover made them relative to it). */
function displayBase(files: DiscoveredFile[]): string {
  for (const f of files) {
    if (!isAbsolute(f.display) && f.abs.endsWith(`${sep}${f.display}`)) return f.abs.slice(0, -f.display.length - 1);
  }
  return process.cwd();
}

/**
 * nginx-proxy's `vhost.d` folder (mounted or copied to /etc/nginx/vhost.d): a file named after a host, `default`, or
 * `<host>_location`/`default_location`(`_override`), included by the generated config inside that host's `server`
 * (the `_location` ones inside its `location /`). Without a `server` block of its own it is such a snippet.
 */
function vhostSnippet(e: { cand: Candidate; tree: NginxConfigTree }): boolean {
  if (parentName(e.cand.file.abs) !== 'vhost.d' || e.cand.kind === 'explicit') return false;
  const parsed = e.tree.config[0]?.parsed ?? [];
  return !parsed.some((d) => ['server', 'http', 'upstream', 'stream'].includes(d.directive));
}

function vhostSnippetReason(name: string): string {
  const override = /_location_override$/.test(name);
  const loc = !override && /_location$/.test(name);
  const host = name.replace(/_location(?:_override)?$/, '').replace(/_[0-9a-f]{40}$/, '');
  const where = override ? 'instead of the `location` block of' : loc ? 'inside the `location` block of' : 'inside';
  const which = host === 'default' ? 'every host without a file of its own' : host;
  return `nginx-proxy's per-host snippet (vhost.d): included ${where} the server nginx-proxy generates for ${which}; only its proxy_set_header, return${override ? ', location and proxy_pass' : ''} lines are simulated (on nginx-proxy's routes of that host, where a compose nginx-proxy routes it)`;
}

export const nginxCollector: Collector = {
  name: 'nginx',
  collect(ctx: CollectContext) {
    const base = displayBase(ctx.files);
    const roots = [...new Set(ctx.files.map((f) => f.root))];
    const insideRoots = (abs: string): boolean =>
      roots.some((r) => abs === r || abs.startsWith(r.endsWith(sep) ? r : `${r}${sep}`));
    const byAbs = new Map(ctx.files.map((f) => [f.abs, f]));
    const display = (abs: string): string => {
      const known = byAbs.get(abs);
      if (known) return known.display;
      const rel = relative(base, abs);
      return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
    };

    const sniff = (f: DiscoveredFile): string => {
      if (f.size > MAX_CONFIG_BYTES) return '';
      try {
        return ctx.readText ? ctx.readText(f) : ctx.read(f).toString('utf8');
      } catch {
        return '';
      }
    };
    // The file as written (`read`/`readText` give a template's rendering, its `{{ }}` replaced; sources keep it).
    const rawText = (f: DiscoveredFile): string => {
      if (f.size > MAX_CONFIG_BYTES) return '';
      try {
        ctx.read(f);
      } catch {
        return '';
      }
      return ctx.facts.sources.get(f.display)?.join('\n') ?? '';
    };
    const order: Record<Kind, number> = { explicit: 0, main: 1, site: 2, heuristic: 3 };
    const candidates: Candidate[] = [];
    for (const f of ctx.files) {
      if (ctx.claimed.has(f.abs)) continue;
      const kind = classify(f, sniff);
      if (!kind) continue;
      // docker-gen's template (nginx-proxy's separate-containers setup): rendered from the running containers, so its
      // servers are not the tree's; collectors/nginx-proxy reads it with the compose service that runs docker-gen.
      if (isTemplateName(basename(f.abs)) && isDockerGenTemplate(rawText(f))) {
        ctx.skip(
          f,
          "a docker-gen template (nginx-proxy's separate containers): rendered from the running containers, so not linted as an nginx config; its proxy is read from compose files that run docker-gen with it and a container with VIRTUAL_HOST (none here)",
        );
        continue;
      }
      candidates.push({ file: f, kind, prefix: prefixFor(f.abs) });
    }
    candidates.sort((a, b) => order[a.kind] - order[b.kind]);
    // nginx configs inside YAML (a ConfigMap's `nginx.conf: |`, a Helm template of one): after the files, as
    // heuristic entries; the YAML file stays unclaimed for the Kubernetes collectors.
    for (const f of ctx.files) {
      if (ctx.claimed.has(f.abs) || !mayEmbedNginx(basename(f.abs))) continue;
      const text = sniff(f);
      if (!text) continue;
      for (const e of embeddedNginx(text)) {
        const format = sniffConfigFormat(e.text);
        if (format && format !== 'nginx') continue;
        candidates.push({ file: f, kind: 'heuristic', prefix: dirname(f.abs), embedded: e });
      }
    }
    // nginx configs a shell script or a Dockerfile writes with a here-document (`cat > /etc/nginx/... <<EOF`): the
    // same way, the script left to the collectors that read it as a script.
    for (const f of ctx.files) {
      // Read whatever else claimed the file (the deploy collector reads scripts and Dockerfiles as such).
      // By name first (a script without an extension by its shebang): no other file of the tree is read for this.
      const name = basename(f.abs);
      if (f.size > MAX_CONFIG_BYTES || (name.includes('.') && !mayWriteNginx(name, ''))) continue;
      const text = sniff(f);
      if (!text || !mayWriteNginx(name, text.slice(0, text.indexOf('\n') >>> 0))) continue;
      for (const e of heredocNginx(text)) {
        const format = sniffConfigFormat(e.text);
        if (format && format !== 'nginx') continue;
        candidates.push({ file: f, kind: 'heuristic', prefix: dirname(f.abs), embedded: e });
      }
    }

    // nginx configs shown in Markdown/MDX code fences (a deployment guide's server block, a here-document in a
    // shell fence that writes one): read like the here-documents, the document never claimed. A fence that quotes
    // an nginx file of the tree is that file, read as itself.
    const nginxFileTexts = (): string[] =>
      candidates.filter((c) => !c.embedded && c.kind !== 'heuristic').map((c) => sniff(c.file));
    let treeTexts: string[] | undefined;
    for (const f of ctx.files) {
      if (f.size > MAX_CONFIG_BYTES || !isMarkdownName(basename(f.abs))) continue;
      const text = sniff(f);
      if (!text.includes('```') && !text.includes('~~~')) continue;
      const { configs, fragments } = fencedConfigs(text);
      for (const b of configs) {
        if (b.format !== 'nginx') continue;
        treeTexts ??= nginxFileTexts();
        if (treeTexts.some((t) => quotesText(b.body, t))) continue;
        candidates.push({
          file: f,
          kind: 'heuristic',
          prefix: dirname(f.abs),
          embedded: { key: `${b.lang || 'untagged'} code block`, line: b.line, text: b.text, kubernetes: false, fenced: true },
        });
      }
      for (const b of fencedBlocks(text)) {
        if (!SHELL_TAGS.has(b.lang)) continue;
        for (const e of heredocNginx(b.text)) {
          const format = sniffConfigFormat(e.text);
          if (format && format !== 'nginx') continue;
          candidates.push({ file: f, kind: 'heuristic', prefix: dirname(f.abs), embedded: e });
        }
      }
      const fragment = fragments.find((x) => x.format === 'nginx');
      if (fragment)
        ctx.skip(
          f,
          `the nginx code block at line ${fragment.line} is a fragment (no server or http block of its own): not read as a config`,
          fragment.line,
        );
    }

    interface Entry {
      cand: Candidate;
      tree: NginxConfigTree;
      texts: Map<string, { display: string; text: string; source: 'file' | 'builtin' }>;
    }
    const entries: Entry[] = [];
    const covered = new Set<string>();

    // A repository that ships its own `proxy_params` (Ansible's files/, a docker build context) installs it as
    // /etc/nginx/proxy_params: an `include proxy_params;` not found under the prefix means that file, not
    // Debian's stock one. The folder nearest the entry wins.
    const stockNames = new Set(STOCK_FILES.map((s) => s.name));
    const shippedStockDirs = [...new Set(ctx.files.filter((f) => stockNames.has(basename(f.abs))).map((f) => dirname(f.abs)))];
    const stockDirsFor = (abs: string): string[] => {
      const common = (d: string): number => {
        const a = d.split(sep);
        const b = dirname(abs).split(sep);
        let n = 0;
        while (n < a.length && a[n] === b[n]) n++;
        return n;
      };
      return [...[...shippedStockDirs].sort((x, y) => common(y) - common(x)), '/etc/nginx'];
    };

    // `include {{ vhost_path }}/app_proxy.include;`: the path holds a placeholder, so the file is the tree's
    // template of that name (`app_proxy.include.j2`), or of that stem (`app_proxy.j2`) when only one fits.
    const resolveTemplatedInclude = (arg: string): string | undefined => {
      if (!isPlaceholder(arg) || /[*?[]/.test(arg)) return undefined;
      const want = basename(arg);
      const stem = (n: string): string => n.replace(/\..*$/, '');
      const exact = ctx.files.filter((x) => renderedName(basename(x.abs)) === want);
      if (exact.length === 1) return exact[0]?.abs;
      const byStem = ctx.files.filter((x) => isTemplateName(basename(x.abs)) && stem(basename(x.abs)) === stem(want));
      return byStem.length === 1 ? byStem[0]?.abs : undefined;
    };

    for (const cand of candidates) {
      const f = cand.file;
      if (covered.has(f.abs) && !cand.embedded) continue;
      if (f.size > MAX_CONFIG_BYTES && cand.kind === 'heuristic') continue;
      const texts: Entry['texts'] = new Map();
      // A ConfigMap key named as a template (`default.conf.template`) is rendered like a file of that name.
      const templateKey = cand.embedded?.kubernetes && isTemplateName(cand.embedded.key) ? cand.embedded.key : undefined;
      const tree = parseNginxFile(f.abs, {
        prefix: cand.prefix,
        // A copy of a conf folder (nginx.conf, sites-*, conf.d in it) stands for the server's /etc/nginx: its
        // absolute /etc/nginx includes never read this machine's files (stock params aside).
        rebase: [
          ...(cand.prefix === '/etc/nginx'
            ? []
            : [{ from: '/etc/nginx', to: cand.prefix, always: cand.embedded !== undefined || looksLikeConfRoot(cand.prefix) }]),
          // A copy being analysed in place of its originals (fix's check): its absolute includes read the copy.
          ...(ctx.options.relocated ?? []).map((r) => ({ ...r, always: true })),
        ],
        comments: ctx.options.comments,
        stockDirs: stockDirsFor(f.abs),
        resolveInclude: resolveTemplatedInclude,
        ...(ctx.configText ? { knownText: ctx.configText } : {}),
        ...(ctx.templateVars ? { templateVars: ctx.templateVars } : {}),
        ...(ctx.options.templatePicks ? { templatePicks: ctx.options.templatePicks } : {}),
        onFileText: (_file, abs, text, source) => texts.set(abs, { display: display(abs), text, source }),
        ...(cand.embedded ? { entryText: cand.embedded.text } : {}),
        ...(templateKey ? { entryTemplateName: templateKey } : {}),
      });
      if (templateKey && cand.embedded) noteEmbeddedValues(ctx, f, cand.embedded.text, templateKey);
      // A file of only bare `$NAME`s an envsubst list substitutes (no `${`): the shared reader (engine/collect.ts)
      // did not render it, the parser did; its filled values are noted here the same way.
      else if (!cand.embedded && !ctx.facts.templates?.has(f.display)) {
        const raw = texts.get(f.abs)?.text;
        if (raw !== undefined && (ctx.templateVars?.(f.abs)?.envNames?.()?.size ?? 0) > 0) noteEmbeddedValues(ctx, f, raw, f.abs);
      }
      const entryText = texts.get(f.abs)?.text ?? '';
      // A file that parsed but names an include that is not here (`include {{ app.key }}_params;` in a template)
      // still shows what it is: its own blocks decide.
      const parsedOk =
        tree.config[0]?.status === 'ok' ||
        (tree.config[0]?.parsed !== undefined &&
          (tree.config[0]?.errors ?? []).every((x) => (x as { kind?: string }).kind === 'include-missing'));
      if (cand.embedded) {
        // Embedded in YAML: the key's content decided it is nginx; one that does not parse is said once, as a
        // warning (a Helm construct the reader cannot render), never as a config error of the manifest.
        const err = tree.config[0]?.errors.find((x) => x.kind !== 'include-missing');
        if (!parsedOk || !hasEntryBlock(tree.config[0]?.parsed ?? [])) {
          if (err)
            ctx.facts.diagnostics.push({
              level: 'warning',
              file: f.display,
              line: err.line ?? cand.embedded.line,
              message: cand.embedded.heredoc
                ? `nginx: the config this file writes to ${cand.embedded.key} (here-document at line ${cand.embedded.line}) was not read: ${errorReason(err)}`
                : cand.embedded.fenced
                  ? `nginx: the ${cand.embedded.key} at line ${cand.embedded.line} was not read: ${errorReason(err)}`
                  : `nginx: the config in key "${cand.embedded.key}" was not read: ${errorReason(err)}`,
            });
          continue;
        }
      } else if (cand.kind === 'heuristic') {
        const nginxLike = parsedOk
          ? hasEntryBlock(tree.config[0]?.parsed ?? []) || isHeaderSnippet(tree.config[0]?.parsed ?? [])
          : (/nginx/i.test(dirname(f.abs)) || SITE_DIRS.has(parentName(f.abs))) && OPENS_BLOCK.test(entryText);
        if (!nginxLike) continue;
      }
      const heavy = tree.config[0]?.errors.find((x) => errorReason(x).startsWith('template: '));
      if (heavy) {
        // Too template-heavy to read: said once (the read path may have said it already for this file).
        if (!cand.embedded) ctx.claimed.add(f.abs);
        ctx.read(f);
        if (!ctx.facts.diagnostics.some((x) => x.file === f.display && x.message.startsWith('template: '))) {
          ctx.facts.diagnostics.push({
            level: f.explicit ? 'error' : 'warning',
            file: f.display,
            line: 1,
            message: errorReason(heavy),
          });
        }
        continue;
      }
      // A template the shared reader rendered is linted (its errors are real); one it could not read stays a note.
      const placeholder = parsedOk || detemplate(entryText, { name: f.abs }) ? null : TEMPLATE.exec(entryText);
      if (placeholder) {
        // One clear note instead of the cascade of syntax errors `{{VAR}}` causes; the file is not linted.
        const line = entryText.slice(0, placeholder.index).split('\n').length;
        if (!cand.embedded) ctx.claimed.add(f.abs);
        ctx.facts.diagnostics.push({
          level: f.explicit ? 'error' : 'warning',
          file: f.display,
          line,
          message: `nginx: a template, not an nginx config yet (${placeholder[0]} on line ${line}); lint the rendered file`,
        });
        continue;
      }
      entries.push({ cand, tree, texts });
      for (const c of tree.config.slice(1)) if (c.abs) covered.add(c.abs);
    }

    // A file included by another entry is part of that entry, not an entry of its own.
    const includedBy = new Map<string, number>();
    entries.forEach((e, k) => {
      for (const c of e.tree.config.slice(1)) if (c.abs && !includedBy.has(c.abs)) includedBy.set(c.abs, k);
    });
    const kept = entries.filter((e, k) => {
      const by = includedBy.get(e.cand.file.abs);
      if (by === undefined && !e.cand.embedded && vhostSnippet(e)) {
        // nginx-proxy's per-host file: the generated server of that host includes it, not a server of its own.
        ctx.skip(e.cand.file, vhostSnippetReason(basename(e.cand.file.abs)));
        return false;
      }
      return by === undefined || by === k || (includedBy.get(entries[by]?.cand.file.abs ?? '') === k && by > k);
    });

    // A file shared by two entries reports its errors once.
    const seen = new Set<string>();
    for (const e of kept) {
      const tree = relabelTree(e.tree, display);
      const em = e.cand.embedded;
      if (em) tree.embedded = { key: em.key, line: em.line, kubernetes: em.kubernetes };
      ctx.facts.nginx.configs.push(tree);
      // A well-known file that is neither in the linted files nor on this machine was read from its known
      // content: say so where it is included, with what it sets.
      for (const n of assumedStockNotes(tree)) {
        const key = `${n.file}:${n.line}:${n.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        ctx.facts.diagnostics.push(n);
      }
      for (const [abs, t] of e.texts) {
        const known = byAbs.get(abs);
        if (known) {
          ctx.read(known);
          if (!(e.cand.embedded && abs === e.cand.file.abs)) ctx.claimed.add(abs);
        } else if (!ctx.facts.sources.has(t.display)) {
          ctx.facts.sources.set(t.display, t.text.split(/\r?\n/));
        }
      }
      if (!e.cand.embedded) ctx.claimed.add(e.cand.file.abs);
      for (const err of tree.errors) {
        const reason = errorReason(err);
        if (reason.startsWith('template: ')) {
          // Too template-heavy: the read path (collectors/template) already said "not read" for a discovered file.
          const said = ctx.facts.diagnostics.some((x) => x.file === err.file && x.message.startsWith('template: '));
          if (!said) {
            const explicit = byAbs.get(e.cand.file.abs)?.explicit && err.file === e.cand.file.display;
            ctx.facts.diagnostics.push({ level: explicit ? 'error' : 'warning', message: reason, file: err.file, line: 1 });
          }
          continue;
        }
        const d: Diagnostic = { level: 'error', message: `nginx: ${errorReason(err)}`, file: err.file };
        if (err.kind === 'include-missing' && err.include && isPlaceholder(err.include)) {
          // A templated path (`{{ vhost_path }}/x.include`) names the rendered server's file: lint the rest.
          d.level = 'warning';
          d.message = `nginx: ${errorReason(err)}; the path is a template placeholder, so the config was linted without it`;
        } else if (err.kind === 'include-missing' && err.include && isAbsolute(err.include)) {
          // An absolute path names the server's filesystem (/etc/letsencrypt/options-ssl-nginx.conf of a site
          // copied off its server): say so and lint the rest. A missing relative include stays an error.
          d.level = 'warning';
          d.message = `nginx: ${errorReason(err)}; an absolute path on the server, not found ${
            err.target && insideRoots(err.target) ? 'in the linted copy' : 'on this machine'
          }, so the config was linted without it (${MISSING_INCLUDE_ASSUMED})`;
        } else if (err.kind === 'include-missing') {
          d.message = `nginx: ${errorReason(err)}; linted without it (${MISSING_INCLUDE_ASSUMED})`;
        }
        if (err.line !== null) d.line = err.line;
        const key = `${d.file}:${d.line}:${d.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        ctx.facts.diagnostics.push(d);
      }
      for (const m of misspellings(tree)) {
        const key = `${m.file}:${m.line}:${m.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const d: Diagnostic = {
          level: 'warning',
          file: m.file,
          line: m.line,
          message: `nginx: unknown directive "${m.name}" (did you mean "${m.known}"?); nginx -t rejects it`,
        };
        if (m.column) d.column = m.column;
        ctx.facts.diagnostics.push(d);
      }
    }
    if (kept.some((e) => [...e.texts.values()].some((t) => mentionsPassengerOn(t.text)))) addPassengerServers(ctx);
  },
};

/** `passenger_enabled on` somewhere in a config: only then is the model built here, for Passenger's app servers. */
const PASSENGER_ON = /^\s*passenger_enabled\s+on\b/im;

/** The directive's name anywhere, in PASSENGER_ON's case-insensitive terms. */
const PASSENGER_NAME = /passenger_enabled/i;

/**
 * PASSENGER_ON on a text that names the directive at all: PASSENGER_ON alone tries `^\s*` at every position of every
 * config (8 MB at 10,000 servers: 60-90 ms), the plain name is a fast literal search (about 1 ms).
 */
function mentionsPassengerOn(text: string): boolean {
  return PASSENGER_NAME.test(text) && PASSENGER_ON.test(text);
}

/**
 * Phusion Passenger inside nginx: one app server per app root that a server or location runs with
 * `passenger_enabled on` (collectors/ruby/passenger.ts), the unix socket its nginx route links to.
 */
function addPassengerServers(ctx: CollectContext): void {
  let model: ReturnType<typeof nginxModel>;
  try {
    model = nginxModel(ctx.facts);
  } catch {
    return; // said by the analysis (facts/nginx/sites.ts), which builds the same model
  }
  for (const server of model.servers) {
    for (const scope of server.scopes) {
      const p = scope.pass;
      if (p?.kind !== 'passenger' || p.unix === undefined || scope.passInherited) continue;
      const path = p.unix;
      if (ctx.facts.appServers.some((a) => a.name === 'passenger' && a.binds.some((b) => b.path === path))) continue;
      const ref = { file: displayFile(ctx.facts, p.ref.file), line: p.ref.line, snippet: p.ref.text };
      ctx.facts.appServers.push(passengerServer(p.target, ref, 'nginx'));
    }
  }
}

/**
 * The values the tree gives an embedded template key's `${NAME}`s (a Kubernetes container's environment:
 * collectors/template/envsubst.ts), or a standalone file's bare listed `$NAME`s, are noted with the file's other
 * template notes, so a finding on those lines
 * says where each value is written (engine/template-values.ts). The manifest itself is YAML, so the shared reader
 * (engine/collect.ts) did not render them.
 */
function noteEmbeddedValues(ctx: CollectContext, f: DiscoveredFile, text: string, key: string): void {
  const vars = ctx.templateVars?.(f.abs);
  if (!vars) return;
  const filled = (detemplate(text, { name: key, vars })?.placeholders ?? []).filter((p) => p.env && p.from);
  if (filled.length === 0) return;
  ctx.facts.templates ??= new Map();
  const note = ctx.facts.templates.get(f.display);
  if (note)
    note.placeholders.push(...filled.filter((p) => !note.placeholders.some((q) => q.line === p.line && q.expr === p.expr)));
  else ctx.facts.templates.set(f.display, { kinds: ['envsubst'], placeholders: filled, branches: [] });
}
