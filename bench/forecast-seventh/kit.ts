// The builder every kind uses to describe one wallet: calendar, demand streams, fees, money in, observation.
import { hashSeed, makeRng, type Rng } from '../forecast-blackbox/prng.js';
import { Clock, DAY, TIME_ZONES, pickStart, profileAt, type Profile } from './clock.js';
import { expectedCurve, type Charge, type NoiseSpec, type Policy, type SimPlan, type Stream } from './engine.js';
import { pickObserve, type ObserveSpec } from './observe.js';
import { afterEmpty, niceAmount, type AfterEmptyOpts } from './policies.js';
import type { Product } from './traffic.js';

export const FUTURE = 4 * DAY;

export interface Plan extends SimPlan {
  /** history length in minutes (may be extended up to simMinutes so that a depletion is inside it) */
  lengthMinutes: number;
  /** when extended: history ends this many days after the first depletion */
  tailDays: [number, number];
  observe: ObserveSpec;
}

export function logUniform(rng: Rng, lo: number, hi: number): number {
  return Math.exp(rng.uniform(Math.log(lo), Math.log(hi)));
}

export type Shape = (m: number) => number;

/** 1 before `at`, then a linear ramp over `ramp` minutes to `factor` */
export function stepShape(at: number, factor: number, ramp: number): Shape {
  return (m) => (m <= at ? 1 : m >= at + ramp ? factor : 1 + ((factor - 1) * (m - at)) / Math.max(1, ramp));
}

export class Builder {
  clock!: Clock;
  simMinutes = 0;
  lengthMinutes = 0;
  tailDays: [number, number] = [0.3, 2.5];
  balance0 = 0;
  readonly streams: Stream[] = [];
  readonly noise: NoiseSpec[] = [];
  readonly fees: Charge[] = [];
  readonly credits: Charge[] = [];
  readonly policies: Policy[] = [];
  observe!: ObserveSpec;
  private cum: Float64Array | null = null;

  constructor(
    readonly rng: Rng,
    private readonly base: string,
  ) {}

  /** an independent generator for one concern of this history */
  sub(label: string): Rng {
    return makeRng(hashSeed(`${this.base}|${label}`));
  }

  setup(o: { maxDays: number; start?: number; tz?: string; observe?: Partial<ObserveSpec> }): Clock {
    this.simMinutes = Math.round(Math.min(14, Math.max(3, o.maxDays)) * DAY);
    this.lengthMinutes = this.simMinutes;
    const start = o.start ?? pickStart(this.rng);
    this.clock = new Clock(start - (start % 60), o.tz ?? this.rng.pick(TIME_ZONES), this.simMinutes + FUTURE);
    this.observe = pickObserve(this.sub('observe-spec'), o.observe ?? {});
    return this.clock;
  }

  addNoise(spec: NoiseSpec): number {
    this.noise.push(spec);
    return this.noise.length - 1;
  }

  /** a noise group drawn from ranges: [lo, hi] for day sigma and hour sigma */
  noiseGroup(day: [number, number], hour: [number, number]): number {
    const r = this.rng;
    return this.addNoise({
      daySigma: r.uniform(day[0], day[1]),
      dayPhi: r.uniform(0.2, 0.6),
      hourSigma: r.uniform(hour[0], hour[1]),
      hourPhi: r.uniform(0.6, 0.9),
    });
  }

  /** events at `dailySpend` per day on average over a week (before the shape), shaped by the weekly profile */
  addStream(label: string, product: Product, profile: Profile, dailySpend: number, noise: number, shape?: Shape): Stream {
    const perMinute = dailySpend / product.expected / DAY;
    const rate = new Float64Array(this.clock.minutes);
    for (let m = 0; m < rate.length; m++) rate[m] = perMinute * profileAt(profile, this.clock, m) * (shape ? shape(m) : 1);
    return this.addRate(label, product, rate, noise);
  }

  addRate(label: string, product: Product, rate: Float64Array, noise: number): Stream {
    const s: Stream = { label, product, rate, noise };
    this.streams.push(s);
    this.cum = null;
    return s;
  }

  /** a burst of `spend` (expected) spread evenly over [from, from + minutes) */
  addBurst(label: string, product: Product, from: number, minutes: number, spend: number, noise: number): Stream {
    const rate = new Float64Array(this.clock.minutes);
    const per = spend / product.expected / minutes;
    for (let m = Math.max(0, from); m < Math.min(rate.length, from + minutes); m++) rate[m] = per;
    return this.addRate(label, product, rate, noise);
  }

  addFee(minute: number, amount: number, label: string): void {
    this.fees.push({ minute, amount, label });
    this.cum = null;
  }

  /** monthly number rental: `count` numbers billed on the account's billing day, or each on its own anniversary */
  rentals(count: number, price: number): void {
    const r = this.rng;
    const perNumber = r.next() < 0.4 && count <= 40;
    const groups = perNumber ? Array.from({ length: count }, () => 1) : [count];
    const accountDay = r.next() < 0.5 ? 1 : r.int(1, 28);
    for (const g of groups) {
      const dom = perNumber ? r.int(1, 28) : accountDay;
      const utcMin = r.int(0, 6 * 60 - 1) + (perNumber ? r.int(0, 17 * 60) : 0);
      for (let m = 0; m < this.clock.minutes; m++) {
        if (this.clock.utcMinuteOfDay(m) !== utcMin) continue;
        if (new Date((this.clock.start + 60 * m) * 1000).getUTCDate() === dom) {
          this.addFee(m, Math.round(g * price * 100) / 100, `number rental x${g}`);
        }
      }
    }
  }

  expectedCum(): Float64Array {
    if (!this.cum) this.cum = expectedCurve(this.clock, this.streams, this.fees);
    return this.cum;
  }

  /** expected spend over [from, from + days*DAY), extrapolating the last week's pace beyond the horizon */
  expectedSpend(from: number, days: number): number {
    const cum = this.expectedCum();
    const n = cum.length - 1;
    const a = Math.max(0, Math.min(n, Math.round(from)));
    const end = Math.round(from + days * DAY);
    if (end <= n) return cum[end]! - cum[a]!;
    const pace = (cum[n]! - cum[n - 7 * DAY]!) / (7 * DAY);
    return cum[n]! - cum[a]! + pace * (end - n);
  }

  /** average expected spend per day over [from, from + days) */
  daily(from = 0, days = 7): number {
    return this.expectedSpend(from, days) / days;
  }

  /** the starting balance runs out, in expectation, `days` days into the history; null tail keeps the length */
  depleteAt(days: number, tail: [number, number] | null = [0.3, 2.5]): number {
    const T = Math.min(this.simMinutes - 60, Math.round(days * DAY));
    this.balance0 = Math.round(this.expectedCum()[T]! * 10000) / 10000;
    if (tail) this.endAfter(T, tail);
    return T;
  }

  /** the history ends a random tail after minute T (and at most at simMinutes) */
  endAfter(T: number, tail: [number, number]): void {
    this.tailDays = tail;
    this.lengthMinutes = Math.min(this.simMinutes, T + Math.round(this.rng.uniform(tail[0], tail[1]) * DAY));
  }

  scaleStreams(k: number): void {
    for (const s of this.streams) for (let m = 0; m < s.rate.length; m++) s.rate[m] = s.rate[m]! * k;
    this.cum = null;
  }

  /** a starting balance that covers the history, the 4 days after it and `days` more days of the average pace */
  fundFor(days: number): void {
    const end = this.lengthMinutes;
    this.balance0 = Math.round((this.expectedSpend(0, (end + FUTURE) / DAY) + days * this.daily(0, 7)) * 100) / 100;
  }

  someRentals(daily: number, prob = 0.7): void {
    if (this.rng.next() >= prob) return;
    const count = Math.max(1, Math.min(250, Math.round(logUniform(this.rng, 1, Math.max(1.5, daily / 3)))));
    this.rentals(count, this.rng.pick([1, 1.15, 1.15, 2, 1.5, 0.8]));
  }

  /** a human refills after the wallet ran dry */
  refillAfterEmpty(o: Partial<AfterEmptyOpts> & { coverDays: [number, number]; beyondEnd: boolean }): void {
    const r = this.sub('after-empty');
    const cover = r.uniform(o.coverDays[0], o.coverDays[1]);
    this.policies.push(
      afterEmpty(this.clock, r, {
        prob: o.prob ?? 0.75,
        medianH: o.medianH ?? 4,
        sigma: o.sigma ?? 0.8,
        maxH: o.maxH ?? 30,
        repeat: o.repeat ?? false,
        amount:
          o.amount ??
          ((m) => niceAmount(this.expectedSpend(m, (o.beyondEnd ? Math.max(0, (this.simMinutes - m) / DAY) : 0) + cover))),
      }),
    );
  }

  plan(): Plan {
    return {
      clock: this.clock,
      simMinutes: this.simMinutes,
      balance0: this.balance0,
      streams: this.streams,
      noise: this.noise,
      fees: this.fees,
      credits: this.credits,
      policies: this.policies,
      lengthMinutes: Math.max(3 * DAY, Math.min(this.simMinutes, this.lengthMinutes)),
      tailDays: this.tailDays,
      observe: this.observe,
    };
  }
}

export interface KindSpec {
  name: string;
  depletes: boolean;
  /** one line for the README / summary */
  blurb: string;
  build(b: Builder): void;
}
