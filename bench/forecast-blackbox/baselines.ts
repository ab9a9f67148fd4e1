// The two baselines of issue 9, as Prometheus would evaluate them once a minute, turned into notifications
// (one id per firing episode of each rule) so that the very same scoring applies.
import type { Note, Severity } from './scoring.js';
import type { Row } from './sim.js';

const EVAL = 60;
const FOR = 300;
const WINDOW = 6 * 3600;
const LOOKBACK = 300; // Prometheus's default lookback delta for an instant selector

/** A `for:`-rule over a boolean evaluated on a 1-minute grid from the first to the last reading. */
function ruleNotes(rows: readonly Row[], name: string, severity: Severity, cond: (t: number) => boolean): Note[] {
  const notes: Note[] = [];
  if (rows.length === 0) return notes;
  const first = (rows[0] as Row).t;
  const last = (rows[rows.length - 1] as Row).t;
  let activeAt: number | null = null;
  let firing: string | null = null;
  let episodes = 0;
  for (let t = first; t <= last; t += EVAL) {
    if (cond(t)) {
      if (activeAt === null) activeAt = t;
      if (firing === null && t - activeAt >= FOR) {
        firing = `${name}/${severity}/${episodes++}`;
        notes.push({ t, id: firing, status: 'firing', severity });
      }
    } else {
      if (firing !== null) notes.push({ t, id: firing, status: 'resolved', severity });
      activeAt = null;
      firing = null;
    }
  }
  return notes;
}

/** index of the last row with t ≤ at (rows sorted), or -1; calls with growing `at` cost O(1) amortised */
function makeCursor(rows: readonly Row[]): (at: number) => number {
  let i = -1;
  return (at) => {
    while (i + 1 < rows.length && (rows[i + 1] as Row).t <= at) i++;
    while (i >= 0 && (rows[i] as Row).t > at) i--;
    return i;
  };
}

/** predict_linear(balance[6h], h): least squares over the samples in (t − 6h, t], value at t + h; null with < 2 */
export function predictLinear(rows: readonly Row[], from: number, to: number, t: number, h: number): number | null {
  const n = to - from + 1;
  if (n < 2) return null;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = from; i <= to; i++) {
    const r = rows[i] as Row;
    const x = r.t - t;
    sx += x;
    sy += r.b;
    sxx += x * x;
    sxy += x * r.b;
  }
  const den = n * sxx - sx * sx;
  if (den === 0) return null;
  const slope = (n * sxy - sx * sy) / den;
  const intercept = sy / n - (slope * sx) / n; // fitted value at x = 0, i.e. at t
  return intercept + slope * h;
}

export function predictLinearNotes(rows: readonly Row[]): Note[] {
  const notes: Note[] = [];
  for (const [severity, h] of [['warning', 72 * 3600], ['critical', 24 * 3600]] as const) {
    const end = makeCursor(rows);
    let start = 0;
    notes.push(
      ...ruleNotes(rows, 'predict_linear', severity, (t) => {
        const to = end(t);
        while (start < rows.length && (rows[start] as Row).t <= t - WINDOW) start++;
        if (to < start) return false;
        const v = predictLinear(rows, start, to, t, h);
        return v !== null && v < 0;
      }),
    );
  }
  return notes;
}

export function staticNotes(rows: readonly Row[]): Note[] {
  if (rows.length === 0) return [];
  const b0 = (rows[0] as Row).b;
  const notes: Note[] = [];
  for (const [severity, share] of [['warning', 0.25], ['critical', 0.1]] as const) {
    const at = makeCursor(rows);
    notes.push(
      ...ruleNotes(rows, 'static', severity, (t) => {
        const i = at(t);
        if (i < 0) return false;
        const r = rows[i] as Row;
        return t - r.t < LOOKBACK && r.b < share * b0; // no sample for 5 min: the series is stale, no value
      }),
    );
  }
  return notes;
}
