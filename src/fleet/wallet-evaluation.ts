/**
 * What the daemon evaluates a wallet with and what each of its notifications carries, shared by the daemon
 * (runner.ts) and `backtest`: a replay of a Twilio wallet labelled {team: voice} printed Telephony.io's words,
 * provider telephony-io and no labels, since backtest built its own. Imports nothing that polls, sends or
 * stores (backtest loads it).
 */
import type { Settings, WalletSettings } from '../config/settings.js';
import type { Notification } from '../domain/alerts.js';
import { repeatPolicy, type EvaluationConfig } from '../domain/evaluate.js';
import { presetWords } from '../providers/index.js';

/** The evaluation of a wallet: its rules, the repeat policy, and its provider's words for the notifications. */
export function evaluationOf(wallet: WalletSettings, alerts: Settings['alerts']): EvaluationConfig {
  return { account: wallet.name, rules: wallet.rules, repeat: repeatPolicy(alerts), preset: presetWords(wallet.provider) };
}

/** A notification as it leaves for the receivers: the wallet's labels and provider travel with it (issue 11). */
export function asSent(wallet: Pick<WalletSettings, 'labels' | 'provider'>, n: Notification): Notification {
  return { ...n, labels: wallet.labels, provider: wallet.provider };
}
