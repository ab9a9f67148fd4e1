/**
 * POLL_SCHEDULE's ticks across daylight-saving changes of POLL_TIMEZONE (src/poller/dst.ts), on node-cron's own
 * matcher as the Scheduler patches it. Without the patch node-cron polled nothing for an hour when the clock
 * fell back (`* * * * *` in Europe/Berlin and America/New_York) and skipped a daily `30 2 * * *` on the day
 * the clock sprang forward (47 h between two polls).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import cron from 'node-cron';
import { nextTick, tickAcrossDst, zoneOffsetMs } from '../../src/poller/dst.js';

type Matcher = { getNextMatch(d: Date): Date };

function task(schedule: string, timezone: string, patched = true): Matcher {
  const t = cron.createTask(schedule, () => {}, { timezone });
  if (patched) assert.equal(tickAcrossDst(t, schedule, timezone), true, 'node-cron still keeps its matcher as timeMatcher');
  const m = (t as unknown as { timeMatcher: Matcher }).timeMatcher;
  void t.destroy();
  return m;
}

/** The ticks after `from` up to `to` (ISO), as ISO strings. */
function ticks(m: Matcher, from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = m.getNextMatch(new Date(from)); d <= new Date(to); d = m.getNextMatch(d)) out.push(d.toISOString());
  return out;
}

const gaps = (ts: string[]): number[] => ts.slice(1).map((t, i) => (Date.parse(t) - Date.parse(ts[i]!)) / 60_000);

test('zoneOffsetMs reads the offset on both sides of a change', () => {
  assert.equal(zoneOffsetMs(Date.parse('2026-10-25T00:59:59Z'), 'Europe/Berlin'), 2 * 3_600_000);
  assert.equal(zoneOffsetMs(Date.parse('2026-10-25T01:00:00Z'), 'Europe/Berlin'), 3_600_000);
  assert.equal(zoneOffsetMs(Date.parse('2026-03-08T07:00:00Z'), 'America/New_York'), -4 * 3_600_000);
  assert.equal(zoneOffsetMs(Date.parse('2026-03-08T06:59:59.500Z'), 'America/New_York'), -5 * 3_600_000);
});

for (const [zone, from, to] of [
  ['Europe/Berlin', '2026-10-24T22:00:00Z', '2026-10-25T03:00:00Z'],
  ['America/New_York', '2026-11-01T04:00:00Z', '2026-11-01T09:00:00Z'],
  ['Europe/Berlin', '2026-03-28T22:00:00Z', '2026-03-29T03:00:00Z'],
  ['America/New_York', '2026-03-08T05:00:00Z', '2026-03-08T10:00:00Z'],
] as const) {
  test(`every minute and every 5 minutes in ${zone} from ${from}: no tick lost or doubled (real minutes go on)`, () => {
    const every = ticks(task('* * * * *', zone), from, to);
    assert.equal(every.length, 300, `${every.length} ticks in 5 hours`);
    assert.deepEqual([...new Set(gaps(every))], [1]);
    const five = ticks(task('*/5 * * * *', zone), from, to);
    assert.equal(five.length, 60);
    assert.deepEqual([...new Set(gaps(five))], [5]);
    // node-cron alone: an hour without a tick when the clock falls back (this test's reason)
    const raw = ticks(task('* * * * *', zone, false), from, to);
    if (from.includes('-10-') || from.includes('-11-')) assert.equal(raw.length, 240);
  });
}

test('a daily 02:30 runs at 03:30 on the day 02:30 does not exist, once', () => {
  assert.deepEqual(ticks(task('30 2 * * *', 'Europe/Berlin'), '2026-03-27T12:00:00Z', '2026-03-30T12:00:00Z'), [
    '2026-03-28T01:30:00.000Z', // 02:30 CET
    '2026-03-29T01:30:00.000Z', // 03:30 CEST: 02:30 on the clock from before the change
    '2026-03-30T00:30:00.000Z', // 02:30 CEST
  ]);
  assert.deepEqual(ticks(task('30 2 * * *', 'America/New_York'), '2026-03-07T12:00:00Z', '2026-03-09T12:00:00Z'), ['2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z']);
});

test('a daily 02:30 runs once when the clock shows 02:30 twice (at the first reading)', () => {
  assert.deepEqual(ticks(task('30 2 * * *', 'Europe/Berlin'), '2026-10-24T12:00:00Z', '2026-10-26T12:00:00Z'), [
    '2026-10-25T00:30:00.000Z', // 02:30 CEST
    '2026-10-26T01:30:00.000Z',
  ]);
  assert.deepEqual(ticks(task('30 1 * * *', 'America/New_York'), '2026-10-31T12:00:00Z', '2026-11-02T12:00:00Z'), ['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
});

test('an hourly schedule runs in both readings of the repeated hour', () => {
  const hourly = ticks(task('0 * * * *', 'Europe/Berlin'), '2026-10-24T21:30:00Z', '2026-10-25T03:30:00Z');
  assert.deepEqual([...new Set(gaps(hourly))], [60]);
  assert.equal(hourly.length, 6);
});

test('schedules that do not touch a changed hour tick as node-cron does, all year', () => {
  for (const [schedule, zone] of [
    ['0 9,17 * * 1-5', 'Europe/Berlin'],
    ['0 9,17 * * 1-5', 'America/New_York'],
    ['0 0 1 * *', 'Europe/Berlin'],
    ['0 0 1 * *', 'UTC'],
    ['0 0 29 2 *', 'UTC'],
  ] as const) {
    assert.deepEqual(ticks(task(schedule, zone), '2026-01-01T00:00:00Z', '2029-01-01T00:00:00Z'), ticks(task(schedule, zone, false), '2026-01-01T00:00:00Z', '2029-01-01T00:00:00Z'), `${schedule} in ${zone}`);
  }
  // hours 03-23 only: the changed hour (02) is not among them
  for (const from of ['2026-03-27T00:00:00Z', '2026-07-01T00:00:00Z', '2026-10-23T00:00:00Z']) {
    const to = new Date(Date.parse(from) + 4 * 86_400_000).toISOString();
    assert.deepEqual(ticks(task('*/7 3-23 * * *', 'Europe/Berlin'), from, to), ticks(task('*/7 3-23 * * *', 'Europe/Berlin', false), from, to), `*/7 3-23 * * * from ${from}`);
  }
});

test('nextTick away from any change is node-cron\'s next match', () => {
  const local = task('*/5 * * * *', 'Europe/Berlin', false);
  const wall = task('*/5 * * * *', 'UTC', false);
  const from = new Date('2026-07-01T12:01:30.500Z');
  assert.equal(nextTick({ local, wall, timezone: 'Europe/Berlin', everyHour: true }, from).toISOString(), '2026-07-01T12:05:00.000Z');
});
