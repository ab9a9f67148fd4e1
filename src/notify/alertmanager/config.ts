/** An `alertmanager:` entry of a receiver: the Alertmanager's base `url` (its firing set is synced, see alertmanager.ts). */
import type { ChannelSpec } from '../channel.js';
import { checkKeys, httpHost, stringField } from '../config-fields.js';
import { AM_BASE_URL_ONLY } from '../../config/fields.js';

export interface AlertmanagerConfig {
  readonly baseUrl: string;
}

export const alertmanagerChannel: ChannelSpec<AlertmanagerConfig> = {
  kind: 'alertmanager',
  keys: ['url'],
  parse(raw, add) {
    checkKeys(raw, this.keys, add);
    const url = stringField(raw, 'url', add);
    if (url === undefined) {
      add('url', 'is required');
      return undefined;
    }
    const host = httpHost(url, 'url', add);
    if (host && /[?#]/.test(url)) {
      add('url', AM_BASE_URL_ONLY);
      return undefined;
    }
    return host ? { config: { baseUrl: url.replace(/\/+$/, '') }, host } : undefined;
  },
};
