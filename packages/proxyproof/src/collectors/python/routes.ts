/**
 * The HTTP route of the Flask/FastAPI view that holds a line of code: the `def` that encloses it (the nearest one
 * above with less indentation, or the one enclosing that, for a function nested in a view) and its route decorator (`@app.route("/ip")`, `@app.get("/ip")`,
 * `@bp.get(...)`, `@router.get(...)`). The doctor's probe command names it (`--client-ip-path`) where the app shows
 * the client's address: `/` may only redirect. Only a GET-able route with no path parameter (`<id>`, `{id}`) is a
 * path to probe; a Blueprint's or APIRouter's prefix is added when its constructor in the same file gives it
 * (`url_prefix=`, `prefix=`); a prefix given where it is registered elsewhere is not seen (a wrong path costs the
 * probe two requests and a 404, never a finding).
 */

const DEF = /^(\s*)(?:async\s+)?def\s+\w+/;
const ROUTE =
  /^\s*@([A-Za-z_][\w.]*)\.(route|get|api_route)\(\s*(?:(?:rule|path)\s*=\s*)?(["'])(\/[^"'<>{}]*)\3\s*(?:,([^)]*))?\)?/;
/** How far up from the line the enclosing `def` is looked for (a view is short; a module is not walked whole). */
const MAX_UP = 400;

function indentOf(line: string): number {
  return (/^\s*/.exec(line)?.[0] ?? '').replace(/\t/g, '        ').length;
}

/** `prefix` given to the Blueprint/APIRouter named `name` where this file makes it; '' for an app or none given. */
function prefixOf(lines: string[], name: string): string | undefined {
  const ctor = new RegExp(
    `^\\s*${name.replace(/\./g, '\\.')}\\s*=\\s*(?:[\\w.]+\\.)?(Flask|FastAPI|Quart|Blueprint|APIRouter)\\((.*)`,
  );
  for (const l of lines) {
    const m = ctor.exec(l);
    if (!m) continue;
    if (m[1] === 'Flask' || m[1] === 'FastAPI' || m[1] === 'Quart') return '';
    const p = /\b(?:url_)?prefix\s*=\s*(["'])(\/[^"']*)\1/.exec(m[2] as string);
    return p ? (p[2] as string).replace(/\/$/, '') : '';
  }
  // An app imported from the package (`from app import app`) has no prefix; a blueprint from elsewhere may have one.
  return name === 'app' ? '' : undefined;
}

export function routeOf(lines: string[], index: number): string | undefined {
  const at = lines[index];
  if (at === undefined) return undefined;
  let indent = indentOf(at);
  for (let i = index - 1; i >= 0 && i >= index - MAX_UP; i--) {
    const l = lines[i] as string;
    const d = DEF.exec(l);
    if (!d || indentOf(l) >= indent) continue;
    // The decorators right above the def (a blank or comment line ends them).
    for (let j = i - 1; j >= 0 && /^\s*@/.test(lines[j] as string); j--) {
      const m = ROUTE.exec(lines[j] as string);
      if (!m) continue;
      const methods = m[5] ?? '';
      if (m[2] !== 'get' && /\bmethods\s*=/.test(methods) && !/["']GET["']/i.test(methods)) continue;
      const prefix = prefixOf(lines, m[1] as string);
      if (prefix === undefined) continue;
      return `${prefix}${m[4]}` || '/';
    }
    // A def with no route: a function nested in a view belongs to the view; a top-level one is no view.
    indent = indentOf(l);
    if (indent === 0) return undefined;
  }
  return undefined;
}
