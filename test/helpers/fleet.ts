/** What the fleet schedule's unit tests share: a runner with nothing behind it, and a wait on a condition. */
import type { WalletRunner } from '../../src/fleet/runner.js';

/** A runner as FleetSchedule reads it (name, phase, skips), idle; the test's `poll` does the rest. */
export const fakeRunner = (name: string) => ({ name, phase: 'idle', removed: false, skipped: { overlap: 0, rate_limited: 0 } }) as unknown as WalletRunner;

/** Until `cond` holds, looked at every millisecond (not every turn of the loop: that spun a core for seconds); a failure naming `what` after 10 s. */
export async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}
