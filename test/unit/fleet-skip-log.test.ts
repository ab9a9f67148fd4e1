/**
 * FleetSchedule's summaries of skipped polls (src/fleet/skip-log.ts): at most one line per interval, the
 * interval measured on the monotonic clock, so a step of the wall clock neither holds them back nor hurries them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { FleetSchedule } from '../../src/fleet/schedule.js';
import { fakeRunner, until } from '../helpers/fleet.js';

test('the wall clock steps back a day: polls skipped for Retry-After a minute apart are still summed up, a line a minute', async () => {
  // On the wall clock, one skip, a step back of a day, then 120 skips a minute apart logged nothing: the
  // time since the last line was negative for that day.
  const summaries: Array<{ rateLimited: number }> = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void (JSON.parse(line).msg.includes('skipped') && summaries.push(JSON.parse(line))) });
  const wallet = fakeRunner('a');
  const clock = { wall: Date.parse('2026-06-01T00:00:00Z'), mono: 1_000 };
  const schedule = new FleetSchedule({
    schedule: '0 0 1 1 *', // the first round, at start, and pollSoon are all this test needs
    timezone: 'UTC',
    concurrency: 4,
    log,
    runners: () => [wallet],
    now: () => clock.wall,
    monotonic: () => clock.mono,
    poll: async (_runner, _deadline, fetched) => (fetched(false), 'rate_limited'),
    pollUnasked: () => Promise.reject(new Error('no poll of this test fails unasked')),
  });
  schedule.start();
  try {
    await until(() => summaries.length === 1 && wallet.phase === 'idle', 'the start-up poll skipped, and said');
    clock.wall -= 86_400_000; // NTP steps the wall clock back a day
    for (let i = 2; i <= 4; i++) {
      clock.wall += 60_000; // a minute passes
      clock.mono += 60_000;
      assert.ok(schedule.pollSoon(wallet));
      await until(() => summaries.length === i && wallet.phase === 'idle', `summary ${i}, a minute after the last`);
    }
    assert.deepEqual(summaries.map((l) => l.rateLimited), [1, 1, 1, 1]);
    clock.wall -= 86_400_000; // another step back, and no time passes: the next skip waits for its interval
    assert.ok(schedule.pollSoon(wallet));
    await until(() => wallet.phase === 'idle', 'a fifth skip');
    assert.equal(summaries.length, 4, 'not said within the interval');
  } finally {
    await schedule.stop();
  }
  assert.deepEqual(summaries.map((l) => l.rateLimited), [1, 1, 1, 1, 1], 'said at stop');
});
