/**
 * How one account's state is written: a snapshot now and then, and between snapshots one small journal
 * entry per save with only what changed (the samples appended and dropped, the scalars that moved, the
 * profile parts that were replaced). Loading a snapshot and replaying its journal gives back the very
 * same AccountState.
 *
 * The state in memory is packed (src/domain/packed.ts); what is written stays plain (src/domain/plain.ts):
 * a save diffs the previous packed state against the new one and converts only what changed, and a load
 * packs what it reads. No plain copy of a state is kept.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { AccountState } from '../domain/account.js';
import type { History } from '../domain/history.js';
import { allocate, raw, SAMPLE_STRIDE, type Samples } from '../domain/packed.js';
import { profilePartsFromPlain, profilePartsToPlain, type PlainProfile } from '../domain/plain.js';
import type { WeeklyProfile } from '../domain/profile.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Scalars = Omit<AccountState, 'history'>;
type HistoryScalars = Omit<History, 'samples' | 'profile'>;

/** One save's changes. Keys are short: one of these is written per poll per wallet. */
export interface Delta {
  /** Top-level fields that changed. */
  s?: Partial<Scalars>;
  /** History counters that changed. */
  h?: Partial<HistoryScalars>;
  /** Profile parts that were replaced, in their plain form. */
  p?: Partial<PlainProfile>;
  /** The open hour's fields that changed (same hour as before): most polls change only these. */
  o?: Partial<NonNullable<WeeklyProfile['open']>>;
  /** Samples appended: [t, balance, consumed]. */
  a?: [number, number, number][];
  /** Times of the samples dropped (thinned or aged out). */
  r?: number[];
}

const SCALAR_KEYS = ['balance', 'currency', 'lastPollAt', 'lastSuccessAt', 'lastError', 'consecutiveFailures', 'exhausted', 'authFailed', 'rateLimitedUntil', 'alerts'] as const satisfies readonly (keyof Scalars)[];
const HISTORY_KEYS = ['consumedTotal', 'topupsTotal', 'pendingCredit', 'firstSampleAt', 'refills'] as const satisfies readonly (keyof HistoryScalars)[];
const PROFILE_KEYS = ['rates', 'updates', 'open', 'recent', 'days', 'lastOneOffHour'] as const satisfies readonly (keyof WeeklyProfile)[];

/** Equal as stored: the same reference, the same primitive, or (objects) the same JSON. */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

function changed<T extends object>(prev: T, next: T, keys: readonly (keyof T)[], deep = true): Partial<T> | undefined {
  let out: Partial<T> | undefined;
  for (const k of keys) {
    const differs = deep ? !same(prev[k], next[k]) : prev[k] !== next[k];
    if (differs) (out ??= {} as Partial<T>)[k] = next[k];
  }
  return out;
}

/**
 * What changed from `prev` to `next`. Samples are compared by time (the domain only appends newer ones and
 * drops older ones); a history whose times all moved (a clock step) comes out as a large delta, which the
 * caller writes as a snapshot instead.
 */
export function diff(prev: AccountState, next: AccountState): Delta {
  const d: Delta = {};
  const s = changed<Scalars>(prev, next, SCALAR_KEYS);
  if (s) d.s = s;
  const h = changed<HistoryScalars>(prev.history, next.history, HISTORY_KEYS);
  if (h) d.h = h;
  // The profile's arrays are replaced (never mutated) by the domain: a reference check is enough and cheap.
  const p = changed<WeeklyProfile>(prev.history.profile, next.history.profile, PROFILE_KEYS, false) as Mutable<Partial<WeeklyProfile>> | undefined;
  const [po, no] = [prev.history.profile.open, next.history.profile.open];
  if (p?.open && po && no && po.hour === no.hour) {
    delete p.open;
    const o = changed(po, no, Object.keys(no) as (keyof typeof no)[]);
    if (o && Object.keys(po).every((k) => k in no)) d.o = o;
    else p.open = no; // a field went away: replace the whole
  }
  // At an hour's turn the domain makes every part anew for some wallets without changing them (~3.5 KB each).
  for (const k of ['rates', 'updates', 'recent', 'days'] as const) if (p?.[k] && sameNumbers(prev.history.profile[k], p[k])) delete p[k];
  if (p && Object.keys(p).length > 0) d.p = profilePartsToPlain(p);
  const { added, removed } = sampleChanges(prev.history.samples, next.history.samples);
  if (added.length > 0) d.a = added;
  if (removed.length > 0) d.r = removed;
  return d;
}

/** Packed parts with the same numbers (NaN, a bucket never observed, equal to NaN). */
function sameNumbers(a: unknown, b: unknown): boolean {
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Samples in `next` and not in `prev` ([t, balance, consumed]), and the times of those gone: a walk over both packed series. */
function sampleChanges(prev: Samples, next: Samples): { added: [number, number, number][]; removed: number[] } {
  const removed: number[] = [];
  const added: [number, number, number][] = [];
  if (prev === next) return { added, removed };
  const [a, b] = [raw(prev), raw(next)];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j] && a[i + 1] === b[j + 1] && a[i + 2] === b[j + 2]) {
      i += SAMPLE_STRIDE;
      j += SAMPLE_STRIDE;
    } else if (i < a.length && (j >= b.length || a[i]! <= b[j]!)) {
      removed.push(a[i]!);
      i += SAMPLE_STRIDE;
    } else {
      added.push([b[j]!, b[j + 1]!, b[j + 2]!]);
      j += SAMPLE_STRIDE;
    }
  }
  return { added, removed };
}

/**
 * A new packed series: `base` without the samples whose time is in `gone`, then `added` ([t, balance,
 * consumed], in the order given), sorted by time if the additions are not all newer.
 */
function mergeSamples(base: Samples, gone: ReadonlySet<number>, added: readonly (readonly [number, number, number])[]): Samples {
  const from = raw(base);
  const out = allocate<'samples'>(from.length / SAMPLE_STRIDE + added.length, SAMPLE_STRIDE);
  let k = 0;
  for (let i = 0; i < from.length; i += SAMPLE_STRIDE) {
    if (gone.has(from[i]!)) continue;
    for (let j = 0; j < SAMPLE_STRIDE; j++) out[k + j] = from[i + j]!;
    k += SAMPLE_STRIDE;
  }
  for (const x of added) {
    for (let j = 0; j < SAMPLE_STRIDE; j++) out[k + j] = x[j]!;
    k += SAMPLE_STRIDE;
  }
  out.length = k;
  let sorted = true;
  for (let i = SAMPLE_STRIDE; i < k && sorted; i += SAMPLE_STRIDE) sorted = out[i]! > out[i - SAMPLE_STRIDE]!;
  if (sorted) return out;
  const rows: number[][] = [];
  for (let i = 0; i < k; i += SAMPLE_STRIDE) rows.push(out.slice(i, i + SAMPLE_STRIDE));
  rows.sort((x, y) => x[0]! - y[0]!);
  rows.forEach((r, i) => r.forEach((v, j) => (out[i * SAMPLE_STRIDE + j] = v)));
  return out;
}

/** `state` with `d` applied (the inverse of diff). */
export function apply(state: AccountState, d: Delta): AccountState {
  const next: Mutable<AccountState> = { ...state, ...d.s };
  const history: Mutable<History> = { ...state.history, ...d.h };
  if (d.p || d.o) {
    const profile: Mutable<WeeklyProfile> = { ...state.history.profile, ...(d.p && profilePartsFromPlain(d.p)) };
    if (d.o) profile.open = { ...profile.open!, ...d.o };
    history.profile = profile;
  }
  if (d.a || d.r) history.samples = mergeSamples(state.history.samples, new Set(d.r ?? []), d.a ?? []);
  next.history = history;
  return next;
}

/**
 * Replays many deltas onto one state at once (start-up): the fields are merged and the samples are
 * collected, then one state is built, instead of one copy of the whole state per delta. Gives the same
 * result as apply() delta by delta.
 */
export class Replay {
  readonly #s: Record<string, unknown> = {};
  readonly #h: Record<string, unknown> = {};
  readonly #p: Record<string, unknown> = {};
  #open: WeeklyProfile['open'];
  readonly #gone = new Set<number>();
  readonly #added = new Map<number, [number, number, number]>();
  #count = 0;

  constructor(private readonly base: AccountState) {
    this.#open = base.history.profile.open;
  }

  add(d: Delta): void {
    this.#count++;
    Object.assign(this.#s, d.s);
    Object.assign(this.#h, d.h);
    if (d.p) {
      Object.assign(this.#p, d.p);
      if ('open' in d.p) this.#open = d.p.open!;
    }
    if (d.o) this.#open = { ...this.#open!, ...d.o };
    for (const t of d.r ?? []) {
      this.#added.delete(t);
      this.#gone.add(t);
    }
    for (const [t, balance, consumed] of d.a ?? []) {
      this.#added.delete(t); // a re-added time goes last
      this.#added.set(t, [t, balance, consumed]);
    }
  }

  result(): AccountState {
    if (this.#count === 0) return this.base;
    const samples = this.#gone.size === 0 && this.#added.size === 0 ? this.base.history.samples : mergeSamples(this.base.history.samples, this.#gone, [...this.#added.values()]);
    const profile = { ...this.base.history.profile, ...profilePartsFromPlain(this.#p as Partial<PlainProfile>), open: this.#open };
    const history = { ...this.base.history, ...this.#h, samples, profile } as History;
    return { ...this.base, ...this.#s, history } as AccountState;
  }
}

/** A delta this long (JSON characters) is written as a snapshot instead. */
export const MAX_DELTA_CHARS = 4_096;

/** What a commit writes for a state: its journal entry (JSON text), or its snapshot alone. */
export type Entry = { text: string; blob?: undefined } | { text?: undefined; blob: Buffer };

/**
 * `state`'s journal entry against `base`, or its snapshot when nothing is committed (`base` undefined) or the
 * entry is longer than MAX_DELTA_CHARS. Only what is written is returned: an entry is made at save and held
 * until its commit, and an hour's close makes a ~14 KB one that a snapshot replaces; held for nothing,
 * 10,000 of them at a fleet's hour turn went into V8's old space as garbage.
 */
export function entryOf(base: AccountState | undefined, state: AccountState): Entry {
  const text = base === undefined ? undefined : JSON.stringify(diff(base, state));
  return text === undefined || text.length > MAX_DELTA_CHARS ? { blob: encodeSnapshot(state) } : { text };
}

/**
 * The whole state, compressed: ~30 KiB of JSON in ~4 KiB, so a snapshot fits one database page with no
 * overflow page to write. Samples are stored by column, times as differences (mostly one poll interval):
 * that compresses a quarter better than one object per sample.
 */
export function encodeSnapshot(state: AccountState): Buffer {
  const x = raw(state.history.samples); // t, balance, consumed per sample
  const columns: { t: number[]; b: number[]; c: number[] } = { t: [], b: [], c: [] };
  for (let i = 0, prev = 0; i < x.length; i += SAMPLE_STRIDE) {
    columns.t.push(x[i]! - prev);
    prev = x[i]!;
    columns.b.push(x[i + 1]!);
    columns.c.push(x[i + 2]!);
  }
  const history = { ...state.history, samples: columns, profile: profilePartsToPlain(state.history.profile) };
  // The provider's credit limit and auto-recharge flag are readings of the last poll, not history: the journal
  // does not carry them, so neither does a snapshot (the first poll after a start reports them again).
  const persisted: Record<string, unknown> = { ...state, history };
  delete persisted.creditLimit;
  delete persisted.autoRecharge;
  return deflateRawSync(JSON.stringify(persisted)); // level 6: 2 % larger than 9 and a quarter faster (snapshots of a whole fleet come together when an hour closes)
}

export function decodeSnapshot(blob: Buffer): AccountState {
  const doc = JSON.parse(inflateRawSync(blob).toString('utf8')) as { history?: { samples?: { t: number[]; b: number[]; c: number[] } } };
  const cols = doc?.history?.samples;
  if (!cols || !Array.isArray(cols.t) || cols.b?.length !== cols.t.length || cols.c?.length !== cols.t.length) throw new Error('not an account state');
  const samples = allocate<'samples'>(cols.t.length, SAMPLE_STRIDE);
  for (let i = 0, t = 0; i < cols.t.length; i++) {
    samples[i * SAMPLE_STRIDE] = t += cols.t[i]!;
    samples[i * SAMPLE_STRIDE + 1] = cols.b[i]!;
    samples[i * SAMPLE_STRIDE + 2] = cols.c[i]!;
  }
  // A snapshot written before a history field existed loads it empty (refills: issue 9's auto-refill).
  const history = doc.history as unknown as Omit<History, 'profile'> & { profile: PlainProfile };
  const profile = profilePartsFromPlain(history.profile) as WeeklyProfile;
  return { ...(doc as unknown as AccountState), history: { ...history, refills: history.refills ?? [], samples, profile } };
}
