/**
 * Alert rules, PURE: each is a function of the account's state and forecast at `now`, answering the
 * severity it fires with, or null. Adding a rule is adding one entry to RULES.
 */
import type { RuleSettings } from '../config/settings.js';
import type { AccountState } from './account.js';
import type { Forecast } from './forecast.js';

export const SEVERITIES = ['warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ALERT_NAMES = ['low_balance', 'depletion_forecast', 'wallet_exhausted', 'auth_failed', 'poll_failing', 'spend_anomaly'] as const;
export type AlertName = (typeof ALERT_NAMES)[number];

/** Scheduled polls in a row that ran and failed before `poll_failing` fires. */
export const POLL_FAILING_AFTER = 3;

export interface RuleInput {
  state: AccountState;
  forecast: Forecast;
  settings: RuleSettings;
  /** What fires now: a firing alert needs its value to clear the threshold by `settings.hysteresisPercent` to calm down. */
  firing?: Conditions;
}

type Rule = (input: RuleInput) => Severity | null;

const HOUR_S = 3600;
/**
 * depletion_forecast's hysteresis, on top of ALERT_HYSTERESIS_PERCENT: once firing, the runway must be back
 * past the horizon by half of it (111.6 h for a 72 h warning, with the default 5 %) to resolve. The forecast
 * swings by more than its level's error (a day's pattern re-read, a quiet night, a week replacing a day), and
 * every swing that resolved the alert re-fired it as a new alert, a second page for the same shortfall. A
 * top-up that lifts the runway past that clears it; a smaller one (an auto-recharge of a few days' spend)
 * leaves it firing.
 */
export const HOLD = 0.5;

/**
 * Severity of `value` against "below" thresholds, with hysteresis: once firing at a level, the value must
 * rise past threshold × (1 + h) to leave it, so a balance hovering at a threshold does not flap.
 */
function below(value: number, warnAt: number | undefined, critAt: number | undefined, current: Severity | undefined, h: number): Severity | null {
  if (critAt !== undefined && value < critAt * (current === 'critical' ? 1 + h : 1)) return 'critical';
  if (warnAt !== undefined && value < warnAt * (current ? 1 + h : 1)) return 'warning';
  return null;
}

export const RULES: Record<AlertName, Rule> = {
  low_balance: ({ state: { balance }, settings: s, firing }) => {
    if (balance === null) {
      // unknown (a 402 without current_balance): hold, at a severity a threshold still defines (a reload that
      // removed them left the alert firing and repeating for as long as the 402s went on)
      const held = firing?.low_balance;
      if (held === 'critical' && s.criticalBalanceThreshold !== undefined) return 'critical';
      return held !== undefined && s.lowBalanceThreshold !== undefined ? 'warning' : null;
    }
    return below(balance, s.lowBalanceThreshold, s.criticalBalanceThreshold, firing?.low_balance, s.hysteresisPercent / 100);
  },
  // Each severity compares its own decision runway (forecast.ts DESIGN: margin or caution included; the
  // critical one may rest on a burst both short windows agree on), with hysteresis once firing.
  depletion_forecast: ({ state, forecast: { alertRunwaySeconds, criticalAlertRunwaySeconds, hold, refill }, settings: s, firing }) => {
    // Empty is wallet_exhausted's job: no forecast alert starts, and one firing stays as it is (resolved "no
    // action needed" as the money ran out, then a new id at the first cent, it closed the incident at the
    // worst moment and paged twice for one shortfall); the refill resolves it.
    if (state.exhausted) return firing?.depletion_forecast ?? null;
    const current = firing?.depletion_forecast;
    // A wallet that refills itself: the next refill is expected before the floor (refill.ts). Only a
    // refill resolves an alert already firing: the balance wobbling around the floor must not flap it.
    if (refill && state.balance !== null && state.balance > (current ? refill.refilled : refill.floor)) return null;
    // Hysteresis widened (HOLD): a forecast that swings around the horizon must not resolve and re-fire.
    const h = s.hysteresisPercent / 100 + HOLD;
    // Once firing, a drop read from the last day alone does not calm it: it holds on the week too (hold).
    const critical = current === 'critical' && hold ? hold.critical : criticalAlertRunwaySeconds;
    const warning = current && hold ? hold.warning : alertRunwaySeconds;
    if (below(critical, undefined, s.runwayCriticalHours * HOUR_S, current, h)) return 'critical';
    return below(warning, s.runwayWarningHours * HOUR_S, undefined, current, h);
  },
  wallet_exhausted: ({ state }) => (state.exhausted ? 'critical' : null),
  auth_failed: ({ state }) => (state.authFailed ? 'critical' : null),
  poll_failing: ({ state }) => (state.consecutiveFailures >= POLL_FAILING_AFTER ? 'warning' : null),
  // Spend over the last hours far above what the usage pattern expects for them (SMS pumping, a runaway
  // loop), and by more than a floor so a tiny wallet does not alarm on cents.
  spend_anomaly: ({ forecast: { recentSpend, expectedRecentSpend }, settings: s, firing }) => {
    if (recentSpend === null || expectedRecentSpend === null) return null;
    // Once firing, the factor (with its hysteresis) and half the floor keep it: the whole floor is for starting
    // (a spend hovering at it resolved and re-fired a new alert every hour or two), and without one an alert
    // stayed open on no spend where none was expected (0 ≥ 3 × 0), repeating "spent 0 USD in the last 3 hours".
    const already = firing?.spend_anomaly !== undefined;
    const factor = already ? s.spendAnomalyFactor / (1 + s.hysteresisPercent / 100) : s.spendAnomalyFactor;
    const floor = already ? s.spendAnomalyMinCredits / 2 : s.spendAnomalyMinCredits;
    const anomalous = recentSpend >= factor * expectedRecentSpend && recentSpend - expectedRecentSpend >= floor;
    return anomalous ? 'warning' : null;
  },
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
