import { setMaxListeners } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Settings } from './config/settings.js';
import { describeError, safeErrorCode } from './errors.js';
import { Fleet, type ReloadSummary } from './fleet/fleet.js';
import { shardJson, shardView, walletsOfShard, type ShardView } from './fleet/shard.js';
import type { WalletRunner } from './fleet/runner.js';
import type { Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { HttpServer } from './http/server.js';
import { Dispatcher } from './notify/dispatch.js';
import { OutboxStore, OwedNotSavedError } from './notify/outbox-store.js';
import { createReceivers, type Receiver } from './notify/registry.js';
import { readReload, sayReloaded } from './reload.js';
import { accountStatus, alertsOf, statusDocument, type AccountStatus, type DeliveryView } from './status.js';
import { sayStarted, sayUnheard } from './start-notes.js';
import { probeWritableDir } from './store/json-file.js';
import { keepStateDir } from './store/lock.js';
import { StateStore } from './store/state-store.js';
import { StateDirBusyError, StateDirError, WriteHealth } from './store/write-health.js';
import { StoreWriteError } from './store/write-error.js';
import { VERSION } from './version.js';

/** How long stop() lets a poll in flight finish before aborting it. */
const STOP_GRACE_MS = 5_000;

/** How a stop went: `lostNotifications` when owed deliveries could not be saved (they are gone). */
export interface StopResult {
  clean: boolean;
  lostNotifications: boolean;
}

/** The daemon: builds its parts in the constructor (no I/O), starts and stops them in order. */
export class App {
  readonly metrics: Metrics;
  readonly #health: WriteHealth;
  readonly #states: StateStore;
  readonly #http: HttpServer;
  readonly #fleet: Fleet;
  readonly #dispatcher: Dispatcher;
  /** The receivers in force (the environment's `default` and WALLETS_FILE's); a reload replaces them. */
  #receivers: Receiver[];
  #lock: { release(): void } | null = null;
  /** Settles once another daemon took STATE_DIR from under this one (its lock file was removed): it must yield. */
  #onLockLost: (err: StateDirBusyError) => void = () => undefined;
  readonly #lockLost = new Promise<StateDirBusyError>((resolve) => (this.#onLockLost = resolve));
  /** Aborts polls in flight when a stop's grace runs out; every poll in flight listens (up to POLL_CONCURRENCY). */
  readonly #shutdown = new AbortController();
  #ready = false;
  /** The wallet settings in force (the last good WALLETS_FILE): a reload goes on from these. */
  #settings: Settings;
  #reloading: Promise<unknown> = Promise.resolve();
  /**
   * Aborted once a stop is asked (requestStop, at the signal, maybe during start(); or stop()): no poll starts, nor
   * a retry, and start() returns before polling; a reload asked for or still reading the file applies nothing (wallets loaded
   * then were never polled, removed ones resolved on the way out).
   */
  readonly #stopAsked = new AbortController();
  /** The schedule's stop, begun by requestStop; stop() waits for it. */
  #scheduleStopped: Promise<void> | undefined;

  constructor(
    settings: Settings,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    /** The demo sends nothing on purpose: no warning that no channel is configured. */
    private readonly opts: { channelsExpected?: boolean } = {},
  ) {
    setMaxListeners(0, this.#shutdown.signal, this.#stopAsked.signal); // not a leak: one listener per poll in flight
    this.#settings = settings;
    this.metrics = createMetrics();
    this.#health = new WriteHealth({
      stateDir: settings.stateDir,
      log: log.child({ component: 'store' }),
      onChange: (healthy) => this.metrics.stateWriteHealthy.set(healthy ? 1 : 0),
      onFailure: () => this.metrics.stateWriteFailures.inc(),
    });
    this.#states = new StateStore(settings.stateDir, log.child({ component: 'store' }), { health: this.#health, now: this.now });
    this.#receivers = createReceivers(settings, now);
    this.#dispatcher = new Dispatcher({
      receivers: this.#receivers,
      store: new OutboxStore(this.#states.db, log.child({ component: 'outbox' })),
      metrics: this.metrics,
      log: log.child({ component: 'notify' }),
      retryBaseDelayMs: settings.alerts.retryBaseDelayMs,
      now,
    });
    this.metrics.readouts.notificationsOwed = () => this.#dispatcher.pending;
    this.metrics.readouts.oldestOwedAgeSeconds = () => this.#dispatcher.oldestOwedAgeSeconds();
    this.#fleet = new Fleet({
      settings,
      metrics: this.metrics,
      states: this.#states,
      notify: (notifications, receivers) => this.#dispatcher.enqueue(notifications, receivers),
      receivers: () => this.#receivers,
      log,
      now,
      shutdown: this.#shutdown.signal,
      stopping: this.#stopAsked.signal,
    });
    this.metrics.readouts.wallets = () => this.#fleet.runners;
    this.#http = new HttpServer({
      registry: this.metrics.registry,
      healthy: () => this.#fleet.schedule.running,
      ready: () => this.#ready,
      notReadyReason: () => this.#health.reason,
      status: () => this.statusParts(),
      log: log.child({ component: 'http' }),
      web: settings.http.web,
      pages: { wallets: () => this.#fleet.runners, now, shard: () => this.#shard(), troubled: () => this.#dispatcher.troubled() },
    });
  }

  /**
   * Checks STATE_DIR can be written and takes it (else rejects with StateDirError, or StateDirBusyError
   * while another daemon holds it, before anything binds or polls), loads every wallet's state, binds the
   * HTTP listener, polls every wallet once and schedules the rest. Resolves undefined, having polled nothing,
   * when a stop was asked meanwhile (requestStop): stop() then stops what was started.
   */
  async start(): Promise<AddressInfo | undefined> {
    const settings = this.#settings;
    if (this.#stopAsked.signal.aborted) return undefined;
    try {
      await probeWritableDir(settings.stateDir);
      this.#lock = keepStateDir(settings.stateDir, this.log.child({ component: 'store' }), (err) => this.#yieldStateDir(err));
      await this.#states.init(this.now());
    } catch (err) {
      if (err instanceof StateDirBusyError || err instanceof StateDirError) throw err;
      throw new StateDirError(settings.stateDir, safeErrorCode(err) ?? describeError(err), undefined, err instanceof StoreWriteError ? err.detail : undefined);
    }
    const wallets = walletsOfShard(settings.wallets, settings.shard);
    await this.#fleet.init(wallets);
    // Bound before anything is sent: a start that cannot listen (a METRICS_HOST that does not resolve, a port
    // in use) sent the owed notifications and closed the orphans' alerts first, then exited, at every restart.
    const address = await this.#http.listen(settings.http.host, settings.http.port);
    const orphans = this.#states.releasePreloaded(this.now()); // accounts in the database that no wallet of this process claimed
    await this.#dispatcher.start();
    const configured = new Map(settings.wallets.map((w) => [w.name, w])); // every shard's
    await this.#fleet.closeOrphans(orphans, (name) => configured.get(name));
    // The steps above may not have let the event loop look for signals (10,000 wallets' states load in
    // synchronous reads): one that came meanwhile runs its handler here, before anything is polled. Twice: an
    // immediate queued from an I/O callback runs in the same turn of the loop, before it looks again.
    await new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));
    if (this.#stopAsked.signal.aborted) return undefined;
    sayStarted(this.log, { settings, wallets, address, receivers: this.#receivers, channelsExpected: this.opts.channelsExpected !== false });
    this.#fleet.start();
    void this.#fleet.schedule.started.then(() => (this.#ready = true));
    return address;
  }

  /**
   * Another daemon took STATE_DIR: this one writes nothing more there (StateDb.abandon: its last states and
   * owed notifications are the other's business now, which loaded its commits and polls the same wallets)
   * and must stop (lockLost).
   */
  #yieldStateDir(err: StateDirBusyError): void {
    const dropped = this.#states.db.abandon();
    this.log.warn({ stateDir: err.stateDir, dropped, notificationsOwed: this.#dispatcher.pending }, 'STATE_DIR is another daemon\'s now: nothing more is written there (not at stop either); the changes not yet committed and the notifications still owed are left to it');
    this.#onLockLost(err);
  }

  /** Resolves if another daemon took STATE_DIR while this one ran (its lock file was removed): stop it, exit 75. */
  get lockLost(): Promise<StateDirBusyError> {
    return this.#lockLost;
  }

  /** Resolves once every wallet present at start finished its first poll (what /readyz waits for). */
  get firstPollsDone(): Promise<void> {
    return this.#fleet.schedule.started;
  }

  /**
   * SIGHUP: reads WALLETS_FILE again and applies it as a diff. A file with any problem changes nothing:
   * the running set stays, the problems are logged, and wallet_sentinel_config_last_reload_successful is 0.
   * `unlessDigest`: a file whose text has this digest (the one start-up read) is left as it is, quietly.
   */
  reload(opts: { unlessDigest?: string | undefined } = {}): Promise<ReloadSummary | undefined> {
    const run = this.#reloading.then(async () => {
      const settings = this.#settings;
      const started = performance.now();
      const loaded = await readReload({
        settings, log: this.log, metrics: this.metrics, stopping: this.#stopAsked.signal, watching: () => this.#fleet.size, unlessDigest: opts.unlessDigest,
      });
      if (loaded === undefined) return undefined;
      this.#settings = { ...settings, wallets: loaded.wallets, receivers: loaded.receivers };
      this.#receivers = createReceivers(this.#settings, this.now);
      this.#dispatcher.setReceivers(this.#receivers);
      const mine = walletsOfShard(loaded.wallets, settings.shard);
      const summary = await this.#fleet.apply(mine);
      this.metrics.configReloadSuccessful.set(summary.failed.length === 0 ? 1 : 0);
      sayReloaded(this.log, summary, this.#fleet.size, Math.round(performance.now() - started));
      if (this.opts.channelsExpected !== false) sayUnheard(this.log, mine, this.#receivers);
      return summary;
    });
    this.#reloading = run.catch(() => undefined);
    return run;
  }

  /** A stop is asked (SIGTERM, maybe during start()): from now on no poll starts; stop() does the rest. */
  requestStop(): void {
    if (this.#stopAsked.signal.aborted) return;
    this.#stopAsked.abort();
    this.#scheduleStopped = this.#fleet.schedule.stop();
    this.#scheduleStopped.catch(() => undefined); // said by stop(), which awaits it
  }

  /** Stops every part even if one fails: no new polls, the current ones finished (or aborted after a grace), state written, listener closed. */
  async stop(): Promise<StopResult> {
    const result: StopResult = { clean: true, lostNotifications: false };
    this.requestStop();
    const grace = setTimeout(() => this.#shutdown.abort(), STOP_GRACE_MS);
    const steps: [string, () => Promise<void>][] = [
      ['scheduler', async () => {
        await this.#reloading;
        await this.#scheduleStopped;
      }],
      ['notifications', () => this.#dispatcher.stop(STOP_GRACE_MS)],
      ['state', () => this.#fleet.stop()],
      ['database', () => this.#closeStates()],
      ['http', () => this.#http.close()],
    ];
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (err) {
        result.clean = false;
        if (err instanceof OwedNotSavedError) {
          result.lostNotifications = true;
          this.log.error({ part: name }, `stopping lost notifications: ${err.message}`);
        } else this.log.error({ part: name, err: describeError(err) }, 'failed to stop cleanly');
      }
    }
    clearTimeout(grace);
    this.#lock?.release(); // last: the state is written; a daemon waiting for STATE_DIR may take it
    this.#lock = null;
    this.log.info({ clean: result.clean }, 'wallet-sentinel stopped');
    return result;
  }

  /** The last commit; a failure is logged (like a failed save while running), not a failed stop. */
  async #closeStates(): Promise<void> {
    try {
      await this.#states.close();
    } catch (err) {
      this.log.warn({ file: this.#states.db.path, code: safeErrorCode(err) }, 'cannot write the state database at stop; history since the last good commit is lost');
    }
  }

  /**
   * The `/api/status` document in parts: each wallet as its last poll left it (the forecast /metrics and the
   * status page show, not one computed anew per request), `generated_at` when the request came.
   */
  statusParts(): AsyncGenerator<string> {
    const now = this.now();
    const delivery = this.#deliveryView();
    return statusDocument(
      { version: VERSION, generated_at: new Date(now).toISOString(), ...shardJson(this.#shard()) },
      [...this.#fleet.runners],
      (r) => this.#accountStatus(r, now, delivery),
      () => ({ notifications_owed: this.#dispatcher.pending }),
    );
  }

  /** This process's shard, as WALLETS_FILE reads now (a reload may change its count of wallets). */
  #shard(): ShardView | undefined {
    return shardView(this.#settings.shard, this.#settings.wallets.length);
  }

  /** Every wallet's `/api/status` entry in one go: for the demo's one wallet (a fleet's document is `statusParts`). */
  accountStatuses(): AccountStatus[] {
    const now = this.now();
    const delivery = this.#deliveryView();
    return this.#fleet.runners.map((r) => this.#accountStatus(r, now, delivery));
  }

  /** What is owed as of now, counted once for the whole document (not one outbox scan per alert). */
  #deliveryView(): DeliveryView {
    const owed = this.#dispatcher.owedByAlert();
    return { lastDeliveredAt: (id) => this.#dispatcher.lastDeliveredAt(id), owedFor: (id) => owed.get(id) ?? 0 };
  }

  #accountStatus(r: WalletRunner, now: number, delivery: DeliveryView): AccountStatus {
    const { state: s, forecast: f } = r.monitor.readout;
    return accountStatus(r.name, s, f, alertsOf(s.alerts, delivery), now);
  }
}
