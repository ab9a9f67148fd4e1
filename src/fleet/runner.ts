/**
 * One wallet of the fleet: its settings, its upstream client, its poll cycle (AccountMonitor) and the
 * counters a scrape reads. A reload that changes the wallet reconfigures it in place (see Fleet.apply).
 */
import type { Settings, WalletSettings } from '../config/settings.js';
import type { EvaluationConfig } from '../domain/evaluate.js';
import type { Logger } from '../log.js';
import { SKIP_REASONS, type SkipReason, type WalletReadout } from '../metrics/collector.js';
import { AccountMonitor, type Fetched } from '../poller/monitor.js';
import { pollBalance } from '../poller/poll.js';
import { BalanceClient, type FetchOptions } from '../telephony/client.js';
import { endpointFor, sameAccount, sameCredentials } from '../providers/index.js';
import { asSent, evaluationOf } from './wallet-evaluation.js';
import type { AlertmanagerSync } from '../notify/alertmanager/alertmanager.js';
import type { Notification, WalletSnapshot } from '../domain/alerts.js';
import type { AccountStore } from '../store/account-store.js';
import type { AlertEvent } from '../store/alert-events.js';
import type { Sample } from '../domain/history.js';
import { USER_AGENT } from '../version.js';
import { routingOf } from './orphans.js';
import { shared } from '../strings.js';

export interface RunnerDeps {
  settings: Pick<Settings, 'requestTimeoutMs' | 'alerts' | 'walletsFile'>;
  store: AccountStore;
  notify: (notifications: Notification[], receivers: readonly string[]) => Promise<void>;
  alertmanager: AlertmanagerSync | undefined;
  /** Once per HTTP attempt, for the per-provider duration histogram. */
  observeDuration: (provider: string, seconds: number) => void;
  log: Logger;
  now: () => number;
}

/** What Alertmanager is told of a wallet no longer watched: nothing measured. */
const NO_WALLET: WalletSnapshot = { balance: null, currency: null, burnRatePerHour: null, runwaySeconds: null };

/**
 * Closes a removed wallet's firing alerts on every channel (reason `unwatched`); Alertmanager hears them resolved
 * rather than waiting for them to expire, when the others do: told at the removal of a wallet whose poll still
 * ran, it heard "resolved" of alerts a re-add kept firing everywhere else, then "firing" again at the next poll.
 */
function closeAlerts(monitor: AccountMonitor, alertmanager: AlertmanagerSync | undefined, now: () => number): Promise<void> {
  const closing = monitor.unwatch();
  alertmanager?.trigger({}, NO_WALLET, now());
  return closing;
}

/** Where a wallet is in the schedule: a wallet is never polled twice at once, nor queued twice. */
export type RunnerPhase = 'idle' | 'queued' | 'running';

export class WalletRunner implements WalletReadout {
  #wallet: WalletSettings;
  #origin: string;
  #client: BalanceClient;
  readonly monitor: AccountMonitor;
  readonly requests = new Map<string, number>();
  readonly skipped: Record<SkipReason, number> = Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as Record<SkipReason, number>;
  phase: RunnerPhase = 'idle';
  readonly alertmanager: AlertmanagerSync | undefined;
  /** Set once the wallet is no longer watched: a poll still in flight finishes, nothing new starts. */
  removed = false;

  constructor(
    wallet: WalletSettings,
    private readonly d: RunnerDeps,
  ) {
    this.#wallet = wallet;
    this.#origin = originOf(wallet.api.baseUrl);
    this.alertmanager = d.alertmanager;
    this.#client = this.#makeClient(wallet);
    d.store.route(routingOf(wallet));
    this.monitor = new AccountMonitor({
      evaluation: this.#evaluation(wallet),
      poll: (opts) => pollBalance(this.#client, opts),
      // the wallet's labels and provider travel with its notifications to the receivers it names (issue 11)
      notify: (ns) => d.notify(ns.map((n) => asSent(this.#wallet, n)), this.#wallet.receivers),
      // a poll that ends after the wallet was removed must not re-post what the removal resolved
      onAlerts: d.alertmanager ? (book, snap, at) => void (this.removed || d.alertmanager!.trigger(book, snap, at)) : undefined,
      onRestored: d.alertmanager ? (book, snap, at) => d.alertmanager!.restore(book, snap, at) : undefined,
      store: d.store,
      log: d.log,
      quietPolls: d.settings.walletsFile !== undefined,
      now: d.now,
    });
  }

  get wallet(): WalletSettings {
    return this.#wallet;
  }

  get name(): string {
    return this.#wallet.name;
  }

  /** The origin (scheme, host, port) of the API it polls (asked twice a poll by the schedule: kept, not parsed each time). */
  get origin(): string {
    return this.#origin;
  }

  get readout() {
    return this.monitor.readout;
  }

  /** Stored readings with from ≤ t ≤ to (up to 14 days), oldest first: the status page's history. */
  history(from: number, to: number): Sample[] {
    return this.d.store.readRange(from, to);
  }

  /** The alert timeline (fired, escalated, repeated, resolved) with from ≤ t ≤ to, oldest first. */
  alertEvents(from: number, to: number): AlertEvent[] {
    return this.d.store.alertEvents(from, to);
  }

  /**
   * The wallet's settings changed in a reload. Alert state and counters stay: the name is the wallet's
   * identity (its `account` label and its state), and the most common API change is a rotated key. So does
   * the history, unless it now reads another balance (readsAnotherBalance). A new client is made for the API part; a
   * poll in flight finishes with the old one.
   */
  reconfigure(wallet: WalletSettings): void {
    const apiChanged = JSON.stringify(apiOf(wallet)) !== JSON.stringify(apiOf(this.#wallet)) || !sameCredentials(wallet.api.credentials, this.#wallet.api.credentials);
    // A Retry-After is the server's: a rotated key or a new balance field at the same origin still waits it out.
    const origin = originOf(wallet.api.baseUrl);
    const otherServer = wallet.provider !== this.#wallet.provider || origin !== this.#origin;
    const otherBalance = readsAnotherBalance(wallet, this.#wallet);
    this.#wallet = wallet;
    this.#origin = origin;
    if (apiChanged) this.#client = this.#makeClient(wallet);
    this.d.store.route(routingOf(wallet));
    this.monitor.configure(this.#evaluation(wallet), { otherServer, otherBalance });
  }

  /** One scheduled slot; 'rate_limited' when a Retry-After still runs (nothing was sent). */
  async poll(opts: FetchOptions, fetched?: Fetched): Promise<'polled' | 'rate_limited'> {
    return this.#slotDone(await this.monitor.tick(opts, fetched));
  }

  /** One scheduled slot whose poll fails without asking, its API silent (origins.ts); as `poll` otherwise. */
  async pollUnasked(why: string): Promise<'polled' | 'rate_limited'> {
    return this.#slotDone(await this.monitor.tickUnasked(why));
  }

  async #slotDone(r: 'polled' | 'rate_limited'): Promise<'polled' | 'rate_limited'> {
    if (r === 'rate_limited') this.skipped.rate_limited++;
    if (this.removed) await closeAlerts(this.monitor, this.alertmanager, () => this.d.now()); // removed while this poll ran: its alerts close now
    return r;
  }

  /**
   * No longer watched (a reload removed it): nothing new starts, and its firing alerts close — now, or at the
   * end of a poll still running (which would otherwise decide on the book the closing emptied; a reload that
   * adds it back before then keeps them firing).
   */
  unwatch(): Promise<void> {
    this.removed = true;
    return this.phase === 'running' ? Promise.resolve() : closeAlerts(this.monitor, this.alertmanager, () => this.d.now());
  }

  #evaluation(wallet: WalletSettings): EvaluationConfig {
    return evaluationOf(wallet, this.d.settings.alerts);
  }

  #makeClient(wallet: WalletSettings): BalanceClient {
    return new BalanceClient({
      baseUrl: wallet.api.baseUrl,
      endpoint: endpointFor(wallet), // loadSettings enforces the credentials for start
      timeoutMs: this.d.settings.requestTimeoutMs,
      userAgent: USER_AGENT,
      now: this.d.now,
      onAttempt: (code, seconds) => {
        this.requests.set(code, (this.requests.get(code) ?? 0) + 1);
        this.d.observeDuration(wallet.provider, seconds);
      },
    });
  }
}

function originOf(url: string): string {
  try {
    return shared(new URL(url).origin); // kept by every wallet: one string for all that ask the same API
  } catch {
    return url;
  }
}

/**
 * Which balance a wallet reads: another provider, another account (a credential that names it: Twilio's
 * account_sid, Plivo's auth_id…), or another path, field or currency, is another balance, whose step from the
 * last is no spend. The origin (a proxy moved), the secrets (a rotated key) and how it signs in are not: the
 * same balance, history kept.
 */
function readsAnotherBalance(a: WalletSettings, b: WalletSettings): boolean {
  const read = (w: WalletSettings) => ({ path: w.api.balancePath, field: w.api.balanceField, currencyField: w.api.currencyField, currency: w.api.currency, generic: w.api.generic && { ...w.api.generic, auth: undefined } });
  return !sameAccount(a, b) || JSON.stringify(read(a)) !== JSON.stringify(read(b));
}

const apiOf = (w: WalletSettings) => ({ provider: w.provider, ...w.api, apiKey: undefined, credentials: undefined });

/** Whether a reload changed a wallet at all (the credentials compared by value, never printed). */
export function sameWallet(a: WalletSettings, b: WalletSettings): boolean {
  return JSON.stringify({ ...a, api: apiOf(a) }) === JSON.stringify({ ...b, api: apiOf(b) }) && sameCredentials(a.api.credentials, b.api.credentials);
}
