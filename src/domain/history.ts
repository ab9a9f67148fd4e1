import { allocate, EMPTY_SAMPLES, raw, SAMPLE_STRIDE, sampleAt, sampleConsumed, sampleCount, sampleT, size, type Samples } from './packed.js';
import { addSpend, EMPTY_PROFILE, shiftProfile, type WeeklyProfile } from './profile.js';

export type { Sample, Samples } from './packed.js';

/**
 * Balance history of one wallet, PURE: no I/O, no clock — every function takes `now`/`t` in epoch ms.
 *
 * Spend is tracked as a cumulative counter (`consumed`) rather than read off the balance, so a top-up
 * (a rise in balance) never counts as negative spending and never drags a burn rate down.
 */

export interface History {
  /**
   * Oldest first; thinned with age (see RETENTION), so its length is bounded. Packed (packed.ts): each
   * sample's epoch ms, balance, and `consumed` — net credits consumed up to it: spend minus small rises
   * not yet offset (top-ups excluded). Burn rates are differences of it, so jitter around a flat balance
   * nets out to no spend.
   */
  readonly samples: Samples;
  readonly consumedTotal: number;
  readonly topupsTotal: number;
  /**
   * Credits from small rises (refunds, rounding noise) not yet offset by later drops: the next drops use
   * this up before they count as consumption, so jitter around a flat balance adds no spend.
   */
  readonly pendingCredit: number;
  /** When the first sample was taken: how much history the forecast rests on. */
  readonly firstSampleAt: number | null;
  /** Spend by hour of week, learnt over the whole history (bounded: 168 numbers). */
  readonly profile: WeeklyProfile;
  /** The last REFILLS_KEPT top-ups, oldest first: when, and the balance before and after (refill.ts reads them). */
  readonly refills: readonly Refill[];
}

export interface Refill {
  readonly t: number;
  readonly before: number;
  readonly after: number;
}

export const REFILLS_KEPT = 4;

/**
 * A top-up taken back: within REVERSAL.windowMs of the top-up, a drop that exceeds the spend the last hours'
 * rate expects of its interval by at least REVERSAL.fraction of what the top-up added — a card payment declined
 * after it was credited, or an upstream that read a wild balance once (1e15) and then the true one. The drop
 * gives the credit back, as far as the top-up added it, instead of counting as spend: counted, the consumed
 * counter jumped by the top-up (a burn-rate spike on every dashboard, spend_anomaly fired), and after a 1e15
 * reading the counter was too large for a poll's spend to add anything to it (a double holds about 16
 * digits), so the wallet read as not burning from then on. Measured against the usual spend, a wallet whose
 * small automatic top-ups are spent within the next interval is not read as taking them back.
 */
export const REVERSAL = { windowMs: 3_600_000, fraction: 0.9, rateSpanMs: 6 * 3_600_000 } as const;

export const EMPTY_HISTORY: History = Object.freeze({
  samples: EMPTY_SAMPLES,
  consumedTotal: 0,
  topupsTotal: 0,
  pendingCredit: 0,
  firstSampleAt: null,
  profile: EMPTY_PROFILE,
  refills: [],
});

/** Samples younger than `fullResolutionMs` are all kept; older ones are kept one per `thinnedSpacingMs`, up to `keepMs`. */
export const RETENTION = { fullResolutionMs: 3_600_000, thinnedSpacingMs: 15 * 60_000, keepMs: 28 * 3_600_000 } as const;

export interface RecordResult {
  history: History;
  /** Credits consumed since the previous sample (≥ 0). */
  consumed: number;
  topup: boolean;
  /** Credits of a top-up taken back by this reading (REVERSAL), not counted as spend; 0 when none. */
  reversed: number;
}

/**
 * Adds a balance reading taken at `t`. A reading not newer than the last one (clock stepped back,
 * duplicate) leaves the history unchanged. `emptyBefore`: the wallet was exhausted since the last reading
 * (402, or nothing left to spend): its calls failed, so the time is not usage — the weekly pattern and the
 * hours the forecast reads skip it, as they skip a gap. Counted as hours of no spend, a day empty before
 * a top-up read as a seventh less usage, and the next empty point came that much later than forecast.
 */
export function recordSample(h: History, t: number, balance: number, topupMinCredits: number, emptyBefore = false): RecordResult {
  const last = sampleAt(h.samples, -1);
  if (last && t <= last.t) return { history: h, consumed: 0, topup: false, reversed: 0 };

  let consumed = 0;
  let topup = false;
  let reversed = 0;
  let refills = h.refills;
  let pendingCredit = h.pendingCredit;
  if (last) {
    const delta = balance - last.balance;
    if (delta > 0 && delta >= topupMinCredits) {
      topup = true; // small credits still pending stay so: dropped, the spend series jumped by them (phantom spend)
      refills = [...h.refills, { t, before: last.balance, after: balance }].slice(-REFILLS_KEPT);
    } else if (delta > 0) {
      pendingCredit += delta;
    } else if (delta < 0) {
      reversed = takenBack(h, last.t, t, -delta);
      // The reversed top-up is no refill: auto-recharge detection (refill.ts) must not see it.
      if (reversed > 0) refills = h.refills.slice(0, -1);
      const offset = Math.min(pendingCredit, -delta - reversed);
      pendingCredit -= offset;
      consumed = -delta - reversed - offset;
    }
  }
  const consumedTotal = h.consumedTotal + consumed;
  const samples = appendThinned(h.samples, t, balance, consumedTotal - pendingCredit);
  return {
    history: {
      samples,
      consumedTotal,
      topupsTotal: h.topupsTotal + (topup ? 1 : 0),
      pendingCredit,
      firstSampleAt: h.firstSampleAt ?? t,
      // A top-up hides the spend of its interval (the balance rose): not observed, like an empty spell; learnt as
      // hours of no spend, it dragged the rate down by the interval's share (a sparsely polled, often refilled wallet).
      // Its reversal too: the drop mixes the credit taken back with the spend, which is known only in sum.
      profile: last && !emptyBefore && !topup && reversed === 0 ? addSpend(h.profile, last.t, t, consumed) : h.profile,
      refills,
    },
    consumed,
    topup,
    reversed,
  };
}

/** What a drop of `drop` at `t` (the last reading at `lastT`) takes back of the last top-up (REVERSAL); 0 if it is spend. */
function takenBack(h: History, lastT: number, t: number, drop: number): number {
  const r = h.refills[h.refills.length - 1];
  if (r === undefined || t - r.t > REVERSAL.windowMs) return 0;
  const added = r.after - r.before;
  const expected = spendRate(h.samples, lastT - REVERSAL.rateSpanMs) * (t - lastT);
  return added > 0 && drop - expected >= REVERSAL.fraction * added ? Math.min(added, drop) : 0;
}

/** Credits per ms consumed from the first sample at or after `from` to the last one; 0 with fewer than two. */
function spendRate(samples: Samples, from: number): number {
  const n = sampleCount(samples);
  let i = n - 1;
  while (i > 0 && sampleT(samples, i - 1) >= from) i--;
  const span = sampleT(samples, n - 1) - sampleT(samples, i);
  return n >= 2 && span > 0 ? (sampleConsumed(samples, n - 1) - sampleConsumed(samples, i)) / span : 0;
}

/**
 * The history moved by `deltaMs` on the time axis (negative: earlier), for a wall clock that stepped: the
 * spacing between samples — what burn rates and runway rest on — is kept, so forecasting goes on from the
 * readings that follow. The weekly profile is left as learnt (its hours were real hours).
 */
export function shiftHistory(h: History, deltaMs: number): History {
  if (deltaMs === 0 || size(h.samples) === 0) return h;
  const from = raw(h.samples);
  const samples = allocate<'samples'>(sampleCount(h.samples), SAMPLE_STRIDE);
  for (let i = 0; i < from.length; i++) samples[i] = i % SAMPLE_STRIDE === 0 ? from[i]! + deltaMs : from[i]!;
  return {
    ...h,
    samples,
    firstSampleAt: h.firstSampleAt === null ? null : h.firstSampleAt + deltaMs,
    refills: h.refills.map((r) => ({ ...r, t: r.t + deltaMs })),
    profile: shiftProfile(h.profile, deltaMs),
  };
}

/** A new array: the old samples past retention dropped, old ones thinned, and (t, balance, consumed) appended (always kept). */
function appendThinned(samples: Samples, t: number, balance: number, consumed: number): Samples {
  const from = raw(samples); // t, balance, consumed per sample (packed.ts)
  const out = allocate<'samples'>(sampleCount(samples) + 1, SAMPLE_STRIDE);
  let k = 0;
  let prevT = NaN;
  for (let i = 0; i < from.length; i += SAMPLE_STRIDE) {
    const x = from[i]!;
    const age = t - x;
    if (age > RETENTION.keepMs) continue;
    if (age > RETENTION.fullResolutionMs && k > 0 && x - prevT < RETENTION.thinnedSpacingMs) continue;
    out[k] = x;
    out[k + 1] = from[i + 1]!;
    out[k + 2] = from[i + 2]!;
    k += SAMPLE_STRIDE;
    prevT = x;
  }
  out[k] = t;
  out[k + 1] = balance;
  out[k + 2] = consumed;
  out.length = k + SAMPLE_STRIDE; // the samples dropped: usually one, its few bytes of capacity stay with the array
  return out;
}
