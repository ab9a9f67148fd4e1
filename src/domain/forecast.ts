/**
 * Burn rate and runway, PURE: the daemon, `check` and `backtest` all call these with the time passed in.
 *
 * DESIGN (issue 9: a forecast people trust)
 *
 *   Evidence. Every closed hour of the last week is kept with its spend, its number of charges (sample-
 *   to-sample drops), how long it was observed and its one-off part (a single charge above 10 typical
 *   hours, like a monthly rental: spend, not a rate; before 12 hours make a typical one, the hours seen so
 *   far stand in: oneoff.ts), plus 14 daily totals and the weekly pattern
 *   (profile.ts; bounded). Spend across a gap of up to 12 h (polls hours apart) is spread over its hours,
 *   so a sparsely polled wallet still has a rate; the weekly pattern learns only from hours seen. Time the
 *   wallet spent exhausted is not evidence at all (history.ts): its calls failed, so it says nothing of
 *   usage. A spend LEVEL is read over a window as spend ÷ the pattern's weight of the hours observed
 *   (credits per average hour), with a relative standard error from the evidence:
 *       relErr² = 1/n (Poisson count of charges) + σ²/hours (over-dispersion of hourly spend: σ² from the
 *                 successive differences of the last 48 hours, shrunk toward 0.3² by 6 hours)
 *                 + 0.35² × the unseen fraction of the first day
 *   so 20 charges over 10 minutes say "±50 %", 2 000 over a week "±3 %" (usage.ts).
 *
 *   Shape. flat before a day is known; `daily` (hour of day, from the last week's hours) once every hour
 *   of the day was seen; `weekly` (a day-of-week × hour-of-day model of the weekly pattern; a weekday
 *   under a third of the median weekday is a holiday, read as the median) once every hour of the week
 *   was. A shape whose spread is no more than its noise (the hourly over-dispersion and the Poisson noise
 *   of its charges) is shrunk to flat. Between the two, the daily shape knows a quieter weekend
 *   (daytype.ts): once part of one is seen, its level against the weekdays' (so a business's first quiet
 *   Saturday is not read as a drop); before, for a business's day (its quietest hour under 10 % of the
 *   average), the weekend to come is assumed as quiet as that hour (no Thursday warning for money that
 *   lasts over the weekend).
 *
 *   Level. The long window (a week, or the whole history if shorter) unless the last 24 h differ from it
 *   by more than LEVEL_SHIFT_Z standard errors (of the wallet's sustained swings): then the last 24 h (a
 *   drop at once; a rise only once the weekly pattern is known). A drop needs charges that did not come:
 *   the same kind of hours before (hour of the day, weekday or weekend) would have brought 3 or more in
 *   those 24 h; else the quiet is one the wallet has had before (a business's weekend, even a whole day
 *   without a charge) and the week's level goes on. A holiday (a weekday under a third of the median
 *   weekday, a normal one after it) is left out of every window (usage.ts). A stop — the last 72 h
 *   (longer than any weekend) under a quarter of the week's raw rate — is read flat from those 72 h: the
 *   pattern learnt the quiet days as quiet and the busy days before the stop as busy, and would bring the
 *   old spend back. A damped trend (trend.ts: Theil–Sen slope of up to 7 daily totals, only a steady rise
 *   — Kendall's τ ≥ 0.75 over ≥ 6 days —, φ = 0.9 per day) lifts it: method `trend`. The trend replaces the
 *   weekly pattern (whose buckets, each learnt a different number of days ago, read growth as a pattern),
 *   unless the weekend spends apart from the weekdays: then it is read over days of the same type and the
 *   pattern stays (a business's weekend is still a weekend).
 *
 *   Runway. The time the cumulative expected spend level(t) × shape(t) reaches the balance (walk.ts: a
 *   binary search over per-hour sums). The band (runway low/high) is an 80 % interval of the runway that
 *   will follow (runway.ts band()): the same walk with the spend faster / slower by 1.28 × its relative
 *   spread — the level's error, the charges' size spread the count of charges does not see (calls billed
 *   by their length), and the noise of the spend still to come over the runway (its charges, each of its
 *   own size, and the wallet's sustained swings). The decisions do not read it (below).
 *
 *   Decision, per severity (rules.ts compares these with the horizons):
 *     - warning rests on the long-window forecast, and on a PERSISTENT RISE (regime.ts): the last 24 h's
 *       level when, even without its busiest 2 hours, it stands out from the week by more than 3 standard
 *       errors of the wallet's sustained swings and the last 72 h agree it is above the week (multi-window,
 *       applied to levels; not before a kind of day — weekday, weekend — was seen once). It goes on rising
 *       at the damped trend, or before one exists at the smaller of its last two day-on-day rises when the
 *       last three days rose in order (riseSlope: first-week growth; a step rises once). Regimes and
 *       self-exciting traffic spend for days at a level the week's average has not caught up with; a burst
 *       that ends in an hour or two is spend_anomaly's business. A firing warning holds on that reading
 *       while the whole day is still above the week by 1 standard error (a Schmitt trigger).
 *     - critical also takes the NEAR reading, but only when the last 1 h AND the last 6 h both spend at
 *       least BURST_FACTOR (6) × what the level and the pattern expect of them (multi-window, multi-burn-
 *       rate, as in Google's SRE workbook): a one-hour spike does not agree with its 6 h window.
 *     - strong evidence: the central runway ÷ (1 + margin), the margin being the forecast's own
 *       uncertainty (relErr and σ²/horizon — for the warning σ² the sustained 6-hour-block swings, kept within
 *       5–10 %; for critical the hourly over-dispersion, within 5–8 %), so the user gets at least the horizon
 *       asked for rather than a coin toss at it.
 *     - thin evidence: toward the CAUTIOUS end of the evidence — the runway at the slowest spend the level's
 *       error allows (level × e^(−1.28·relErr): `slowest`, inside the band). The warning leans on it fully
 *       through the first 24 h of history (sliding to the centre by 30 h: after a whole day, the evidence
 *       decides) and whenever relErr > 20 % (from 10 %); critical only while relErr > 70 %: a wallet running
 *       dry in 12 h must page in its first hour, and a healthy one is 4 horizons from empty. Before a
 *       whole day is seen the warning's cautious reading is slower still: the spend so far spread over a
 *       whole day, on five days of seven — the first hours of a business day (all its money spent in 10
 *       hours) look exactly like a wallet with a day left, and only the night and the weekend tell them apart;
 *       so too when a few charges make most of that spend (unevenCharges), whatever runway they give;
 *       and then critical's cautious end reads their part at the lower end of their Poisson band when that
 *       is slower (one charge allows 10× slower spend, where e^(1.28·relErr) allows 3.6×; runway.ts fewCharges).
 *     - once firing, the hysteresis is widened by 4 × relErr (at most +50 %, rules.ts): a reading that
 *       wobbles by its own uncertainty around the horizon does not resolve and re-fire as a new alert;
 *       and when the last 24 h read as a drop (not a stop), a firing alert holds on the week's reading
 *       too (`hold`): the drop test flips in and out as one day's spend wobbles around it. A day with no
 *       net spend at all is such a drop once a day of history is known (no runway, but the hold): a
 *       wallet charged a dozen times a day (whole credits) has quiet days, and resolving on each one
 *       re-fired the same warning as a new alert the next day.
 *   A wallet that refills itself (refill.ts: its last two top-ups at about the same balance, of about the
 *   same amount) is not warned while its balance is above the refill level: the refill prevents the
 *   depletion; below it without a refill, the forecast alerts as usual (the refill may have failed).
 *   Every forecast carries its `evidence`; basis.ts's describe() says in words what it rests on, for
 *   notifications and /api/status.
 */
import { recentAgainstNormal } from './anomaly.js';
import { dispersion } from './dispersion.js';
import { counted, fewOf, unevenCharges, unseenDay } from './first-day.js';
import type { History } from './history.js';
import { lastSampleT } from './packed.js';
import { burnRates, hasEvidence, nearRates, readEnough, type BurnRates } from './rates.js';
import { autoRefill, type AutoRefill } from './refill.js';
import { persistentRise, riseSlope } from './regime.js';
import { evidenceOf, outlook, type Evidence, type Reading } from './runway.js';
import { FLAT, shapeOf } from './shape.js';
import { risingTrend } from './trend.js';
import { expectedCharges, levelOver, type Level } from './usage.js';

const HOUR_MS = 3_600_000;

export type Confidence = 'none' | 'low' | 'medium' | 'high';
export const CONFIDENCES: readonly Confidence[] = ['none', 'low', 'medium', 'high'];

/**
 * Confidence: none while even critical leans to the cautious end; low while the warning does (under 30 h
 * of history, or a level known to worse than ±10 %: runway.ts); medium above ±5 %; high below.
 */
export const CONFIDENCE_REL_ERROR = { medium: 0.05 } as const;
/** The long window of the level (a week, or the whole history if shorter), and the recent one a level shift is read from. */
const LONG_WINDOW_H = 168;
const SHIFT_WINDOW_H = 24;
/** The last 24 h replace the long window when they differ from it by this many standard errors. */
const LEVEL_SHIFT_Z = 3;

export const FORECAST_METHODS = ['none', 'rate', 'daily', 'weekly', 'trend'] as const;
export type ForecastMethod = (typeof FORECAST_METHODS)[number];

export interface Forecast {
  rates: BurnRates;
  /** The spend rate the central runway rests on (credits/hour, the next 24 h's average); 0 while not burning. */
  burnRatePerHour: number;
  /** Central estimate: seconds until the balance reaches 0; Infinity while not burning; 0 once empty. */
  runwaySeconds: number;
  /** The 80 % band around it: the runway that will follow, by the level's uncertainty and the noise of the spend to come (runway.ts band()). */
  runwayLowSeconds: number;
  runwayHighSeconds: number;
  /** What depletion_forecast compares with the warning horizon (margin or caution included, see DESIGN). */
  alertRunwaySeconds: number;
  /** What it compares with the critical horizon: the same, or the near reading when 1 h and 6 h agree on a burst. */
  criticalAlertRunwaySeconds: number;
  confidence: Confidence;
  /** rate: a flat level; daily / weekly: the level shaped by that pattern; trend: with a damped rising trend. */
  method: ForecastMethod;
  /**
   * What a FIRING depletion_forecast holds on (rules.ts): the decision runways of the long window when the
   * last 24 h read as a drop (not a stop), the smaller of the two readings; absent = the decision runways.
   * A drop read from one day flips in and out as that day's spend wobbles around the test; a firing alert
   * resolves only when the week agrees, or every flip is a resolve and a new alert.
   */
  hold?: { warning: number; critical: number };
  /** Relative standard error of the level (0.05 = ±5 %); null without evidence. */
  relativeError: number | null;
  /** True when the warning decision leans to the cautious end of the evidence (evidence.slowestRunwaySeconds), all or part of the way (evidence.lean): the evidence is too thin for the centre. */
  cautious: boolean;
  /** The same for the critical decision (it needs less history: CENTRAL_AFTER_HOURS). */
  criticalCautious: boolean;
  /** The numbers the forecast rests on (`describe()` in basis.ts puts them in words); null without evidence. */
  evidence: Evidence | null;
  /** The wallet refills itself (refill.ts): depletion_forecast waits while the balance is above its floor. */
  refill: AutoRefill | null;
  /** Seconds since the last reading when this forecast was aged from it (`forecast`); absent otherwise. */
  agedSeconds?: number;
  /** No balance was ever read (every poll failed so far): nothing to forecast from, which is not "no spend". */
  unread?: true;
  /**
   * No runway because the last 24 h hold too few readings to tell whether the wallet spends (a first poll,
   * polls failing for over a day), not because it spends nothing: both are method `none`.
   */
  fewReadings?: true;
  /**
   * The spend so far is one first charge, in the wallet's first hour: not a rate yet (it may be a one-off, a
   * rental; oneoff.ts), so no decision rests on it, but the runway and burn rate are the last hour's net spend
   * (the contract: finite once 3 readings over 10 s show net consumption).
   */
  firstCharge?: true;
  /** Spend over the last 3 h, and what the usage pattern expected for those hours; null when unknown. */
  recentSpend: number | null;
  expectedRecentSpend: number | null;
}

/**
 * A day is read as a drop only when the same kind of hours before it would have brought at least this many
 * charges (usage.ts expectedCharges): none of 3 expected comes by chance 5 % of the time (e^−3).
 */
const QUIET_DAY_CHARGES = 3;

/** A stop: the last `windowHours` spent under `ratio` × the long window's rate (after `afterHours` of history). */
const STOP = { windowHours: 72, ratio: 0.25, afterHours: 96 } as const;

/** Regular spend per observed hour over the closed and open hours of the last `hours` (no shape); 0 when none. */
function rawRate(p: History['profile'], now: number, hours: number): number {
  const l = levelOver(p, now, hours, FLAT, 0);
  return l === null ? 0 : l.perHour;
}

/** Readings older than this are said to be aged (see `forecast`): past a missed poll or two of a minute's schedule. */
export const AGE_AFTER_MS = 5 * 60_000;
/** How long without a reading the forecast goes on aging; past it, no evidence (none: firing alerts hold). */
const AGE_FOR_MS = 24 * HOUR_MS;

/**
 * The forecast at `now`. The balance is the last one read: when that reading is older than `now` (the API
 * or the network down, polls failing) the money kept going meanwhile, so the forecast is the one made at
 * that reading, its runways shortened by the time since (the rates and the recent spend stay those of
 * `now`: nothing measured). Made at `now`, a wallet forecast to run dry in 16 h still read 16 h after a
 * day of failed polls, and the page due meanwhile never came; in the first minutes, the depletion time
 * moved later by each failed poll's minute and jumped back at the fifth. Past AGE_AFTER_MS the forecast
 * says it is aged (`agedSeconds`). The forecast itself: DESIGN above.
 */
export function forecast(h: History, balance: number | null, now: number): Forecast {
  const last = lastSampleT(h.samples);
  const age = last === undefined ? 0 : now - last;
  if (age <= 0 || age > AGE_FOR_MS) return forecastAt(h, balance, now);
  const then = forecastAt(h, balance, last!);
  const current = forecastAt(h, balance, now);
  const less = (runway: number) => Math.max(0, runway - age / 1000);
  return {
    ...then,
    rates: current.rates,
    recentSpend: current.recentSpend,
    expectedRecentSpend: current.expectedRecentSpend,
    runwaySeconds: less(then.runwaySeconds),
    runwayLowSeconds: less(then.runwayLowSeconds),
    runwayHighSeconds: less(then.runwayHighSeconds),
    alertRunwaySeconds: less(then.alertRunwaySeconds),
    criticalAlertRunwaySeconds: less(then.criticalAlertRunwaySeconds),
    ...(then.hold ? { hold: { warning: less(then.hold.warning), critical: less(then.hold.critical) } } : {}),
    ...(age > AGE_AFTER_MS ? { agedSeconds: age / 1000 } : {}),
  };
}

function forecastAt(h: History, balance: number | null, now: number): Forecast {
  const rates = burnRates(h, now);
  const spanHours = h.firstSampleAt === null ? 0 : (now - h.firstSampleAt) / HOUR_MS;
  const { recentSpend, expectedRecentSpend } = recentAgainstNormal(h, now, spanHours);
  const refill = autoRefill(h, now);
  const none = (runway: number): Forecast => ({
    rates,
    refill,
    recentSpend,
    expectedRecentSpend,
    burnRatePerHour: 0,
    runwaySeconds: runway,
    runwayLowSeconds: runway,
    runwayHighSeconds: runway,
    alertRunwaySeconds: runway,
    criticalAlertRunwaySeconds: runway,
    confidence: 'none',
    method: 'none',
    relativeError: null,
    cautious: false,
    criticalCautious: false,
    evidence: null,
  });

  if (balance !== null && balance <= 0) return none(0);
  if (balance === null) return { ...none(Infinity), unread: true };
  // No net spend in the last 24 h: after a day of history with spend in the week (read from the usage
  // record), that day is either the quiet the pattern expects (a business's weekend: forecast as usual) or
  // a drop like any other (below): no runway, and while the samples kept (28 h) still show spend, a firing
  // alert holds on the week's reading (a wallet charged a dozen times a day has quiet days).
  const spending = hasEvidence(h.samples, now);
  if (!spending && !(spanHours >= SHIFT_WINDOW_H + 6 && rawRate(h.profile, now, LONG_WINDOW_H) > 0)) return readEnough(h.samples, now) ? none(Infinity) : { ...none(Infinity), fewReadings: true };
  const spentLately = spending || hasEvidence(h.samples, now, LONG_WINDOW_H * HOUR_MS);

  const trend = risingTrend(h.profile, now);
  // A service switched off: the last 3 days (longer than any weekend) spent under a quarter of the week's
  // rate, whatever the pattern says. The pattern learnt the quiet days as "quiet days" and the busy ones
  // before the stop as "busy days": read the quiet days flat, or the old spend comes back on the forecast.
  const stopped = spanHours >= STOP.afterHours && rawRate(h.profile, now, STOP.windowHours) < STOP.ratio * rawRate(h.profile, now, LONG_WINDOW_H);
  const shape = spanHours >= 24 && !stopped ? shapeOf(h.profile, trend === null || trend.seasonal === true) : FLAT; // see DESIGN, Level
  const d = dispersion(h.profile, now, shape);
  const sigma2 = d.hourly;
  const long = levelOver(h.profile, now, LONG_WINDOW_H, shape, sigma2);
  if (long === null) return none(Infinity);
  const day = spanHours >= SHIFT_WINDOW_H + 6 ? levelOver(h.profile, now, SHIFT_WINDOW_H, shape, sigma2) : null;
  // A drop (a service switched off) counts at once; a rise only once the weekly pattern is known: before
  // that, a busy weekend looks exactly like a level shift for a day or two. Either must stand out from
  // the wallet's sustained swings (a quiet day of a bursty wallet is not a change).
  const change = day === null ? 0 : Math.log(day.perHour / long.perHour);
  const swing = (l: Level) => Math.sqrt(1 / Math.max(1, l.charges) + d.sustained / Math.max(l.hours, 1));
  // A drop needs charges that did not come: at the rate of the same kind of hour before them, the last 24 h
  // should have brought QUIET_DAY_CHARGES or more. Below that, a quiet day is a quiet the wallet has had
  // before (a business's weekend), not a drop: it is still burning, at the week's level.
  const quiet = day !== null && change < 0 && expectedCharges(h.profile, now, SHIFT_WINDOW_H, long, shape) < QUIET_DAY_CHARGES;
  const burning = spending || quiet;
  const shifted = day !== null && !quiet && (change < 0 || shape.kind === 'weekly') && Math.abs(change) > LEVEL_SHIFT_Z * Math.hypot(swing(day), swing(long));
  const recentDays = stopped ? levelOver(h.profile, now, STOP.windowHours, shape, sigma2) : null;
  const uneven = unevenCharges(h, now, spanHours);
  const level = unseenDay(counted(recentDays ?? (shifted ? day : long), uneven), spanHours);
  const window = recentDays ? STOP.windowHours : shifted ? SHIFT_WINDOW_H : Math.min(LONG_WINDOW_H, spanHours);
  const reading: Reading = { level, window, shifted: shifted || recentDays !== null, trend: recentDays ? null : trend, shape, sigma2, sustained: d.sustained, ...(uneven !== null ? { lumpy: fewOf(uneven, level) } : {}) };
  const near = nearRates(h, now);
  const o = outlook(reading, balance, now, near, spanHours);
  const weekly = shifted && change < 0 && !stopped ? outlook({ ...reading, level: long, window: Math.min(LONG_WINDOW_H, spanHours), shifted: false }, balance, now, near, spanHours) : null;
  if (!burning) return { ...none(Infinity), ...(weekly && spentLately ? { hold: { warning: weekly.warning, critical: weekly.critical } } : {}) };
  // A persistent rise (regime.ts): the last day's level, confirmed by the last 3 days, is a second reading
  // for the warning only; the earlier of the two decides. A firing warning holds on it while a looser
  // test still sees the rise.
  const riseInput = day !== null && !shifted && !stopped ? { profile: h.profile, now, long, day, shape, sigma2, swing, firstSampleAt: h.firstSampleAt! } : null;
  const rise = riseInput ? persistentRise(riseInput) : null;
  // The rise goes on growing at the week's trend, or, before the daily totals hold one, at its last three days' rate.
  const riseTrend = rise && riseInput ? (reading.trend ?? riseSlope(riseInput)) : null;
  const held = rise ? outlook({ ...reading, level: rise.level, window: SHIFT_WINDOW_H, trend: riseTrend }, balance, now, near, spanHours) : null;
  const regime = rise?.entered ? held : null;
  const warning = regime ? Math.min(o.warning, regime.warning) : o.warning;
  const hold = weekly
    ? { hold: { warning: Math.min(o.warning, weekly.warning), critical: Math.min(o.critical, weekly.critical) } }
    : held
      ? { hold: { warning: Math.min(warning, held.warning), critical: o.critical } }
      : {};
  // A first charge left out of the level (oneoff.ts): the decisions wait for its hour to close, the runway is the raw spend's.
  const raw = rates['1h'];
  const firstCharge = spanHours < 1 && level.perHour === 0 && Number.isFinite(raw) && raw > 0;
  const rawRunway = (balance / raw) * 3600;
  const relativeError = level.relError;
  const confidence: Confidence = o.lean.critical > 0 ? 'none' : o.lean.warning > 0 ? 'low' : relativeError > CONFIDENCE_REL_ERROR.medium ? 'medium' : 'high';
  const method: ForecastMethod = reading.trend ? 'trend' : shape.kind === 'flat' ? 'rate' : shape.kind;
  return {
    rates,
    refill,
    recentSpend,
    expectedRecentSpend,
    burnRatePerHour: firstCharge ? raw : o.ratePerHour,
    runwaySeconds: firstCharge ? rawRunway : o.central,
    runwayLowSeconds: firstCharge ? rawRunway : o.low,
    runwayHighSeconds: o.high,
    alertRunwaySeconds: warning,
    criticalAlertRunwaySeconds: o.critical,
    confidence,
    method,
    relativeError,
    cautious: o.lean.warning > 0,
    criticalCautious: o.lean.critical > 0,
    evidence: evidenceOf(reading, o, regime ? { levelPerHour: regime.levelNow, relativeError: rise!.level.relError, windowHours: SHIFT_WINDOW_H, runwaySeconds: regime.central, decides: regime.warning < o.warning, ...(riseTrend ? { growthPerHourPerDay: riseTrend.perHourPerDay } : {}) } : null),
    ...hold,
    ...(firstCharge ? { firstCharge: true as const } : {}),
  };
}
