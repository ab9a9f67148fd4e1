// Seventh forecast corpus: synthetic prepaid wallet balance histories (written blind; see README.md).
import { hashSeed, makeRng } from '../forecast-blackbox/prng.js';
import { DAY } from './clock.js';
import { simulate, type Charge } from './engine.js';
import { validate } from './checks.js';
import { officeCallsDry, growthDry, stepUpDry, steadyDry } from './kinds-dry.js';
import { dribbleDry, monthEndDry, newInstallDry, volatileDry } from './kinds-dry2.js';
import { campaignBurst, refundCredits, steadyFlush, switchedOff, volatileFlush } from './kinds-flush.js';
import { autoRechargeKind, dormant, humanTopup, monthEndBatch } from './kinds-flush2.js';
import { Builder, FUTURE, type KindSpec } from './kit.js';
import { observe } from './observe.js';

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

export const SEVENTH_KINDS: readonly KindSpec[] = [
  steadyDry, officeCallsDry, stepUpDry, growthDry, newInstallDry, volatileDry, monthEndDry, dribbleDry,
  steadyFlush, campaignBurst, switchedOff, refundCredits, autoRechargeKind, humanTopup, monthEndBatch, volatileFlush, dormant,
];

export const SEVENTH_KIND_NAMES: readonly string[] = SEVENTH_KINDS.map((k) => k.name);

const MAX_ATTEMPTS = 12;

export interface SeventhDetail {
  history: History;
  expectedCum: Float64Array;
  start: number;
  depletes: boolean;
  /** 0 when the first draw passed the invariants; otherwise how many redraws it took */
  redraws: number;
  /** money that came in during the history (top-ups, refunds, credits) */
  topups: Charge[];
  balance0: number;
}

function attempt(spec: KindSpec, seed: number, base: string): SeventhDetail | null {
  const name = `${spec.name}#${seed}`;
  const b = new Builder(makeRng(hashSeed(base)), base);
  spec.build(b);
  const plan = b.plan();
  const sim = simulate(plan, b.sub('sim'));
  let L = plan.lengthMinutes;
  if (spec.depletes) {
    let first = -1;
    let seen = false;
    for (let m = 0; m < sim.bal.length; m++) {
      if (sim.bal[m]! > 0) seen = true;
      else if (seen) {
        first = m;
        break;
      }
    }
    if (first < 0) return null;
    if (first > L - 60) L = first + Math.round(b.sub('tail').uniform(plan.tailDays[0], plan.tailDays[1]) * DAY);
    L = Math.min(plan.simMinutes, L);
    if (first > L - 30) return null;
  }
  L = Math.max(3 * DAY, Math.min(plan.simMinutes, L));
  const rows = observe(plan.observe, plan.clock.start, sim.bal, L, b.sub('observe'));
  const expectedCum = b.expectedCum().slice(0, L + FUTURE + 1);
  const history: History = { kind: spec.name, seed, name, rows };
  if (validate(history, expectedCum, plan.clock.start, spec.depletes).length > 0) return null;
  return {
    history,
    expectedCum,
    start: plan.clock.start,
    depletes: spec.depletes,
    redraws: 0,
    topups: sim.topups.filter((t) => t.minute < L),
    balance0: plan.balance0,
  };
}

export function simulateSeventhDetail(kind: string, seed: number): SeventhDetail {
  const spec = SEVENTH_KINDS.find((k) => k.name === kind);
  if (!spec) throw new Error(`unknown seventh-corpus kind: ${kind}`);
  const name = `${kind}#${seed}`;
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    // every draw is a pure function of the name (redraws use name~i)
    const out = attempt(spec, seed, i === 0 ? name : `${name}~${i}`);
    if (out) return { ...out, redraws: i };
  }
  throw new Error(`${name}: no draw satisfied the invariants in ${MAX_ATTEMPTS} attempts`);
}

export function simulateSeventh(kind: string, seed: number): { history: History; expectedCum: Float64Array; start: number } {
  const { history, expectedCum, start } = simulateSeventhDetail(kind, seed);
  return { history, expectedCum, start };
}

export function generateSeventhCorpus(seeds: number): History[] {
  const out: History[] = [];
  for (const kind of SEVENTH_KIND_NAMES) for (let seed = 0; seed < seeds; seed++) out.push(simulateSeventh(kind, seed).history);
  return out;
}
