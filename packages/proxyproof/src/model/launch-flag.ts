/**
 * A flag written into one line of the command that starts a program, right after the program's name: a shell word
 * (`gunicorn app:app`, `ExecStart=/usr/bin/gunicorn ...`, `web: gunicorn ...`, `command: gunicorn ...`), or an
 * element of a JSON/flow list (`["gunicorn", "app:app"]`: a new element after the program's). Shared by the layer
 * checks' placed flags (checks/appserver/common.ts) and the chain planner's trust candidate (chain/plan.ts).
 */

/** One edit per place the line names the program: the line with the flag after it. */
export function flagAfterProgram(text: string, program: string, flag: string): string[] {
  const out: string[] = [];
  const word = new RegExp(`(^|[\\s=/])${program}(?=\\s)`, 'g');
  const element = new RegExp(`(["'])((?:[^"'\\s]*/)?${program})\\1(\\s*,)`, 'g');
  for (const m of text.matchAll(element)) {
    const at = (m.index ?? 0) + (m[1] as string).length * 2 + (m[2] as string).length;
    // Inside a JSON list nothing unquotes the value: a shell-quoted `'*'` would reach the program with its quotes.
    const bare = flag.replace(/=(["'])(.*)\1$/, '=$2');
    out.push(`${text.slice(0, at)}, ${m[1]}${bare}${m[1]}${text.slice(at)}`);
  }
  for (const m of text.matchAll(word)) {
    const at = (m.index ?? 0) + m[0].length;
    out.push(`${text.slice(0, at)} ${flag}${text.slice(at)}`);
  }
  return out;
}
