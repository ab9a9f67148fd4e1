/** A `slack:` entry of a receiver: the incoming webhook's `url` (better `url_file`: the URL is the credential). */
import type { Secret } from '../../config/secret.js';
import type { ChannelSpec } from '../channel.js';
import { checkKeys, httpHost, secretField } from '../config-fields.js';
import { SlackNotifier } from './slack.js';

export interface SlackConfig {
  readonly url: Secret;
}

export const slackChannel: ChannelSpec<SlackConfig> = {
  kind: 'slack',
  keys: ['url', 'url_file'],
  parse(raw, add, cx) {
    checkKeys(raw, this.keys, add);
    const url = secretField(raw, 'url', add, { required: true, warnings: cx.warnings, where: cx.where });
    const host = url && httpHost(url.reveal(), raw.url_file !== undefined ? 'url_file' : 'url', add);
    return url && host ? { config: { url }, host } : undefined;
  },
  envFormat: 'slack',
  fromEnv: (t) => ({ url: t.url }),
  destination: (c) => c.url.reveal(),
  create: (c, key, label, now) => new SlackNotifier({ url: c.url, label }, now, key),
};
