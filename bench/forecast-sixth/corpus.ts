// Sixth forecast corpus: synthetic prepaid-wallet balance histories, written blind (see README.md).

import { simulate, type History, type KindDef, type SimResult } from './engine.js';
import { DRY_KINDS } from './kinds-dry.js';
import { QUIET_KINDS } from './kinds-quiet.js';

export type { History } from './engine.js';
export type { Row } from './readings.js';

export const SIXTH_KINDS: readonly KindDef[] = [...QUIET_KINDS, ...DRY_KINDS];
export const SIXTH_KIND_NAMES: readonly string[] = SIXTH_KINDS.map((k) => k.name);

export function sixthKind(kind: string): KindDef {
  const def = SIXTH_KINDS.find((k) => k.name === kind);
  if (!def) throw new Error(`unknown sixth-corpus kind: ${kind}`);
  return def;
}

/** Full simulation record (planned depletions, true empties, top-ups) for checks and the summary. */
export function simulateSixthDetailed(kind: string, seed: number): SimResult {
  return simulate(sixthKind(kind), seed);
}

/**
 * One history plus its expected (noise-free) spend: expectedCum[m] is the expected spend of minutes [0, m)
 * from `start`, covering the history and 4 days after its end; fixed fees included, top-ups/refunds excluded.
 */
export function simulateSixth(kind: string, seed: number): { history: History; expectedCum: Float64Array; start: number } {
  const r = simulate(sixthKind(kind), seed);
  return { history: r.history, expectedCum: r.expectedCum, start: r.start };
}

/** Every kind x seeds 0..seeds-1; each history is a pure function of `${kind}#${seed}`. */
export function generateSixthCorpus(seeds: number): History[] {
  const out: History[] = [];
  for (const kind of SIXTH_KIND_NAMES) for (let s = 0; s < seeds; s++) out.push(simulateSixth(kind, s).history);
  return out;
}
