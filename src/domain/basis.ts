/**
 * What a forecast rests on, in words (issue 9): method, evidence, band, and how the alerts decide, for
 * notifications and /api/status. PURE; the numbers are runway.ts's `Evidence`.
 */
import type { Confidence } from './forecast.js';
import type { AutoRefill } from './refill.js';
import { WEAK_REL_ERROR, type Evidence } from './runway.js';

const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toPrecision(2));
/** A duration for people: hours from one hour up (`2.8 h`, `95 h`), minutes or seconds below (a demo's wallet, a first poll's history: `35 s`, not `0.0098 h`). */
const hrs = (s: number): string => (!Number.isFinite(s) ? 'never' : s >= 3600 ? `${fmt(s / 3600)} h` : s >= 120 ? `${Math.round(s / 60)} min` : `${Math.round(s)} s`);
const inHours = (h: number): string => hrs(h * 3600);
const pct = (x: number): string => `${Math.round(x * 100)} %`;

export interface Described {
  evidence: Evidence | null;
  refill?: AutoRefill | null;
  runwaySeconds: number;
  runwayLowSeconds: number;
  runwayHighSeconds: number;
  confidence: Confidence;
  /** Seconds since the reading the forecast was made at, when it was aged (forecast.ts `forecast`). */
  agedSeconds?: number;
  /** No balance read yet (forecast.ts). */
  unread?: true;
  /** One first charge, no rate yet (forecast.ts). */
  firstCharge?: true;
  /** Too few readings in the last 24 h to tell whether the wallet spends (forecast.ts). */
  fewReadings?: true;
}

/** What the forecast rests on, for people: method, evidence, band, and how the alerts decide. */
export function describe(f: Described): string {
  const e = f.evidence;
  if (e === null) {
    if (f.unread) return 'No balance read yet: nothing to forecast from.';
    // A first poll, or polls failing for over a day: not "no net spend", which read as a wallet not burning.
    if (f.fewReadings && f.runwaySeconds !== 0) return 'Too few readings in the last 24 h to measure the spend (at least 3, over 10 s or more): no runway is known; an alert already firing stays open until readings resume.';
    return f.runwaySeconds === 0 ? 'Nothing is left to spend: the wallet is empty.' : 'No net spend measured in the last 24 h: no depletion is forecast.';
  }
  if (f.firstCharge) {
    return `The spend so far is one charge in the wallet's first hour: it may be a one-off (a rental, a number bought), so it is no rate yet and no depletion_forecast rests on it until its hour closes; the runway shown, ${hrs(f.runwaySeconds)}, is the last hour's net spend.`;
  }
  const pattern = { flat: 'a flat rate', daily: 'the daily pattern (hour of day)', weekly: 'the weekly pattern (hour of week)' }[e.shape];
  const window = e.shifted ? 'the last 24 h, which differ from the longer window (usage changed)' : `the last ${inHours(e.windowHours)}`;
  const parts = [
    `Spend of ${fmt(e.levelPerHour)} credits/h for an average hour (${e.charges} charges over ${inHours(e.hoursObserved)} observed in ${window}, ±${pct(e.relativeError)}), shaped by ${pattern}`,
  ];
  if (e.weekend) {
    parts.push(
      e.weekend.assumed
        ? ` with the weekend assumed as quiet as the quietest hour (${pct(e.weekend.factor)} of a weekday) until one is seen`
        : ` with weekends at ${pct(e.weekend.factor)} of a weekday (the week is not known yet)`,
    );
  }
  if (e.trend) parts.push(`, rising ${fmt(e.trend.perHourPerDay)} credits/h a day over the last ${e.trend.days} days (damped trend)`);
  parts.push(`. Runway ${hrs(f.runwaySeconds)} (80 % band ${hrs(f.runwayLowSeconds)} to ${hrs(f.runwayHighSeconds)}), confidence ${f.confidence}.`);
  const thin = e.relativeError > WEAK_REL_ERROR ? `the level is known to ±${pct(e.relativeError)} only` : `only ${inHours(e.hoursObserved)} of history`;
  const cautiousEnd = `on the cautious end of the evidence (${hrs(e.slowestRunwaySeconds)}): ${thin}, so it alerts only when even the slowest spend the evidence allows runs out inside the horizon`;
  const margin = (m: number) => `${pct(m)} before the horizon (the forecast's own uncertainty), so the alert comes at least that early`;
  // Part of the way (the evidence is between strong and thin): say how far, not "on the cautious end".
  const leaning = (lean: number, m: number) =>
    lean >= 1 ? cautiousEnd : `${pct(Math.max(0.01, lean))} of the way from the central runway less ${pct(m)} toward the cautious end of the evidence (${hrs(e.slowestRunwaySeconds)}): ${thin}`;
  const { warning: mW, critical: mC } = e.margin;
  // Within the first day the warning's cautious reading is the FIRST_DAY_QUIET_WEEKEND one (outlook()).
  const firstDay = e.firstDay;
  const warning = firstDay
    ? `The warning alerts only when the spend so far, spread over a whole day and over five days of seven, runs out inside the horizon: only ${inHours(e.windowHours)} of history${e.lumpy ? ', a few charges make most of the spend so far' : ''}, and the hours and days not seen yet may be quiet (a night, a weekend)`
    : `The warning alerts ${leaning(e.lean.warning, mW)}`;
  if (!firstDay && e.lean.warning >= 1 && e.lean.critical >= 1) parts.push(` depletion_forecast alerts ${cautiousEnd}.`);
  else if (e.lean.warning > 0) parts.push(` ${warning}; critical alerts ${e.lean.critical > 0 ? leaning(e.lean.critical, mC) : margin(mC)}.`);
  else if (pct(mW) === pct(mC)) parts.push(` depletion_forecast alerts ${margin(mW)}.`);
  else parts.push(` The warning alerts ${margin(mW)}; critical alerts ${margin(mC)}.`);
  if (f.refill) {
    const r = f.refill;
    parts.push(` The wallet refills itself (topped up ${r.count} times at about ${fmt(r.level)} credits, +${fmt(r.amount)} each): depletion_forecast waits while the balance stays above ${fmt(r.floor)}, and alerts as usual below it (the refill may have failed).`);
  }
  if (e.regime?.decides) {
    const g = e.regime;
    parts.push(
      ` The warning also reads the last ${Math.round(g.windowHours)} h alone: ${fmt(g.levelPerHour)} credits/h (±${pct(g.relativeError)}), above the longer window by more than its usual swings and confirmed by the last 72 h, so it may persist (a new level of usage)${g.growthPerHourPerDay ? `, still growing by ${fmt(g.growthPerHourPerDay)} credits/h a day (damped)` : ''}; at that level the balance lasts ${hrs(g.runwaySeconds)}, and the warning alerts on it.`,
    );
  }
  if (e.burst) parts.push(` Critical also reads the last 1 h and 6 h, both spending ${fmt(e.burst.factor)}× the usual: at that rate the balance lasts ${hrs(e.burst.runway)}.`);
  if (f.agedSeconds !== undefined) parts.unshift(`No reading for ${hrs(f.agedSeconds)}: this is the forecast made at the last one, its runway shortened by that time. `);
  return parts.join('');
}
