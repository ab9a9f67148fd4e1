import { setMaxListeners } from 'node:events';
import type { Settings, WalletSettings } from '../config/settings.js';
import { isRateLimited, type AccountState, type PollOutcome } from '../domain/account.js';
import { observe, repeatPolicy, snapshot } from '../domain/evaluate.js';
import type { Conditions } from '../domain/rules.js';
import { mapLimit } from '../fleet/limit.js';
import { walletsOfShard } from '../fleet/shard.js';
import type { Logger } from '../log.js';
import { pollBalance } from '../poller/poll.js';
import { accountStatus, conditionsAsAlerts, runwayKnown } from '../status.js';
import { savedStateOrFresh } from '../store/read-only.js';
import { StateStore } from '../store/state-store.js';
import { BalanceClient } from '../telephony/client.js';
import { endpointFor } from '../providers/index.js';
import { USER_AGENT, VERSION } from '../version.js';
import type { CheckFormat } from './args.js';
import { NAGIOS_STATES, nagiosFleet, nagiosLine, type NagiosInput } from './nagios.js';

/**
 * How long `check` may poll in all: a monitoring plugin is killed at 60 s by default (Nagios, Icinga), and
 * printed nothing then. Wallets still polling when it ends are UNKNOWN, saying so (100 wallets on a hanging
 * API took 3 attempts × REQUEST_TIMEOUT_MS each, 32 at a time: 120 s at the default timeout).
 */
export const CHECK_BUDGET_MS = 50_000;

/** Nagios plugin exit codes. */
export const CHECK_EXIT = { ok: 0, warning: 1, critical: 2, unknown: 3 } as const;
type Code = 0 | 1 | 2 | 3;

/**
 * `wallet-sentinel check`: one poll of every wallet (of this shard; history read from STATE_DIR, nothing
 * written or sent), the status JSON (or, with `--format nagios`, Nagios plugin output) on stdout, and a
 * Nagios-style exit code: the worst of the wallets' (3 UNKNOWN above 2 CRITICAL above 1 WARNING above 0 OK).
 */
export async function runCheck(settings: Settings, log: Logger, out: (line: string) => void, format: CheckFormat = 'json', budgetMs = CHECK_BUDGET_MS): Promise<number> {
  const wallets = walletsOfShard(settings.wallets, settings.shard);
  // Read-only: a missing database stays missing (fresh state), nothing in STATE_DIR is created or changed.
  const states = new StateStore(settings.stateDir, log, { readOnly: true });
  const budget = { ms: budgetMs, end: Date.now() + budgetMs, signal: AbortSignal.timeout(budgetMs) };
  setMaxListeners(0, budget.signal); // not a leak: one listener per poll in flight (POLL_CONCURRENCY of them)
  const results = await mapLimit(wallets, settings.poll.concurrency, (w) => checkWallet(settings, w, states, budget));
  // Nothing checked (no wallet falls in this shard) is not OK: a monitor must not read it as healthy.
  const code = (results.length === 0 ? CHECK_EXIT.unknown : Math.max(CHECK_EXIT.ok, ...results.map((r) => r.code))) as Code;
  // Said once (the one look at STATE_DIR fails alike for every wallet): the JSON has no line to say it in.
  for (const problem of new Set(results.map((r) => r.stateProblem).filter((p) => p !== null))) log.warn(problem);
  if (format === 'nagios') {
    if (results.length === 0) out(`WALLET UNKNOWN - 0 wallets: none of the ${settings.wallets.length} configured falls in shard ${settings.shard.index} of ${settings.shard.count}`);
    else if (results.length === 1) out(nagiosLine(results[0]!.nagios));
    else {
      // The first line is the plugin's status; one line per wallet follows as its long output.
      const counts = NAGIOS_STATES.map((state, i) => [state, results.filter((r) => r.code === i).length] as const).filter(([, n]) => n > 0);
      for (const line of nagiosFleet(`WALLET ${NAGIOS_STATES[code]} - ${results.length} wallets: ${counts.map(([state, n]) => `${n} ${state}`).join(', ')}`, results.map((r) => r.nagios))) out(line);
    }
  } else {
    out(JSON.stringify({ version: VERSION, generated_at: new Date().toISOString(), accounts: results.map((r) => r.status) }, null, 2));
  }
  return code;
}

type Budget = { ms: number; end: number; signal: AbortSignal };

async function checkWallet(settings: Settings, wallet: WalletSettings, states: StateStore, budget: Budget) {
  const now = Date.now;
  // A state database that cannot be read (corrupt, a directory in its place) does not crash the command nor
  // change its code: the balance is still read, judged on a fresh state, and the text says the history is unknown.
  const saved = await savedStateOrFresh(states, wallet.name, now());
  const before = saved.state;
  const stateProblem = saved.problem && `${saved.problem}: history unknown`;
  const outcome = await readBalance(settings, wallet, before, now, budget);
  const t = now();
  // The daemon's own evaluation (hysteresis against what the daemon has firing included); nothing is sent.
  const { state, forecast: f, conditions } = observe(before, outcome, t, {
    account: wallet.name,
    rules: wallet.rules,
    repeat: repeatPolicy(settings.alerts),
  });
  // The poll succeeded: the rules decide, as the contract has it (UNKNOWN is for a failed poll), judged as on a
  // first check with no history; the Nagios line and stderr say the history is unknown.
  const code = exitCode(outcome.ok, conditions);
  const nagios: NagiosInput = {
    account: wallet.name,
    code,
    error: outcome.ok ? stateProblem : `poll failed: ${outcome.message}`,
    balance: state.balance,
    currency: state.currency,
    runwaySeconds: f.runwaySeconds,
    runwayUnknown: !runwayKnown(state, f),
    exhausted: state.exhausted,
    burnRatePerHour: snapshot(state, f).burnRatePerHour,
    conditions,
    rules: wallet.rules,
  };
  return { code, nagios, stateProblem, status: accountStatus(wallet.name, state, f, conditionsAsAlerts(conditions), t) };
}

/**
 * One poll, as the daemon makes it; none while a Retry-After the daemon saved still runs (a check every
 * minute would defy it): that is a rate-limited outcome, UNKNOWN, saying until when.
 */
async function readBalance(settings: Settings, wallet: WalletSettings, before: AccountState, now: () => number, budget: Budget): Promise<PollOutcome> {
  const until = before.rateLimitedUntil;
  if (until !== null && isRateLimited(before, now())) {
    const message = `rate limited until ${new Date(until).toISOString()} (the upstream's Retry-After, saved by the daemon); no request before then`;
    return { ok: false, kind: 'rate_limited', message, retryAfterMs: until - now() };
  }
  const client = new BalanceClient({ baseUrl: wallet.api.baseUrl, endpoint: endpointFor(wallet), timeoutMs: settings.requestTimeoutMs, userAgent: USER_AGENT, now });
  // No next poll to stay clear of: give retries the time of a few attempts, within the check's budget.
  const outcome = await pollBalance(client, { deadline: Math.min(now() + 3 * settings.requestTimeoutMs, budget.end), signal: budget.signal });
  // check writes nothing: the Retry-After it was given binds the daemon, not the next check
  if (!outcome.ok && outcome.kind === 'rate_limited') return { ...outcome, message: `${outcome.message}; check saves nothing, so the next check asks again: schedule checks no more often than that` };
  if (outcome.ok || !budget.signal.aborted) return outcome;
  return { ...outcome, message: `${outcome.message} (check stops every poll after ${budget.ms / 1000} s, within a monitoring plugin's usual 60 s limit)` };
}

function exitCode(pollOk: boolean, conditions: Conditions): Code {
  if (!pollOk) return CHECK_EXIT.unknown;
  const severities = Object.values(conditions);
  if (severities.includes('critical')) return CHECK_EXIT.critical;
  if (severities.includes('warning')) return CHECK_EXIT.warning;
  return CHECK_EXIT.ok;
}
