// ops/s of @proxyproof/forwarded's resolve() vs proxy-addr (X-Forwarded-For) and vs forwarded-parse + proxy-addr's
// compiled trust function (RFC 7239 Forwarded), on the same inputs, in one run. Every pair's answers (client address
// and address list) are asserted equal before timing.
// Run: npx tsc -b packages/forwarded && node --import tsx bench/forwarded/bench.ts
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createPolicy, resolve } from '@proxyproof/forwarded';
import { Bench } from 'tinybench';

const require = createRequire(import.meta.url);
const proxyaddr = require('proxy-addr') as ((req: unknown, trust: unknown) => string) & {
  all(req: unknown, trust: unknown): string[];
  compile(v: unknown): (addr: string, i: number) => boolean;
};
const forwardedParse = require('forwarded-parse') as (h: string) => Record<string, string>[];

const BATCH = 1000; // calls per timed sample: one call is ~100 ns, below timer resolution

interface Scenario { name: string; peer: string; trust: string[]; xff: string; forwarded: string; client: string; all: string[] }
const SCENARIOS: Scenario[] = [
  { name: '1-hop', peer: '127.0.0.1', trust: ['loopback'], xff: '203.0.113.9', forwarded: 'for=203.0.113.9;proto=https', client: '203.0.113.9', all: ['127.0.0.1', '203.0.113.9'] },
  {
    name: '5-hop', peer: '10.0.0.1', trust: ['10.0.0.0/8'], xff: '203.0.113.9, 10.0.0.5, 10.0.0.4, 10.0.0.3, 10.0.0.2',
    forwarded: 'for=203.0.113.9;proto=https, for=10.0.0.5, for=10.0.0.4, for=10.0.0.3, for=10.0.0.2',
    client: '203.0.113.9', all: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '203.0.113.9'],
  },
];

/** The Forwarded peer: forwarded-parse, then proxy-addr's trust function walked from the right (as proxy-addr does). */
function peerForwarded(peer: string, header: string, trust: (a: string, i: number) => boolean): string[] {
  const els = forwardedParse(header);
  const addrs = [peer];
  for (let i = els.length - 1; i >= 0; i--) addrs.push((els[i] as Record<string, string>).for as string);
  for (let i = 0; i < addrs.length - 1; i++) if (!trust(addrs[i] as string, i)) { addrs.length = i + 1; break; }
  return addrs;
}

const rows: { scenario: string; header: string; ours: number; peer: number; ratio: number }[] = [];
const ROUNDS = 7;
let sink = 0;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
for (const s of SCENARIOS) {
  const policyX = createPolicy({ trust: s.trust, hops: Number.POSITIVE_INFINITY, headers: ['x-forwarded-for'] });
  const policyF = createPolicy({ trust: s.trust, hops: Number.POSITIVE_INFINITY, headers: ['forwarded'] });
  const trustFn = proxyaddr.compile(s.trust); // Express compiles once, as we do
  const nodeReq = { socket: { remoteAddress: s.peer }, connection: { remoteAddress: s.peer }, headers: { host: 'app.test', 'x-forwarded-for': s.xff } };
  const inputX = { remoteAddress: s.peer, headers: nodeReq.headers };
  const inputF = { remoteAddress: s.peer, headers: { host: 'app.test', forwarded: s.forwarded } };

  // equal answers first
  const rx = resolve(inputX, policyX);
  assert.equal(rx.clientAddress, proxyaddr(nodeReq, trustFn));
  assert.deepEqual(rx.addresses, proxyaddr.all(nodeReq, trustFn));
  assert.equal(rx.clientAddress, s.client);
  assert.deepEqual(rx.addresses, s.all);
  const rf = resolve(inputF, policyF);
  const pf = peerForwarded(s.peer, s.forwarded, trustFn);
  assert.deepEqual(rf.addresses, pf);
  assert.equal(rf.clientAddress, pf[pf.length - 1]);
  assert.equal(rf.clientAddress, s.client);

  // The machine is shared: run ROUNDS short rounds, each timing both sides back to back, and keep medians.
  const tasks: [string, () => void][] = [
    ['ours-x', () => { for (let i = 0; i < BATCH; i++) sink += resolve(inputX, policyX).addresses.length; }],
    ['peer-x', () => { for (let i = 0; i < BATCH; i++) sink += proxyaddr.all(nodeReq, trustFn).length; }],
    ['ours-f', () => { for (let i = 0; i < BATCH; i++) sink += resolve(inputF, policyF).addresses.length; }],
    ['peer-f', () => { for (let i = 0; i < BATCH; i++) sink += peerForwarded(s.peer, s.forwarded, trustFn).length; }],
  ];
  const samples: Record<string, number[]> = { 'ours-x': [], 'peer-x': [], 'ours-f': [], 'peer-f': [] };
  const ratios: Record<string, number[]> = { x: [], f: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({ time: 150, warmup: round === 0 });
    for (const [name, fn] of tasks) bench.add(name, fn);
    await bench.run();
    const hz: Record<string, number> = {};
    for (const t of bench.tasks) hz[t.name] = (t.result as { throughput: { mean: number } }).throughput.mean * BATCH;
    for (const k of Object.keys(samples)) (samples[k] as number[]).push(hz[k] as number);
    (ratios.x as number[]).push((hz['ours-x'] as number) / (hz['peer-x'] as number));
    (ratios.f as number[]).push((hz['ours-f'] as number) / (hz['peer-f'] as number));
  }
  if (sink === 0) throw new Error('unreachable');
  rows.push({ scenario: s.name, header: 'X-Forwarded-For', ours: median(samples['ours-x'] as number[]), peer: median(samples['peer-x'] as number[]), ratio: median(ratios.x as number[]) });
  rows.push({ scenario: s.name, header: 'Forwarded', ours: median(samples['ours-f'] as number[]), peer: median(samples['peer-f'] as number[]), ratio: median(ratios.f as number[]) });
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
console.log(`| chain | header | @proxyproof/forwarded resolve (ops/s, median of ${ROUNDS}) | peer (ops/s, median) | ratio (median of per-round ratios) |`);
console.log('|---|---|---|---|---|');
for (const r of rows) {
  const peerName = r.header === 'Forwarded' ? 'forwarded-parse + proxy-addr trust' : 'proxy-addr';
  console.log(`| ${r.scenario} | ${r.header} | ${fmt(r.ours)} | ${fmt(r.peer)} (${peerName}) | ${r.ratio.toFixed(2)}x |`);
}
const worst = Math.min(...rows.map((r) => r.ratio));
console.log(`\nslowest ratio ${worst.toFixed(2)}x (target >= 2x)`);
