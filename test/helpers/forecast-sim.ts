/**
 * Whole histories for the estimator's unit tests (test/unit/forecast-*.test.ts): a wallet polled from a fixed
 * Monday 00:00 UTC, one noisy sample per step through `recordSample`, and the checks they share.
 */
import assert from 'node:assert/strict';
import type { RuleSettings } from '../../src/config/settings.js';
import { INITIAL_ACCOUNT_STATE, type AccountState } from '../../src/domain/account.js';
import { forecast, type Forecast } from '../../src/domain/forecast.js';
import { MARGIN } from '../../src/domain/runway.js';
import { EMPTY_HISTORY, RETENTION, recordSample, type History } from '../../src/domain/history.js';
import { evaluateRules } from '../../src/domain/rules.js';
import { DEFAULT_RULES, mulberry32 } from './fixtures.js';
import { samplesToPlain } from '../../src/domain/packed.js';

/** Monday 00:00 UTC. */
export const T0 = Date.parse('2026-11-02T00:00:00Z');
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
export const HOUR_S = 3600;

export const RULES: RuleSettings = DEFAULT_RULES;

/** Credits/hour as a function of epoch ms. */
export type Pattern = (t: number) => number;

/** Mon–Fri 08–18 UTC at `peak`/h, otherwise `off`/h. */
export const businessHours =
  (peak = 60, off = 2): Pattern =>
  (t) => {
    const d = new Date(t);
    const weekday = d.getUTCDay() >= 1 && d.getUTCDay() <= 5;
    const h = d.getUTCHours();
    return weekday && h >= 8 && h < 18 ? peak : off;
  };
export const steady =
  (rate: number): Pattern =>
  () =>
    rate;

/** A wallet being polled: its history, its balance and the time of its last sample. */
export interface Sim {
  history: History;
  balance: number;
  t: number;
  rand: () => number;
}

export function start(balance: number, t = T0, seed = 42): Sim {
  return { history: recordSample(EMPTY_HISTORY, t, balance, RULES.topupMinCredits).history, balance, t, rand: mulberry32(seed) };
}

/**
 * Polls every `stepMs` until `until`, spending `pattern(t)` credits/hour over each step times a uniform
 * noise factor in [1 − noise, 1 + noise].
 */
export function run(sim: Sim, until: number, pattern: Pattern, stepMs = 5 * MIN, noise = 0.2): Sim {
  let { history, balance, t } = sim;
  while (t + stepMs <= until) {
    const spend = ((pattern(t) * stepMs) / HOUR) * (1 + noise * (2 * sim.rand() - 1));
    balance -= spend;
    t += stepMs;
    history = recordSample(history, t, balance, RULES.topupMinCredits).history;
  }
  return { ...sim, history, balance, t };
}

/** One poll reading `balance` at `t` (a top-up, say). */
export function poll(sim: Sim, t: number, balance: number): Sim {
  return { ...sim, history: recordSample(sim.history, t, balance, RULES.topupMinCredits).history, balance, t };
}

/** The true runway (seconds) of `balance` from `now` if spend follows `pattern` exactly: walked minute by minute. */
export function trueRunway(pattern: Pattern, balance: number, now: number): number {
  let left = balance;
  for (let t = now; t < now + 60 * DAY; t += MIN) {
    const spend = pattern(t) / 60;
    if (spend >= left) return (t - now) / 1000 + (left / spend) * 60;
    left -= spend;
  }
  return Infinity;
}

export function assertClose(actual: number, expected: number, relTol: number, what: string): void {
  assert.ok(Number.isFinite(actual), `${what}: ${actual} is not finite`);
  assert.ok(Math.abs(actual - expected) <= Math.abs(expected) * relTol, `${what}: ${actual} is not within ${relTol * 100} % of ${expected}`);
}

/**
 * low ≤ central ≤ high; the warning decision leans to the cautious (high) end while confidence is
 * none/low, else it is the central runway less a margin within MARGIN; the critical decision is never later than the warning one.
 */
export function assertBand(f: Forecast, where: string): void {
  assert.ok(f.runwayLowSeconds <= f.runwaySeconds, `${where}: low ${f.runwayLowSeconds} > central ${f.runwaySeconds}`);
  assert.ok(f.runwaySeconds <= f.runwayHighSeconds, `${where}: central ${f.runwaySeconds} > high ${f.runwayHighSeconds}`);
  assert.equal(f.cautious, f.confidence === 'none' || f.confidence === 'low', `${where}: cautious with confidence ${f.confidence}`);
  const margin = f.runwaySeconds / f.alertRunwaySeconds - 1;
  if (f.cautious) {
    // Leaning toward the cautious end: all the way within the first day (and further: the hours and days
    // not seen yet may be quiet), sliding to the centre over the second.
    if (f.evidence !== null && f.evidence.windowHours < 24) assert.ok(f.alertRunwaySeconds >= f.runwayHighSeconds * (1 - 1e-12), `${where}: first-day decision ${f.alertRunwaySeconds} inside the band`);
    else assert.ok(f.alertRunwaySeconds <= f.runwayHighSeconds * (1 + 1e-12) && margin <= MARGIN.max + 1e-9, `${where}: cautious decision ${f.alertRunwaySeconds}`);
  } else if (Number.isFinite(f.runwaySeconds)) {
    // At least the margin ahead of the central runway; more where spend that much faster crosses a stair
    // of the pattern (a business day) earlier.
    assert.ok(margin >= MARGIN.min - 1e-9 && f.alertRunwaySeconds > 0, `${where}: margin ${margin}`);
  }
  assert.ok(f.criticalAlertRunwaySeconds <= f.alertRunwaySeconds * (1 + 1e-12), `${where}: critical decision later than the warning one`);
}

export const stateOf = (history: History, balance: number): AccountState => ({ ...INITIAL_ACCOUNT_STATE, history, balance, lastPollAt: samplesToPlain(history.samples).at(-1)?.t ?? null });
export const conditions = (sim: Sim, balance = sim.balance, settings: RuleSettings = RULES) =>
  evaluateRules({ state: stateOf(sim.history, balance), forecast: forecast(sim.history, balance, sim.t), settings });

export const hours = (seconds: number) => seconds / HOUR_S;
export const at = (iso: string) => Date.parse(iso);

/** Upper bound of `samples.length` at `stepMs` polling: full resolution for an hour, then thinned, up to keepMs. */
export const sampleBound = (stepMs: number) => Math.ceil(RETENTION.fullResolutionMs / stepMs) + Math.ceil(RETENTION.keepMs / Math.max(stepMs, RETENTION.thinnedSpacingMs)) + 2;
