// Scoring of issue 9, written from the text alone (interpretations: README.md next to this file).
// Pure: rows in, numbers out. Times are unix seconds.
import type { Row } from './sim.js';

export type Severity = 'warning' | 'critical';

/** one notification, from the CLI's JSON lines or from a baseline's rule episodes */
export interface Note {
  t: number;
  id: string;
  status: 'firing' | 'resolved';
  severity: Severity;
}

/** a stretch during which an alert was firing; `critical` stretches also count as warning-or-critical */
export interface Interval {
  critical: boolean;
  start: number;
  end: number; // Infinity while still firing at the end of the history
}

export interface Alarm {
  t: number;
  id: string;
  severity: Severity;
}

export interface Depletion {
  d: number; // time of the first reading at or below 0
  u: number; // reset point: the last big top-up before d, or the start of the history
}

export const WARN_H = 72 * 3600;
export const CRIT_H = 24 * 3600;
export const STRETCH = 1.1;

/** D: a reading ≤ 0 whose predecessor is > 0. U: the last top-up before D that added ≥ half the balance before it. */
export function depletions(rows: readonly Row[]): Depletion[] {
  const out: Depletion[] = [];
  if (rows.length === 0) return out;
  let u = (rows[0] as Row).t;
  for (let i = 1; i < rows.length; i++) {
    const prev = rows[i - 1] as Row;
    const cur = rows[i] as Row;
    if (cur.b > prev.b && cur.b - prev.b >= 0.5 * prev.b) u = cur.t;
    if (cur.b <= 0 && prev.b > 0) out.push({ d: cur.t, u });
  }
  return out;
}

/**
 * Firing stretches from notifications, per id: warning-or-critical from the first firing to the resolve;
 * critical from a critical firing (first or escalation) until the resolve or until a later notification of the
 * same id says `warning` (de-escalation sends nothing, so the next warning repeat is the first evidence of it).
 */
export function intervalsFromNotes(notes: readonly Note[]): Interval[] {
  const byId = new Map<string, Note[]>();
  for (const n of [...notes].sort((a, b) => a.t - b.t)) {
    const list = byId.get(n.id) ?? [];
    list.push(n);
    byId.set(n.id, list);
  }
  const out: Interval[] = [];
  for (const list of byId.values()) {
    let anyStart: number | null = null;
    let critStart: number | null = null;
    for (const n of list) {
      if (n.status === 'firing') {
        if (anyStart === null) anyStart = n.t;
        if (n.severity === 'critical' && critStart === null) critStart = n.t;
        if (n.severity === 'warning' && critStart !== null) {
          out.push({ critical: true, start: critStart, end: n.t });
          critStart = null;
        }
      } else {
        if (anyStart !== null) out.push({ critical: false, start: anyStart, end: n.t });
        if (critStart !== null) out.push({ critical: true, start: critStart, end: n.t });
        anyStart = null;
        critStart = null;
      }
    }
    if (anyStart !== null) out.push({ critical: false, start: anyStart, end: Infinity });
    if (critStart !== null) out.push({ critical: true, start: critStart, end: Infinity });
  }
  return out;
}

/** The first firing notification of each (id, severity): an escalation is a second alarm, repeats are not. */
export function alarmsFromNotes(notes: readonly Note[]): Alarm[] {
  const seen = new Set<string>();
  const out: Alarm[] = [];
  for (const n of [...notes].sort((a, b) => a.t - b.t)) {
    if (n.status !== 'firing') continue;
    const key = `${n.id}\u0000${n.severity}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ t: n.t, id: n.id, severity: n.severity });
  }
  return out;
}

/** The moment an interval starts counting for a depletion, or null: in [U, D) it counts from its start; begun
 *  before U it counts from U only if it was still firing at D. */
export function countsFrom(iv: Interval, dep: Depletion): number | null {
  if (iv.start >= dep.u && iv.start < dep.d) return iv.start;
  if (iv.start < dep.u && iv.end >= dep.d) return dep.u;
  return null;
}

/** the interval behind a lead (the one counting earliest) and that lead in seconds, or null; critical: among the critical ones */
function leadingInterval(intervals: readonly Interval[], dep: Depletion, critical: boolean): { iv: Interval; lead: number } | null {
  let best: { iv: Interval; lead: number } | null = null;
  for (const iv of intervals) {
    if (critical && !iv.critical) continue;
    const from = countsFrom(iv, dep);
    if (from !== null && (best === null || dep.d - from > best.lead)) best = { iv, lead: dep.d - from };
  }
  return best;
}

/** leads in seconds (null = no such alert counted for this depletion) */
export function leads(intervals: readonly Interval[], dep: Depletion): { any: number | null; critical: number | null } {
  return { any: leadingInterval(intervals, dep, false)?.lead ?? null, critical: leadingInterval(intervals, dep, true)?.lead ?? null };
}

/** cumulative consumption (decreases only, top-ups excluded) at each row */
export function consumption(rows: readonly Row[]): Float64Array {
  const c = new Float64Array(rows.length);
  for (let i = 1; i < rows.length; i++) c[i] = (c[i - 1] as number) + Math.max(0, (rows[i - 1] as Row).b - (rows[i] as Row).b);
  return c;
}

/** the consumption rate used past the end of the history: the last 7 days (or the whole history), per second */
export function tailRate(rows: readonly Row[], cons: Float64Array, span = 7 * 86400): number {
  if (rows.length < 2) return 0;
  const last = rows.length - 1;
  const tEnd = (rows[last] as Row).t;
  let i = last;
  while (i > 0 && tEnd - (rows[i - 1] as Row).t <= span) i--;
  const dt = tEnd - (rows[i] as Row).t;
  return dt > 0 ? ((cons[last] as number) - (cons[i] as number)) / dt : 0;
}

/** Justified: the balance at t minus the consumption that followed reaches 0 within the horizon × 1.1. */
export function justified(rows: readonly Row[], cons: Float64Array, rate: number, alarm: Alarm): boolean {
  const horizon = (alarm.severity === 'warning' ? WARN_H : CRIT_H) * STRETCH;
  let k = -1; // last row at or before t
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((rows[mid] as Row).t <= alarm.t) {
      k = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (k < 0) return false;
  const balance = (rows[k] as Row).b;
  if (balance <= 0) return true;
  const target = (cons[k] as number) + balance - 1e-9 * Math.max(1, balance);
  const deadline = alarm.t + horizon;
  for (let i = k + 1; i < rows.length && (rows[i] as Row).t <= deadline; i++) if ((cons[i] as number) >= target) return true;
  const last = rows.length - 1;
  const tEnd = (rows[last] as Row).t;
  if (tEnd >= deadline || rate <= 0) return false;
  return (cons[last] as number) + rate * (deadline - tEnd) >= target;
}

export interface Score {
  depletions: number;
  missed: number;
  warnEligible: number;
  warned72: number;
  critEligible: number;
  crit24: number;
  falseWarning: number;
  falseCritical: number;
  alarms: number;
  /** diagnostic (not one of issue 9's numbers): warned72 / crit24 whose alert began with a false alarm */
  warned72ByFalse: number;
  crit24ByFalse: number;
}

export function emptyScore(): Score {
  return { depletions: 0, missed: 0, warnEligible: 0, warned72: 0, critEligible: 0, crit24: 0, falseWarning: 0, falseCritical: 0, alarms: 0, warned72ByFalse: 0, crit24ByFalse: 0 };
}

export function addScores(a: Score, b: Score): Score {
  const out = emptyScore();
  for (const k of Object.keys(out) as Array<keyof Score>) out[k] = a[k] + b[k];
  return out;
}

export interface Verdict extends Alarm {
  justified: boolean;
}

export interface DepletionLeads extends Depletion {
  any: number | null;
  critical: number | null;
}

export function scoreHistory(rows: readonly Row[], notes: readonly Note[]): { score: Score; verdicts: Verdict[]; leads: DepletionLeads[] } {
  const score = emptyScore();
  const intervals = intervalsFromNotes(notes);
  const cons = consumption(rows);
  const rate = tailRate(rows, cons);
  const verdicts = alarmsFromNotes(notes).map((a) => ({ ...a, justified: justified(rows, cons, rate, a) }));
  // a lead won by a false alarm: the alert behind it started with an alarm that was not justified
  const byFalse = (behind: { iv: Interval } | null, critical: boolean): boolean =>
    behind !== null && verdicts.some((v) => v.t === behind.iv.start && !v.justified && (!critical || v.severity === 'critical'));
  const perDepletion: DepletionLeads[] = [];
  for (const dep of depletions(rows)) {
    score.depletions++;
    const behind = { any: leadingInterval(intervals, dep, false), critical: leadingInterval(intervals, dep, true) };
    const l = { any: behind.any?.lead ?? null, critical: behind.critical?.lead ?? null };
    perDepletion.push({ ...dep, ...l });
    if (l.any === null) score.missed++;
    if (dep.d - dep.u >= WARN_H) {
      score.warnEligible++;
      if (l.any !== null && l.any >= WARN_H) {
        score.warned72++;
        if (byFalse(behind.any, false)) score.warned72ByFalse++;
      }
    }
    if (dep.d - dep.u >= CRIT_H) {
      score.critEligible++;
      if (l.critical !== null && l.critical >= CRIT_H) {
        score.crit24++;
        if (byFalse(behind.critical, true)) score.crit24ByFalse++;
      }
    }
  }
  score.alarms = verdicts.length;
  for (const v of verdicts) {
    if (v.justified) continue;
    if (v.severity === 'warning') score.falseWarning++;
    else score.falseCritical++;
  }
  return { score, verdicts, leads: perDepletion };
}
