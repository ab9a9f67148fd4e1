/**
 * The registry behind /metrics: prom-client's, except that the per-wallet families (declared in
 * metrics.ts for their names, help, types and place on the page) are written by WalletExposition from one
 * snapshot of the wallets instead of through prom-client's label sets. The wallets are written in slices
 * with the event loop free between them, so /healthz and the polls go on during a scrape of 10,000
 * wallets; each wallet is written from one read of its readout, so its series always agree.
 */
import { Registry } from 'prom-client';
import { WALLET_FAMILIES, WalletExposition, type FamilyDecl, type WalletFamily, type WalletReadout } from './collector.js';
import { familyHeader, formatValue } from './exposition.js';

/** Wallets written between two turns of the event loop (~5–10 ms of work). */
export const SLICE = 1000;

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class WalletRegistry extends Registry {
  #decls: Partial<Record<WalletFamily, FamilyDecl>> = {};
  /** Metric name → its per-wallet family. */
  readonly #byName = new Map<string, WalletFamily>();
  #count: FamilyDecl | undefined;

  constructor(private readonly wallets: () => readonly WalletReadout[]) {
    super();
  }

  /** `metric` (already registered here) is a per-wallet family: its samples come from the wallets. */
  writeFromWallets(family: WalletFamily, metric: FamilyDecl): void {
    this.#decls[family] = metric;
    this.#byName.set(metric.name, family);
  }

  /** `metric` (already registered here) is the number of wallets of the snapshot the page was written from. */
  countWallets(metric: FamilyDecl): void {
    this.#count = metric;
  }

  /** The per-wallet family a registered metric's samples come from, if any (bench/scrape's reference reads it). */
  familyOf(name: string): WalletFamily | 'count' | undefined {
    return name === this.#count?.name ? 'count' : this.#byName.get(name);
  }

  override async metrics(): Promise<string> {
    let page = '';
    for await (const part of this.parts()) page += part;
    return page;
  }

  /**
   * The page in parts, as `metrics()` returns it whole: /metrics writes each part as it comes, so a scrape
   * of 10,000 wallets (13 MB) never holds the page as one string, nor as one buffer.
   */
  async *parts(): AsyncGenerator<string> {
    const count = this.#count;
    const missing = WALLET_FAMILIES.filter((f) => !this.#decls[f]);
    if (missing.length > 0 || !count) throw new Error(`per-wallet families not declared: ${[...missing, ...(count ? [] : ['count'])].join(', ')}`);
    const snapshot = [...this.wallets()];
    const out = new WalletExposition(this.#decls as Record<WalletFamily, FamilyDecl>);
    for (let i = 0; i < snapshot.length; i += SLICE) {
      if (i > 0) await turn();
      out.add(snapshot.slice(i, i + SLICE));
    }
    const metrics = this.getMetricsAsArray();
    const own = await Promise.all(metrics.map((m) => (this.familyOf(m.name) ? '' : this.getSingleMetricAsString(m.name))));
    for (const [i, m] of metrics.entries()) {
      const family = this.familyOf(m.name);
      const end = i === metrics.length - 1 ? '\n' : '\n\n';
      if (family === 'count') yield `${familyHeader(m.name, count.help, count.type)}\n${m.name} ${formatValue(out.watched)}${end}`;
      else if (family) {
        let part = out.header(family);
        for (let from = 0; from < out.captured; from += SLICE) {
          await turn(); // a slice of a family at a time: the page is never held whole
          const lines = out.lines(family, from, from + SLICE);
          if (lines === '') continue;
          yield `${part}\n${lines}`;
          part = '';
        }
        yield part + end;
      } else yield own[i]! + end;
    }
  }
}
