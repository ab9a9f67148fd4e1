/**
 * The page as prom-client wrote it before WalletExposition (the per-wallet families as prom-client
 * Gauges/Counters whose collect() set every label set at every scrape): the yardstick of bench:scrape
 * ("old") and what test/unit/metrics-exposition.test.ts compares the new page with, byte for byte. The
 * rows are the old collector's, label objects and all; names, help and label names are read from the
 * metrics that createMetrics() declares, and the process-level metrics are the very same objects.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { isCurrencyCode } from '../../src/domain/account.js';
import { CONFIDENCES } from '../../src/domain/forecast.js';
import { BURN_WINDOW_NAMES } from '../../src/domain/rates.js';
import type { WalletFamily, WalletReadout } from '../../src/metrics/collector.js';
import type { WalletRegistry } from '../../src/metrics/registry.js';

type Labels = Record<string, string>;
type Rows = (w: WalletReadout) => Iterable<[Labels, number]>;

const currencyLabel = (c: string | null): string => (isCurrencyCode(c) ? c : 'unknown');

/** The rows of each per-wallet metric (the collector before the rewrite). */
const ROWS: Record<Exclude<WalletFamily, 'info'>, Rows> = {
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
};

function fill(metric: Gauge<string> | Counter<string>, wallets: Iterable<WalletReadout>, rows: Rows): void {
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

/** A prom-client Registry that writes the page of `registry` the old way, from the same wallets. */
export function referenceRegistry(registry: WalletRegistry, wallets: () => readonly WalletReadout[]): Registry {
  const ref = new Registry();
  for (const m of registry.getMetricsAsArray()) {
    const family = registry.familyOf(m.name);
    const declared = m as unknown as { name: string; help: string; type: string; labelNames?: string[] };
    const { name, help } = declared;
    if (family === undefined) ref.registerMetric(m as never);
    else if (family === 'count') new Gauge({ name, help, registers: [ref], collect() { this.set(wallets().length); } });
    else if (family === 'info') {
      ref.registerMetric({
        name, help, type: 'gauge', aggregator: 'sum',
        get: () => ({
          name, help, type: 'gauge', aggregator: 'sum',
          values: wallets().map(({ wallet }) => ({ labels: { ...wallet.labels, account: wallet.name, provider: wallet.provider }, value: 1 })),
        }),
      } as never);
    } else {
      const rows = ROWS[family];
      const o = { name, help, labelNames: declared.labelNames ?? [], registers: [ref] };
      if (declared.type === 'counter') new Counter({ ...o, collect() { fill(this, wallets(), rows); } });
      else new Gauge({ ...o, collect() { fill(this, wallets(), rows); } });
    }
  }
  return ref;
}
