/**
 * FleetSchedule after a SIGHUP reload adds wallets: the poll each added wallet gets soon (pollSoon) and its
 * first slot are one poll, not a poll and an overlap, however long the added wallets wait for POLL_CONCURRENCY.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { FleetSchedule } from '../../src/fleet/schedule.js';
import { slotFraction } from '../../src/fleet/shard.js';
import { fakeRunner, until } from '../helpers/fleet.js';

test('a wallet a reload added, still queued when its first slot comes: the slot takes that poll over (its deadline, no overlap); later slots are overlaps', async () => {
  // 300 wallets, then SIGHUP to 3,000 on a 10 s schedule: the added wallets still queued at their first slot
  // counted 949 overlaps in the first round and logged "raise POLL_CONCURRENCY"; a fresh start of 3,000, none.
  const [early, late] = ['p', 'q', 'r', 's'].sort((x, y) => slotFraction(x) - slotFraction(y)).filter((_, i, a) => i === 0 || i === a.length - 1);
  const hanging = fakeRunner(late!); // watched from the start: its start-up poll holds the only slot
  const added = fakeRunner(early!); // its slot comes earlier in every round than the hanging one's
  const watched = [hanging];
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const deadlines: Array<number | undefined> = [];
  /** The added wallet's overlaps when the hanging one had its k-th, and when that was. */
  const addedOverlapsAt: number[] = [];
  const hangingOverlapAt: number[] = [];
  const schedule = new FleetSchedule({
    schedule: '* * * * * *',
    timezone: 'UTC',
    concurrency: 1,
    log: pino({ level: 'silent' }),
    runners: () => watched,
    pollUnasked: () => Promise.reject(new Error('no poll of this test fails unasked')),
    poll: async (runner, deadline, fetched) => {
      if (runner === hanging) await held;
      else deadlines.push(deadline);
      fetched(false);
      return 'polled';
    },
    onOverlap: (runner) => {
      if (runner !== hanging) return;
      addedOverlapsAt.push(added.skipped.overlap);
      hangingOverlapAt.push(Date.now());
    },
  });
  await until(() => Date.now() % 1_000 < 300, 'the start of a second'); // the reload comes before the first tick
  schedule.start();
  try {
    await until(() => hanging.phase === 'running', 'the start-up poll running');
    watched.push(added); // the reload
    assert.ok(schedule.pollSoon(added));
    const reloadedAt = Date.now();
    assert.equal(added.phase, 'queued', 'it waits for the only slot');
    await until(() => addedOverlapsAt.length >= 3, 'three slots of the hanging wallet');
    // The added wallet is in the rounds ticked after the reload, its slot at the tick + its fraction; those
    // slots before each of the hanging wallet's overlaps: the first takes the queued poll over, each later one
    // is an overlap. (Its slot comes first in a round, so when the reload comes before the first tick this
    // reads [0, 1, 2]; a machine that stalled the test past that tick reads [0, 0, 1].)
    const firstSlot = Math.ceil(reloadedAt / 1_000) * 1_000 + 1_000 * slotFraction(early!); // its first slot
    const slotsBy = (t: number) => Math.max(0, Math.floor((t - firstSlot) / 1_000) + 1);
    const expected = hangingOverlapAt.slice(0, 3).map((t) => Math.max(0, slotsBy(t) - 1));
    assert.deepEqual(addedOverlapsAt.slice(0, 3), expected, 'its first slot took the queued poll; each later one is an overlap');
    assert.ok(expected[2]! >= 1, 'a later slot came within the three rounds');
    release();
    await until(() => deadlines.length === 1, 'the added wallet polled');
    // its first slot's deadline (before its second slot), not the reload's poll's (before its first)
    assert.ok(deadlines[0]! >= firstSlot + 500, `deadline ${deadlines[0]! - firstSlot} ms after its first slot`);
  } finally {
    release();
    await schedule.stop();
  }
});
