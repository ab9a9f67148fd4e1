/**
 * What the status page and /api/wallets show of a wallet, PURE (time passed in): one row per wallet (no
 * secret: the wallet's settings contribute only its name, provider, labels and rule horizons), the
 * fleet's order (most urgent first), the filter, and the burn rate of the last hours for a sparkline.
 */
import type { AccountState } from '../domain/account.js';
import { type Forecast } from '../domain/forecast.js';
import { apiUp, depletionOf, finiteOrNull, runwayKnown } from '../status.js';
import { BURN_WINDOW_NAMES } from '../domain/rates.js';
import { raw, SAMPLE_STRIDE, type Sample } from '../domain/packed.js';
import { roundShown } from '../domain/round.js';
import type { AlertEvent } from '../store/alert-events.js';

/** One watched wallet as the web part sees it (a WalletRunner fits). */
export interface WalletSource {
  readonly name: string;
  readonly wallet: {
    readonly provider: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly rules: { readonly runwayWarningHours: number; readonly runwayCriticalHours: number; readonly topupMinCredits: number; readonly lowBalanceThreshold: number | undefined; readonly criticalBalanceThreshold: number | undefined; readonly hysteresisPercent: number };
  };
  readonly readout: { readonly state: AccountState; readonly forecast: Forecast };
  history(from: number, to: number): Sample[];
  alertEvents(from: number, to: number): AlertEvent[];
}

const HOUR = 3_600_000;
const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

/** The row of /api/wallets and the overview. */
export function walletRow(w: WalletSource, now: number) {
  const { state: s, forecast: f } = w.readout;
  const runway = s.exhausted ? 0 : finiteOrNull(f.runwaySeconds);
  const rates: Record<string, number | null> = {};
  for (const k of BURN_WINDOW_NAMES) rates[k] = finiteOrNull(f.rates[k]);
  return {
    name: w.name,
    provider: w.wallet.provider,
    labels: w.wallet.labels,
    balance: s.balance,
    currency: s.currency,
    /** How far below zero the provider lets the balance go: the runway runs to minus this; null: to 0. */
    credit_limit: s.creditLimit ?? null,
    api_up: apiUp(s),
    exhausted: s.exhausted,
    runway_seconds: runway,
    runway_known: runwayKnown(s, f),
    runway_low_seconds: s.exhausted ? 0 : finiteOrNull(f.runwayLowSeconds),
    runway_high_seconds: s.exhausted ? 0 : finiteOrNull(f.runwayHighSeconds),
    depletion_at: depletionOf(s, f.runwaySeconds, now),
    forecast_confidence: f.confidence,
    forecast_method: f.method,
    burn_rate_per_hour: rates,
    burn_recent: recentBurn(s, now),
    alerts: Object.values(s.alerts).map((a) => ({ alertname: a.alertname, severity: a.severity, starts_at: iso(a.startsAt) })),
    last_poll_at: iso(s.lastPollAt),
    last_success_at: iso(s.lastSuccessAt),
    last_error: s.lastError,
    horizons_hours: { warning: w.wallet.rules.runwayWarningHours, critical: w.wallet.rules.runwayCriticalHours },
  };
}
export type WalletRow = ReturnType<typeof walletRow>;

/**
 * Sort key, most urgent first: empty wallets, then wallets with a critical alert firing, then a warning one,
 * then the rest; within each, the soonest runway first, then wallets that are not burning, then wallets
 * whose runway is unknown (no evidence yet, or never read). A wallet paging for a critical balance, a
 * rejected key or failing polls has no runway to sort by, and must not sink below the healthy ones.
 */
export function urgencyKey(w: WalletSource): [number, number, number] {
  const { state: s, forecast: f } = w.readout;
  if (s.exhausted) return [0, 0, 0];
  const severities = Object.values(s.alerts).map((a) => a.severity);
  const group = severities.includes('critical') ? 1 : severities.includes('warning') ? 2 : 3;
  if (Number.isFinite(f.runwaySeconds)) return [group, 0, f.runwaySeconds];
  return [group, runwayKnown(s, f) ? 1 : 2, 0];
}

export function byUrgency(a: WalletSource, b: WalletSource): number {
  const [ka, kb] = [urgencyKey(a), urgencyKey(b)];
  return ka[0] - kb[0] || ka[1] - kb[1] || ka[2] - kb[2] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/**
 * The filter: every whitespace-separated term must match. `key=value` matches a label (value as a
 * substring); any other term a substring of the name, a label value or a firing alert's name. Case-blind.
 */
export function matcher(q: string): (w: WalletSource) => boolean {
  const terms = q.toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return () => true;
  return (w) =>
    terms.every((term) => {
      const eq = term.indexOf('=');
      const labels = Object.entries(w.wallet.labels);
      if (eq > 0) {
        const [k, v] = [term.slice(0, eq), term.slice(eq + 1)];
        return labels.some(([lk, lv]) => lk.toLowerCase() === k && lv.toLowerCase().includes(v));
      }
      return w.name.toLowerCase().includes(term) || labels.some(([, lv]) => lv.toLowerCase().includes(term)) || Object.keys(w.readout.state.alerts).some((a) => a.includes(term));
    });
}

export interface Page<T> {
  total: number;
  page: number;
  perPage: number;
  pages: number;
  items: T[];
}

/** The wallets matching `q`, most urgent first (byUrgency), cut to one page (1-based). Only the page's rows are built. */
/** `clamp`: a page past the last shows the last (the HTML page: a bookmark after the fleet shrank); else it is empty (the API: a client pages until empty). */
export function fleetPage(wallets: readonly WalletSource[], q: string, page: number, perPage: number, clamp = true): Page<WalletSource> {
  const match = matcher(q);
  const all = wallets.filter(match).sort(byUrgency);
  const pages = Math.max(1, Math.ceil(all.length / perPage));
  const p = clamp ? Math.min(page, pages) : page;
  return { total: all.length, page: p, perPage, pages, items: all.slice((p - 1) * perPage, p * perPage) };
}

/**
 * The burn rate (credits/hour) over the last hours, 24 buckets: hourly over the last 24 h, or over the
 * history's span when it is shorter (a young wallet still shows a line). null where nothing was read.
 */
export function recentBurn(s: AccountState, now: number): { step_seconds: number; per_hour: (number | null)[] } {
  const x = raw(s.history.samples);
  const buckets = 24;
  const first = x.length > 0 ? x[0]! : now;
  const span = Math.min(24 * HOUR, Math.max(0, now - first));
  const step = Math.max(10_000, Math.min(HOUR, Math.ceil(span / buckets / 10_000) * 10_000));
  const per: (number | null)[] = [];
  // index of the last sample at or before t (-1 when none)
  let i = -SAMPLE_STRIDE;
  const atOrBefore = (t: number): number => {
    while (i + SAMPLE_STRIDE < x.length && x[i + SAMPLE_STRIDE]! <= t) i += SAMPLE_STRIDE;
    return i;
  };
  let prev = atOrBefore(now - buckets * step);
  for (let k = 1; k <= buckets; k++) {
    const end = now - (buckets - k) * step;
    const b = atOrBefore(end);
    const a = prev >= 0 ? prev : x.length > 0 && x[0]! <= end ? 0 : -1;
    per.push(a >= 0 && b > a ? Math.max(0, roundShown(((x[b + 2]! - x[a + 2]!) / (x[b]! - x[a]!)) * HOUR)) : null);
    prev = b;
  }
  return { step_seconds: step / 1000, per_hour: per };
}

export interface Topup {
  t: number;
  before: number;
  after: number;
}

/** The most top-ups one history answer or chart holds: a noisy balance read every second over a low TOPUP_MIN_CREDITS rises thousands of times. */
export const MAX_TOPUPS = 500;

/** Rises of at least `minCredits` between consecutive readings: the top-ups to mark; past MAX_TOPUPS the largest, in time order, and how many there were. */
export function topupsIn(readings: readonly Sample[], minCredits: number): { shown: Topup[]; total: number } {
  const all: Topup[] = [];
  for (let i = 1; i < readings.length; i++) {
    const [a, b] = [readings[i - 1]!, readings[i]!];
    if (b.balance - a.balance >= Math.max(minCredits, 1e-9)) all.push({ t: b.t, before: a.balance, after: b.balance });
  }
  if (all.length <= MAX_TOPUPS) return { shown: all, total: all.length };
  const rise = (x: Topup): number => x.after - x.before;
  const shown = [...all].sort((x, y) => rise(y) - rise(x) || x.t - y.t).slice(0, MAX_TOPUPS).sort((x, y) => x.t - y.t);
  return { shown, total: all.length };
}

/** The last reading of each `stepMs` bucket (from `from` on); all readings when stepMs is 0. */
export function thin(readings: readonly Sample[], from: number, stepMs: number): Sample[] {
  if (stepMs <= 0) return [...readings];
  const out: Sample[] = [];
  let bucket = -1;
  for (const r of readings) {
    const b = Math.floor((r.t - from) / stepMs);
    if (b === bucket) out[out.length - 1] = r;
    else out.push(r);
    bucket = b;
  }
  return out;
}
