/**
 * A wall clock that steps back a day under a running daemon (and while it is stopped). The system clock
 * cannot be changed here, so the real daemon process gets a test-only `node --import` hook
 * (test/helpers/fake-wall-clock.mjs) that offsets Date.now by what a file says; performance.now and the
 * timers stay real, as they would under an NTP step. The simulator drains a real wallet meanwhile.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Simulator } from '../../src/simulator/simulator.js';
import { Daemon, ROOT, tempDir, waitFor } from '../helpers/daemon.js';
import { WebhookReceiver } from '../helpers/receivers.js';

const KEY = 'sk_live_clock_step_8642';
const DAY = 86_400_000;
const HOOK = ['--import', join(ROOT, 'test/helpers/fake-wall-clock.mjs')];

async function setup(t: import('node:test').TestContext) {
  // 600 credits, 2 per second: a runway of minutes, so depletion_forecast fires critical within seconds
  const sim = new Simulator({ apiKey: KEY, balance: 600, burnPerHour: 7200 });
  await sim.start();
  t.after(() => sim.close());
  const hook = new WebhookReceiver();
  await hook.start();
  t.after(() => hook.close());
  const offsetFile = join(tempDir('ws-clock-'), 'offset-ms');
  writeFileSync(offsetFile, '0');
  const env = { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, ALERT_WEBHOOK_URL: hook.url, WS_TEST_WALL_CLOCK_OFFSET_FILE: offsetFile };
  return { sim, hook, offsetFile, env };
}

const polls = (d: Daemon) => d.logs().filter((l) => l.msg === 'poll ok').length;
const resolved = (hook: WebhookReceiver) => hook.bodies().filter((b) => b.status === 'resolved');

/** After the step: `n` more polls, each with a finite runway and a new sample. */
async function assertForecastGoesOn(d: Daemon, hook: WebhookReceiver, n: number): Promise<void> {
  let samples = (await d.status()).samples;
  for (let i = 0; i < n; i++) {
    const before = polls(d);
    await waitFor(() => polls(d) > before, () => `poll ${i + 1} after the step\n${d.stderr.slice(-3000)}`);
    const s = await d.status();
    assert.ok(s.samples > samples, `poll ${i + 1} after the step recorded its reading (${s.samples} samples, was ${samples})`);
    samples = s.samples;
    assert.notEqual(s.runway_seconds, null, `runway finite after poll ${i + 1}`);
    const runway = await d.metric('telephony_wallet_runway_seconds{account="default"}');
    assert.ok(runway !== undefined && Number.isFinite(runway) && runway > 0, `runway metric ${runway}`);
    assert.ok(s.alerts.some((a) => a.alertname === 'depletion_forecast'), 'depletion_forecast still firing');
  }
  assert.deepEqual(resolved(hook), [], 'no resolved notification reached the receiver');
}

/** The stored readings (the status page's chart) moved with the step: each poll's once, in order, the newest of now. */
async function assertHistoryMoved(d: Daemon, polledEarlier = 0): Promise<void> {
  const n0 = polls(d);
  const h = JSON.parse((await d.get('/api/wallets/default/history')).text) as { readings: { t: string }[] };
  const status = JSON.parse((await d.get('/api/status')).text) as { generated_at: string };
  const n1 = polls(d);
  const ts = h.readings.map((r) => Date.parse(r.t));
  // the newest poll's reading may still wait for its commit (up to 100 ms)
  assert.ok(ts.length >= polledEarlier + n0 - 1 && ts.length <= polledEarlier + n1, `${ts.length} readings for ${polledEarlier + n0}–${polledEarlier + n1} polls`);
  assert.ok(ts.every((t, i) => i === 0 || t > ts[i - 1]!), 'in time order, none twice');
  assert.ok(Date.parse(status.generated_at) - ts.at(-1)! < 120_000, `the newest reading (${h.readings.at(-1)?.t}) is of now (${status.generated_at})`);
}

for (const { name, offset, words } of [
  { name: 'steps back a day', offset: -DAY, words: /wall clock stepped back by 8640\d s/ },
  // forward, the stretched interval would read as 6 h of almost no spend: a long runway, a resolve
  { name: 'jumps forward 6 hours', offset: 6 * 3_600_000, words: /wall clock jumped forward by 216\d\d s/ },
]) {
  test(`the wall clock ${name} while the daemon runs: one warning, forecasting goes on, nothing resolves`, async (t) => {
    const { hook, offsetFile, env } = await setup(t);
    const d = await Daemon.start(env, { nodeArgs: HOOK });
    t.after(() => d.kill());

    await waitFor(() => hook.bodies().some((b) => b.alertname === 'depletion_forecast' && b.status === 'firing'), () => `depletion_forecast firing\n${d.stderr.slice(-3000)}`);
    const firing = hook.bodies().find((b) => b.alertname === 'depletion_forecast')!;
    assert.notEqual((await d.status()).runway_seconds, null);

    writeFileSync(offsetFile, String(offset));
    const step = await waitFor(() => d.logs().find((l) => l.level === 'warn' && /wall clock/.test(l.msg)), () => `the step warning\n${d.stderr.slice(-3000)}`);
    assert.ok(Math.abs(Number(step.stepMs) - offset) < 5_000, `the step's size is logged: ${String(step.stepMs)}`);
    assert.match(step.msg, words);

    await assertForecastGoesOn(d, hook, 6);
    await assertHistoryMoved(d);
    assert.equal(d.logs().filter((l) => l.level === 'warn' && /wall clock/.test(l.msg)).length, 1, 'one warning per step (for the process, not one per wallet)');
    // node-cron arms its ticks on the wall clock: re-armed from the new time, not a day without polls (back)
    // nor every second of 6 h told as a missed poll (forward)
    assert.match(step.msg, /POLL_SCHEDULE re-armed/);
    assert.deepEqual(d.logs().filter((l) => /missed \d+ scheduled poll/.test(l.msg)), [], 'a step is no missed poll (the scheduler looks at the clock before it counts)');
    // what users read stays the wall clock: the status is stamped with the stepped clock
    const status = JSON.parse((await d.get('/api/status')).text) as { generated_at: string };
    assert.ok(Math.abs(Date.parse(status.generated_at) - (Date.parse(String(firing.sent_at)) + offset)) < 120_000, status.generated_at);
    assert.equal(await d.stop(), 0);
  });
}

test('the wall clock stepped back while the daemon was stopped: the saved state is moved back, nothing resolves', async (t) => {
  const { hook, offsetFile, env } = await setup(t);
  const first = await Daemon.start(env, { nodeArgs: HOOK });
  t.after(() => first.kill());
  await waitFor(() => hook.bodies().some((b) => b.alertname === 'depletion_forecast'), () => `depletion_forecast firing\n${first.stderr.slice(-3000)}`);
  assert.equal(await first.stop(), 0);
  const polledEarlier = polls(first);

  writeFileSync(offsetFile, String(-DAY));
  const d = await Daemon.start(env, { nodeArgs: HOOK, stateDir: first.stateDir });
  t.after(() => d.kill());
  const moved = await waitFor(() => d.logs().find((l) => l.level === 'warn' && /saved state is .* ahead of the wall clock/.test(l.msg)), () => `the start warning\n${d.stderr.slice(-3000)}`);
  assert.ok(Math.abs(Number(moved.aheadMs) - DAY) < 60_000, String(moved.aheadMs));
  await assertForecastGoesOn(d, hook, 4);
  await assertHistoryMoved(d, polledEarlier);
  assert.equal(hook.bodies().filter((b) => b.alertname === 'depletion_forecast').length, 1, 'not re-announced either');
});
