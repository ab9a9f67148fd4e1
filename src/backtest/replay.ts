/**
 * Replays a balance history through the daemon's own pipeline (`observe`: history, forecast, rules,
 * alert lifecycle) in simulated time. PURE: no clock, no I/O, nothing sent.
 */
import { INITIAL_ACCOUNT_STATE } from '../domain/account.js';
import type { Notification } from '../domain/alerts.js';
import { observe, type EvaluationConfig } from '../domain/evaluate.js';
import type { Row } from './input.js';

/** `currency`: the history's currency when it names one (a Prometheus series' label), for the notifications' words. */
export function replay(rows: readonly Row[], cfg: EvaluationConfig, onNotification: (n: Notification) => void, currency: string | null = null): void {
  let state = INITIAL_ACCOUNT_STATE;
  for (const row of rows) {
    const obs = observe(state, { ok: true, status: 200, balance: row.balance, currency, requiredCredits: null }, row.t, cfg);
    state = obs.state;
    for (const n of obs.notifications) onNotification(n);
  }
}
