// The app-end scenarios (41-59) check that `proxyproof doctor`, run on the very files the lab started, agrees
// with what Chromium saw: the scheme the app believes, the redirect loop, and the hop where https is lost.
import assert from 'node:assert/strict';
import { runDoctor } from '../../packages/proxyproof/src/chain/run.js';
import type { RunningScenario } from '../src/types.js';

export interface DoctorAgreement {
  /** The scheme the browser showed the app believes ('http' when it built http:// URLs or looped). */
  scheme: 'http' | 'https';
  /** The browser ended in net::ERR_TOO_MANY_REDIRECTS. */
  redirectLoop?: boolean;
  /** When scheme is http: the first word of the hop the doctor must blame (e.g. 'waitress', 'nginx'). */
  lostAt?: string;
}

/** Runs the doctor on the scenario's rendered files and asserts it agrees with the browser; returns the routes. */
export async function assertDoctorAgrees(sc: RunningScenario, want: DoctorAgreement) {
  const { analysis, inventory } = await runDoctor([sc.dir]);
  const routes = analysis.verdict.routes;
  const where = `doctor on ${sc.dir} found: ${inventory.found.join(' | ')}; missing: ${inventory.missing.join(' | ')}`;
  assert.ok(routes.length > 0, `no route simulated (${where})`);
  for (const r of routes) {
    assert.notEqual(r.scheme.status, 'unknown', `${r.url}: ${r.trace.unresolved?.what ?? 'unknown'} (${where})`);
    assert.equal(r.scheme.believed, want.scheme, `${r.url}: ${r.scheme.lostAt?.reason ?? r.scheme.status} (${where})`);
    if (want.scheme === 'http' && want.lostAt)
      assert.equal(r.scheme.lostAt?.label.split(' ')[0], want.lostAt, `${r.url} lost at: ${r.scheme.lostAt?.reason}`);
  }
  if (want.redirectLoop !== undefined)
    assert.equal(
      routes.some((r) => r.redirect?.loop === true),
      want.redirectLoop,
      `redirect loop (${routes.map((r) => r.redirect?.location ?? 'no redirect').join(', ')})`,
    );
  return routes;
}
