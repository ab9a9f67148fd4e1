/** The `/api/status` document (and `check`'s output): plain JSON, never a secret, no Infinity or NaN. */
import type { AccountState } from './domain/account.js';
import type { AlertBook } from './domain/alerts.js';
import { forecastBasis } from './domain/evaluate.js';
import { type Forecast } from './domain/forecast.js';
import { BURN_WINDOW_NAMES } from './domain/rates.js';
import { depletionAt, forecastJson } from './domain/messages.js';
import { sampleCount } from './domain/packed.js';
import { roundShown } from './domain/round.js';
import type { AlertName, Conditions, Severity } from './domain/rules.js';

export interface AlertStatus {
  alertname: AlertName;
  severity: Severity;
  id?: string;
  starts_at?: string;
  /** When a notification of this alert was last accepted by a target; null if none ever was. */
  last_notified_at?: string | null;
  /** When the lifecycle last decided to notify (start, escalation, repeat): what the repeat interval counts from. */
  last_decided_at?: string;
  /** Deliveries of this alert not yet accepted by their target. */
  notifications_owed?: number;
}

/** What the delivery side knows about an alert's notifications. */
export interface DeliveryView {
  lastDeliveredAt(alertId: string): number | undefined;
  owedFor(alertId: string): number;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
/** A figure as both JSON answers give it: four decimals, a small one four significant digits (a burn of 0.0001/h is not 0). */
export const finiteOrNull = (n: number): number | null => (Number.isFinite(n) ? roundShown(n) : null);

/**
 * The upstream answered the last poll, whichever process made it: a restart does not read as "API down"
 * until its first poll. (The `telephony_api_up` gauge counts this process's polls only.)
 */
export const apiUp = (s: AccountState): boolean => s.lastPollAt !== null && s.lastError === null;

export function accountStatus(account: string, s: AccountState, f: Forecast, alerts: readonly AlertStatus[], now: number) {
  const burn: Record<string, number | null> = {};
  for (const w of BURN_WINDOW_NAMES) burn[w] = finiteOrNull(f.rates[w]);
  const runway = finiteOrNull(f.runwaySeconds);
  const runwayLow = finiteOrNull(f.runwayLowSeconds);
  return {
    account,
    balance: s.balance,
    currency: s.currency,
    api_up: apiUp(s),
    last_poll_at: iso(s.lastPollAt),
    last_success_at: iso(s.lastSuccessAt),
    last_error: s.lastError,
    consecutive_failures: s.consecutiveFailures,
    rate_limited_until: s.rateLimitedUntil !== null && s.rateLimitedUntil > now ? iso(s.rateLimitedUntil) : null,
    exhausted: s.exhausted,
    /** How far below zero the provider lets the balance go (the forecast's floor is minus this); null: 0. */
    credit_limit: s.creditLimit ?? null,
    /** The provider's auto-recharge flag; null when it reports none. */
    auto_recharge: s.autoRecharge ?? null,
    /** Auto-recharge is on, yet the balance fell into a low-balance, depletion or exhausted alert. */
    auto_recharge_failing: autoRechargeFailing(s, alerts.map((a) => a.alertname)),
    burn_rate_per_hour: burn,
    runway_seconds: runway,
    runway_low_seconds: runwayLow,
    runway_high_seconds: finiteOrNull(f.runwayHighSeconds),
    forecast_confidence: f.confidence,
    forecast_method: f.method,
    /** What the forecast rests on: the same object every notification carries. */
    forecast: forecastJson(forecastBasis(f)),
    /** Predicted depletion time (central), and the earliest the band allows: from the poll the forecast was made at. */
    depletion_at: depletionOf(s, f.runwaySeconds, now),
    depletion_at_earliest: depletionOf(s, f.runwayLowSeconds, now),
    spend_last_3h: f.recentSpend === null ? null : roundShown(f.recentSpend),
    expected_spend_last_3h: f.expectedRecentSpend === null ? null : roundShown(f.expectedRecentSpend),
    consumed_credits_total: roundShown(s.history.consumedTotal),
    topups_total: s.history.topupsTotal,
    samples: sampleCount(s.history.samples),
    alerts,
  };
}

export type AccountStatus = ReturnType<typeof accountStatus>;

/**
 * When the money runs out at `runwaySeconds` (the forecast's, unrounded: rounded apart, /api/status and
 * /api/wallets differed by a millisecond), counted from the poll the forecast was made at; for a wallet
 * already empty, when it went empty (its wallet_exhausted alert's start), not the last poll.
 */
export function depletionOf(s: AccountState, runwaySeconds: number, now: number): string | null {
  if (s.exhausted) return iso(s.alerts.wallet_exhausted?.startsAt ?? null);
  return depletionAt(forecastTime(s, now), runwaySeconds);
}

/**
 * Whether the wallet was read enough to tell if it spends: a forecast, or 3 readings over 10 s within the last
 * day (the forecast's own least evidence: `fewReadings` when not). With no runway, a wallet so read is not
 * burning; one not read enough (never, a first poll, polls failing for over a day) has no runway known. The
 * forecast calls both `none`. An empty wallet's runway is known: 0 (a 402 may come without a balance).
 */
export function runwayKnown(s: AccountState, f: Forecast): boolean {
  return s.exhausted || (s.balance !== null && (f.method !== 'none' || f.fewReadings !== true));
}

/**
 * When the wallet's forecast was made: at its last poll (the daemon shows the forecast of the last poll, not
 * one made per request), else now. Added to the request's time instead, the runway of an hourly poll moved
 * the depletion time an hour later between two polls.
 */
export const forecastTime = (s: Pick<AccountState, 'lastPollAt'>, now: number): number => (s.lastPollAt !== null && s.lastPollAt <= now ? s.lastPollAt : now);

/**
 * Auto-recharge on, and the wallet empty all the same: the recharge is not happening. Only then: the level
 * at which the provider recharges is set in its console and not reported, so a balance under our
 * low_balance_threshold (or a forecast) may simply not have reached it yet, and "failing" there was a guess.
 */
export function autoRechargeFailing(s: Pick<AccountState, 'autoRecharge'>, firing: readonly string[]): boolean {
  return s.autoRecharge === true && firing.includes('wallet_exhausted');
}

/** Accounts written between two turns of the event loop (about 0.2 MB of JSON). */
export const STATUS_ACCOUNTS_PER_PART = 100;
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The `/api/status` document, byte for byte what `JSON.stringify({ ...head, accounts, ...tail }, null, 2)`
 * writes, in parts of STATUS_ACCOUNTS_PER_PART accounts with a turn of the event loop between them. Built
 * in one go at 10,000 wallets (20 MB, 0.6 s) it held /healthz and every poll for that long, and four
 * requests at once made a liveness probe wait past its 2 s. Each account is read when its part is made.
 */
export async function* statusDocument<T>(
  head: Record<string, unknown>,
  accounts: readonly T[],
  statusOf: (account: T) => unknown,
  tail: () => Record<string, unknown>,
): AsyncGenerator<string> {
  const open = JSON.stringify(head, null, 2).slice(0, -2); // '{\n  "version": …' without its '\n}'; '{}' leaves ''
  yield `${open === '' ? '{' : `${open},`}\n  "accounts": [`;
  let part = '';
  for (let i = 0; i < accounts.length; i++) {
    part += `${i === 0 ? '\n' : ',\n'}    ${JSON.stringify(statusOf(accounts[i]!), null, 2).replace(/\n/g, '\n    ')}`;
    if ((i + 1) % STATUS_ACCOUNTS_PER_PART === 0) {
      yield part;
      part = '';
      await turn();
    }
  }
  const close = JSON.stringify(tail(), null, 2).slice(1); // '\n  "notifications_owed": 0\n}' without its '{'; '{}' leaves '}'
  yield `${part}${accounts.length > 0 ? '\n  ' : ''}]${close === '}' ? '\n}' : `,${close}`}\n`;
}

/** Alert list for a status page when no lifecycle state is at hand (check). */
export function conditionsAsAlerts(c: Conditions): AlertStatus[] {
  return (Object.entries(c) as [AlertName, Severity][]).map(([alertname, severity]) => ({ alertname, severity }));
}

/** The firing alerts of a lifecycle book, for the status page: decided and delivered are told apart. */
export function alertsOf(book: AlertBook, delivery: DeliveryView): AlertStatus[] {
  return Object.values(book).map((a) => ({
    alertname: a.alertname,
    severity: a.severity,
    id: a.id,
    starts_at: new Date(a.startsAt).toISOString(),
    last_notified_at: iso(delivery.lastDeliveredAt(a.id) ?? null),
    last_decided_at: new Date(a.lastNotifiedAt).toISOString(),
    notifications_owed: delivery.owedFor(a.id),
  }));
}
