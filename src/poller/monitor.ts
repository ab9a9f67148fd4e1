import { INITIAL_ACCOUNT_STATE, isRateLimited, otherCurrency, latestTime, restartedHistory, shiftClock, type AccountState, type PollOutcome } from '../domain/account.js';
import type { AlertBook, Notification, WalletSnapshot } from '../domain/alerts.js';
import { observe, snapshot, unwatch, type EvaluationConfig } from '../domain/evaluate.js';
import { sampleCount } from '../domain/packed.js';
import type { Logger } from '../log.js';
import type { AccountStore } from '../store/account-store.js';
import { autoRechargeFailing } from '../status.js';
import type { FetchOptions } from '../telephony/client.js';
import { fmtSeconds, savedAhead, stepWords, SteppingClock, type Clocks } from '../clock.js';
import { OutcomeLog } from './outcome-log.js';
import { Readout, type MonitorReadout } from './readout.js';

export interface MonitorDeps extends Clocks {
  evaluation: EvaluationConfig;
  poll: (opts: FetchOptions) => Promise<PollOutcome>;
  /** Hands notifications over (staged for the next state commit at once); resolves once that commit was tried. */
  notify: (notifications: Notification[]) => Promise<void>;
  /** Told the whole firing set after every poll (state-syncing channels such as Alertmanager); must not block. */
  onAlerts?: (book: AlertBook, wallet: WalletSnapshot, now: number) => void;
  /** Told at start what the saved state says fires (state-syncing channels: what they were told before the stop). */
  onRestored?: (book: AlertBook, wallet: WalletSnapshot, now: number) => void;
  store: AccountStore;
  log: Logger;
  /** Log a successful poll at debug rather than info (many wallets: a line per wallet per tick is noise). */
  quietPolls?: boolean;
}

/** Called once a poll's request is over (a fleet's concurrency slot is free): `timedOut` when it got no answer at all. */
export type Fetched = (timedOut?: boolean) => void;

/**
 * One wallet's poll cycle: fetch → domain (state, forecast, rules, alert lifecycle) → notifications
 * owed → state file → readout (what /metrics shows). Everything it decides is decided by the pure `observe`.
 */
export class AccountMonitor {
  #state: AccountState = INITIAL_ACCOUNT_STATE;
  /** What /metrics reads of this wallet: published by the polls, the commits and unwatch. */
  readonly #readout = new Readout();
  /** Counts the reloads that moved the wallet to another server (configure). */
  #server = 0;
  /** Counts the reloads that made it read another balance (configure): a poll of the one before is not recorded. */
  #source = 0;
  /** What the polls say in the log: a failure or an empty wallet once when it starts or changes, not at every poll. */
  readonly #said: OutcomeLog;
  /** Auto-recharge is on yet the money runs out: warned once per episode. */
  #autoRechargeFailing = false;
  /** The wall clock, checked against the monotonic and boot-time ones at every look. */
  readonly #clock: SteppingClock;

  constructor(private readonly d: MonitorDeps) {
    this.#clock = new SteppingClock(d);
    this.#said = new OutcomeLog(d.log, d.quietPolls ?? false);
  }

  get state(): AccountState {
    return this.#state;
  }

  get readout(): MonitorReadout {
    return this.#readout.of(this.#state, () => this.d.now());
  }

  /**
   * New rules (a reload that changed them): history and alert state stay, the next poll evaluates with
   * these. `otherServer`: the wallet now asks another origin or provider, so the old one's Retry-After is not
   * this one's (a reload that moved a rate-limited wallet to another URL waited out the old URL's hour).
   * `otherBalance`: it now reads another balance (another provider, account, path or field): the history starts again
   * and is written at once, and a poll of the old one still running is not recorded. Kept, the step from one
   * balance to the other read as spend: a wallet pointed at another account's path paged critical at once.
   */
  configure(evaluation: EvaluationConfig, change: { otherServer?: boolean; otherBalance?: boolean } = {}): void {
    this.d.evaluation = evaluation;
    if (change.otherServer) {
      this.#server++;
      if (this.#state.rateLimitedUntil !== null) this.#state = { ...this.#state, rateLimitedUntil: null };
    }
    if (change.otherBalance) {
      this.#source++;
      this.#state = { ...this.#state, history: restartedHistory(this.#state) };
      this.d.log.warn({}, 'the wallet now reads another balance (its provider, account, balance path or field changed): its history starts again');
      void this.save();
    }
  }

  /** Loads the saved state and puts the counters and gauges back where they were. */
  async init(): Promise<void> {
    this.#state = await this.d.store.load(this.d.now());
    this.#catchUpWithSavedState(this.#now());
    this.#readout.committed(this.#state);
    // No forecast yet: the first poll comes at once and makes one; a scrape before it computes one (readout).
    this.#readout.publish(this.#state.alerts, undefined, false);
    if (Object.keys(this.#state.alerts).length > 0) this.d.onRestored?.(this.#state.alerts, snapshot(this.#state, this.readout.forecast), this.#now());
    if (sampleCount(this.#state.history.samples) > 0) {
      // one line per wallet: a fleet's start-up would write 10,000 of them
      this.d.log[this.d.quietPolls ? 'debug' : 'info']({ samples: sampleCount(this.#state.history.samples), balance: this.#state.balance }, 'restored history from the state file');
    }
  }

  /**
   * A scheduled slot: skipped while a 429's Retry-After runs (the caller counts it), else one poll.
   * `fetched` is called once the upstream answered (or failed), before the state is committed: a fleet's
   * concurrency limit is about requests in flight, and a commit may wait for the next batch (up to ~1 s).
   */
  async tick(opts: FetchOptions, fetched?: Fetched): Promise<'polled' | 'rate_limited'> {
    if (this.#waitsForRetryAfter()) return 'rate_limited';
    await this.pollNow(opts, fetched);
    return 'polled';
  }

  /**
   * A scheduled slot whose poll fails without a request, as a timeout saying `why`: its API gave no answer
   * to the last polls of its wallets (fleet/origins.ts). Skipped while a Retry-After runs, as `tick` is.
   * Logged at debug: the schedule sums these up in one line, not one per wallet.
   */
  async tickUnasked(why: string): Promise<'polled' | 'rate_limited'> {
    if (this.#waitsForRetryAfter()) return 'rate_limited';
    await this.#record({ ok: false, kind: 'timeout', message: why }, true);
    return 'polled';
  }

  #waitsForRetryAfter(): boolean {
    const now = this.#now();
    if (!isRateLimited(this.#state, now)) return false;
    this.d.log.debug({ until: new Date(this.#state.rateLimitedUntil!).toISOString() }, 'poll skipped: rate limited (Retry-After)');
    // Alertmanager holds what fires until its endsAt (a few poll intervals) unless posted again: a
    // Retry-After of up to an hour outlasted it, and every alert read as resolved, then fired anew.
    this.repostAlerts(now);
    return true;
  }

  /**
   * Posts what fires to Alertmanager again, without polling: the wallet's slot came while its last poll was
   * still queued or running. Alertmanager holds an alert until its endsAt unless posted again, and a poll held
   * past it (an upstream that accepts and never answers) let every alert read as resolved there, then fire anew.
   */
  repostAlerts(now = this.#now()): void {
    this.d.onAlerts?.(this.#state.alerts, snapshot(this.#state, this.readout.forecast), now);
  }

  /** When a 429's Retry-After ends, if one runs at `now`. */
  rateLimitedUntil(now: number): number | null {
    return isRateLimited(this.#state, now) ? this.#state.rateLimitedUntil : null;
  }

  async pollNow(opts: FetchOptions, fetched?: Fetched): Promise<void> {
    const [server, source] = [this.#server, this.#source];
    let outcome = await this.d.poll(opts);
    // A Retry-After from the server a reload moved the wallet away from while this poll ran is not the new one's.
    if (server !== this.#server && !outcome.ok && outcome.kind === 'rate_limited') outcome = { ...outcome, retryAfterMs: 0 };
    fetched?.(!outcome.ok && outcome.kind === 'timeout');
    if (opts.signal?.aborted) return; // cut short by shutdown: not the upstream's failure
    if (source !== this.#source) return; // the balance a reload stopped reading: the next slot reads the new one
    // a failure once stopping was asked: its retries were not made, so a 503 at a rolling restart is not counted
    // towards poll_failing nor drops telephony_api_up (a reading that came in is kept). A 429's Retry-After is
    // kept all the same: the restart would have asked again at once, seconds after being told to wait an hour.
    if (!outcome.ok && opts.stopping?.aborted) {
      if (outcome.kind === 'rate_limited') {
        this.#state = { ...this.#state, rateLimitedUntil: this.#now() + (outcome.retryAfterMs ?? 0) };
        await this.save();
      }
      return;
    }
    await this.#record(outcome);
  }

  /** A poll's outcome through the domain: state, counters, readout, notifications and what Alertmanager is told. `quiet`: a failure logged at debug. */
  async #record(outcome: PollOutcome, quiet = false): Promise<void> {
    const now = this.#now(); // after the poll: the clock may have stepped while it ran
    const obs = observe(this.#state, outcome, now, this.d.evaluation);
    const [was, is] = [this.#state.currency, obs.state.currency];
    if (otherCurrency(was, is)) { // applyPoll started the history again
      this.d.log.warn({ from: was, to: is }, `the balance's currency changed from ${was} to ${is}; its history starts again (balances in two currencies are not one series)`);
    }
    this.#state = obs.state;
    this.#readout.polled(outcome);
    this.#said.said(outcome, { topup: obs.topup, quiet, failuresInARow: obs.state.consecutiveFailures, now });
    if (obs.reversed > 0) this.d.log.warn({ reversed: obs.reversed }, `the balance fell back by ${obs.reversed} credits soon after a top-up that added them: read as the top-up taken back (a payment reversed, or one wrong reading), not as spend`);
    this.#watchAutoRecharge(Object.keys(obs.conditions));

    this.#readout.publish(this.#state.alerts, obs.forecast, outcome.ok);
    await this.#decided(obs.notifications);
    this.d.onAlerts?.(obs.state.alerts, snapshot(obs.state, obs.forecast), now);
  }

  /**
   * The wallet is no longer watched (a reload removed it): its firing alerts close — resolved, reason
   * `unwatched` — sent and saved like a poll's. Called once no poll of it runs.
   */
  async unwatch(): Promise<void> {
    if (Object.keys(this.#state.alerts).length === 0) return;
    const { forecast: f, up } = this.readout;
    const { state, notifications } = unwatch(this.#state, f, this.#now(), this.d.evaluation);
    this.#state = state;
    this.#readout.publish(this.#state.alerts, f, up);
    await this.#decided(notifications);
  }

  /**
   * Logs what the lifecycle decided and stages its notifications and the state that says they were decided
   * together (neither call awaits before the other is made), so they reach the state database in one
   * transaction: a crash leaves both or neither, and with neither the restart decides and sends again
   * (at-least-once).
   */
  async #decided(notifications: Notification[]): Promise<void> {
    for (const n of notifications) this.d.log.info({ alert: n.alertname, severity: n.severity, status: n.status, reason: n.reason, id: n.id }, `alert ${n.reason}`);
    const owed = this.d.notify(notifications);
    const saved = this.save(notifications);
    await Promise.all([owed, saved]);
  }

  /** Writes the state (and the alert events decided with it); a failure is logged (the daemon keeps polling), never thrown. */
  async save(decided: readonly Notification[] = []): Promise<void> {
    const state = this.#state;
    try {
      await this.d.store.save(state, decided);
      this.#readout.committed(state);
    } catch (err) {
      this.d.log.debug( // the change to unwritable is logged once by WriteHealth, not on every failed save
        { err: (err as NodeJS.ErrnoException).code ?? String(err), file: this.d.store.path },
        'cannot write the state file; history since the last good save would be lost on restart',
      );
    }
  }

  /**
   * The wall clock, after checking it against the monotonic one. A step back (NTP correcting a clock that
   * ran ahead, an operator setting the date) would make every reading "older than the last" until the wall
   * clock caught up — no sample, no burn rate, an infinite runway, depletion_forecast resolved — and a jump
   * forward would stretch the last interval into hours of almost no spend. Either way the account's
   * timeline moves with the step, so intervals stay true and everything goes on from the next reading.
   * A host that was suspended is no step: boot time (suspend included) moved with the wall clock, real
   * time passed and the wallet kept spending, so that gap stays.
   */
  #now(): number {
    const { wall, jumpMs, sleptMs } = this.#clock.read();
    if (jumpMs === 0 && sleptMs === 0) return wall; // every poll: no date string to build
    const at = { wallClock: new Date(wall).toISOString() };
    // Told once for the process by the schedule (Scheduler #watchClock), not once per wallet: debug here.
    if (jumpMs !== 0) {
      this.#shift(jumpMs);
      this.d.log.debug({ stepMs: jumpMs, ...at }, `the wall clock ${stepWords(jumpMs)}; this wallet's history and alert timers moved with it`);
    }
    if (sleptMs !== 0) this.d.log.debug({ sleptMs, ...at }, `the host was suspended for ${fmtSeconds(sleptMs)}; that time counts as elapsed`);
    return wall;
  }

  /**
   * At start no monotonic reading spans the downtime: saved state later than the wall clock means the clock
   * stepped back while the daemon was stopped (or the file comes from a host whose clock ran ahead). The
   * timeline is moved so that its latest point is now — the downtime itself is unknown and counts as none.
   */
  #catchUpWithSavedState(now: number): void {
    const ahead = savedAhead(latestTime(this.#state), now);
    if (ahead === 0) return;
    this.#shift(-ahead);
    this.d.log.warn(
      { aheadMs: ahead, file: this.d.store.path, wallClock: new Date(now).toISOString() },
      `the saved state is ${fmtSeconds(ahead)} ahead of the wall clock (it stepped back while stopped?); history and alert timers moved back to now`,
    );
  }

  /** Moves the wallet's timeline by `deltaMs`: its state, and the readings and alert events its store keeps. */
  #shift(deltaMs: number): void {
    this.#state = shiftClock(this.#state, deltaMs);
    this.d.store.shift(deltaMs);
  }

  #watchAutoRecharge(firing: readonly string[]): void {
    const failing = autoRechargeFailing(this.#state, firing);
    if (failing && !this.#autoRechargeFailing) {
      this.d.log.warn({ balance: this.#state.balance, alerts: firing }, "auto-recharge is on, yet the wallet is empty: the recharge is failing (check the payment method and recharge limits)");
    }
    this.#autoRechargeFailing = failing;
  }
}
