import { applyPoll, INITIAL_ACCOUNT_STATE, isRateLimited, type AccountState, type PollOutcome } from '../domain/account.js';
import { BURN_WINDOW_NAMES, forecast, type Forecast } from '../domain/forecast.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { AccountStore } from '../store/account-store.js';
import type { FetchOptions } from '../telephony/client.js';

export interface MonitorDeps {
  account: string;
  topupMinCredits: number;
  poll: (opts: FetchOptions) => Promise<PollOutcome>;
  store: AccountStore;
  metrics: Metrics;
  log: Logger;
  now: () => number;
  /** Called after every poll that ran, with the new state (the alert engine hooks in here). */
  onPolled?: (state: AccountState, f: Forecast, now: number) => Promise<void>;
}

/**
 * One account's poll cycle: fetch → domain → metrics → state file → alerts. Holds the account's state;
 * everything it decides is done by the pure domain functions.
 */
export class AccountMonitor {
  #state: AccountState = INITIAL_ACCOUNT_STATE;
  #polls = 0;

  constructor(private readonly d: MonitorDeps) {}

  get state(): AccountState {
    return this.#state;
  }

  /** Polls that ran since start (success or not). */
  get polls(): number {
    return this.#polls;
  }

  /** Loads the saved state and puts the counters back where they were. */
  async init(): Promise<void> {
    const { metrics: m, account } = this.d;
    this.#state = await this.d.store.load(this.d.now());
    m.consumed.inc({ account }, this.#state.history.consumedTotal);
    m.topups.inc({ account }, this.#state.history.topupsTotal);
    this.#publish(this.d.now(), false);
    if (this.#state.history.samples.length > 0) {
      this.d.log.info({ samples: this.#state.history.samples.length, balance: this.#state.balance }, 'restored history from the state file');
    }
  }

  /** A scheduled tick: skipped while a 429's Retry-After runs, else one poll. */
  async tick(opts: FetchOptions): Promise<void> {
    const now = this.d.now();
    if (isRateLimited(this.#state, now)) {
      this.d.metrics.skipped.inc({ account: this.d.account, reason: 'rate_limited' });
      this.d.log.info({ until: new Date(this.#state.rateLimitedUntil!).toISOString() }, 'poll skipped: rate limited (Retry-After)');
      return;
    }
    await this.pollNow(opts);
  }

  async pollNow(opts: FetchOptions): Promise<void> {
    const outcome = await this.d.poll(opts);
    if (opts.signal?.aborted) return; // cut short by shutdown: not the upstream's failure
    const now = this.d.now();
    const applied = applyPoll(this.#state, outcome, now, this.d.topupMinCredits);
    this.#state = applied.state;
    this.#polls++;
    this.#logOutcome(outcome, applied.topup);

    const { metrics: m, account } = this.d;
    if (applied.consumed > 0) m.consumed.inc({ account }, applied.consumed);
    if (applied.topup) m.topups.inc({ account });
    const f = this.#publish(now, outcome.ok);

    await this.save();
    await this.d.onPolled?.(this.#state, f, now);
  }

  /** Writes the state file; a failure is logged (the daemon keeps polling), never thrown. */
  async save(): Promise<void> {
    try {
      await this.d.store.save(this.#state);
    } catch (err) {
      this.d.log.error(
        { err: (err as NodeJS.ErrnoException).code ?? String(err), file: this.d.store.path },
        'cannot write the state file; history since the last good save would be lost on restart',
      );
    }
  }

  forecast(now: number): Forecast {
    return forecast(this.#state.history, this.#state.balance, now);
  }

  #publish(now: number, up: boolean): Forecast {
    const { metrics: m, account } = this.d;
    const s = this.#state;
    const f = this.forecast(now);
    if (s.balance !== null) {
      m.balance.reset(); // one series: a currency that appears later replaces `unknown`
      m.balance.set({ account, currency: s.currency ?? 'unknown' }, s.balance);
    }
    for (const window of BURN_WINDOW_NAMES) m.burnRate.set({ account, window }, f.rates[window]);
    m.runway.set({ account }, f.runwaySeconds);
    m.apiUp.set({ account }, up ? 1 : 0);
    if (s.lastSuccessAt !== null) m.lastSuccess.set({ account }, s.lastSuccessAt / 1000);
    return f;
  }

  #logOutcome(outcome: PollOutcome, topup: boolean): void {
    const { log } = this.d;
    if (outcome.ok && outcome.status === 200) {
      log.info({ balance: outcome.balance, currency: outcome.currency, topup }, 'poll ok');
    } else if (outcome.ok) {
      log.warn({ status: 402, balance: outcome.balance, requiredCredits: outcome.requiredCredits }, 'wallet exhausted: Telephony.io answered 402; top up in the Telephony.io dashboard');
    } else if (outcome.kind === 'rate_limited') {
      log.warn({ kind: outcome.kind, retryAfterMs: outcome.retryAfterMs }, `poll failed: ${outcome.message}`);
    } else {
      log.error({ kind: outcome.kind, failuresInARow: this.#state.consecutiveFailures }, `poll failed: ${outcome.message}`);
    }
  }
}
