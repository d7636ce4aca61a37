/**
 * Files a shell script, a Dockerfile or a Markdown shell fence writes from its own text: a here-document
 * (`cat > /etc/nginx/conf.d/app.conf <<EOF`, `sudo tee /etc/supervisor/conf.d/app.conf > /dev/null <<'EOF'`,
 * `RUN cat <<EOF > /etc/systemd/system/app.service`, BuildKit's `COPY <<EOF /path`) or a quoted string that spans
 * lines (`echo '[program:app]\ncommand=...' > /etc/supervisor/conf.d/app.conf`, the same with `printf`). The body IS
 * the file the program reads, so each collector reads it as that file: the text handed over has exactly the writer's
 * lines, every line outside the body blanked, so findings and launches carry the writer's own file:line.
 *
 * What the shell writes, not what is typed: an unquoted here-document (`<<EOF`) expands `$x` and undoes `\$`, `\\`,
 * `` \` `` (undone here; a `$NAME` the script sets stays as written — its value is the script's, not known here);
 * a quoted one (`<<'EOF'`) and a single-quoted string are written as they are; a double-quoted string undoes `\$`,
 * `\\`, `` \` ``, `\"`. `printf`'s format turns `%%` into `%` and `\\` into `\`; a format holding another conversion
 * (`%s`) is not read (its arguments fill it). Bounded: one pass over the lines.
 */

export interface WrittenFile {
  /** The path written (`/etc/supervisor/conf.d/app.conf`), as the writer names it: the first of `targets`. */
  target: string;
  /** Every path the command writes to (`cat > a <<EOF | tee b`), `/dev/null` aside. */
  targets: string[];
  /** 1-based line of the writing command (the here-document's opener, the `echo`/`printf`). */
  line: number;
  /** The writer's text with every line outside the body blanked (same line count). */
  text: string;
  /** The body alone, as the shell writes it. */
  body: string;
  /** How: a here-document, or a quoted multi-line string. */
  via: 'heredoc' | 'string';
  /** The body is written as typed (a quoted here-document, a single-quoted string): no `$` is expanded in it. */
  literal: boolean;
}

/** A here-document opener with its delimiter (`<<EOF`, `<<-EOF`, `<<'EOF'`, `<< "EOF"`); not `<<<`, not a YAML `<<:`. */
const OPENER = /(?<!<)<<(-?)\s*(["']?)([A-Za-z_][\w.-]*)\2/;
/** Where the output goes: a redirection (`> p`, `>> p`) or `tee [-a] p`. */
const TARGETS = /(?:(?<![0-9&])>>?\s*|\btee\s+(?:-a\s+|--append\s+)?)(["']?)([^\s"';&|<>]+)\1/g;
/** BuildKit's inline file: `COPY [--chown=x] <<EOF /path`. */
const COPY_HEREDOC = /^\s*COPY\s+(?:--\S+\s+)*<<-?\s*["']?[\w.-]+["']?\s+(\S+)\s*$/i;
/** `echo`/`printf` (after `sudo`, `RUN`, `&&`, `;`) opening a quoted string that does not close on its line. */
const STRING_OPENER = /(?:^\s*|[;&|]\s*|\b(?:RUN|sudo|then|do)\s+)(echo|printf)((?:\s+-[neE]+)*)\s+(['"])/;

/** The paths a command line writes to (`/dev/null` and descriptor duplications aside). */
function targetsOf(line: string): string[] {
  const copy = COPY_HEREDOC.exec(line);
  if (copy) return [copy[1] as string];
  return [...line.matchAll(TARGETS)].map((m) => m[2] as string).filter((p) => p !== '/dev/null' && !p.startsWith('&'));
}

/** Undoes the shell's escapes in an unquoted here-document line: `\$`, `` \` ``, `\\`. */
export function unescapeHeredocLine(l: string): string {
  return l.replace(/\\([$`\\])/g, '$1');
}

/** The writer's text with only lines `from`..`to` (0-based, inclusive) kept, as `body` gives them. */
function lineKept(lines: string[], from: number, body: string[]): string {
  return lines.map((_l, k) => (k >= from && k < from + body.length ? (body[k - from] as string) : '')).join('\n');
}

/**
 * A quoted string opening at `start` of line `i`: its lines up to the closing quote (not escaped in a double-quoted
 * one) and what follows it on the closing line, or undefined when it does not close within the text.
 */
function quotedFrom(
  lines: string[],
  i: number,
  start: number,
  quote: string,
): { body: string[]; end: number; rest: string } | undefined {
  const body: string[] = [];
  let cur = (lines[i] as string).replace(/\r$/, '').slice(start);
  for (let k = i; k < lines.length; k++) {
    if (k > i) cur = (lines[k] as string).replace(/\r$/, '');
    let at = -1;
    for (let p = 0; p < cur.length; p++) {
      if (quote === '"' && cur[p] === '\\') {
        p++;
        continue;
      }
      if (cur[p] === quote) {
        at = p;
        break;
      }
    }
    if (at < 0) {
      body.push(cur);
      continue;
    }
    body.push(cur.slice(0, at));
    return { body, end: k, rest: cur.slice(at + 1) };
  }
  return undefined;
}

/** Every file the text writes from a here-document or a multi-line quoted string, with the path it names. */
export function writtenFiles(text: string): WrittenFile[] {
  if (!text.includes('<<') && !/\b(?:echo|printf)\b/.test(text)) return [];
  const lines = text.split('\n');
  const out: WrittenFile[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, '');
    const m = OPENER.exec(line);
    if (m) {
      const strip = m[1] === '-';
      const quoted = m[2] !== '';
      const delimiter = m[3] as string;
      let end = i + 1;
      for (; end < lines.length; end++) {
        const l = (lines[end] as string).replace(/\r$/, '');
        if ((strip ? l.replace(/^\t+/, '') : l) === delimiter) break;
      }
      const targets = targetsOf(line);
      const target = targets[0];
      if (target !== undefined && end > i + 1) {
        const body = lines
          .slice(i + 1, end)
          .map((l) => l.replace(/\r$/, ''))
          .map((l) => (strip ? l.replace(/^\t+/, '') : l))
          .map((l) => (quoted ? l : unescapeHeredocLine(l)));
        out.push({
          target,
          targets,
          line: i + 1,
          text: lineKept(lines, i + 1, body),
          body: body.join('\n'),
          via: 'heredoc',
          literal: quoted,
        });
      }
      // The body is no shell: an opener-looking line inside it opens nothing.
      i = end;
      continue;
    }
    const s = STRING_OPENER.exec(line);
    if (!s) continue;
    const quote = s[3] as string;
    const q = quotedFrom(lines, i, s.index + s[0].length, quote);
    // One line, or no close: not a file body of several lines (a one-line `echo "x" > f` writes one line).
    if (!q || q.end === i) continue;
    const targets = targetsOf(q.rest);
    const target = targets[0];
    if (target !== undefined) {
      let body = q.body;
      if (quote === '"') body = body.map((l) => l.replace(/\\([$`\\"])/g, '$1'));
      const printf = s[1] === 'printf';
      const echoEscapes = /e/.test(s[2] ?? '');
      const escapes = printf || echoEscapes;
      // A `\n` ending the string is the file's last newline.
      if (escapes) body = body.map((l, k) => (k === body.length - 1 ? l.replace(/\\n$/, '') : l));
      // printf's format: another conversion is filled by arguments not read here; `\n` inside a line is no line of
      // its own, so such a line would shift every line after it.
      const ok = !escapes || body.every((l) => !(printf ? /%[^%]|\\n/ : /\\n/).test(l.replace(/%%/g, '')));
      if (ok) {
        if (printf) body = body.map((l) => l.replace(/%%/g, '%').replace(/\\\\/g, '\\'));
        out.push({
          target,
          targets,
          line: i + 1,
          text: lineKept(lines, i, body),
          body: body.join('\n'),
          via: 'string',
          literal: quote === "'",
        });
      }
    }
    i = q.end;
  }
  return out;
}
