/**
 * The status page and its JSON API, as a function of (path, query) → answer, so the HTTP server only
 * writes what comes back:
 *
 *   /                                  fleet overview (?q= filter, ?page=, ?per_page=)
 *   /wallets/<name>                    one wallet
 *   /api/wallets                       the overview's rows as JSON (same parameters)
 *   /api/wallets/<name>                one row, with its alert timeline (14 days)
 *   /api/wallets/<name>/history        stored readings (?from=&to=&step=) and the top-ups among them
 *   /assets/style.css, /assets/app.js  the page's own stylesheet and script
 *
 * Nothing here reads a secret: a row is built from the wallet's name, provider, labels, rule horizons and
 * its state (balance, forecast, alerts, the last error's safe message).
 */
import { APP_JS } from './assets/app.js';
import { STYLE_CSS } from './assets/style.js';
import { html, type Html } from './format.js';
import { nameProblem } from '../config/wallet.js';
import { page, PAGE_HEADERS } from './layout.js';
import { fleetPage, thin, topupsIn, walletRow, type WalletSource } from './model.js';
import type { ShardView } from '../fleet/shard.js';
import type { ChannelTrouble } from '../notify/target.js';
import { overviewPage } from './overview.js';
import { BadRequest, checkPoints, fittingStep, HISTORY_MS, historyQuery, listQuery } from './query.js';
import { walletPage } from './wallet-page.js';

export interface WebDeps {
  wallets: () => readonly WalletSource[];
  now: () => number;
  /** This process's shard (the overview says the other wallets are watched elsewhere); absent: not sharded. */
  shard?: () => ShardView | undefined;
  /** The alert channels that owe what they failed to take (the overview says alerts are not getting through). */
  troubled?: () => readonly ChannelTrouble[];
}

export interface Answer {
  status: number;
  type: string;
  body: string;
  headers?: Record<string, string>;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const HTML_TYPE = 'text/html; charset=utf-8';
const json = (status: number, doc: unknown): Answer => ({ status, type: JSON_TYPE, body: `${JSON.stringify(doc, null, 2)}\n`, headers: PAGE_HEADERS });
const htmlAnswer = (status: number, body: string): Answer => ({ status, type: HTML_TYPE, body, headers: PAGE_HEADERS });
const iso = (t: number): string => new Date(t).toISOString();

/** `/wallets/<name>`, `/api/wallets/<name>` and `/api/wallets/<name>/history` (a page has no history path). */
function walletPath(path: string): { api: boolean; name: string; history: boolean } | undefined {
  const m = /^\/(api\/)?wallets\/([^/]+)(\/history)?$/.exec(path);
  if (!m || (m[3] && !m[1])) return undefined;
  return { api: Boolean(m[1]), name: m[2]!, history: Boolean(m[3]) };
}

/** The page's own stylesheet and script, by path. */
const ASSETS = new Map<string, Answer>([
  ['/assets/style.css', { status: 200, type: 'text/css; charset=utf-8', body: STYLE_CSS, headers: { ...PAGE_HEADERS, 'Cache-Control': 'max-age=300' } }],
  ['/assets/app.js', { status: 200, type: 'text/javascript; charset=utf-8', body: APP_JS, headers: { ...PAGE_HEADERS, 'Cache-Control': 'max-age=300' } }],
]);

/** One of this part's paths that takes a trailing slash typed by hand (redirected to it): all but `/` and the assets. */
const slashable = (path: string): boolean => path === '/api/wallets' || walletPath(path) !== undefined;

/** Whether this part serves `path` (for GET), without building its answer: another method there is a 405, not a 404. */
export function serves(path: string): boolean {
  return path === '/' || ASSETS.has(path) || slashable(path.endsWith('/') ? path.slice(0, -1) : path);
}

/** The answer for a path this part serves, or undefined (someone else's path). */
export function route(path: string, params: URLSearchParams, d: WebDeps): Answer | undefined {
  // One of this part's paths but `/`, typed with a trailing slash (a link by hand): redirected to it.
  const slashless = path.slice(0, -1);
  if (path.endsWith('/') && slashable(slashless)) {
    const to = `${slashless}${params.size > 0 ? `?${params}` : ''}`;
    return { status: 308, type: 'text/plain; charset=utf-8', body: `moved to ${to}\n`, headers: { ...PAGE_HEADERS, Location: to } };
  }
  const api = path.startsWith('/api/');
  try {
    return dispatch(path, params, d);
  } catch (err) {
    if (!(err instanceof BadRequest)) throw err;
    if (api) return json(400, { error: err.message });
    return htmlAnswer(400, page({ title: 'Bad request — wallet-sentinel', body: html`<h1>Bad request</h1><p>${err.message}</p><p><a href="/">All wallets</a></p>`, now: d.now(), refresh: false }));
  }
}

function dispatch(path: string, params: URLSearchParams, d: WebDeps): Answer | undefined {
  const asset = ASSETS.get(path);
  if (asset) return asset;
  if (path === '/') return htmlAnswer(200, overviewPage(d.wallets(), listQuery(params), d.now(), { shard: d.shard?.(), troubled: d.troubled?.() }));
  if (path === '/api/wallets') {
    const q = listQuery(params);
    const now = d.now();
    const p = fleetPage(d.wallets(), q.q, q.page, q.perPage, false);
    return json(200, { generated_at: iso(now), total: p.total, page: p.page, per_page: p.perPage, pages: p.pages, wallets: p.items.map((w) => walletRow(w, now)) });
  }
  const m = walletPath(path);
  if (!m) return undefined;
  const name = decodeName(m.name);
  const w = d.wallets().find((x) => x.name === name);
  if (!m.api) {
    if (params.size > 0) throw new BadRequest(`the wallet page takes no query parameters (got ${[...params.keys()].join(', ')})`);
    if (!w) return htmlAnswer(404, page({ title: 'No such wallet — wallet-sentinel', body: html`<h1>No such wallet</h1><p>${noSuchWallet(name)}</p><p><a href="/">All wallets</a></p>`, now: d.now(), refresh: false }));
    return htmlAnswer(200, walletPage(w, d.now()));
  }
  if (!w) return json(404, { error: `no wallet named "${name}" is watched by this process` });
  const now = d.now();
  if (!m.history) {
    if (params.size > 0) throw new BadRequest(`/api/wallets/<name> takes no query parameters (got ${[...params.keys()].join(', ')})`);
    const timeline = w.alertEvents(now - HISTORY_MS, now).map((e) => ({ ...e, t: iso(e.t) }));
    return json(200, { ...walletRow(w, now), alert_timeline: timeline });
  }
  const q = historyQuery(params, now);
  const all = w.history(q.from, q.to);
  const stepMs = fittingStep(q, all);
  const readings = thin(all, q.from, stepMs);
  checkPoints(q, readings.length, all.length);
  const topups = topupsIn(all, w.wallet.rules.topupMinCredits);
  return json(200, {
    account: w.name,
    from: iso(q.from),
    to: iso(q.to),
    step_seconds: stepMs === 0 ? null : stepMs / 1000,
    readings: readings.map((r) => ({ t: iso(r.t), balance: r.balance })),
    topups: topups.shown.map((t) => ({ t: iso(t.t), before: t.before, after: t.after })),
    topups_total: topups.total,
  });
}

/**
 * What the 404 page says. A name no wallet can have is not echoed: the path is whoever sent the link's, and
 * `/wallets/acme-prod” was closed. Top up at … “` made the daemon's own page say their sentence.
 */
function noSuchWallet(name: string): Html {
  return nameProblem(name) === undefined
    ? html`This process watches no wallet named “${name}”.`
    : html`This process watches no wallet by that name (a wallet's name is 1 to 64 letters, digits, dots, dashes or underscores).`;
}

function decodeName(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new BadRequest('the wallet name in the path is not valid percent-encoding');
  }
}
