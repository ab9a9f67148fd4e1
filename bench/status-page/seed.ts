/**
 * A history per wallet that looks like a real one, for the status page's screenshots: spend shaped by the
 * UTC day (1.5× the wallet's rate from 08 to 20, 0.5× at night), a top-up every 3.5 days, readings every
 * 5 minutes, ending at the wallet's simulated balance now (so the daemon's first poll continues it: no
 * jump, no false top-up). Built through the domain's own applyPoll and written through the store, like
 * bench/fleet/seed.ts (which gives every wallet one template: right for timing 10,000 wallets, not for a
 * picture). Slower per wallet: meant for a dozen.
 */
import { pino } from 'pino';
import { applyPoll, INITIAL_ACCOUNT_STATE, type AccountState } from '../../src/domain/account.js';
import type { Sample } from '../../src/domain/history.js';
import type { WalletSpec } from '../../src/simulator/wallet.js';
import { HOUR_MS, hourOf, seedReadings } from '../../src/store/readings.js';
import { StateStore } from '../../src/store/state-store.js';

const STEP = 5 * 60_000;
const DAY = 24 * HOUR_MS;
const TOPUP_EVERY = 3.5 * DAY;

/** Readings from `now - days` to `now`, oldest first, ending at the wallet's balance. */
export function shapedReadings(w: WalletSpec, days: number, now: number): Sample[] {
  const rate = w.burnPerHour ?? 0;
  const out: Sample[] = [];
  let b = w.balance ?? 0;
  for (let t = now; t >= now - days * DAY; t -= STEP) {
    out.push({ t, balance: Math.round(b * 100) / 100, consumed: 0 });
    const h = new Date(t).getUTCHours();
    b += rate * (h >= 8 && h < 20 ? 1.5 : 0.5) * (STEP / HOUR_MS); // going back: it was higher before the spend
    if (Math.floor(t / TOPUP_EVERY) !== Math.floor((t - STEP) / TOPUP_EVERY)) b -= rate * 72; // and lower before a top-up
  }
  return out.reverse();
}

export async function seedShaped(stateDir: string, wallets: readonly WalletSpec[], days: number, now: number): Promise<string> {
  const store = new StateStore(stateDir, pino({ level: 'warn' }), { flushMs: 3_600_000 });
  await store.init(now);
  const all = wallets.map((w) => {
    const readings = shapedReadings(w, days, now);
    let state: AccountState = INITIAL_ACCOUNT_STATE;
    for (const r of readings) state = applyPoll(state, { ok: true, status: 200, balance: r.balance, currency: 'USD', requiredCredits: null }, r.t, 1).state;
    return { w, readings, state };
  });
  for (const { w, state } of all) {
    await store.account(w.name).load(now);
    void store.account(w.name).save(state);
  }
  await store.db.flush();
  store.releasePreloaded(now);
  const lastHour = hourOf(now);
  const byAccount = new Map<number, Map<number, Sample[]>>();
  store.db.writeNow((db) => {
    const ids = db.prepare<[string], { id: number }>('SELECT id FROM accounts WHERE name = ?');
    for (const { w, readings } of all) {
      const byHour = new Map<number, Sample[]>();
      for (const s of readings) if (hourOf(s.t) < lastHour) (byHour.get(hourOf(s.t)) ?? byHour.set(hourOf(s.t), []).get(hourOf(s.t))!).push(s);
      byAccount.set(ids.get(w.name)!.id, byHour);
    }
    const hours = [...new Set([...byAccount.values()].flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
    seedReadings(db, [...byAccount.keys()], hours, (id, h) => byAccount.get(id)!.get(h) ?? [], lastHour - 1);
  });
  await store.close();
  return `seeded ${wallets.length} wallets with ${days} days of shaped history (a reading every 5 min, a top-up every 3.5 days)`;
}
