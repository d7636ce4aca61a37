/**
 * Shared by the ProxyPassReverse and header_down tests against real programs: a backend that believes http and
 * redirects as a framework does (`Location: http://<the Host it received>/next`), and the doctor's note about the
 * proxy's rewriting of that redirect on the proxy hop (chain/simulate.ts noteRedirectRewrites).
 */
import { createServer, type Server } from 'node:http';
import { runCli } from '../helpers.js';
import { listenOnFreePort } from '../real-program.js';

export async function redirectingBackend(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    res.writeHead(302, { location: `http://${req.headers.host}/next`, 'content-length': '0', connection: 'close' });
    res.end();
  });
  return { server, port: await listenOnFreePort(server as never) };
}

/** `doctor --format json` on a tree: the proxy hops' notes of the first route that start as `prefix`. */
export function proxyRewriteNote(tree: string, args: string[], prefix: RegExp): { note?: string; notes: string[] } {
  const d = runCli(['doctor', '.', '--format', 'json', ...args], { cwd: tree });
  if (d.code !== 0 && d.code !== 1) throw new Error(`doctor exited ${d.code}: ${d.stderr}`);
  const steps = JSON.parse(d.stdout).doctor.routes[0].trace.steps as Array<{ kind: string; notes: string[] }>;
  const notes = steps.filter((x) => x.kind === 'proxy').flatMap((x) => x.notes);
  return { note: notes.find((n) => prefix.test(n)), notes };
}
