/** The fleet overview at `/`: one row per wallet, most urgent first, filtered and paged on the server. PURE. */
import { sparkline } from './chart.js';
import { ago, html, labelRuns, money, num, raw as rawSvg, shortDuration, utc, type Html } from './format.js';
import { page } from './layout.js';
import { fleetPage, walletRow, type WalletRow, type WalletSource } from './model.js';
import type { ListQuery } from './query.js';
import type { ShardView } from '../fleet/shard.js';
import type { ChannelTrouble } from '../notify/target.js';
import { nameProblem } from '../config/wallet.js';

const since = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));

/** critical / warning / ok by the wallet's own horizons (the colour of its runway). */
export function runwayBand(r: WalletRow): 'critical' | 'warning' | 'ok' | 'unknown' {
  if (r.runway_seconds === null) return r.runway_known ? 'ok' : 'unknown';
  // the central runway: on a young history the band's low end is minutes for every wallet, and a page of red says nothing
  if (r.runway_seconds <= r.horizons_hours.critical * 3600) return 'critical';
  if (r.runway_seconds <= r.horizons_hours.warning * 3600) return 'warning';
  return 'ok';
}

export function runwayCell(r: WalletRow): Html {
  const band = runwayBand(r);
  if (r.exhausted) return html`<span class="band-critical">empty</span>`;
  if (r.runway_seconds === null) return html`<span class="muted">${r.runway_known ? 'not burning' : 'not known yet'}</span>`;
  // a narrow card wraps the band between its durations, never inside one ("3" above "d 18 h")
  const whole = (s: number) => html`<span class="nw">${shortDuration(s)}</span>`;
  const range =
    r.runway_low_seconds !== null && r.runway_high_seconds !== null ? html`${whole(r.runway_low_seconds)} – ${whole(r.runway_high_seconds)}` : r.runway_low_seconds !== null ? html`at least ${whole(r.runway_low_seconds)}` : '';
  return html`<span class="band-${band}">${shortDuration(r.runway_seconds)}</span>${range ? html`<span class="runway-band">80 % band ${range}</span>` : ''}`;
}

export function alertBadges(alerts: WalletRow['alerts']): Html {
  if (alerts.length === 0) return html`<span class="muted">none</span>`;
  return html`${alerts.map((a) => html`<span class="badge sev-${a.severity}" title="since ${a.starts_at ?? ''}">${a.alertname} <span class="skip">(</span>${a.severity}<span class="skip">)</span></span>`)}`;
}

function burnCell(r: WalletRow): Html {
  const b = r.burn_recent;
  const known = b.per_hour.filter((v): v is number => v !== null);
  const span = shortDuration(b.step_seconds * b.per_hour.length);
  const label = known.length === 0 ? `burn rate, last ${span}: no readings` : `burn rate per hour, last ${span}: from ${num(Math.min(...known))} to ${num(Math.max(...known))}, latest ${num(known.at(-1)!)}`;
  const now = r.burn_rate_per_hour['1h'] ?? null;
  return html`${rawSvg(sparkline(b.per_hour, { label }))} <span class="muted">${now === null ? '' : `${num(now)}/h`}</span>`;
}


/** Characters of a label shown in the overview's rows (the wallet page shows it whole). */
const LABEL_CLAMP = 60;

function row(r: WalletRow, now: number): Html {
  const labels = labelRuns(r.labels, LABEL_CLAMP);
  const ok = since(r.last_success_at);
  return html`<tr data-wallet="${r.name}">
<th scope="row" data-label="Wallet"><a href="/wallets/${encodeURIComponent(r.name)}">${r.name}</a>${labels ? html`<span class="labels">${labels}</span>` : ''}</th>
<td data-label="Balance" class="num">${money(r.balance)} ${r.currency ?? ''}</td>
<td data-label="Burn rate">${burnCell(r)}</td>
<td data-label="Runway" data-runway="${r.runway_seconds ?? ''}">${runwayCell(r)}</td>
<td data-label="Confidence">${r.forecast_confidence}</td>
<td data-label="Firing alerts" class="alerts">${alertBadges(r.alerts)}</td>
<td data-label="Last successful poll">${ok === null ? html`<span class="muted">never</span>` : html`<time datetime="${r.last_success_at}" title="${utc(ok)}">${ago(ok, now)}</time>`}</td>
<td data-label="Last error" class="err">${r.last_error ? `${r.last_error.kind}: ${r.last_error.message}` : html`<span class="muted">—</span>`}</td>
</tr>`;
}

function pageLink(q: ListQuery, p: number, text: string, rel: string): Html {
  const params = new URLSearchParams();
  if (q.q) params.set('q', q.q);
  if (q.perPage !== 50) params.set('per_page', String(q.perPage));
  params.set('page', String(p));
  return html`<a href="/?${params.toString()}" rel="${rel}">${text}</a>`;
}

/** "Shard 2 of 3": a shard's page shows its own wallets only, and says where the others are. */
function shardNote(shard: ShardView | undefined, watched: number): Html | '' {
  if (shard === undefined) return '';
  return html`<span class="muted">shard ${shard.index + 1} of ${shard.count} (<code>SHARD_INDEX=${shard.index}</code>): ${watched} of the ${shard.walletsInFile} wallets of <code>WALLETS_FILE</code>; the other shards watch the rest</span>`;
}

/**
 * Alerts that are not getting through, above everything (an alert the page shows firing may have reached no
 * one): each channel that owes what it failed to take, why, and since when.
 */
function troubleNote(troubled: readonly ChannelTrouble[], now: number): Html | '' {
  if (troubled.length === 0) return '';
  const item = (c: ChannelTrouble): Html => {
    const why = c.error.startsWith(c.label) ? c.error.slice(c.label.length).replace(/^:?\s*/, '') : c.error; // the log's words begin with the label
    const age = shortDuration(Math.max(0, now - c.since) / 1000);
    const lost = c.givenUp ? `${c.givenUp === 1 ? 'one notification' : `${c.givenUp} notifications`} given up since it last took one${c.owed > 0 ? '' : `, the last ${age} ago`}` : '';
    const owed = c.owed === 0 ? lost : [c.owed === 1 ? `one notification owed for ${age}` : `${c.owed} notifications owed, the oldest for ${age}`, lost].filter(Boolean).join('; ');
    const next = c.retryAt === undefined ? '' : `; its settings were refused: one is tried again at ${utc(c.retryAt)}, and at once after a restart (or a reload, for a receiver of WALLETS_FILE)`;
    return html`<li><strong>${c.label}</strong>: ${why}. <span class="muted">${owed}${next}.</span></li>`;
  };
  return html`<section class="trouble" aria-label="Alerts not getting through"><p><strong>Alerts are not getting through</strong> to ${troubled.length === 1 ? 'one channel' : `${troubled.length} channels`}:</p><ul>${troubled.map(item)}</ul></section>`;
}

export function overviewPage(wallets: readonly WalletSource[], q: ListQuery, now: number, o: { shard?: ShardView | undefined; troubled?: readonly ChannelTrouble[] | undefined } = {}): string {
  const { shard, troubled = [] } = o;
  const p = fleetPage(wallets, q.q, q.page, q.perPage);
  const rows = p.items.map((w) => walletRow(w, now));
  let critical = 0;
  let warning = 0;
  for (const w of wallets) {
    const sev = Object.values(w.readout.state.alerts).map((a) => a.severity);
    if (sev.includes('critical')) critical++;
    else if (sev.includes('warning')) warning++;
  }
  const first = (p.page - 1) * p.perPage + 1;
  const shown = p.total === 0 ? (q.q ? 'No wallet matches.' : 'No wallet is watched.') : `Wallets ${first}–${first + rows.length - 1} of ${p.total}${q.q ? ` matching “${q.q}”` : ''}, most urgent first: empty, then critical, then warning, each by runway.`;
  const body = html`<h1>Wallets</h1>
<form class="filter" role="search" method="get" action="/"><label for="q">Filter by name or label</label>
<input id="q" name="q" type="search" value="${q.q}" placeholder="acme, team=voice, env=prod" autocomplete="off">
<button type="submit">Filter</button>${q.q ? html`<a class="button" href="/">Clear</a>` : ''}</form>
<div id="live">${troubleNote(troubled, now)}
<p class="summary"><span><strong>${wallets.length}</strong> ${wallets.length === 1 ? 'wallet' : 'wallets'} watched</span><span><span class="badge sev-critical">${critical} critical</span></span><span><span class="badge sev-warning">${warning} warning</span></span>${shardNote(shard, wallets.length)}<span class="muted asof">as of <time datetime="${new Date(now).toISOString()}">${utc(now)}</time></span></p>
<p id="shown" aria-live="polite">${shown}</p>
<div class="table-wrap" tabindex="0" role="region" aria-labelledby="shown">
<table id="wallets"><thead><tr><th scope="col">Wallet</th><th scope="col" class="num">Balance</th><th scope="col">Burn rate (recent)</th><th scope="col">Runway</th><th scope="col">Confidence</th><th scope="col">Firing alerts</th><th scope="col">Last successful poll</th><th scope="col">Last error</th></tr></thead>
<tbody>${rows.map((r) => row(r, now))}</tbody></table></div>
${p.pages > 1 ? html`<nav class="pages" aria-label="Pages">${p.page > 1 ? pageLink(q, p.page - 1, '← Previous', 'prev') : ''}<span>Page ${p.page} of ${p.pages}</span>${p.page < p.pages ? pageLink(q, p.page + 1, 'Next →', 'next') : ''}</nav>` : ''}
</div>`;
  // a filter's count with the whole fleet's: "0 wallets" read as an empty fleet
  const fleet = `${wallets.length} wallet${wallets.length === 1 ? '' : 's'}`;
  // The filter is the URL's, whoever sent the link: the title (a tab, a bookmark, the window list) names it only
  // when it is one word a wallet could be named, as the 404 page does (routes.ts), never a sentence of theirs.
  const title = q.q ? `${p.total} of ${fleet} match ${nameProblem(q.q) === undefined ? `“${q.q}”` : 'the filter'}` : fleet;
  return page({ title: `wallet-sentinel — ${title}`, body, now });
}
