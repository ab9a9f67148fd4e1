/**
 * How one account's state is written: a snapshot now and then, and between snapshots one small journal
 * entry per save with only what changed (the samples appended and dropped, the scalars that moved, the
 * profile parts that were replaced). Loading a snapshot and replaying its journal gives back the very
 * same AccountState.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { AccountState } from '../domain/account.js';
import type { History, Sample } from '../domain/history.js';
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
  /** Profile parts that were replaced. */
  p?: Partial<WeeklyProfile>;
  /** The open hour's fields that changed (same hour as before): most polls change only these. */
  o?: Partial<NonNullable<WeeklyProfile['open']>>;
  /** Samples appended: [t, balance, consumed]. */
  a?: [number, number, number][];
  /** Times of the samples dropped (thinned or aged out). */
  r?: number[];
}

const SCALAR_KEYS = ['balance', 'currency', 'lastPollAt', 'lastSuccessAt', 'lastError', 'consecutiveFailures', 'exhausted', 'authFailed', 'rateLimitedUntil', 'alerts'] as const satisfies readonly (keyof Scalars)[];
const HISTORY_KEYS = ['consumedTotal', 'topupsTotal', 'pendingCredit', 'firstSampleAt', 'refills'] as const satisfies readonly (keyof HistoryScalars)[];
const PROFILE_KEYS = ['rates', 'prior', 'updatedHour', 'open', 'recent', 'days'] as const satisfies readonly (keyof WeeklyProfile)[];

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
  if (p && Object.keys(p).length > 0) d.p = p;
  const { added, removed } = sampleChanges(prev.history.samples, next.history.samples);
  if (added.length > 0) d.a = added.map((x) => [x.t, x.balance, x.consumed]);
  if (removed.length > 0) d.r = removed;
  return d;
}

function sampleChanges(prev: readonly Sample[], next: readonly Sample[]): { added: Sample[]; removed: number[] } {
  const removed: number[] = [];
  const added: Sample[] = [];
  let i = 0;
  let j = 0;
  while (i < prev.length || j < next.length) {
    const a = prev[i];
    const b = next[j];
    if (a && b && a.t === b.t && a.balance === b.balance && a.consumed === b.consumed) {
      i++;
      j++;
    } else if (a && (!b || a.t <= b.t)) {
      removed.push(a.t);
      i++;
    } else {
      added.push(b!);
      j++;
    }
  }
  return { added, removed };
}

/** `state` with `d` applied (the inverse of diff). */
export function apply(state: AccountState, d: Delta): AccountState {
  const next: Mutable<AccountState> = { ...state, ...d.s };
  const history: Mutable<History> = { ...state.history, ...d.h };
  if (d.p || d.o) {
    const profile: Mutable<WeeklyProfile> = { ...state.history.profile, ...d.p };
    if (d.o) profile.open = { ...profile.open!, ...d.o };
    history.profile = profile;
  }
  if (d.a || d.r) {
    const gone = new Set(d.r ?? []);
    const kept = gone.size === 0 ? [...state.history.samples] : state.history.samples.filter((x) => !gone.has(x.t));
    const last = kept.at(-1)?.t ?? -Infinity;
    for (const [t, balance, consumed] of d.a ?? []) kept.push({ t, balance, consumed });
    if (d.a && d.a[0]![0] <= last) kept.sort((x, y) => x.t - y.t);
    history.samples = kept;
  }
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
  readonly #added = new Map<number, Sample>();
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
      this.#added.set(t, { t, balance, consumed });
    }
  }

  result(): AccountState {
    if (this.#count === 0) return this.base;
    const samples = this.base.history.samples.filter((x) => !this.#gone.has(x.t));
    for (const x of this.#added.values()) samples.push(x);
    if (samples.some((x, i) => i > 0 && x.t <= samples[i - 1]!.t)) samples.sort((x, y) => x.t - y.t);
    const profile = { ...this.base.history.profile, ...this.#p, open: this.#open };
    const history = { ...this.base.history, ...this.#h, samples, profile } as History;
    return { ...this.base, ...this.#s, history } as AccountState;
  }
}

/** A delta this long (JSON characters) is written as a snapshot instead. */
export const MAX_DELTA_CHARS = 4_096;

/**
 * The whole state, compressed: ~30 KiB of JSON in ~4 KiB, so a snapshot fits one database page with no
 * overflow page to write. Samples are stored by column, times as differences (mostly one poll interval):
 * that compresses a quarter better than one object per sample.
 */
export function encodeSnapshot(state: AccountState): Buffer {
  const samples = state.history.samples;
  let prev = 0;
  const columns = {
    t: samples.map((x) => {
      const d = x.t - prev;
      prev = x.t;
      return d;
    }),
    b: samples.map((x) => x.balance),
    c: samples.map((x) => x.consumed),
  };
  return deflateRawSync(JSON.stringify({ ...state, history: { ...state.history, samples: columns } }), { level: 9 });
}

export function decodeSnapshot(blob: Buffer): AccountState {
  const raw = JSON.parse(inflateRawSync(blob).toString('utf8')) as { history?: { samples?: { t: number[]; b: number[]; c: number[] } } };
  const cols = raw?.history?.samples;
  if (!cols || !Array.isArray(cols.t) || cols.b?.length !== cols.t.length || cols.c?.length !== cols.t.length) throw new Error('not an account state');
  let t = 0;
  const samples: Sample[] = cols.t.map((d, i) => ({ t: (t += d), balance: cols.b[i]!, consumed: cols.c[i]! }));
  // A snapshot written before a history field existed loads it empty (refills: issue 9's auto-refill).
  const history = raw.history as unknown as History;
  return { ...(raw as unknown as AccountState), history: { ...history, refills: history.refills ?? [], samples } };
}
