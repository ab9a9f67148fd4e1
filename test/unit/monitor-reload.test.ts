/** AccountMonitor across a reload that moves a wallet to another server while its poll runs. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import type { PollOutcome } from '../../src/domain/account.js';
import { sampleCount } from '../../src/domain/packed.js';
import { AccountMonitor } from '../../src/poller/monitor.js';
import { StateStore } from '../../src/store/state-store.js';
import { DEFAULT_RULES } from '../helpers/fixtures.js';

const log = pino({ level: 'silent' });
const T0 = Date.parse('2026-11-27T10:00:00Z');

test("a 429 from the server a reload moved the wallet away from, answered while the poll ran, sets no wait on the new server; the same answer otherwise does", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-monitor-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = new StateStore(dir, log);
  await store.init(T0);
  let answer!: (o: PollOutcome) => void;
  const evaluation = { account: 'default', rules: DEFAULT_RULES, repeat: { repeatIntervalMs: 3_600_000, runwayFraction: 0, minRepeatIntervalMs: 300_000 } };
  const monitor = new AccountMonitor({
    evaluation,
    poll: () => new Promise<PollOutcome>((r) => (answer = r)),
    notify: async () => {},
    store: store.account('default'),
    log,
    now: () => T0,
  });
  await monitor.init();
  store.releasePreloaded(T0);
  const slowDown: PollOutcome = { ok: false, kind: 'rate_limited', message: 'HTTP 429', retryAfterMs: 3_600_000 };

  const moved = monitor.pollNow({});
  monitor.configure(evaluation, { otherServer: true }); // SIGHUP: the wallet's api_url now names another server
  answer(slowDown); // the old server's answer arrives after the reload
  await moved;
  assert.equal(monitor.rateLimitedUntil(T0), null, 'the new server is asked at the next slot');

  const same = monitor.pollNow({});
  answer(slowDown);
  await same;
  assert.equal(monitor.rateLimitedUntil(T0), T0 + 3_600_000, 'a Retry-After of the server polled is kept');
  await store.close();
});

test('a reload that makes a wallet read another balance starts its history again and records no poll of the old one: the step between the two balances is no spend (it paged critical); a reload that changes nothing read keeps the history', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-monitor-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = new StateStore(dir, log);
  await store.init(T0);
  let now = T0;
  let answer!: (o: PollOutcome) => void;
  const evaluation = { account: 'default', rules: DEFAULT_RULES, repeat: { repeatIntervalMs: 3_600_000, runwayFraction: 0, minRepeatIntervalMs: 300_000 } };
  const monitor = new AccountMonitor({ evaluation, poll: () => new Promise<PollOutcome>((r) => (answer = r)), notify: async () => {}, store: store.account('default'), log, now: () => now });
  await monitor.init();
  store.releasePreloaded(T0);
  const read = async (balance: number) => {
    const p = monitor.pollNow({});
    answer({ ok: true, status: 200, balance, currency: 'USD', requiredCredits: null });
    await p;
    now += 60_000;
  };
  for (const b of [5000, 4990, 4980]) await read(b);
  const spent = monitor.readout.consumed;
  assert.equal(sampleCount(monitor.state.history.samples), 3);

  monitor.configure(evaluation, {}); // thresholds only
  await read(4970);
  assert.equal(sampleCount(monitor.state.history.samples), 4, 'history kept');

  const inFlight = monitor.pollNow({}); // a poll of the old balance, answered after the reload
  monitor.configure(evaluation, { otherBalance: true });
  answer({ ok: true, status: 200, balance: 4960, currency: 'USD', requiredCredits: null });
  await inFlight;
  assert.equal(sampleCount(monitor.state.history.samples), 0, 'started again, the old balance not recorded');
  await read(20); // the other account's balance
  await read(19);
  assert.equal(sampleCount(monitor.state.history.samples), 2);
  assert.equal(monitor.readout.consumed, spent + 10 + 1, 'the step from 4970 to 20 is no spend');
  await store.close();
});

test('a poll that fails once the daemon is stopping records nothing (its retries were not made: a 503 at a rolling restart is no failed poll), but a 429\'s Retry-After is kept and saved; a reading that came in is kept', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-monitor-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = new StateStore(dir, log);
  await store.init(T0);
  let next!: PollOutcome;
  const evaluation = { account: 'default', rules: DEFAULT_RULES, repeat: { repeatIntervalMs: 3_600_000, runwayFraction: 0, minRepeatIntervalMs: 300_000 } };
  const monitor = new AccountMonitor({ evaluation, poll: async () => next, notify: async () => {}, store: store.account('default'), log, now: () => T0 });
  await monitor.init();
  store.releasePreloaded(T0);
  const stopping = new AbortController();
  stopping.abort();
  next = { ok: false, kind: 'server', message: 'HTTP 503', status: 503 } as PollOutcome;
  await monitor.pollNow({ stopping: stopping.signal });
  assert.deepEqual([monitor.state.consecutiveFailures, monitor.state.lastError, monitor.state.lastPollAt], [0, null, null], 'nothing recorded');
  next = { ok: true, status: 200, balance: 42, currency: 'USD', requiredCredits: null } as PollOutcome;
  await monitor.pollNow({ stopping: stopping.signal });
  assert.equal(monitor.state.balance, 42, 'the answer of the attempt in flight is kept');
  // a 429 then: not a failed poll either, but its Retry-After holds, saved for the restart
  next = { ok: false, kind: 'rate_limited', message: 'HTTP 429', status: 429, retryAfterMs: 3_600_000 } as PollOutcome;
  await monitor.pollNow({ stopping: stopping.signal });
  assert.deepEqual([monitor.state.consecutiveFailures, monitor.state.lastError, monitor.state.rateLimitedUntil], [0, null, T0 + 3_600_000]);
  const restarted = new StateStore(dir, log, { readOnly: true });
  assert.equal((await restarted.account('default').load(T0)).rateLimitedUntil, T0 + 3_600_000, 'the wait is saved');
  assert.equal(await monitor.tick({}), 'rate_limited', 'and waited out');
  next = { ok: true, status: 200, balance: 41, currency: 'USD', requiredCredits: null } as PollOutcome;
  await monitor.pollNow({});
  next = { ok: false, kind: 'server', message: 'HTTP 503', status: 503 } as PollOutcome;
  await monitor.pollNow({});
  assert.equal(monitor.state.consecutiveFailures, 1, 'a failure while running is one');
  await store.close();
});
