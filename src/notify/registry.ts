/**
 * The one file that lists channels. A new channel is one folder (config.ts with its ChannelSpec, its sender,
 * its body) plus one line in CHANNELS. Also builds the receivers: the environment's channels form the
 * receiver `default`; WALLETS_FILE's `receivers:` add named ones.
 */
import type { AlertmanagerTarget, Settings } from '../config/settings.js';
import type { Severity } from '../domain/rules.js';
import { alertmanagerChannel, type AlertmanagerConfig } from './alertmanager/config.js';
import { destinationKey, madeFrom, type ChannelSpec } from './channel.js';
import { emailChannel } from './email/config.js';
import { EmailNotifier } from './email/email.js';
import type { ChannelKind, Notifier } from './notifier.js';
import { pagerdutyChannel } from './pagerduty/config.js';
import { slackChannel } from './slack/config.js';
import { webhookChannel } from './webhook/config.js';

export const CHANNELS: readonly ChannelSpec[] = [
  emailChannel as ChannelSpec,
  webhookChannel as ChannelSpec,
  slackChannel as ChannelSpec,
  pagerdutyChannel as ChannelSpec,
  alertmanagerChannel as ChannelSpec,
];

export const channelSpec = (kind: string): ChannelSpec | undefined => CHANNELS.find((c) => c.kind === kind);

/** The name of the receiver the environment's channels form; wallets that list no receivers notify it. */
export const DEFAULT_RECEIVER = 'default';

/** A receiver ready to deliver: its senders, the Alertmanagers it syncs, its limits. */
export interface Receiver {
  readonly name: string;
  /** Only notifications of these severities reach it; undefined = all. */
  readonly severities: readonly Severity[] | undefined;
  /** Email and chat group what follows a notification within this long into one digest. */
  readonly groupIntervalMs: number;
  readonly notifiers: readonly Notifier[];
  readonly alertmanagers: readonly AlertmanagerTarget[];
  /** Former key (by position, as earlier builds stored it) → the notifier's key: owed deliveries saved under one find their sender. */
  readonly formerKeys?: ReadonlyMap<string, string>;
}

type ReceiverSource = Pick<Settings, 'email' | 'webhook' | 'alertmanager' | 'receivers'> & { alerts: Pick<Settings['alerts'], 'groupIntervalMs'> };

/** Every receiver: `default` (the environment's channels, maybe none) first, then WALLETS_FILE's. */
export function createReceivers(settings: ReceiverSource, now: () => number = Date.now): Receiver[] {
  const notifiers: Notifier[] = [];
  const formerKeys = new Map<string, string>();
  if (settings.email) notifiers.push(madeFrom(new EmailNotifier(settings.email), settings.email));
  const wh = settings.webhook;
  const seen = new Map<string, number>();
  for (const target of wh?.targets ?? []) {
    const spec = CHANNELS.find((c) => c.envFormat === target.format)!;
    const config = spec.fromEnv!(target, wh!);
    const key = destinationKey(`webhook:${spec.kind}`, spec.destination!(config), seen);
    formerKeys.set(`webhook:${target.label}`, key);
    notifiers.push(madeFrom(spec.create!(config, key, target.label, now), config));
  }
  const out: Receiver[] = [{ name: DEFAULT_RECEIVER, severities: undefined, groupIntervalMs: settings.alerts.groupIntervalMs, notifiers, alertmanagers: settings.alertmanager, formerKeys }];
  for (const r of settings.receivers) {
    const own: Notifier[] = [];
    const alertmanagers: AlertmanagerTarget[] = [];
    const former = new Map<string, string>();
    for (const c of r.channels) {
      const spec = channelSpec(c.kind)!;
      if (spec.create) {
        own.push(madeFrom(spec.create(c.config, c.key, c.label, now), c.config));
        former.set(c.formerKey, c.key);
      } else if (c.kind === 'alertmanager') alertmanagers.push({ baseUrl: (c.config as AlertmanagerConfig).baseUrl, label: c.label, severities: r.severities });
    }
    out.push({ name: r.name, severities: r.severities, groupIntervalMs: r.groupIntervalMs ?? settings.alerts.groupIntervalMs, notifiers: own, alertmanagers, formerKeys: former });
  }
  return out;
}

export type { ChannelKind };
