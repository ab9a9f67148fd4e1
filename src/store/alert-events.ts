/**
 * The alert timeline of each account: one row per notification decided (fired, escalated, repeated,
 * resolved), kept as long as the readings (14 days), for the status page. The alert book in the state
 * holds only what fires now and the outbox forgets a delivery once it is accepted, so neither can tell
 * what happened yesterday. Written in the same transaction as the state that decided it.
 */
import type { Notification, NotificationReason } from '../domain/alerts.js';
import type { Conn } from './db.js';
import { HOUR_MS, KEEP_HOURS } from './readings.js';

export const ALERT_EVENTS_SCHEMA = `CREATE TABLE IF NOT EXISTS alert_events (seq INTEGER PRIMARY KEY, account_id INTEGER NOT NULL, t REAL NOT NULL, event TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS alert_events_by_account ON alert_events (account_id, t);`;

export interface AlertEvent {
  /** When the lifecycle decided it (epoch ms). */
  t: number;
  /** The alert instance: the same across its start, escalation, repeats and resolve. */
  id: string;
  alertname: string;
  severity: string;
  reason: NotificationReason;
}

export function eventOf(n: Notification): AlertEvent | undefined {
  if (n.alertname === 'test' || n.reason === 'test') return undefined;
  return { t: n.decidedAt, id: n.id, alertname: n.alertname, severity: n.severity, reason: n.reason };
}

/** Appends `events` and drops what is older than the readings keep. */
export function writeAlertEvents(db: Conn, accountId: number, events: readonly AlertEvent[]): void {
  if (events.length === 0) return;
  const put = db.prepare<[number, number, string]>('INSERT INTO alert_events (account_id, t, event) VALUES (?, ?, ?)');
  for (const e of events) put.run(accountId, e.t, JSON.stringify(e));
  const newest = Math.max(...events.map((e) => e.t));
  db.prepare('DELETE FROM alert_events WHERE account_id = ? AND t < ?').run(accountId, newest - KEEP_HOURS * HOUR_MS);
}

/** The events of one account with from ≤ t ≤ to, oldest first. */
export function readAlertEvents(db: Conn, accountId: number, from: number, to: number): AlertEvent[] {
  return db
    .prepare<[number, number, number], { event: string }>('SELECT event FROM alert_events WHERE account_id = ? AND t >= ? AND t <= ? ORDER BY t, seq')
    .all(accountId, from, to)
    .map((r) => JSON.parse(r.event) as AlertEvent);
}
