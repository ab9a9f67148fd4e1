/**
 * Pre-seeding STATE_DIR with a full 14-day history for every wallet, so the RSS and start-up figures are
 * taken with the state a long-running fleet carries (issue 10: "RSS under 400 MB with a full 14-day
 * history for every wallet").
 *
 * TODO(store): the SQLite store (branch `store`, src/store) defines the schema: full resolution for a day,
 * downsampled after. Once it lands, write the rows here through the store's own interface (never by hand-
 * written SQL against its tables), e.g. one sample a minute for the last 24 h and one every 15 min for the
 * 13 days before, drawn from each wallet's simulated drain. Until then this returns `seeded: false` and the
 * bench prints the RSS row for the full-history case as not measured.
 */
import type { WalletSpec } from '../../src/simulator/wallet.js';

export interface SeedResult {
  seeded: boolean;
  /** What was written, or why nothing was. */
  note: string;
}

export async function seedHistory(stateDir: string, wallets: readonly WalletSpec[], days: number, now: number): Promise<SeedResult> {
  void stateDir;
  void now;
  return { seeded: false, note: `TODO(store): no store interface to seed ${days} days for ${wallets.length} wallets yet (bench/fleet/seed.ts)` };
}
