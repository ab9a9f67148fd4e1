// Fifth forecast corpus: synthetic prepaid-wallet balance histories, written blind (see README.md).
// Each history is a pure function of `${kind}#${seed}`.
import { hashSeed, makeRng } from '../forecast-blackbox/prng.js';
import { HORIZON_DAYS, MAX_DAYS, MIN_DAYS, type KindDef } from './engine.js';
import { DRY_KINDS_A } from './kinds-dry.js';
import { DRY_KINDS_B } from './kinds-dry2.js';
import { OK_KINDS_A } from './kinds-ok.js';
import { OK_KINDS_B } from './kinds-ok2.js';
import { buildCurve, observe, simulate } from './simulate.js';

export interface Row {
  t: number;
  b: number;
}

export interface History {
  kind: string;
  seed: number;
  name: string;
  rows: Row[];
}

export const FIFTH_KINDS: readonly KindDef[] = [...DRY_KINDS_A, ...DRY_KINDS_B, ...OK_KINDS_A, ...OK_KINDS_B];

export const FIFTH_KIND_NAMES: readonly string[] = FIFTH_KINDS.map((k) => k.name);

/** intended depletions per history for each kind (0 = must never run dry) */
export function intendedDepletions(kind: string): number {
  return findKind(kind).depletions;
}

function findKind(kind: string): KindDef {
  const def = FIFTH_KINDS.find((k) => k.name === kind);
  if (def === undefined) throw new Error(`unknown fifth-corpus kind: ${kind}`);
  return def;
}

/**
 * One history plus its oracle: expectedCum[m] = expected spend (no noise) of minutes [0, m) from `start`
 * (unix seconds of minute 0), scheduled fixed charges included, top-ups/credits excluded. It covers the
 * history and at least 4 days after its end.
 */
export function simulateFifth(kind: string, seed: number): { history: History; expectedCum: Float64Array; start: number } {
  const def = findKind(kind);
  const name = `${kind}#${seed}`;
  const rng = makeRng(hashSeed(name));
  const plan = def.build(rng);
  const built = buildCurve(plan);
  const { minutes, initial } = plan.setup(built.curve);
  if (!Number.isInteger(minutes) || minutes < MIN_DAYS * 1440 || minutes > MAX_DAYS * 1440) {
    throw new Error(`${name}: history of ${minutes} minutes is outside ${MIN_DAYS}-${MAX_DAYS} days`);
  }
  if (minutes + 4 * 1440 > HORIZON_DAYS * 1440) throw new Error(`${name}: expected curve too short`);
  const sim = simulate(plan, built, minutes, initial, rng);
  const rows = observe(plan, sim.balance, minutes, plan.obs(minutes), rng);
  return { history: { kind, seed, name, rows }, expectedCum: built.curve.cum, start: plan.start };
}

/** every kind x seeds 0..seeds-1 */
export function generateFifthCorpus(seeds: number): History[] {
  const out: History[] = [];
  for (const kind of FIFTH_KIND_NAMES) for (let seed = 0; seed < seeds; seed++) out.push(simulateFifth(kind, seed).history);
  return out;
}
