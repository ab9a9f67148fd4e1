/** The body PagerDuty's Events API v2 receives. PURE. */
import type { Notification } from '../../domain/alerts.js';
import { action, summary } from '../../domain/messages.js';
import { isoSeconds } from '../notifier.js';
import { webhookBody } from '../webhook/body.js';

/** Trigger and resolve linked by a dedup_key per alert instance; the wallet's labels in custom_details. */
export function pagerdutyBody(n: Notification, routingKey: string, sentAt: number) {
  return {
    routing_key: routingKey,
    event_action: n.status === 'firing' ? 'trigger' : 'resolve',
    dedup_key: n.id,
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
