/**
 * What the daemon knows about one account, and how one poll's outcome changes it. PURE.
 */
import type { UpstreamErrorKind } from '../errors.js';
import type { AlertBook } from './alerts.js';
import { EMPTY_HISTORY, recordSample, shiftHistory, type History } from './history.js';
import { lastSampleT } from './packed.js';

export type PollOutcome =
  | {
      ok: true;
      status: 200 | 402;
      balance: number | null;
      currency: string | null;
      /** The upstream sent a currency that is not a plain code (so `currency` is null): why, for a warning. */
      currencyProblem?: string | null;
      requiredCredits: number | null;
      /** How far below zero the provider lets the balance go (Telnyx's credit_limit); absent = 0. */
      creditLimit?: number | undefined;
      /** The provider's auto-recharge flag, when it reports one. */
      autoRecharge?: boolean | undefined;
      /** A 200 whose body says the balance pays for no call (DeepSeek's is_available: false): exhausted, as a 402. */
      refusesCalls?: true | undefined;
    }
  | { ok: false; kind: UpstreamErrorKind; message: string; retryAfterMs?: number | undefined };

export interface AccountState {
  readonly history: History;
  /** Last balance read (a 402's current_balance included); null before the first. */
  readonly balance: number | null;
  readonly currency: string | null;
  readonly lastPollAt: number | null;
  readonly lastSuccessAt: number | null;
  /** Short reason of the last failed poll, safe to show; null after a success. */
  readonly lastError: { kind: UpstreamErrorKind; message: string } | null;
  /** Polls that ran and failed in a row (skipped polls do not count). */
  readonly consecutiveFailures: number;
  /** Upstream answered 402, or the balance was ≤ 0; cleared by the first 200 with a balance above 0. */
  readonly exhausted: boolean;
  /** Upstream answered 401/403; cleared by the next successful poll. */
  readonly authFailed: boolean;
  /** Epoch ms before which no request may be sent (429 Retry-After); null when free. */
  readonly rateLimitedUntil: number | null;
  /** Alerts firing now, with what was notified when. */
  readonly alerts: AlertBook;
  /**
   * The last reported credit limit: the balance may go down to −creditLimit, the forecast runs to there and
   * the wallet is exhausted there. Absent: 0 (a prepaid wallet). Not persisted: the next poll reports it.
   */
  readonly creditLimit?: number;
  /** The provider's auto-recharge flag as last reported; absent when it reports none. */
  readonly autoRecharge?: boolean;
}

/**
 * How far the balance may still fall: balance + credit limit (null when the balance is unknown); 0 once the
 * upstream refuses calls (a 402): what is left (`current_balance` 0.25 against a 1.50 call, or nothing said)
 * pays for nothing, so the runway is 0, not +Inf ("not burning") at the moment the money ran out.
 */
export function headroom(s: Pick<AccountState, 'balance' | 'creditLimit' | 'exhausted'>): number | null {
  if (s.exhausted) return 0;
  return s.balance === null ? null : s.balance + (s.creditLimit ?? 0);
}

/**
 * A currency code as upstreams send it: ISO 4217 (`USD`), a few longer codes (`USDT`, `CREDITS`). Letters
 * only, so the value is safe in a metric label, a log, a Slack message or an email.
 */
const CURRENCY_CODE = /^[A-Za-z]{1,8}$/;

/** True for a value safe to show as a currency (label, message): a plain code. */
export function isCurrencyCode(value: string | null): value is string {
  return value !== null && CURRENCY_CODE.test(value);
}

/** Two known currency codes that differ (in any letter case): balances in them are not one series. */
export function otherCurrency(was: string | null, is: string | null): boolean {
  return isCurrencyCode(was) && isCurrencyCode(is) && was.toUpperCase() !== is.toUpperCase();
}

export const INITIAL_ACCOUNT_STATE: AccountState = Object.freeze({
  history: EMPTY_HISTORY,
  balance: null,
  currency: null,
  lastPollAt: null,
  lastSuccessAt: null,
  lastError: null,
  consecutiveFailures: 0,
  exhausted: false,
  authFailed: false,
  rateLimitedUntil: null,
  alerts: {},
});

export interface PollApplied {
  state: AccountState;
  /** Credits consumed since the previous sample (for the consumed counter). */
  consumed: number;
  topup: boolean;
  /** Credits of a top-up this reading took back (history.ts REVERSAL): not spend. */
  reversed: number;
  /** A balance was read but not recorded: `now` is not after the last sample (the clock went back). */
  stale: boolean;
}

export function applyPoll(s: AccountState, outcome: PollOutcome, now: number, topupMinCredits: number): PollApplied {
  if (!outcome.ok) {
    return {
      state: {
        ...s,
        lastPollAt: now,
        lastError: { kind: outcome.kind, message: outcome.message },
        consecutiveFailures: s.consecutiveFailures + 1,
        authFailed: outcome.kind === 'auth' ? true : s.authFailed,
        rateLimitedUntil: outcome.kind === 'rate_limited' ? now + (outcome.retryAfterMs ?? 0) : s.rateLimitedUntil,
      },
      consumed: 0,
      topup: false,
      reversed: 0,
      stale: false,
    };
  }
  // Credit limit and auto-recharge flag: as this poll reports them, never carried from an earlier one.
  const { creditLimit: _limit, autoRecharge: _recharge, ...rest } = s;
  const base: AccountState = {
    ...rest,
    lastPollAt: now,
    lastSuccessAt: now,
    lastError: null,
    consecutiveFailures: 0,
    authFailed: false,
    rateLimitedUntil: null,
    // An absent or unreadable currency keeps the last known one (if it is a plain code: a state file written
    // by an older version may hold anything): the balance goes on in the history's series, so a later code
    // is compared with the one the series is in (made unknown, 15000 JPY then 100 USD was 14900 spent). The
    // metric's label reads the body's own (src/poller/readout.ts).
    currency: outcome.currency ?? (isCurrencyCode(s.currency) ? s.currency : null),
    exhausted: outcome.status === 402 || outcome.refusesCalls === true || (outcome.balance !== null && outcome.balance <= -(outcome.creditLimit ?? 0)),
    ...(outcome.creditLimit !== undefined && outcome.creditLimit > 0 ? { creditLimit: outcome.creditLimit } : {}),
    ...(outcome.autoRecharge !== undefined ? { autoRecharge: outcome.autoRecharge } : {}),
  };
  if (outcome.balance === null) return { state: { ...base, balance: null }, consumed: 0, topup: false, reversed: 0, stale: false };
  // Another currency (the account moved to another billing currency, a DeepSeek wallet given its
  // currency key): balances in two units are not one series. Compared, 100 USD then 85 EUR was 15 spent and
  // 150000 JPY a top-up; the history starts again (the counters go on).
  const history = otherCurrency(s.currency, base.currency) ? restartedHistory(s) : s.history;
  const r = recordSample(history, now, outcome.balance, topupMinCredits, s.exhausted);
  const stale = r.history === history;
  return { state: { ...base, balance: outcome.balance, history: r.history }, consumed: r.consumed, topup: r.topup, reversed: r.reversed, stale };
}

/** The history started again (another currency, another balance read): no readings, the counters' totals go on. */
export function restartedHistory(s: AccountState): AccountState['history'] {
  return { ...EMPTY_HISTORY, consumedTotal: s.history.consumedTotal, topupsTotal: s.history.topupsTotal };
}

/**
 * The account's timeline moved by `deltaMs` (negative: earlier) after the wall clock stepped by that much:
 * history, the last poll and success, a Retry-After deadline and each alert's last notification move with
 * it, so intervals stay true. An alert keeps its `startsAt` (and so its id): that is when it was announced
 * to start, as the clock read then.
 */
export function shiftClock(s: AccountState, deltaMs: number): AccountState {
  if (deltaMs === 0) return s;
  const shift = (t: number | null): number | null => (t === null ? null : t + deltaMs);
  const alerts: AlertBook = {};
  for (const [name, a] of Object.entries(s.alerts) as [keyof AlertBook, NonNullable<AlertBook[keyof AlertBook]>][]) {
    alerts[name] = { ...a, lastNotifiedAt: a.lastNotifiedAt + deltaMs };
  }
  return {
    ...s,
    history: shiftHistory(s.history, deltaMs),
    lastPollAt: shift(s.lastPollAt),
    lastSuccessAt: shift(s.lastSuccessAt),
    rateLimitedUntil: shift(s.rateLimitedUntil),
    alerts,
  };
}

/** The latest time the account's state has seen (last sample or poll); null when empty. */
export function latestTime(s: AccountState): number | null {
  const times = [lastSampleT(s.history.samples), s.lastPollAt].filter((t): t is number => t !== undefined && t !== null);
  return times.length === 0 ? null : Math.max(...times);
}

/** True while a 429's Retry-After forbids calling the API. */
export function isRateLimited(s: AccountState, now: number): boolean {
  return s.rateLimitedUntil !== null && now < s.rateLimitedUntil;
}
