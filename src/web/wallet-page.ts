/**
 * The wallet page at `/wallets/<name>`: balance over the stored history (up to 14 days) with top-ups
 * marked, the forecast to zero (or to minus the credit limit) with its band and the alert horizons, burn rate per window, the alert
 * timeline and what to do. PURE apart from reading the wallet's stored history through its source.
 */
import { BURN_WINDOW_NAMES } from '../domain/rates.js';
import type { Sample } from '../domain/packed.js';
import { timeChart, type Band, type Point, type Series } from './chart.js';
import { floorWords, forecastShapes, valueAxis } from './forecast-picture.js';
import { html, labelRuns, money, num, raw, shortDuration, utc, type Html } from './format.js';
import { page } from './layout.js';
import { thin, topupsIn, walletRow, type WalletRow, type WalletSource } from './model.js';
import { alertBadges, runwayCell } from './overview.js';
import { HISTORY_MS } from './query.js';
import { forecastTime } from '../status.js';
import { RETENTION } from '../domain/history.js';
import { DOWNSAMPLE_MS } from '../store/readings.js';

const HOUR = 3_600_000;
/** The chart's balance line has about this many points at most (the history is thinned to it). */
export const CHART_POINTS = 600;

/** The history the page draws: from the first stored reading (at most 14 days back) to now, and its step. */
export function chartRange(readings: readonly Sample[], now: number): { from: number; to: number; stepMs: number } {
  const from = readings[0]?.t ?? now - HOUR;
  const per = (now - from) / CHART_POINTS;
  return { from, to: now, stepMs: per > 1000 ? Math.ceil(per / 1000) * 1000 : 0 };
}

/** How many times the usual spacing of the drawn readings a gap must exceed (the chart's own thinning leaves up to 2). */
export const GAP_FACTOR = 4;
/** The widest spacing thinning leaves between old readings: one per 10 min in the store, one per 15 min in memory. */
const THINNED_MS = Math.max(DOWNSAMPLE_MS, RETENTION.thinnedSpacingMs);

/**
 * Readings further apart than this are drawn apart, not joined by a straight line (the daemon was down, or
 * every poll failed, for hours): more than GAP_FACTOR times the median spacing of the drawn readings and more
 * than 2 × THINNED_MS. Thinning keeps a reading once it is THINNED_MS after the last kept, so a normal thinned
 * history is spaced under THINNED_MS plus one poll interval: under 2 × THINNED_MS for any interval up to
 * THINNED_MS; a longer interval is kept whole, its spacing the interval itself, the median already. The chart's
 * own thinning (the last reading of each step) spaces readings under 2 steps around a median of one step.
 */
export function gapOf(readings: readonly Sample[]): number {
  if (readings.length < 3) return Infinity;
  const spacings = readings.slice(1).map((r, i) => r.t - readings[i]!.t).sort((a, b) => a - b);
  return Math.max(GAP_FACTOR * spacings[Math.floor(spacings.length / 2)]!, 2 * THINNED_MS);
}

/** The gaps the chart leaves, in words for its description: how many, and the longest (how long, from when). */
function gapWords(readings: readonly Sample[], gapMs: number): string {
  const gaps = readings.slice(1).flatMap((r, i) => (r.t - readings[i]!.t > gapMs ? [{ t: readings[i]!.t, ms: r.t - readings[i]!.t }] : []));
  if (gaps.length === 0) return '';
  const longest = gaps.reduce((a, b) => (b.ms > a.ms ? b : a));
  return ` No readings in ${gaps.length} gap(s), drawn apart: the longest ${shortDuration(longest.ms / 1000)} from ${utc(longest.t)}.`;
}

export const historyUrl = (name: string, r: { from: number; to: number; stepMs: number }): string =>
  `/api/wallets/${encodeURIComponent(name)}/history?from=${r.from / 1000}&to=${r.to / 1000}${r.stepMs > 0 ? `&step=${r.stepMs / 1000}` : ''}`;

/** Where the chart ends: far enough to show the forecast reach zero (and its band), not so far the history shrinks to a sliver. */
function chartEnd(row: WalletRow, from: number, now: number): number {
  const past = Math.max(now - from, 60_000);
  const runway = row.runway_seconds === null ? null : row.runway_seconds * 1000;
  const high = row.runway_high_seconds === null ? null : row.runway_high_seconds * 1000;
  let future = runway === null ? past * 0.25 : Math.min(Math.max(runway * 1.1, high === null ? 0 : high * 1.05), Math.max(runway * 2, runway + 60_000));
  future = Math.min(Math.max(future, past * 0.1), Math.max(past * 6, 24 * HOUR));
  return now + future;
}

/** What the chart's description says of the forecast line, or why there is none. */
function forecastWords(row: WalletRow, to: string, at: number): string {
  // depletion_at of an empty wallet is when it went empty (its wallet_exhausted alert's start), if known
  if (row.exhausted) return `No forecast line: the wallet is empty${row.depletion_at ? ` since ${utc(Date.parse(row.depletion_at))}` : ''}${row.balance === null ? ' (its balance is not known)' : ''}.`;
  if (row.balance === null) return 'No forecast line: the balance is not known.';
  if (row.runway_seconds === null) return 'No depletion forecast (not burning, or not enough readings yet).';
  return `Forecast: a straight line from ${money(row.balance)} at ${utc(at)} to ${to} at ${utc(at + row.runway_seconds * 1000)}.`;
}

export function balanceChart(w: WalletSource, row: WalletRow, readings: readonly Sample[], all: readonly Sample[], range: { from: number; to: number }, now: number): string {
  const end = chartEnd(row, range.from, now);
  const balance = row.balance ?? 0;
  const floor = -(row.credit_limit ?? 0);
  const to = floorWords(row.credit_limit);
  const found = topupsIn(all, w.wallet.rules.topupMinCredits); // range.from is the first stored reading
  const topups = found.shown;
  const gapMs = gapOf(readings);
  const series: Series[] = [{ kind: 'balance', label: 'Balance', points: readings.map((r) => [r.t, r.balance] as Point), gapMs }];
  const bands: Band[] = [];
  // from the poll the forecast was made at, as depletion_at counts (on an hourly schedule, now was up to an hour later)
  const at = forecastTime(w.readout.state, now);
  // an empty wallet has no forecast: its runway reads 0 and depletion_at when it went empty, a zero-width line into the past
  if (!row.exhausted && row.runway_seconds !== null && row.balance !== null) {
    const ms = (s: number | null) => (s === null ? null : s * 1000);
    // a band without a high end (Infinity) reaches past the chart's end
    const f = forecastShapes(at, balance, row.runway_seconds * 1000, ms(row.runway_low_seconds), row.runway_high_seconds === null ? Infinity : row.runway_high_seconds * 1000, end, `Forecast: reaches ${to} at ${utc(at + row.runway_seconds * 1000)}`, floor);
    series.push(f.line);
    bands.push(f.band);
  }
  const h = row.horizons_hours;
  const desc =
    `Balance from ${utc(range.from)} to now: ${readings.length} readings, ${topups.length === found.total ? `${topups.length} top-up(s) marked` : `the ${topups.length} largest of ${found.total} top-ups marked`}.${gapWords(readings, gapMs)} ` +
    forecastWords(row, to, at) +
    ` Alert horizons: warning ${h.warning} h, critical ${h.critical} h from now.`;
  return timeChart({
    id: 'balance-chart',
    title: `Balance (${row.currency ?? 'credits'}) and forecast of ${w.name}`,
    desc,
    t: [range.from, end],
    v: valueAxis(floor, [balance, ...readings.map((r) => r.balance)]),
    series,
    bands,
    markers: topups.map((t) => ({ kind: 'topup', t: t.t, v: t.after, label: `Top-up at ${utc(t.t)}: ${money(t.before)} → ${money(t.after)}` })),
    rules: [
      { kind: 'now', t: now, label: 'now' },
      { kind: 'warning', t: now + h.warning * HOUR, label: `warning ${h.warning} h` },
      { kind: 'critical', t: now + h.critical * HOUR, label: `critical ${h.critical} h` },
    ],
  });
}

/** What the person on call should do, most urgent first. */
export function advice(w: WalletSource, row: WalletRow): string[] {
  const s = w.readout.state;
  const f = w.readout.forecast;
  const out: string[] = [];
  const cur = row.currency ?? 'credits';
  if (s.exhausted) out.push('The wallet is empty: calls and messages fail now. Top it up in the provider’s dashboard at once.');
  // Never read (just added, or the first poll still waiting on a slow upstream): nothing is known, so nothing is "fine" either.
  if (s.lastSuccessAt === null && s.lastError === null && !s.exhausted && !s.authFailed) out.push('This wallet has not been read yet: its first poll has not finished (a wallet just added, or an upstream slow to answer). Its figures appear once it has.');
  if (s.authFailed) out.push('The provider rejects the API key: the balance cannot be read. Create a new key and put it where this wallet reads it: its key file in WALLETS_FILE, then reload (SIGHUP); or, for the wallet of the environment (TELEPHONY_API_KEY or TELEPHONY_API_KEY_FILE), restart the daemon, as a reload reads WALLETS_FILE alone.');
  else if (s.lastError) out.push(`The last poll failed (${s.lastError.kind}: ${s.lastError.message}). ${s.lastSuccessAt === null ? 'No poll has succeeded yet, so there are no figures' : 'The figures here are from the last successful poll'}; check the balance in the provider’s dashboard.`);
  if (!s.exhausted && row.runway_seconds !== null && f.burnRatePerHour > 0) {
    const need = f.burnRatePerHour * row.horizons_hours.warning - (row.balance ?? 0) - (row.credit_limit ?? 0);
    const low = row.runway_low_seconds;
    const earliest = low !== null && low < row.runway_seconds * 0.9 ? ` (it may run out as soon as ${shortDuration(low)} from now)` : '';
    if (need > 0) out.push(`Top up at least ${money(need)} ${cur} within ${shortDuration(row.runway_seconds)}${earliest} to keep more than ${row.horizons_hours.warning} h of runway at ${num(f.burnRatePerHour)} ${cur}/h.`);
  }
  const lowAlert = s.alerts.low_balance;
  const threshold = lowAlert && (lowAlert.severity === 'critical' ? w.wallet.rules.criticalBalanceThreshold : w.wallet.rules.lowBalanceThreshold);
  if (lowAlert && !s.exhausted && threshold !== undefined && row.balance !== null) {
    // the alert clears at the lowest threshold plus the hysteresis (rules.ts): advice to reach the threshold
    // itself left it firing, and then read "top up at least 0.00"
    const clear = (w.wallet.rules.lowBalanceThreshold ?? threshold) * (1 + w.wallet.rules.hysteresisPercent / 100);
    const need = Math.ceil((clear - row.balance) * 100 - 1e-6) / 100;
    out.push(`low_balance fires (${lowAlert.severity} below ${money(threshold)} ${cur}): top up at least ${money(Math.max(0.01, need))} ${cur} to bring it to ${money(clear)} ${cur}, where the alert clears (the threshold and its ${w.wallet.rules.hysteresisPercent} % hysteresis).`);
  }
  if (s.alerts.spend_anomaly) out.push('Spend is far above its usual pattern: check recent calls and messages for fraud (SMS pumping) or a retry loop before topping up.');
  // Read, but with too few readings for a runway (three on an hourly or daily schedule take hours): it cannot say the wallet lasts.
  if (out.length === 0 && s.lastSuccessAt !== null && !s.exhausted && !row.runway_known) out.push('The runway is not known yet: the forecast needs a few more readings of this wallet, over some time, before it can say how long the balance lasts. Until then only an empty wallet and the balance thresholds alert; check the balance against your spend.');
  // Every firing alert gets a line: "nothing to do" on a wallet that pages is the one thing the page must not say.
  if (out.length === 0 && row.alerts.length > 0) out.push(`Firing: ${row.alerts.map((a) => `${a.alertname} (${a.severity})`).join(', ')}; see the alert events below.`);
  return out;
}

const REASON_WORDS = { start: 'fired', escalation: 'escalated', repeat: 'repeated', resolve: 'resolved', unwatched: 'closed: no longer watched' } as const;

/** The page's timeline shows the newest this many events (an alert flapping on a wallet polled every second makes thousands); the API has them all. */
export const TIMELINE_ROWS = 200;

function timeline(w: WalletSource, now: number): Html {
  const all = w.alertEvents(now - HISTORY_MS, now).reverse();
  if (all.length === 0) return html`<p class="muted">No alert in the stored history.</p>`;
  const events = all.slice(0, TIMELINE_ROWS);
  const more = all.length - events.length;
  const older = more > 0 ? html`<p class="muted">The newest ${events.length} of ${all.length} events; all of them: <a href="/api/wallets/${encodeURIComponent(w.name)}">/api/wallets/${w.name}</a>.</p>` : html``;
  return html`${older}<div class="table-wrap" tabindex="0" role="region" aria-label="Alert events, newest first"><table id="timeline"><thead><tr><th scope="col">When (UTC)</th><th scope="col">Alert</th><th scope="col">Severity</th><th scope="col">Event</th></tr></thead><tbody>
${events.map((e) => html`<tr data-reason="${e.reason}"><td data-label="When"><time datetime="${new Date(e.t).toISOString()}">${utc(e.t)}</time></td><td data-label="Alert">${e.alertname}</td><td data-label="Severity"><span class="badge sev-${e.severity}">${e.severity}</span></td><td data-label="Event">${REASON_WORDS[e.reason]}</td></tr>`)}
</tbody></table></div>`;
}

function card(k: string, v: Html | string, id?: string): Html {
  return html`<div class="card"${id ? raw(` id="${id}"`) : ''}><span class="k">${k}</span><span class="v">${v}</span></div>`;
}

export function walletPage(w: WalletSource, now: number): string {
  const row = walletRow(w, now);
  const all = w.history(now - HISTORY_MS, now);
  const range = chartRange(all, now);
  const readings = thin(all, range.from, range.stepMs);
  const todo = advice(w, row);
  const labels = labelRuns(row.labels);
  const body = html`<p><a href="/">← All wallets</a></p>
<h1>${row.name}</h1><p class="muted">${row.provider}${labels ? html` · ${labels}` : ''}</p>
<div id="live">
<section aria-labelledby="todo-h"><h2 id="todo-h">What to do</h2>
<div class="todo${todo.length === 0 ? ' calm' : ''}">${todo.length === 0 ? html`<p>Nothing to do: the wallet lasts beyond its alert horizons.</p>` : html`<ul>${todo.map((t) => html`<li>${t}</li>`)}</ul>`}</div></section>
<section aria-labelledby="now-h"><h2 id="now-h">Now</h2><p class="muted asof">as of <time datetime="${new Date(now).toISOString()}">${utc(now)}</time></p><div class="cards">
${card('Balance', `${money(row.balance)} ${row.currency ?? ''}`, 'balance')}
${card('Runway', runwayCell(row), 'runway')}
${card(row.exhausted ? 'Ran out' : 'Runs out', row.depletion_at ? html`<time datetime="${row.depletion_at}">${utc(Date.parse(row.depletion_at))}</time>` : !row.exhausted && row.runway_seconds !== null ? utc(forecastTime(w.readout.state, now) + row.runway_seconds * 1000) : '—', 'depletion')}
${card('Confidence', `${row.forecast_confidence} (${row.forecast_method})`)}
${card('Firing alerts', alertBadges(row.alerts))}
${card('Last successful poll', row.last_success_at ? utc(Date.parse(row.last_success_at)) : 'never')}
${card('Last error', row.last_error ? `${row.last_error.kind}: ${row.last_error.message}` : '—')}
</div></section>
<section aria-labelledby="chart-h"><h2 id="chart-h">Balance and forecast</h2><figure><div class="chart-wrap" tabindex="0" role="region" aria-label="Balance chart">${raw(balanceChart(w, row, readings, all, range, now))}</div>
<figcaption><ul class="legend"><li><span class="sw sw-balance"></span>balance (${row.currency ?? 'credits'})</li><li><span class="sw sw-topup"></span>top-up</li><li><span class="sw sw-forecast"></span>forecast to ${floorWords(row.credit_limit)}</li><li><span class="sw sw-band"></span>80 % band</li><li><span class="sw sw-horizon"></span>now and the warning / critical horizons</li></ul>
<a id="history-json" href="${historyUrl(row.name, range)}">These readings as JSON</a></figcaption></figure></section>
<section aria-labelledby="burn-h"><h2 id="burn-h">Burn rate</h2><div class="table-wrap"><table id="burn"><thead><tr><th scope="col">Window</th><th scope="col" class="num">Credits per hour</th></tr></thead><tbody>
${BURN_WINDOW_NAMES.map((k) => html`<tr><th scope="row">last ${k}</th><td class="num">${num(row.burn_rate_per_hour[k] ?? null, 2)}</td></tr>`)}
<tr><th scope="row">forecast (next 24 h)</th><td class="num">${num(row.balance === null ? null : w.readout.forecast.burnRatePerHour, 2)}</td></tr></tbody></table></div></section>
<section aria-labelledby="alerts-h"><h2 id="alerts-h">Alert timeline</h2>${timeline(w, now)}</section>
</div>`;
  return page({ title: `${row.name} — wallet-sentinel`, body, now });
}
