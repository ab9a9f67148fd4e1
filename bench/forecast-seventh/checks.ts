// Invariants of a generated history, and the depletion / reset bookkeeping the scorer uses.
import type { History, Row } from './corpus.js';

export const FUTURE_MINUTES = 4 * 1440;

/** indices of readings <= 0 whose predecessor was > 0 */
export function depletionIndices(rows: readonly Row[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < rows.length; i++) if (rows[i]!.b <= 0 && rows[i - 1]!.b > 0) out.push(i);
  return out;
}

/** readings that went up (top-ups, refunds, credits) */
export function riseIndices(rows: readonly Row[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < rows.length; i++) if (rows[i]!.b > rows[i - 1]!.b) out.push(i);
  return out;
}

/** the reset point of the depletion at index d: last rise before it adding >= half the balance before it, else 0 */
export function resetIndex(rows: readonly Row[], d: number): number {
  for (let i = d - 1; i >= 1; i--) {
    const prev = rows[i - 1]!.b;
    const rise = rows[i]!.b - prev;
    if (rise > 0 && rise >= 0.5 * prev) return i;
  }
  return 0;
}

/** days from the reset point U to each depletion D */
export function leadDays(rows: readonly Row[]): number[] {
  return depletionIndices(rows).map((d) => (rows[d]!.t - rows[resetIndex(rows, d)]!.t) / 86400);
}

export function validate(h: History, expectedCum: Float64Array, start: number, depletes: boolean): string[] {
  const errs: string[] = [];
  const { rows } = h;
  if (h.name !== `${h.kind}#${h.seed}`) errs.push(`name ${h.name} is not kind#seed`);
  if (rows.length < 2) return [...errs, 'fewer than 2 rows'];
  const L = expectedCum.length - FUTURE_MINUTES - 1;
  if (L < 3 * 1440 || L > 14 * 1440) errs.push(`history length ${L} min outside 3-14 days`);
  if (!Number.isInteger(start) || start % 60 !== 0) errs.push('start is not a whole minute');
  let prevT = -Infinity;
  for (const [i, r] of rows.entries()) {
    if (!Number.isInteger(r.t) || r.t <= prevT) {
      errs.push(`row ${i}: t not an integer or not strictly increasing`);
      break;
    }
    if (r.t < start || Math.floor((r.t - start) / 60) >= L) {
      errs.push(`row ${i}: t outside the history minutes`);
      break;
    }
    if (!Number.isFinite(r.b) || r.b < 0) {
      errs.push(`row ${i}: balance ${r.b} not finite / negative`);
      break;
    }
    prevT = r.t;
  }
  if (expectedCum[0] !== 0) errs.push('expectedCum[0] != 0');
  for (let m = 1; m < expectedCum.length; m++) {
    if (!Number.isFinite(expectedCum[m]!) || expectedCum[m]! < expectedCum[m - 1]!) {
      errs.push(`expectedCum not finite/non-decreasing at ${m}`);
      break;
    }
  }
  const deps = depletionIndices(rows);
  if (depletes && deps.length === 0) errs.push('depleting kind never depleted');
  if (!depletes) {
    let seenPositive = false;
    for (const r of rows) {
      if (r.b > 0) seenPositive = true;
      else if (seenPositive) {
        errs.push(`non-depleting kind read 0 at t=${r.t}`);
        break;
      }
    }
    const last = rows[rows.length - 1]!;
    const m = Math.floor((last.t - start) / 60);
    const ahead = expectedCum[m + FUTURE_MINUTES]! - expectedCum[m]!;
    if (!(last.b > ahead)) errs.push(`last balance ${last.b} would run out within 4 days in expectation (needs ${ahead.toFixed(2)})`);
  }
  return errs;
}
