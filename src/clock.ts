import { uptime } from 'node:os';

/**
 * Telling a wall-clock step from time passing: three clocks read together at two moments (clockStep is
 * PURE; SteppingClock reads them).
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

/**
 * How far saved times run ahead of the wall clock at a start (the clock stepped back while the process was
 * stopped, or the state comes from a host whose clock ran ahead): `latest - now` past the tolerance, else 0.
 * No monotonic reading spans the downtime, so the latest saved time is all there is to tell it by.
 */
export function savedAhead(latest: number | null, now: number): number {
  return latest !== null && latest > now + CLOCK_STEP_TOLERANCE_MS ? latest - now : 0;
}

/** A duration for a log line: whole seconds. */
export const fmtSeconds = (ms: number): string => `${Math.round(ms / 1000)} s`;

/** "stepped back by 86400 s" / "jumped forward by 21600 s". */
export const stepWords = (jumpMs: number): string => (jumpMs < 0 ? `stepped back by ${fmtSeconds(-jumpMs)}` : `jumped forward by ${fmtSeconds(jumpMs)}`);

/** The clocks a SteppingClock reads; the monotonic and boot-time ones default to the process's own. */
export interface Clocks {
  /** The wall clock, epoch ms: what samples, metrics, the status and notifications are stamped with. */
  now: () => number;
  /** A monotonic clock in ms (default performance.now): never steps, so it tells a wall-clock step apart. */
  monotonic?: () => number;
  /**
   * Time since boot in ms, suspend included (default os.uptime(): CLOCK_BOOTTIME on Linux): tells a host
   * that slept (real time passed) from a wall clock that jumped forward.
   */
  boottime?: () => number;
}

/** The wall clock, and at each read how far it stepped on its own since the last read (clockStep). */
export class SteppingClock {
  #last: ClockReading | null = null;

  constructor(private readonly clocks: Clocks) {}

  read(): { wall: number; jumpMs: number; sleptMs: number } {
    const wall = this.clocks.now();
    const mono = (this.clocks.monotonic ?? performance.now.bind(performance))();
    const boot = (this.clocks.boottime ?? bootTime)();
    const last = this.#last;
    this.#last = { wall, mono, boot };
    return last === null ? { wall, jumpMs: 0, sleptMs: 0 } : { wall, ...clockStep(last, this.#last) };
  }
}

/**
 * Time since boot in ms (os.uptime(): libuv reads /proc/uptime, ~10 µs). Every wallet reads the clocks
 * at each poll, so with 10,000 wallets the reads are shared: within 100 ms of the last one, with the wall
 * and monotonic clocks moved alike since (no step, no suspend: the monotonic clock stops in one), boot
 * time moved as much as they did.
 */
function bootTime(): number {
  const wall = Date.now();
  const mono = performance.now();
  const last = lastBoot;
  if (last && mono - last.mono < 100 && Math.abs(wall - last.wall - (mono - last.mono)) < 5) return last.boot + (mono - last.mono);
  lastBoot = { wall, mono, boot: uptime() * 1000 };
  return lastBoot.boot;
}
let lastBoot: { wall: number; mono: number; boot: number } | null = null;
