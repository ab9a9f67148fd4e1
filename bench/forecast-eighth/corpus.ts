// BLIND eighth corpus: synthetic prepaid-wallet balance histories, each a pure function of its name.
import { hashSeed, makeRng } from '../forecast-blackbox/prng.js';
import { type Kind, type MoneyIn, type Row, ecumOf, observe, realise } from './engine.js';
import { DAY, HORIZON, Y2026, Y2027 } from './kit.js';
import { DRY_KINDS_A } from './kinds-dry.js';
import { DRY_KINDS_B } from './kinds-dry2.js';
import { WET_KINDS_A } from './kinds-wet.js';
import { WET_KINDS_B } from './kinds-wet2.js';

export type { Row } from './engine.js';
export interface History { kind: string; seed: number; name: string; rows: Row[] }

const KINDS: readonly Kind[] = [...DRY_KINDS_A, ...DRY_KINDS_B, ...WET_KINDS_A, ...WET_KINDS_B];
const BY_NAME = new Map(KINDS.map((k) => [k.name, k]));

export const EIGHTH_KIND_NAMES: readonly string[] = KINDS.map((k) => k.name);
export const EIGHTH_KINDS: ReadonlyArray<{ name: string; dry: boolean; blurb: string }> =
  KINDS.map(({ name, dry, blurb }) => ({ name, dry, blurb }));

export const MAX_REDRAWS = 12;

/** Indices of depletions: a reading <= 0 whose predecessor was > 0. */
export function depletions(rows: readonly Row[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < rows.length; i++) if (rows[i]!.b <= 0 && rows[i - 1]!.b > 0) out.push(i);
  return out;
}

/** Reset point U for the depletion at row d: the last rise before it that added at least half the
 *  balance before it, or the start of the history (index 0). */
export function resetPoint(rows: readonly Row[], d: number): number {
  for (let i = d - 1; i >= 1; i--) {
    const prev = rows[i - 1]!.b, cur = rows[i]!.b;
    if (cur > prev && cur - prev >= 0.5 * prev) return i;
  }
  return 0;
}

/** All invariants of one history; returns human-readable problems (empty = ok). */
export function checkHistory(kind: string, rows: readonly Row[], ecum: Float64Array, start: number): string[] {
  const bad: string[] = [];
  const k = BY_NAME.get(kind);
  if (!k) return [`unknown kind ${kind}`];
  const N = ecum.length - 1 - HORIZON;
  if (!(N >= 3 * DAY && N <= 14 * DAY)) bad.push(`length ${N} min not within 3..14 days`);
  if (start % 60 !== 0 || start < Y2026 || start >= Y2027) bad.push(`start ${start} not a whole minute in 2026`);
  if (rows.length < 2) return [...bad, 'fewer than 2 rows'];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (!Number.isInteger(r.t) || !Number.isFinite(r.b) || r.b < 0) { bad.push(`row ${i} invalid`); break; }
    if (i > 0 && r.t <= rows[i - 1]!.t) { bad.push(`row ${i} not strictly increasing`); break; }
  }
  if (rows[0]!.t < start || rows[0]!.t >= start + 60) bad.push('first minute not read');
  const last = rows[rows.length - 1]!;
  if (last.t < start + 60 * (N - 1) || last.t >= start + 60 * N) bad.push('last minute not read');
  if (ecum[0] !== 0) bad.push('expectedCum[0] != 0');
  for (let i = 1; i < ecum.length; i++) {
    if (!Number.isFinite(ecum[i]!) || ecum[i]! < ecum[i - 1]!) { bad.push(`expectedCum bad at ${i}`); break; }
  }
  if (!(ecum[ecum.length - 1]! > 0)) bad.push('expectedCum never grows');
  const deps = depletions(rows);
  if (k.dry) {
    if (deps.length === 0) bad.push('depleting kind never depletes');
    else if (rows[deps[0]!]!.t - start < 0.75 * 86400) bad.push('first depletion within 18 h of start');
    if (!(rows[0]!.b > 0)) bad.push('opening reading not positive');
  } else {
    if (deps.length > 0) bad.push(`healthy kind reads 0 after a positive reading (${deps.length}x)`);
    const ahead = ecum[N - 1 + HORIZON]! - ecum[N - 1]!;
    if (!(last.b > ahead)) bad.push(`last reading ${last.b.toFixed(2)} <= expected 4-day spend ${ahead.toFixed(2)}`);
  }
  return bad;
}

export interface EighthDetail {
  history: History; expectedCum: Float64Array; start: number;
  moneyIn: MoneyIn[]; demand: number; charged: number; opening: number; redraws: number; problems: string[];
}

/** Full simulation with ledger details (used by the summary CLI). */
export function simulateEighthDetailed(kind: string, seed: number): EighthDetail {
  const k = BY_NAME.get(kind);
  if (!k) throw new Error(`unknown kind ${kind}; known: ${EIGHTH_KIND_NAMES.join(', ')}`);
  const name = `${kind}#${seed}`;
  let out: EighthDetail | null = null;
  for (let r = 0; r <= MAX_REDRAWS; r++) {
    const key = r === 0 ? name : `${name}~${r}`;
    const plan = k.build(makeRng(hashSeed(key)));
    const expectedCum = ecumOf(plan);
    const ledger = realise(plan, makeRng(hashSeed(`${key}/ledger`)));
    const rows = observe(plan, ledger.snap, makeRng(hashSeed(`${key}/obs`)));
    const problems = checkHistory(kind, rows, expectedCum, plan.start);
    out = {
      history: { kind, seed, name, rows }, expectedCum, start: plan.start, moneyIn: ledger.moneyIn,
      demand: ledger.demand, charged: ledger.charged, opening: plan.opening, redraws: r, problems,
    };
    if (problems.length === 0) break;
  }
  return out!;
}

export function simulateEighth(kind: string, seed: number): { history: History; expectedCum: Float64Array; start: number } {
  const d = simulateEighthDetailed(kind, seed);
  return { history: d.history, expectedCum: d.expectedCum, start: d.start };
}

/** Every kind x seeds 0..n-1, kind-major. */
export function generateEighthCorpus(seeds: number): History[] {
  const out: History[] = [];
  for (const kind of EIGHTH_KIND_NAMES) for (let s = 0; s < seeds; s++) out.push(simulateEighth(kind, s).history);
  return out;
}
