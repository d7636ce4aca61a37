/**
 * nginx configs a shell script or a Dockerfile writes with a here-document (or a multi-line `echo '...' > file`,
 * read by collectors/written.ts): `cat > /etc/nginx/sites-available/app
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
import { writtenFiles } from '../written.js';
import type { EmbeddedNginx } from './embedded.js';
import { NGINX_BLOCK } from './embedded.js';

/** The files that may write an nginx config with a here-document: shell scripts and Dockerfiles. */
export function mayWriteNginx(name: string, firstLine: string): boolean {
  return isShellScriptName(name, firstLine) || isDockerfileName(name);
}

/** The path of those a command writes to that lies under an nginx folder or is an nginx file. */
function nginxTarget(paths: string[]): string | undefined {
  return paths.find((p) => /(?:^|\/)nginx(?:[/.-]|$)/i.test(p) || /(?:^|\/)(?:sites-(?:available|enabled)|conf\.d)\//.test(p));
}

/**
 * Every file the text writes (collectors/written.ts: a here-document, a single-quoted multi-line `echo`/`printf`)
 * to an nginx place that reads as nginx (a block of its own).
 */
export function heredocNginx(text: string): EmbeddedNginx[] {
  if (!NGINX_BLOCK.test(text)) return [];
  const out: EmbeddedNginx[] = [];
  for (const w of writtenFiles(text)) {
    // A double-quoted string is not read: the fix planner escapes `$` only inside an unquoted here-document.
    if (w.via === 'string' && !w.literal) continue;
    const target = nginxTarget(w.targets);
    if (target !== undefined && NGINX_BLOCK.test(w.body))
      out.push({ key: target, line: w.line, text: w.text, kubernetes: false, heredoc: true });
  }
  return out;
}
