// Every corpus bench:forecast-blackbox and its oracle read, in one list: this folder's and the ones written
// without reading ours (bench/forecast-third's … -eighth's). Each history comes with what the oracle knows of
// it, read only when asked for (the black-box bench itself never asks).
import { EIGHTH_KIND_NAMES, simulateEighth } from '../forecast-eighth/corpus.js';
import { FIFTH_KIND_NAMES, simulateFifth } from '../forecast-fifth/corpus.js';
import { FOURTH_KIND_NAMES, simulateFourth } from '../forecast-fourth/corpus.js';
import { expectedCum as fourthCum } from '../forecast-fourth/engine.js';
import { SEVENTH_KIND_NAMES, simulateSeventh } from '../forecast-seventh/corpus.js';
import { SIXTH_KIND_NAMES, simulateSixth } from '../forecast-sixth/corpus.js';
import { buildThird, THIRD_KIND_NAMES } from '../forecast-third/corpus.js';
import { Clock, expectedCum } from '../forecast-third/engine.js';
import { generateScenarios } from './kinds.js';
import { spreadOf } from './oracle-rule.js';
import { DAY, MINUTE, type Row, type Scenario } from './sim.js';

/** What the oracle knows of a history: its expected spend per minute from `start` (cumulative) and, on the third corpus, its spread. */
export interface Expected {
  start: number;
  cum: Float64Array;
  spread: ((m: number, hours: number) => number) | null;
}

export interface CorpusHistory {
  kind: string;
  name: string;
  rows: Row[];
  expected: () => Expected;
}

/** The expected-spend curves run this far past a history's end (an alert near the end looks up to ~4 days on). */
const PAST_END_MIN = 4 * 1440;

/** Every kind × seed of a corpus, kind by kind. */
function corpusOf(kinds: readonly string[], build: (kind: string, seed: number) => CorpusHistory) {
  return function* (seeds: number): Generator<CorpusHistory> {
    for (const kind of kinds) for (let seed = 0; seed < seeds; seed++) yield build(kind, seed);
  };
}

/** The black box's expected spend: its rate (per minute ending at t, as sim.ts charges it) and the monthly rental. */
function blackboxCum(sc: Scenario): Float64Array {
  const n = sc.minutes + PAST_END_MIN;
  const cum = new Float64Array(n + 1);
  for (let m = 0; m < n; m++) {
    const t = sc.start + m * MINUTE;
    const rental = sc.monthlyRental && new Date(t * 1000).getUTCDate() === 1 && t % DAY === 0 ? sc.monthlyRental : 0;
    cum[m + 1] = cum[m]! + sc.ratePerHour(t) / 60 + rental;
  }
  return cum;
}

function* blackbox(seeds: number): Generator<CorpusHistory> {
  for (const { history, scenario } of generateScenarios(seeds)) {
    yield { ...history, expected: () => ({ start: scenario.start, cum: blackboxCum(scenario), spread: null }) };
  }
}

const third = corpusOf(THIRD_KIND_NAMES, (kind, seed) => {
  const { history, plan } = buildThird(kind, seed);
  const expected = (): Expected => {
    const clock = new Clock(plan.start, plan.tzMin, plan.minutes);
    const cum = expectedCum(clock, plan.streams, plan.scheduled);
    return { start: plan.start, cum, spread: spreadOf(plan, clock, cum) };
  };
  return { ...history, expected };
});

/** The fourth corpus's expected-spend curve: its engine's own, price changes and daily cap included. */
const fourth = corpusOf(FOURTH_KIND_NAMES, (kind, seed) => {
  const { name, rows, plan } = simulateFourth(kind, seed);
  return { kind, name, rows, expected: () => ({ start: plan.start, cum: fourthCum(plan, plan.minutes + PAST_END_MIN), spread: null }) };
});

/** The fifth to eighth corpora hand their expected-spend curves over themselves (scheduled bursts included). */
type HandsOver = (kind: string, seed: number) => { history: { name: string; rows: Row[] }; expectedCum: Float64Array; start: number };
const handedOver = (simulate: HandsOver) => (kind: string, seed: number): CorpusHistory => {
  const { history, expectedCum: cum, start } = simulate(kind, seed);
  return { kind, name: history.name, rows: history.rows, expected: () => ({ start, cum, spread: null }) };
};

export const CORPORA = {
  blackbox,
  third,
  fourth,
  fifth: corpusOf(FIFTH_KIND_NAMES, handedOver(simulateFifth)),
  sixth: corpusOf(SIXTH_KIND_NAMES, handedOver(simulateSixth)),
  seventh: corpusOf(SEVENTH_KIND_NAMES, handedOver(simulateSeventh)),
  eighth: corpusOf(EIGHTH_KIND_NAMES, handedOver(simulateEighth)),
};
export type Corpus = keyof typeof CORPORA;
