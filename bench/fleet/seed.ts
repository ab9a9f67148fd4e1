/**
 * Pre-seeds STATE_DIR with a full 14-day history for every wallet, so the RSS and start-up figures are
 * taken with the state a long-running fleet carries (issue 10: "RSS under 400 MB with a full 14-day
 * history for every wallet"): each wallet's in-memory state fully learnt (a week of closed hours, 14 daily
 * totals, 28 h of samples) and 14 days of readings in the database (full resolution for the last day, one
 * per 10 minutes before), as bench:store seeds them.
 *
 * One template state is built from 14 days of one-minute readings through the domain's own applyPoll and
 * saved for every wallet through the store's interface. Its balance ends below every simulated wallet's
 * (50 000 – 150 000), so each wallet's first real poll reads as a top-up: no spend spike, no alert storm.
 */
import { pino } from 'pino';
import { applyPoll, INITIAL_ACCOUNT_STATE, type AccountState } from '../../src/domain/account.js';
import type { Sample } from '../../src/domain/history.js';
import type { WalletSpec } from '../../src/simulator/wallet.js';
import { HOUR_MS, hourOf, seedReadings } from '../../src/store/readings.js';
import { StateStore } from '../../src/store/state-store.js';

export interface SeedResult {
  seeded: boolean;
  /** What was written, or why nothing was. */
  note: string;
}

const MIN = 60_000;

/** A business-like drain: 90 credits/h from 08 to 20 UTC, 30 at night; a reading a minute. */
const balanceAt = (t: number, t0: number): number => {
  let spent = 0;
  for (let h = Math.floor(t0 / HOUR_MS); h < Math.floor(t / HOUR_MS); h++) spent += (h % 24) >= 8 && (h % 24) < 20 ? 90 : 30;
  return 40_000 - spent - ((t % HOUR_MS) / HOUR_MS) * 60;
};

export async function seedHistory(stateDir: string, wallets: readonly WalletSpec[], days: number, now: number): Promise<SeedResult> {
  const started = performance.now();
  const t0 = now - days * 24 * HOUR_MS;
  let template: AccountState = INITIAL_ACCOUNT_STATE;
  const readings: Sample[] = [];
  for (let t = t0; t <= now; t += MIN) {
    const balance = Math.round(balanceAt(t, t0) * 100) / 100;
    template = applyPoll(template, { ok: true, status: 200, balance, currency: 'USD', requiredCredits: null }, t, 1).state;
    readings.push({ t, balance, consumed: 0 });
  }
  const store = new StateStore(stateDir, pino({ level: 'warn' }), { flushMs: 3_600_000 });
  await store.init(now);
  for (let i = 0; i < wallets.length; i++) {
    await store.account(wallets[i]!.name).load(now);
    void store.account(wallets[i]!.name).save(template);
    if (i % 500 === 499) await store.db.flush();
  }
  await store.db.flush();
  store.releasePreloaded(now);
  // The readings tables as they are in steady state; written like bench:store writes them (the store closes
  // hours as polls come, one at a time: 14 days × 10,000 wallets that way would take hours).
  const byHour = new Map<number, Sample[]>();
  for (const s of readings) {
    const h = hourOf(s.t);
    if (!byHour.has(h)) byHour.set(h, []);
    byHour.get(h)!.push(s);
  }
  const lastHour = hourOf(now);
  const hours = [...byHour.keys()].filter((h) => h < lastHour).sort((a, b) => a - b);
  const ids = store.db.read((db) => wallets.map((w) => db.prepare<[string], { id: number }>('SELECT id FROM accounts WHERE name = ?').get(w.name)!.id));
  for (let k = 0; k < hours.length; k += 24) {
    store.db.writeNow((db) => seedReadings(db, ids, hours.slice(k, k + 24), (_, h) => byHour.get(h)!, lastHour - 1));
  }
  await store.close();
  return {
    seeded: true,
    note: `seeded ${wallets.length} wallets with ${days} days of history (${hours.length} hours of readings on disk each) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  };
}
