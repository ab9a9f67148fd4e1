/**
 * Query parameters of the status page and its JSON API, validated: every problem is a BadRequest whose
 * message names the parameter, what it wants and what it got (answered as 400). Unknown parameters are
 * refused too, so a typo (`form=`) is not silently ignored. PURE.
 */
import { MAX_RFC3339_MS } from '../domain/messages.js';
import { parseDuration } from '../config/duration.js';
import { KEEP_HOURS } from '../store/readings.js';

export class BadRequest extends Error {
  override readonly name = 'BadRequest';
}

const HOUR = 3_600_000;
/** The most points one history answer holds. */
export const MAX_POINTS = 10_000;
export const MAX_PER_PAGE = 500;
export const DEFAULT_PER_PAGE = 50;
/** How far back a history may reach: what the store keeps, plus the hour still open. */
export const HISTORY_MS = (KEEP_HOURS + 1) * HOUR;

function only(params: URLSearchParams, allowed: readonly string[]): void {
  for (const key of new Set(params.keys())) {
    if (!allowed.includes(key)) throw new BadRequest(`unknown query parameter "${clip(key)}" (allowed: ${allowed.join(', ')})`);
    if (params.getAll(key).length > 1) throw new BadRequest(`query parameter "${key}" given more than once`);
  }
}

const clip = (s: string): string => (s.length > 40 ? `${s.slice(0, 40)}…` : s);

function int(params: URLSearchParams, key: string, dflt: number, min: number, max: number): number {
  const v = params.get(key);
  if (v === null || v === '') return dflt;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw new BadRequest(`${key}: expected a whole number from ${min} to ${max}, got "${clip(v)}"`);
  return n;
}

/** A date, or a time with its offset: a time without one would be read in the server's time zone. */
const ISO_TIME = /^(\d{4})-(\d\d)-(\d\d)(T\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d))?$/;
/** `…T13:00:00 01:00`: a `+01:00` typed into a URL, whose `+` the query's decoding turned into a space. */
const PLUS_AS_SPACE = /(T\d\d:\d\d(?::\d\d(?:\.\d+)?)?) (\d\d:\d\d)$/;

/** True when the day exists: Date.parse reads 2026-02-31 as 3 March. */
function isCalendarDay(y: number, m: number, d: number): boolean {
  const day = new Date(0);
  day.setUTCFullYear(y, m - 1, d);
  return day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

/** An ISO-8601 date (UTC midnight) or time with its offset, or unix seconds, up to what a Date holds. */
export function parseTime(key: string, given: string): number {
  const v = given.replace(PLUS_AS_SPACE, '$1+$2');
  const iso = ISO_TIME.exec(v);
  const t = /^\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : iso && isCalendarDay(+iso[1]!, +iso[2]!, +iso[3]!) ? Date.parse(v) : NaN;
  // Past the year 9999 the answer's from/to would have six-digit years (RFC 3339 readers refuse them), and
  // past 275760 no Date holds the time at all.
  if (!(t <= MAX_RFC3339_MS)) throw new BadRequest(`${key}: expected an ISO-8601 time with its offset (2026-11-30T12:00:00Z), a date (2026-11-30, from midnight UTC) or unix seconds, up to the year 9999, got "${clip(given)}"`);
  return t;
}

export interface ListQuery {
  q: string;
  page: number;
  perPage: number;
}

/** `/` and `/api/wallets`: `q` (filter), `page` (1-based), `per_page`. */
export function listQuery(params: URLSearchParams): ListQuery {
  only(params, ['q', 'page', 'per_page']);
  const q = params.get('q') ?? '';
  if (q.length > 200) throw new BadRequest('q: at most 200 characters');
  return { q: q.trim(), page: int(params, 'page', 1, 1, 1_000_000), perPage: int(params, 'per_page', DEFAULT_PER_PAGE, 1, MAX_PER_PAGE) };
}

export interface HistoryQuery {
  from: number;
  to: number;
  /** 0: every stored reading. */
  stepMs: number;
}

/**
 * `/api/wallets/<name>/history`: `from` and `to` (ISO-8601 or unix seconds; default the last 14 days up
 * to now), `step` (a duration such as `10m` or seconds; default: every stored reading). Whether a step
 * given keeps the answer within MAX_POINTS depends on the readings stored: checkPoints, once they are thinned.
 */
export function historyQuery(params: URLSearchParams, now: number): HistoryQuery {
  only(params, ['from', 'to', 'step']);
  const to = params.get('to') ? parseTime('to', params.get('to')!) : now;
  const from = params.get('from') ? parseTime('from', params.get('from')!) : to - HISTORY_MS;
  if (!(from < to)) throw new BadRequest(`from must be before to (from ${new Date(from).toISOString()}, to ${new Date(to).toISOString()})`);
  const step = params.get('step');
  let stepMs = 0;
  if (step !== null && step !== '') {
    const ms = parseDuration(step);
    if (ms === undefined || ms < 1000 || !Number.isFinite(ms)) throw new BadRequest(`step: expected a duration of at least 1s (60, 90s, 10m, 1h), got "${clip(step)}"`);
    stepMs = ms;
  }
  return { from, to, stepMs };
}

/**
 * A step given is refused when its answer would hold more than MAX_POINTS points: `points` is what thinning
 * the stored readings by it left. Counted against the range asked, `step=90s` on the default 14 days (20,220
 * min) was refused for a wallet read 12 times, whose answer is 12 points.
 */
export function checkPoints(q: HistoryQuery, points: number, readings: number): void {
  if (q.stepMs > 0 && points > MAX_POINTS) {
    throw new BadRequest(`step: ${q.stepMs / 1000}s leaves ${points} of the ${readings} readings stored from ${new Date(q.from).toISOString()} to ${new Date(q.to).toISOString()}, more than ${MAX_POINTS} points; use a larger step or a shorter range`);
  }
}

/**
 * The step of a history asked for without one: 0 (every stored reading) while they fit in MAX_POINTS,
 * else the smallest whole minute that brings them under it (a wallet polled every second stores 86,400
 * readings a day), over the span the readings cover: `from=0` asks for 55 years, not for 7 points. The
 * answer's `step_seconds` says which.
 */
export function fittingStep(q: HistoryQuery, readings: readonly { t: number }[]): number {
  if (q.stepMs > 0 || readings.length <= MAX_POINTS) return q.stepMs;
  const span = readings.at(-1)!.t - Math.max(q.from, readings[0]!.t);
  // steps count from `from`, so a span of k steps touches up to k + 2 of them: 10,001 readings a minute apart
  // came back as 10,001 points at a step of a minute
  return Math.max(60_000, Math.ceil(span / (MAX_POINTS - 2) / 60_000) * 60_000);
}
