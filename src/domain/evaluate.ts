/**
 * One observation of an account, PURE: poll outcome → new state → forecast → rules → alert lifecycle.
 * The daemon calls it after every poll and `backtest` after every replayed row: one implementation.
 */
import type { RuleSettings } from '../config/settings.js';
import { applyPoll, type AccountState, type PollOutcome } from './account.js';
import { firingSeverities, stepAlerts, type Notification, type RepeatPolicy, type WalletSnapshot } from './alerts.js';
import { forecast, type Forecast } from './forecast.js';
import { evaluateRules, type Conditions } from './rules.js';

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
  const f = forecast(applied.state.history, applied.state.balance, now);
  const conditions = evaluateRules({ state: applied.state, forecast: f, settings: cfg.rules, firing: firingSeverities(s.alerts) });
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
