/**
 * One observation of an account, PURE: poll outcome → new state → forecast → rules → alert lifecycle.
 * The daemon calls it after every poll and `backtest` after every replayed row: one implementation.
 */
import type { RuleSettings } from '../config/settings.js';
import { applyPoll, type AccountState, type PollOutcome } from './account.js';
import { firingSeverities, stepAlerts, type ForecastBasis, type Notification, type RepeatPolicy, type WalletSnapshot } from './alerts.js';
import { forecast, type Forecast } from './forecast.js';
import { evaluateRules, type Conditions, type Severity } from './rules.js';
import { describe } from './runway.js';

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
  const stepped = stepAlerts(s.alerts, conditions, now, { account: cfg.account, policy: cfg.repeat, wallet: facts(applied.state, f) });
  // The basis sentence only for what is sent (backtest steps every row; most send nothing).
  const notifications = stepped.notifications.map((n) => ({ ...n, wallet: { ...n.wallet, forecast: forecastBasis(f, n.severity) } }));
  return {
    state: { ...applied.state, alerts: stepped.book },
    consumed: applied.consumed,
    topup: applied.topup,
    forecast: f,
    conditions,
    notifications,
  };
}

/** The wallet as a notification tells it, with what the forecast rests on. */
export function snapshot(s: AccountState, f: Forecast): WalletSnapshot {
  return { ...facts(s, f), forecast: forecastBasis(f) };
}

function facts(s: AccountState, f: Forecast): WalletSnapshot {
  const anyRate = Object.values(f.rates).some((r) => Number.isFinite(r));
  return {
    balance: s.balance,
    currency: s.currency,
    burnRatePerHour: anyRate ? f.burnRatePerHour : null,
    runwaySeconds: Number.isFinite(f.runwaySeconds) ? f.runwaySeconds : null,
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
