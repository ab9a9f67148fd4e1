/**
 * Delivery that loses nothing and keeps up: every notification becomes one delivery per target of the
 * receivers it is routed to, kept in an outbox (in memory, mirrored to the state database) until the target
 * accepts it, gives a final no, or 24 h pass. Sending never waits for a disk that fails (only for the commit in progress).
 *
 * - Routing: a wallet names its receivers; a receiver limited to severities gets only those.
 * - Keeping up: up to `concurrency` attempts in flight per target once it has taken one (at a start, or after a
 *   reload changed its settings, one is out at a time until then: target.ts dueOf); a notification waits only
 *   for the earlier deliveries of the same alert to the same target (its start before its resolve), never for
 *   other alerts.
 * - Isolation: targets never wait for each other (a dead SMTP server never delays a webhook).
 * - Digests: an email or chat target that is quiet gets a notification at once; what other wallets send
 *   within its receiver's group interval is collected in one open digest, sent when the interval ends (the
 *   same wallet's next notifications still leave at once: one wallet never waits for a digest). The open
 *   digest is an outbox row like any other, so a restart sends it.
 * - Retries: ~5 s doubling up to 5 min (or the receiver's Retry-After, which pauses every delivery to that target). At-least-once: a notification leaves
 *   once the commit that holds it (and the alert state that decided it) is done or failed, so a crash after
 *   a send repeats it under the same id, never under a new one.
 */
import { setMaxListeners } from 'node:events';
import type { Notification } from '../domain/alerts.js';
import { MAX_TIMER_MS } from '../deadline.js';
import { SteppingClock, type Clocks } from '../clock.js';
import { safeErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import { DEFAULT_TARGET_CONCURRENCY, logGivenUp, MAX_DELIVERY_AGE_MS, MAX_RETRY_DELAY_MS, notificationsOf, retryDelay, STUCK_AFTER_MS, type Delivery } from './delivery.js';
import { OwedNotSavedError, type OutboxDoc, type OutboxStore } from './outbox-store.js';
import { DEFAULT_RECEIVER, type Receiver } from './registry.js';
import { addTo } from './grouping.js';
import { dueOf, oldestOwedDueAt, owedByAlert, owedCount, shiftTarget, troubledTargets, type ChannelTrouble, type Target } from './target.js';
import { dropRefused, probeAll, probeOf } from './parked.js';
import { handOverSaid, liveHeir, placesOf, retarget, targetBook, type Placement } from './retarget.js';
import { resumeOwed } from './resume.js';
import { noteTaken } from './taken.js';
import { DeliveredBook } from './delivered.js';
import { Routing } from './routing.js';
import { attempt, type AttemptDeps } from './attempt.js';
import type { Notifier } from './notifier.js';

export { MAX_DELIVERY_AGE_MS, MAX_RETRY_DELAY_MS, retryDelay, STUCK_AFTER_MS, type ChannelTrouble, type Delivery };

/** `now` defaults to Date.now; it is checked against the monotonic clock (src/clock.ts). */
export interface DispatcherDeps extends Partial<Clocks> {
  /** The receivers (src/notify/registry.ts); or `notifiers`: one receiver `default`, no digests. */
  receivers?: readonly Receiver[];
  notifiers?: readonly Notifier[];
  store: OutboxStore;
  metrics: Metrics;
  log: Logger;
  retryBaseDelayMs: number;
  /** Attempts in flight at once per target (default DEFAULT_TARGET_CONCURRENCY). */
  concurrency?: number;
  /** Log a delivery attempt still in flight after this long (default STUCK_AFTER_MS). */
  stuckAfterMs?: number;
  random?: () => number;
}

export class Dispatcher {
  readonly #targets = new Map<string, Target>();
  #delivered = new DeliveredBook();
  readonly #abort = new AbortController();
  readonly #wake = new Map<string, number>(); // target → earliest due attempt not yet started
  #timer: NodeJS.Timeout | undefined;
  readonly #routing: Routing;
  #stopped = false;
  /** Key by position (earlier builds) → key by destination: owed deliveries stored under the first (start). */
  #formerKeys = new Map<string, string>();
  /** start() read the outbox: from then on memory is the truth and stop() saves it. */
  #loaded = false;
  #seq = 0;
  readonly #clock: SteppingClock;
  readonly #random: () => number;
  readonly #concurrency: number;
  /** What each delivery attempt (attempt.ts) is given: the same for every one. */
  readonly #attemptDeps: AttemptDeps;

  constructor(private readonly d: DispatcherDeps) {
    this.#clock = new SteppingClock({ now: d.now ?? Date.now, monotonic: d.monotonic, boottime: d.boottime });
    this.#random = d.random ?? Math.random;
    this.#concurrency = Math.max(1, d.concurrency ?? DEFAULT_TARGET_CONCURRENCY);
    setMaxListeners(0, this.#abort.signal); // not a leak: one listener per send in flight (targets × concurrency)
    this.#routing = new Routing(d.log);
    this.#attemptDeps = { signal: this.#abort.signal, now: () => this.#now(), delivered: () => this.#delivered, routing: this.#routing, metrics: d.metrics, log: d.log, retryBaseDelayMs: d.retryBaseDelayMs, random: this.#random, stuckAfterMs: d.stuckAfterMs, mirror: (reached) => this.#mirror(reached) };
    this.setReceivers(d.receivers ?? [{ name: DEFAULT_RECEIVER, severities: undefined, groupIntervalMs: 0, notifiers: d.notifiers ?? [], alertmanagers: [] }]);
  }

  /**
   * Applies receivers (start, reload): new targets join, changed ones get their new sender, removed ones
   * finish what they owe — unless the reload replaced one by another of the same receiver and kind (a webhook's
   * URL corrected, an email's recipients changed): then what it owes and is not sending goes to the new one.
   */
  setReceivers(receivers: readonly Receiver[]): void {
    this.#routing.set(receivers);
    this.#formerKeys = new Map(receivers.flatMap((r) => [...(r.formerKeys ?? [])]));
    const before = JSON.stringify(targetBook(this.#targets));
    let moved = retarget(this.#targets, receivers, (from, heir) => this.#handOver(from, heir));
    for (const key of [...this.#wake.keys()]) if (!this.#targets.has(key)) this.#wake.delete(key); // a dropped target's past wake time armed the timer at 0 ms again and again
    // channels whose settings were refused (parked.ts): each tried at once (fixed?); a removed one gives up what it owes
    moved = probeAll(this.#targets.values(), this.#now(), this.d.log) || moved;
    for (const t of [...this.#targets.values()]) if (t.retired && !liveHeir(this.#targets, t)) moved = this.#dropRefused(t) || moved;
    if (moved) this.#pumpAll();
    // What moved or was retimed is written (a handed-over open digest does not leave now: a crash before the next commit
    // lost every wallet in it), and the targets, for a start to know what changed while it was stopped (resume.ts).
    if (this.#loaded && (moved || JSON.stringify(targetBook(this.#targets)) !== before)) void this.#mirror();
  }

  /** Notifications not yet accepted, one per target (a digest counts each it holds, an open one too). */
  get pending(): number {
    return owedCount(this.#targets.values());
  }

  /** Deliveries not yet accepted, per alert id: one pass over the outbox (a status page asks for every alert at once). */
  owedByAlert(): Map<string, number> {
    return owedByAlert(this.#targets.values());
  }

  /** The channels that owe notifications their last attempt failed at (refused, kept, retried), the longest owed first: for the status page. */
  troubled(): ChannelTrouble[] {
    return troubledTargets(this.#targets.values());
  }

  /** When a target last accepted a notification of this alert (undefined if none ever did). */
  lastDeliveredAt(alertId: string): number | undefined {
    return this.#delivered.get(alertId);
  }

  /**
   * Seconds since the oldest owed delivery was due; 0 when nothing is owed. A digest still collecting is not
   * late, and one that closed counts from the end of its interval (from its creation, a 30-minute group
   * interval read as half an hour of failing and set off WalletSentinelNotificationsStuck).
   */
  oldestOwedAgeSeconds(): number {
    const oldest = oldestOwedDueAt(this.#targets.values());
    return Number.isFinite(oldest) ? Math.max(0, this.#now() - oldest) / 1000 : 0;
  }

  /** Loads what a previous run still owed (open digests included), and starts sending it. */
  async start(): Promise<void> {
    const doc = await this.d.store.load(this.#now());
    this.#loaded = true;
    this.#delivered = new DeliveredBook(doc.delivered);
    const { kept, nextSeq } = resumeOwed(doc.deliveries, { targets: this.#targets, formerKeys: this.#formerKeys, saved: doc.targets, delivered: this.#delivered, now: this.#now(), log: this.d.log });
    this.#seq = Math.max(this.#seq, nextSeq);
    probeAll(this.#targets.values(), this.#now(), this.d.log);
    this.#pumpAll();
    if (kept !== doc.deliveries.length || JSON.stringify(doc.targets) !== JSON.stringify(targetBook(this.#targets))) await this.#mirror();
  }

  /**
   * Routes notifications to the targets of `receivers` (default: the receiver `default`) and starts sending
   * them once the commit that writes them is done — or failed (then it is retried in the background, and
   * sending does not wait for it). The caller stages the alert state that decided them before that commit
   * (Monitor#decided), so both are in it: sent before it, a crash in the next second forgot the alert while
   * its page was out, and the restart fired it again under a new id, the first never resolved. Never rejects.
   */
  async enqueue(notifications: readonly Notification[], receivers: readonly string[] = [DEFAULT_RECEIVER]): Promise<void> {
    if (notifications.length === 0) return;
    const now = this.#now();
    const touched = new Set<Target>();
    const held: Delivery[] = [];
    const add = (t: Target, n: Notification, placed: Placement) => {
      const x = addTo(t, n, now, this.#seq++, placed); // pinned, told: a resolve owed to the destination that took its alert's firing
      t.index.hold(x); // not before the commit that writes it: a retry landing meanwhile pumped this target
      held.push(x);
      touched.add(t);
    };
    for (const n of notifications) for (const [t, placed] of placesOf(this.#targets, this.#routing.targetsOf(n, receivers, this.#targets), n.id)) add(t, n, placed);
    if (touched.size === 0) return;
    await this.#mirror();
    for (const x of held) {
      const t = this.#targets.get(x.target); // a reload meanwhile may have handed it over
      if (!t) continue;
      t.index.release(x);
      touched.add(t);
    }
    for (const t of touched) this.#pump(t);
    this.#arm();
  }

  /**
   * No new attempts; sends in flight get `graceMs` to finish, then are aborted (and stay owed); the outbox is
   * saved. Rejects with OwedNotSavedError if the outbox cannot be written and owes deliveries no commit ever
   * wrote (those the database has from an earlier commit are sent at the next start: not lost).
   */
  async stop(graceMs: number): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.d.store.stopRetrying();
    const grace = setTimeout(() => this.#abort.abort(), graceMs);
    await Promise.allSettled([...this.#targets.values()].flatMap((t) => [...t.inFlight.values()]));
    clearTimeout(grace);
    for (const t of this.#targets.values()) t.notifier.close?.();
    // A start that could not read the outbox holds none of it: saving this empty queue would delete what is owed.
    if (!this.#loaded) return;
    const doc = this.#doc();
    try {
      await this.d.store.save(doc);
    } catch (err) {
      const code = safeErrorCode(err) ?? 'error';
      const lost = this.d.store.notSaved(doc.deliveries);
      if (lost > 0) throw new OwedNotSavedError(lost, this.d.store.path, code);
      const owed = doc.deliveries.length;
      const what = owed > 0 ? `the ${owed} owed notification(s) are in it as of its last commit and are sent at the next start` : 'nothing is owed';
      this.d.log.warn({ file: this.d.store.path, code, owed }, `cannot write the outbox at stop; ${what}, and a restart may re-send notifications already delivered`);
    }
  }

  /** Moves what `from` owes to `heir` and says so (retarget.ts handOverSaid): at a reload, or once an attempt in flight at the old destination lands. */
  #handOver(from: Target, heir: Target, keep?: ReadonlySet<string>): number {
    const { changed, dropped } = handOverSaid(from, heir, keep, this.#now(), this.d.log);
    if (dropped) void this.#mirror(); // gone from the outbox: a restart must not send them either
    return changed;
  }

  /** Retired `t` (a channel a reload removed, nothing in its place) whose settings were refused gives up what it owes, untried; true if any. */
  #dropRefused(t: Target): boolean {
    const gone = dropRefused(t, this.d.log);
    if (gone) void this.#mirror();
    this.#dropIfDrained(t);
    return gone;
  }

  /** Forgets a retired target that owes nothing and sends nothing now. */
  #dropIfDrained(t: Target): void {
    const key = t.notifier.key;
    if (!t.retired || t.queue.size > 0 || t.inFlight.size > 0 || this.#targets.get(key) !== t) return;
    this.#targets.delete(key);
    this.#wake.delete(key);
    t.notifier.close?.(); // its pool, if any (a resolve to it later opens another)
  }

  #pumpAll(): void {
    for (const t of this.#targets.values()) this.#pump(t);
    this.#arm();
  }

  /** Starts what is due for one target (see dueOf), and notes when the next one will be. */
  #pump(t: Target): void {
    if (this.#stopped) return;
    const now = this.#now();
    const { start, wake, expired = [] }: { start: Delivery[]; wake: number; expired?: Delivery[] } = t.refusing ? probeOf(t, t.refusing, now) : dueOf(t, now, this.#concurrency);
    for (const x of expired) logGivenUp(this.d.log, t.notifier.label, x, 'due more than 24 h ago, its channel refusing its settings');
    if (expired.length > 0) void this.#mirror();
    for (const x of start) {
      const landed = (took: boolean) => {
        t.inFlight.delete(x);
        t.index.landed(x);
        if (took && noteTaken(this.#targets.values(), t, x)) {
          void this.#mirror(); // its copies elsewhere never come back here
          // a replaced target whose copies waited for this one (target.ts handOver: owed at its heir) drops them now, as its
          // own next landing would: left there, its retry sent them to a destination that never heard of their alert
          for (const p of [...this.#targets.values()]) if (p.retired && p !== t && liveHeir(this.#targets, p) === t && this.#handOver(p, t) > 0) this.#dropIfDrained(p);
        }
        const heir = t.retired ? liveHeir(this.#targets, t) : undefined;
        if (t.retired && !heir) this.#dropRefused(t); // removed, and its settings refused: what it owes is given up
        // what waited for this attempt follows, unless it took the alerts: their resolve must reach it
        if (heir && this.#handOver(t, heir, took ? new Set(notificationsOf(x).map((n) => n.id)) : undefined) > 0) this.#pump(heir);
        this.#dropIfDrained(t); // by its own key, not x.target: a landed delivery may have moved to the heir
        this.#pump(t);
        this.#arm();
      };
      const run = attempt(t, x, this.#attemptDeps).then(landed, () => landed(false));
      t.inFlight.set(x, run);
    }
    if (Number.isFinite(wake)) this.#wake.set(t.notifier.key, wake);
    else this.#wake.delete(t.notifier.key);
  }

  /** One timer for the earliest due attempt of any target. */
  #arm(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    const now = this.#now(); // first: a step it notices moves the wake times
    let next = Infinity;
    for (const w of this.#wake.values()) next = Math.min(next, w);
    if (Number.isFinite(next)) this.#timer = setTimeout(() => this.#pumpAll(), Math.min(MAX_TIMER_MS, Math.max(0, next - now)));
  }

  /**
   * The wall clock. When it stepped on its own (NTP), every time kept here moves with it, as the poller's
   * timeline does: a retry due in 200 ms stays due in 200 ms (not in an hour after a one-hour step back),
   * and a delivery's 24 h limit stays 24 h of real time.
   */
  #now(): number {
    const { wall, jumpMs } = this.#clock.read();
    if (jumpMs === 0) return wall;
    for (const t of this.#targets.values()) shiftTarget(t, jumpMs);
    for (const [key, at] of this.#wake) this.#wake.set(key, at + jumpMs);
    this.#delivered.shift(jumpMs);
    this.d.log.warn({ stepMs: jumpMs }, "a clock step (the poller's line says how far): the retry times of owed notifications moved with it");
    return wall;
  }

  #doc(): OutboxDoc {
    const deliveries: Delivery[] = [];
    for (const t of this.#targets.values()) for (const x of t.queue) deliveries.push(x); // not a spread: a queue may outgrow the stack
    return { deliveries, delivered: this.#delivered.toJSON(), targets: targetBook(this.#targets) };
  }

  /** Writes the outbox to disk, best effort (a failure shows in WriteHealth and is retried by the store). */
  #mirror(reached?: Delivery): Promise<boolean> {
    return this.d.store.mirror(() => this.#doc(), reached);
  }
}
