import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Scheduler } from '../../src/poller/scheduler.js';

const log = pino({ level: 'silent' });
const EVERY_SECOND = '* * * * * *';

/** Polls `cond` until it holds; fails the test after `timeoutMs`. */
async function waitUntil(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Watches `cond` for `ms` and returns whether it ever became true (returns at once when it does).
 * The only way to observe that something does NOT happen, e.g. no tick after stop().
 */
async function becomesTrueWithin(cond: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('the first run happens at start(), without waiting for a tick', async (t) => {
  let calls = 0;
  const s = new Scheduler({ schedule: EVERY_SECOND, timezone: undefined, log, run: async () => void calls++, onOverlap: () => {} });
  t.after(() => s.stop());
  assert.equal(s.running, false);
  s.start();
  await new Promise((r) => setImmediate(r));
  assert.ok(calls >= 1, 'run called by start(), not at the first tick a second later');
  assert.equal(s.running, true);
  assert.equal(typeof s.nextRunAt(), 'number');
  await waitUntil(() => calls >= 2, 5000, 'the first cron tick');
});

const throwing: Array<[string, (call: number) => Promise<void>]> = [
  ['rejects', (call) => (call === 1 ? Promise.reject(new Error('boom')) : Promise.resolve())],
  [
    'throws inside an async function',
    async (call) => {
      if (call === 1) throw new Error('boom');
    },
  ],
  ['rejects with a non-Error', (call) => (call === 1 ? Promise.reject('just a string') : Promise.resolve())],
];
for (const [name, behave] of throwing) {
  test(`a run that ${name} on the first call does not stop later ticks`, async (t) => {
    let calls = 0;
    const s = new Scheduler({ schedule: EVERY_SECOND, timezone: undefined, log, run: () => behave(++calls), onOverlap: () => {} });
    t.after(() => s.stop());
    s.start();
    await waitUntil(() => calls >= 2, 5000, 'a second run after the failing one');
    assert.equal(s.running, true);
  });
}

test(
  'a run that throws synchronously on the first call does not stop start() nor later ticks',
  async (t) => {
    let calls = 0;
    const run = (): Promise<void> => {
      calls++;
      if (calls === 1) throw new Error('sync boom');
      return Promise.resolve();
    };
    const s = new Scheduler({ schedule: EVERY_SECOND, timezone: undefined, log, run, onOverlap: () => {} });
    t.after(() => s.stop());
    assert.doesNotThrow(() => s.start());
    await waitUntil(() => calls >= 2, 5000, 'a second run after the throwing one');
  },
);

test('a run that fails every time is still called on every tick', async (t) => {
  let calls = 0;
  const s = new Scheduler({
    schedule: EVERY_SECOND,
    timezone: undefined,
    log,
    run: async () => {
      calls++;
      throw new Error('always');
    },
    onOverlap: () => {},
  });
  t.after(() => s.stop());
  s.start();
  await waitUntil(() => calls >= 3, 6000, 'three runs');
});

test('a run slower than the interval: overlaps reported, never more than one run in flight', async (t) => {
  let calls = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let overlaps = 0;
  let overlapWhileIdle = 0;
  const s = new Scheduler({
    schedule: EVERY_SECOND,
    timezone: undefined,
    log,
    run: async () => {
      calls++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await new Promise((r) => setTimeout(r, 2500)); // the slow upstream
      } finally {
        inFlight--;
      }
    },
    onOverlap: () => {
      overlaps++;
      if (inFlight === 0) overlapWhileIdle++;
    },
  });
  t.after(() => s.stop());
  s.start();
  // Run 1 (from start) spans two ticks; run 2 starts on a later tick and spans ticks of its own.
  await waitUntil(() => calls >= 2 && overlaps >= 3, 12_000, 'a second run and three overlaps');
  assert.equal(maxInFlight, 1, 'two runs in flight at once');
  assert.equal(overlapWhileIdle, 0, 'an overlap reported while nothing ran');
  await s.stop();
  assert.equal(inFlight, 0, 'stop() waited for the run in flight');
});

const stopCases: Array<[string, number]> = [
  ['the run started by start()', 1],
  ['a run started by a cron tick', 2],
];
for (const [name, blockingCall] of stopCases) {
  test(`stop() waits for ${name} and no run starts afterwards`, async (t) => {
    let calls = 0;
    const gate = deferred();
    const events: string[] = [];
    const s = new Scheduler({
      schedule: EVERY_SECOND,
      timezone: undefined,
      log,
      run: async () => {
        const call = ++calls;
        if (call !== blockingCall) return;
        events.push('run started');
        await gate.promise;
        events.push('run finished');
      },
      onOverlap: () => {},
    });
    t.after(() => s.stop());
    s.start();
    await waitUntil(() => events.includes('run started'), 5000, 'the blocking run');

    const stopped = s.stop().then(() => events.push('stop resolved'));
    // stop() must not resolve while the run is held: let timers and I/O turn a few times.
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(events, ['run started']);
    assert.equal(s.running, false);

    gate.resolve();
    await stopped;
    assert.deepEqual(events, ['run started', 'run finished', 'stop resolved']);

    const callsAtStop = calls;
    // Two and a half tick periods: any tick still scheduled would have called run.
    assert.equal(await becomesTrueWithin(() => calls > callsAtStop, 2500), false, 'a run started after stop()');
  });
}

test(
  'nextRunAt() is undefined once stopped',
  async (t) => {
    const s = new Scheduler({ schedule: EVERY_SECOND, timezone: undefined, log, run: async () => {}, onOverlap: () => {} });
    t.after(() => s.stop());
    assert.equal(s.nextRunAt(), undefined, 'not scheduled before start()');
    s.start();
    assert.equal(typeof s.nextRunAt(), 'number');
    await s.stop();
    assert.equal(s.nextRunAt(), undefined);
  },
);

test('stop() before any start() resolves', async () => {
  const s = new Scheduler({ schedule: EVERY_SECOND, timezone: undefined, log, run: async () => assert.fail('never started'), onOverlap: () => {} });
  await s.stop();
  assert.equal(s.running, false);
});

test('slots passed while the event loop was blocked are told in one line, not one each', async (t) => {
  const lines: { msg: string; missed?: number }[] = [];
  const capture = pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l) as { msg: string; missed?: number }) });
  let calls = 0;
  const s = new Scheduler({ schedule: EVERY_SECOND, timezone: undefined, log: capture, run: async () => void calls++, onOverlap: () => {} });
  t.after(() => s.stop());
  s.start();
  await waitUntil(() => calls >= 2, 5000, 'a first tick');
  const blockedUntil = Date.now() + 4_500;
  while (Date.now() < blockedUntil); // a blocked event loop (a long synchronous job, a stalled host)
  const missed = () => lines.filter((l) => /missed \d+ scheduled poll/.test(l.msg));
  await waitUntil(() => missed().length > 0, 5000, 'the missed slots to be told');
  await waitUntil(() => calls >= 4, 5000, 'ticks to go on');
  assert.equal(missed().length, 1, JSON.stringify(lines));
  assert.ok(missed()[0]!.missed! >= 2, JSON.stringify(lines));
});
