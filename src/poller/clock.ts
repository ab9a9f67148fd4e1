/**
 * Telling a wall-clock step from time passing, PURE: three clocks read together at two moments.
 *
 * - wall: what samples, metrics and notifications are stamped with; NTP or an operator can step it.
 * - mono: monotonic (performance.now): never steps, stops while the host is suspended.
 * - boot: time since boot with suspend included (os.uptime(), CLOCK_BOOTTIME on Linux): real time.
 */
export interface ClockReading {
  wall: number;
  mono: number;
  boot: number;
}

/** A difference smaller than this is jitter between the reads, not a step. */
export const CLOCK_STEP_TOLERANCE_MS = 1_000;

/**
 * `jumpMs`: how far the wall clock stepped on its own between the readings (negative: back), 0 within the
 * tolerance; `sleptMs`: how long the host was suspended in between (real time that passed, not a step).
 */
export function clockStep(prev: ClockReading, cur: ClockReading): { jumpMs: number; sleptMs: number } {
  const monoMs = cur.mono - prev.mono;
  const stepMs = cur.wall - prev.wall - monoMs;
  // The part of a forward difference the host spent suspended (the monotonic clock stops then).
  const sleptMs = stepMs > 0 ? Math.min(stepMs, Math.max(0, cur.boot - prev.boot - monoMs)) : 0;
  const jumpMs = Math.round(stepMs - sleptMs);
  return {
    jumpMs: Math.abs(jumpMs) > CLOCK_STEP_TOLERANCE_MS ? jumpMs : 0,
    sleptMs: sleptMs > CLOCK_STEP_TOLERANCE_MS ? Math.round(sleptMs) : 0,
  };
}
