/**
 * What the daemon says once started (App.start): the `wallet-sentinel started` line, then what in its set-up
 * will hurt: an open-files limit below what it may hold at once, no wallet in this shard, no alert channel.
 */
import type { AddressInfo } from 'node:net';
import type { Settings, WalletSettings } from './config/settings.js';
import { fdShortfall } from './fd-limit.js';
import { MAX_CONNECTIONS } from './http/server.js';
import type { Logger } from './log.js';
import { DEFAULT_TARGET_CONCURRENCY } from './notify/delivery.js';
import type { Receiver } from './notify/registry.js';
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
  if (channelsExpected && receivers.every((r) => r.notifiers.length === 0 && r.alertmanagers.length === 0)) {
    log.warn('no alert channel configured: alerts show only in /metrics, /api/status and the status page (set SMTP_URL, ALERT_WEBHOOK_URL and/or ALERTMANAGER_URL, or receivers in WALLETS_FILE)');
  }
}
