/**
 * The counters /metrics shows are those a commit holds: a restart reads them back, and one that showed less
 * than a scrape saw read as a counter reset to Prometheus (rate() counted the whole total as new spend).
 * A real fault: STATE_DIR on a small tmpfs remounted read-only.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import type { PollOutcome } from '../../src/domain/account.js';
import { AccountMonitor } from '../../src/poller/monitor.js';
import { StateStore } from '../../src/store/state-store.js';
import { DEFAULT_RULES } from '../helpers/fixtures.js';
import { mountTmpfs } from '../helpers/tmpfs.js';

const log = pino({ level: 'silent' });
const T0 = Date.parse('2026-11-27T10:00:00Z');
const ok = (balance: number): PollOutcome => ({ ok: true, status: 200, balance, currency: 'USD', requiredCredits: null });

async function monitorIn(dir: string, clock: { t: number }, balances: number[]): Promise<{ monitor: AccountMonitor; store: StateStore }> {
  const store = new StateStore(dir, log);
  await store.init(clock.t);
  const monitor = new AccountMonitor({
    evaluation: { account: 'default', rules: DEFAULT_RULES, repeat: { repeatIntervalMs: 3_600_000, runwayFraction: 0, minRepeatIntervalMs: 300_000 } },
    poll: async () => ok(balances.shift()!),
    notify: async () => {},
    store: store.account('default'),
    log,
    now: () => clock.t,
  });
  await monitor.init();
  store.releasePreloaded(clock.t);
  return { monitor, store };
}

test('spend a commit could not write is not shown: the counter a restart reads back is never below what a scrape saw', async (t) => {
  const fs = mountTmpfs(t, '8m');
  if (!fs) return;
  const clock = { t: T0 };
  const poll = async (m: AccountMonitor) => {
    clock.t += 60_000;
    await m.pollNow({});
  };
  const first = await monitorIn(fs.dir, clock, [100, 90, 80]);
  await poll(first.monitor);
  await poll(first.monitor);
  assert.equal(first.monitor.readout.consumed, 10, 'committed: shown');
  fs.readOnly();
  await poll(first.monitor); // 10 more spent, the commit refused
  const scraped = first.monitor.readout.consumed;
  assert.equal(first.monitor.state.history.consumedTotal, 20, 'counted in memory');
  assert.equal(scraped, 10, 'shown: what the database holds');
  await first.store.close().catch(() => undefined); // the stop cannot write either
  fs.readWrite();

  const second = await monitorIn(fs.dir, clock, [70]);
  t.after(() => second.store.close());
  assert.ok(second.monitor.readout.consumed >= scraped, `restarted at ${second.monitor.readout.consumed}, a scrape saw ${scraped}`);
  await poll(second.monitor);
  assert.equal(second.monitor.readout.consumed, 30, 'the next commit shows the spend since the last one written (90 → 70)');
});
