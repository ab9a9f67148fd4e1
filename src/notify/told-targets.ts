/**
 * Which targets (channels) took each firing alert, to send its resolve to those a reload retired since: a
 * PagerDuty routing key changed while an incident was open, a webhook removed from its receiver. The resolve
 * went only to the receiver's channels as configured at resolve, and the incident the old key opened
 * stayed open for good. Recorded when a target accepts the firing (not when it is queued: a firing a
 * corrected URL handed over never reached the old one, which has nothing to close). Memory: the firing
 * alerts' channels; a resolve accepted at a channel, or routed, ends what is kept.
 */
import type { Notification } from '../domain/alerts.js';
import type { Notifier } from './notifier.js';

export interface ToldTarget {
  readonly notifier: Notifier;
  readonly groupIntervalMs: number;
}

export class ToldTargets {
  /** Alert id → target key → the target's sender when it took the firing. */
  readonly #told = new Map<string, Map<string, ToldTarget>>();

  /** A target accepted `n`: a firing is remembered there; a resolve ends it there. */
  accepted(n: Notification, key: string, target: ToldTarget): void {
    const told = this.#told.get(n.id);
    if (n.status === 'firing') {
      if (told) told.set(key, target);
      else this.#told.set(n.id, new Map([[key, target]]));
    } else if (told?.delete(key) && told.size === 0) this.#told.delete(n.id);
  }

  /** The targets told of the alert `id` firing, forgotten here: its resolve is being routed. */
  take(id: string): ReadonlyMap<string, ToldTarget> {
    const told = this.#told.get(id);
    this.#told.delete(id);
    return told ?? new Map();
  }
}
