/**
 * Alert rules, PURE: each is a function of the account's state and forecast at `now`, answering the
 * severity it fires with, or null. Adding a rule is adding one entry to RULES.
 */
import type { RuleSettings } from '../config/settings.js';
import type { AccountState } from './account.js';
import type { Forecast } from './forecast.js';

export const SEVERITIES = ['warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ALERT_NAMES = ['low_balance', 'depletion_forecast', 'wallet_exhausted', 'auth_failed', 'poll_failing'] as const;
export type AlertName = (typeof ALERT_NAMES)[number];

/** Scheduled polls in a row that ran and failed before `poll_failing` fires. */
export const POLL_FAILING_AFTER = 3;

export interface RuleInput {
  state: AccountState;
  forecast: Forecast;
  settings: RuleSettings;
}

type Rule = (input: RuleInput) => Severity | null;

const HOUR_S = 3600;

export const RULES: Record<AlertName, Rule> = {
  low_balance: ({ state: { balance }, settings: s }) => {
    if (balance === null) return null;
    if (s.criticalBalanceThreshold !== undefined && balance < s.criticalBalanceThreshold) return 'critical';
    if (s.lowBalanceThreshold !== undefined && balance < s.lowBalanceThreshold) return 'warning';
    return null;
  },
  depletion_forecast: ({ state, forecast: { runwaySeconds }, settings: s }) => {
    if (state.exhausted || !Number.isFinite(runwaySeconds)) return null; // empty is wallet_exhausted's job
    if (runwaySeconds < s.runwayCriticalHours * HOUR_S) return 'critical';
    if (runwaySeconds < s.runwayWarningHours * HOUR_S) return 'warning';
    return null;
  },
  wallet_exhausted: ({ state }) => (state.exhausted ? 'critical' : null),
  auth_failed: ({ state }) => (state.authFailed ? 'critical' : null),
  poll_failing: ({ state }) => (state.consecutiveFailures >= POLL_FAILING_AFTER ? 'warning' : null),
};

export type Conditions = Partial<Record<AlertName, Severity>>;

/** What fires now, by alert name. */
export function evaluateRules(input: RuleInput): Conditions {
  const out: Conditions = {};
  for (const name of ALERT_NAMES) {
    const severity = RULES[name](input);
    if (severity) out[name] = severity;
  }
  return out;
}
