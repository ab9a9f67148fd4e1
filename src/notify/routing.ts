/**
 * Which targets a notification goes to (the Dispatcher's routing half; dispatch.ts sends). A wallet names its
 * receivers; a receiver limited to severities gets only those (SeverityGate); a resolve also goes where its
 * alert was told of firing — a receiver a reload removed, a channel a reload retired — so the incident it
 * opened is closed.
 */
import type { Notification } from '../domain/alerts.js';
import type { Logger } from '../log.js';
import type { Receiver } from './registry.js';
import { SeverityGate } from './severity-gate.js';
import { newTarget, type Target } from './target.js';
import { ToldTargets, type ToldTarget } from './told-targets.js';

export class Routing {
  #receivers = new Map<string, Receiver>();
  /**
   * Receivers reloads removed, kept for resolves: those the last reload removed (a wallet removed together
   * with its receiver closes its alerts there; the PagerDuty incident it opened stayed open for good), and
   * earlier ones while an alert told of firing there still fires (a second reload forgot them, and its resolve was not sent).
   */
  #removed = new Map<string, Receiver>();
  readonly #gate = new SeverityGate();
  readonly #told = new ToldTargets();

  constructor(private readonly log: Logger) {}

  /** Applies receivers (start, reload); those removed are kept for the resolves they are owed. */
  set(receivers: readonly Receiver[]): void {
    const next = new Map(receivers.map((r) => [r.name, r]));
    const told = this.#gate.toldReceivers();
    const earlier = [...this.#removed].filter(([name]) => told.has(name));
    this.#removed = new Map([...earlier, ...this.#receivers].filter(([name]) => !next.has(name)));
    this.#receivers = next;
  }

  /** A target (keyed `key`) accepted `n`: where its resolve must go later. */
  accepted(n: Notification, key: string, told: ToldTarget): void {
    this.#told.accepted(n, key, told);
  }

  /**
   * The targets `n` goes to: `routed`, those of the wallet's `receivers`; `also`, for a resolve, those of the
   * receivers told of its alert firing that are no longer the wallet's; `told`, the channels that took its
   * firing that it goes to as well (#toldElsewhere): those of `targets`, or new ones added there (a removed
   * receiver's target may be gone once it had nothing left to send: back for this resolve, retired). Call once
   * per notification, in order: a firing is remembered for its resolve, a resolve ends it. A destination
   * reached twice this way (a receiver renamed: the same URL under two keys) is told once (retarget.ts placesOf).
   */
  targetsOf(n: Notification, receivers: readonly string[], targets: Map<string, Target>): { routed: Target[]; also: Target[]; told: Target[]; toldKeys: ReadonlySet<string> } {
    this.#gate.started(n);
    const out: Target[] = [];
    const also: Target[] = [];
    const routed = new Set<string>();
    const considered = new Set<string>(); // the channels of the receivers routed to, passed or not
    for (const name of this.#gate.routes(n, receivers)) {
      const r = this.#receivers.get(name) ?? (n.status === 'resolved' ? this.#removed.get(name) : undefined);
      if (!r) {
        this.log.error({ receiver: name, alert: n.alertname, id: n.id, status: n.status }, 'notification routed to a receiver that is no longer configured: not sent');
        continue;
      }
      for (const notifier of r.notifiers) considered.add(notifier.key);
      if (!this.#gate.passes(r, n)) continue;
      for (const notifier of r.notifiers) {
        (receivers.includes(name) ? out : also).push(targetFor(targets, notifier.key, () => newTarget(notifier, r.groupIntervalMs, true)));
        routed.add(notifier.key);
      }
    }
    const toldKeys = new Set<string>();
    const told = n.status === 'resolved' ? owingElsewhere(n.id, routed, targets, this.#toldElsewhere(n, routed, considered, targets, toldKeys)) : [];
    this.#gate.resolved(n);
    return { routed: out, also, told, toldKeys };
  }

  /**
   * A resolve also goes to every channel that took its alert firing in this process and that it is not routed
   * to: one a reload retired since (a PagerDuty routing key changed, a webhook removed), or one of a receiver
   * the wallet no longer names, where the routing could not know it was told (a firing owed at a restart and
   * accepted after it): the incident it opened is closed. A channel of a receiver this resolve was routed to
   * and still configured was left out by that receiver's severities: not added.
   */
  #toldElsewhere(n: Notification, routed: ReadonlySet<string>, considered: ReadonlySet<string>, targets: Map<string, Target>, toldKeys: Set<string>): Target[] {
    const out: Target[] = [];
    for (const [key, told] of this.#told.take(n.id)) {
      toldKeys.add(key); // every channel that took the firing, routed to or not (told.ts)
      if (routed.has(key)) continue;
      const t = targets.get(key);
      if (t && !t.retired && considered.has(key)) continue;
      out.push(t ?? targetFor(targets, key, () => newTarget(told.notifier, told.groupIntervalMs, true)));
    }
    return out;
  }
}

/**
 * `told`, and each configured channel the resolve is not routed to that still owes an earlier delivery of its
 * alert (a firing owed at a restart, not taken yet, at a receiver the wallet no longer names): the resolve
 * follows it there. Told only at acceptance, the routing left it out, and the firing, taken later, paged for
 * an alert already over and opened an incident nothing closed. A retired channel's is its heir's business
 * (retarget.ts owingBefore, the hand-over).
 */
function owingElsewhere(id: string, routed: ReadonlySet<string>, targets: Map<string, Target>, told: Target[]): Target[] {
  for (const t of targets.values()) if (!t.retired && !routed.has(t.notifier.key) && !told.includes(t) && t.index.owesOther(id)) told.push(t);
  return told;
}

function targetFor(targets: Map<string, Target>, key: string, make: () => Target): Target {
  let t = targets.get(key);
  if (!t) targets.set(key, (t = make()));
  return t;
}
