/**
 * The wall clock jumps forward just before a cron tick: node-cron's heartbeat (armed on the monotonic timers)
 * finds the wall clock hours ahead before Scheduler's clock watch (every CLOCK_WATCH_MS) has looked, and tells
 * every slot in between as missed. The Scheduler must look at the clock first: one "the wall clock jumped
 * forward" warning, no "missed 7200 scheduled poll(s) (event loop blocked or host asleep)".
 *
 * Its own file: it replaces the process's Date (Date.now and `new Date()`, which node-cron reads) with one
 * offset by `offset`, as test/helpers/fake-wall-clock.mjs does for the daemon; performance.now and the timers
 * stay real, as under an NTP step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Scheduler } from '../../src/poller/scheduler.js';

const realNow = Date.now.bind(Date);
let offset = 0;
const RealDate = Date;
Date.now = () => realNow() + offset;
globalThis.Date = class extends RealDate {
  constructor(...args: unknown[]) {
    if (args.length === 0) super(Date.now());
    else super(...(args as [number]));
  }
} as DateConstructor;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitUntil(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = realNow() + timeoutMs;
  while (!cond()) {
    if (realNow() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}
/** Waits until the real clock's milliseconds are in [from, to). */
async function untilMillis(from: number, to: number): Promise<void> {
  while (!((realNow() % 1000) >= from && (realNow() % 1000) < to)) await sleep(2);
}

test('a jump forward seen by a cron tick before the clock watch: one step warning, no slot told as missed, ticks go on', async (t) => {
  const lines: { msg: string; stepMs?: number; missed?: number }[] = [];
  const capture = pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l) as { msg: string }) });
  const ticks: number[] = [];
  const s = new Scheduler({ schedule: '* * * * * *', timezone: 'UTC', log: capture, run: async (at) => void (at !== undefined && ticks.push(at)), onOverlap: () => {} });
  t.after(() => s.stop());
  // The clock watch looks at x.5 s of every second, the ticks come at x.0: a step at x.7 reaches a tick first.
  await untilMillis(450, 550);
  s.start();
  await waitUntil(() => ticks.length >= 2, 5000, 'two ticks');
  await untilMillis(650, 800);
  const HOURS_2 = 2 * 3_600_000;
  offset = HOURS_2;
  const stepped = Date.now() - 1000;
  await waitUntil(() => ticks.filter((x) => x >= stepped).length >= 3, 10_000, 'three ticks after the jump');
  const steps = lines.filter((l) => /wall clock jumped forward/.test(l.msg));
  assert.equal(steps.length, 1, JSON.stringify(lines));
  assert.ok(Math.abs(steps[0]!.stepMs! - HOURS_2) < 1000, JSON.stringify(steps));
  assert.deepEqual(lines.filter((l) => /missed/.test(l.msg)), [], 'a clock jump is not told as missed polls (event loop blocked or host asleep)');
});

test('a step back across the slot just run: that slot is not run again (every wallet was polled twice, the step apart); the ticks go on', async (t) => {
  offset = 0;
  const ticks: number[] = [];
  const s = new Scheduler({ schedule: '*/5 * * * * *', timezone: 'UTC', log: pino({ level: 'silent' }), run: async (at) => void (at !== undefined && ticks.push(at)), onOverlap: () => {} });
  t.after(() => s.stop());
  s.start();
  await waitUntil(() => ticks.length >= 1, 8000, 'a tick');
  const ran = ticks.at(-1)!;
  await untilMillis(200, 400);
  offset -= 1_500; // NTP steps the clock back: the wall clock reads before the slot just run
  await waitUntil(() => ticks.some((x) => x > ran), 15_000, 'the next slot');
  assert.deepEqual(ticks.filter((x) => x === ran), [ran], `slot ${new Date(ran).toISOString()} run once: ${ticks.map((x) => new Date(x).toISOString()).join(', ')}`);
  assert.equal(new Set(ticks).size, ticks.length, 'no slot twice');
});
