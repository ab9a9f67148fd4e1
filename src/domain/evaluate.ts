/**
 * One observation of an account, PURE: poll outcome → new state → forecast → rules → alert lifecycle.
 * The daemon calls it after every poll and `backtest` after every replayed row: one implementation.
 */
import type { RuleSettings } from '../config/settings.js';
import { applyPoll, type AccountState, type PollOutcome } from './account.js';
import { firingSeverities, stepAlerts, type Notification, type RepeatPolicy, type WalletSnapshot } from './alerts.js';
import { forecast, type Forecast } from './forecast.js';
import { evaluateRules, type AlertName, type Conditions, type Severity } from './rules.js';

export interface EvaluationConfig {
  account: string;
  rules: RuleSettings;
  repeat: RepeatPolicy;
}

export interface Observation {
  state: AccountState;
  consumed: number;
  topup: boolean;
  forecast: Forecast;
  conditions: Conditions;
  notifications: Notification[];
}

export function observe(s: AccountState, outcome: PollOutcome, now: number, cfg: EvaluationConfig): Observation {
  const applied = applyPoll(s, outcome, now, cfg.rules.topupMinCredits);
  const firing = firingSeverities(s.alerts);
  // A reading older than the last sample (the clock went back) adds nothing to the history: forecast at the
  // history's own latest time, not at a `now` that precedes it (its windows would be empty, the runway
  // infinite), and let no forecast alert resolve on it. Facts it carries (the balance, a successful call)
  // still count: low_balance, wallet_exhausted, auth_failed and poll_failing follow them as always.
  const at = applied.stale ? Math.max(now, applied.state.history.samples.at(-1)!.t) : now;
  const f = forecast(applied.state.history, applied.state.balance, at);
  const evaluated = evaluateRules({ state: applied.state, forecast: f, settings: cfg.rules, firing });
  const conditions = applied.stale ? holdFiring(firing, evaluated) : evaluated;
  const stepped = stepAlerts(s.alerts, conditions, now, { account: cfg.account, policy: cfg.repeat, wallet: snapshot(applied.state, f) });
  return {
    state: { ...applied.state, alerts: stepped.book },
    consumed: applied.consumed,
    topup: applied.topup,
    forecast: f,
    conditions,
    notifications: stepped.notifications,
  };
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

export function snapshot(s: AccountState, f: Forecast): WalletSnapshot {
  const anyRate = Object.values(f.rates).some((r) => Number.isFinite(r));
  return {
    balance: s.balance,
    currency: s.currency,
    burnRatePerHour: anyRate ? f.burnRatePerHour : null,
    runwaySeconds: Number.isFinite(f.runwaySeconds) ? f.runwaySeconds : null,
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
