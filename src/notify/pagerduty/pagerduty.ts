import type { Secret } from '../../config/secret.js';
import type { Notification } from '../../domain/alerts.js';
import { postJson } from '../http-post.js';
import type { Notifier } from '../notifier.js';
import { pagerdutyBody } from './body.js';

/** PagerDuty Events API v2: one event per notification, trigger and resolve linked by dedup_key. */
export class PagerDutyNotifier implements Notifier {
  readonly channel = 'webhook' as const;
  readonly key: string;
  readonly label: string;

  constructor(
    private readonly target: { url: Secret; label: string },
    private readonly routingKey: Secret | undefined,
    private readonly now: () => number = Date.now,
    key?: string,
  ) {
    this.label = target.label;
    this.key = key ?? `webhook:${target.label}`;
  }

  async send(n: Notification, signal: AbortSignal): Promise<void> {
    await this.#post(n, signal);
    // test-alert's incident closes itself: PagerDuty has no endsAt, and an incident a test opened stayed
    // open until someone resolved it by hand (the page itself is what the test checks)
    if (n.reason === 'test' && n.status === 'firing') await this.#post({ ...n, status: 'resolved' }, signal);
  }

  #post(n: Notification, signal: AbortSignal): Promise<void> {
    const raw = JSON.stringify(pagerdutyBody(n, this.routingKey?.reveal() ?? '', this.now()));
    return postJson(this.target, raw, { 'X-Wallet-Sentinel-Id': n.id }, signal, this.now);
  }
}
