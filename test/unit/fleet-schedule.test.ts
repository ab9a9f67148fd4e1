/**
 * FleetSchedule's concurrency limit is about requests in flight: a poll that got its answer and waits for
 * its state commit (batched, up to ~1 s under load) frees its slot, yet its wallet is not polled again
 * until the commit is done.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import type { WalletRunner } from '../../src/fleet/runner.js';
import { FleetSchedule, type ScheduleDeps } from '../../src/fleet/schedule.js';
import { roundSlots, SETTLE_MS, SPREAD_MAX_MS } from '../../src/fleet/slots.js';
import { slotFraction } from '../../src/fleet/shard.js';
import { fakeRunner, until } from '../helpers/fleet.js';

/** A schedule over `runners` in UTC, silent; by default a cron whose first round, at start, is all a test needs. */
const scheduleOf = (runners: WalletRunner[], deps: Pick<ScheduleDeps, 'concurrency' | 'poll'> & Partial<ScheduleDeps>): FleetSchedule =>
  new FleetSchedule({
    schedule: '0 0 1 1 *',
    timezone: 'UTC',
    log: pino({ level: 'silent' }),
    runners: () => runners,
    pollUnasked: () => Promise.reject(new Error('no poll of these tests fails unasked')),
    ...deps,
  });

test('POLL_CONCURRENCY 1: the second wallet is fetched while the first one still commits; the first is not polled twice meanwhile', async () => {
  const runners = [fakeRunner('a'), fakeRunner('b')];
  const started: string[] = [];
  let commitA!: () => void;
  const committedA = new Promise<void>((r) => (commitA = r));
  const schedule = scheduleOf(runners, {
    concurrency: 1,
    poll: async (runner, _deadline, fetched) => {
      started.push(runner.name);
      fetched(); // the answer is in
      if (runner.name === 'a') await committedA; // the commit waits for the next batch
      return 'polled';
    },
  });
  schedule.start();
  try {
    await until(() => started.length === 2, 'both wallets fetched');
    assert.deepEqual(started, ['a', 'b']);
    assert.equal(runners[0]!.phase, 'running', 'a is still committing: not idle, so no slot can poll it again');
  } finally {
    commitA();
    await schedule.stop();
  }
  assert.equal(runners[0]!.phase, 'idle');
});

test('onStartAnswered is told once, after the start\'s last answer is in and its poll went on (to stage its state), while the commits are still awaited', async () => {
  const runners = ['a', 'b', 'c'].map(fakeRunner);
  const events: string[] = [];
  let commit!: () => void;
  const committed = new Promise<void>((r) => (commit = r));
  const schedule = scheduleOf(runners, {
    concurrency: 2,
    poll: async (runner, _deadline, fetched) => {
      await new Promise((r) => setTimeout(r, 5));
      fetched();
      events.push(`staged ${runner.name}`); // what AccountMonitor.pollNow does right after fetched()
      await committed; // the batched commit /readyz waits for
      return 'polled';
    },
    onStartAnswered: () => {
      events.push('told');
      commit();
    },
  });
  schedule.start();
  try {
    await Promise.race([schedule.started, new Promise((_, no) => setTimeout(() => no(new Error('the start waited for a commit nobody asked for')), 5_000))]);
    assert.deepEqual(events, ['staged a', 'staged b', 'staged c', 'told']);
  } finally {
    await schedule.stop();
  }
});

test('an API whose polls time out holds at most a quarter of POLL_CONCURRENCY: a freed slot goes to a wallet on another API, not the next hanging one', async () => {
  const hung = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map(fakeRunner);
  const ok = ['ok1', 'ok2'].map(fakeRunner);
  const runners = [...hung, ...ok]; // the queue's order: every hanging wallet first
  const started: string[] = [];
  const ends = new Map<string, () => void>();
  const schedule = scheduleOf(runners, {
    concurrency: 4,
    originOf: (r) => (r.name.startsWith('h') ? 'http://127.0.0.1:1' : 'http://127.0.0.1:2'),
    poll: async (runner, _deadline, fetched) => {
      started.push(runner.name);
      if (runner.name.startsWith('h')) await new Promise<void>((r) => ends.set(runner.name, r)); // no answer until its timeout
      fetched(runner.name.startsWith('h'));
      return 'polled';
    },
  });
  schedule.start();
  try {
    await until(() => started.length === 4, 'four polls of the hanging API');
    ends.get('h1')!(); // its timeout: the API hangs, and h2…h4 still hold three slots
    await until(() => started.length === 6, 'the freed slots taken');
    assert.deepEqual(started, ['h1', 'h2', 'h3', 'h4', 'ok1', 'ok2'], 'h5 and h6 wait while their API holds its share');
  } finally {
    const drain = setInterval(() => [...ends.values()].forEach((end) => end()), 5);
    await schedule.stop();
    clearInterval(drain);
  }
});

test('a round lasts until the next tick, however uneven the ticks (0 9,17 * * *: the 09:00 round ends at 17:00, not 16 h later)', () => {
  const H = 3_600_000;
  const nine = Date.UTC(2026, 11, 2, 9);
  const runners = ['twilio-main', 'acme-prod', 'a', 'b', 'c', 'd', 'e', 'f'].map(fakeRunner);
  // From 09:00 the next tick is 17:00 (8 h); the round after it runs from 17:00 to 09:00 (16 h). Spread
  // over whole rounds (a bound above both), as rounds of up to SPREAD_MAX_MS are.
  for (const slot of roundSlots(runners, nine, 8 * H, 16 * H, 24 * H)) {
    assert.ok(slot.at >= nine && slot.at < nine + 8 * H, `${slot.runner.name}: its slot ${new Date(slot.at).toISOString()} is inside 09:00–17:00`);
    const next = nine + 8 * H + slotFraction(slot.runner.name) * 16 * H; // its slot in the 17:00 round
    assert.equal(slot.deadline, next - SETTLE_MS, `${slot.runner.name}: its retries end SETTLE_MS before its slot of the 17:00 round`);
  }
  // An even schedule: the round and the one after are the same length (the slots are what they always were).
  const [s] = roundSlots([fakeRunner('a')], 0, 60_000, 60_000);
  assert.equal(s!.deadline! - s!.at, 60_000 - SETTLE_MS);
});

test('a long round spreads its polls over its first SPREAD_MAX_MS only: one wallet on 0 9,17 * * 1-5 is read on Friday soon after 17:00, not on Saturday', () => {
  const H = 3_600_000;
  const friday17 = Date.UTC(2026, 11, 4, 17);
  const weekend = 64 * H; // to Monday 09:00; the round after it lasts 8 h
  const [one] = roundSlots([fakeRunner('default')], friday17, weekend, 8 * H);
  assert.ok(one!.at - friday17 < SPREAD_MAX_MS, `its Friday 17:00 slot came ${(one!.at - friday17) / H} h after the tick`);
  const monday = friday17 + weekend + slotFraction('default') * SPREAD_MAX_MS;
  assert.equal(one!.deadline, monday - SETTLE_MS, 'its retries may run until just before its Monday slot');
  // A fleet on an hourly schedule: over the first SPREAD_MAX_MS, not fired at once.
  const fleet = Array.from({ length: 1_000 }, (_, i) => fakeRunner(`w-${i}`));
  const offsets = roundSlots(fleet, friday17, H, H).map((s) => s.at - friday17);
  assert.ok(Math.max(...offsets) < SPREAD_MAX_MS && Math.max(...offsets) > 0.95 * SPREAD_MAX_MS, `the hour's last poll ${Math.max(...offsets) / 1000} s after the tick`);
  // A schedule shorter than the bound: over the whole interval, as before.
  const minute = roundSlots(fleet, friday17, 60_000, 60_000).map((s) => s.at - friday17);
  assert.ok(Math.max(...minute) > 59_000 && Math.max(...minute) < 60_000, `the minute's last poll at ${Math.max(...minute)} ms`);
});

test('a wallet keeps its slot and its deadline whatever the number of wallets beside it (a reload that removes or adds many)', () => {
  const H = 3_600_000;
  const t = Date.UTC(2026, 11, 4, 17);
  const fleet = Array.from({ length: 400 }, (_, i) => fakeRunner(`w-${i}`));
  for (const [length, following] of [[10_000, 10_000], [H, H], [64 * H, 8 * H]] as const) {
    const all = roundSlots(fleet, t, length, following);
    const few = roundSlots(fleet.slice(0, 4), t, length, following);
    few.forEach((s, i) => assert.deepEqual([s.at, s.deadline], [all[i]!.at, all[i]!.deadline], `${s.runner.name} every ${length} ms`));
  }
});

test('retries end before the next slot, so the poll can commit its state and the wallet is idle when its slot comes; on a short schedule, a quarter of the interval', () => {
  const t = Date.UTC(2026, 11, 2, 9);
  const runners = ['acme-prod', 'a', 'b'].map(fakeRunner);
  for (const [interval, settle] of [[60_000, SETTLE_MS], [3_000, 750]] as const) {
    const [now, next] = [roundSlots(runners, t, interval, interval), roundSlots(runners, t + interval, interval, interval)];
    now.forEach((slot, i) => assert.equal(next[i]!.at - slot.deadline!, settle, `${slot.runner.name} every ${interval} ms`));
  }
});

test('a slot further away than a timer can wait (a yearly schedule): the schedule sleeps, it does not re-check every millisecond', async () => {
  const tick = new Date(Date.now() + 1_500); // a one-off tick 1.5 s from now, then a year to the next
  const schedule = `${tick.getUTCSeconds()} ${tick.getUTCMinutes()} ${tick.getUTCHours()} ${tick.getUTCDate()} ${tick.getUTCMonth() + 1} *`;
  const runners = [fakeRunner('default')]; // spread over the whole year: its slot 19 % of the way through it, 70 days out
  let polls = 0;
  let nowCalls = 0;
  const s = scheduleOf(runners, {
    schedule,
    concurrency: 4,
    spreadMaxMs: 400 * 24 * 3_600_000,
    now: () => (nowCalls++, Date.now()),
    poll: async (_r, _d, fetched) => (polls++, fetched(), 'polled'),
  });
  const warned: string[] = [];
  const onWarning = (w: Error) => warned.push(w.name);
  process.on('warning', onWarning);
  s.start();
  try {
    await until(() => polls === runners.length, 'the first round');
    await new Promise((r) => setTimeout(r, tick.getTime() + 300 - Date.now())); // the tick, and the round it lays out
    const calls = nowCalls;
    await new Promise((r) => setTimeout(r, 300)); // how often the clock is read in 300 ms of a year-long wait
    assert.ok(nowCalls - calls < 20, `the clock was read ${nowCalls - calls} times in 300 ms (a timer firing every millisecond)`);
    assert.ok(!warned.includes('TimeoutOverflowWarning'), 'no delay above 2^31 − 1 ms was given to setTimeout');
  } finally {
    process.off('warning', onWarning);
    await s.stop();
  }
});

test('a slot that comes while the wallet\'s poll still runs is an overlap, and onOverlap is told (fleet.ts posts its firing alerts to Alertmanager again)', async () => {
  // Alertmanager ends an alert not posted again before its endsAt (max(5 min, 4 intervals)): a poll held by an
  // upstream that accepts and never answers (REQUEST_TIMEOUT_MS up to 5 min), or queued behind a hanging API's
  // share of POLL_CONCURRENCY, posted nothing for longer than that, and every alert of the wallet ended there
  // (a resolve to the on-call), then fired anew once the poll ended.
  const a = fakeRunner('a');
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const overlapped: string[] = [];
  const schedule = scheduleOf([a], {
    schedule: '* * * * * *',
    concurrency: 1,
    poll: async () => {
      await held; // never answers while the test runs
      return 'polled';
    },
    onOverlap: (runner) => overlapped.push(runner.name),
  });
  schedule.start();
  try {
    await until(() => a.skipped.overlap > 0, 'a slot skipped as an overlap');
    assert.deepEqual(overlapped, Array(a.skipped.overlap).fill('a'), 'told of every overlap');
  } finally {
    release();
    await schedule.stop();
  }
});

test('a first slot that finds the wallet\'s start-up poll still queued takes that poll as its own (its deadline, no overlap); a later slot, or a start-up poll already running, is an overlap', async () => {
  // Every wallet is polled at start; in a fleet larger than POLL_CONCURRENCY the last ones were still queued
  // when their first slot came, and each such slot was counted as an overlap and logged as polls falling
  // behind ("raise POLL_CONCURRENCY") at every start.
  const [early, late] = ['p', 'q', 'r', 's'].sort((x, y) => slotFraction(x) - slotFraction(y)).filter((_, i, a) => i === 0 || i === a.length - 1);
  const hanging = fakeRunner(late!); // first in the queue: its start-up poll runs, and holds the only slot
  const queued = fakeRunner(early!); // its slot comes earlier in every round than the hanging one's
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const deadlines: Array<number | undefined> = [];
  /** The queued wallet's overlaps when the hanging one had its k-th: the queued one has had exactly k slots by then. */
  const queuedOverlapsAt: number[] = [];
  const schedule = scheduleOf([hanging, queued], {
    schedule: '* * * * * *',
    concurrency: 1,
    poll: async (runner, deadline, fetched) => {
      if (runner === hanging) await held;
      else deadlines.push(deadline);
      fetched(false);
      return 'polled';
    },
    onOverlap: (runner) => runner === hanging && queuedOverlapsAt.push(queued.skipped.overlap),
  });
  const started = Date.now();
  schedule.start();
  try {
    await until(() => queuedOverlapsAt.length >= 3, 'three slots of the hanging wallet');
    assert.deepEqual(queuedOverlapsAt.slice(0, 3), [0, 1, 2], 'its first slot took the queued start-up poll; each later one is an overlap');
    assert.equal(hanging.skipped.overlap >= 3, true, 'a start-up poll that runs at its slot is an overlap');
    release();
    await until(() => deadlines.length === 1, 'the queued wallet polled');
    // its first slot's deadline (SETTLE_MS or a quarter of the interval before its second slot), not the start-up poll's (as much before its first)
    const firstSlot = Math.ceil(started / 1_000) * 1_000 + 1_000 * slotFraction(early!);
    assert.ok(deadlines[0]! >= firstSlot + 500, `deadline ${deadlines[0]! - firstSlot} ms after its first slot`);
  } finally {
    release();
    await schedule.stop();
  }
});

/** Waits until the wall clock is `ms` (±25) into a second; a window missed on a loaded machine is waited for again. */
async function untilIntoSecond(ms: number): Promise<void> {
  await until(() => Math.abs((Date.now() % 1_000) - ms) <= 25, `${ms} ms into a second`);
}

/** A schedule every second over `runners`, recording when each wallet's polls start. */
function everySecond(runners: WalletRunner[]): { schedule: FleetSchedule; starts: Map<string, number[]> } {
  const starts = new Map<string, number[]>(runners.map((r) => [r.name, []]));
  const schedule = scheduleOf(runners, {
    schedule: '* * * * * *',
    concurrency: 4,
    poll: async (runner, _deadline, fetched) => {
      starts.get(runner.name)!.push(Date.now());
      fetched(false);
      return 'polled';
    },
  });
  return { schedule, starts };
}

const names = 'abcdefghijklmnopqrstuvwxyz'.split('');
/** The name whose slot comes first in every round. */
const early = names.reduce((x, y) => (slotFraction(y) < slotFraction(x) ? y : x));

test('a start ~300 ms before a wallet\'s first slot: that slot is skipped, not a second request right after the start-up poll', async () => {
  // A start fell anywhere in the round, and each wallet's first slot asked its API again, up to a few ms after
  // the start-up poll: after every restart the whole fleet was asked twice within the round.
  const { schedule, starts } = everySecond([fakeRunner(early)]);
  await untilIntoSecond(700 + 1_000 * slotFraction(early)); // its first slot comes 300 ms after the start
  schedule.start();
  try {
    await until(() => starts.get(early)!.length >= 2, 'a second poll');
    const [first, second] = starts.get(early)!;
    assert.ok(second! - first! >= 490, `polled again ${second! - first!} ms after the start-up poll`);
  } finally {
    await schedule.stop();
  }
});

test('a wallet a reload adds ~300 ms before its first slot: that slot is skipped; later slots poll once a round as before', async () => {
  const runner = fakeRunner(early);
  const watched: WalletRunner[] = [];
  const { schedule, starts } = everySecond(watched);
  starts.set(early, []);
  schedule.start();
  try {
    await untilIntoSecond(700 + 1_000 * slotFraction(early)); // the next round lays its slot out 300 ms from now
    watched.push(runner); // the reload
    assert.ok(schedule.pollSoon(runner));
    await until(() => starts.get(early)!.length >= 3, 'two polls after the reload\'s');
    const [soon, next, after] = starts.get(early)!;
    assert.ok(next! - soon! >= 490, `polled again ${next! - soon!} ms after the reload's poll`);
    assert.ok(after! - next! >= 500, 'one poll a round after that');
  } finally {
    await schedule.stop();
  }
});
