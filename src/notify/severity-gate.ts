/**
 * Where a resolve goes, and which notifications pass a receiver limited to severities (`severities:
 * [critical]`). A resolve goes to the wallet's receivers AND to every receiver told of the alert firing, so
 * a reload that changed the wallet's receivers meanwhile still closes the incident the old one opened. A
 * limited receiver gets its severities, and the resolve of every alert it was told of, whatever the
 * severity at resolve (a de-escalated alert must still close its PagerDuty incident). Of an alert that
 * started before this process it cannot know whether a receiver was told: the resolve passes (a resolve
 * too many is harmless, an incident left open is not). Memory: the alerts firing.
 */
import type { Notification } from '../domain/alerts.js';
import type { Receiver } from './registry.js';

export class SeverityGate {
  /** Alerts that started in this process. */
  readonly #startedHere = new Set<string>();
  /** Alert id → the receivers told of it firing. */
  readonly #told = new Map<string, Set<string>>();

  /** Call before routing each notification. */
  started(n: Notification): void {
    if (n.reason === 'start') this.#startedHere.add(n.id);
  }

  /** The receivers `n` is routed to: the wallet's, and for a resolve also those told of the alert. */
  routes(n: Notification, receivers: readonly string[]): Set<string> {
    const out = new Set(receivers);
    if (n.status === 'resolved') for (const name of this.#told.get(n.id) ?? []) out.add(name);
    return out;
  }

  passes(r: Pick<Receiver, 'name' | 'severities'>, n: Notification): boolean {
    const pass = !r.severities || r.severities.includes(n.severity) || (n.status === 'resolved' && (this.#told.get(n.id)?.has(r.name) === true || !this.#startedHere.has(n.id)));
    if (pass && n.status === 'firing') {
      const told = this.#told.get(n.id) ?? new Set<string>();
      this.#told.set(n.id, told.add(r.name));
    }
    return pass;
  }

  /** Every receiver some firing alert was told of (its resolve still goes there). */
  toldReceivers(): Set<string> {
    const names = new Set<string>();
    for (const told of this.#told.values()) for (const name of told) names.add(name);
    return names;
  }

  /** Call after routing each notification: a resolve ends what is remembered of its alert. */
  resolved(n: Notification): void {
    if (n.status !== 'resolved') return;
    this.#startedHere.delete(n.id);
    this.#told.delete(n.id);
  }
}
