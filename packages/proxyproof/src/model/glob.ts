/**
 * A shell glob of a server's include path as a RegExp, the way the servers match it: nginx calls glob(3) with
 * flags 0, Apache `Include` calls apr_fnmatch with APR_FNM_PERIOD (server/config.c). In both, `*` and `?` never
 * match `/`, and a name starting with a dot is matched only by a pattern starting with a dot (POSIX: a leading
 * period is matched explicitly) — so `sites-enabled/*` never loads `.site.orig` (fix/write.ts relies on that for
 * its backups). `[...]` is a bracket expression (never matching `/`): `!` negates, and a `]` right after `[` or
 * `[!` is literal.
 */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    const atStart = i === 0 || pattern[i - 1] === '/';
    if (ch === '*') re += atStart ? '(?!\\.)[^/]*' : '[^/]*';
    else if (ch === '?') re += atStart ? '(?!\\.)[^/]' : '[^/]';
    else if (ch === '[') {
      const first = pattern[i + 1] === '!' ? i + 2 : i + 1;
      const end = pattern.indexOf(']', first + 1);
      if (end < 0 || pattern.slice(i + 1, end).includes('/')) re += '\\[';
      else {
        const body = pattern.slice(first, end).replace(/\\/g, '\\\\').replace(/[\]^]/g, '\\$&');
        re += `${atStart ? '(?!\\.)' : ''}(?!/)[${first === i + 2 ? '^' : ''}${body}]`;
        i = end;
      }
    } else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
