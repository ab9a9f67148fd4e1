/**
 * `npm run bench:memory [-- --copies N]`: heap per fully learnt wallet state (issue 10: 10,000 wallets with
 * full history in < 400 MB RSS). Replays 14 days of 1-minute readings through `observe` (the daemon's own
 * path), then keeps N states (2,000 by default) built by the real code: each loaded from the saved form
 * (`accountStateFromPlain`, what a restart does) and advanced by an hour of its own readings (so its
 * samples, closed hours, daily totals and weekly buckets are rebuilt by recordSample/addSpend, shared with
 * no other copy). Measured after a forced GC: V8 heap plus ArrayBuffer memory (outside the V8 heap: 0 for
 * the series, which are on-heap arrays of unboxed doubles; walk.ts keeps only its last few curves). For
 * comparison, the same states as plain objects (the saved form, which is how they were held in memory
 * before packed.ts). Prints figures; asserts nothing. Needs --expose-gc (the npm script passes it).
 */
import { INITIAL_ACCOUNT_STATE, type AccountState } from '../src/domain/account.js';
import { observe } from '../src/domain/evaluate.js';
import { dayCount, hourCount, raw, sampleCount } from '../src/domain/packed.js';
import { accountStateFromPlain, accountStateToPlain } from '../src/domain/plain.js';
import { benchConfig } from './forecast/ours.js';
import { mulberry32 } from '../test/helpers/fixtures.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('bench:memory: run with node --expose-gc (npm run bench:memory does)');
  process.exit(64);
}
const arg = process.argv.indexOf('--copies');
const COPIES = arg > 0 ? Number(process.argv[arg + 1]) : 2000;
const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 2); // a Monday
const cfg = benchConfig();


const poll = (s: AccountState, balance: number, t: number): AccountState =>
  observe(s, { ok: true, status: 200, balance: Math.round(balance * 100) / 100, currency: 'USD', requiredCredits: null }, t, cfg).state;

// 14 days of 1-minute readings: a business-hours pattern with noise.
const rand = mulberry32(1);
let base = INITIAL_ACCOUNT_STATE;
let balance = 1e6;
const DAYS = 14;
for (let i = 0; i < DAYS * 1440; i++) {
  const t = T0 + i * MIN;
  const hour = new Date(t).getUTCHours();
  balance -= rand() * (hour >= 8 && hour < 19 ? 4 : 1);
  base = poll(base, balance, t);
}
const end = T0 + DAYS * 1440 * MIN;
const plain = accountStateToPlain(base);

/** A copy of its own: loaded from the saved form, then an hour of its own readings (one closes an hour). */
function copy(seed: number): AccountState {
  const r = mulberry32(seed + 2);
  let s = accountStateFromPlain(plain);
  let b = balance;
  for (let m = 0; m <= 60; m++) {
    b -= r() * 2;
    s = poll(s, b, end + m * MIN);
  }
  return s;
}

type Mem = { heap: number; buffers: number; rss: number };
async function measure(): Promise<Mem> {
  // ArrayBuffer memory is released by a sweep after the GC: give it a moment before reading the figure.
  for (let i = 0; i < 3; i++) {
    gc!();
    await new Promise((r) => setTimeout(r, 50));
  }
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers, rss: m.rss };
}

async function perCopy<T>(build: (i: number) => T): Promise<Mem> {
  const before = await measure();
  const keep: T[] = [];
  for (let i = 0; i < COPIES; i++) keep.push(build(i));
  const after = await measure();
  const out = { heap: (after.heap - before.heap) / COPIES, buffers: (after.buffers - before.buffers) / COPIES, rss: (after.rss - before.rss) / COPIES };
  if (keep.length !== COPIES) throw new Error('unreachable');
  return out;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const states: AccountState[] = Array.from({ length: COPIES }, (_, i) => copy(i));
const rows: [string, Mem][] = [
  // The states alone, each loaded from a live one's saved form: no forecast has run on their arrays, so no cache is keyed by them.
  ['state, packed (src/domain/packed.ts)', await perCopy((i) => accountStateFromPlain(accountStateToPlain(states[i]!)))],
  // What the daemon holds per wallet between polls: the state and the forecast's caches keyed by its arrays
  // (shape.ts's shape, usage.ts's dispersion and trend: ~2 KiB; walk.ts's 240-hour curve, 7.5 KiB of Float64Arrays,
  // is no longer kept per wallet: only the last few built).
  ['state + forecast caches, after an hour of polls through observe()', await perCopy((i) => copy(COPIES + i))],
  // As JSON.parse builds them (as compact as plain objects get): /tmp/memstate.ts measured states this way on main.
  ['state as plain objects (the saved form: how states were held before packed.ts)', await perCopy((i) => JSON.parse(JSON.stringify(accountStateToPlain(states[i]!))) as unknown)],
];
const h = states[0]!.history;
// The packed series' own numbers, counted from the states (8 bytes each).
let seriesBytes = 0;
for (const s of states) {
  const p = s.history.profile;
  for (const x of [s.history.samples, p.recent, p.days, p.rates, p.updates]) seriesBytes += raw(x).length * 8;
}
console.log(`## Memory per fully learnt wallet state (${DAYS} days of 1-minute readings; ${COPIES} copies; Node ${process.version})`);
console.log('');
console.log(
  `series: ${sampleCount(h.samples)} samples, ${hourCount(h.profile.recent)} closed hours, ${dayCount(h.profile.days)} daily totals, ` +
    `3 × 168 weekly buckets: ${kib(seriesBytes / COPIES)} of numbers per state`,
);
console.log('');
console.log('| what is kept | V8 heap | ArrayBuffers | heap + buffers | RSS (noisy) | × 10,000 wallets |');
console.log('|---|---|---|---|---|---|');
for (const [name, m] of rows) {
  const total = m.heap + m.buffers;
  console.log(`| ${name} | ${kib(m.heap)} | ${kib(m.buffers)} | ${kib(total)} | ${kib(m.rss)} | ${((total * 10_000) / 2 ** 20).toFixed(0)} MiB |`);
}
