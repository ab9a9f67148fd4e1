import type { Settings } from '../config/settings.js';
import { observe, repeatPolicy, snapshot } from '../domain/evaluate.js';
import type { Conditions } from '../domain/rules.js';
import type { Logger } from '../log.js';
import { pollBalance } from '../poller/poll.js';
import { accountStatus, conditionsAsAlerts } from '../status.js';
import { StateStore } from '../store/state-store.js';
import { TelephonyClient } from '../telephony/client.js';
import { USER_AGENT, VERSION } from '../version.js';
import type { CheckFormat } from './args.js';
import { nagiosLine } from './nagios.js';

/** Nagios plugin exit codes. */
export const CHECK_EXIT = { ok: 0, warning: 1, critical: 2, unknown: 3 } as const;

/**
 * `wallet-sentinel check`: one poll (history read from STATE_DIR, nothing written or sent), the status
 * JSON (or, with `--format nagios`, one Nagios plugin line) on stdout, and a Nagios-style exit code.
 */
export async function runCheck(settings: Settings, log: Logger, out: (line: string) => void, format: CheckFormat = 'json'): Promise<number> {
  const now = Date.now;
  // Read-only: a missing database stays missing (fresh state), nothing in STATE_DIR is created or changed.
  const before = await new StateStore(settings.stateDir, log, { readOnly: true }).account(settings.accountName).load(now());
  const client = new TelephonyClient({ ...settings.api, apiKey: settings.api.apiKey!, userAgent: USER_AGENT, now });
  // No next poll to stay clear of: give retries the time of a few attempts.
  const outcome = await pollBalance(client, { deadline: now() + 3 * settings.api.timeoutMs });
  const t = now();
  // The daemon's own evaluation (hysteresis against what the daemon has firing included); nothing is sent.
  const { state, forecast: f, conditions } = observe(before, outcome, t, {
    account: settings.accountName,
    rules: settings.rules,
    repeat: repeatPolicy(settings.alerts),
  });
  const code = exitCode(outcome.ok, conditions);
  if (format === 'nagios') {
    out(
      nagiosLine({
        account: settings.accountName,
        code,
        error: outcome.ok ? null : outcome.message,
        balance: state.balance,
        currency: state.currency,
        runwaySeconds: f.runwaySeconds,
        burnRatePerHour: snapshot(state, f).burnRatePerHour,
        conditions,
        rules: settings.rules,
      }),
    );
  } else {
    out(JSON.stringify({ version: VERSION, generated_at: new Date(t).toISOString(), accounts: [accountStatus(settings.accountName, state, f, conditionsAsAlerts(conditions), t)] }, null, 2));
  }
  return code;
}

function exitCode(pollOk: boolean, conditions: Conditions): 0 | 1 | 2 | 3 {
  if (!pollOk) return CHECK_EXIT.unknown;
  const severities = Object.values(conditions);
  if (severities.includes('critical')) return CHECK_EXIT.critical;
  if (severities.includes('warning')) return CHECK_EXIT.warning;
  return CHECK_EXIT.ok;
}
