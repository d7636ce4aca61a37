// Shared by the app-server kinds: run a systemd unit's ExecStart as systemd would (its WorkingDirectory,
// its Environment=, a clean environment otherwise), then wait for the listen address.

import { readUnit, type UnitService } from '../systemd.js';
import type { KindContext, LabProcess } from '../types.js';
import { waitUntilListening } from './ready.js';

export const SYSTEMD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function unitEnv(ctx: KindContext, unit: UnitService): Record<string, string> {
  return { PATH: SYSTEMD_PATH, LANG: 'C.UTF-8', HOME: ctx.runDir, PYTHONDONTWRITEBYTECODE: '1', ...unit.environment };
}

export async function startUnit(
  ctx: KindContext,
  check: (unit: UnitService) => void,
  opts: { timeoutMs?: number } = {},
): Promise<LabProcess> {
  const unit = readUnit(ctx.file);
  check(unit);
  const proc = ctx.spawn(unit.execStart, { cwd: unit.workingDirectory ?? ctx.dir, env: unitEnv(ctx, unit) });
  return waitUntilListening(ctx, proc, opts.timeoutMs ?? 30000);
}
