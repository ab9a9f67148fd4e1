/**
 * The per-wallet series, built at scrape time from each wallet's readout (what its last poll left), so the
 * exposition is exactly the wallets watched now: a removed wallet's series are gone at the next scrape,
 * and no poll ever touches another wallet's series. Nothing here calls an upstream (pitfalls: collect()).
 */
import type { Counter, Gauge } from 'prom-client';
import type { WalletSettings } from '../config/settings.js';
import { isCurrencyCode } from '../domain/account.js';
import { BURN_WINDOW_NAMES, CONFIDENCES } from '../domain/forecast.js';
import type { MonitorReadout } from '../poller/monitor.js';

export const SKIP_REASONS = ['rate_limited', 'overlap'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** One watched wallet as a scrape sees it. */
export interface WalletReadout {
  readonly wallet: WalletSettings;
  readonly readout: MonitorReadout;
  /** Requests by code (HTTP status, `timeout`, `network`) since the wallet started being watched. */
  readonly requests: ReadonlyMap<string, number>;
  readonly skipped: Readonly<Record<SkipReason, number>>;
}

type Labels = Record<string, string>;
export type Rows = (w: WalletReadout) => Iterable<[Labels, number]>;

/** A currency code becomes a label only when it is a plain code (a state file of an older version may hold any string). */
const currencyLabel = (c: string | null): string => (isCurrencyCode(c) ? c : 'unknown');

/** The rows of each per-wallet metric. */
export const ROWS = {
  balance: (w) => {
    const s = w.readout.state;
    return s.balance === null ? [] : [[{ account: w.wallet.name, currency: currencyLabel(s.currency) }, s.balance]];
  },
  consumed: (w) => [[{ account: w.wallet.name }, w.readout.consumed]],
  topups: (w) => [[{ account: w.wallet.name }, w.readout.topups]],
  burnRate: (w) => BURN_WINDOW_NAMES.map((window) => [{ account: w.wallet.name, window }, w.readout.forecast.rates[window]]),
  runway: (w) => [[{ account: w.wallet.name }, w.readout.forecast.runwaySeconds]],
  runwayLow: (w) => [[{ account: w.wallet.name }, w.readout.forecast.runwayLowSeconds]],
  runwayHigh: (w) => [[{ account: w.wallet.name }, w.readout.forecast.runwayHighSeconds]],
  confidence: (w) => [[{ account: w.wallet.name }, CONFIDENCES.indexOf(w.readout.forecast.confidence)]],
  creditLimit: (w) => {
    const s = w.readout.state;
    // 0 for a wallet that cannot go below zero: always there beside the balance, so a rule can add it.
    return s.balance === null ? [] : [[{ account: w.wallet.name, currency: currencyLabel(s.currency) }, s.creditLimit ?? 0]];
  },
  autoRecharge: (w) => {
    const a = w.readout.state.autoRecharge;
    return a === undefined ? [] : [[{ account: w.wallet.name }, a ? 1 : 0]];
  },
  apiUp: (w) => [[{ account: w.wallet.name }, w.readout.up ? 1 : 0]],
  lastSuccess: (w) => {
    const t = w.readout.state.lastSuccessAt;
    return t === null ? [] : [[{ account: w.wallet.name }, t / 1000]];
  },
  requests: (w) => [...w.requests].map(([code, n]) => [{ account: w.wallet.name, code }, n]),
  skipped: (w) => Object.entries(w.skipped).map(([reason, n]) => [{ account: w.wallet.name, reason }, n]),
  alertFiring: (w) => [...w.readout.alertSeries.values()].map((a) => [{ account: w.wallet.name, alertname: a.alertname, severity: a.severity }, a.value]),
} satisfies Record<string, Rows>;

/**
 * Rebuilds `metric` from the wallets' rows: a gauge is set, a counter is incremented from 0 to the
 * wallet's own count (which only grows while the wallet is watched). A wallet whose rows throw is left
 * out of this scrape rather than failing the whole page.
 */
export function fill(metric: Gauge<string> | Counter<string>, wallets: Iterable<WalletReadout>, rows: Rows): void {
  metric.reset();
  for (const w of wallets) {
    let list: [Labels, number][];
    try {
      list = [...rows(w)];
    } catch {
      continue;
    }
    for (const [labels, value] of list) {
      if ('set' in metric) metric.set(labels, value);
      else metric.inc(labels, value);
    }
  }
}

/**
 * `telephony_wallet_info{account, provider, <label keys>} 1`: its label names are the union of every
 * wallet's `labels` keys, which a reload may change, so it is a metric of its own rather than a prom-client
 * Gauge (whose label names are fixed when it is made). A wallet without one of the keys leaves it out
 * (an empty label value is the same as no label to Prometheus).
 */
export class WalletInfoMetric {
  readonly name = 'telephony_wallet_info';
  readonly help = "A wallet watched by this process: always 1, labelled with the wallet's provider and its labels from WALLETS_FILE.";
  readonly type = 'gauge';
  readonly aggregator = 'sum';

  constructor(private readonly wallets: () => Iterable<WalletReadout>) {}

  get() {
    const values = [];
    for (const { wallet } of this.wallets()) values.push({ labels: { ...wallet.labels, account: wallet.name, provider: wallet.provider }, value: 1 });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
