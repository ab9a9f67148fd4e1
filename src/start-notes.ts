/**
 * What the daemon says once started (App.start): the `wallet-sentinel started` line, then what in its set-up
 * will hurt: an open-files limit below what it may hold at once, no wallet in this shard, no alert channel,
 * wallets whose receivers have none.
 */
import type { AddressInfo } from 'node:net';
import type { Settings, WalletSettings } from './config/settings.js';
import { fdShortfall } from './fd-limit.js';
import { MAX_CONNECTIONS } from './http/server.js';
import type { Logger } from './log.js';
import { DEFAULT_TARGET_CONCURRENCY } from './notify/delivery.js';
import { DEFAULT_RECEIVER, type Receiver } from './notify/registry.js';
import { VERSION } from './version.js';

export interface Started {
  settings: Settings;
  /** This shard's wallets. */
  wallets: readonly WalletSettings[];
  address: AddressInfo;
  receivers: readonly Receiver[];
  /** False for the demo, which sends nothing on purpose: no warning that no channel is configured. */
  channelsExpected: boolean;
}

export function sayStarted(log: Logger, { settings, wallets, address, receivers, channelsExpected }: Started): void {
  const single = wallets.length === 1 && settings.walletsFile === undefined ? { account: wallets[0]!.name } : {};
  log.info(
    {
      version: VERSION,
      ...single,
      wallets: wallets.length,
      ...(settings.shard.count > 1 ? { shard: `${settings.shard.index}/${settings.shard.count}`, walletsInFile: settings.wallets.length } : {}),
      schedule: settings.poll.schedule,
      listen: `${address.address}:${address.port}`,
    },
    'wallet-sentinel started',
  );
  const targets = receivers.reduce((n, r) => n + r.notifiers.length + r.alertmanagers.length, 0);
  const few = fdShortfall({ pollConcurrency: settings.poll.concurrency, maxConnections: MAX_CONNECTIONS, targets, perTarget: DEFAULT_TARGET_CONCURRENCY });
  if (few) log.warn(few.fields, few.message);
  if (wallets.length === 0) log.warn({ shard: `${settings.shard.index}/${settings.shard.count}`, walletsInFile: settings.wallets.length }, 'no configured wallet falls in this shard: nothing to poll');
  if (!channelsExpected) return;
  if (receivers.every(silent)) {
    log.warn('no alert channel configured: alerts show only in /metrics, /api/status and the status page (set SMTP_URL, ALERT_WEBHOOK_URL and/or ALERTMANAGER_URL, or receivers in WALLETS_FILE)');
  } else sayUnheard(log, wallets, receivers);
}

const silent = (r: Receiver): boolean => r.notifiers.length === 0 && r.alertmanagers.length === 0;

/**
 * Warns of the wallets whose every receiver has no channel while others have one (at start, after a reload,
 * in `test-alert`): their alerts go nowhere. The usual cause: wallets left on `default` (no `receivers:`) in a
 * WALLETS_FILE whose receivers have the channels, with the environment's set incomplete (SMTP_URL and
 * ALERT_EMAIL_FROM without ALERT_EMAIL_TO). Their `wallet_exhausted` reached no one, and nothing said so.
 */
export function sayUnheard(log: Logger, wallets: readonly Pick<WalletSettings, 'name' | 'receivers'>[], receivers: readonly Receiver[]): void {
  const empty = new Set(receivers.filter(silent).map((r) => r.name));
  const unheard = wallets.filter((w) => w.receivers.every((name) => empty.has(name)));
  if (unheard.length === 0) return;
  const via = [...new Set(unheard.flatMap((w) => w.receivers))];
  const fix = via.includes(DEFAULT_RECEIVER) ? ` (for \`${DEFAULT_RECEIVER}\`: SMTP_URL with ALERT_EMAIL_FROM and ALERT_EMAIL_TO, ALERT_WEBHOOK_URL or ALERTMANAGER_URL)` : '';
  const shown = unheard.slice(0, 20).map((w) => w.name).join(', ') + (unheard.length > 20 ? ', …' : '');
  log.warn(
    { wallets: unheard.length, receivers: via },
    `${unheard.length} wallet(s) notify only receivers with no channel (${via.join(', ')}): their alerts are sent nowhere, only shown in /metrics, /api/status and the status page; give ${via.length > 1 ? 'those receivers' : 'that receiver'} a channel${fix} or name another receiver in their \`receivers\`: ${shown}`,
  );
}
