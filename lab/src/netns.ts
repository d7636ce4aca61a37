// Network namespaces for multi-host topologies: one namespace per host, veth pairs between them, addresses
// from documentation ranges only (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24), no default routes, so no
// traffic can leave the lab. A "slot" (0..62, a lock file shared by concurrent test processes) gives each
// running scenario its own /30 in each range and its own namespace and interface names.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './certs.js';
import { registerCleanup, run } from './proc.js';
import type { NetworkSpec } from './types.js';

// Each slot owns 4 consecutive /30s in every range (one per link, at most 4 links): 16 slots per /24.
const MAX_SLOTS = 16;
const MAX_LINKS = 4;
const DOC_RANGES = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'] as const;

export interface Topology {
  slot: number;
  /** host -> namespace name */
  namespaces: Record<string, string>;
  /** template variable -> address */
  addresses: Record<string, string>;
  destroy(): void;
}

let privilegeCache: { ok: boolean; reason: string } | undefined;

/** Can this process create network namespaces? (root and a working `ip netns add`) */
export function netnsAvailable(ip = 'ip'): { ok: boolean; reason: string } {
  if (privilegeCache) return privilegeCache;
  if (process.getuid?.() !== 0) {
    privilegeCache = { ok: false, reason: 'network-namespace scenarios need root (ip netns add); run the lab as root (CI does)' };
    return privilegeCache;
  }
  const name = `pplab-probe-${process.pid}`;
  const r = run([ip, 'netns', 'add', name], { allowFail: true });
  if (r.code !== 0) {
    privilegeCache = { ok: false, reason: `ip netns add failed: ${r.stderr.trim() || r.stdout.trim()}` };
    return privilegeCache;
  }
  run([ip, 'netns', 'del', name], { allowFail: true });
  privilegeCache = { ok: true, reason: '' };
  return privilegeCache;
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sweepSlot(slot: number, ip: string): void {
  const list = run([ip, 'netns', 'list'], { allowFail: true }).stdout;
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    if (name.startsWith(`pplab-${slot}-`)) run([ip, 'netns', 'del', name], { allowFail: true });
  }
  const links = run([ip, '-o', 'link', 'show'], { allowFail: true }).stdout;
  for (const m of links.matchAll(/^\d+:\s+(pl(\d+)k\d+[ab])[@:]/gm)) {
    if (Number(m[2]) === slot) run([ip, 'link', 'del', m[1]!], { allowFail: true });
  }
}

function acquireSlot(ip: string): { slot: number; release(): void } {
  const dir = join(cacheDir(), 'netns-slots');
  mkdirSync(dir, { recursive: true });
  for (let round = 0; round < 2; round++) {
    for (let slot = 0; slot < MAX_SLOTS; slot++) {
      const file = join(dir, String(slot));
      try {
        const fd = openSync(file, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        sweepSlot(slot, ip); // leftovers of a crashed run
        return { slot, release: () => rmSync(file, { force: true }) };
      } catch {
        if (round === 1) {
          let owner = 0;
          try {
            owner = Number(readFileSync(file, 'utf8'));
          } catch {
            continue;
          }
          if (!pidAlive(owner)) rmSync(file, { force: true });
        }
      }
    }
  }
  throw new Error(`no free network-namespace slot (${MAX_SLOTS} in use) under ${dir}`);
}

export function linkAddress(net: string, slot: number, link: number, side: 'a' | 'b'): string {
  const base = net.split('.').slice(0, 3).join('.');
  return `${base}.${(slot * MAX_LINKS + link) * 4 + (side === 'a' ? 1 : 2)}`;
}

function ipToInt(a: string): number {
  return a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

/** Does a /24 overlap any address or route of this machine's own (root) namespace? */
function rootUses(net: string, ip: string): boolean {
  const lo = ipToInt(net.split('/')[0]!);
  const hi = lo + 255;
  const text = `${run([ip, '-o', '-4', 'addr', 'show'], { allowFail: true }).stdout}\n${run([ip, '-4', 'route', 'show', 'table', 'all'], { allowFail: true }).stdout}`;
  for (const line of text.split('\n')) {
    // our own lab links sit inside the ranges by design
    if (/\bpl\d+k\d+[ab]\b/.test(line)) continue;
    for (const m of line.matchAll(/(?:^|\s)(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?/g)) {
      const len = Number(m[2] ?? 32);
      if (len === 0) continue; // the default route
      const size = 2 ** (32 - len);
      const start = ipToInt(m[1]!);
      const netStart = start - (start % size);
      if (netStart <= hi && netStart + size - 1 >= lo) return true;
    }
  }
  return false;
}

/** The range a link that touches this machine uses: its preferred one unless the machine already uses it. */
function clientRange(preferred: string, ip: string): string {
  for (const r of [preferred, ...DOC_RANGES]) if (!rootUses(r, ip)) return r;
  throw new Error(
    `every documentation range (${DOC_RANGES.join(', ')}) is used by this machine's own network; cannot add a lab link safely`,
  );
}

/** Creates the namespaces and links. Always pair with destroy() (also registered for process exit). */
export function createTopology(spec: NetworkSpec, ip = 'ip'): Topology {
  const { slot, release } = acquireSlot(ip);
  const namespaces: Record<string, string> = {};
  const addresses: Record<string, string> = {};
  let destroyed = false;
  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    for (const ns of Object.values(namespaces)) run([ip, 'netns', 'del', ns], { allowFail: true });
    // root-side veth ends disappear with their peers; make sure anyway
    sweepSlot(slot, ip);
    release();
    unregister();
  };
  const unregister = registerCleanup(destroy);
  try {
    for (const h of spec.hosts) {
      if (h === 'client') throw new Error("'client' is the machine itself; do not list it in network.hosts");
      const ns = `pplab-${slot}-${h}`;
      run([ip, 'netns', 'add', ns]);
      namespaces[h] = ns;
      run([ip, '-n', ns, 'link', 'set', 'lo', 'up']);
    }
    spec.links.forEach((link, i) => {
      const ends = [link.a, link.b] as const;
      for (const h of ends) {
        if (h !== 'client' && !namespaces[h]) throw new Error(`link ${link.a}<->${link.b}: unknown host ${h}`);
      }
      const ifA = `pl${slot}k${i}a`;
      const ifB = `pl${slot}k${i}b`;
      const nsA = link.a === 'client' ? undefined : namespaces[link.a];
      const nsB = link.b === 'client' ? undefined : namespaces[link.b];
      run([
        ip,
        'link',
        'add',
        ifA,
        ...(nsA ? ['netns', nsA] : []),
        'type',
        'veth',
        'peer',
        'name',
        ifB,
        ...(nsB ? ['netns', nsB] : []),
      ]);
      if (i >= MAX_LINKS) throw new Error(`at most ${MAX_LINKS} links per scenario`);
      const net = link.a === 'client' || link.b === 'client' ? clientRange(link.net, ip) : link.net;
      const aAddr = linkAddress(net, slot, i, 'a');
      const bAddr = linkAddress(net, slot, i, 'b');
      const inNs = (ns: string | undefined) => (ns ? [ip, '-n', ns] : [ip]);
      run([...inNs(nsA), 'addr', 'add', `${aAddr}/30`, 'dev', ifA]);
      run([...inNs(nsB), 'addr', 'add', `${bAddr}/30`, 'dev', ifB]);
      run([...inNs(nsA), 'link', 'set', ifA, 'up']);
      run([...inNs(nsB), 'link', 'set', ifB, 'up']);
      if (link.aVar) addresses[link.aVar] = aAddr;
      if (link.bVar) addresses[link.bVar] = bAddr;
    });
  } catch (e) {
    destroy();
    throw e;
  }
  return { slot, namespaces, addresses, destroy };
}
