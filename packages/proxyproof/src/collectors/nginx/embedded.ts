/**
 * nginx configs embedded in YAML: a Kubernetes ConfigMap (`data: nginx.conf: |`), the same ConfigMap as a Helm
 * template, or a Helm values file that carries a config (`nginx: config: |`). Mounted at /etc/nginx, each such
 * key IS an nginx file, so it is analysed as one.
 *
 * Line-preserving, like the template reader: the text handed to the nginx parser has exactly the YAML file's
 * lines, every line outside the block scalar blanked, the scalar's lines kept as written (nginx ignores the
 * indentation). Findings on the embedded config therefore carry the YAML file's own file:line, and a fix
 * inserted after one of its lines lands inside the block scalar with that line's indentation.
 *
 * Read line by line, not through a YAML parser: a Helm template (`{{- include ... | nindent 4 }}`) is not
 * YAML until rendered. Only literal block scalars (`|`, `|-`, `|+`) are read; a folded one (`>`) joins lines.
 * Bounded: one pass over the lines.
 */

export interface EmbeddedNginx {
  /** The YAML key holding the config (`atst.conf`). */
  key: string;
  /** 1-based line of the key. */
  line: number;
  /** The YAML text with every line outside this key's block scalar blanked (same line count). */
  text: string;
  /** The file is a Kubernetes manifest (`kind: ConfigMap`), rendered or a Helm template: the nginx runs in a pod. */
  kubernetes: boolean;
  /** Written by a shell or Dockerfile here-document (heredoc.ts): `key` is the path it writes. */
  heredoc?: boolean;
  /** Shown in a Markdown/MDX code fence (collectors/fenced.ts): `key` names the block (`nginx code block`). */
  fenced?: boolean;
}

/** `  nginx.conf: |-` / `"default.conf": |` / `config: |2` (the key, its indentation). */
const BLOCK_KEY = /^(\s*)(?:-\s+)?(["']?)([^\s"':#][^"':#]*?)\2\s*:\s*\|[-+0-9]*\s*(?:#.*)?$/;
/** A line that is only template tags (`{{- if .Values.x }}`, `{% endif %}`): part of the scalar wherever it is indented. */
const TAG_ONLY = /^\s*(?:\{\{-?[^\n]*?-?\}\}|\{%-?[^\n]*?-?%\})\s*$/;
/** Text that reads as nginx: a block that makes a file an nginx config of its own, or a proxying directive. */
export const NGINX_BLOCK = /^\s*(?:http|server|location|upstream|events|stream)\b[^;{}\n]*\{/m;
const NGINX_DIRECTIVE = /^\s*(?:proxy_pass|uwsgi_pass|fastcgi_pass|proxy_set_header|listen|server_name)\s[^;{}\n]*;/m;

/**
 * A key names a file nginx reads when it looks like a file name (`atst.conf`, `default.conf.template`) or
 * mentions nginx (`nginx`, `nginxConfig`); the content must then read as nginx with a block of its own.
 */
function nginxKey(key: string): boolean {
  return (
    /\.(?:conf|conf\.template|template|inc|include|vhost|nginx)$/i.test(key) ||
    /nginx/i.test(key) ||
    /^(?:config|conf|serverblock|server[-_]?block)$/i.test(key)
  );
}

/** The YAML file names that may hold an embedded nginx config (Helm templates included: `x.yaml`, `x.yaml.tpl`). */
export function mayEmbedNginx(name: string): boolean {
  return /\.ya?ml(?:\.(?:tpl|j2|jinja2?|tmpl|gotmpl|erb))?$/i.test(name) || /\.tpl$/i.test(name);
}

/** Every literal block scalar under an nginx-like key whose body reads as an nginx config. */
export function embeddedNginx(yaml: string): EmbeddedNginx[] {
  if (!NGINX_BLOCK.test(yaml)) return [];
  const lines = yaml.split('\n');
  const out: EmbeddedNginx[] = [];
  const kubernetes = /^\s*kind:\s*["']?ConfigMap\b/m.test(yaml);
  for (let i = 0; i < lines.length; i++) {
    const m = BLOCK_KEY.exec((lines[i] ?? '').replace(/\r$/, ''));
    if (!m) continue;
    const keyIndent = (m[1] ?? '').length + ((lines[i] ?? '').trimStart().startsWith('-') ? 2 : 0);
    const key = m[3] ?? '';
    let end = i + 1;
    for (; end < lines.length; end++) {
      const l = (lines[end] ?? '').replace(/\r$/, '');
      if (l.trim() === '' || TAG_ONLY.test(l)) continue;
      if (l.length - l.trimStart().length <= keyIndent) break;
    }
    // Trailing blank/tag-only lines belong to whatever follows.
    let last = end - 1;
    while (last > i && ((lines[last] ?? '').trim() === '' || TAG_ONLY.test(lines[last] ?? ''))) last--;
    if (!nginxKey(key) || last <= i) {
      continue;
    }
    const body = lines.slice(i + 1, last + 1).join('\n');
    if (!NGINX_BLOCK.test(body) && !(NGINX_DIRECTIVE.test(body) && /nginx/i.test(key))) continue;
    const text = lines.map((l, k) => (k > i && k <= last ? l : '')).join('\n');
    out.push({ key, line: i + 1, text, kubernetes });
    i = last;
  }
  return out;
}
