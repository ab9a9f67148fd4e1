/** The body PagerDuty's Events API v2 receives. PURE. */
import type { Notification } from '../../domain/alerts.js';
import { action, summary } from '../../domain/messages.js';
import { isoSeconds } from '../notifier.js';
import { webhookBody } from '../webhook/body.js';

/**
 * An alert's incident per severity: a warning's dedup_key is the alert's id, a critical's the id and
 * `/critical`. An escalation appended to the warning's incident (one dedup_key) is no new incident: PagerDuty
 * pages nobody for it, its urgency stays the warning's (a service whose urgency follows severity), and an
 * incident acknowledged two days before at the 72 h warning swallowed the 24 h page.
 */
export const dedupKey = (id: string, severity: Notification['severity']): string => (severity === 'critical' ? `${id}/critical` : id);

/** One event: `n`'s own (trigger or resolve its severity's incident), or `event` (another of its incidents); the wallet's labels in custom_details. */
export function pagerdutyBody(n: Notification, routingKey: string, sentAt: number, event?: { action: 'trigger' | 'resolve'; severity: Notification['severity'] }) {
  return {
    routing_key: routingKey,
    event_action: event?.action ?? (n.status === 'firing' ? 'trigger' : 'resolve'),
    dedup_key: dedupKey(n.id, event?.severity ?? n.severity),
    payload: {
      summary: summary(n),
      source: `wallet-sentinel/${n.account}`,
      severity: n.severity,
      component: 'telephony-wallet',
      group: n.alertname,
      timestamp: isoSeconds(n.decidedAt), // "when the emitting tool detected the event": a retry hours later keeps it
      custom_details: { ...webhookBody(n, sentAt), action: action(n) },
    },
  };
}
