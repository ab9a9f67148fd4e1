import { INITIAL_ACCOUNT_STATE, isRateLimited, type AccountState, type PollOutcome } from '../domain/account.js';
import type { AlertBook, Notification, WalletSnapshot } from '../domain/alerts.js';
import { observe, snapshot, type EvaluationConfig } from '../domain/evaluate.js';
import { BURN_WINDOW_NAMES, CONFIDENCES, forecast, type Forecast } from '../domain/forecast.js';
import { ALERT_NAMES, SEVERITIES } from '../domain/rules.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { AccountStore } from '../store/account-store.js';
import type { FetchOptions } from '../telephony/client.js';
import { isCurrencyCode } from '../telephony/parse.js';

export interface MonitorDeps {
  evaluation: EvaluationConfig;
  poll: (opts: FetchOptions) => Promise<PollOutcome>;
  /** Hands notifications over; resolves once they are safely owed (on disk). */
  notify: (notifications: Notification[]) => Promise<void>;
  /** Told the whole firing set after every poll (state-syncing channels such as Alertmanager); must not block. */
  onAlerts?: (book: AlertBook, wallet: WalletSnapshot, now: number) => void;
  store: AccountStore;
  metrics: Metrics;
  log: Logger;
  now: () => number;
}

/**
 * One account's poll cycle: fetch → domain (state, forecast, rules, alert lifecycle) → notifications
 * owed → state file → metrics. Everything it decides is decided by the pure `observe`.
 */
export class AccountMonitor {
  #state: AccountState = INITIAL_ACCOUNT_STATE;
  readonly #account: string;
  /** The last currency problem warned about: one warning per change, not one per poll. */
  #currencyProblem: string | null = null;

  constructor(private readonly d: MonitorDeps) {
    this.#account = d.evaluation.account;
  }

  get state(): AccountState {
    return this.#state;
  }

  /** Loads the saved state and puts the counters and gauges back where they were. */
  async init(): Promise<void> {
    const { metrics: m } = this.d;
    const account = this.#account;
    this.#state = await this.d.store.load(this.d.now());
    m.consumed.inc({ account }, this.#state.history.consumedTotal);
    m.topups.inc({ account }, this.#state.history.topupsTotal);
    this.#publish(this.forecast(this.d.now()), false, {});
    if (this.#state.history.samples.length > 0) {
      this.d.log.info({ samples: this.#state.history.samples.length, balance: this.#state.balance }, 'restored history from the state file');
    }
  }

  /** A scheduled tick: skipped while a 429's Retry-After runs, else one poll. */
  async tick(opts: FetchOptions): Promise<void> {
    const now = this.d.now();
    if (isRateLimited(this.#state, now)) {
      this.d.metrics.skipped.inc({ account: this.#account, reason: 'rate_limited' });
      this.d.log.info({ until: new Date(this.#state.rateLimitedUntil!).toISOString() }, 'poll skipped: rate limited (Retry-After)');
      return;
    }
    await this.pollNow(opts);
  }

  async pollNow(opts: FetchOptions): Promise<void> {
    const outcome = await this.d.poll(opts);
    if (opts.signal?.aborted) return; // cut short by shutdown: not the upstream's failure
    const now = this.d.now();
    const obs = observe(this.#state, outcome, now, this.d.evaluation);
    const previousAlerts = this.#state.alerts;
    this.#state = obs.state;
    this.#logOutcome(outcome, obs.topup);

    const { metrics: m } = this.d;
    const account = this.#account;
    if (obs.consumed > 0) m.consumed.inc({ account }, obs.consumed);
    if (obs.topup) m.topups.inc({ account });
    this.#publish(obs.forecast, outcome.ok, previousAlerts);
    for (const n of obs.notifications) this.d.log.info({ alert: n.alertname, severity: n.severity, status: n.status, reason: n.reason, id: n.id }, `alert ${n.reason}`);
    // Owed notifications reach the outbox before the alert book that says they were sent reaches disk:
    // a crash in between re-sends (at-least-once) rather than loses.
    await this.d.notify(obs.notifications);
    await this.save();
    this.d.onAlerts?.(obs.state.alerts, snapshot(obs.state, obs.forecast), now);
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

  #publish(f: Forecast, up: boolean, previousAlerts: AlertBook): void {
    const { metrics: m } = this.d;
    const account = this.#account;
    const s = this.#state;
    if (s.balance !== null) {
      m.balance.reset(); // one series: a currency that appears later replaces `unknown`
      // A state file from an older version may hold any string: only a plain code becomes a label.
      m.balance.set({ account, currency: isCurrencyCode(s.currency) ? s.currency : 'unknown' }, s.balance);
    }
    for (const window of BURN_WINDOW_NAMES) m.burnRate.set({ account, window }, f.rates[window]);
    m.runway.set({ account }, f.runwaySeconds);
    m.runwayLow.set({ account }, f.runwayLowSeconds);
    m.runwayHigh.set({ account }, f.runwayHighSeconds);
    m.confidence.set({ account }, CONFIDENCES.indexOf(f.confidence));
    m.apiUp.set({ account }, up ? 1 : 0);
    if (s.lastSuccessAt !== null) m.lastSuccess.set({ account }, s.lastSuccessAt / 1000);
    // 1 for what fires at its severity; 0 for a series that fired before (resolved, or escalated away from)
    for (const alertname of ALERT_NAMES) {
      for (const severity of SEVERITIES) {
        const now = s.alerts[alertname]?.severity === severity;
        if (now || previousAlerts[alertname]?.severity === severity) m.alertFiring.set({ account, alertname, severity }, now ? 1 : 0);
      }
    }
  }

  #logOutcome(outcome: PollOutcome, topup: boolean): void {
    const { log } = this.d;
    const currencyProblem = outcome.ok ? (outcome.currencyProblem ?? null) : this.#currencyProblem;
    if (currencyProblem !== this.#currencyProblem && currencyProblem !== null) log.warn(currencyProblem);
    this.#currencyProblem = currencyProblem;
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
