/**
 * What a notification says, PURE and shared by every channel: a one-line summary, the facts, and what
 * to do. Users' most common complaint about alerts is that they do not say what to do.
 */
import type { ForecastBasis, Notification, PresetWords } from './alerts.js';
import { plainDecimal, roundShown } from './round.js';

const CENTS = new Intl.NumberFormat('en-US', { useGrouping: false, maximumFractionDigits: 2 });
const TWO_DIGITS = new Intl.NumberFormat('en-US', { useGrouping: false, maximumSignificantDigits: 2 });
/** A plain number (never 4e-7 or 1e+21): cents from 1 up; below 1, two significant digits (0.004 USD, 0.00042 BTC are not "0"). */
const fmtNumber = (n: number): string => (Math.abs(n) >= 1 || n === 0 ? CENTS : TWO_DIGITS).format(n);

/**
 * A balance as the webhook body carries it (round.ts: 4 decimals from 1 up, 4 significant digits below, never
 * an exponent): rounded to cents, a KWD balance of 9.9996 read "balance 10 KWD" in a low_balance alert at a
 * threshold of 10, and 12.345 KWD lost its third decimal; one rule, so the text and the body say one number.
 */
export function formatBalance(n: Notification): string {
  const { balance, currency } = n.wallet;
  return balance === null ? 'unknown' : `${plainDecimal(roundShown(balance))}${currency ? ` ${currency}` : ''}`;
}

/** `about 4 hours`, `about 3 days`, `about 20 minutes`. */
export function humanDuration(seconds: number): string {
  if (seconds < 90) return 'less than 2 minutes';
  const units: [number, string][] = [[86_400, 'day'], [3_600, 'hour'], [60, 'minute']];
  for (const [size, name] of units) {
    if (seconds >= size * 1.5 || size === 60) {
      const v = Math.round(seconds / size);
      return `about ${v} ${name}${v === 1 ? '' : 's'}`;
    }
  }
  return `about ${Math.round(seconds)} seconds`;
}

/**
 * What spend_anomaly saw: `spent 5400 USD in the last 3 hours, about 30 USD usual`. Not the burn rate:
 * the forecast's rate leaves a burst out on purpose, so "spending far faster than usual: 10 credits/hour"
 * named the usual rate. The rate where an older outbox entry has no comparison.
 */
function anomalySpend(n: Notification): string {
  const spend = n.wallet.spend;
  if (!spend) return humanRate(n);
  const unit = n.wallet.currency ?? 'credits';
  return `spent ${fmtNumber(spend.recent)} ${unit} in the last ${spend.hours} hours, about ${fmtNumber(spend.expected)} ${unit} usual`;
}

function humanRate(n: Notification): string {
  return n.wallet.burnRatePerHour === null ? 'rate unknown' : `${fmtNumber(n.wallet.burnRatePerHour)} credits/hour`;
}

/**
 * `at` + `runwaySeconds` as an ISO time, or null when there is none: no runway, or one past what a date
 * holds (a nearly flat balance reads a runway of 10^17 s; toISOString would throw, and with it the
 * notification, /api/status for every wallet and the wallet page).
 */
export function depletionAt(at: number, runwaySeconds: number | null): string | null {
  if (runwaySeconds === null) return null;
  const t = at + runwaySeconds * 1000;
  // Past year 9999 toISOString writes an extended year ("+028121-03-28T…"), which RFC 3339 readers (Go's
  // time.RFC3339, Python's fromisoformat) refuse: such a depletion is as good as none.
  return Number.isFinite(t) && t >= MIN_RFC3339_MS && t <= MAX_RFC3339_MS ? new Date(t).toISOString() : null;
}

/** The span of times RFC 3339 writes (four-digit years): 0000-01-01 to 9999-12-31T23:59:59.999Z. */
const MIN_RFC3339_MS = -62_167_219_200_000;
export const MAX_RFC3339_MS = 253_402_300_799_999;

export function depletionTime(n: Notification): string | null {
  return depletionAt(n.decidedAt, n.wallet.runwaySeconds);
}

export function summary(n: Notification): string {
  const p = n.preset; // another provider's wallet (src/providers): its title; Telephony.io's sentences otherwise
  const title = p?.title ?? 'Telephony.io';
  const w = `${title} wallet '${n.account}'`;
  if (n.reason === 'unwatched') return `${w}: ${n.alertname} closed: the wallet is no longer watched (balance ${formatBalance(n)})`;
  if (n.status === 'resolved') return `${w}: ${n.alertname} resolved (balance ${formatBalance(n)})`;
  switch (n.alertname) {
    case 'depletion_forecast':
      // No runway: held firing while too few recent readings (a daemon or API down for hours) allow a
      // forecast. Runway 0: empty (kept open beside wallet_exhausted, as Alertmanager's annotation reads it),
      // or, with money left at the last reading, the forecast aged past its end while no reading came.
      return n.wallet.runwaySeconds === null
        ? `${w} may run out: too few recent readings to forecast, so the alert stays open until they resume`
        : n.wallet.runwaySeconds > 0
          ? `${w} will run out in ${humanDuration(n.wallet.runwaySeconds)}`
          : n.wallet.balance !== null && n.wallet.balance <= -(n.wallet.creditLimit ?? 0) // a provider that lends: its floor
            ? `${w} has run out (balance ${formatBalance(n)})`
            : `${w} may have run out by now: the forecast said so, and no reading since confirms or clears it`;
    case 'low_balance':
      return `${w} balance is low: ${formatBalance(n)}`;
    case 'wallet_exhausted':
      return p
        ? `${w} is exhausted (balance ${formatBalance(n)}): its calls, messages or requests fail`
        : `${w} is exhausted (balance ${formatBalance(n)}): calls and messages fail (Telephony.io answers 402)`;
    case 'auth_failed':
      return `${title} rejects the ${p ? 'credentials' : 'API key'} of wallet '${n.account}': its balance cannot be watched`;
    case 'poll_failing':
      return `wallet-sentinel cannot read the balance of wallet '${n.account}': polls keep failing`;
    case 'spend_anomaly':
      return `${w} is spending far faster than usual: ${anomalySpend(n)} — check for fraud${p ? '' : ' (SMS pumping)'} or a runaway loop`;
    case 'test':
      return `TEST notification from wallet-sentinel for wallet '${n.account}': no action needed`;
  }
}

function presetAction(n: Notification, p: PresetWords): string {
  switch (n.alertname) {
    case 'depletion_forecast':
    case 'low_balance':
      // the provider's recharge level is not reported: this balance may not have reached it yet
      return n.wallet.autoRecharge === true
        ? `Auto-recharge is on: if it is set to recharge above this balance, it is not happening (declined card, a recharge limit reached?). ${p.topUp}`
        : p.topUp;
    case 'wallet_exhausted':
      return n.wallet.autoRecharge === true ? `Auto-recharge is on, yet the wallet is empty: the recharge is failing (declined card, a recharge limit reached?). ${p.topUp}` : p.topUp;
    case 'auth_failed':
      return `${p.suspends ? `The account may be suspended: ${p.suspends}. Otherwise check` : 'Check'} the wallet's ${p.name} credentials (${p.credentials.join(', ')}): they may have been revoked or rotated; update the secret.`;
    case 'poll_failing':
      return `Check wallet-sentinel's logs and ${p.title}'s status page; meanwhile check the balance in the ${p.title} dashboard by hand.`;
    case 'spend_anomaly':
      return `Check recent usage in the ${p.title} dashboard for unexpected traffic (fraud, a retry loop in your application); stop it, then top up if needed.`;
    case 'test':
      return 'Nothing to do: this message only checks that alerts reach you.';
  }
}

/** What to do about it. */
export function action(n: Notification): string {
  // A reshard closes a moved wallet here too: "removed, nothing watches it" sent people to add back a wallet another shard watched.
  if (n.reason === 'unwatched') return 'This process no longer watches it: it was removed from the wallets file or, after a change of SHARD_COUNT, another shard watches it now (and fires the alert again, under its own id, if it still applies). If it was removed but is still in use, add it back or check its balance by hand.';
  if (n.status === 'resolved') return 'No action needed.';
  if (n.preset) return presetAction(n, n.preset);
  switch (n.alertname) {
    case 'depletion_forecast':
    case 'low_balance':
      return 'Top up the wallet in the Telephony.io dashboard (Billing → Top up) before the balance reaches 0.';
    case 'wallet_exhausted':
      return 'Top up the wallet in the Telephony.io dashboard (Billing → Top up) now: calls and messages fail until you do.';
    case 'auth_failed':
      return 'Check TELEPHONY_API_KEY: the key may have been revoked or rotated. Create a new key in the Telephony.io dashboard and update the secret.';
    case 'poll_failing':
      return "Check wallet-sentinel's logs and the Telephony.io status page; meanwhile check the balance in the Telephony.io dashboard by hand.";
    case 'spend_anomaly':
      return 'Check recent calls and messages in the Telephony.io dashboard for unexpected traffic (SMS pumping fraud, a retry loop in your application); stop it, then top up if needed.';
    case 'test':
      return 'Nothing to do: this message only checks that alerts reach you.';
  }
}

/** The facts, one per line, for text bodies. */
export function facts(n: Notification): string[] {
  const lines = [`Account: ${n.account}`, `Alert: ${n.alertname} (${n.severity})`, `Balance: ${formatBalance(n)}`];
  const labels = labelsText(n);
  if (labels) lines.splice(1, 0, `Labels: ${labels}`);
  const { burnRatePerHour, runwaySeconds } = n.wallet;
  if (burnRatePerHour !== null) lines.push(`Burn rate: ${fmtNumber(burnRatePerHour)} credits/hour`);
  const at = depletionTime(n);
  if (runwaySeconds === 0) lines.push('Expected to run out: it has run out'); // not "<now> (in less than 2 minutes)" at every repeat
  else if (runwaySeconds !== null && at) lines.push(`Expected to run out: ${at} (in ${humanDuration(runwaySeconds)})`);
  else lines.push(`Expected to run out: ${runwayUnknown(n) ? 'not known (too few recent readings to forecast)' : 'not while spend stays at its current level'}`);
  const f = n.wallet.forecast;
  if (f) {
    const band = f.runwayLowSeconds === null || f.runwayHighSeconds === null || runwaySeconds === 0 ? 'none' : `${humanDuration(f.runwayLowSeconds)} to ${humanDuration(f.runwayHighSeconds)}`;
    lines.push(`Forecast: method ${f.method}, confidence ${f.confidence}, runway band ${band}${f.cautious ? ', leaning to the cautious end of the evidence' : ''}`);
    lines.push(`Forecast basis: ${f.basis}`);
  }
  lines.push(`Since: ${new Date(n.startsAt).toISOString()}`);
  return lines;
}

/** The forecast's basis as JSON (webhook body, PagerDuty custom_details, /api/status): one object. */
export function forecastJson(f: ForecastBasis) {
  const s = (x: number | null) => (x === null ? null : Math.round(x));
  return {
    method: f.method,
    confidence: f.confidence,
    runway_low_seconds: s(f.runwayLowSeconds),
    runway_high_seconds: s(f.runwayHighSeconds),
    cautious: f.cautious,
    basis: f.basis,
  };
}

/** `env=prod, team=voice` (sorted), or '' when the wallet has no labels. */
export function labelsText(n: Notification): string {
  return Object.entries(n.labels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => isolated(`${k}=${v}`))
    .join(', ');
}

/** Bidirectional-text controls: an override or embedding left open (U+202E alone) reverses the rest of the line. */
const BIDI_CONTROL = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/**
 * A run holding a bidi control, between FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE, which closes
 * whatever the run left open: a label `voice \u202eevil` reversed the rest of the email's Labels line (the
 * status page isolates each label in <bdi> for the same reason). Runs without one are left as written.
 */
const isolated = (run: string): string => (BIDI_CONTROL.test(run) ? `\u2068${run}\u2069` : run);

/** The runway in words for one line of a digest: `about 4 hours`, or why there is none. */
export function runwayText(n: Notification): string {
  return n.wallet.runwaySeconds === null ? (runwayUnknown(n) ? 'unknown' : 'not burning') : humanDuration(n.wallet.runwaySeconds);
}

/**
 * No runway because the forecast lacks readings (the burn rate unknown too: a held alert while the API or
 * the daemon was down, a first poll), not because nothing is spent (a burn rate of 0): both read "not
 * burning", beside a summary saying too few readings to forecast.
 */
const runwayUnknown = (n: Notification): boolean => n.wallet.runwaySeconds === null && n.wallet.burnRatePerHour !== 0;

/** How urgent a digest line is: critical firing (0), then warning firing (1), then resolved (2). */
export const urgency = (n: Notification): number => (n.status !== 'firing' ? 2 : n.severity === 'critical' ? 0 : 1);

/**
 * A digest's notifications most urgent first, in the order decided among equals: a fleet's digest listed
 * (and an email's subject named) the first decided, warnings and resolves among them, and ten pages with
 * minutes of runway further down.
 */
export const byUrgency = (ns: readonly Notification[]): Notification[] => [...ns].sort((a, b) => urgency(a) - urgency(b));

/** One line of a digest: status, alert, wallet, balance, runway, labels. */
export function digestLine(n: Notification): string {
  const labels = labelsText(n);
  const sev = n.status === 'firing' ? ` (${n.severity})` : '';
  return `[${n.status.toUpperCase()}] ${n.alertname}${sev} — wallet '${n.account}': balance ${formatBalance(n)}, runway ${runwayText(n)}${labels ? ` [${labels}]` : ''}`;
}

/** A digest's headline: `12 alerts for 9 wallets (10 firing, 2 resolved)`. */
export function digestTitle(ns: readonly Notification[]): string {
  const wallets = new Set(ns.map((n) => n.account)).size;
  const firing = ns.filter((n) => n.status === 'firing').length;
  return `${ns.length} alert notification${ns.length === 1 ? '' : 's'} for ${wallets} wallet${wallets === 1 ? '' : 's'} (${firing} firing, ${ns.length - firing} resolved)`;
}

/** What to do, once per distinct action, with the wallets it applies to. */
export function digestActions(ns: readonly Notification[]): string[] {
  const byAction = new Map<string, Set<string>>();
  for (const n of ns) {
    const a = action(n);
    if (!byAction.has(a)) byAction.set(a, new Set());
    byAction.get(a)!.add(n.account);
  }
  return [...byAction].map(([a, accounts]) => `${a} (${[...accounts].slice(0, 20).join(', ')}${accounts.size > 20 ? `, and ${accounts.size - 20} more` : ''})`);
}
