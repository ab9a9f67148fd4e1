/**
 * The real daemon across a daylight-saving change, under libfaketime (the `faketime` package): the whole
 * process sees 2026-10-25 in Europe/Berlin, when 03:00 CEST falls back to 02:00 CET, on a clock running 10×
 * faster (monotonic clock and timers alike, so this is no wall-clock step). With POLL_SCHEDULE `* * * * *`
 * node-cron alone polled nothing from 01:59 CEST until 02:00 CET, an hour later, without a line saying so
 * (src/poller/dst.ts). The simulator runs outside, on the real clock.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { Simulator } from '../../src/simulator/simulator.js';
import { Daemon, waitFor } from '../helpers/daemon.js';
import { requireBinary } from '../helpers/promtool.js';

const KEY = 'sk_live_dst_4711';

/** The libfaketime library the `faketime` binary preloads (read from it, so the path is the distribution's). */
function libfaketime(): string {
  const r = spawnSync('faketime', ['-f', '+0', 'sh', '-c', 'printf %s "$LD_PRELOAD"'], { encoding: 'utf8' });
  const lib = r.stdout.trim();
  if (r.status !== 0 || lib === '') throw new Error(`faketime did not say which library it preloads: ${r.stderr}`);
  return lib;
}

test('Europe/Berlin falling back: `* * * * *` polls every minute of both 02:00 hours, no clock step logged', { timeout: 180_000 }, async (t) => {
  if (!requireBinary(t, 'faketime', 'faketime')) return;
  const sim = new Simulator({ apiKey: KEY, balance: 100_000, burnPerHour: 100 });
  await sim.start();
  t.after(() => sim.close());
  const d = await Daemon.start({
    TELEPHONY_API_URL: sim.url,
    TELEPHONY_API_KEY: KEY,
    POLL_SCHEDULE: '* * * * *',
    POLL_TIMEZONE: 'Europe/Berlin',
    LD_PRELOAD: libfaketime(),
    TZ: 'UTC', // FAKETIME's date is read in the local zone
    FAKETIME: '@2026-10-24 23:59:00 x10', // 01:59 CEST; the change is at 01:00 UTC
  });
  t.after(() => d.kill());

  const polls = () => d.logs().filter((l) => l.msg === 'poll ok').map((l) => String(l.time));
  // 00:00-00:59 UTC is 02:00-02:59 CEST, the first of the two 02:00 hours
  const firstHour = () => polls().filter((p) => p >= '2026-10-25T00:00:00' && p < '2026-10-25T01:00:00');
  await waitFor(
    () => {
      const late = polls().find((p) => p >= '2026-10-25T01:00:00');
      if (late !== undefined) throw new Error(`a poll at ${late} before 3 polls in 02:00-02:59 CEST: ${firstHour().join(', ')}`);
      return firstHour().length >= 3;
    },
    () => `3 polls in 02:00-02:59 CEST (00:00-00:59 UTC); polls: ${polls().join(', ')}\n${d.stderr.slice(-3000)}`,
    120_000,
  );
  const ts = d.logs().map((l) => String(l.time));
  assert.ok(ts.every((x) => x.startsWith('2026-10-2')), `the daemon runs on the fake clock: ${ts.slice(0, 3).join(', ')}`);
  const clockLines = d.logs().filter((l) => /wall clock|suspended/.test(String(l.msg)));
  assert.deepEqual(clockLines, [], 'a daylight-saving change is no clock step: epoch time goes on');
  assert.equal((await d.get('/healthz')).status, 200);
  assert.equal((await d.get('/readyz')).status, 200);
  assert.equal(await d.metric('telephony_poll_skipped_total{account="default",reason="overlap"}'), 0);
});
