import type { Notification } from '../domain/alerts.js';

/** The `channel` label of telephony_alert_notifications_total (contract section 4): Slack and PagerDuty are webhooks. */
export type Channel = 'email' | 'webhook';

/** The kinds of channel a receiver can have (src/notify/registry.ts lists them). */
export type ChannelKind = 'email' | 'webhook' | 'slack' | 'pagerduty' | 'alertmanager';

/**
 * One delivery target. `send` tries once (retries live in dispatch.ts, which starts each attempt, and attempt.ts) and throws NotifyError, whose
 * `retryable` says whether another attempt can help. `label` is safe to print: never a URL or password.
 * `reached`: who has this delivery already (an email's recipients that took an earlier attempt, from the
 * error it threw: `NotifyError.reached`); kept with the owed delivery, so a restart or a reload does not
 * send it to them again.
 */
export interface Notifier {
  readonly channel: Channel;
  /** Stable across restarts for the same settings: owed deliveries are matched to targets by it. */
  readonly key: string;
  readonly label: string;
  send(notification: Notification, signal: AbortSignal, reached?: readonly string[]): Promise<void>;
  /**
   * Channels for people (email, chat) group what fires close together into one message: present only on
   * them. Called with two or more notifications; tries once and throws NotifyError, like `send`.
   */
  sendDigest?(notifications: readonly Notification[], signal: AbortSignal, reached?: readonly string[]): Promise<void>;
  close?(): void;
}

/**
 * One notification of an alert — its start, an escalation, each repeat, its resolve — as `<id>:<status>:<severity>:<decided ms>`.
 * `id` names the alert and all of them share it (with `status` too, but for the resolve): a receiver that
 * dropped what repeated `id` and `status` dropped the critical page of an escalation. The body cannot say
 * it: its `sent_at` is each attempt's.
 */
export const notificationKey = (n: Notification): string => `${n.id}:${n.status}:${n.severity}:${n.decidedAt}`;

/** The class of a target's key: its receiver and kind (`ops/webhook`, `webhook:slack`), without the destination's digest. */
export const keyClass = (key: string): string | undefined => (key.includes(':') ? key.slice(0, key.lastIndexOf(':')) : undefined);

/** The longest one send may take (connect, TLS, request, answer). */
export const SEND_TIMEOUT_MS = 15_000;

/** ISO-8601 to the second, as in the contract's webhook body (`2026-11-27T10:00:00Z`). */
export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
