/**
 * The alert lifecycle, PURE: one explicit state machine per alert instance, stepped with the time passed
 * in, so the daemon and `backtest` decide exactly alike.
 *
 *   (quiet) ──condition──▶ FIRING ──condition gone──▶ (quiet)      notify: start, resolve
 *              FIRING ──warning→critical──▶ FIRING                  notify: escalation
 *              FIRING ──critical→warning──▶ FIRING                  silent (de-escalation)
 *              FIRING ──repeat interval passed──▶ FIRING            notify: repeat (current severity)
 */
import type { Confidence, ForecastMethod } from './forecast.js';
import type { AlertName, Conditions, Severity } from './rules.js';
import { ALERT_NAMES } from './rules.js';

export interface AlertInstance {
  /** Stable for the instance's whole life: start, escalation, repeats and resolve share it. */
  readonly id: string;
  readonly alertname: AlertName;
  readonly severity: Severity;
  readonly startsAt: number;
  readonly lastNotifiedAt: number;
}

/** What is firing now, by alert name. */
export type AlertBook = Partial<Record<AlertName, AlertInstance>>;

/** `unwatched`: resolved because the wallet is no longer watched (removed from the wallets file), not because it recovered. */
export type NotificationReason = 'start' | 'escalation' | 'repeat' | 'resolve' | 'unwatched';

/** Facts about the wallet when the decision was taken; null when unknown. */
export interface WalletSnapshot {
  readonly balance: number | null;
  readonly currency: string | null;
  readonly burnRatePerHour: number | null;
  readonly runwaySeconds: number | null;
  /** What the forecast rested on when the decision was taken (absent in outbox entries written before it existed). */
  readonly forecast?: ForecastBasis | null;
  /** The provider's auto-recharge flag, when it reports one. */
  readonly autoRecharge?: boolean;
  /** How far below zero the provider lets the balance go (the runway runs to minus this), when it reports one. */
  readonly creditLimit?: number;
  /** spend_anomaly's comparison: the spend of its window (`hours`) and what the usage pattern expected of it; absent when unknown. */
  readonly spend?: { readonly recent: number; readonly expected: number; readonly hours: number };
}

/** The forecast's basis, as every notification and /api/status tell it (issue 9). */
export interface ForecastBasis {
  readonly method: ForecastMethod;
  readonly confidence: Confidence;
  /** The band around the central runway (seconds); null while not burning. */
  readonly runwayLowSeconds: number | null;
  readonly runwayHighSeconds: number | null;
  /** depletion_forecast's decision leans to the cautious end of the evidence (thin evidence): all or part of the way (`basis` says how far). */
  readonly cautious: boolean;
  /** One or two sentences: method, evidence, band, how the alert decides (and why the cautious end). */
  readonly basis: string;
}

export interface Notification {
  readonly id: string;
  readonly account: string;
  readonly alertname: AlertName | 'test';
  readonly severity: Severity;
  readonly status: 'firing' | 'resolved';
  readonly reason: NotificationReason | 'test';
  readonly startsAt: number;
  /** When the decision was taken (simulated time in backtest). */
  readonly decidedAt: number;
  readonly wallet: WalletSnapshot;
  /** The provider's words for summaries and the action line; absent: Telephony.io's. */
  readonly preset?: PresetWords;
  /** The wallet's `labels` from WALLETS_FILE (issue 11: they travel to every channel); absent = none. */
  readonly labels?: Readonly<Record<string, string>>;
  /** The wallet's provider preset; absent in outbox entries written before issue 11 (= telephony-io). */
  readonly provider?: string;
}

/** What a notification says of the provider (src/providers): `Twilio`, `Top up in the Twilio Console…`. */
export interface PresetWords {
  readonly name: string;
  readonly title: string;
  readonly topUp: string;
  readonly credentials: readonly string[];
  /** See Preset.suspends: why the provider suspends an account, whose credentials it then refuses. */
  readonly suspends?: string;
}

export interface RepeatPolicy {
  readonly repeatIntervalMs: number;
  /** Repeat faster as the money runs out: never wait longer than this fraction of the runway (0 = off). */
  readonly runwayFraction: number;
  /** The shortest repeat interval the runway rule may bring. */
  readonly minRepeatIntervalMs: number;
}

const SEVERITY_RANK: Record<Severity, number> = { warning: 1, critical: 2 };

/** How long to wait before repeating a still-firing alert, given the runway (seconds). */
export function repeatInterval(policy: RepeatPolicy, runwaySeconds: number | null): number {
  if (policy.runwayFraction <= 0 || runwaySeconds === null || !Number.isFinite(runwaySeconds)) return policy.repeatIntervalMs;
  const byRunway = Math.max(policy.minRepeatIntervalMs, runwaySeconds * 1000 * policy.runwayFraction);
  return Math.min(policy.repeatIntervalMs, byRunway);
}

/**
 * A repeat is due a little before its interval is up: 2 % of it, at most 30 s. A poll's time is taken when
 * its answer is in, so polls every 2 s read 5.998 s after the last repeat as often as 6.002 s, and a strict
 * comparison sent the 6 s repeat at 8 s one time in three (an hourly schedule's 4 h repeat at 5 h).
 */
const repeatDue = (sinceMs: number, intervalMs: number): boolean => sinceMs >= intervalMs - Math.min(intervalMs / 50, 30_000);

export function alertId(account: string, alertname: AlertName, startsAt: number): string {
  return `${account}/${alertname}/${startsAt.toString(36)}`;
}

/**
 * One step: compares what fires now (`conditions`) with what was firing (`book`) and returns the new book
 * and the notifications owed.
 */
export function stepAlerts(
  book: AlertBook,
  conditions: Conditions,
  now: number,
  ctx: { account: string; policy: RepeatPolicy; wallet: WalletSnapshot },
): { book: AlertBook; notifications: Notification[] } {
  const next: AlertBook = {};
  const notifications: Notification[] = [];
  const notify = (a: AlertInstance, status: Notification['status'], reason: NotificationReason) =>
    notifications.push({ id: a.id, account: ctx.account, alertname: a.alertname, severity: a.severity, status, reason, startsAt: a.startsAt, decidedAt: now, wallet: ctx.wallet });

  for (const name of ALERT_NAMES) {
    const was = book[name];
    const severity = conditions[name];
    if (!was && !severity) continue;
    if (!was && severity) {
      const a: AlertInstance = { id: alertId(ctx.account, name, now), alertname: name, severity, startsAt: now, lastNotifiedAt: now };
      next[name] = a;
      notify(a, 'firing', 'start');
    } else if (was && !severity) {
      notify(was, 'resolved', 'resolve');
    } else if (was && severity) {
      if (SEVERITY_RANK[severity] > SEVERITY_RANK[was.severity]) {
        const a = { ...was, severity, lastNotifiedAt: now };
        next[name] = a;
        notify(a, 'firing', 'escalation');
      } else if (repeatDue(now - was.lastNotifiedAt, repeatInterval(ctx.policy, ctx.wallet.runwaySeconds))) {
        const a = { ...was, severity, lastNotifiedAt: now };
        next[name] = a;
        notify(a, 'firing', 'repeat');
      } else {
        next[name] = { ...was, severity }; // de-escalation (or nothing new): silent
      }
    }
  }
  return { book: next, notifications };
}

/**
 * A wallet no longer watched (a reload removed it from the wallets file): every firing alert closes, so no
 * PagerDuty incident or open webhook alert waits for a resolve that no poll will ever decide.
 */
export function unwatchAlerts(book: AlertBook, now: number, ctx: { account: string; policy: RepeatPolicy; wallet: WalletSnapshot }): Notification[] {
  return stepAlerts(book, {}, now, ctx).notifications.map((n) => ({ ...n, reason: 'unwatched' }));
}

/** Current severities, for the rules' hysteresis. */
export function firingSeverities(book: AlertBook): Conditions {
  const out: Conditions = {};
  for (const a of Object.values(book)) if (a) out[a.alertname] = a.severity;
  return out;
}
