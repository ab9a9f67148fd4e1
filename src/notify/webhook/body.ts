/** The bodies a webhook target receives, by format. PURE. */
import type { Notification } from '../../domain/alerts.js';
import { action, facts, forecastJson, summary } from '../../domain/messages.js';
import { isoSeconds } from '../notifier.js';

const round = (n: number | null, digits: number): number | null => (n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits);

/** Contract section 5: one JSON body per notification. `sentAt` is the attempt's time. */
export function webhookBody(n: Notification, sentAt: number) {
  return {
    version: '1',
    status: n.status,
    alertname: n.alertname,
    severity: n.severity,
    account: n.account,
    balance: round(n.wallet.balance, 4),
    currency: n.wallet.currency,
    burn_rate_per_hour: round(n.wallet.burnRatePerHour, 4),
    runway_seconds: n.wallet.runwaySeconds === null ? null : Math.round(n.wallet.runwaySeconds),
    summary: summary(n),
    starts_at: isoSeconds(n.startsAt),
    sent_at: isoSeconds(sentAt),
    id: n.id,
    /** Beyond contract §5's fields (which stay as they are): what the forecast rests on; null when unknown. */
    forecast: n.wallet.forecast ? forecastJson(n.wallet.forecast) : null,
  };
}

export type WebhookBody = ReturnType<typeof webhookBody>;

/**
 * Slack's three control characters, escaped as Slack documents: `<` and `>` would otherwise turn text into
 * a mention (`<!channel>`) or a link with a foreign label (`<https://…|TOP UP>`).
 */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Slack-compatible incoming webhook (also Mattermost, Rocket.Chat, Google Chat's `text`). Only the markup
 * added here (emoji, bold) is left as is: every sentence, which carries the account, the currency and the
 * numbers, is escaped.
 */
export function slackBody(n: Notification) {
  const head = `${n.status === 'firing' ? (n.severity === 'critical' ? ':rotating_light:' : ':warning:') : ':white_check_mark:'} *[${n.status.toUpperCase()}] ${slackEscape(summary(n))}*`;
  return { text: [head, ...facts(n).map(slackEscape), `*What to do:* ${slackEscape(action(n))}`].join('\n') };
}

/** PagerDuty Events API v2: trigger and resolve linked by a dedup_key per alert instance. */
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
      timestamp: isoSeconds(sentAt),
      custom_details: { ...webhookBody(n, sentAt), action: action(n) },
    },
  };
}
