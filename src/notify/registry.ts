/** The one file that knows every channel: settings → notifiers. A new channel is one folder plus one line here. */
import type { Settings } from '../config/settings.js';
import { EmailNotifier } from './email/email.js';
import type { Notifier } from './notifier.js';
import { WebhookNotifier } from './webhook/webhook.js';

export function createNotifiers(settings: Pick<Settings, 'email' | 'webhook'>, now: () => number = Date.now): Notifier[] {
  const out: Notifier[] = [];
  if (settings.email) out.push(new EmailNotifier(settings.email));
  if (settings.webhook) {
    const wh = settings.webhook;
    for (const target of wh.targets) out.push(new WebhookNotifier(target, wh, now));
  }
  return out;
}
