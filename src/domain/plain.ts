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
  type DayTotal,
  type HourTotal,
} from './packed.js';
import type { WeeklyProfile } from './profile.js';

export interface PlainProfile extends Omit<WeeklyProfile, 'rates' | 'prior' | 'updatedHour' | 'recent' | 'days'> {
  readonly rates: readonly (number | null)[];
  readonly prior: readonly (number | null)[];
  readonly updatedHour: readonly (number | null)[];
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

export function profileToPlain(p: WeeklyProfile): PlainProfile {
  return {
    ...p,
    rates: bucketsToPlain(p.rates),
    prior: bucketsToPlain(p.prior),
    updatedHour: bucketsToPlain(p.updatedHour),
    recent: hoursToPlain(p.recent),
    days: daysToPlain(p.days),
  };
}

export function profileFromPlain(p: PlainProfile): WeeklyProfile {
  return {
    ...p,
    rates: bucketsFromPlain(p.rates),
    prior: bucketsFromPlain(p.prior),
    updatedHour: bucketsFromPlain(p.updatedHour),
    recent: hoursFromPlain(p.recent),
    days: daysFromPlain(p.days),
  };
}

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
