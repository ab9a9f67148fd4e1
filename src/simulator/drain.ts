/**
 * A simulated wallet's balance over time, brought up to the clock only when it is read (10,000 idle wallets
 * cost nothing): a drain, optionally shaped over the day, interleaved with automatic top-ups. PURE (the time
 * is passed in); the amounts are checked by the wallet (limits.ts) before they reach it.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * How the burn rate varies: `constant`, or `daily`, a sine over the UTC day around `burnPerHour`
 * (rate = burnPerHour × (1 + amplitude × cos(2π (hour − peakHour) / 24)), amplitude in [0, 1], so the
 * rate never goes negative and the day's average is `burnPerHour`).
 */
export type DrainShape = { kind: 'constant' } | { kind: 'daily'; amplitude: number; peakHour?: number };

export class Drain {
  /** The automatic top-up's amount. */
  readonly amount: number;
  readonly #everyMs: number;
  #burn: number;
  #shape: DrainShape;
  #value: number; // balance as of #at
  #at: number;
  #nextTopupAt: number; // Infinity when automatic top-ups are off

  constructor(o: { balance: number; burnPerHour: number; shape: DrainShape; topupEveryMs: number; topupAmount: number }, now: number) {
    this.amount = o.topupAmount;
    this.#everyMs = o.topupEveryMs;
    this.#burn = o.burnPerHour;
    this.#shape = checkShape(o.shape);
    this.#value = Math.max(0, o.balance);
    this.#at = now;
    this.#nextTopupAt = o.topupEveryMs > 0 ? now + o.topupEveryMs : Infinity;
  }

  get burnPerHour(): number {
    return this.#burn;
  }
  /** The balance at `now`. */
  valueAt(now: number): number {
    this.#sync(now);
    return this.#value;
  }
  /** The balance is `value` from `now` (floored at 0). */
  set(now: number, value: number): void {
    this.#sync(now);
    this.#value = Math.max(0, value);
  }
  setBurn(now: number, perHour: number, shape?: DrainShape): void {
    this.#sync(now);
    this.#burn = perHour;
    if (shape) this.#shape = checkShape(shape);
  }

  /** Bring the balance up to `now`: drain, interleaved with any automatic top-ups due since #at. */
  #sync(now: number): void {
    if (now <= this.#at) return; // a clock that goes back changes nothing
    if (this.#nextTopupAt <= now) this.#topUpsTo(now);
    this.#drainTo(now);
  }
  /**
   * The automatic top-ups due by `now`: counted (Math.floor of the time elapsed over the interval), each at
   * `first + k × interval`, never by adding the interval again and again (a step below the clock's precision
   * left the sum unchanged and the loop never ended). A constant drain is one step whatever the count: with
   * u the balance just before a top-up less nothing, each interval is u → max(0, u + A − d), so after k of
   * them u + k(A − d) floored at 0. A daily shape drains a different amount each interval: one step each.
   */
  #topUpsTo(now: number): void {
    const first = this.#nextTopupAt;
    const every = this.#everyMs;
    const n = Math.floor((now - first) / every) + 1; // top-ups at first, first + every, … up to now
    const amount = this.amount;
    this.#drainTo(first);
    this.#value += amount;
    if (n > 1) {
      if (this.#shape.kind === 'constant' || this.#shape.amplitude === 0 || this.#burn === 0) {
        const last = first + (n - 1) * every;
        const perInterval = this.#consumed(first, first + every);
        this.#value = Math.max(0, this.#value - amount + (n - 1) * (amount - perInterval)) + amount;
        this.#at = last;
      } else {
        for (let k = 1; k < n; k++) {
          this.#drainTo(first + k * every);
          this.#value += amount;
        }
      }
    }
    this.#nextTopupAt = first + n * every;
  }
  /** The drain is never negative, so flooring at 0 once at the end of the stretch is exact. */
  #drainTo(t: number): void {
    this.#value = Math.max(0, this.#value - this.#consumed(this.#at, t));
    this.#at = t;
  }
  /** Credits spent between a and b: the integral of the rate, closed form (O(1) however long the gap). */
  #consumed(a: number, b: number): number {
    const base = (this.#burn * (b - a)) / HOUR_MS;
    if (this.#shape.kind === 'constant' || this.#shape.amplitude === 0) return base;
    const w = (2 * Math.PI) / DAY_MS;
    const phase = ((this.#shape.peakHour ?? 0) * HOUR_MS) % DAY_MS;
    const wave = (Math.sin(w * (b - phase)) - Math.sin(w * (a - phase))) / w;
    return base + (this.#burn * this.#shape.amplitude * wave) / HOUR_MS;
  }
}

function checkShape(s: DrainShape): DrainShape {
  if (s.kind === 'daily') {
    if (!(s.amplitude >= 0 && s.amplitude <= 1)) throw new Error(`daily shape: amplitude must be in [0, 1], got ${s.amplitude}`);
    if (s.peakHour !== undefined && !(s.peakHour >= 0 && s.peakHour < 24)) throw new Error(`daily shape: peakHour must be in [0, 24), got ${s.peakHour}`);
  } else if (s.kind !== 'constant') {
    throw new Error(`unknown drain shape ${JSON.stringify((s as { kind: unknown }).kind)}`);
  }
  return s;
}
