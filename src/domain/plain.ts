/**
 * The saved form of an account's state, PURE: the packed series of packed.ts as plain arrays of objects
 * (and null for a bucket never observed), exactly the JSON the state files have always held. The store
 * validates this form, then turns it into the state the daemon works on; saving goes the other way.
 */
import type { AccountState } from './account.js';
import type { History, Sample } from './history.js';
import {
  bucketsFromPlain,
  bucketsToPlain,
  daysFromPlain,
  daysToPlain,
  hoursFromPlain,
  hoursToPlain,
  samplesFromPlain,
  samplesToPlain,
  updatesFromPlain,
  updatesToPlain,
  type DayTotal,
  type HourTotal,
} from './packed.js';
import { UPDATES_KEPT, type WeeklyProfile } from './profile.js';

export interface PlainProfile extends Omit<WeeklyProfile, 'rates' | 'updates' | 'recent' | 'days'> {
  readonly rates: readonly (number | null)[];
  /** [epoch hour learnt, the bucket's value before] of the last updates, oldest first. */
  readonly updates?: readonly (readonly [number, number | null])[];
  /**
   * Read only, from states saved before `updates` (0.1 files, older snapshots and journal entries): each
   * bucket's value before its latest update and the epoch hour of that update, 168 of each.
   */
  readonly prior?: readonly (number | null)[];
  readonly updatedHour?: readonly (number | null)[];
  readonly recent: readonly HourTotal[];
  readonly days: readonly DayTotal[];
}

export interface PlainHistory extends Omit<History, 'samples' | 'profile'> {
  readonly samples: readonly Sample[];
  readonly profile: PlainProfile;
}

export interface PlainAccountState extends Omit<AccountState, 'history'> {
  readonly history: PlainHistory;
}

/** The given parts of a profile in their plain form (a journal entry holds only the parts that changed). */
export function profilePartsToPlain(p: Partial<WeeklyProfile>): Partial<PlainProfile> {
  const out: Record<string, unknown> = { ...p };
  if (p.rates) out.rates = bucketsToPlain(p.rates);
  if (p.updates) out.updates = updatesToPlain(p.updates);
  if (p.recent) out.recent = hoursToPlain(p.recent);
  if (p.days) out.days = daysToPlain(p.days);
  return out as Partial<PlainProfile>;
}

/** The given plain parts of a profile, packed (the inverse of profilePartsToPlain). */
export function profilePartsFromPlain(p: Partial<PlainProfile>): Partial<WeeklyProfile> {
  const out: Record<string, unknown> = { ...p };
  if (p.rates) out.rates = bucketsFromPlain(p.rates);
  delete out.prior;
  delete out.updatedHour;
  if (p.updates) out.updates = updatesFromPlain(p.updates);
  else if (p.prior && p.updatedHour) out.updates = updatesFromPlain(legacyUpdates(p.prior, p.updatedHour));
  if (p.recent) out.recent = hoursFromPlain(p.recent);
  if (p.days) out.days = daysFromPlain(p.days);
  return out as Partial<WeeklyProfile>;
}

/** The last UPDATES_KEPT updates read from the 168 (value before, hour of update) pairs of older states. */
function legacyUpdates(prior: readonly (number | null)[], updatedHour: readonly (number | null)[]): [number, number | null][] {
  const all: [number, number | null][] = [];
  updatedHour.forEach((hour, h) => hour !== null && all.push([hour, prior[h] ?? null]));
  return all.sort((a, b) => a[0] - b[0]).slice(-UPDATES_KEPT);
}

export const profileToPlain = (p: WeeklyProfile): PlainProfile => profilePartsToPlain(p) as PlainProfile;
export const profileFromPlain = (p: PlainProfile): WeeklyProfile => profilePartsFromPlain(p) as WeeklyProfile;

export function historyToPlain(h: History): PlainHistory {
  return { ...h, samples: samplesToPlain(h.samples), profile: profileToPlain(h.profile) };
}

export function historyFromPlain(h: PlainHistory): History {
  return { ...h, samples: samplesFromPlain(h.samples), profile: profileFromPlain(h.profile) };
}

export function accountStateToPlain(s: AccountState): PlainAccountState {
  return { ...s, history: historyToPlain(s.history) };
}

export function accountStateFromPlain(s: PlainAccountState): AccountState {
  return { ...s, history: historyFromPlain(s.history) };
}
