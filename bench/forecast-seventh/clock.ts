// Local wall-clock time for a history (customer time zone, DST included) and weekly demand profiles.
import type { Rng } from '../forecast-blackbox/prng.js';

export const DAY = 1440;
export const WEEK = 7 * DAY;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Offset (local minus UTC) in minutes of `tz` at the given unix second. */
export function tzOffsetMinutes(tz: string, unixSec: number): number {
  const parts = formatter(tz).formatToParts(new Date(unixSec * 1000));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute')) / 1000;
  return Math.round((local - (unixSec - (unixSec % 60))) / 60);
}

export interface LocalDate {
  year: number;
  month: number; // 0-11
  dom: number; // 1-31
  dim: number; // days in that month
}

/** Minute-indexed calendar of one history: minute 0 is `start` (unix seconds, multiple of 60). */
export class Clock {
  readonly localMin: Float64Array;
  private readonly dates = new Map<number, LocalDate>();

  constructor(
    readonly start: number,
    readonly tz: string,
    readonly minutes: number,
  ) {
    const base = start / 60;
    this.localMin = new Float64Array(minutes + 1);
    let hourKey = Number.NaN;
    let off = 0;
    for (let m = 0; m <= minutes; m++) {
      const u = base + m;
      const hk = Math.floor(u / 60);
      if (hk !== hourKey) {
        hourKey = hk;
        off = tzOffsetMinutes(tz, hk * 3600);
      }
      this.localMin[m] = u + off;
    }
  }

  private lm(m: number): number {
    return this.localMin[Math.max(0, Math.min(this.minutes, m))]!;
  }

  /** local hour of day, fractional, [0, 24) */
  hour(m: number): number {
    return (((this.lm(m) % DAY) + DAY) % DAY) / 60;
  }

  /** local day serial (days since 1970-01-01 in local wall time) */
  day(m: number): number {
    return Math.floor(this.lm(m) / DAY);
  }

  /** 0 = Monday ... 6 = Sunday */
  weekday(m: number): number {
    return (((this.day(m) + 3) % 7) + 7) % 7;
  }

  date(m: number): LocalDate {
    const d = this.day(m);
    let out = this.dates.get(d);
    if (!out) {
      const dt = new Date(d * 86_400_000);
      const year = dt.getUTCFullYear();
      const month = dt.getUTCMonth();
      out = { year, month, dom: dt.getUTCDate(), dim: new Date(Date.UTC(year, month + 1, 0)).getUTCDate() };
      this.dates.set(d, out);
    }
    return out;
  }

  utcMinuteOfDay(m: number): number {
    return (((this.start / 60 + m) % DAY) + DAY) % DAY;
  }

  utcDay(m: number): number {
    return Math.floor((this.start / 60 + m) / DAY);
  }

  /** All minutes in [from, to) at which the local clock reads hh:mm on a day accepted by `pred`. */
  localTimes(hh: number, mm: number, pred: (d: LocalDate, weekday: number) => boolean, from = 0, to = this.minutes): number[] {
    const out: number[] = [];
    const want = hh * 60 + mm;
    for (let m = Math.max(0, from); m < Math.min(to, this.minutes); m++) {
      const mod = ((this.lm(m) % DAY) + DAY) % DAY;
      if (mod === want && pred(this.date(m), this.weekday(m))) out.push(m);
    }
    return out;
  }

  /** First minute >= m whose local hour lies in [from, to) (humans act in waking hours). */
  nextWaking(m: number, from = 8, to = 22): number {
    let k = Math.max(0, Math.round(m));
    while (k < this.minutes - 1) {
      const h = this.hour(k);
      if (h >= from && h < to) break;
      k++;
    }
    return k;
  }
}

export const TIME_ZONES: readonly string[] = [
  'America/New_York', 'America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles',
  'America/Los_Angeles', 'America/Toronto', 'America/Mexico_City', 'America/Sao_Paulo', 'Europe/London',
  'Europe/London', 'Europe/Berlin', 'Europe/Madrid', 'Europe/Warsaw', 'Africa/Lagos', 'Africa/Johannesburg',
  'Asia/Kolkata', 'Asia/Singapore', 'Asia/Tokyo', 'Australia/Sydney', 'Pacific/Auckland', 'UTC',
];

/** unix seconds of 2026-01-01T00:00:00Z */
export const YEAR_START = 1_767_225_600;

export function pickStart(rng: Rng): number {
  return YEAR_START + 60 * rng.int(0, 365 * DAY - 1);
}

// ---------------------------------------------------------------- weekly profiles (168 hourly values, mean 1)

export type Profile = Float64Array;

export function profileAt(p: Profile, clock: Clock, m: number): number {
  const pos = clock.weekday(m) * 24 + clock.hour(m) - 0.5;
  const i0 = Math.floor(pos);
  const f = pos - i0;
  const a = p[(i0 + 168) % 168]!;
  const b = p[(i0 + 169) % 168]!;
  return a + (b - a) * f;
}

function normalise(values: number[], rng: Rng, jitter: number): Profile {
  const p = new Float64Array(168);
  let sum = 0;
  for (let i = 0; i < 168; i++) {
    const v = Math.max(0, values[i] ?? 0) * Math.exp(jitter * rng.normal());
    p[i] = v;
    sum += v;
  }
  for (let i = 0; i < 168; i++) p[i] = (p[i]! * 168) / sum;
  return p;
}

function weekly(daily: readonly number[], dayFactor: readonly number[], shift: number): number[] {
  const out: number[] = [];
  for (let w = 0; w < 7; w++) {
    for (let h = 0; h < 24; h++) out.push((daily[(h - shift + 24) % 24] ?? 0) * (dayFactor[w] ?? 1));
  }
  return out;
}

const CONSUMER = [0.35, 0.25, 0.2, 0.17, 0.17, 0.24, 0.45, 0.75, 1.0, 1.1, 1.15, 1.2, 1.25, 1.2, 1.15, 1.15, 1.2, 1.3, 1.4, 1.5, 1.5, 1.35, 1.0, 0.6];
const OFFICE = [0.03, 0.02, 0.02, 0.02, 0.02, 0.04, 0.1, 0.35, 0.9, 1.35, 1.5, 1.45, 1.0, 1.25, 1.45, 1.4, 1.2, 0.75, 0.35, 0.18, 0.12, 0.08, 0.05, 0.04];
const CALLS = [0, 0, 0, 0, 0, 0, 0.02, 0.15, 1.0, 1.5, 1.6, 1.55, 1.1, 1.4, 1.6, 1.55, 1.35, 0.6, 0.1, 0.03, 0, 0, 0, 0];

/** consumer apps: night trough, evening peak, weekends similar or busier */
export function consumerProfile(rng: Rng): Profile {
  const we = rng.uniform(0.85, 1.25);
  return normalise(weekly(CONSUMER, [1, 1, 1, 1, rng.uniform(1, 1.1), we, we * rng.uniform(0.9, 1)], rng.int(-1, 1)), rng, 0.06);
}

/** B2B office traffic: weekdays, lunch dip, quiet weekends */
export function officeProfile(rng: Rng): Profile {
  return normalise(weekly(OFFICE, [1, 1, 1, 1, rng.uniform(0.85, 1), rng.uniform(0.05, 0.3), rng.uniform(0.02, 0.1)], rng.int(-1, 1)), rng, 0.08);
}

/** call centre shifts: near zero outside opening hours, optional Saturday half day */
export function callCentreProfile(rng: Rng): Profile {
  const sat = rng.next() < 0.4 ? rng.uniform(0.3, 0.6) : 0.01;
  return normalise(weekly(CALLS, [rng.uniform(1.05, 1.2), 1, 1, 1, rng.uniform(0.85, 1), sat, 0.005], rng.int(-1, 1)), rng, 0.08);
}

/** machine traffic: nearly flat with a nightly job window */
export function machineProfile(rng: Rng): Profile {
  const daily = Array.from({ length: 24 }, () => 1);
  const job = rng.int(0, 5);
  daily[job] = rng.uniform(1.5, 3);
  return normalise(weekly(daily, [1, 1, 1, 1, 1, rng.uniform(0.8, 1), rng.uniform(0.8, 1)], 0), rng, 0.05);
}

export function mixProfiles(a: Profile, b: Profile, wa: number): Profile {
  const p = new Float64Array(168);
  for (let i = 0; i < 168; i++) p[i] = wa * a[i]! + (1 - wa) * b[i]!;
  return p;
}
