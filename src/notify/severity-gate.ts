/**
 * Which notifications pass a receiver limited to severities (`severities: [critical]`): those of its
 * severities, and the resolve of every alert it was told of, whatever the severity at resolve (a
 * de-escalated alert must still close its PagerDuty incident). Of an alert that started before this
 * process it cannot know whether the receiver was told: the resolve passes (a resolve too many is harmless,
 * an incident left open is not). Memory: the alerts firing.
 */
import type { Notification } from '../domain/alerts.js';
import type { Receiver } from './registry.js';

export class SeverityGate {
  /** Alerts that started in this process. */
  readonly #startedHere = new Set<string>();
  /** `<receiver>\n<alert id>`: a limited receiver was told of this firing alert. */
  readonly #told = new Set<string>();

  /** Call before routing each notification. */
  started(n: Notification): void {
    if (n.reason === 'start') this.#startedHere.add(n.id);
  }

  passes(r: Pick<Receiver, 'name' | 'severities'>, n: Notification): boolean {
    if (!r.severities) return true;
    const key = `${r.name}\n${n.id}`;
    if (r.severities.includes(n.severity)) {
      if (n.status === 'firing') this.#told.add(key);
      return true;
    }
    return n.status === 'resolved' && (this.#told.has(key) || !this.#startedHere.has(n.id));
  }

  /** Call after routing each notification: a resolve ends what is remembered of its alert. */
  resolved(n: Notification, receivers: readonly string[]): void {
    if (n.status !== 'resolved') return;
    this.#startedHere.delete(n.id);
    for (const name of receivers) this.#told.delete(`${name}\n${n.id}`);
  }
}
