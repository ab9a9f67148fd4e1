/** The body a generic webhook receives. PURE. */
import type { Notification } from '../../domain/alerts.js';
import { forecastJson, summary } from '../../domain/messages.js';
import { roundShown } from '../../domain/round.js';
import { isoSeconds } from '../notifier.js';

/** 4 decimals from 1 up; below, 4 significant digits (0.00004 BTC is not a wallet at 0): domain/round.ts. */
const round = (n: number | null, digits: number): number | null => (n === null ? null : roundShown(n, digits));

/** Contract section 5: one JSON body per notification. `sentAt` is the attempt's time. */
export function webhookBody(n: Notification, sentAt: number) {
  return {
    version: '1',
    status: n.status,
    alertname: n.alertname,
    severity: n.severity,
    account: n.account,
    balance: round(n.wallet.balance, 4),
    currency: n.wallet.currency,
    burn_rate_per_hour: round(n.wallet.burnRatePerHour, 4),
    runway_seconds: n.wallet.runwaySeconds === null ? null : Math.round(n.wallet.runwaySeconds),
    summary: summary(n),
    starts_at: isoSeconds(n.startsAt),
    sent_at: isoSeconds(sentAt),
    id: n.id,
    // Beyond contract §5's fields (which stay as they are):
    /** What the forecast rests on; null when unknown. */
    forecast: n.wallet.forecast ? forecastJson(n.wallet.forecast) : null,
    /** The wallet's preset (issue 11). */
    provider: n.provider ?? 'telephony-io',
    /** The wallet's `labels` from WALLETS_FILE; {} when none (issue 11). */
    labels: { ...(n.labels ?? {}) },
  };
}

export type WebhookBody = ReturnType<typeof webhookBody>;
