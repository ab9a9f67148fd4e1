/**
 * What a reload spends reading the state of the wallets it adds (the store alone, no network): 2,000 wallets
 * stored and out of memory, then 1,000 of them and 1,000 never stored loaded as a reload loads them — one
 * take() at a time (`one`, how reloads read before stop 53) or read together first (`together`, Fleet.apply's
 * StateStore.prefetched). Prints the milliseconds of each; asserts nothing.
 *
 *   node --import tsx bench/store/reload-read.ts one|together
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { applyPoll, INITIAL_ACCOUNT_STATE } from '../../src/domain/account.js';
import { StateStore } from '../../src/store/state-store.js';

const mode = process.argv[2];
if (mode !== 'one' && mode !== 'together') {
  process.stderr.write('usage: reload-read.ts one|together\n');
  process.exit(64);
}
const dir = mkdtempSync(join(tmpdir(), 'ws-bench-reload-read-'));
const T0 = Date.now() - 3_600_000;
const store = new StateStore(dir, pino({ level: 'warn' }), { flushMs: 60_000 });
await store.init(T0);
store.releasePreloaded(T0);
let s = INITIAL_ACCOUNT_STATE;
for (let i = 0; i < 60; i++) s = applyPoll(s, { ok: true, status: 200, balance: 1000 - i, currency: 'USD', requiredCredits: null }, T0 + i * 60_000, 1).state;
const stored = Array.from({ length: 2000 }, (_, i) => `stored-${i}`);
for (const n of stored) void store.account(n).save(s);
await store.db.flush();
await Promise.all(stored.map((n) => store.forget(n, () => true)));

async function load(names: readonly string[]): Promise<number> {
  const t = performance.now();
  const each = async () => {
    for (const n of names) await store.account(n).load(T0);
  };
  await (mode === 'one' ? each() : store.prefetched(names, T0, each));
  return performance.now() - t;
}
const back = await load(stored.slice(0, 1000));
const fresh = await load(Array.from({ length: 1000 }, (_, i) => `new-${i}`));
process.stdout.write(`${mode}: 1,000 stored wallets ${back.toFixed(0)} ms, 1,000 never stored ${fresh.toFixed(0)} ms\n`);
await store.close();
rmSync(dir, { recursive: true, force: true });
