/**
 * nginx configs a shell script or a Dockerfile writes with a here-document: `cat > /etc/nginx/sites-available/app
 * <<EOF`, `cat <<EOF | sudo tee /etc/nginx/conf.d/app.conf`, `sudo tee /etc/nginx/x > /dev/null <<'EOF'`,
 * `RUN cat <<EOF > /etc/nginx/conf.d/default.conf`, `COPY <<EOF /etc/nginx/nginx.conf`. The body IS the nginx file
 * the server reads, so it is analysed as one, like a ConfigMap key (embedded.ts): the text handed to the parser has
 * exactly the script's lines, every line outside the body blanked, so findings carry the script's own file:line.
 *
 * An unquoted delimiter (`<<EOF`) makes the shell expand the body: a variable nginx must see is written `\$host`,
 * and `\\`, `` \` `` are escapes too. Those escapes are undone here, so the parser reads what the shell writes;
 * a `$NAME` the script sets itself stays as written (nginx would get the script's value, not known here). A quoted
 * delimiter (`<<'EOF'`, `<<"EOF"`) writes the body as is. The fix planner writes `$` as `\$` into such a body
 * (fix/plan.ts `unquotedHeredocAt`). Bounded: one pass over the lines.
 */

import { isDockerfileName, isShellScriptName } from '../sniff.js';
import type { EmbeddedNginx } from './embedded.js';
import { NGINX_BLOCK } from './embedded.js';

/** A here-document opener with its delimiter (`<<EOF`, `<<-EOF`, `<<'EOF'`, `<< "EOF"`); not `<<<`, not a YAML `<<:`. */
const OPENER = /(?<!<)<<(-?)\s*(["']?)([A-Za-z_][\w.-]*)\2/;
/** Where the document goes: a redirection (`> p`, `>> p`) or `tee [-a] p`, or a BuildKit `COPY <<EOF p`. */
const TARGETS = /(?:(?<![0-9&])>>?\s*|\btee\s+(?:-a\s+|--append\s+)?)(["']?)([^\s"';&|<>]+)\1/g;

/** The files that may write an nginx config with a here-document: shell scripts and Dockerfiles. */
export function mayWriteNginx(name: string, firstLine: string): boolean {
  return isShellScriptName(name, firstLine) || isDockerfileName(name);
}

/** The path an opener line writes its document to, when it names one under an nginx folder or an nginx file. */
function nginxTarget(line: string): string | undefined {
  const copy = /^\s*COPY\s+(?:--\S+\s+)*<<-?\s*["']?[\w.-]+["']?\s+(\S+)\s*$/i.exec(line);
  const paths = copy ? [copy[1] as string] : [...line.matchAll(TARGETS)].map((m) => m[2] as string);
  return paths.find(
    (p) =>
      p !== '/dev/null' && (/(?:^|\/)nginx(?:[/.-]|$)/i.test(p) || /(?:^|\/)(?:sites-(?:available|enabled)|conf\.d)\//.test(p)),
  );
}

/** Undoes the shell's escapes in an unquoted here-document line: `\$`, `` \` ``, `\\` (and a `\` before a newline). */
function unescapeLine(l: string): string {
  return l.replace(/\\([$`\\])/g, '$1');
}

/** Every here-document of the text that writes an nginx file and reads as nginx (a block of its own). */
export function heredocNginx(text: string): EmbeddedNginx[] {
  if (!text.includes('<<') || !NGINX_BLOCK.test(text)) return [];
  const lines = text.split('\n');
  const out: EmbeddedNginx[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, '');
    const m = OPENER.exec(line);
    if (!m) continue;
    const strip = m[1] === '-';
    const quoted = m[2] !== '';
    const delimiter = m[3] as string;
    let end = i + 1;
    for (; end < lines.length; end++) {
      const l = (lines[end] as string).replace(/\r$/, '');
      if ((strip ? l.replace(/^\t+/, '') : l) === delimiter) break;
    }
    const target = nginxTarget(line);
    if (target !== undefined && end > i + 1) {
      const body = lines.slice(i + 1, end).map((l) => (quoted ? l : unescapeLine(l)));
      if (NGINX_BLOCK.test(body.join('\n'))) {
        const text = lines.map((_l, k) => (k > i && k < end ? (body[k - i - 1] as string) : '')).join('\n');
        out.push({ key: target, line: i + 1, text, kubernetes: false, heredoc: true });
      }
    }
    // The body is no shell: an opener-looking line inside it opens nothing.
    i = end;
  }
  return out;
}
