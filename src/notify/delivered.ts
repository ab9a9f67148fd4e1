/**
 * When a target last accepted a notification of each alert (`last_notified_at` on /api/status), kept with the
 * outbox. An alert is forgotten once its resolve is accepted, so this holds the firing ones.
 */
import type { Notification } from '../domain/alerts.js';

/**
 * How many alert ids are remembered at most: the firing ones, as every accepted resolve forgets its alert
 * (200 lost most of a 500-wallet outage's: their status said no notification was ever accepted); the bound
 * only keeps stragglers from growing it.
 */
export const DELIVERED_MEMORY = 20_000;

export class DeliveredBook {
  /** Alert id → when; in the order accepted (the oldest go first past the bound). */
  #at: Map<string, number>;

  constructor(saved: Readonly<Record<string, number>> = {}) {
    this.#at = new Map(Object.entries(saved));
  }

  get(alertId: string): number | undefined {
    return this.#at.get(alertId);
  }

  /** A target accepted `n` at `now`: a firing one's time is kept, a resolve forgets its alert. */
  accepted(n: Notification, now: number): void {
    this.#at.delete(n.id); // re-inserted last: the map stays in delivery order
    if (n.status === 'resolved') return;
    this.#at.set(n.id, now);
    for (const id of this.#at.keys()) {
      if (this.#at.size <= DELIVERED_MEMORY) break;
      this.#at.delete(id);
    }
  }

  /** The latest time held (-Infinity when none): a saved book ahead of the clock tells of a step back. */
  latest(): number {
    let latest = -Infinity;
    for (const at of this.#at.values()) latest = Math.max(latest, at);
    return latest;
  }

  /** Moves every time by `ms` (a clock step). */
  shift(ms: number): void {
    for (const [id, at] of this.#at) this.#at.set(id, at + ms);
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries(this.#at);
  }
}
