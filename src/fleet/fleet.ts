/**
 * The set of wallets one process watches. A reload is applied as a diff: added wallets load their state
 * and are polled at once, removed ones stop (a poll in flight finishes) and leave /metrics at the next
 * scrape, changed ones are reconfigured in place (history, alerts and counters kept: see
 * WalletRunner.reconfigure), unchanged ones are not touched at all.
 */
import type { AlertmanagerTarget, Settings, WalletSettings } from '../config/settings.js';
import type { Notification } from '../domain/alerts.js';
import { lazyChild, type Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import { AlertmanagerHealth, AlertmanagerSync } from '../notify/alertmanager/alertmanager.js';
import type { Receiver } from '../notify/registry.js';
import type { Orphan, StateStore } from '../store/state-store.js';
import { type Configured, closeOrphans } from './orphans.js';
import { safeErrorCode } from '../errors.js';
import { mapLimit } from './limit.js';
import { sameWallet, WalletRunner } from './runner.js';
import { FleetSchedule } from './schedule.js';

export interface FleetDeps {
  settings: Settings;
  metrics: Metrics;
  /** The state database: one store per wallet, by name. */
  states: StateStore;
  /** Hands a wallet's notifications to the receivers it names. */
  notify: (notifications: Notification[], receivers: readonly string[]) => Promise<void>;
  /** The receivers in force (a reload replaces them): where each wallet's Alertmanagers come from. */
  receivers: () => readonly Receiver[];
  log: Logger;
  now: () => number;
  /** Aborted when a stop's grace ran out: polls in flight give up. */
  shutdown: AbortSignal;
  /** Aborted once a stop is asked: a poll's attempt in flight finishes, no retry starts. */
  stopping: AbortSignal;
}

export interface ReloadSummary {
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: number;
  /** Added wallets whose saved state could not be read (a read-only or failing STATE_DIR): not watched until a reload adds them. */
  failed: { name: string; code: string }[];
}

/** How many state files are read at once at start and on a reload. */
const LOAD_CONCURRENCY = 16;

/** How long a stop waits for Alertmanager posts in flight. */
const AM_STOP_WAIT_MS = 3_000;

export class Fleet {
  readonly #runners = new Map<string, WalletRunner>();
  /** Removed by a reload while a poll of theirs was queued or running: until it ends, a re-add takes them back. */
  readonly #leaving = new Map<string, WalletRunner>();
  /** Removed wallets whose alerts are being closed (notifications staged, state saved): a stop waits for them. */
  readonly #unwatching = new Set<Promise<void>>();
  /** The runners as an array, for scrapes (rebuilt when the set changes). */
  #list: WalletRunner[] = [];
  /** Aborted when stop() stops waiting for Alertmanager: one signal for every wallet's sync. */
  readonly #amStopping = new AbortController();
  /** The orphans' resolves on their way to Alertmanager (closeOrphans): the stop waits for them as for the syncs. */
  readonly #orphanPosts = new Set<Promise<void>>();
  /** Which wallets' posts to each Alertmanager fail: one log line per Alertmanager, not per wallet. */
  readonly #amHealth: AlertmanagerHealth;
  /** What every wallet's Alertmanager sync reads of the fleet (WalletAlertmanager). */
  readonly #am: FleetAlertmanager;
  /** Every wallet's HTTP attempts into the per-provider histogram: one function for the fleet. */
  readonly #observeDuration: (provider: string, seconds: number) => void;
  readonly schedule: FleetSchedule;

  constructor(private readonly d: FleetDeps) {
    const { settings } = d;
    this.#amHealth = new AlertmanagerHealth(d.log);
    this.#am = {
      receivers: d.receivers,
      // like Prometheus: a firing alert stays valid a few polls ahead, then expires if not re-sent
      alertTtlMs: () => this.schedule.alertTtlMs(),
      metrics: d.metrics,
      stopping: this.#amStopping.signal,
      health: this.#amHealth, // its lines name the component and the Alertmanager: one logger for every wallet
    };
    this.#observeDuration = (provider, seconds) => d.metrics.requestDuration.observe({ provider }, seconds);
    this.schedule = new FleetSchedule({
      schedule: settings.poll.schedule,
      timezone: settings.poll.timezone,
      concurrency: settings.poll.concurrency,
      log: d.log.child({ component: 'scheduler' }),
      runners: () => this.#list,
      poll: (runner, deadline, fetched) => runner.poll({ signal: d.shutdown, stopping: d.stopping, deadline }, fetched),
      pollUnasked: async (runner, why) => {
        const r = await runner.pollUnasked(why);
        if (r === 'polled') d.metrics.pollsUnasked.inc();
        return r;
      },
      originOf: (runner) => runner.origin,
      now: d.now,
      // Alertmanager ends what is not posted again before its endsAt (max(5 min, 4 intervals)): a poll held
      // that long by an upstream that never answers (REQUEST_TIMEOUT_MS up to 5 min), or queued behind a
      // hanging API's share of POLL_CONCURRENCY, let every alert of the wallet end there, then fire anew.
      onOverlap: (runner) => runner.monitor.repostAlerts(),
      // /readyz waits for the start's polls to be committed: not for the batch's timer too (a failure is the waiters' to see)
      onStartAnswered: () => void d.states.db.flush().catch(() => undefined),
    });
  }

  get runners(): readonly WalletRunner[] {
    return this.#list;
  }

  get size(): number {
    return this.#list.length;
  }

  /** Loads every wallet's saved state (before anything is bound or polled). */
  async init(wallets: readonly WalletSettings[]): Promise<void> {
    await mapLimit(wallets, LOAD_CONCURRENCY, (w) => this.#add(w));
    this.#list = [...this.#runners.values()];
  }

  start(): void {
    this.schedule.start();
  }

  /** Applies a new list of wallets (already validated and sharded) as a diff. */
  async apply(wallets: readonly WalletSettings[]): Promise<ReloadSummary> {
    const next = new Map(wallets.map((w) => [w.name, w]));
    const summary: ReloadSummary = { added: [], removed: [], changed: [], unchanged: 0, failed: [] };
    for (const [name, runner] of this.#leaving) {
      if (runner.phase !== 'idle') continue;
      this.#leaving.delete(name);
      this.#closing(this.#forget(name));
    }
    for (const [name, runner] of this.#runners) {
      const w = next.get(name);
      if (w === undefined) {
        summary.removed.push(name);
        this.#runners.delete(name);
        // Its firing alerts close on every channel (WalletRunner.unwatch). Its state then leaves memory, unless a
        // poll of it still runs: such a runner waits in #leaving (a re-add takes it back) until a later reload
        // finds it idle.
        if (runner.phase === 'idle') this.#closing(runner.unwatch().then(() => this.#forget(name)));
        else {
          this.#leaving.set(name, runner);
          this.#closing(runner.unwatch());
        }
      } else if (!sameWallet(runner.wallet, w)) {
        summary.changed.push(name);
        runner.reconfigure(w);
      } else summary.unchanged++;
    }
    // A wallet removed by an earlier reload whose last poll still runs comes back as the same runner: a new
    // one would poll it a second time at once (and its Retry-After would be unknown to the other).
    for (const w of wallets) {
      const back = this.#runners.has(w.name) ? undefined : this.#leaving.get(w.name);
      if (!back) continue;
      this.#leaving.delete(w.name);
      back.removed = false;
      if (!sameWallet(back.wallet, w)) back.reconfigure(w);
      this.#runners.set(w.name, back);
      summary.added.push(w.name);
    }
    // A wallet whose state cannot be read is left out, not the whole reload: the removals and changes above
    // are already applied, and the list must say so (else a removed wallet stays on /metrics, frozen).
    const added = wallets.filter((w) => !this.#runners.has(w.name));
    const runners = await this.d.states.prefetched(added.map((w) => w.name), this.d.now(), () =>
      mapLimit(added, LOAD_CONCURRENCY, (w) =>
        this.#add(w).catch((err: unknown) => {
          summary.failed.push({ name: w.name, code: safeErrorCode(err) ?? 'error' });
          return undefined;
        }),
      ),
    );
    for (const w of added) if (this.#runners.has(w.name)) summary.added.push(w.name);
    this.#list = [...this.#runners.values()];
    for (const r of runners) if (r) void this.schedule.pollSoon(r);
    return summary;
  }

  /** A removed wallet's state leaves memory (the database keeps it), unless it was added back meanwhile. */
  #forget(name: string): Promise<void> {
    this.#amHealth.forget(name);
    return this.d.states.forget(name, () => !this.#runners.has(name) && !this.#leaving.has(name));
  }

  #closing(p: Promise<void>): void {
    const tracked = p
      .catch((err: unknown) => this.d.log.warn({ err: safeErrorCode(err) ?? (err instanceof Error ? err.message : String(err)) }, 'closing a removed wallet (its alerts, or its state leaving memory) failed; its state stays in memory'))
      .finally(() => this.#unwatching.delete(tracked));
    this.#unwatching.add(tracked);
  }

  /**
   * Closes the firing alerts of accounts no wallet of this process claims (orphans.ts), through the fleet's
   * own notify and store; `configured`: the wallet of that name in the configuration (on another shard), if any.
   */
  closeOrphans(orphans: readonly Orphan[], configured: (name: string) => Configured | undefined): Promise<void> {
    const posting = (post: Promise<void>) => {
      this.#orphanPosts.add(post);
      void post.finally(() => this.#orphanPosts.delete(post));
    };
    return closeOrphans(orphans, configured, { ...this.d, stopping: this.#amStopping.signal, posting });
  }

  /**
   * Stops the schedule (polls in flight finish), then lets Alertmanager syncs finish, for AM_STOP_WAIT_MS at
   * most, and writes every wallet's state.
   */
  async stop(): Promise<void> {
    await this.schedule.stop();
    await Promise.all(this.#unwatching);
    // A hanging Alertmanager held the stop for its 15 s send timeout, and the sync queued behind for as
    // long again: past docker-compose's grace, then SIGKILL and no last save. Cut, its alerts end at endsAt.
    const cut = setTimeout(() => {
      this.d.log.warn({ component: 'alertmanager' }, `stopping: Alertmanager did not answer within ${AM_STOP_WAIT_MS / 1000} s; its posts are cut (the alerts it holds end at their endsAt)`);
      this.#amStopping.abort();
    }, AM_STOP_WAIT_MS);
    try {
      await Promise.all([...this.#list.map((r) => r.alertmanager?.flush()), ...this.#orphanPosts]);
    } finally {
      clearTimeout(cut);
    }
    // Every save staged at once: one commit. In batches, each waited for its own commit (100 ms apart), and
    // 5,000 wallets took 32 s to stop: past the 30 s grace of the unit and the manifests, then SIGKILL.
    await Promise.all(this.#list.map((r) => r.monitor.save()));
  }

  async #add(wallet: WalletSettings): Promise<WalletRunner> {
    const { settings, log, now } = this.d;
    const am = new WalletAlertmanager(this.#am, wallet);
    const alertmanager = new AlertmanagerSync(am);
    const runner = new WalletRunner(wallet, {
      settings,
      store: this.d.states.account(wallet.name),
      notify: this.d.notify,
      alertmanager,
      observeDuration: this.#observeDuration,
      log: lazyChild(log, { component: 'poller', account: wallet.name }), // most wallets never write a line above debug
      now,
    });
    am.runner = runner;
    await runner.monitor.init();
    this.#runners.set(wallet.name, runner);
    return runner;
  }
}

/** What the wallets' Alertmanager syncs read of the fleet: the receivers in force, the alerts' time to live, shared parts. */
interface FleetAlertmanager {
  receivers: () => readonly Receiver[];
  alertTtlMs: () => number;
  metrics: Metrics;
  stopping: AbortSignal;
  health: AlertmanagerHealth;
}

/**
 * What one wallet's AlertmanagerSync asks, read at each sync: the Alertmanagers of the receivers it names and
 * its labels, as they are then (a reload may change both). A class rather than an object of closures: a
 * fleet had three closures, their context and that object for each wallet (~300 bytes, 3 MiB at 10,000).
 */
class WalletAlertmanager {
  /** Set once the wallet's runner is made; its settings are the reloaded ones. */
  runner: WalletRunner | undefined;
  constructor(
    private readonly fleet: FleetAlertmanager,
    private readonly added: WalletSettings,
  ) {}
  get account(): string {
    return this.added.name;
  }
  targets(): AlertmanagerTarget[] {
    const names = new Set((this.runner?.wallet ?? this.added).receivers);
    return this.fleet.receivers().filter((r) => names.has(r.name)).flatMap((r) => r.alertmanagers);
  }
  labels(): Readonly<Record<string, string>> {
    return (this.runner?.wallet ?? this.added).labels;
  }
  resendTtlMs(): number {
    return this.fleet.alertTtlMs();
  }
  get metrics(): Metrics {
    return this.fleet.metrics;
  }
  get stopping(): AbortSignal {
    return this.fleet.stopping;
  }
  get health(): AlertmanagerHealth {
    return this.fleet.health;
  }
}
