/**
 * nginx/envsubst-blanks-variables: an nginx config template rendered by `envsubst` with no variable list
 * (`envsubst < nginx.conf.template > /etc/nginx/conf.d/default.conf` in a start script, a Dockerfile RUN/CMD).
 * GNU envsubst then replaces every `$name`, nginx's own `$host`, `$remote_addr`, `$scheme`,
 * `$proxy_add_x_forwarded_for` too, with the environment's value: empty. `proxy_set_header Host $host;` becomes
 * `proxy_set_header Host ;`, which nginx refuses ("invalid number of arguments"), and `X-Forwarded-Proto "$scheme"`
 * becomes an empty value, which nginx does not send. Checked with Debian's gettext-base 0.21 envsubst and nginx 1.22
 * (docs/checks/nginx/envsubst-blanks-variables.md). The nginx image's own entrypoint lists the defined names and is
 * never reported; nor is a render with a list (collectors/template/envsubst.ts decides, the template note carries
 * it: model/template.ts `EnvsubstAll`).
 */
import { displayFile } from '../../facts/nginx/index.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Evidence, Finding } from '../../model/finding.js';
import { envsubstBlank } from '../../model/template.js';

const meta: CheckMeta = {
  id: 'nginx/envsubst-blanks-variables',
  severity: 'high',
  title: "envsubst without a variable list empties nginx's own variables",
  summary:
    "A start script or Dockerfile renders the nginx config with `envsubst` and no list: every `$host`, `$remote_addr`, `$scheme`... becomes the environment's (empty) value, so `proxy_set_header Host ;` is refused by nginx and quoted forwarding headers are sent empty (not at all).",
  references: [
    'https://www.gnu.org/software/gettext/manual/html_node/envsubst-Invocation.html',
    'https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_set_header',
    'https://github.com/nginxinc/docker-nginx/blob/master/entrypoint/20-envsubst-on-templates.sh',
  ],
};

/** The words of a line, quoted strings kept whole (an empty `""` is still a word to nginx). */
function words(line: string): string[] {
  return line.replace(/;\s*$/, '').match(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s;{}]+/g) ?? [];
}

/** How many affected lines are shown as evidence. */
const SHOWN = 4;

function run(facts: Facts): Finding[] {
  if (!facts.templates) return [];
  const nginxFiles = new Set(facts.nginx.configs.flatMap((t) => t.config.map((c) => displayFile(facts, c.file))));
  const out: Finding[] = [];
  for (const [file, note] of facts.templates) {
    const all = note.envsubstAll;
    if (!all || all.blanked.length === 0 || !nginxFiles.has(file)) continue;
    const lines = facts.sources.get(file) ?? [];
    const empty = new Set(all.blanked.map((b) => b.name));
    const byLine = new Map<number, string[]>();
    for (const b of all.blanked) byLine.set(b.line, [...new Set([...(byLine.get(b.line) ?? []), b.name])]);
    const affected = [...byLine.entries()].map(([line, names]) => {
      const written = (lines[line - 1] ?? '').trim();
      const rendered = envsubstBlank(written, empty).trim();
      // An argument made only of such variables is gone: nginx reads fewer arguments (or another meaning).
      const lost = words(rendered).length < words(written).length;
      return { line, names, written, rendered, lost };
    });
    const lost = affected.filter((a) => a.lost);
    const first = lost[0] ?? (affected[0] as (typeof affected)[number]);
    const shown = [first, ...affected.filter((a) => a !== first)].slice(0, SHOWN);
    const names = [...empty].map((n) => `$${n}`);
    const script = facts.sources.get(all.file)?.[all.line - 1];
    const evidence: Evidence[] = [
      ...shown.map((a) => ({
        file,
        line: a.line,
        snippet: lines[a.line - 1] ?? a.written,
        note: `rendered as \`${a.rendered}\`${a.lost ? ': an argument is gone' : ''}`,
      })),
      {
        file: all.file,
        line: all.line,
        ...(script !== undefined ? { snippet: script } : {}),
        note: `renders ${file} with envsubst and no variable list: every $name is replaced`,
      },
    ];
    const list = all.names.map((n) => `\${${n}}`).join(' ');
    const scriptText = script ?? '';
    const before = scriptText.slice(0, Math.max(0, scriptText.search(/\benvsubst\b/)));
    // Inside a double-quoted `sh -c "..."` (not a Dockerfile's exec-form JSON, which no shell reads) the outer shell
    // would expand `${NAME}` before envsubst sees the list: the dollars are escaped there.
    const quoted =
      (before.replace(/\\./g, '').match(/"/g) ?? []).length % 2 === 1 && !/^\s*(?:CMD|RUN|ENTRYPOINT)\s*\[/i.test(scriptText);
    // A compose file interpolates `${NAME}` itself before running the command (no shell): `$$` is its escape.
    const compose = /(?:^|\/)(?:docker-)?compose[^/]*\.ya?ml$/i.test(all.file);
    const listText = compose ? list.replace(/\$/g, '$$$$') : quoted ? list.replace(/\$/g, '\\$') : list;
    const effect =
      lost.length > 0
        ? `line ${first.line} becomes \`${first.rendered}\`, which nginx refuses at start-up ("invalid number of arguments" for a directive left short of one, "invalid condition" for an \`if\`)`
        : `line ${first.line} becomes \`${first.rendered}\`: a header set to an empty value is not sent at all, a redirect or address built from it loses that part`;
    const more = affected.length > 1 ? ` (${affected.length} lines in all)` : '';
    // Written in place only where the word is once on the line and outside single quotes (`sh -c '...'`).
    const fixable = list !== '' && (scriptText.match(/\benvsubst\b/g) ?? []).length === 1 && !before.includes("'");
    out.push(
      finding(meta, {
        message: `${file} is rendered by \`envsubst\` with no variable list (${all.file}:${all.line}): GNU envsubst replaces every \`$name\`, so nginx's own ${names.slice(0, 6).join(', ')}${names.length > 6 ? ` and ${names.length - 6} more` : ''} become the environment's value, empty: ${effect}${more}.`,
        evidence,
        why: 'With no SHELL-FORMAT argument envsubst substitutes every variable reference in its input, set or not, and an unset one becomes the empty string. nginx then never sees its own variables: a directive left without an argument stops nginx from starting, and a quoted header value rendered empty drops that header (the Host the app sees, the client address, the scheme).',
        fix: {
          description:
            list !== ''
              ? `Give envsubst the names it should replace, so nginx's own variables stay as written: \`envsubst '${listText}' < ...\` (${all.file}:${all.line}${compose ? "; `$$` is compose's escape for a `$` it must not interpolate" : quoted ? '; inside the double quotes the dollars are escaped, or the outer shell would expand them' : ''}).`
              : `This template uses no environment variable: copy it instead of running envsubst over it, or give envsubst the list of names it should replace (${all.file}:${all.line}).`,
          ...(fixable
            ? {
                file: all.file,
                line: all.line,
                lines: [scriptText.replace(/\benvsubst\b/, () => `envsubst '${listText}'`)],
                placement: 'replace' as const,
              }
            : {}),
        },
        data: { template: file, render: { file: all.file, line: all.line }, names: [...empty], list: all.names },
      }),
    );
  }
  return out;
}

export const envsubstBlanksVariables: Check = { meta, run };
