/** The real daemon against an upstream that fails in each way of contract section 1. */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Simulator } from '../../src/simulator/simulator.js';
import { Daemon, waitFor } from '../helpers/daemon.js';

const KEY = 'sk_live_failure_paths_5678';
const A = '{account="default"}';
const code = (c: string) => `telephony_api_requests_total{account="default",code="${c}"}`;

async function setup(t: TestContext, env: Record<string, string> = {}) {
  const sim = new Simulator({ apiKey: KEY, balance: 500, burnPerHour: 3600 });
  await sim.start();
  t.after(() => sim.close());
  const daemon = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, ...env });
  t.after(() => daemon.kill());
  await waitFor(async () => (await daemon.metric(`telephony_api_up${A}`)) === 1, 'a first good poll');
  return { sim, daemon };
}

test('401: failed poll, api_up 0, one request per poll (no retry storm), error names the setting', async (t) => {
  const { sim, daemon } = await setup(t);
  sim.setOverride({ status: 401 });
  await waitFor(async () => (await daemon.metric(code('401')))! >= 3, 'three 401 polls');
  assert.equal(await daemon.metric(`telephony_api_up${A}`), 0);
  const s = await daemon.status();
  assert.equal(s.last_error?.kind, 'auth');
  assert.match(s.last_error!.message, /TELEPHONY_API_KEY/);
  // every 401 poll sent exactly one request: the number of 401 answers equals the failed polls logged
  const failedPolls = daemon.logs().filter((l) => l.kind === 'auth').length;
  assert.equal(sim.requests.filter((r) => r.served === 401).length, failedPolls);
});

test('402: a successful poll that records current_balance and marks the wallet exhausted; the next 200 clears it', async (t) => {
  const { sim, daemon } = await setup(t);
  sim.setOverride({ status: 402, body: { error: 'Insufficient credits', code: 'insufficient_balance', required_credits: 1.5, current_balance: 0.25 } });
  await waitFor(async () => (await daemon.status()).exhausted, 'exhausted');
  const m = await daemon.metrics();
  assert.equal(m.get(`telephony_api_up${A}`), 1, 'a 402 is a successful poll');
  assert.equal(m.get('telephony_wallet_balance_credits{account="default",currency="USD"}'), 0.25);
  assert.equal((await daemon.status()).balance, 0.25);
  // 0.25 pays for nothing (calls are refused): the money ran out now, not "never" (a rule on the runway would resolve)
  assert.equal(m.get(`telephony_wallet_runway_seconds${A}`), 0);
  assert.equal((await daemon.status()).runway_seconds, 0);
  assert.ok(daemon.logs().some((l) => /top up/i.test(l.msg)), 'the log says what to do');
  sim.setOverride(null);
  await waitFor(async () => !(await daemon.status()).exhausted, 'exhausted cleared by a 200 above 0');
});

test('429 with Retry-After: no request before it passed, skipped polls counted', async (t) => {
  const { sim, daemon } = await setup(t);
  sim.enqueue({ status: 429, headers: { 'Retry-After': '3' } });
  await waitFor(() => sim.requests.some((r) => r.served === 429), 'the 429');
  const at429 = sim.requests.find((r) => r.served === 429)!.at;
  await waitFor(async () => (await daemon.metric('telephony_poll_skipped_total{account="default",reason="rate_limited"}'))! >= 1, 'a skipped poll');
  await waitFor(() => sim.requests.some((r) => r.at > at429 && r.served === 200), 'polling to resume');
  const next = sim.requests.find((r) => r.at > at429)!;
  assert.ok(next.at - at429 >= 2900, `next request ${next.at - at429} ms after the 429`);
  assert.equal(await daemon.metric(code('429')), 1);
});

test('a burst of 500s is retried inside the poll and the poll succeeds', async (t) => {
  // retries wait ~250 + 500 + 1000 ms: the schedule leaves them room before the next poll
  const { sim, daemon } = await setup(t, { POLL_SCHEDULE: '*/5 * * * * *' });
  const failuresBefore = daemon.logs().filter((l) => l.msg.startsWith('poll failed')).length;
  sim.enqueue({ status: 500 }, { status: 503 }, { status: 502 });
  await waitFor(async () => (await daemon.metric(code('502'))) === 1, 'the burst to be served');
  await waitFor(async () => (await daemon.metric(code('200')))! >= 2, 'the retried poll to succeed');
  assert.equal(await daemon.metric(code('500')), 1);
  assert.equal(await daemon.metric(code('503')), 1);
  assert.equal(daemon.logs().filter((l) => l.msg.startsWith('poll failed')).length, failuresBefore, 'no poll failed');
  assert.equal(await daemon.metric(`telephony_api_up${A}`), 1);
});

test('a black-hole upstream ends each poll by the timeout, classified timeout; the daemon keeps serving', async (t) => {
  const { sim, daemon } = await setup(t, { REQUEST_TIMEOUT_MS: '400', POLL_SCHEDULE: '*/2 * * * * *' });
  sim.setOverride({ hang: true });
  await waitFor(async () => (await daemon.status()).last_error?.kind === 'timeout', 'a poll failed by timeout');
  assert.ok((await daemon.metric(code('timeout')))! >= 1);
  assert.equal(await daemon.metric(`telephony_api_up${A}`), 0);
  assert.equal((await daemon.get('/healthz')).status, 200);
});

test('an HTML page or a malformed body is a failed poll with a clear log line, never a balance of 0', async (t) => {
  const { sim, daemon } = await setup(t);
  const balanceBefore = (await daemon.status()).balance;
  for (const body of ['<html><body>Maintenance</body></html>', '{"balance": 12', '{"balance": "abc"}', '{"wallet": {}}']) {
    const failed = daemon.logs().filter((l) => l.kind === 'bad_response').length;
    sim.setOverride({ status: 200, body });
    await waitFor(() => daemon.logs().filter((l) => l.kind === 'bad_response').length > failed, `a failed poll for ${body}`);
    const m = await daemon.metrics();
    assert.equal(m.get(`telephony_api_up${A}`), 0);
    const balance = m.get('telephony_wallet_balance_credits{account="default",currency="USD"}');
    assert.ok(balance !== undefined && balance > 0 && !Number.isNaN(balance), `balance kept its last good value, got ${balance}`);
  }
  const lines = daemon.logs().filter((l) => l.kind === 'bad_response').map((l) => l.msg);
  assert.ok(lines.some((l) => /TELEPHONY_BALANCE_FIELD/.test(l)), lines.join('\n'));
  assert.ok(!lines.some((l) => l.includes('Maintenance')), 'the body is not pasted into the log');
  assert.ok(balanceBefore !== null && balanceBefore > 0);
});

test('an upstream slower than the schedule: one poll in flight at a time, overlaps counted', async (t) => {
  const { sim, daemon } = await setup(t);
  const t0 = Date.now();
  sim.setOverride({ delayMs: 2500 });
  await waitFor(async () => (await daemon.metric('telephony_poll_skipped_total{account="default",reason="overlap"}'))! >= 2, 'overlaps counted', 20_000);
  // requests never overlapped: each started after the previous one was answered (2.5 s apart at least)
  await waitFor(() => sim.requests.filter((r) => r.at >= t0).length >= 3, 'three slow polls', 20_000);
  const slow = sim.requests.filter((r) => r.at >= t0);
  for (let i = 1; i < slow.length; i++) assert.ok(slow[i]!.at - slow[i - 1]!.at >= 2400, 'requests overlapped');
});

test('a 302 to another origin is not followed and the key stays home', async (t) => {
  const other = new Simulator({ apiKey: 'other' });
  await other.start();
  t.after(() => other.close());
  const { sim, daemon } = await setup(t);
  sim.setOverride({ status: 302, headers: { Location: `${other.url}/v1/wallet/balance` } });
  await waitFor(async () => (await daemon.metric(code('302')))! >= 1, 'the redirect answer');
  assert.equal(other.requests.length, 0);
  assert.equal((await daemon.status()).last_error?.kind, 'unexpected_status');
});

test('a failure that goes on is logged once, not at every poll (the rest at debug), and its end says how many polls failed; an empty wallet the same', async (t) => {
  const { sim, daemon } = await setup(t);
  const lines = (re: RegExp) => daemon.logs().filter((l) => re.test(l.msg));
  sim.setOverride({ status: 401 });
  await waitFor(() => lines(/^poll failed: .*401/).length >= 5, () => `five 401 polls\n${daemon.stderr.slice(-3000)}`);
  assert.deepEqual(lines(/^poll failed: .*401/).slice(0, 5).map((l) => l.level), ['error', 'debug', 'debug', 'debug', 'debug']);
  sim.setOverride(null);
  const back = await waitFor(() => lines(/^the balance is read again/)[0], 'the first poll answered');
  assert.equal(back.level, 'info');
  assert.ok(Number(back.failedPolls) >= 5, `failedPolls ${String(back.failedPolls)}`);

  sim.setOverride({ status: 402, body: { error: 'Insufficient credits', code: 'insufficient_balance', required_credits: 1.5, current_balance: 0 } });
  await waitFor(() => lines(/^wallet exhausted/).length >= 4, 'four 402 polls');
  assert.deepEqual(lines(/^wallet exhausted/).slice(0, 4).map((l) => l.level), ['warn', 'debug', 'debug', 'debug']);
  sim.setOverride(null);
  await waitFor(async () => (await daemon.status()).exhausted === false, 'money again');
  sim.setOverride({ status: 402, body: { error: 'Insufficient credits', code: 'insufficient_balance', required_credits: 1.5, current_balance: 0 } });
  await waitFor(() => lines(/^wallet exhausted/).filter((l) => l.level === 'warn').length === 2, 'empty again: warned again');
});
