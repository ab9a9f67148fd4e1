/** A `webhook:` entry of a receiver: `url` (or `url_file`) and an optional HMAC `secret` (or `secret_file`). */
import type { Secret } from '../../config/secret.js';
import type { ChannelSpec } from '../channel.js';
import { checkKeys, httpHost, secretField } from '../config-fields.js';
import { WebhookNotifier } from './webhook.js';

export interface WebhookConfig {
  readonly url: Secret;
  readonly secret: Secret | undefined;
}

export const webhookChannel: ChannelSpec<WebhookConfig> = {
  kind: 'webhook',
  keys: ['url', 'url_file', 'secret', 'secret_file'],
  parse(raw, add, cx) {
    checkKeys(raw, this.keys, add);
    const url = secretField(raw, 'url', add, { required: true, warnings: cx.warnings, where: cx.where });
    const secret = secretField(raw, 'secret', add, { required: false, warnings: cx.warnings, where: cx.where });
    const host = url && httpHost(url.reveal(), raw.url_file !== undefined ? 'url_file' : 'url', add);
    return url && host ? { config: { url, secret }, host } : undefined;
  },
  envFormat: 'json',
  fromEnv: (t, env) => ({ url: t.url, secret: env.secret }),
  destination: (c) => c.url.reveal(),
  create: (c, key, label, now) => new WebhookNotifier({ url: c.url, label }, { secret: c.secret }, now, key),
};
