/** A `pagerduty:` entry of a receiver: `routing_key` (or `routing_key_file`), optional `url` (the Events API v2 endpoint). */
import { Secret } from '../../config/secret.js';
import type { ChannelSpec } from '../channel.js';
import { checkKeys, httpHost, secretField, stringField } from '../config-fields.js';
import { PagerDutyNotifier } from './pagerduty.js';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export interface PagerDutyConfig {
  readonly url: Secret;
  readonly routingKey: Secret;
}

export const pagerdutyChannel: ChannelSpec<PagerDutyConfig> = {
  kind: 'pagerduty',
  keys: ['routing_key', 'routing_key_file', 'url'],
  parse(raw, add, cx) {
    checkKeys(raw, this.keys, add);
    const routingKey = secretField(raw, 'routing_key', add, { required: true, warnings: cx.warnings, where: cx.where });
    const url = stringField(raw, 'url', add) ?? PAGERDUTY_EVENTS_URL;
    const host = httpHost(url, 'url', add);
    return routingKey && host ? { config: { url: new Secret(url), routingKey }, host } : undefined;
  },
  envFormat: 'pagerduty',
  fromEnv: (t, env) => ({ url: t.url, routingKey: env.pagerdutyRoutingKey ?? new Secret('') }),
  destination: (c) => `${c.routingKey.reveal()} ${c.url.reveal()}`, // one Events URL serves every service: the routing key tells them apart
  create: (c, key, label, now) => new PagerDutyNotifier({ url: c.url, label }, c.routingKey, now, key),
};
