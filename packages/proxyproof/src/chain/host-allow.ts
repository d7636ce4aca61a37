/**
 * A host allow-list as Rails' HostAuthorization matches it (actionpack 6.1.7 and 7.x,
 * action_dispatch/middleware/host_authorization.rb `Permissions#allows?`): a string entry matches the host
 * exactly, case-insensitive, with an optional `:port`; an entry starting with `.` matches that domain and one more
 * label in front (`/\A([a-z0-9-]+\.)?example\.com(:\d+)?\z/i`); a `/regexp/` entry is anchored the same way. An
 * entry we cannot evaluate (an ENV lookup, a Ruby regexp JavaScript does not accept) is the operator's own host:
 * it admits no host the simulator forges. An empty list admits every host (HostAuthorization is skipped).
 */

const PORT = '(?::\\d+)?';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function entryPattern(entry: string): RegExp | undefined {
  const re = /^\/(.*)\/([a-z]*)$/s.exec(entry);
  if (re) {
    try {
      return new RegExp(`^(?:${re[1]})${PORT}$`, (re[2] ?? '').includes('i') ? 'i' : '');
    } catch {
      return undefined;
    }
  }
  if (!/^\.?[A-Za-z0-9.-]+$/.test(entry)) return undefined;
  if (entry.startsWith('.')) return new RegExp(`^([a-z0-9-]+\\.)?${escapeRegExp(entry.slice(1))}${PORT}$`, 'i');
  return new RegExp(`^${escapeRegExp(entry)}${PORT}$`, 'i');
}

/** Whether a request for `host` passes the allow-list (true for an empty list). */
export function hostAllowed(entries: readonly string[], host: string): boolean {
  if (entries.length === 0) return true;
  return entries.some((e) => entryPattern(e)?.test(host) ?? false);
}
