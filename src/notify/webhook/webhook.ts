import { createHmac } from 'node:crypto';
import type { Secret } from '../../config/secret.js';
import type { Notification } from '../../domain/alerts.js';
import { postJson } from '../http-post.js';
import { notificationKey, type Notifier } from '../notifier.js';
import { webhookBody } from './body.js';

export const SIGNATURE_HEADER = 'X-Wallet-Sentinel-Signature';
/** Names one notification, the same at every attempt of it and after a restart: what a receiver drops duplicates by. */
export const NOTIFICATION_HEADER = 'X-Wallet-Sentinel-Notification';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` over the exact bytes sent. */
export function signature(secret: string, unixSeconds: number, rawBody: string): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** One webhook URL, one JSON body per notification (contract section 5), signed when a secret is set. */
export class WebhookNotifier implements Notifier {
  readonly channel = 'webhook' as const;
  readonly key: string;
  readonly label: string;

  constructor(
    private readonly target: { url: Secret; label: string },
    private readonly settings: { secret: Secret | undefined },
    private readonly now: () => number = Date.now,
    key?: string,
  ) {
    this.label = target.label;
    this.key = key ?? `webhook:${target.label}`;
  }

  async send(n: Notification, signal: AbortSignal): Promise<void> {
    const sentAt = this.now();
    const raw = JSON.stringify(webhookBody(n, sentAt));
    const headers: Record<string, string> = { 'X-Wallet-Sentinel-Id': n.id, [NOTIFICATION_HEADER]: notificationKey(n) };
    if (this.settings.secret) headers[SIGNATURE_HEADER] = signature(this.settings.secret.reveal(), Math.floor(sentAt / 1000), raw);
    await postJson(this.target, raw, headers, signal, this.now);
  }
}
