/**
 * FleetSchedule's concurrency limit is about requests in flight: a poll that got its answer and waits for
 * its state commit (batched, up to ~1 s under load) frees its slot, yet its wallet is not polled again
 * until the commit is done.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import type { WalletRunner } from '../../src/fleet/runner.js';
import { FleetSchedule } from '../../src/fleet/schedule.js';

const fakeRunner = (name: string) => ({ name, phase: 'idle', removed: false, skipped: { overlap: 0, rate_limited: 0 } }) as unknown as WalletRunner;

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

test('POLL_CONCURRENCY 1: the second wallet is fetched while the first one still commits; the first is not polled twice meanwhile', async () => {
  const runners = [fakeRunner('a'), fakeRunner('b')];
  const started: string[] = [];
  let commitA!: () => void;
  const committedA = new Promise<void>((r) => (commitA = r));
  const schedule = new FleetSchedule({
    schedule: '0 0 1 1 *', // the first round at start is all this test needs
    timezone: 'UTC',
    concurrency: 1,
    log: pino({ level: 'silent' }),
    runners: () => runners,
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
