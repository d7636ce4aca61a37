/**
 * Proxy configs shown in Markdown/MDX code fences: a project's deployment guide (`docs/deploy.md`, a Next.js
 * docs `page.mdx`) that tells its users "put this in your Caddyfile" or "add this server block to nginx" holds the
 * config those users run, often the only copy of the host proxy in front of the project's own compose file.
 *
 * Line-preserving, like the ConfigMap and here-document readers (nginx/embedded.ts, nginx/heredoc.ts): a block's
 * text has exactly the document's lines, every line outside the fence blanked, so findings carry the .md file's
 * own file:line.
 *
 * A fence is read as a config only when it is one, so prose docs stay quiet:
 * - its info string names the format (`nginx`, `caddyfile`...) or says nothing specific (none, `conf`, `text`,
 *   `yml`: guides tag Caddyfiles as YAML for the highlighting), and
 * - its content reads as that format (collectors/sniff.ts `sniffConfigFormat`) with a block of its own: an nginx
 *   `server`/`http` block, a Caddy site block. A fragment (a `location` alone, one `proxy_set_header` line)
 *   is a piece of a config the reader does not have: under a format tag it is listed as not read, else ignored.
 * - a fence that only quotes a file of the tree (the README showing the repository's own Caddyfile) is that file,
 *   which is read as itself: the quote is skipped (`quotesText`).
 * Shell fences (`sh`, `bash`, untagged) may hold a here-document that writes an nginx config
 * (`cat > /etc/nginx/sites-available/app <<EOF`): nginx/heredoc.ts reads those from the fence's text.
 * Bounded: one pass over the lines.
 */

import type { CollectContext, DiscoveredFile } from '../model/collector.js';
import { MAX_CONFIG_BYTES } from '../model/limits.js';
import { type ConfigFormat, sniffConfigFormat } from './sniff.js';

export interface FencedBlock {
  /** The info string's first word, lower-cased (`nginx`, `caddyfile`, `` for none). */
  lang: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The document's text with every line outside the fence's body blanked (same line count). */
  text: string;
  /** The body alone. */
  body: string;
}

/** Markdown and MDX files (`README.md`, `page.mdx`, `guide.markdown`). */
export function isMarkdownName(name: string): boolean {
  return /\.(?:md|mdx|markdown)$/i.test(name);
}

/** An opening fence: up to any indentation (list items indent theirs), three or more backticks or tildes. */
const OPEN = /^(\s*)(`{3,}|~{3,})\s*([^\s`{]*)/;

/** Every closed fenced code block of a Markdown text. An unclosed fence (to the end of the file) is not read. */
export function fencedBlocks(md: string): FencedBlock[] {
  if (!md.includes('```') && !md.includes('~~~')) return [];
  const lines = md.split('\n');
  const out: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = OPEN.exec((lines[i] as string).replace(/\r$/, ''));
    if (!m) continue;
    const fence = m[2] as string;
    // A backtick fence's info string has no backtick (CommonMark): ```` ```a``` ```` on one line is inline code.
    if (fence[0] === '`' && ((lines[i] as string).slice(m[0].length).includes('`') || m[3]?.includes('`'))) continue;
    const close = new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !close.test((lines[end] as string).replace(/\r$/, ''))) end++;
    if (end >= lines.length) break;
    if (end > i + 1) {
      const text = lines.map((l, k) => (k > i && k < end ? l : '')).join('\n');
      out.push({
        lang: (m[3] ?? '').toLowerCase().replace(/^\{?\.?/, ''),
        line: i + 1,
        text,
        body: lines.slice(i + 1, end).join('\n'),
      });
    }
    i = end;
  }
  return out;
}

/** Info strings that name one format. */
const FORMAT_TAGS: Record<string, ConfigFormat> = {
  nginx: 'nginx',
  nginxconf: 'nginx',
  'nginx.conf': 'nginx',
  caddy: 'caddy',
  caddyfile: 'caddy',
  haproxy: 'haproxy',
  'haproxy.cfg': 'haproxy',
  apache: 'apache',
  apacheconf: 'apache',
  apache2: 'apache',
  httpd: 'apache',
};

/** Info strings that name no language of their own or a generic one: the content decides. */
const NEUTRAL_TAGS = new Set(['', 'conf', 'config', 'cfg', 'text', 'txt', 'plain', 'plaintext', 'yml', 'yaml', 'ini', 'console']);

/** Info strings of shell: a here-document in it may write an nginx config. */
export const SHELL_TAGS = new Set(['', 'sh', 'bash', 'shell', 'zsh', 'console', 'shell-session', 'shellsession', 'dockerfile']);

/** A block of its own: what makes a text a config file of that format rather than a fragment of one. */
const OWN_BLOCK: Record<ConfigFormat, RegExp> = {
  nginx: /^\s*(?:http|server|stream)\s*\{/m,
  caddy: /^\s*(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[\w*.-]+|\{\$\w+(?::[^}]*)?\})?(?::\d+)?(?:\s*,\s*\S+)*\s*\{\s*$/im,
  haproxy: /^(?:frontend|backend|listen)\s+\S/m,
  apache: /^\s*<VirtualHost\b/im,
};

export interface FencedConfig extends FencedBlock {
  format: ConfigFormat;
}

export interface FencedFragment {
  /** The format the info string named. */
  format: ConfigFormat;
  line: number;
  lang: string;
}

/**
 * The fences of a Markdown text that are configs of a proxy format, and the format-tagged ones that are not
 * (fragments, for "Not read"). A Caddy site line needs a Caddy directive inside to count (`foo {` alone is CSS,
 * JavaScript or Go as often).
 */
export function fencedConfigs(md: string): { configs: FencedConfig[]; fragments: FencedFragment[] } {
  const configs: FencedConfig[] = [];
  const fragments: FencedFragment[] = [];
  for (const b of fencedBlocks(md)) {
    const tagged = FORMAT_TAGS[b.lang];
    if (tagged === undefined && !NEUTRAL_TAGS.has(b.lang)) continue;
    const sniffed = sniffConfigFormat(b.body);
    const format = tagged ?? sniffed;
    if (format === undefined) continue;
    const whole = OWN_BLOCK[format].test(b.body) && (sniffed === format || (tagged !== undefined && sniffed === undefined));
    if (whole) configs.push({ ...b, format });
    else if (tagged !== undefined) fragments.push({ format: tagged, line: b.line, lang: b.lang });
  }
  return { configs, fragments };
}

/** A text's config lines, trimmed, comments and blank lines dropped: what two copies of one config share. */
function configLines(text: string): string {
  return text
    .split('\n')
    .map((l) => l.replace(/(^|\s)#.*$/, '').trim())
    .filter((l) => l !== '')
    .join('\n');
}

/**
 * Whether a fence's body is a quote of another text (a file of the tree): every config line of it, in order, a
 * run of that text's lines. The file is read as itself; the quote adds nothing but a second copy of its findings.
 */
export function quotesText(body: string, file: string): boolean {
  const quote = configLines(body);
  if (quote === '') return false;
  const whole = `\n${configLines(file)}\n`;
  return whole.includes(`\n${quote}\n`);
}

const FORMAT_NAMES: Record<ConfigFormat, string> = { nginx: 'nginx', caddy: 'Caddyfile', haproxy: 'HAProxy', apache: 'Apache' };
const WHOLE: Record<ConfigFormat, string> = {
  nginx: 'a server or http block',
  caddy: 'a site block',
  haproxy: 'a frontend, backend or listen section',
  apache: 'a <VirtualHost>',
};

/** The Markdown/MDX documents of the tree that may hold a fence (name, size, text). */
function documents(ctx: CollectContext): Array<{ f: DiscoveredFile; text: string }> {
  const out: Array<{ f: DiscoveredFile; text: string }> = [];
  for (const f of ctx.files) {
    if (f.size > MAX_CONFIG_BYTES || !isMarkdownName(f.display.split('/').pop() ?? '')) continue;
    const b = ctx.read(f);
    if (b.includes(0)) continue;
    const text = b.toString('utf8');
    if (text.includes('```') || text.includes('~~~')) out.push({ f, text });
  }
  return out;
}

/** Whether some document of the tree shows a config of this format in a fence (the registry's `runs`). */
export function hasFencedConfig(ctx: CollectContext, format: ConfigFormat): boolean {
  return documents(ctx).some((d) => fencedConfigs(d.text).configs.some((c) => c.format === format));
}

/**
 * The fences of the tree's documents that are configs of `format`, less those quoting one of `treeTexts` (the
 * tree's own files of that format, read as themselves); a document whose format-tagged fence is a fragment gets
 * one "Not read" line. The documents are never claimed: another collector reads another format from them.
 */
export function fencedOfFormat(
  ctx: CollectContext,
  format: ConfigFormat,
  treeTexts: string[],
): Array<{ f: DiscoveredFile; block: FencedConfig }> {
  const out: Array<{ f: DiscoveredFile; block: FencedConfig }> = [];
  for (const { f, text } of documents(ctx)) {
    const { configs, fragments } = fencedConfigs(text);
    for (const b of configs) if (b.format === format && !treeTexts.some((t) => quotesText(b.body, t))) out.push({ f, block: b });
    const fragment = fragments.find((x) => x.format === format);
    if (fragment)
      ctx.skip(
        f,
        `the ${FORMAT_NAMES[format]} code block at line ${fragment.line} is a fragment (no ${WHOLE[format]} of its own): not read as a config`,
        fragment.line,
      );
  }
  return out;
}

/** Info strings a guide gives a systemd unit: none, `ini`, `systemd`, a generic one. */
const UNIT_TAGS = new Set(['', 'ini', 'systemd', 'conf', 'config', 'cfg', 'text', 'txt', 'plain', 'plaintext', 'toml']);

export interface FencedUnit extends FencedBlock {
  /** The unit's name from the prose just above the fence (`Create /etc/systemd/system/gunicorn.service`). */
  unitName?: string;
}

/**
 * systemd service units shown in fences (a `[Service]` section with `ExecStart=`): the guide's way of starting the
 * app server, read by the deploy collector as that unit at the document's lines. The unit's name is the `*.service`
 * the few lines above the fence name, when they name one.
 */
export function fencedSystemdUnits(md: string): FencedUnit[] {
  const out: FencedUnit[] = [];
  const lines = md.split('\n');
  for (const b of fencedBlocks(md)) {
    if (!UNIT_TAGS.has(b.lang) || !/^\s*\[Service\]\s*$/m.test(b.body) || !/^\s*ExecStart\s*=/m.test(b.body)) continue;
    let unitName: string | undefined;
    for (let k = b.line - 2; k >= Math.max(0, b.line - 6) && unitName === undefined; k--)
      unitName = /([\w@.-]+)\.service\b/.exec(lines[k] ?? '')?.[1];
    out.push(unitName === undefined ? b : { ...b, unitName });
  }
  return out;
}
