/**
 * From a spend level to runways and alert decisions, PURE (the DESIGN is in forecast.ts's header): the
 * walk through the coming hours, the band, the near (burst) reading, the margin or the caution, and the
 * evidence they rest on (basis.ts puts it in words).
 */
import type { BurnRates } from './rates.js';
import type { Shape } from './shape.js';
import type { Trend } from './trend.js';
import { swingVariance, type Level } from './usage.js';
import { nextDaySpend, walkTo } from './walk.js';

const HOUR_MS = 3_600_000;

/** Above this relative error of the level the evidence is weak: alerts use the cautious end of the band. */
export const WEAK_REL_ERROR = 0.1;
/**
 * History before which the warning decides on the cautious end of the band, and after which on the
 * central runway (less its margin), sliding in between: a healthy new wallet's first hours drift like a
 * random walk, and 72 h is far. Once a whole day is seen the evidence (relErr) decides: a steady wallet that
 * empties 100 h after install must be warned 28 h in. Critical (24 h) decides on the central runway as soon as the level is
 * known to ±CRITICAL_CAUTIOUS_ABOVE: a wallet that runs dry in 12 h must page in its first hour, and a
 * healthy one is 4 × 24 h from empty. Not in a wallet's first hour (CRITICAL_EARLY): a business installed
 * in its open hours spends there 2–3 × its day's average, so a wallet with 4 days of money reads ~40 h, and
 * 2–4 charges in its first minutes reading 2 × that paged critical within minutes (one in eight such
 * installs, each a few minutes in). There the cautious end takes over from ±35 %, the threshold sliding to
 * ±70 % over a 24th of the runway read (an hour at most: waiting costs 4 % of the lead), so a wallet read to
 * run dry in 12 h decides after 30 minutes and a critical horizon of minutes (the demo's) at once.
 */
export const CAUTIOUS_UNTIL_HOURS = { warning: [24, 30] } as const;
export const CRITICAL_CAUTIOUS_ABOVE = 0.7;
export const CRITICAL_EARLY = { hours: 1, above: 0.35 } as const;
/** Before a day is seen, the warning's cautious reading spends the day's money on 5 days of 7 (a weekend may be quiet). */
export const FIRST_DAY_QUIET_WEEKEND = 7 / 5;
/** The band is level × e^(±Z·relErr): Z = 1.28, an 80 % interval (the cautious end: a 90 % lower bound of the rate). */
export const BAND_Z = 1.28;
/**
 * The alert margin: the uncertainty of the level and of the spend to come inside the horizon, kept within
 * these bounds (the critical one within `criticalMax`: a wider one paged too early on noisy wallets).
 */
export const MARGIN = { min: 0.05, max: 0.1, criticalMax: 0.08 } as const;
/**
 * The near reading takes over the critical decision when the last 1 h and 6 h both spend this many times
 * what is expected: the SRE workbook's burn rate for its 6 h page window. Lower factors page on every
 * campaign hour and noisy 6 h window.
 */
export const BURST_FACTOR = 6;

export interface Reading {
  level: Level;
  /** Hours of the window the level was read over. */
  window: number;
  /** The last 24 h replaced the long window (a level shift). */
  shifted: boolean;
  trend: Trend | null;
  shape: Shape;
  /** Relative variance of hourly spend beyond Poisson noise. */
  sigma2: number;
  /** The same read at the scale of 6-hour blocks (dispersion.ts): regimes and bursts make it larger. */
  sustained: number;
  /** Before a day is seen, a few charges make most of the spend so far (first-day.ts unevenCharges). */
  lumpy?: FewCharges;
}

export interface FewCharges {
  /** Their effective number (Kish). */
  effective: number;
  /** The share (0–1) of the level's spend the other charges make. */
  rest: number;
}

/**
 * How much slower than read the spend may be when a few charges make most of it (1 when undefined): their
 * part at the lower end of their count's Poisson band at BAND_Z (Wilson–Hilferty), the rest as read;
 * Infinity when nothing is left. A log-normal band of the same error (k) allows 3.6× for one charge where
 * Poisson allows 10×: a new install's one 80-credit charge among 10 credits/h paged critical "runs out in
 * 3.7 hours" on a wallet with 90 h of money. Only their part: a wallet spending its money in cents, after
 * a rental the level already left out, must page on the cents' runway. Critical's cautious end and the
 * band's high end read the wider of this and k.
 */
function fewCharges(few: FewCharges | undefined): number {
  if (few === undefined) return 1;
  const base = 1 - 1 / (9 * few.effective) - BAND_Z / (3 * Math.sqrt(few.effective));
  const slowest = few.rest + (1 - few.rest) * (base > 0 ? base ** 3 : 0);
  return slowest > 0 ? 1 / slowest : Infinity;
}

export interface Outlook {
  /** Seconds: central, band, and what the warning and critical decisions compare. */
  central: number;
  low: number;
  high: number;
  /** The runway at the slowest spend the level's error allows (BAND_Z): the cautious end the decisions lean to. */
  slowest: number;
  warning: number;
  critical: number;
  /**
   * Per severity, how far the decision leans to the cautious end of the evidence (`slowest`): 0 the central
   * runway less its margin, 1 the cautious end, sliding in between.
   */
  lean: { warning: number; critical: number };
  /** The margin (fraction of the horizon) per severity on strong evidence. */
  margin: { warning: number; critical: number };
  /** Credits/hour expected over the next 24 h (central). */
  ratePerHour: number;
  /** The level now (credits per average hour), trend included. */
  levelNow: number;
  /** When 1 h and 6 h agree on a burst: how many times the expected spend, and its runway (s). */
  burst: { factor: number; runway: number } | null;
  /** The warning's cautious reading is the first day's (the spend so far over a whole day, on five days of seven). */
  firstDay: boolean;
}

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));
/** The margin for a horizon of `hours` (see outlook): the level's error `e` and the spend's relative variance over it, within [MARGIN.min, max]. */
const marginFor = (e: number, hours: number, sigma2: number, max: number): number => Math.min(max, Math.max(MARGIN.min, Math.sqrt(e * e + sigma2 / hours)));
/** A decision's spend target: the balance at the `slowest` spend, less the margin `m` in proportion to how little it leans to the cautious end. */
const decide = (balance: number, lean: number, m: number, slowest: number): number => (balance * slowest) / (1 + m * (1 - lean));

/** `e` with the hourly swings (σ² over the hours seen, usage.ts levelOver) counted over one hour at least. */
function firstHourError(e: number, sigma2: number, hours: number): number {
  if (hours >= 1) return e;
  return Math.sqrt(Math.max(0, e * e - swingVariance(sigma2, hours) + swingVariance(sigma2, 1)));
}

/**
 * Runways for the balance, the band, and the per-severity decisions. Its helpers are plain functions of
 * their numbers and each walk one call for one target (walk.ts walkTo): a forecast runs this up to three
 * times at every reading, and the closures over its numbers, the targets' and hours' arrays and the
 * numbers they boxed were the largest part of what a replay allocated (the numbers are computed as before,
 * operation for operation).
 */
export function outlook(r: Reading, balance: number, now: number, rates: Pick<BurnRates, '1h' | '6h'>, spanHours: number): Outlook {
  const e = r.level.relError;
  const slope = r.trend?.perHourPerDay ?? 0;
  const shape = r.shape;
  // The level was read over a window centred window/2 ago: with a trend, bring it forward to now.
  const levelNow = r.level.perHour + slope * (r.window / 2 / 24);
  // How far toward the cautious end each severity decides: all the way on thin evidence, none on a long history.
  // Fully cautious once the level is known to worse than twice WEAK_REL_ERROR, sliding from WEAK_REL_ERROR.
  const byError = clamp01((e - WEAK_REL_ERROR) / WEAK_REL_ERROR);
  const [from, to] = CAUTIOUS_UNTIL_HOURS.warning;
  const leanW = Math.max(byError, clamp01((to - spanHours) / (to - from)));
  // Critical, whose horizon may be minutes (RUNWAY_CRITICAL_HOURS=0.25), reads the hourly swings as those of
  // one hour at most: under an hour seen, the level's error counts them as if the mean of a few minutes varied
  // more than an hour's (σ²/hours), and a wallet draining a credit a second for 15 minutes read "less than 15
  // minutes left" as a warning for 7 of them. The minutes' own noise is in the count of their charges.
  const eC = firstHourError(e, r.sigma2, r.level.hours);
  const central = walkTo(shape, levelNow, slope, now, balance) * 3600;
  const early = Math.min(CRITICAL_EARLY.hours, central / 3600 / 24);
  const aboveC = CRITICAL_EARLY.above + (CRITICAL_CAUTIOUS_ABOVE - CRITICAL_EARLY.above) * (early > 0 ? clamp01(spanHours / early) : 1);
  const leanC = clamp01((eC - aboveC) / 0.25);
  // The margin per horizon: the uncertainty of the level and of the spend still to come inside the
  // horizon, kept within MARGIN. Over 72 h the hour-to-hour noise averages out but a wallet's sustained
  // swings (a busy afternoon, a quiet day, bursts that feed on themselves: `sustained`) do not, so the
  // warning's margin reads those; the critical one reads the hourly over-dispersion. It is applied both
  // to the runway and to the spend (the runway if spend runs that much faster), the earlier of the two:
  // with a pattern the cumulative spend climbs in stairs (an evening peak, a business day) and a few %
  // more spend can move the empty point across a whole quiet night.
  const margin = marginFor(e, 72, Math.max(r.sigma2, r.sustained), MARGIN.max);
  const marginCrit = marginFor(e, 24, r.sigma2, MARGIN.criticalMax);
  const few = fewCharges(r.lumpy);
  const slowestC = Math.max(Math.exp(BAND_Z * leanC * eC), few ** leanC);
  // Leaning to the cautious end takes the margin away in proportion (the cautious end needs none).
  const slowest = walkTo(shape, levelNow, slope, now, balance * Math.max(Math.exp(BAND_Z * e), few)) * 3600;
  const spendC = walkTo(shape, levelNow, slope, now, decide(balance, leanC, marginCrit, slowestC)) * 3600;
  const f = bandFactor(r, central);
  const low = f === null ? central : walkTo(shape, levelNow, slope, now, balance / f) * 3600;
  const high = f === null ? central : walkTo(shape, levelNow, slope, now, balance * Math.max(f, fewCharges(r.lumpy))) * 3600;
  // Before a whole day is seen, when the money would last past the end of that first day, the forecast rests
  // on hours not seen yet, which may spend nothing (a business closes at night), and on days to come, a
  // weekend among them: the warning's cautious reading spreads the spend so far over a whole day, on five
  // days of seven (FIRST_DAY_QUIET_WEEKEND), when that is slower than the band's end. So too when a few
  // charges make most of that spend, whatever the central runway (which rests on them): a new install's
  // first minutes with one charge of 50 credits among cents read "runs out in 6 hours" on a wallet with
  // weeks of money, and no error bar of a rate drawn from one charge says how often the next one comes.
  // A wallet truly running dry on such charges is paged by critical, which does not read this. "Would last
  // past the first day" is read at the slowest spend the evidence allows, not the central: a few charges in
  // a business's first minutes read its open-hours rate 2 × too fast, and the central "empty tonight" took
  // the whole first-day caution away from a wallet with 4 days of money.
  const unseen = spanHours < 24 && (slowest / 3600 > 24 - spanHours || r.lumpy !== undefined);
  const firstDayFactor = unseen ? (24 / Math.max(spanHours, 1 / 60)) * FIRST_DAY_QUIET_WEEKEND : 1;
  const firstDay = leanW >= 1 && firstDayFactor > Math.exp(BAND_Z * leanW * e);
  const slowestW = firstDay ? firstDayFactor : Math.exp(BAND_Z * leanW * e);
  const spendW = walkTo(shape, levelNow, slope, now, decide(balance, leanW, margin, slowestW)) * 3600;
  const timeW = walkTo(shape, levelNow, slope, now, balance * slowestW) * 3600;
  const timeC = walkTo(shape, levelNow, slope, now, balance * slowestC) * 3600;
  const warning = Math.min(spendW, timeW / (1 + margin * (1 - leanW)));
  const leanedC = Math.min(spendC, timeC / (1 + marginCrit * (1 - leanC)));
  const ratePerHour = nextDaySpend(shape, levelNow, slope, now) / 24;

  const burst = nearBurst(shape, levelNow, now, rates, balance);
  const critical = Math.min(warning, leanedC, burst && leanC < 1 ? burst.runway / (1 + marginCrit) : Infinity);
  return { central, low, high, slowest, warning, critical, lean: { warning: leanW, critical: leanC }, margin: { warning: margin, critical: marginCrit }, ratePerHour, levelNow, burst, firstDay };
}

/**
 * The 80 % band of the runway is where the balance runs out if the spend to come is faster or slower by
 * BAND_Z of its relative spread — what is not known of the level (its error, and the charges' size spread
 * the count of charges does not see: calls billed by their length) and the noise of the spend still to come
 * over the central runway (its charges, each of its own size, and the wallet's sustained swings), which no
 * level, however well known, removes. The decisions read the level's error alone (`slowest`). This is the
 * factor: the band's ends walk the balance ÷ it and × it (or fewCharges, if wider); null, and the band is
 * the central runway itself, when that is not finite.
 */
function bandFactor(r: Reading, central: number): number | null {
  if (!Number.isFinite(central)) return null;
  const { relError, charges, hours, sizeSpread } = r.level;
  const runwayHours = Math.max(central / 3600, 1);
  const chargesToCome = (Math.max(1, charges) / Math.max(hours, 1 / 60)) * runwayHours;
  const spread = Math.sqrt(relError ** 2 + sizeSpread / Math.max(1, charges) + (1 + sizeSpread) / Math.max(1, chargesToCome) + r.sustained / runwayHours);
  return Math.exp(BAND_Z * spread);
}

/** Expected credits over [from, to] at `levelNow` through the shape (hour by hour). */
function expectedOver(shape: Shape, levelNow: number, from: number, to: number): number {
  let total = 0;
  for (let t = from; t < to; ) {
    const end = Math.min(to, (Math.floor(t / HOUR_MS) + 1) * HOUR_MS);
    total += (levelNow * shape.at((t + end) / 2) * (end - t)) / HOUR_MS;
    t = end;
  }
  return total;
}

/** A short window's rate ÷ what the level and the shape expect of its `hours` before `now`; Infinity when they expect nothing. */
function burstRatio(shape: Shape, levelNow: number, now: number, rate: number, hours: number): number {
  const expected = expectedOver(shape, levelNow, now - hours * HOUR_MS, now) / hours;
  return expected > 0 ? rate / expected : Infinity;
}

/** The burst both short windows agree on (the smaller of the two excesses), or null. */
function nearBurst(shape: Shape, levelNow: number, now: number, rates: Pick<BurnRates, '1h' | '6h'>, balance: number): Outlook['burst'] {
  const r1 = rates['1h'];
  const r6 = rates['6h'];
  if (!(r1 > 0) || !(r6 > 0)) return null;
  const factor = Math.min(burstRatio(shape, levelNow, now, r1, 1), burstRatio(shape, levelNow, now, r6, 6));
  if (!(factor >= BURST_FACTOR)) return null;
  return { factor, runway: (balance / Math.min(r1, r6)) * 3600 };
}

/** The numbers a forecast rests on (what `describe` puts in words). */
export interface Evidence {
  /** Credits/hour now for an hour of average shape (trend included), and its relative standard error. */
  levelPerHour: number;
  relativeError: number;
  charges: number;
  hoursObserved: number;
  /** The window the level was read over (hours); `shifted` when the last 24 h replaced the long one. */
  windowHours: number;
  shifted: boolean;
  shape: Shape['kind'];
  /** A daily shape's quieter weekend (daytype.ts): its factor, and whether it is assumed before one was seen. */
  weekend?: Shape['weekend'];
  trend: Trend | null;
  /** The alert margin (fraction of the horizon) per severity, used when the evidence is strong (Outlook.margin). */
  margin: Outlook['margin'];
  /** Seconds: the runway at the slowest spend the level's error allows, the cautious end the decisions lean to (Outlook.slowest). */
  slowestRunwaySeconds: number;
  /** How far each severity's decision leans from the central runway less the margin to the cautious end (0–1). */
  lean: Outlook['lean'];
  burst: Outlook['burst'];
  /** The warning's cautious reading is the first day's (Outlook.firstDay). */
  firstDay: boolean;
  /** A few charges make most of the spend so far (Reading.lumpy). */
  lumpy?: boolean;
  /**
   * A persistent rise (regime.ts): the last day's level, above the week's beyond its usual swings and
   * confirmed by the last 3 days, read as a second warning reading; `decides` when it is the earlier one.
   */
  regime?: Regime;
}

export interface Regime {
  levelPerHour: number;
  relativeError: number;
  windowHours: number;
  /** Central runway at that level. */
  runwaySeconds: number;
  decides: boolean;
  /** The rise's growth carried on (credits/hour per day, damped): the week's trend or its last three days' (regime.ts riseSlope). */
  growthPerHourPerDay?: number;
}

export function evidenceOf(r: Reading, o: Outlook, regime: Regime | null = null): Evidence {
  const { level } = r;
  return {
    levelPerHour: o.levelNow,
    relativeError: level.relError,
    charges: level.charges,
    hoursObserved: level.hours,
    windowHours: r.window,
    shifted: r.shifted,
    shape: r.shape.kind,
    ...(r.shape.weekend ? { weekend: r.shape.weekend } : {}),
    trend: r.trend,
    margin: o.margin,
    slowestRunwaySeconds: o.slowest,
    lean: o.lean,
    burst: o.burst,
    firstDay: o.firstDay,
    ...(r.lumpy !== undefined ? { lumpy: true } : {}),
    ...(regime ? { regime } : {}),
  };
}
