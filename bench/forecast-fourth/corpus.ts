// Fourth, independently written corpus of prepaid-wallet balance histories (see README.md).
import { hashSeed, makeRng } from '../forecast-blackbox/prng.js';
import { simulate, type Plan } from './engine.js';
import { BURST_KINDS } from './kinds-bursts.js';
import { GROWTH_KINDS } from './kinds-growth.js';
import { INSTALL_KINDS } from './kinds-install.js';
import { OPS_KINDS } from './kinds-ops.js';
import type { KindDef } from './lib.js';

export interface Row { t: number; b: number } // t unix seconds, integer, strictly increasing; b balance, finite, >= 0
export interface History { kind: string; seed: number; name: string; rows: Row[] } // name = `${kind}#${seed}`

const KINDS: readonly KindDef[] = [...GROWTH_KINDS, ...INSTALL_KINDS, ...BURST_KINDS, ...OPS_KINDS];

export const FOURTH_KIND_NAMES: readonly string[] = KINDS.map((k) => k.name);

/** Intended number of depletions per kind (every seed). */
export const FOURTH_DEPLETIONS: Readonly<Record<string, number>> = Object.fromEntries(KINDS.map((k) => [k.name, k.depletions]));

export interface DetailedHistory extends History {
  /** intended depletion times (unix seconds, start of the target minute) */
  targets: number[];
  zone: string;
  /** what the history was drawn from (its expected spend: bench/forecast-blackbox/oracle.ts) */
  plan: Plan;
}

/** One history, a pure function of `${kind}#${seed}`, plus the intended depletion times. */
export function simulateFourth(kind: string, seed: number): DetailedHistory {
  const def = KINDS.find((k) => k.name === kind);
  if (!def) throw new Error(`unknown kind ${kind}`);
  const name = `${kind}#${seed}`;
  const rng = makeRng(hashSeed(name));
  const plan = def.build(rng);
  const { rows, targets } = simulate(plan, rng);
  return { kind, seed, name, rows, zone: plan.zone, plan, targets: targets.map((m) => plan.start + 60 * m) };
}

export function generateFourthCorpus(seeds: number): History[] {
  const out: History[] = [];
  for (const k of KINDS) {
    for (let seed = 0; seed < seeds; seed++) {
      const { kind, name, rows } = simulateFourth(k.name, seed);
      out.push({ kind, seed, name, rows });
    }
  }
  return out;
}
