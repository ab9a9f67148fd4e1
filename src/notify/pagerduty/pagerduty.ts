import type { Secret } from '../../config/secret.js';
import type { Notification } from '../../domain/alerts.js';
import { postJson } from '../http-post.js';
import type { Notifier } from '../notifier.js';
import { pagerdutyBody } from './body.js';

/**
 * PagerDuty answers 400 "Invalid routing key" (or its length or characters) to a key it cannot route; everything
 * else in the event is ours, so a 400 is the routing key's (a setting: kept for when it is fixed), not one alert's.
 * An event of ours it would refuse whatever the key is given up alone once the channel takes another (parked.ts).
 */
const ROUTING_KEY_REFUSED = { status: 400, hint: "the event was refused: check the routing key (routing_key, or ALERT_PAGERDUTY_ROUTING_KEY), the service's Events API v2 integration key (32 characters)" };

/**
 * PagerDuty Events API v2: an incident per alert and severity (body.ts dedupKey). A start triggers its
 * severity's; a later firing (an escalation, a repeat) triggers its severity's, then resolves the other's (an
 * escalation pages, and the warning's incident closes); a resolve resolves both (PagerDuty ignores a resolve
 * of a key with nothing open). Every event is safe to send again (a retry after a partial send).
 */
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
    if (n.reason === 'test') {
      // test-alert's incident closes itself: PagerDuty has no endsAt, and an incident a test opened stayed
      // open until someone resolved it by hand (the page itself is what the test checks)
      await this.#post(n, signal);
      if (n.status === 'firing') await this.#post(n, signal, { action: 'resolve', severity: n.severity });
      return;
    }
    if (n.status === 'firing') {
      await this.#post(n, signal);
      // the alert's incident of the other severity, if any, closes: an escalation's warning; after a quiet
      // de-escalation, the critical one (the repeat that tells it opens the warning's)
      if (n.reason !== 'start') await this.#post(n, signal, { action: 'resolve', severity: n.severity === 'critical' ? 'warning' : 'critical' });
      return;
    }
    for (const severity of ['warning', 'critical'] as const) await this.#post(n, signal, { action: 'resolve', severity });
  }

  #post(n: Notification, signal: AbortSignal, event?: Parameters<typeof pagerdutyBody>[3]): Promise<void> {
    const raw = JSON.stringify(pagerdutyBody(n, this.routingKey?.reveal() ?? '', this.now(), event));
    return postJson(this.target, raw, { 'X-Wallet-Sentinel-Id': n.id }, signal, this.now, ROUTING_KEY_REFUSED);
  }
}
