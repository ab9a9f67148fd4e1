/**
 * The per-wallet series, written as exposition text at scrape time straight from each wallet's readout
 * (what its last poll left), so the page is exactly the wallets watched now: a removed wallet's series are
 * gone at the next scrape, and no poll ever touches another wallet's series. Each wallet's readout is
 * read once per scrape (its samples all come from one snapshot), its label strings escaped once and
 * cached: prom-client's set()/label hashing per series per scrape cost ~0.5 s at 10,000 wallets.
 * Nothing here calls an upstream (pitfalls: collect()).
 */
import type { WalletSettings } from '../config/settings.js';
import { isCurrencyCode } from '../domain/account.js';
import { CONFIDENCES } from '../domain/forecast.js';
import { BURN_WINDOW_NAMES } from '../domain/rates.js';
import type { MonitorReadout } from '../poller/readout.js';
import { familyHeader, formatValue, labelPair } from './exposition.js';
import { flat } from '../strings.js';

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
    // flat: kept while the wallet is, and a concatenation costs a 32-byte node per part (src/strings.ts)
    const account = flat(labelPair('account', wallet.name));
    const info = flat(Object.entries({ ...wallet.labels, account: wallet.name, provider: wallet.provider }).map(([k, v]) => labelPair(k, v)).join(','));
    l = { account, currency: '', currencyOf: null, info };
    labelCache.set(wallet, l);
  }
  if (l.currency === '' || l.currencyOf !== currency) {
    l.currency = flat(`${l.account},${labelPair('currency', currencyLabel(currency))}`);
    l.currencyOf = currency;
  }
  return l;
}

const BURN_WINDOW_LABELS = BURN_WINDOW_NAMES.map((w) => `,${labelPair('window', w)}`);
const SKIP_LABELS = SKIP_REASONS.map((r) => `,${labelPair('reason', r)}`);

/**
 * One wallet as one scrape reads it: its readout read once, its label strings, and copies of its counters
 * and alert series (a poll may move them while the scrape writes other families), so its series agree
 * across every family of the page.
 */
interface Captured {
  readonly r: MonitorReadout;
  /** `account="…"`, `account="…",currency="…"`, and telephony_wallet_info's labels. */
  readonly account: string;
  readonly currency: string;
  readonly info: string;
  readonly requests: readonly (readonly [string, number])[];
  readonly skipped: readonly number[];
  readonly alerts: readonly { alertname: string; severity: string; value: number }[];
}

/** Writes one sample line of the family being written. */
type Emit = (labels: string, value: number) => void;

/** Each family's samples of one captured wallet: `sample` writes any value, `count` only a counter's (finite, ≥ 0). */
const WRITERS: Record<WalletFamily, (c: Captured, sample: Emit, count: Emit) => void> = {
  balance: (c, sample) => c.r.state.balance !== null && sample(c.currency, c.r.state.balance),
  consumed: (c, _, count) => count(c.account, c.r.consumed),
  topups: (c, _, count) => count(c.account, c.r.topups),
  burnRate: (c, sample) => BURN_WINDOW_NAMES.forEach((window, i) => sample(c.account + BURN_WINDOW_LABELS[i], c.r.forecast.rates[window])),
  runway: (c, sample) => sample(c.account, c.r.forecast.runwaySeconds),
  runwayLow: (c, sample) => sample(c.account, c.r.forecast.runwayLowSeconds),
  runwayHigh: (c, sample) => sample(c.account, c.r.forecast.runwayHighSeconds),
  // 0 for a wallet that cannot go below zero: always there beside the balance, so a rule can add it
  creditLimit: (c, sample) => c.r.state.balance !== null && sample(c.currency, c.r.state.creditLimit ?? 0),
  autoRecharge: (c, sample) => c.r.state.autoRecharge !== undefined && sample(c.account, c.r.state.autoRecharge ? 1 : 0),
  confidence: (c, sample) => sample(c.account, CONFIDENCES.indexOf(c.r.forecast.confidence)),
  apiUp: (c, sample) => sample(c.account, c.r.up ? 1 : 0),
  requests: (c, _, count) => c.requests.forEach(([code, n]) => count(`${c.account},${labelPair('code', code)}`, n)),
  lastSuccess: (c, sample) => c.r.state.lastSuccessAt !== null && sample(c.account, c.r.state.lastSuccessAt / 1000),
  skipped: (c, _, count) => c.skipped.forEach((n, i) => count(c.account + SKIP_LABELS[i], n)),
  alertFiring: (c, sample) => c.alerts.forEach((x) => sample(`${c.account},${labelPair('alertname', x.alertname)},${labelPair('severity', x.severity)}`, x.value)),
  info: (c, sample) => sample(c.info, 1),
};

/** Reads one wallet for a scrape; throws if its readout or counters cannot be read. */
function capture(w: WalletReadout): Captured {
  const r = w.readout;
  const l = labelsOf(w.wallet, r.currency);
  return {
    r,
    account: l.account,
    currency: l.currency,
    info: l.info,
    requests: [...w.requests],
    skipped: SKIP_REASONS.map((reason) => w.skipped[reason]),
    alerts: [...r.alertSeries.values()].map((x) => ({ ...x })),
  };
}

/**
 * The per-wallet families of one scrape: the wallets are read first (in slices, see WalletRegistry), each
 * once, then each family is written slice by slice, so a scrape of 10,000 wallets holds one slice of one
 * family as text at a time, never the page (13 MB). A wallet whose readout or counters cannot be read is
 * left out of the scrape whole rather than failing the page; so is a counter value that is negative or not
 * finite (prom-client's inc() refuses those).
 */
export class WalletExposition {
  readonly #wallets: Captured[] = [];
  #watched = 0;

  constructor(private readonly decls: Readonly<Record<WalletFamily, FamilyDecl>>) {}

  /** Wallets given to add(), those left out included. */
  get watched(): number {
    return this.#watched;
  }

  /** Wallets read and kept for the families (those whose read failed are not). */
  get captured(): number {
    return this.#wallets.length;
  }

  /** Reads these wallets for the scrape. */
  add(wallets: Iterable<WalletReadout>): void {
    for (const w of wallets) {
      this.#watched++;
      try {
        this.#wallets.push(capture(w));
      } catch {
        // left out whole
      }
    }
  }

  /** A family's HELP and TYPE (no trailing newline, as prom-client). */
  header(family: WalletFamily): string {
    const d = this.decls[family];
    return familyHeader(d.name, d.help, d.type);
  }

  /** A family's sample lines of the captured wallets [from, to), joined by newlines ('' when none). */
  lines(family: WalletFamily, from: number, to: number): string {
    const name = this.decls[family].name;
    const out: string[] = [];
    const sample: Emit = (labels, value) => void out.push(`${name}{${labels}} ${formatValue(value)}`);
    const count: Emit = (labels, value) => Number.isFinite(value) && value >= 0 && sample(labels, value);
    const write = WRITERS[family];
    for (let i = from; i < Math.min(to, this.#wallets.length); i++) write(this.#wallets[i]!, sample, count);
    return out.join('\n');
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
