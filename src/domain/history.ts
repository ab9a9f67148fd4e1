import { allocate, EMPTY_SAMPLES, raw, SAMPLE_STRIDE, sampleAt, sampleCount, size, type Samples } from './packed.js';
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
  if (last && t <= last.t) return { history: h, consumed: 0, topup: false };

  let consumed = 0;
  let topup = false;
  let pendingCredit = h.pendingCredit;
  if (last) {
    const delta = balance - last.balance;
    if (delta > 0 && delta >= topupMinCredits) {
      topup = true; // small credits still pending stay so: dropped, the spend series jumped by them (phantom spend)
    } else if (delta > 0) {
      pendingCredit += delta;
    } else if (delta < 0) {
      const offset = Math.min(pendingCredit, -delta);
      pendingCredit -= offset;
      consumed = -delta - offset;
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
      profile: last && !emptyBefore && !topup ? addSpend(h.profile, last.t, t, consumed) : h.profile,
      refills: topup && last ? [...h.refills, { t, before: last.balance, after: balance }].slice(-REFILLS_KEPT) : h.refills,
    },
    consumed,
    topup,
  };
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
