import type { AddressInfo } from 'node:net';
import type { Settings } from './config/settings.js';
import { describeError, safeErrorCode } from './errors.js';
import type { Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { HttpServer } from './http/server.js';
import { repeatPolicy } from './domain/evaluate.js';
import { AlertmanagerSync } from './notify/alertmanager/alertmanager.js';
import { Dispatcher, OwedNotSavedError } from './notify/dispatch.js';
import { OutboxStore } from './notify/outbox-store.js';
import { createNotifiers } from './notify/registry.js';
import { AccountMonitor } from './poller/monitor.js';
import { pollBalance } from './poller/poll.js';
import { Scheduler } from './poller/scheduler.js';
import { accountStatus, alertsOf } from './status.js';
import { probeWritableDir } from './store/json-file.js';
import { StateStore } from './store/state-store.js';
import { StateDirError, WriteHealth } from './store/write-health.js';
import { TelephonyClient } from './telephony/client.js';
import { USER_AGENT, VERSION } from './version.js';

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
  readonly #monitor: AccountMonitor;
  readonly #scheduler: Scheduler;
  readonly #dispatcher: Dispatcher;
  readonly #alertmanager: AlertmanagerSync | undefined;
  readonly #shutdown = new AbortController();
  #ready = false;

  constructor(
    private readonly settings: Settings,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    const account = settings.accountName;
    this.metrics = createMetrics(account);
    this.#health = new WriteHealth({
      stateDir: settings.stateDir,
      log: log.child({ component: 'store' }),
      onChange: (healthy) => this.metrics.stateWriteHealthy.set(healthy ? 1 : 0),
      onFailure: () => this.metrics.stateWriteFailures.inc(),
    });
    this.#states = new StateStore(settings.stateDir, log.child({ component: 'store' }), { health: this.#health });
    const { api } = settings;
    if (!api.apiKey) throw new Error('the daemon needs TELEPHONY_API_KEY'); // loadSettings enforces it
    const client = new TelephonyClient({
      ...api,
      apiKey: api.apiKey,
      userAgent: USER_AGENT,
      now,
      onAttempt: (code, seconds) => {
        this.metrics.requests.inc({ account, code });
        this.metrics.requestDuration.observe({ account }, seconds);
      },
    });
    this.#dispatcher = new Dispatcher({
      notifiers: createNotifiers(settings, now),
      store: new OutboxStore(this.#states.db, log.child({ component: 'outbox' })),
      metrics: this.metrics,
      log: log.child({ component: 'notify' }),
      retryBaseDelayMs: settings.alerts.retryBaseDelayMs,
      now,
    });
    this.metrics.readouts.notificationsOwed = () => this.#dispatcher.pending;
    this.metrics.readouts.oldestOwedAgeSeconds = () => this.#dispatcher.oldestOwedAgeSeconds();
    this.#alertmanager =
      settings.alertmanager.length === 0
        ? undefined
        : new AlertmanagerSync({
            targets: settings.alertmanager,
            account,
            // like Prometheus: a firing alert stays valid a few polls ahead, then expires if not re-sent
            resendTtlMs: () => Math.max(5 * 60_000, 4 * (this.#scheduler.intervalMs() ?? 60_000)),
            metrics: this.metrics,
            log: log.child({ component: 'alertmanager' }),
          });
    this.#monitor = new AccountMonitor({
      evaluation: { account, rules: settings.rules, repeat: repeatPolicy(settings.alerts) },
      poll: (opts) => pollBalance(client, opts),
      notify: (notifications) => this.#dispatcher.enqueue(notifications),
      onAlerts: this.#alertmanager ? (book, wallet, at) => this.#alertmanager!.trigger(book, wallet, at) : undefined,
      store: this.#states.account(account),
      metrics: this.metrics,
      log: log.child({ component: 'poller', account }),
      now,
    });
    this.#scheduler = new Scheduler({
      schedule: settings.poll.schedule,
      timezone: settings.poll.timezone,
      log: log.child({ component: 'scheduler' }),
      run: () => this.#poll(),
      onOverlap: () => {
        this.metrics.skipped.inc({ account, reason: 'overlap' });
        log.warn({ account }, 'poll skipped: the previous poll is still running');
      },
    });
    this.#http = new HttpServer({
      registry: this.metrics.registry,
      healthy: () => this.#scheduler.running,
      ready: () => this.#ready,
      notReadyReason: () => this.#health.reason,
      status: () => this.status(),
      log: log.child({ component: 'http' }),
      web: settings.http.web,
    });
  }

  /**
   * Checks STATE_DIR can be written (else rejects with StateDirError before anything binds or polls),
   * loads state, binds the HTTP listener, runs the first poll and schedules the rest.
   */
  async start(): Promise<AddressInfo> {
    try {
      await probeWritableDir(this.settings.stateDir);
      await this.#states.init(this.now());
    } catch (err) {
      throw new StateDirError(this.settings.stateDir, safeErrorCode(err) ?? describeError(err));
    }
    await this.#monitor.init();
    this.#states.releasePreloaded();
    await this.#dispatcher.start();
    const address = await this.#http.listen(this.settings.http.host, this.settings.http.port);
    this.log.info(
      { version: VERSION, account: this.settings.accountName, schedule: this.settings.poll.schedule, listen: `${address.address}:${address.port}` },
      'wallet-sentinel started',
    );
    this.#scheduler.start();
    return address;
  }

  /** Stops every part even if one fails: no new polls, the current one finished (or aborted after a grace), state written, listener closed. */
  async stop(): Promise<StopResult> {
    const result: StopResult = { clean: true, lostNotifications: false };
    const grace = setTimeout(() => this.#shutdown.abort(), STOP_GRACE_MS);
    const steps: [string, () => Promise<void>][] = [
      ['scheduler', () => this.#scheduler.stop()],
      ['notifications', () => this.#dispatcher.stop(STOP_GRACE_MS)],
      ['alertmanager', async () => this.#alertmanager?.flush()],
      ['state', () => this.#monitor.save()],
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

  status() {
    const now = this.now();
    const f = this.#monitor.forecast(now); // first: it checks the clock, and a step moves the state's times
    const s = this.#monitor.state;
    return {
      version: VERSION,
      generated_at: new Date(now).toISOString(),
      accounts: [accountStatus(this.settings.accountName, s, f, alertsOf(s.alerts, this.#dispatcher), now)],
      notifications_owed: this.#dispatcher.pending,
    };
  }

  async #poll(): Promise<void> {
    const deadline = this.#scheduler.nextRunAt();
    await this.#monitor.tick({ signal: this.#shutdown.signal, deadline });
    this.#ready = true;
  }
}
