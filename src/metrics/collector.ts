/**
 * The per-wallet series, written as exposition text at scrape time straight from each wallet's readout
 * (what its last poll left), so the page is exactly the wallets watched now: a removed wallet's series are
 * gone at the next scrape, and no poll ever touches another wallet's series. One pass over the wallets,
 * each wallet's readout read once (its samples all come from one snapshot), its label strings escaped once
 * and cached: prom-client's set()/label hashing per series per scrape cost ~0.5 s at 10,000 wallets.
 * Nothing here calls an upstream (pitfalls: collect()).
 */
import type { WalletSettings } from '../config/settings.js';
import { isCurrencyCode } from '../domain/account.js';
import { BURN_WINDOW_NAMES, CONFIDENCES } from '../domain/forecast.js';
import type { MonitorReadout } from '../poller/monitor.js';
import { familyHeader, formatValue, labelPair } from './exposition.js';

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

/** The per-wallet families, in the order metrics.ts declares them. */
export const WALLET_FAMILIES = [
  'balance',
  'consumed',
  'topups',
  'burnRate',
  'runway',
  'runwayLow',
  'runwayHigh',
  'creditLimit',
  'autoRecharge',
  'confidence',
  'apiUp',
  'requests',
  'lastSuccess',
  'skipped',
  'alertFiring',
  'info',
] as const;
export type WalletFamily = (typeof WALLET_FAMILIES)[number];

/** What a family's header needs (a prom-client metric declared in metrics.ts, or WalletInfoMetric). */
export interface FamilyDecl {
  readonly name: string;
  readonly help: string;
  readonly type: string;
}

/** A currency code becomes a label only when it is a plain code (a state file of an older version may hold any string). */
const currencyLabel = (c: string | null): string => (isCurrencyCode(c) ? c : 'unknown');

/** One wallet's label strings, escaped once (cached per settings object: a reload that changes them makes a new one). */
interface WalletLabels {
  /** `account="…"` */
  readonly account: string;
  /** `account="…",currency="…"` for the last currency seen. */
  currency: string;
  currencyOf: string | null;
  /** telephony_wallet_info's labels: the wallet's `labels`, then account and provider. */
  readonly info: string;
}

const labelCache = new WeakMap<WalletSettings, WalletLabels>();

function labelsOf(wallet: WalletSettings, currency: string | null): WalletLabels {
  let l = labelCache.get(wallet);
  if (!l) {
    const account = labelPair('account', wallet.name);
    const info = Object.entries({ ...wallet.labels, account: wallet.name, provider: wallet.provider }).map(([k, v]) => labelPair(k, v)).join(',');
    l = { account, currency: '', currencyOf: null, info };
    labelCache.set(wallet, l);
  }
  if (l.currency === '' || l.currencyOf !== currency) {
    l.currency = `${l.account},${labelPair('currency', currencyLabel(currency))}`;
    l.currencyOf = currency;
  }
  return l;
}

const BURN_WINDOW_LABELS = BURN_WINDOW_NAMES.map((w) => `,${labelPair('window', w)}`);
const SKIP_LABELS = SKIP_REASONS.map((r) => `,${labelPair('reason', r)}`);

/**
 * The sample lines of every per-wallet family, built from a list of wallets (in slices, see
 * WalletRegistry) and then turned into text. A wallet whose readout throws is left out of the scrape
 * whole (none of its lines stay) rather than failing the page; so is a counter value that is negative or
 * not finite (prom-client's inc() refuses those).
 */
export class WalletExposition {
  /** Each family's lines of the wallets being added, then its text of every add() so far. */
  readonly #lines = Object.fromEntries(WALLET_FAMILIES.map((f) => [f, []])) as unknown as Record<WalletFamily, string[]>;
  readonly #chunks = Object.fromEntries(WALLET_FAMILIES.map((f) => [f, []])) as unknown as Record<WalletFamily, string[]>;
  readonly #names: Record<WalletFamily, string>;
  #watched = 0;

  constructor(private readonly decls: Readonly<Record<WalletFamily, FamilyDecl>>) {
    this.#names = Object.fromEntries(WALLET_FAMILIES.map((f) => [f, decls[f].name])) as Record<WalletFamily, string>;
  }

  /** Wallets given to add(), those left out included. */
  get watched(): number {
    return this.#watched;
  }

  /**
   * Appends the samples of these wallets. Each family's lines of the call are joined into one chunk at
   * the end, so the many short line strings die young (a scavenge copies only what still lives).
   */
  add(wallets: Iterable<WalletReadout>): void {
    const lines = WALLET_FAMILIES.map((f) => this.#lines[f]);
    for (const w of wallets) {
      this.#watched++;
      const marks = lines.map((l) => l.length);
      try {
        this.#wallet(w);
      } catch {
        lines.forEach((l, i) => (l.length = marks[i]!));
      }
    }
    for (const f of WALLET_FAMILIES) {
      if (this.#lines[f].length > 0) this.#chunks[f].push(this.#lines[f].join('\n'));
      this.#lines[f] = [];
    }
  }

  /** A family's text: its HELP and TYPE, then every wallet's samples (no trailing newline, as prom-client). */
  text(family: WalletFamily): string {
    const d = this.decls[family];
    return [familyHeader(d.name, d.help, d.type), ...this.#chunks[family]].join('\n');
  }

  #sample(family: WalletFamily, labels: string, value: number): void {
    this.#lines[family].push(`${this.#names[family]}{${labels}} ${formatValue(value)}`);
  }

  #count(family: WalletFamily, labels: string, value: number): void {
    if (Number.isFinite(value) && value >= 0) this.#sample(family, labels, value);
  }

  /** Every series of one wallet, from one read of its readout. */
  #wallet(w: WalletReadout): void {
    const r = w.readout;
    const s = r.state;
    const f = r.forecast;
    const l = labelsOf(w.wallet, s.currency);
    const a = l.account;
    if (s.balance !== null) this.#sample('balance', l.currency, s.balance);
    this.#count('consumed', a, r.consumed);
    this.#count('topups', a, r.topups);
    BURN_WINDOW_NAMES.forEach((window, i) => this.#sample('burnRate', a + BURN_WINDOW_LABELS[i], f.rates[window]));
    this.#sample('runway', a, f.runwaySeconds);
    this.#sample('runwayLow', a, f.runwayLowSeconds);
    this.#sample('runwayHigh', a, f.runwayHighSeconds);
    // 0 for a wallet that cannot go below zero: always there beside the balance, so a rule can add it
    if (s.balance !== null) this.#sample('creditLimit', l.currency, s.creditLimit ?? 0);
    if (s.autoRecharge !== undefined) this.#sample('autoRecharge', a, s.autoRecharge ? 1 : 0);
    this.#sample('confidence', a, CONFIDENCES.indexOf(f.confidence));
    this.#sample('apiUp', a, r.up ? 1 : 0);
    for (const [code, n] of w.requests) this.#count('requests', `${a},${labelPair('code', code)}`, n);
    if (s.lastSuccessAt !== null) this.#sample('lastSuccess', a, s.lastSuccessAt / 1000);
    SKIP_REASONS.forEach((reason, i) => this.#count('skipped', a + SKIP_LABELS[i], w.skipped[reason]));
    for (const x of r.alertSeries.values()) this.#sample('alertFiring', `${a},${labelPair('alertname', x.alertname)},${labelPair('severity', x.severity)}`, x.value);
    this.#sample('info', l.info, 1);
  }
}

/**
 * `telephony_wallet_info{account, provider, <label keys>} 1`: its label names are the union of every
 * wallet's `labels` keys, which a reload may change, so it is not a prom-client Gauge (whose label names
 * are fixed when it is made). A wallet without one of the keys leaves it out (an empty label value is the
 * same as no label to Prometheus). Registered for its place on the page; WalletRegistry writes its samples.
 */
export class WalletInfoMetric implements FamilyDecl {
  readonly name = 'telephony_wallet_info';
  readonly help = "A wallet watched by this process: always 1, labelled with the wallet's provider and its labels from WALLETS_FILE.";
  readonly type = 'gauge';
  readonly aggregator = 'sum';

  get() {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: [] };
  }
}
