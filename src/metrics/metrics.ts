import { collectDefaultMetrics, Counter, Gauge, Histogram } from 'prom-client';
import { SKIP_REASONS, WalletInfoMetric, type FamilyDecl, type WalletFamily, type WalletReadout } from './collector.js';
import { WalletRegistry } from './registry.js';

/** prom-client's default gauges whose `_total` suffix breaks promtool's counter rule (contract section 4). */
const DROPPED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export { SKIP_REASONS };
/** Contract section 4: the `channel` label's values (Slack and PagerDuty count as webhook). */
export const CHANNELS = ['email', 'webhook'] as const;
export const OUTCOMES = ['sent', 'failed'] as const;

/**
 * A private registry with every metric of contract sections 4 and 7. One per app instance, so two
 * instances in one process (tests) never collide. The per-wallet families are declared here (name, help,
 * type, label names: prom-client checks them, and they keep their place on the page) but their samples
 * are written at every scrape from `readouts.wallets()` (collector.ts, registry.ts): `wallet()` hands a
 * declaration to the registry and leaves only its name, help and type, so nothing can set() it.
 * Nothing here calls an upstream.
 */
export function createMetrics() {
  /** Read at scrape time; App points them at the dispatcher and the fleet. */
  const readouts = {
    notificationsOwed: () => 0,
    oldestOwedAgeSeconds: () => 0,
    /** The wallets watched now, read once per scrape. */
    wallets: (): readonly WalletReadout[] => [],
  };
  const registry = new WalletRegistry(() => readouts.wallets());
  collectDefaultMetrics({ register: registry });
  for (const name of DROPPED_DEFAULTS) registry.removeSingleMetric(name);

  const registers = [registry];
  const wallet = (family: WalletFamily, metric: Gauge | Counter): FamilyDecl => {
    const { name, help, type } = metric as unknown as FamilyDecl; // prom-client's types leave them out
    registry.writeFromWallets(family, { name, help, type });
    return { name, help, type };
  };
  const m = {
    registry,
    readouts,
    balance: wallet('balance', new Gauge({
      name: 'telephony_wallet_balance_credits',
      help: 'Wallet balance last read from Telephony.io, in credits.',
      labelNames: ['account', 'currency'] as const,
      registers,
    })),
    consumed: wallet('consumed', new Counter({
      name: 'telephony_wallet_consumed_credits_total',
      help: 'Credits spent (top-ups excluded); rate() of it is the burn rate.',
      labelNames: ['account'] as const,
      registers,
    })),
    topups: wallet('topups', new Counter({
      name: 'telephony_wallet_topups_total',
      help: 'Top-ups detected (rises in balance).',
      labelNames: ['account'] as const,
      registers,
    })),
    burnRate: wallet('burnRate', new Gauge({
      name: 'telephony_wallet_burn_rate_credits_per_hour',
      help: 'Credits consumed per hour over the window; NaN until the window holds two samples.',
      labelNames: ['account', 'window'] as const,
      registers,
    })),
    runway: wallet('runway', new Gauge({
      name: 'telephony_wallet_runway_seconds',
      help: 'Forecast seconds until the balance reaches 0; +Inf while not burning.',
      labelNames: ['account'] as const,
      registers,
    })),
    runwayLow: wallet('runwayLow', new Gauge({
      name: 'telephony_wallet_runway_low_seconds',
      help: 'Short end of the runway\'s 80 % band (the spend to come faster by the level\'s uncertainty and its own noise), in seconds; +Inf while not burning.',
      labelNames: ['account'] as const,
      registers,
    })),
    runwayHigh: wallet('runwayHigh', new Gauge({
      name: 'telephony_wallet_runway_high_seconds',
      help: 'Long end of the runway\'s 80 % band (the spend to come slower by the level\'s uncertainty and its own noise), in seconds; +Inf while not burning.',
      labelNames: ['account'] as const,
      registers,
    })),
    creditLimit: wallet('creditLimit', new Gauge({
      name: 'telephony_wallet_credit_limit_credits',
      help: 'How far below zero the provider lets the balance go (Telnyx credit_limit), 0 for a prepaid wallet: the forecast and wallet_exhausted run to minus this (balance + credit limit is what is left to spend).',
      labelNames: ['account', 'currency'] as const,
      registers,
    })),
    autoRecharge: wallet('autoRecharge', new Gauge({
      name: 'telephony_wallet_auto_recharge',
      help: "The provider's auto-recharge flag as last reported: 1 on, 0 off. Only for wallets whose provider reports one (Plivo, Vonage, ClickSend).",
      labelNames: ['account'] as const,
      registers,
    })),
    confidence: wallet('confidence', new Gauge({
      name: 'telephony_wallet_forecast_confidence',
      help: 'Confidence of the runway forecast by the evidence it rests on: 0 none (even critical leans to the cautious end), 1 low (the warning leans to the cautious end: under 30 h of history or a level worse than ±10 %), 2 medium (worse than ±5 %), 3 high.',
      labelNames: ['account'] as const,
      registers,
    })),
    apiUp: wallet('apiUp', new Gauge({
      name: 'telephony_api_up',
      help: '1 if the last poll of the Telephony.io API succeeded, else 0.',
      labelNames: ['account'] as const,
      registers,
    })),
    requests: wallet('requests', new Counter({
      name: 'telephony_api_requests_total',
      help: 'HTTP requests to the Telephony.io API by outcome (HTTP status, timeout or network).',
      labelNames: ['account', 'code'] as const,
      registers,
    })),
    requestDuration: new Histogram({
      name: 'telephony_api_request_duration_seconds',
      help: 'Duration of HTTP requests to the balance APIs, by provider (one histogram per wallet would be too many series).',
      labelNames: ['provider'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60],
      registers,
    }),
    lastSuccess: wallet('lastSuccess', new Gauge({
      name: 'telephony_poll_last_success_timestamp_seconds',
      help: 'Unix time of the last successful poll.',
      labelNames: ['account'] as const,
      registers,
    })),
    skipped: wallet('skipped', new Counter({
      name: 'telephony_poll_skipped_total',
      help: 'Scheduled polls not run, by reason.',
      labelNames: ['account', 'reason'] as const,
      registers,
    })),
    alertFiring: wallet('alertFiring', new Gauge({
      name: 'telephony_alert_firing',
      help: '1 while the alert fires, 0 after it resolves.',
      labelNames: ['account', 'alertname', 'severity'] as const,
      registers,
    })),
    notifications: new Counter({
      name: 'telephony_alert_notifications_total',
      help: 'Alert notification delivery attempts by channel and outcome.',
      labelNames: ['channel', 'outcome'] as const,
      registers,
    }),
    alertmanagerPosts: new Counter({
      name: 'wallet_sentinel_alertmanager_posts_total',
      help: 'Posts of the firing and resolved alerts to ALERTMANAGER_URL (one per wallet poll and Alertmanager) by outcome; a failed post is made again at the next poll.',
      labelNames: ['outcome'] as const,
      registers,
    }),
    notificationsOwed: new Gauge({
      name: 'wallet_sentinel_notifications_owed',
      help: 'Notification deliveries not yet accepted by their target (one per notification and target).',
      registers,
      collect() {
        this.set(readouts.notificationsOwed());
      },
    }),
    oldestOwedAge: new Gauge({
      name: 'wallet_sentinel_notification_oldest_owed_age_seconds',
      help: 'Age of the oldest notification delivery not yet accepted by its target; 0 when nothing is owed.',
      registers,
      collect() {
        this.set(readouts.oldestOwedAgeSeconds());
      },
    }),
    configReloadSuccessful: new Gauge({
      name: 'wallet_sentinel_config_last_reload_successful',
      help: '1 if the last reload of WALLETS_FILE (SIGHUP) succeeded, or none was asked for; 0 if it failed and the previous wallets are still watched.',
      registers,
    }),
    walletCount: new Gauge({
      name: 'wallet_sentinel_wallets',
      help: 'Wallets this process watches (its shard of WALLETS_FILE).',
      registers,
    }),
    stateWriteHealthy: new Gauge({
      name: 'wallet_sentinel_state_write_healthy',
      help: '1 while the last write of every file in STATE_DIR succeeded, 0 while one fails (read-only, full...).',
      registers,
    }),
    stateWriteFailures: new Counter({
      name: 'wallet_sentinel_state_write_failures_total',
      help: 'Failed writes of a file in STATE_DIR.',
      registers,
    }),
    pollsUnasked: new Counter({
      name: 'wallet_sentinel_polls_unasked_total',
      help: 'Scheduled polls failed at once as timeouts, without a request, because their API gave no answer for a round (a quarter of POLL_CONCURRENCY keeps asking it).',
      registers,
    }),
  };

  const info = new WalletInfoMetric(); // label names change with reloads: see collector.ts
  registry.registerMetric(info as never);
  registry.writeFromWallets('info', info);
  registry.countWallets(m.walletCount as unknown as FamilyDecl); // the wallets of the snapshot the page was written from
  // Series exist from the first scrape, before any event (the per-wallet ones from the wallet's readout).
  m.configReloadSuccessful.set(1);
  for (const channel of CHANNELS) for (const outcome of OUTCOMES) m.notifications.inc({ channel, outcome }, 0);
  for (const outcome of OUTCOMES) m.alertmanagerPosts.inc({ outcome }, 0);
  m.stateWriteHealthy.set(1);
  m.stateWriteFailures.inc(0);
  m.pollsUnasked.inc(0);
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
