/**
 * One observation of an account, PURE: poll outcome → new state → forecast → rules → alert lifecycle.
 * The daemon calls it after every poll and `backtest` after every replayed row: one implementation.
 */
import type { RuleSettings } from '../config/settings.js';
import { applyPoll, headroom, type AccountState, type PollOutcome } from './account.js';
import { firingSeverities, stepAlerts, unwatchAlerts, type ForecastBasis, type Notification, type PresetWords, type RepeatPolicy, type WalletSnapshot } from './alerts.js';
import { forecast, type Forecast } from './forecast.js';
import { ANOMALY_WINDOW_MS } from './anomaly.js';
import { BURN_WINDOWS, MIN_RUNWAY_EVIDENCE } from './rates.js';
import type { History } from './history.js';
import { lastSampleT, sampleCount, sampleT } from './packed.js';
import { evaluateRules, type AlertName, type Conditions, type Severity } from './rules.js';
import { describe } from './basis.js';

export interface EvaluationConfig {
  account: string;
  rules: RuleSettings;
  repeat: RepeatPolicy;
  /** The provider's words for the notifications; absent: Telephony.io's. */
  preset?: PresetWords | undefined;
}

export interface Observation {
  state: AccountState;
  consumed: number;
  topup: boolean;
  /** Credits of a top-up this reading took back (history.ts REVERSAL): not spend. */
  reversed: number;
  forecast: Forecast;
  conditions: Conditions;
  notifications: Notification[];
}

export function observe(s: AccountState, outcome: PollOutcome, now: number, cfg: EvaluationConfig): Observation {
  const applied = applyPoll(s, outcome, now, cfg.rules.topupMinCredits);
  const firing = firingSeverities(s.alerts);
  // A reading older than the last sample (the clock went back) adds nothing to the history: forecast at the
  // history's own latest time, not at a `now` that precedes it (its windows would be empty, the runway
  // infinite). Facts it carries (the balance, a successful call) still count: low_balance,
  // wallet_exhausted, auth_failed and poll_failing follow them as always.
  const at = applied.stale ? Math.max(now, lastSampleT(applied.state.history.samples)!) : now;
  // The forecast runs to the floor: 0, or −credit_limit where the provider lends (its history is the balance's).
  const f = forecast(applied.state.history, headroom(applied.state), at);
  const evaluated = evaluateRules({ state: applied.state, forecast: f, settings: cfg.rules, firing });
  // No forecast alert resolves for want of evidence: on a stale reading, or while the last 24 h hold too few
  // readings to judge the runway (a clock jump forward, a suspended host, a daemon or an API down for
  // hours). Readings that show the spend stopped, or a top-up, still resolve it; so does an empty wallet,
  // which is wallet_exhausted's.
  const hold = !applied.state.exhausted && !applied.topup && (applied.stale || tooFewReadings(applied.state.history, at));
  const conditions = hold ? holdFiring(firing, evaluated) : evaluated;
  const stepped = stepAlerts(s.alerts, conditions, now, { account: cfg.account, policy: cfg.repeat, wallet: facts(applied.state, f) });
  // While the wallet is empty its forecast alert stays open (rules.ts) but says nothing more: "will run out
  // in less than 2 minutes" every repeat interval, beside wallet_exhausted's own repeats, was noise.
  const said = applied.state.exhausted ? stepped.notifications.filter((n) => !(n.alertname === 'depletion_forecast' && n.reason === 'repeat')) : stepped.notifications;
  const notifications = withBasis(said, f, cfg);
  return {
    state: { ...applied.state, alerts: stepped.book },
    consumed: applied.consumed,
    topup: applied.topup,
    reversed: applied.reversed,
    forecast: f,
    conditions,
    notifications,
  };
}

/**
 * The wallet is no longer watched (removed from the wallets file): its firing alerts close (resolved, reason
 * `unwatched`) and the book is empty, so a wallet added back later fires afresh.
 */
export function unwatch(s: AccountState, f: Forecast, now: number, cfg: Pick<EvaluationConfig, 'account' | 'repeat' | 'preset'>): { state: AccountState; notifications: Notification[] } {
  const notifications = unwatchAlerts(s.alerts, now, { account: cfg.account, policy: cfg.repeat, wallet: facts(s, f) });
  return { state: { ...s, alerts: {} }, notifications: withBasis(notifications, f, cfg) };
}

/** What the forecast rests on and the provider's words, for what is sent only (backtest steps every row; most send nothing). */
function withBasis(ns: readonly Notification[], f: Forecast, cfg: Pick<EvaluationConfig, 'preset'>): Notification[] {
  return ns.map((n) => ({ ...n, wallet: { ...n.wallet, forecast: forecastBasis(f, n.severity) }, ...(cfg.preset ? { preset: cfg.preset } : {}) }));
}

/** Fewer than MIN_RUNWAY_EVIDENCE readings, or spanning less than its time, in the 24 h before `at`. */
function tooFewReadings(h: History, at: number): boolean {
  const last = lastSampleT(h.samples);
  if (last === undefined || last < at - BURN_WINDOWS['24h']) return true;
  let count = 1;
  for (let i = sampleCount(h.samples) - 2; i >= 0; i--) {
    const t = sampleT(h.samples, i);
    if (t < at - BURN_WINDOWS['24h']) break;
    count++;
    if (count >= MIN_RUNWAY_EVIDENCE.samples && last - t >= MIN_RUNWAY_EVIDENCE.spanMs) return false;
  }
  return true;
}

/** Alerts judged on the history's timeline (burn rates, runway, recent spend), not on the reading's facts. */
const FORECAST_ALERTS: readonly AlertName[] = ['depletion_forecast', 'spend_anomaly'];

/** What fires now, keeping each forecast alert that was firing at no less than its severity. */
function holdFiring(firing: Conditions, evaluated: Conditions): Conditions {
  const out: Conditions = { ...evaluated };
  for (const [name, severity] of Object.entries(firing) as [AlertName, Severity][]) {
    if (!FORECAST_ALERTS.includes(name)) continue;
    const current = out[name];
    if (current === undefined || (severity === 'critical' && current === 'warning')) out[name] = severity;
  }
  return out;
}

/** The wallet as a notification tells it, with what the forecast rests on. */
export function snapshot(s: AccountState, f: Forecast): WalletSnapshot {
  return { ...facts(s, f), forecast: forecastBasis(f) };
}

function facts(s: AccountState, f: Forecast): WalletSnapshot {
  const rates = Object.values(f.rates).filter((r) => Number.isFinite(r));
  // No forecast yet while spend was seen (too few readings): the rate is unknown, not 0 ("Burn rate: 0
  // credits/hour" in the first alert of a wallet spending fast). All windows at 0: not burning, 0.
  const unknown = rates.length === 0 || (f.method === 'none' && rates.some((r) => r > 0) && !(s.balance !== null && s.balance <= 0));
  return {
    balance: s.balance,
    currency: s.currency,
    burnRatePerHour: unknown ? null : f.burnRatePerHour,
    runwaySeconds: Number.isFinite(f.runwaySeconds) ? f.runwaySeconds : null,
    ...(s.autoRecharge !== undefined ? { autoRecharge: s.autoRecharge } : {}),
    ...(s.creditLimit ? { creditLimit: s.creditLimit } : {}),
    ...(f.recentSpend !== null && f.expectedRecentSpend !== null ? { spend: { recent: f.recentSpend, expected: f.expectedRecentSpend, hours: ANOMALY_WINDOW_MS / 3_600_000 } } : {}),
  };
}

const finiteOrNull = (n: number): number | null => (Number.isFinite(n) ? n : null);

/** What the forecast rests on; `cautious` is the decision of `severity` (the warning's by default). */
export function forecastBasis(f: Forecast, severity: Severity = 'warning'): ForecastBasis {
  return {
    method: f.method,
    confidence: f.confidence,
    runwayLowSeconds: finiteOrNull(f.runwayLowSeconds),
    runwayHighSeconds: finiteOrNull(f.runwayHighSeconds),
    cautious: severity === 'critical' ? f.criticalCautious : f.cautious,
    basis: describe(f),
  };
}

/** The lifecycle's repeat policy from settings. */
export function repeatPolicy(alerts: { repeatIntervalMs: number; repeatRunwayFraction: number }): RepeatPolicy {
  return {
    repeatIntervalMs: alerts.repeatIntervalMs,
    runwayFraction: alerts.repeatRunwayFraction,
    minRepeatIntervalMs: Math.min(alerts.repeatIntervalMs, 5 * 60_000),
  };
}
