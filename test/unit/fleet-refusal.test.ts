/**
 * FleetSchedule with an API that stops answering (src/fleet/origins.ts, schedule.ts): once it gave no answer
 * for a round, polls that find its share of POLL_CONCURRENCY taken fail at once, unasked, while its share
 * keeps asking; the first answer ends it. Every test: one API, POLL_CONCURRENCY 4 (a share of 1, silent after
 * 2 polls in a row without an answer), clocks the test moves (the wall clock, and the monotonic one that an
 * API's quiet is measured on), polls that hang until the test ends them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { WalletRunner } from '../../src/fleet/runner.js';
import { FleetSchedule, type ScheduleDeps } from '../../src/fleet/schedule.js';
import { SPREAD_MAX_MS } from '../../src/fleet/slots.js';
import { fakeRunner, until } from '../helpers/fleet.js';

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

/**
 * A started schedule over `runners`, all on one API. A poll hangs until `end(name, timedOut)`, unless
 * `answersAtOnce(name)`. `started` and `unasked` list the polls that asked and those failed unasked.
 */
function oneApi(runners: WalletRunner[], opts: { answersAtOnce?: (name: string) => boolean; pollUnasked?: ScheduleDeps['pollUnasked']; log?: pino.Logger } = {}) {
  const started: string[] = [];
  const unasked: string[] = [];
  const ends = new Map<string, (timedOut: boolean) => void>();
  const clock = { wall: Date.parse('2026-06-01T00:00:00Z'), mono: 1_000 };
  const schedule = new FleetSchedule({
    schedule: '0 0 1 1 *', // the first round, at start, is all a test needs
    timezone: 'UTC',
    log: opts.log ?? pino({ level: 'silent' }),
    runners: () => runners,
    concurrency: 4,
    now: () => clock.wall,
    monotonic: () => clock.mono,
    originOf: () => 'http://127.0.0.1:1',
    poll: async (runner, _deadline, fetched) => {
      started.push(runner.name);
      fetched(opts.answersAtOnce?.(runner.name) ? false : await new Promise<boolean>((r) => ends.set(runner.name, r)));
      return 'polled';
    },
    pollUnasked: async (runner, why) => {
      assert.match(why, /^not asked: .*no answer within REQUEST_TIMEOUT_MS/);
      unasked.push(runner.name);
      return opts.pollUnasked ? opts.pollUnasked(runner, why) : 'polled';
    },
  });
  schedule.start();
  return {
    schedule,
    started,
    unasked,
    clock,
    /** Time passes: both clocks move. */
    pass: (ms: number) => {
      clock.wall += ms;
      clock.mono += ms;
    },
    end: (name: string, timedOut: boolean) => ends.get(name)!(timedOut),
    idle: (...rs: WalletRunner[]) => () => rs.every((r) => r.phase === 'idle'),
    /** The API goes silent: the first four polls ask, a round passes, the first two time out. */
    async silence(): Promise<void> {
      await until(() => started.length === 4, 'four polls');
      this.pass(SPREAD_MAX_MS);
      this.end(runners[0]!.name, true);
      this.end(runners[1]!.name, true);
      await until(this.idle(runners[0]!, runners[1]!), `${runners[0]!.name} and ${runners[1]!.name} timed out: the API is silent`);
    },
    /** Stops the schedule, answering whatever still hangs. */
    async stop(): Promise<void> {
      const drain = setInterval(() => [...ends.values()].forEach((end) => end(false)), 5);
      await schedule.stop();
      clearInterval(drain);
    },
  };
}

test('an API whose last polls in a row got no answer refuses: its waiting polls fail at once without a request while its share keeps asking, until an answer', async () => {
  const [h1, h2, h3, h4, h5, h6] = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map(fakeRunner) as [WalletRunner, WalletRunner, WalletRunner, WalletRunner, WalletRunner, WalletRunner];
  const api = oneApi([h1, h2, h3, h4, h5, h6]);
  const { schedule, started, unasked } = api;
  try {
    await until(() => started.length === 4, 'four polls');
    api.pass(SPREAD_MAX_MS); // a round since its first request, no answer
    api.end('h1', true);
    await until(api.idle(h1), 'h1 over');
    assert.deepEqual(unasked, [], 'one poll without an answer is no silent API: h5 and h6 wait for its share');
    api.end('h2', true);
    await until(() => unasked.length === 2, 'the waiting polls failed unasked');
    assert.deepEqual([...unasked].sort(), ['h5', 'h6']);
    assert.deepEqual(started, ['h1', 'h2', 'h3', 'h4'], 'no request for them');
    // A new slot while its share is taken (h3, h4 in flight) fails at once too.
    assert.ok(schedule.pollSoon(h1));
    await until(() => unasked.length === 3, 'h1 refused');
    api.end('h3', true);
    api.end('h4', true);
    await until(api.idle(h1, h3, h4), 'h3 and h4 over');
    // Its share free: the next poll asks (the probe), though the API is still silent.
    assert.ok(schedule.pollSoon(h5));
    await until(() => started.length === 5, 'h5 asks');
    assert.ok(schedule.pollSoon(h6));
    await until(() => unasked.length === 4, 'h6 refused while h5 asks');
    api.end('h5', false); // an answer: the API is no longer silent
    await until(api.idle(h5, h6), 'h5 and h6 over');
    for (const r of [h1, h2]) assert.ok(schedule.pollSoon(r));
    await until(() => started.length === 7, 'both ask at once');
    assert.deepEqual(started.slice(4), ['h5', 'h1', 'h2']);
    assert.equal(unasked.length, 4);
  } finally {
    await api.stop();
  }
});

test('a few wallets whose own path hangs on an API that answers the others: their timeouts in a row do not refuse the healthy wallets; an origin quiet for a whole round does refuse', async () => {
  // Review of stop 55: h1 and h2 timing out while h3 held the share failed ok's next poll unasked.
  const [ok, h1, h2, h3] = ['ok', 'h1', 'h2', 'h3'].map(fakeRunner) as [WalletRunner, WalletRunner, WalletRunner, WalletRunner];
  const api = oneApi([ok, h1, h2, h3], { answersAtOnce: (name) => name === 'ok' });
  const { schedule, started, unasked } = api;
  try {
    await until(() => started.length === 4 && ok.phase === 'idle', 'four polls, ok answered');
    api.pass(1_000);
    api.end('h1', true);
    api.end('h2', true);
    await until(api.idle(h1, h2), 'h1 and h2 timed out, h3 holds the share');
    assert.ok(schedule.pollSoon(ok));
    await turns(5);
    assert.deepEqual(unasked, [], 'ok waits for the share: its API answered a second ago');
    assert.equal(ok.phase, 'queued');
    api.end('h3', true); // the share free: ok asks, and is answered
    await until(() => started.length === 5 && ok.phase === 'idle', 'ok asked');
    // No answer for a whole round (SPREAD_MAX_MS here): the API is silent, and polls that find the share taken fail unasked.
    for (const r of [h1, h2, h3]) assert.ok(schedule.pollSoon(r));
    await until(() => started.length === 8, 'h1, h2 and h3 ask (the API answered: no share)');
    api.pass(SPREAD_MAX_MS);
    api.end('h1', true);
    api.end('h2', true);
    await until(api.idle(h1, h2), 'h1 and h2 timed out, h3 holds the share');
    assert.ok(schedule.pollSoon(ok));
    await until(() => unasked.length === 1, 'ok refused');
    assert.deepEqual(unasked, ['ok']);
  } finally {
    await api.stop();
  }
});

test('a poll refused while its API answers in the same turn asks after all: the refusal is checked again when it is recorded', async () => {
  const [h1, h2, h3, h4, h5] = ['h1', 'h2', 'h3', 'h4', 'h5'].map(fakeRunner) as [WalletRunner, WalletRunner, WalletRunner, WalletRunner, WalletRunner];
  const api = oneApi([h1, h2, h3, h4]);
  try {
    await api.silence(); // h3 and h4 hold its share
    assert.ok(api.schedule.pollSoon(h5), 'h5 refused (h3 and h4 hold the share)');
    api.end('h3', false); // …and in the same turn the API answers
    await until(() => api.started.length === 5, 'h5 asks');
    assert.deepEqual(api.unasked, []);
    assert.equal(api.started[4], 'h5');
  } finally {
    await api.stop();
  }
});

test('a wallet refused at its slot and removed by a reload before the refusal is recorded: its firing alerts are closed once, not left to a poll that never runs', async () => {
  // WalletRunner.unwatch closes the alerts at once unless a poll of the wallet runs (phase 'running'): then
  // that poll closes them at its end. A refused poll waits a turn of the event loop to be recorded, and the
  // drain drops a removed wallet without a poll, so it must not read as running meanwhile.
  const closed: string[] = [];
  const runners = ['h1', 'h2', 'h3', 'h4', 'h5'].map((name) => {
    const r = fakeRunner(name) as unknown as { monitor: unknown };
    r.monitor = { tickUnasked: async () => 'polled', unwatch: async () => void closed.push(name) };
    return r as unknown as WalletRunner;
  });
  const api = oneApi(runners.slice(0, 4), { pollUnasked: (runner, why) => WalletRunner.prototype.pollUnasked.call(runner, why) });
  try {
    await api.silence(); // h3 and h4 hold its share
    const h5 = runners[4]!;
    assert.ok(api.schedule.pollSoon(h5), 'h5 (added by a reload) is refused');
    await WalletRunner.prototype.unwatch.call(h5); // a reload removes it in the same turn (fleet.ts: apply)
    await until(api.idle(h5), 'the refusal of h5 dropped');
    await turns(5);
    assert.deepEqual(closed, ['h5'], "h5's alerts closed once");
    assert.deepEqual(api.unasked, [], 'no failed poll recorded for a removed wallet');
  } finally {
    await api.stop();
  }
});

test('the wall clock steps back a day: an API that refuses goes on refusing (its quiet is on the monotonic clock), and its refused polls are still summed up in the log', async () => {
  // On the wall clock, a step back of 86,400 s made the quiet since the API's first request negative: it was
  // asked again by every poll for a day, and the summaries waited a day too.
  const summaries: Array<{ unasked: number }> = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void (JSON.parse(line).msg.includes('failed without asking') && summaries.push(JSON.parse(line))) });
  const [h1, h2, h3, h4, h5, h6] = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map(fakeRunner) as [WalletRunner, WalletRunner, WalletRunner, WalletRunner, WalletRunner, WalletRunner];
  const api = oneApi([h1, h2, h3, h4], { log });
  try {
    await api.silence(); // h3 and h4 hold its share
    assert.ok(api.schedule.pollSoon(h5));
    await until(() => summaries.length === 1, 'h5 refused, and said');
    api.clock.wall -= 86_400_000; // NTP steps the wall clock back a day…
    api.pass(60_000); // …and a minute passes
    assert.ok(api.schedule.pollSoon(h6));
    await until(() => api.unasked.length === 2, 'h6 refused too');
    assert.deepEqual(api.unasked, ['h5', 'h6']);
    assert.deepEqual(api.started, ['h1', 'h2', 'h3', 'h4'], 'no request for h6');
    await until(() => summaries.length === 2, 'a summary of h6 a minute after the first');
    assert.deepEqual(summaries.map((l) => l.unasked), [1, 1]);
  } finally {
    await api.stop();
  }
});
