// The third, independent corpus of prepaid-wallet balance histories (see README.md in this folder).
// Deterministic: every history is a pure function of `${kind}#${seed}`.

import { hashSeed, makeRng } from '../forecast-blackbox/prng.js';
import { observe, simulate, type Plan, type Truth } from './engine.js';
import { DEPLETING_A } from './kinds-depleting-a.js';
import { DEPLETING_B } from './kinds-depleting-b.js';
import { STEADY } from './kinds-steady.js';
import type { KindDef } from './kit.js';

/** t: unix seconds (integer), b: balance in credits (finite, >= 0) */
export interface Row { t: number; b: number }
/** name = `${kind}#${seed}` */
export interface History { kind: string; seed: number; name: string; rows: Row[] }

const KINDS: readonly KindDef[] = [...DEPLETING_A, ...DEPLETING_B, ...STEADY];

export const THIRD_KIND_NAMES: readonly string[] = KINDS.map((k) => k.name);

/** How many depletions each kind is designed to have inside its history. */
export const THIRD_INTENDED_DEPLETIONS: Readonly<Record<string, number>> = Object.fromEntries(KINDS.map((k) => [k.name, k.depletions]));

export interface ThirdRun { history: History; plan: Plan; truth: Truth; extended: Truth | null }

/**
 * Build one history. `extraMin` > 0 also runs the true balance that many minutes past the end
 * (same randomness, so the first part is identical) to check what would have happened next.
 */
export function buildThird(kind: string, seed: number, extraMin = 0): ThirdRun {
  const def = KINDS.find((k) => k.name === kind);
  if (!def) throw new Error(`unknown kind ${kind}`);
  const name = `${kind}#${seed}`;
  const { plan, clock } = def.build(makeRng(hashSeed(name)), name);
  const truth = simulate(plan, clock, makeRng(hashSeed(`${name}/traffic`)));
  const extended = extraMin > 0 ? simulate(plan, clock, makeRng(hashSeed(`${name}/traffic`)), extraMin) : null;
  const rows = observe(plan, truth, makeRng(hashSeed(`${name}/poller`)));
  return { history: { kind, seed, name, rows }, plan, truth, extended };
}

export function generateThirdCorpus(seeds: number): History[] {
  const out: History[] = [];
  for (const kind of THIRD_KIND_NAMES) for (let seed = 0; seed < seeds; seed++) out.push(buildThird(kind, seed).history);
  return out;
}
