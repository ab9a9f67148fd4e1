/** bench/fleet/analysis.ts: lateness and missed slots from a request log, /proc parsing, percentiles. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuMsFromStat, parseRequestLog, percentile, pollStats, rssKiBFromStatus, table, writeBytesFromIo } from '../../bench/fleet/analysis.js';

const I = 60_000;
const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);

test('percentile: nearest rank', () => {
  assert.equal(percentile([5, 1, 4, 2, 3], 50), 3);
  assert.equal(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 99), 99);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 99)));
});

test('pollStats: punctual, late, missed, doubled and never polled wallets', () => {
  const from = T0;
  const to = T0 + 5 * I; // five slots per wallet
  const polls = new Map<string, number[]>([
    // slot at +10 s every minute, on time
    ['ok', [0, 1, 2, 3, 4].map((k) => T0 + k * I + 10_000)],
    // slot at +59 s (phases wrap around the minute), one poll 3 s late: past the minute boundary
    ['late', [T0 + 59_000, T0 + I + 59_000, T0 + 2 * I + 62_000, T0 + 3 * I + 59_000, T0 + 4 * I + 59_000]],
    // one slot missed (no poll in minute 2), and one slot polled twice
    ['gappy', [T0 + 5_000, T0 + I + 5_000, T0 + 3 * I + 5_000, T0 + 4 * I + 5_000, T0 + 4 * I + 6_000]],
    // polled before and after the window only
    ['outside', [T0 - I + 1_000, T0 + 5 * I + 1_000]],
  ]);
  const s = pollStats(polls, ['ok', 'late', 'gappy', 'outside', 'never'], from, to, I);
  assert.equal(s.wallets, 5);
  assert.equal(s.neverPolled, 2, "'outside' and 'never'");
  assert.equal(s.missed, 1 + 5 + 5);
  assert.equal(s.doubled, 1);
  assert.equal(s.polls, 5 + 5 + 5);
  assert.equal(Math.max(...s.lateness), 3_000);
  assert.equal(s.lateness.filter((l) => l > 0).length, 2, 'the 3 s late poll and the doubled one');
  assert.equal(s.maxGapMs, 2 * I);
});

test('pollStats: a late poll just inside the window belongs to the slot before it', () => {
  const polls = new Map([['w', [T0 - 1_000, T0 + 1_000, T0 + I - 1_000, T0 + 2 * I - 1_000]]]);
  // slots at -1 s each minute; the poll at +1 s is 2 s late for the slot at T0 - 1 s (outside the window)
  const s = pollStats(polls, ['w'], T0, T0 + 2 * I, I);
  assert.equal(s.polls, 2);
  assert.equal(s.missed, 0);
  assert.equal(s.doubled, 0);
});

test('pollStats: a start-up poll before the window and a restart\'s after it, out of the schedule\'s rhythm, do not move the slot', () => {
  // polled at start (T0 - 65 s), then on its slot at +42 s every minute, then at a restart just after the window
  const polls = new Map([['w', [T0 - 65_000, T0 + 42_000, T0 + I + 42_000, T0 + 2 * I + 16_000]]]);
  const s = pollStats(polls, ['w'], T0, T0 + 2 * I, I);
  assert.deepEqual({ polls: s.polls, missed: s.missed, late: Math.max(...s.lateness) }, { polls: 2, missed: 0, late: 0 });
});

test('request log, /proc files and the table', () => {
  const log = parseRequestLog(`${T0}\tw1\t200\n${T0 + 5}\tw2\t429\n${T0 + I}\tw1\t200\n\n`);
  assert.deepEqual([...log], [['w1', [T0, T0 + I]], ['w2', [T0 + 5]]]);
  const stat = '4242 (node dist/main.js) S 1 4242 4242 0 -1 4194560 9000 0 0 0 250 50 0 0 20 0 11 0 123 0 0';
  assert.equal(cpuMsFromStat(stat, 100), 3_000);
  assert.equal(rssKiBFromStatus('Name:\tnode\nVmRSS:\t  123456 kB\n'), 123456);
  assert.equal(rssKiBFromStatus('Name:\tnode\nVmHWM:\t  234567 kB\nVmRSS:\t  123456 kB\n', 'VmHWM'), 234567);
  assert.equal(writeBytesFromIo('rchar: 1\nwchar: 2\nread_bytes: 3\nwrite_bytes: 4096\n'), 4096);
  const t = table([{ what: 'a', figure: '1', target: '< 2', pass: true }, { what: 'bb', figure: 'x', target: '-', pass: null }]);
  assert.match(t, /^a\s+1\s+< 2\s+PASS$/m);
  assert.match(t, /^bb\s+x\s+-\s+n\/a$/m);
});
