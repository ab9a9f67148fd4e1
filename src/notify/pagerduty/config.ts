/** A `pagerduty:` entry of a receiver: `routing_key` (or `routing_key_file`), optional `url` (the Events API v2 endpoint). */
import { Secret } from '../../config/secret.js';
import type { ChannelSpec } from '../channel.js';
import { checkKeys, httpHost, secretField, stringField } from '../config-fields.js';
import { PagerDutyNotifier } from './pagerduty.js';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/**
 * What a routing key PagerDuty's own Events API would refuse (400) at every page says, or undefined: its Events API
 * v2 integration keys are 32 letters and digits (a REST API key or a user token is not one). Only for PagerDuty's
 * host (`url` may name a relay with keys of its own). The length is said, never the key.
 */
export function routingKeyWarning(key: Secret, url: string): string | undefined {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return undefined;
  }
  const k = key.reveal();
  if (!/(^|\.)pagerduty\.com$/i.test(host) || /^[A-Za-z0-9]{32}$/.test(k)) return undefined;
  return `is ${k.length} characters${/[^A-Za-z0-9]/.test(k) ? ' with some not letters or digits' : ''}, not the 32 letters and digits of an Events API v2 integration key (a service's Integrations tab, "Events API V2"): PagerDuty will refuse every event`;
}

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
    const shape = routingKey && host ? routingKeyWarning(routingKey, url) : undefined;
    if (shape) cx.warnings.push(`${cx.where}routing_key: ${shape}`);
    return routingKey && host ? { config: { url: new Secret(url), routingKey }, host } : undefined;
  },
  envFormat: 'pagerduty',
  fromEnv: (t, env) => ({ url: t.url, routingKey: env.pagerdutyRoutingKey ?? new Secret('') }),
  destination: (c) => `${c.routingKey.reveal()} ${c.url.reveal()}`, // one Events URL serves every service: the routing key tells them apart
  create: (c, key, label, now) => new PagerDutyNotifier({ url: c.url, label }, c.routingKey, now, key),
};
