// Readiness shared by the process kinds: wait until the process listens on the address/port its
// scenario spec names, and stop it if that never happens (so a failed start leaves nothing running).
import type { KindContext, LabProcess } from '../types.js';

export async function waitUntilListening(ctx: KindContext, proc: LabProcess, timeoutMs: number): Promise<LabProcess> {
  const address = ctx.vars[ctx.spec.listen.addressVar];
  const port = Number(ctx.vars[ctx.spec.listen.portVar]);
  try {
    if (!address || !Number.isInteger(port) || port <= 0) {
      throw new Error(
        `${ctx.scenario.id}: process ${ctx.spec.name}: listen variables ${ctx.spec.listen.addressVar}/${ctx.spec.listen.portVar} are not set`,
      );
    }
    // a wildcard bind is probed on the host's own loopback
    // The wait ends as soon as the port answers or the process exits; the timeout is only the safety net for a
    // hung start, so it is generous (a loaded CI machine can take tens of seconds to start Django).
    await ctx.waitForTcp(
      proc,
      address === '0.0.0.0' || address === '::' ? '127.0.0.1' : address,
      port,
      Math.max(timeoutMs, 90_000),
    );
  } catch (e) {
    await proc.stop();
    throw e;
  }
  return proc;
}
