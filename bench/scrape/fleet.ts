/**
 * A synthetic fleet as a scrape sees it (`WalletReadout`s), for bench:scrape and the metrics unit tests:
 * no poller, no store, only what /metrics reads. Deterministic (wallet i always looks the same), with
 * the variety a real fleet has: wallets not polled yet (no balance), an unknown currency, credit limits,
 * auto-recharge flags, NaN burn rates and +Inf runways, several request codes, skips, 0–3 alerts (some
 * resolved to 0), and `labels` whose keys differ between wallets.
 */
import type { WalletSettings } from '../../src/config/settings.js';
import type { AccountState } from '../../src/domain/account.js';
import type { Forecast } from '../../src/domain/forecast.js';
import { ALERT_NAMES, SEVERITIES, type AlertName, type Severity } from '../../src/domain/rules.js';
import type { WalletReadout } from '../../src/metrics/collector.js';
import type { MonitorReadout } from '../../src/poller/readout.js';

const PROVIDERS = ['telephony-io', 'twilio', 'telnyx', 'plivo'];
const CONFIDENCE = ['none', 'low', 'medium', 'high'] as const;

/** Labels of wallet i: most wallets have team/env, some region, some none (the info metric's union of keys). */
function labelsOf(i: number): Record<string, string> {
  if (i % 10 === 9) return {};
  const labels: Record<string, string> = { team: `team-${i % 37}`, env: i % 3 === 0 ? 'prod' : 'staging' };
  if (i % 4 === 1) labels.region = i % 8 === 1 ? 'eu' : 'us';
  return labels;
}

export interface FleetOptions {
  /** Extra labels for some wallets (e.g. values that need escaping), by index. */
  readonly labels?: ReadonlyMap<number, Record<string, string>>;
  /** Wall clock in epoch ms the readouts were taken at. */
  readonly now?: number;
}

/** Wallet i of the synthetic fleet (`w-00042`…). */
export function syntheticWallet(i: number, o: FleetOptions = {}): WalletReadout {
  const now = o.now ?? Date.UTC(2026, 10, 30, 12);
  const polled = i % 50 !== 7; // every 50th wallet has not answered yet
  const currency = i % 97 === 3 ? 'monopoly money' : i % 5 === 0 ? 'EUR' : 'USD';
  const state = {
    balance: polled ? 1000 + ((i * 7919) % 100_000) / 100 - (i % 211 === 0 ? 1200 : 0) : null,
    currency: polled ? currency : null,
    lastSuccessAt: polled ? now - (i % 60) * 1000 - 0.25 : null,
    ...(PROVIDERS[i % PROVIDERS.length] === 'telnyx' ? { creditLimit: 50 } : {}),
    ...(i % PROVIDERS.length === 3 ? { autoRecharge: i % 8 === 3 } : {}),
  } as unknown as AccountState;
  const burning = polled && i % 6 !== 0;
  const perHour = burning ? 1 + (i % 13) * 0.37 : 0;
  const forecast = {
    rates: { '1h': i % 11 === 0 ? Number.NaN : perHour, '6h': perHour * 0.9, '24h': i % 3 === 0 ? Number.NaN : perHour * 1.1 },
    runwaySeconds: burning ? (3600 * (state.balance ?? 0)) / perHour : Number.POSITIVE_INFINITY,
    runwayLowSeconds: burning ? (3000 * (state.balance ?? 0)) / perHour : Number.POSITIVE_INFINITY,
    runwayHighSeconds: burning ? (4200 * (state.balance ?? 0)) / perHour : Number.POSITIVE_INFINITY,
    confidence: CONFIDENCE[i % 4],
  } as unknown as Forecast;
  const alertSeries = new Map<string, { alertname: AlertName; severity: Severity; value: 0 | 1 }>();
  for (let a = 0; a < i % 4; a++) {
    const alertname = ALERT_NAMES[(i + a) % ALERT_NAMES.length]!;
    const severity = SEVERITIES[(i + a) % 2]!;
    alertSeries.set(`${alertname}/${severity}`, { alertname, severity, value: a === 2 ? 0 : 1 });
  }
  const readout: MonitorReadout = { state, forecast, up: polled && i % 23 !== 0, currency: state.currency, consumed: i * 3.5, topups: i % 7, alertSeries };
  const requests = new Map<string, number>([['200', 100 + (i % 17)]]);
  if (i % 23 === 0) requests.set('500', 3);
  if (i % 29 === 0) requests.set('timeout', 1);
  const wallet = {
    name: `w-${String(i).padStart(5, '0')}`,
    provider: PROVIDERS[i % PROVIDERS.length],
    labels: o.labels?.get(i) ?? labelsOf(i),
  } as unknown as WalletSettings;
  return { wallet, readout, requests, skipped: { rate_limited: i % 31 === 0 ? 2 : 0, overlap: i % 43 === 0 ? 1 : 0 } };
}

/** Wallets 0 … n−1 of the synthetic fleet. */
export function syntheticFleet(n: number, o: FleetOptions = {}): WalletReadout[] {
  return Array.from({ length: n }, (_, i) => syntheticWallet(i, o));
}
