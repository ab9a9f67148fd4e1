/**
 * The bounded series a wallet keeps (its samples, its closed hours, its daily totals, its 168 weekly
 * buckets and their last updates), packed in flat arrays of doubles, PURE. With 10,000 wallets in one process the representation
 * is the memory bill: an object of double fields costs ~104 bytes of V8 heap (every double field is a
 * boxed HeapNumber) where a packed number costs 8. A series is a record per `stride` numbers, oldest
 * first, read through the accessors below and never written once built (a change builds a new array).
 *
 * The arrays are plain JS arrays of doubles only (V8 stores them unboxed: HOLEY_DOUBLE_ELEMENTS, exactly
 * sized), not Float64Arrays: a Float64Array's numbers live outside the V8 heap in a buffer of their own,
 * and allocating one per poll (the samples) cost the replay ~10 %; an on-heap array costs half as much to
 * build and the same 8 bytes a number. Nothing but a number is ever stored in them (null is NaN), so they
 * never fall back to boxed elements.
 * Null is NaN inside a bucket array; the plain forms (arrays of objects, nulls) are what is saved (plain.ts).
 */

/** One balance reading: epoch ms, balance, and the net credits consumed up to it (see history.ts). */
export interface Sample {
  readonly t: number;
  readonly balance: number;
  readonly consumed: number;
}

/**
 * One closed hour: epoch hour index, credits spent, charges counted, milliseconds observed, and the part
 * of its spend that was a one-off (a single charge above ONE_OFF_FACTOR × a typical hour's spend, like the
 * monthly rental of numbers): spend, but not a rate to extrapolate.
 */
export interface HourTotal {
  readonly hour: number;
  readonly consumed: number;
  readonly charges: number;
  readonly observedMs: number;
  readonly oneOff?: number;
}

/** One UTC day (epoch day index) as the sum of its closed hours. */
export interface DayTotal {
  readonly day: number;
  readonly consumed: number;
  readonly observedMs: number;
}

declare const kind: unique symbol;
/**
 * A packed series of records of kind `K`: an array of doubles not to be written once built, opaque to the
 * type checker so that nothing reads its raw numbers (or counts them as records) but the accessors here.
 */
export interface Packed<K extends string> {
  readonly [kind]: K;
}
/** The numbers behind a series (packed.ts and the code that builds series only). */
export const raw = (p: Packed<string>): readonly number[] => p as unknown as readonly number[];
export type Samples = Packed<'samples'>;
export type Hours = Packed<'hours'>;
export type Days = Packed<'days'>;
/** 168 buckets by hour of week (or none before the first hour closes); NaN is "never observed". */
export type Buckets = Packed<'buckets'>;

const SAMPLE = ['t', 'balance', 'consumed'] as const;
const DAY = ['day', 'consumed', 'observedMs'] as const;

/** NaNs to copy new series from (HOLEY_DOUBLE_ELEMENTS, as `new Array(n).fill(NaN)` builds): never written. */
const NANS: readonly number[] = new Array<number>(2048).fill(NaN);

/**
 * A new, writable array for `records` records of `stride` numbers, filled with NaN (a double: the array
 * holds unboxed doubles from the start, sized exactly): the only place series are built. Up to 2,048
 * numbers it is a slice of NANS, one copy of its doubles: `new Array(n).fill(NaN)` first built an array of
 * small integers and then converted it to doubles, and cost the replay of a 14-day history 3–5 × more
 * (every sample appended, every hour closed builds one).
 */
export const allocate = <K extends string>(records: number, stride: number): number[] & Packed<K> => {
  const n = records * stride;
  return (n <= NANS.length ? NANS.slice(0, n) : new Array<number>(n).fill(NaN)) as number[] & Packed<K>;
};
/** Numbers in a series (records × stride). */
export const size = (p: Packed<string>): number => raw(p).length;

function pack<K extends string, R>(rows: readonly R[], fields: readonly (keyof R & string)[]): Packed<K> {
  const out = allocate<K>(rows.length, fields.length);
  rows.forEach((r, i) => fields.forEach((f, j) => (out[i * fields.length + j] = (r[f] as number | undefined) ?? 0)));
  return out;
}

function unpack<R>(p: Packed<string>, fields: readonly (keyof R & string)[]): R[] {
  const out: R[] = [];
  const x = raw(p);
  for (let i = 0; i < x.length; i += fields.length) {
    const r: Record<string, number> = {};
    fields.forEach((f, j) => (r[f] = x[i + j]!));
    out.push(r as R);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- samples

export const SAMPLE_STRIDE = SAMPLE.length;
export const EMPTY_SAMPLES: Samples = allocate(0, SAMPLE_STRIDE);
export const sampleCount = (s: Samples): number => raw(s).length / 3;
export const sampleT = (s: Samples, i: number): number => raw(s)[i * 3]!;
export const sampleBalance = (s: Samples, i: number): number => raw(s)[i * 3 + 1]!;
export const sampleConsumed = (s: Samples, i: number): number => raw(s)[i * 3 + 2]!;
/** The sample at `i` (negative: from the end, as Array.prototype.at) as an object; undefined out of range. */
export function sampleAt(s: Samples, i: number): Sample | undefined {
  const n = sampleCount(s);
  const k = i < 0 ? n + i : i;
  return k >= 0 && k < n ? { t: sampleT(s, k), balance: sampleBalance(s, k), consumed: sampleConsumed(s, k) } : undefined;
}
/** Time of the newest sample; undefined when there is none. */
export const lastSampleT = (s: Samples): number | undefined => (size(s) === 0 ? undefined : sampleT(s, sampleCount(s) - 1));
export const samplesFromPlain = (xs: readonly Sample[]): Samples => pack(xs, SAMPLE);
export const samplesToPlain = (s: Samples): Sample[] => unpack<Sample>(s, SAMPLE);

// ---------------------------------------------------------------------------------------------- hours

/**
 * A closed hour packed in 3 numbers (10,000 wallets × 168 hours: 26 MiB less than 5): the hour index and
 * its charges share one double (hour + charges × 2^21: both integers, exact below 2^53; an hour index
 * stays under 2^21 until the year 2209, and charges — at most one per reading — under 2^32), then the
 * regular spend (credits spent less the one-off part: all any reader needs, so the two are not kept
 * apart), then milliseconds observed. The plain form keeps the HourTotal fields, with the one-off part
 * already taken out of `consumed` (oneOff 0).
 */
export const HOUR_STRIDE = 3;
const CHARGES_UNIT = 2 ** 21;
/**
 * The times a history can hold, epoch ms: [0, HISTORY_END_MS), its hour indices from 0 to 2^21 − 1
 * (1970-01-01 to 2209-03-30T07:59:59.999Z). A sample outside it gives wrong hours, and wrong rates: only a
 * replayed history can (backtest refuses one).
 */
export const HISTORY_END_MS = CHARGES_UNIT * 3_600_000;
const MAX_CHARGES = 2 ** 32 - 1;
export const EMPTY_HOURS: Hours = allocate(0, HOUR_STRIDE);
export const hourCount = (h: Hours): number => raw(h).length / HOUR_STRIDE;
/** Epoch hour index of the packed hour-and-charges number. */
export const hourOf = (packed: number): number => packed % CHARGES_UNIT;
/** Epoch hour index of the i-th closed hour. */
export const hourIndex = (h: Hours, i: number): number => hourOf(raw(h)[i * HOUR_STRIDE]!);
/** Charges of the packed hour-and-charges number. */
export const chargesOf = (packed: number): number => Math.floor(packed / CHARGES_UNIT);
export const hourCharges = (h: Hours, i: number): number => chargesOf(raw(h)[i * HOUR_STRIDE]!);
/** Credits spent in the i-th closed hour less its one-off part: what rates are read from. */
export const hourRegular = (h: Hours, i: number): number => raw(h)[i * HOUR_STRIDE + 1]!;
export const hourObservedMs = (h: Hours, i: number): number => raw(h)[i * HOUR_STRIDE + 2]!;

/** Writes `r` as the record at `at` (numbers from `at`). A count of charges that is not a whole number in range is clamped into it. */
function putHour(out: number[], at: number, r: HourTotal): void {
  const charges = Math.min(MAX_CHARGES, Math.max(0, Math.round(r.charges || 0)));
  out[at] = r.hour + charges * CHARGES_UNIT;
  out[at + 1] = r.consumed - (r.oneOff ?? 0);
  out[at + 2] = r.observedMs;
}

export function hoursFromPlain(xs: readonly HourTotal[]): Hours {
  const out = allocate<'hours'>(xs.length, HOUR_STRIDE);
  xs.forEach((r, i) => putHour(out, i * HOUR_STRIDE, r));
  return out;
}
export const hoursToPlain = (h: Hours): Required<HourTotal>[] =>
  Array.from({ length: hourCount(h) }, (_, i) => ({ hour: hourIndex(h, i), consumed: hourRegular(h, i), charges: hourCharges(h, i), observedMs: hourObservedMs(h, i), oneOff: 0 }));

/** The closed hours with `keep(hour index)`, then `add` appended: a new array. */
export function hoursWith(h: Hours, keep: (hour: number) => boolean, add: HourTotal): Hours {
  return filterAppend(h, HOUR_STRIDE, (i) => keep(hourIndex(h, i)), (out, at) => putHour(out, at, add));
}

// ---------------------------------------------------------------------------------------------- days

export const DAY_STRIDE = DAY.length;
export const EMPTY_DAYS: Days = allocate(0, DAY_STRIDE);
export const dayCount = (d: Days): number => raw(d).length / 3;
export const dayIndex = (d: Days, i: number): number => raw(d)[i * 3]!;
export const dayConsumed = (d: Days, i: number): number => raw(d)[i * 3 + 1]!;
export const dayObservedMs = (d: Days, i: number): number => raw(d)[i * 3 + 2]!;
export const daysFromPlain = (xs: readonly DayTotal[]): Days => pack(xs, DAY);
export const daysToPlain = (d: Days): DayTotal[] => unpack<DayTotal>(d, DAY);

/** The days with `keep(day index, position)`, then `add` appended: a new array. */
export function daysWith(d: Days, keep: (day: number, i: number) => boolean, add: DayTotal): Days {
  return filterAppend(d, DAY_STRIDE, (i) => keep(dayIndex(d, i), i), (out, at) => DAY.forEach((f, j) => (out[at + j] = (add[f] as number | undefined) ?? 0)));
}

/** The records of `p` with `keep(record index)`, then one more written by `put(out, at)` (from number `at`): a new array. */
function filterAppend<K extends string>(p: Packed<K>, stride: number, keep: (i: number) => boolean, put: (out: number[], at: number) => void): Packed<K> {
  const x = raw(p);
  const n = x.length / stride;
  let kept = 0;
  for (let i = 0; i < n; i++) if (keep(i)) kept++;
  const out = allocate<K>(kept + 1, stride);
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (!keep(i)) continue;
    for (let j = 0; j < stride; j++) out[k++] = x[i * stride + j]!;
  }
  put(out, k);
  return out;
}

// ---------------------------------------------------------------------------------------------- updates

/**
 * The latest updates of the weekly buckets, oldest first: the epoch hour that was learnt into its bucket
 * and the bucket's value before (NaN: never observed before).
 */
export type Updates = Packed<'updates'>;
export const UPDATE_STRIDE = 2;
export const EMPTY_UPDATES: Updates = allocate(0, UPDATE_STRIDE);
export const updateCount = (u: Updates): number => raw(u).length / UPDATE_STRIDE;
export const updateHour = (u: Updates, i: number): number => raw(u)[i * UPDATE_STRIDE]!;
/** The bucket's value before the update; null where it had never been observed. */
export const updatePrior = (u: Updates, i: number): number | null => {
  const v = raw(u)[i * UPDATE_STRIDE + 1]!;
  return Number.isNaN(v) ? null : v;
};

/** The last `keep` updates after appending (hour, prior): a new array. */
export function updatesWith(u: Updates, hour: number, prior: number | null, keep: number): Updates {
  const from = raw(u);
  const start = Math.max(0, from.length - (keep - 1) * UPDATE_STRIDE);
  const out = allocate<'updates'>((from.length - start) / UPDATE_STRIDE + 1, UPDATE_STRIDE);
  for (let i = start; i < from.length; i++) out[i - start] = from[i]!;
  out[from.length - start] = hour;
  out[from.length - start + 1] = prior ?? NaN;
  return out;
}
export const updatesFromPlain = (xs: readonly (readonly [number, number | null])[]): Updates => {
  const out = allocate<'updates'>(xs.length, UPDATE_STRIDE);
  xs.forEach(([hour, prior], i) => ((out[i * UPDATE_STRIDE] = hour), (out[i * UPDATE_STRIDE + 1] = prior ?? NaN)));
  return out;
};
export const updatesToPlain = (u: Updates): [number, number | null][] =>
  Array.from({ length: updateCount(u) }, (_, i) => [updateHour(u, i), updatePrior(u, i)] as [number, number | null]);

// ---------------------------------------------------------------------------------------------- buckets

export const EMPTY_BUCKETS: Buckets = allocate(0, 1);
export const bucketCount = (b: Buckets): number => size(b);
/** Bucket `i`: null where never observed (or out of range, as an array reads undefined). */
export const bucket = (b: Buckets, i: number): number | null => {
  const v = raw(b)[i];
  return v === undefined || Number.isNaN(v) ? null : v;
};
export const bucketsFromPlain = (xs: readonly (number | null)[]): Buckets => {
  const out = allocate<'buckets'>(xs.length, 1);
  xs.forEach((x, i) => (out[i] = x ?? NaN));
  return out;
};
export const bucketsToPlain = (b: Buckets): (number | null)[] => Array.from(raw(b), (v) => (Number.isNaN(v) ? null : v));
